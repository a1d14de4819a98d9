# Runs offline: `terraform test` from infra/terraform/modules/service-access.
#
# The module creates nothing; its policies come from data "aws_iam_policy_document", which the AWS provider
# renders locally. A mock_provider would replace that rendered JSON with a random string, so these tests use
# the real provider configured to never call AWS, and assert on the JSON the task roles would really get.
provider "aws" {
  region                      = "eu-west-1"
  access_key                  = "offline-test"
  secret_key                  = "offline-test"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
  skip_region_validation      = true
}

# The real topology, and fake names/ARNs for every key it declares, named "shop-test-<key>" like the
# deployment names them ("<name_prefix><key>").
variables {
  topology       = yamldecode(file("../../../../shared/src/shop_shared/topology/topology.yaml"))
  aws_region     = "eu-west-1"
  event_bus_name = "shop-test-events"
  event_bus_arn  = "arn:aws:events:eu-west-1:111122223333:event-bus/shop-test-events"

  table_names = { for key in keys(yamldecode(file("../../../../shared/src/shop_shared/topology/topology.yaml")).tables) : key => "shop-test-${key}" }
  table_arns  = { for key in keys(yamldecode(file("../../../../shared/src/shop_shared/topology/topology.yaml")).tables) : key => "arn:aws:dynamodb:eu-west-1:111122223333:table/shop-test-${key}" }
  queue_names = { for key in keys(yamldecode(file("../../../../shared/src/shop_shared/topology/topology.yaml")).queues) : key => "shop-test-${key}" }
  queue_arns  = { for key in keys(yamldecode(file("../../../../shared/src/shop_shared/topology/topology.yaml")).queues) : key => "arn:aws:sqs:eu-west-1:111122223333:shop-test-${key}" }
  # Secrets Manager appends "-" and six random characters to the name in the ARN.
  secret_arns        = { for key in keys(yamldecode(file("../../../../shared/src/shop_shared/topology/topology.yaml")).secrets) : key => "arn:aws:secretsmanager:eu-west-1:111122223333:secret:shop-test-${key}-Ab12Cd" }
  kms_key_arns       = { for key in keys(yamldecode(file("../../../../shared/src/shop_shared/topology/topology.yaml")).kms_keys) : key => "arn:aws:kms:eu-west-1:111122223333:key/0000-${key}" }
  kms_key_aliases    = { for key in keys(yamldecode(file("../../../../shared/src/shop_shared/topology/topology.yaml")).kms_keys) : key => "alias/shop-test-${key}" }
  activity_arns      = { for key in keys(yamldecode(file("../../../../shared/src/shop_shared/topology/topology.yaml")).activities) : key => "arn:aws:states:eu-west-1:111122223333:activity:shop-test-${key}" }
  state_machine_arns = { for key in keys(yamldecode(file("../../../../shared/src/shop_shared/topology/topology.yaml")).state_machines) : key => "arn:aws:states:eu-west-1:111122223333:stateMachine:shop-test-${key}" }
  # The deployment's sender, deliberately not the topology's (the local runtime's) address.
  email_sender       = "no-reply@mail.shop-test.example"
  email_identity_arn = "arn:aws:ses:eu-west-1:111122223333:identity/mail.shop-test.example"
}

