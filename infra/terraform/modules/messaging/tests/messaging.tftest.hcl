# Plan-only tests of the messaging module against the REAL topology. The provider is the real AWS provider set
# never to call AWS, not a mock_provider: Terraform 1.11's mock providers refuse every ephemeral resource, and
# the module generates the initial API key with one. Nothing here reaches AWS: the account id is overridden,
# the ephemeral password and the secret read-back wait for the secret, which a plan only creates, and the
# computed values the assertions compare are generated during plan (override_resource, override_during = plan).
provider "aws" {
  region                      = "eu-west-1"
  access_key                  = "offline-test"
  secret_key                  = "offline-test"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
  skip_region_validation      = true
}

override_data {
  target = data.aws_caller_identity.current
  values = { account_id = "123456789012", arn = "arn:aws:iam::123456789012:user/test", user_id = "TEST" }
}

# The provider validates ARN arguments, so the ARNs that feed ARN arguments (target, dead-letter, role,
# connection, event source, topic) are valid-looking; the rest (rules, queue DLQs) stay generated and
# therefore distinct.
override_resource {
  target          = aws_sqs_queue.dlq
  override_during = plan
  values          = {}
}
override_resource {
  target          = aws_cloudwatch_event_rule.this
  override_during = plan
  values          = {}
}
override_resource {
  target          = aws_cloudwatch_event_api_destination.this
  override_during = plan
  values          = { arn = "arn:aws:events:eu-west-1:123456789012:api-destination/mock/0000" }
}
override_resource {
  target          = aws_cloudwatch_event_connection.this
  override_during = plan
  values          = { arn = "arn:aws:events:eu-west-1:123456789012:connection/mock/0000" }
}
override_resource {
  target          = aws_cloudwatch_event_bus.this
  override_during = plan
  values          = { arn = "arn:aws:events:eu-west-1:123456789012:event-bus/mock" }
}
override_resource {
  target          = aws_iam_role.api_destination_invoker
  override_during = plan
  values          = { arn = "arn:aws:iam::123456789012:role/mock" }
}
override_resource {
  target          = aws_kms_key.messaging
  override_during = plan
  values          = { arn = "arn:aws:kms:eu-west-1:123456789012:key/mock" }
}
override_resource {
  target          = aws_kms_key.topology
  override_during = plan
  values          = { arn = "arn:aws:kms:eu-west-1:123456789012:key/mock" }
}
override_resource {
  target          = aws_sns_topic.this
  override_during = plan
  values          = { arn = "arn:aws:sns:eu-west-1:123456789012:mock" }
}

# Target queues need distinct valid ARNs to tell which queue a rule delivers to: one override per queue
# of the topology (the first run fails if a queue is added without one).
override_resource {
  target          = aws_sqs_queue.queue["loyalty-order-events"]
  override_during = plan
  values          = { arn = "arn:aws:sqs:eu-west-1:123456789012:shop-test-loyalty-order-events" }
}
override_resource {
  target          = aws_sqs_queue.queue["notifications-events"]
  override_during = plan
  values          = { arn = "arn:aws:sqs:eu-west-1:123456789012:shop-test-notifications-events" }
}
override_resource {
  target          = aws_sqs_queue.queue["order-payment-outcomes"]
  override_during = plan
  values          = { arn = "arn:aws:sqs:eu-west-1:123456789012:shop-test-order-payment-outcomes" }
}
# Target DLQs share one valid ARN; which rule each belongs to is checked through its name and policy.
override_resource {
  target          = aws_sqs_queue.target_dlq
  override_during = plan
  values          = { arn = "arn:aws:sqs:eu-west-1:123456789012:mock-target-dlq" }
}

variables {
  topology                = yamldecode(file("../../../../shared/src/shop_shared/topology/topology.yaml"))
  name_prefix             = "shop-test-"
  payment_events_base_url = "https://api.shop.example/"
}

