# What each service is told (its environment) and allowed (its task role policy), both derived from the
# references in topology.services, so a variable added to the topology gets its value and its permission
# together and nothing is listed twice.

locals {
  services = var.topology.services

  # Every reference parsed like DeployedTopology.resolve: "<kind>[:<key>]"; bus and email_sender carry no key.
  references = {
    for service, variables in local.services : service => {
      for variable, reference in variables : variable => {
        kind   = split(":", reference)[0]
        lookup = contains(["bus", "email_sender"], split(":", reference)[0]) ? split(":", reference)[0] : reference
      }
    }
  }

  # What the topology cannot say about a service, kept here and nowhere else:
  #   sms             - it sends SMS with SNS Publish to phone numbers (no resource a reference could name);
  #   kms_key_actions - which way it uses its kms_key references: order only encrypts contacts
  #                     (adapters/contact_encryption.py), notifications only decrypts them (adapters/contact_decryption.py).
  # A service not listed here gets kms_key_actions = local.actions_by_kind.kms_key and no SMS.
  service_extras = {
    order         = { kms_key_actions = ["kms:Encrypt"], sms = false }
    notifications = { kms_key_actions = ["kms:Decrypt"], sms = true }
  }

  # Resolution exactly like DeployedTopology.resolve (shared/src/shop_shared/topology/names.py): bus -> bus name,
  # email_sender -> the address (var.email_sender: the deployment's, not the topology's local one), kms_key -> alias
  # name, activity/state_machine -> ARN, table/queue/secret -> name.
  # The secret's name is read back from its ARN ("...:secret:<name>-<6 random characters>"); an ARN that does
  # not parse is passed as is, which Secrets Manager accepts as a SecretId just the same.
  secret_names = {
    for key, arn in var.secret_arns : key => try(regex("^arn:[^:]+:secretsmanager:[^:]+:[^:]+:secret:(.+)-[0-9A-Za-z]{6}$", arn)[0], arn)
  }
  values_by_reference = merge(
    { bus = var.event_bus_name, email_sender = var.email_sender },
    { for key, name in var.table_names : "table:${key}" => name },
    { for key, name in var.queue_names : "queue:${key}" => name },
    { for key, name in local.secret_names : "secret:${key}" => name },
    { for key, alias in var.kms_key_aliases : "kms_key:${key}" => alias },
    { for key, arn in var.activity_arns : "activity:${key}" => arn },
    { for key, arn in var.state_machine_arns : "state_machine:${key}" => arn },
  )

  # The resources a reference grants access to. A table's indexes only when the topology declares some
  # (order queries orders by customer through the by-customer index).
  resources_by_reference = merge(
    { bus = [var.event_bus_arn], email_sender = [var.email_identity_arn] },
    {
      for key, arn in var.table_arns : "table:${key}" =>
      length(try(var.topology.tables[key].indexes, {})) > 0 ? [arn, "${arn}/index/*"] : [arn]
    },
    { for key, arn in var.queue_arns : "queue:${key}" => [arn] },
    { for key, arn in var.secret_arns : "secret:${key}" => [arn] },
    { for key, arn in var.kms_key_arns : "kms_key:${key}" => [arn] },
    { for key, arn in var.activity_arns : "activity:${key}" => [arn] },
    { for key, arn in var.state_machine_arns : "state_machine:${key}" => [arn] },
  )

  # The actions the service and shared code call on each kind of reference, and nothing else:
  #   bus           - shop_shared.messaging.publisher: PutEvents.
  #   table         - repositories: GetItem, PutItem, UpdateItem, Query (orders by customer, notifications,
  #                   payment's due-work index), Scan (loyalty's segment scan, the outbox relay), DescribeTable
  #                   (loyalty's account count); TransactWriteItems is authorised per item as Put/Update.
  #                   Nobody calls DeleteItem or a ConditionCheck, so neither is granted.
  #   queue         - shop_shared.messaging: GetQueueUrl (bootstrap), GetQueueAttributes, ReceiveMessage,
  #                   DeleteMessageBatch (= sqs:DeleteMessage), ChangeMessageVisibility(Batch) (= sqs:ChangeMessageVisibility).
  #   secret        - payment's API key source: GetSecretValue of AWSCURRENT and AWSPREVIOUS (same action).
  #   kms_key       - Encrypt/Decrypt of contacts (narrowed per service in local.service_extras).
  #   activity      - shop_shared.activity.runner: the long poll and the task results; task tokens belong to the activity.
  #   email_sender  - SES SendEmail (adapters/email.py uses SendEmail, never SendRawEmail).
  #   state_machine - nothing: BATCH_STATE_MACHINE_ARN is informational, the worker never calls the state machine
  #                   (the schedule or an operator starts it).
  actions_by_kind = {
    bus           = ["events:PutEvents"]
    table         = ["dynamodb:DescribeTable", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query", "dynamodb:Scan", "dynamodb:UpdateItem"]
    queue         = ["sqs:ChangeMessageVisibility", "sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:GetQueueUrl", "sqs:ReceiveMessage"]
    secret        = ["secretsmanager:GetSecretValue"]
    kms_key       = ["kms:Decrypt", "kms:Encrypt"]
    activity      = ["states:GetActivityTask", "states:SendTaskFailure", "states:SendTaskHeartbeat", "states:SendTaskSuccess"]
    email_sender  = ["ses:SendEmail"]
    state_machine = []
  }
  # The outbox relay (shop_shared.outbox) deletes published entries with BatchWriteItem. Every service builds its
  # outbox from its <PREFIX>_OUTBOX_TABLE setting, so that suffix marks the outbox tables.
  outbox_variable_pattern = "_OUTBOX_TABLE$"

  reference_statements = {
    for service, references in local.references : service => [
      for variable, reference in references : {
        # ORDER_ORDERS_TABLE -> OrderOrdersTable: each statement says which setting it serves.
        sid = replace(title(lower(replace(variable, "_", " "))), " ", "")
        actions = sort(concat(
          reference.kind == "kms_key"
          ? try(local.service_extras[service].kms_key_actions, local.actions_by_kind.kms_key)
          : local.actions_by_kind[reference.kind],
          reference.kind == "table" && can(regex(local.outbox_variable_pattern, variable)) ? ["dynamodb:BatchWriteItem"] : [],
        ))
        resources = lookup(local.resources_by_reference, reference.lookup, null)
        # Only the sender address, even though the identity is the whole domain.
        conditions = reference.kind == "email_sender" ? [
          { test = "StringEquals", variable = "ses:FromAddress", values = [var.email_sender] }
        ] : []
      } if length(local.actions_by_kind[reference.kind]) > 0
    ]
  }

  extra_statements = {
    for service, references in local.references : service => concat(
      # ReceiveMessage on an SSE-KMS queue decrypts with the queue's key, on the caller's permissions.
      var.queue_kms_key_arn != null && anytrue([for reference in values(references) : reference.kind == "queue"]) ? [{
        sid        = "DecryptQueueMessages"
        actions    = ["kms:Decrypt"]
        resources  = [var.queue_kms_key_arn]
        conditions = [{ test = "StringEquals", variable = "kms:ViaService", values = ["sqs.${var.aws_region}.amazonaws.com"] }]
      }] : [],
      var.secret_kms_key_arn != null && anytrue([for reference in values(references) : reference.kind == "secret"]) ? [{
        sid        = "DecryptSecrets"
        actions    = ["kms:Decrypt"]
        resources  = [var.secret_kms_key_arn]
        conditions = [{ test = "StringEquals", variable = "kms:ViaService", values = ["secretsmanager.${var.aws_region}.amazonaws.com"] }]
      }] : [],
      # SNS Publish to a phone number names no resource (IAM sees "*"), so "Resource" cannot narrow it. NotResource
      # on every SNS ARN can: the statement then allows Publish on anything that is NOT a topic (or a mobile
      # platform endpoint), which leaves exactly the phone numbers. A compromised notifications task cannot
      # publish into any topic, the alarm topic included.
      var.sms_enabled && try(local.service_extras[service].sms, false) ? [{
        sid           = "SendSmsToPhoneNumbers"
        actions       = ["sns:Publish"]
        not_resources = ["arn:*:sns:*:*:*"]
        conditions    = []
      }] : [],
    )
  }

  statements = {
    for service in keys(local.services) : service => concat(local.reference_statements[service], local.extra_statements[service])
  }

  environment = {
    for service, references in local.references : service => merge(
      { AWS_REGION = var.aws_region },
      { for variable, reference in references : variable => lookup(local.values_by_reference, reference.lookup, null) },
    )
  }

  # References the maps given to this module do not resolve, to a value or to a resource (a precondition below names them).
  unresolved = {
    for service, references in local.references : service => [
      for variable, reference in references : "${variable} -> ${reference.lookup}"
      if !contains(keys(local.values_by_reference), reference.lookup) || !contains(keys(local.resources_by_reference), reference.lookup)
    ]
  }
}

data "aws_iam_policy_document" "task" {
  for_each = local.services

  dynamic "statement" {
    for_each = local.statements[each.key]

    content {
      sid           = statement.value.sid
      effect        = "Allow"
      actions       = statement.value.actions
      resources     = try(statement.value.resources, null)
      not_resources = try(statement.value.not_resources, null) # only SMS: see extra_statements

      dynamic "condition" {
        for_each = statement.value.conditions

        content {
          test     = condition.value.test
          variable = condition.value.variable
          values   = condition.value.values
        }
      }
    }
  }

  lifecycle {
    precondition {
      condition     = length(local.unresolved[each.key]) == 0
      error_message = "Service ${each.key} references resources missing from the maps given to this module: ${join(", ", local.unresolved[each.key])}."
    }
    precondition {
      condition     = length(local.statements[each.key]) > 0
      error_message = "Service ${each.key} needs no AWS permission at all; an empty task role policy is not valid IAM."
    }
  }
}