run "every_service_gets_exactly_its_variables" {
  command = plan

  assert {
    condition     = keys(output.environment) == keys(var.topology.services)
    error_message = "One environment per topology service, no more."
  }

  assert {
    condition = alltrue([
      for service, variables in var.topology.services :
      sort(keys(output.environment[service])) == sort(concat(keys(variables), ["AWS_REGION"]))
    ])
    error_message = "Each service gets exactly its topology variables plus AWS_REGION."
  }

  # DeployedTopology.resolve, restated: name(key) = prefix + key; kms alias = "alias/" + name; ARNs for
  # activities and state machines; the bus is name(event_bus); email_sender is the deployment's address.
  assert {
    condition = alltrue(flatten([
      for service, variables in var.topology.services : [
        for variable, reference in variables : output.environment[service][variable] == (
          reference == "bus" ? "shop-test-${var.topology.event_bus}" :
          reference == "email_sender" ? var.email_sender :
          startswith(reference, "kms_key:") ? "alias/shop-test-${split(":", reference)[1]}" :
          startswith(reference, "activity:") ? "arn:aws:states:eu-west-1:111122223333:activity:shop-test-${split(":", reference)[1]}" :
          startswith(reference, "state_machine:") ? "arn:aws:states:eu-west-1:111122223333:stateMachine:shop-test-${split(":", reference)[1]}" :
          "shop-test-${split(":", reference)[1]}"
        )
      ]
    ]))
    error_message = "Every value must be what DeployedTopology.resolve gives for the same prefix."
  }

  assert {
    condition     = alltrue([for environment in values(output.environment) : environment.AWS_REGION == "eu-west-1"])
    error_message = "Every service is told its region."
  }

  assert {
    condition     = output.environment["payment"]["PAYMENT_API_KEY_SECRET_ID"] == "shop-test-payment-events-api-key"
    error_message = "The secret resolves to its name (read back from the ARN without the random suffix)."
  }
}

run "policies_are_least_privilege" {
  command = plan

  assert {
    condition     = keys(output.policy_json) == keys(var.topology.services)
    error_message = "One policy per topology service."
  }

  assert {
    condition = alltrue(flatten([
      for policy in values(output.policy_json) : [
        for statement in jsondecode(policy).Statement : [
          for action in flatten([statement.Action]) : action != "*" && !endswith(action, ":*")
        ]
      ]
    ]))
    error_message = "No statement may allow \"*\" or \"<service>:*\"."
  }

  # No statement on Resource "*": even SMS publishing, which names no resource, is scoped (NotResource, below).
  assert {
    condition = alltrue(flatten([
      for policy in values(output.policy_json) : [
        for statement in jsondecode(policy).Statement : !contains(flatten([try(statement.Resource, [])]), "*")
      ]
    ]))
    error_message = "No statement may allow Resource \"*\"."
  }

  # The only NotResource statement is SMS: sns:Publish on anything but an SNS ARN, i.e. phone numbers and no topic.
  assert {
    condition = alltrue(flatten([
      for policy in values(output.policy_json) : [
        for statement in jsondecode(policy).Statement :
        flatten([statement.Action]) == ["sns:Publish"] && flatten([statement.NotResource]) == ["arn:*:sns:*:*:*"] && !can(statement.Resource)
        if can(statement.NotResource) || contains(flatten([statement.Action]), "sns:Publish")
      ]
    ]))
    error_message = "sns:Publish only with NotResource on every SNS ARN (SMS to phone numbers, never a topic), and NotResource for nothing else."
  }

  assert {
    condition = alltrue([
      for policy in values(output.policy_json) :
      alltrue([for statement in jsondecode(policy).Statement : statement.Effect == "Allow" && can(regex("^[A-Za-z0-9]+$", statement.Sid))])
    ])
    error_message = "Every statement is an Allow with an alphanumeric Sid."
  }
}