run "one_queue_and_one_dlq_per_topology_queue" {
  command = plan

  assert {
    condition     = length(distinct(values(aws_sqs_queue.queue)[*].arn)) == length(var.topology.queues) && alltrue([for queue in aws_sqs_queue.queue : startswith(queue.arn, "arn:aws:sqs:")])
    error_message = "Every topology queue needs an override_resource with its own ARN at the top of this file."
  }

  assert {
    condition     = keys(aws_sqs_queue.queue) == keys(var.topology.queues) && keys(aws_sqs_queue.dlq) == keys(var.topology.queues)
    error_message = "Exactly one queue and one DLQ per topology queue."
  }

  assert {
    condition = alltrue([for key, queue in var.topology.queues : (
      aws_sqs_queue.queue[key].name == "shop-test-${key}" && aws_sqs_queue.dlq[key].name == "shop-test-${key}-dlq"
    )])
    error_message = "Queue K is <prefix>K and its DLQ <prefix>K-dlq."
  }

  assert {
    condition = alltrue([for key, queue in var.topology.queues : (
      jsondecode(aws_sqs_queue.queue[key].redrive_policy).maxReceiveCount == queue.max_receive_count
      && jsondecode(aws_sqs_queue.queue[key].redrive_policy).deadLetterTargetArn == aws_sqs_queue.dlq[key].arn
    )])
    error_message = "Each queue redrives to its own DLQ after the topology's max_receive_count."
  }

  assert {
    condition = alltrue([for key, queue in var.topology.queues : (
      aws_sqs_queue.queue[key].visibility_timeout_seconds == queue.visibility_timeout_seconds
    )])
    error_message = "Each queue has the topology's visibility timeout."
  }

  assert {
    condition = alltrue([for key in keys(var.topology.queues) : (
      aws_sqs_queue.dlq[key].message_retention_seconds == 1209600
      && aws_sqs_queue.queue[key].kms_master_key_id == aws_kms_key.messaging.arn
      && aws_sqs_queue.dlq[key].kms_master_key_id == aws_kms_key.messaging.arn
    )])
    error_message = "DLQs keep messages 14 days; queues and DLQs are SSE-KMS with the messaging key."
  }

  assert {
    condition = alltrue([for key in keys(var.topology.queues) : (
      jsondecode(aws_sqs_queue_redrive_allow_policy.dlq[key].redrive_allow_policy).sourceQueueArns == [aws_sqs_queue.queue[key].arn]
    )])
    error_message = "A DLQ accepts redrives from its own queue only."
  }
}

run "queue_policies_allow_exactly_the_rules_that_target_them" {
  command = plan

  assert {
    condition = alltrue([for key in keys(var.topology.queues) : (
      toset(jsondecode(aws_sqs_queue_policy.queue[key].policy).Statement[0].Condition.ArnEquals["aws:SourceArn"])
      == toset([for rule_key, rule in var.topology.rules : aws_cloudwatch_event_rule.this[rule_key].arn if try(rule.target.queue, null) == key])
    )])
    error_message = "Each queue policy allows exactly the rules whose target is that queue."
  }

  assert {
    condition = alltrue([for policy in aws_sqs_queue_policy.queue : (
      jsondecode(policy.policy).Statement[0].Principal.Service == "events.amazonaws.com"
      && jsondecode(policy.policy).Statement[0].Action == ["sqs:SendMessage"]
    )])
    error_message = "Queue policies only let EventBridge send messages."
  }
}

run "one_rule_per_topology_rule_with_exactly_its_pattern" {
  command = plan

  assert {
    condition     = keys(aws_cloudwatch_event_rule.this) == keys(var.topology.rules)
    error_message = "Exactly one rule per topology rule."
  }

  assert {
    condition = alltrue([for key, rule in var.topology.rules : (
      jsondecode(aws_cloudwatch_event_rule.this[key].event_pattern) == rule.event_pattern
      && aws_cloudwatch_event_rule.this[key].name == "shop-test-${key}"
      && aws_cloudwatch_event_rule.this[key].event_bus_name == "shop-test-${var.topology.event_bus}"
    )])
    error_message = "Each rule is <prefix><key> on the custom bus with exactly the topology's event pattern."
  }
}