run "order_puts_events_on_the_bus_only" {
  command = plan

  assert {
    condition = length([
      for statement in jsondecode(output.policy_json["order"]).Statement : statement
      if contains(flatten([statement.Action]), "events:PutEvents")
    ]) == 1
    error_message = "order has one PutEvents statement."
  }

  assert {
    condition = alltrue([
      for statement in jsondecode(output.policy_json["order"]).Statement :
      flatten([try(statement.Resource, [])]) == [var.event_bus_arn] && flatten([statement.Action]) == ["events:PutEvents"]
      if anytrue([for action in flatten([statement.Action]) : startswith(action, "events:")])
    ])
    error_message = "order's only EventBridge permission is events:PutEvents on the bus ARN."
  }

  # The by-customer index is queried, the outbox relay batch-deletes, contacts are only encrypted.
  assert {
    condition = anytrue([
      for statement in jsondecode(output.policy_json["order"]).Statement :
      contains(flatten([try(statement.Resource, [])]), "${var.table_arns["orders"]}/index/*") && contains(flatten([statement.Action]), "dynamodb:Query")
    ])
    error_message = "order may query the indexes of its orders table."
  }

  assert {
    condition = anytrue([
      for statement in jsondecode(output.policy_json["order"]).Statement :
      contains(flatten([try(statement.Resource, [])]), var.table_arns["order-outbox"]) && contains(flatten([statement.Action]), "dynamodb:BatchWriteItem")
    ])
    error_message = "order's outbox relay needs BatchWriteItem on its outbox table."
  }

  assert {
    condition = alltrue([
      for statement in jsondecode(output.policy_json["order"]).Statement :
      !contains(flatten([statement.Action]), "dynamodb:BatchWriteItem") if !contains(flatten([try(statement.Resource, [])]), var.table_arns["order-outbox"])
    ])
    error_message = "BatchWriteItem only on the outbox table."
  }

  assert {
    condition = alltrue([
      for statement in jsondecode(output.policy_json["order"]).Statement :
      flatten([statement.Action]) == ["kms:Encrypt"] if contains(flatten([try(statement.Resource, [])]), var.kms_key_arns["customer-contact"])
    ])
    error_message = "order only encrypts with the contact key."
  }
}

run "notifications_cannot_touch_the_orders_table" {
  command = plan

  assert {
    condition = alltrue(flatten([
      for statement in jsondecode(output.policy_json["notifications"]).Statement : [
        for resource in flatten([try(statement.Resource, [])]) :
        resource != var.table_arns["orders"] && !startswith(resource, "${var.table_arns["orders"]}/")
      ]
    ]))
    error_message = "notifications must have no permission on the orders table or its indexes."
  }

  assert {
    condition = alltrue(flatten([
      for statement in jsondecode(output.policy_json["notifications"]).Statement : [
        for action in flatten([statement.Action]) : !startswith(action, "dynamodb:")
      ] if contains(flatten([try(statement.Resource, [])]), "*")
    ]))
    error_message = "No DynamoDB action on Resource \"*\"."
  }

  assert {
    condition = anytrue([
      for statement in jsondecode(output.policy_json["notifications"]).Statement :
      flatten([statement.Action]) == ["ses:SendEmail"] && flatten([try(statement.Resource, [])]) == [var.email_identity_arn]
      && try(statement.Condition.StringEquals["ses:FromAddress"], null) == var.email_sender
    ])
    error_message = "notifications sends e-mail from the deployment's sender (email_sender) only."
  }

  assert {
    condition = anytrue([
      for statement in jsondecode(output.policy_json["notifications"]).Statement :
      statement.Sid == "SendSmsToPhoneNumbers" && flatten([statement.Action]) == ["sns:Publish"] && flatten([try(statement.NotResource, [])]) == ["arn:*:sns:*:*:*"] && !can(statement.Resource)
    ])
    error_message = "notifications may send SMS: sns:Publish on everything but SNS ARNs (no topic)."
  }

  assert {
    condition = alltrue([
      for statement in jsondecode(output.policy_json["notifications"]).Statement :
      flatten([statement.Action]) == ["kms:Decrypt"] if contains(flatten([try(statement.Resource, [])]), var.kms_key_arns["customer-contact"])
    ])
    error_message = "notifications only decrypts with the contact key."
  }
}