run "each_target_points_at_its_declared_queue_or_api_destination" {
  command = plan

  assert {
    condition     = keys(aws_cloudwatch_event_target.this) == keys(var.topology.rules)
    error_message = "One target per rule."
  }

  assert {
    condition = alltrue([for key, rule in var.topology.rules : (
      aws_cloudwatch_event_target.this[key].arn == aws_sqs_queue.queue[rule.target.queue].arn
      && aws_cloudwatch_event_target.this[key].role_arn == null
    ) if try(rule.target.queue, null) != null])
    error_message = "A queue rule's target is its declared queue (no role: the queue policy authorises it)."
  }

  assert {
    condition = alltrue([for key, rule in var.topology.rules : (
      aws_cloudwatch_event_target.this[key].arn == aws_cloudwatch_event_api_destination.this[rule.target.api_destination].arn
      && aws_cloudwatch_event_target.this[key].role_arn == aws_iam_role.api_destination_invoker[0].arn
    ) if try(rule.target.api_destination, null) != null])
    error_message = "An API destination rule's target is its declared API destination, called with the invoker role."
  }

  assert {
    condition = alltrue([for key in keys(var.topology.rules) : (
      aws_cloudwatch_event_target.this[key].dead_letter_config[0].arn == aws_sqs_queue.target_dlq[key].arn
      && aws_sqs_queue.target_dlq[key].name == "shop-test-${key}-target-dlq"
    )])
    error_message = "Every target has its own DLQ, <prefix><rule>-target-dlq."
  }

  assert {
    condition = alltrue([for target in aws_cloudwatch_event_target.this : (
      target.retry_policy[0].maximum_event_age_in_seconds == 86400 && target.retry_policy[0].maximum_retry_attempts == 185
    )])
    error_message = "Every target has a retry policy."
  }

  assert {
    condition = alltrue([for key in keys(var.topology.rules) : (
      jsondecode(aws_sqs_queue_policy.target_dlq[key].policy).Statement[0].Condition.ArnEquals["aws:SourceArn"] == aws_cloudwatch_event_rule.this[key].arn
    )])
    error_message = "Each target DLQ lets exactly its rule send undelivered events."
  }
}

run "api_destination_calls_the_service_at_the_topology_rate" {
  command = plan

  assert {
    condition     = keys(aws_cloudwatch_event_api_destination.this) == keys(var.topology.api_destinations)
    error_message = "One API destination per topology API destination."
  }

  assert {
    condition = alltrue([for key, destination in var.topology.api_destinations : (
      aws_cloudwatch_event_api_destination.this[key].invocation_rate_limit_per_second == destination.invocation_rate_limit_per_second
      && aws_cloudwatch_event_api_destination.this[key].http_method == destination.http_method
      && aws_cloudwatch_event_api_destination.this[key].invocation_endpoint == "https://api.shop.example${destination.path}"
      && aws_cloudwatch_event_api_destination.this[key].connection_arn == aws_cloudwatch_event_connection.this[key].arn
    )])
    error_message = "The API destination calls base URL + topology path with the topology's method and rate limit."
  }

  assert {
    condition = alltrue([for key, destination in var.topology.api_destinations : (
      aws_cloudwatch_event_connection.this[key].authorization_type == "API_KEY"
      && aws_cloudwatch_event_connection.this[key].auth_parameters[0].api_key[0].key == destination.api_key_header
      && aws_cloudwatch_event_connection.this[key].name == "shop-test-${key}"
    )])
    error_message = "The connection sends the API key in the topology's header."
  }

  assert {
    condition = (
      jsondecode(aws_iam_role_policy.api_destination_invoker[0].policy).Statement[0].Action == ["events:InvokeApiDestination"]
      && toset(jsondecode(aws_iam_role_policy.api_destination_invoker[0].policy).Statement[0].Resource) == toset(values(aws_cloudwatch_event_api_destination.this)[*].arn)
    )
    error_message = "The invoker role may only invoke the API destinations."
  }
}

run "secrets_keys_topics_bus" {
  command = plan

  assert {
    condition = alltrue([for key in keys(var.topology.secrets) : (
      aws_secretsmanager_secret.this[key].name == "shop-test-${key}"
    )]) && length(aws_secretsmanager_secret_version.initial) == length(var.topology.secrets)
    error_message = "One secret, with a generated initial value, per topology secret."
  }

  assert {
    condition = alltrue([for key in keys(var.topology.kms_keys) : (
      aws_kms_alias.topology[key].name == "alias/shop-test-${key}" && aws_kms_key.topology[key].enable_key_rotation
    )]) && aws_kms_alias.messaging.name == "alias/shop-test-messaging"
    error_message = "One rotating key per topology key, aliased alias/<prefix><key>, plus the messaging key."
  }

  assert {
    condition = alltrue([for key in keys(var.topology.sns_topics) : (
      aws_sns_topic.this[key].name == "shop-test-${key}" && aws_sns_topic.this[key].kms_master_key_id == aws_kms_key.messaging.arn
    )])
    error_message = "One KMS-encrypted topic per topology SNS topic."
  }

  assert {
    condition = (
      aws_cloudwatch_event_bus.this.name == "shop-test-${var.topology.event_bus}"
      && aws_cloudwatch_event_archive.this.retention_days == 30
      && aws_cloudwatch_event_archive.this.event_source_arn == aws_cloudwatch_event_bus.this.arn
      && length(aws_schemas_discoverer.this) == 1
    )
    error_message = "The custom bus has an archive (30 days by default) and a schema discoverer."
  }

  assert {
    condition = contains(
      [for statement in jsondecode(aws_kms_key.messaging.policy).Statement : statement.Principal],
      { Service = "events.amazonaws.com" }
    )
    error_message = "The messaging key lets EventBridge write into the encrypted queues."
  }
}

run "the_api_key_stays_out_of_plans_and_state" {
  command = plan

  assert {
    condition = alltrue([for key in keys(var.topology.secrets) : (
      aws_secretsmanager_secret_version.initial[key].secret_string == null
      && aws_secretsmanager_secret_version.initial[key].secret_binary == null
      && aws_secretsmanager_secret_version.initial[key].secret_string_wo_version == 1
    )])
    error_message = "The initial key goes into the write-only secret_string_wo (version 1, never bumped), never into secret_string."
  }
}

run "secrets_are_kept_30_days_after_deletion_by_default" {
  command = plan

  assert {
    condition     = alltrue([for secret in aws_secretsmanager_secret.this : secret.recovery_window_in_days == 30])
    error_message = "A deleted secret can be restored for 30 days by default."
  }
}

run "a_throw_away_environment_deletes_its_secrets_at_once" {
  command = plan

  variables {
    secret_recovery_window_days = 0
  }

  assert {
    condition     = alltrue([for secret in aws_secretsmanager_secret.this : secret.recovery_window_in_days == 0])
    error_message = "secret_recovery_window_days = 0 deletes the secrets at once, so the names are free again for a re-created environment."
  }
}

run "schema_discovery_can_be_switched_off" {
  command = plan

  variables {
    enable_schema_discovery = false
    archive_retention_days  = 7
  }

  assert {
    condition     = length(aws_schemas_discoverer.this) == 0 && aws_cloudwatch_event_archive.this.retention_days == 7
    error_message = "No discoverer when disabled; the archive keeps the given days."
  }
}

run "plain_http_base_url_is_refused" {
  command = plan

  variables {
    payment_events_base_url = "http://api.shop.example"
  }

  expect_failures = [var.payment_events_base_url]
}