run "batch_worker_works_on_the_activity" {
  command = plan

  assert {
    condition = anytrue([
      for statement in jsondecode(output.policy_json["batch-worker"]).Statement :
      contains(flatten([statement.Action]), "states:GetActivityTask") && flatten([try(statement.Resource, [])]) == [var.activity_arns["loyalty-tier-tasks"]]
    ])
    error_message = "batch-worker may GetActivityTask on the activity."
  }

  assert {
    condition = alltrue([
      for statement in jsondecode(output.policy_json["batch-worker"]).Statement :
      !contains(flatten([try(statement.Resource, [])]), var.state_machine_arns["loyalty-tiers"])
    ])
    error_message = "batch-worker never calls the state machine, so it gets no permission on it."
  }

  assert {
    condition = anytrue([
      for statement in jsondecode(output.policy_json["batch-worker"]).Statement :
      contains(flatten([try(statement.Resource, [])]), var.table_arns["loyalty-outbox"]) && contains(flatten([statement.Action]), "dynamodb:BatchWriteItem")
    ])
    error_message = "batch-worker writes accounts and its outbox in transactions and relays the outbox."
  }

  assert {
    condition = anytrue([
      for statement in jsondecode(output.policy_json["batch-worker"]).Statement :
      flatten([try(statement.Resource, [])]) == [var.table_arns["loyalty-accounts"]] && contains(flatten([statement.Action]), "dynamodb:PutItem")
    ])
    error_message = "batch-worker saves loyalty accounts."
  }
}

run "queue_and_secret_keys_are_decrypted_through_their_service_only" {
  command = plan

  variables {
    queue_kms_key_arn  = "arn:aws:kms:eu-west-1:111122223333:key/0000-messaging"
    secret_kms_key_arn = "arn:aws:kms:eu-west-1:111122223333:key/0000-messaging"
  }

  assert {
    condition = alltrue([
      for service, variables in var.topology.services :
      anytrue([
        for statement in jsondecode(output.policy_json[service]).Statement :
        statement.Sid == "DecryptQueueMessages" && try(statement.Condition.StringEquals["kms:ViaService"], null) == "sqs.eu-west-1.amazonaws.com"
      ]) == anytrue([for reference in values(variables) : startswith(reference, "queue:")])
    ])
    error_message = "Exactly the queue consumers may decrypt with the queue key, and only through SQS."
  }

  assert {
    condition = anytrue([
      for statement in jsondecode(output.policy_json["payment"]).Statement :
      statement.Sid == "DecryptSecrets" && try(statement.Condition.StringEquals["kms:ViaService"], null) == "secretsmanager.eu-west-1.amazonaws.com"
    ])
    error_message = "payment may decrypt its secret through Secrets Manager."
  }
}

run "sms_can_be_switched_off" {
  command = plan

  variables {
    sms_enabled = false
  }

  assert {
    condition = alltrue(flatten([
      for policy in values(output.policy_json) : [
        for statement in jsondecode(policy).Statement : !contains(flatten([statement.Action]), "sns:Publish")
      ]
    ]))
    error_message = "Without SMS nobody may publish to SNS."
  }
}

run "an_unresolvable_reference_fails_the_plan" {
  command = plan

  variables {
    queue_names = {}
    queue_arns  = {}
  }

  expect_failures = [data.aws_iam_policy_document.task]
}

run "an_unknown_reference_kind_is_rejected" {
  command = plan

  variables {
    topology = {
      event_bus    = "events"
      email_sender = "no-reply@shop.example"
      tables       = {}
      services     = { order = { ORDER_TOPIC = "topic:orders" } }
    }
  }

  expect_failures = [var.topology]
}

run "the_sender_is_the_deployment_s_not_the_topology_s" {
  command = plan

  assert {
    condition = (
      output.environment["notifications"]["NOTIFICATIONS_EMAIL_SENDER"] == "no-reply@mail.shop-test.example" &&
      var.topology.email_sender != "no-reply@mail.shop-test.example"
    )
    error_message = "On AWS notifications sends from email_sender; the topology's address is the local runtime's."
  }
}

run "a_sender_that_is_not_an_address_is_refused" {
  command = plan

  variables {
    email_sender = "Shop <no-reply@mail.shop-test.example>"
  }

  expect_failures = [var.email_sender]
}
