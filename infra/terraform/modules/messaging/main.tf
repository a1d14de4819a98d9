# Everything the services exchange messages through, created from the shared topology: the custom bus with
# its archive and schema discoverer, the queues with their DLQs, the rules and their targets (each with a
# retry policy and its own DLQ), the API destination with its connection and API key secret, the KMS keys
# and the SNS topics. Nothing here names a queue, rule or table: every set is a for_each over the topology.

data "aws_caller_identity" "current" {}
data "aws_region" "current" {}
data "aws_partition" "current" {}

locals {
  account_id = data.aws_caller_identity.current.account_id
  region     = data.aws_region.current.name
  partition  = data.aws_partition.current.partition

  queues           = var.topology.queues
  rules            = var.topology.rules
  api_destinations = var.topology.api_destinations
  secrets          = var.topology.secrets
  kms_keys         = var.topology.kms_keys
  sns_topics       = var.topology.sns_topics

  bus_name = "${var.name_prefix}${var.topology.event_bus}"

  # The rules delivering into each queue: its access policy allows exactly these.
  queue_rules = {
    for queue in keys(local.queues) : queue => [for key, rule in local.rules : key if try(rule.target.queue, null) == queue]
  }
  queue_rule_arns = {
    for queue, rules in local.queue_rules : queue => [for rule in rules : aws_cloudwatch_event_rule.this[rule].arn] if length(rules) > 0
  }
  api_destination_rules = [for key, rule in local.rules : key if try(rule.target.api_destination, null) != null]

  # Where each rule delivers: its queue, or its API destination (called with the invoker role).
  target_arns = merge(
    { for key, rule in local.rules : key => aws_sqs_queue.queue[rule.target.queue].arn if try(rule.target.queue, null) != null },
    { for key, rule in local.rules : key => aws_cloudwatch_event_api_destination.this[rule.target.api_destination].arn if try(rule.target.api_destination, null) != null },
  )

  service_base_urls = merge({ payment = var.payment_events_base_url }, var.api_destination_base_urls)

  dlq_retention_seconds = 14 * 24 * 3600

  # Every action IAM policies of this account may grant on a key (an explicit list rather than kms:*).
  kms_account_actions = [
    "kms:CancelKeyDeletion", "kms:CreateAlias", "kms:CreateGrant", "kms:Decrypt", "kms:DeleteAlias", "kms:DescribeKey",
    "kms:DisableKey", "kms:DisableKeyRotation", "kms:EnableKey", "kms:EnableKeyRotation", "kms:Encrypt",
    "kms:GenerateDataKey", "kms:GenerateDataKeyWithoutPlaintext", "kms:GetKeyPolicy", "kms:GetKeyRotationStatus",
    "kms:ListGrants", "kms:ListKeyPolicies", "kms:ListKeyRotations", "kms:ListResourceTags", "kms:PutKeyPolicy",
    "kms:ReEncryptFrom", "kms:ReEncryptTo", "kms:RetireGrant", "kms:RevokeGrant", "kms:RotateKeyOnDemand",
    "kms:ScheduleKeyDeletion", "kms:TagResource", "kms:UntagResource", "kms:UpdateAlias", "kms:UpdateKeyDescription",
  ]
  # In a key policy "Resource": "*" means the key the policy is attached to.
  kms_account_statement = {
    Sid       = "AccountAdministersKeyAndDelegatesUseToIam"
    Effect    = "Allow"
    Principal = { AWS = "arn:${local.partition}:iam::${local.account_id}:root" }
    Action    = local.kms_account_actions
    Resource  = "*"
  }
}

# ---------------------------------------------------------------------------------------------------------
# KMS: one key for the messaging plumbing (SQS, SNS, CloudWatch Logs) and the topology's application keys.
# ---------------------------------------------------------------------------------------------------------

resource "aws_kms_key" "messaging" {
  description             = "${var.name_prefix}messaging: SQS queues, SNS topics and CloudWatch log groups"
  enable_key_rotation     = true
  deletion_window_in_days = var.kms_deletion_window_days
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      local.kms_account_statement,
      {
        # EventBridge writes into the SSE-KMS queues. No aws:SourceAccount/SourceArn condition: the KMS
        # request made for an EventBridge delivery does not carry them, and a condition would silently drop
        # every event. The queue policies decide which rules may deliver at all.
        Sid       = "EventBridgeSendsToEncryptedQueues"
        Effect    = "Allow"
        Principal = { Service = "events.amazonaws.com" }
        Action    = ["kms:GenerateDataKey", "kms:Decrypt"]
        Resource  = "*"
      },
      {
        # CloudWatch alarms publish to the KMS-encrypted alarm topic.
        Sid       = "CloudWatchAlarmsPublishToEncryptedTopics"
        Effect    = "Allow"
        Principal = { Service = "cloudwatch.amazonaws.com" }
        Action    = ["kms:GenerateDataKey", "kms:Decrypt"]
        Resource  = "*"
        Condition = { StringEquals = { "aws:SourceAccount" = local.account_id } }
      },
      {
        # Log groups of this account (services, state machines) encrypted with this key.
        Sid       = "CloudWatchLogsEncryptsLogGroups"
        Effect    = "Allow"
        Principal = { Service = "logs.${local.region}.amazonaws.com" }
        Action = [
          "kms:Encrypt", "kms:Decrypt", "kms:ReEncryptFrom", "kms:ReEncryptTo",
          "kms:GenerateDataKey", "kms:GenerateDataKeyWithoutPlaintext", "kms:DescribeKey",
        ]
        Resource = "*"
        Condition = {
          ArnLike = { "kms:EncryptionContext:aws:logs:arn" = "arn:${local.partition}:logs:${local.region}:${local.account_id}:log-group:*" }
        }
      },
    ]
  })

  tags = var.tags
}

resource "aws_kms_alias" "messaging" {
  name          = "alias/${var.name_prefix}messaging"
  target_key_id = aws_kms_key.messaging.key_id
}

# Application keys (customer contact details are encrypted field by field inside events). Services are
# granted their use through IAM (service-access module); the key policy only delegates to IAM.
resource "aws_kms_key" "topology" {
  for_each = local.kms_keys

  description             = "${var.name_prefix}${each.key}: ${each.value.description}"
  enable_key_rotation     = true
  deletion_window_in_days = var.kms_deletion_window_days
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [local.kms_account_statement]
  })

  tags = var.tags
}

resource "aws_kms_alias" "topology" {
  for_each = local.kms_keys

  name          = "alias/${var.name_prefix}${each.key}"
  target_key_id = aws_kms_key.topology[each.key].key_id
}

# ---------------------------------------------------------------------------------------------------------
# Secrets: each a random key generated once by Secrets Manager. Rotation (make rotate-payment-key or the
# same two API calls) puts a new AWSCURRENT value and updates the connection; Terraform never undoes it.
# ---------------------------------------------------------------------------------------------------------

# The initial key, generated by Secrets Manager. Ephemeral: kept in neither the plan nor the state; only the
# secret version's write-only argument receives it. The length (always 64) is tied to the secret's ARN so
# that a plan which creates the secret leaves the password unknown and generates nothing: the key is made
# during apply, once there is a secret to hold it. The offline `terraform test` plans rely on that:
# Terraform 1.11 can neither mock nor override an ephemeral resource, and opening this one calls AWS.
ephemeral "aws_secretsmanager_random_password" "this" {
  for_each = local.secrets

  password_length     = 64 + 0 * length(aws_secretsmanager_secret.this[each.key].arn)
  exclude_punctuation = true # sent in an HTTP header: letters and digits only
}

resource "aws_secretsmanager_secret" "this" {
  for_each = local.secrets
  # checkov:skip=CKV2_AWS_57: rotation must write the new key and update the EventBridge connection in one operator step (the README shows the two calls); a Lambda rotation would leave the connection on the old key.
  # checkov:skip=CKV_AWS_149: the AWS-managed key aws/secretsmanager; a CMK would add a key grant to every reader (EventBridge, payment) for no gain.

  name                    = "${var.name_prefix}${each.key}"
  description             = each.value.description
  recovery_window_in_days = var.secret_recovery_window_days

  tags = var.tags
}

resource "aws_secretsmanager_secret_version" "initial" {
  for_each = local.secrets

  secret_id = aws_secretsmanager_secret.this[each.key].id
  # Write-only: sent once, stored in neither the plan nor the state. Terraform writes it only when it
  # creates this version or secret_string_wo_version changes, which it never does: the first value is the
  # only one that is Terraform's, and a rotation (a newer AWSCURRENT version) is never undone.
  secret_string_wo         = ephemeral.aws_secretsmanager_random_password.this[each.key].random_password
  secret_string_wo_version = 1
}

# The key the connection sends is whatever is current now, so a change to the connection made by
# Terraform after a rotation never puts the old key back. A data source, not the ephemeral resource of the
# same name: the connection's key argument is not write-only in provider 5.x, and only write-only arguments
# take ephemeral values. So the current key is in the state twice, here and in the connection, both marked
# sensitive by the provider.
data "aws_secretsmanager_secret_version" "api_key" {
  for_each = local.api_destinations

  secret_id     = aws_secretsmanager_secret.this[each.value.api_key_secret].id
  version_stage = "AWSCURRENT"

  depends_on = [aws_secretsmanager_secret_version.initial]
}

# ---------------------------------------------------------------------------------------------------------
# The bus, its archive (replay after an incident) and its schema discoverer.
# ---------------------------------------------------------------------------------------------------------

# Encrypted with the AWS-owned key: schema discovery is not supported on a bus with a customer-managed key,
# and events carry no secrets (contact details inside them are encrypted field by field).
resource "aws_cloudwatch_event_bus" "this" {
  name = local.bus_name

  tags = var.tags
}

resource "aws_cloudwatch_event_archive" "this" {
  name             = local.bus_name
  description      = "Every event on ${local.bus_name}, kept for replay."
  event_source_arn = aws_cloudwatch_event_bus.this.arn
  retention_days   = var.archive_retention_days
}

resource "aws_schemas_discoverer" "this" {
  count = var.enable_schema_discovery ? 1 : 0

  source_arn  = aws_cloudwatch_event_bus.this.arn
  description = "Schemas of the events published on ${local.bus_name}."

  tags = var.tags
}

# ---------------------------------------------------------------------------------------------------------
# Queues: each with a DLQ receiving a message after max_receive_count failed receives.
# ---------------------------------------------------------------------------------------------------------

resource "aws_sqs_queue" "dlq" {
  for_each = local.queues

  name                      = "${var.name_prefix}${each.key}-dlq"
  message_retention_seconds = local.dlq_retention_seconds
  kms_master_key_id         = aws_kms_key.messaging.arn

  tags = var.tags
}

resource "aws_sqs_queue" "queue" {
  for_each = local.queues

  name                       = "${var.name_prefix}${each.key}"
  visibility_timeout_seconds = each.value.visibility_timeout_seconds
  message_retention_seconds  = var.queue_message_retention_seconds
  receive_wait_time_seconds  = 20 # long polling, as the consumers do
  kms_master_key_id          = aws_kms_key.messaging.arn
  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.dlq[each.key].arn
    maxReceiveCount     = each.value.max_receive_count
  })

  tags = var.tags
}

# Only its own queue may use a DLQ (a separate resource: the queue already refers to the DLQ).
resource "aws_sqs_queue_redrive_allow_policy" "dlq" {
  for_each = local.queues

  queue_url = aws_sqs_queue.dlq[each.key].id
  redrive_allow_policy = jsonencode({
    redrivePermission = "byQueue"
    sourceQueueArns   = [aws_sqs_queue.queue[each.key].arn]
  })
}

resource "aws_sqs_queue_policy" "queue" {
  for_each = local.queue_rule_arns

  queue_url = aws_sqs_queue.queue[each.key].id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "OnlyItsOwnRulesSend"
      Effect    = "Allow"
      Principal = { Service = "events.amazonaws.com" }
      Action    = ["sqs:SendMessage"]
      Resource  = aws_sqs_queue.queue[each.key].arn
      Condition = { ArnEquals = { "aws:SourceArn" = each.value } }
    }]
  })
}

# ---------------------------------------------------------------------------------------------------------
# API destinations: the connection sends the API key from the secret in the topology's header.
# ---------------------------------------------------------------------------------------------------------

resource "aws_cloudwatch_event_connection" "this" {
  for_each = local.api_destinations

  # The same name as the API destination: the rotation tool finds the connection by it.
  name               = "${var.name_prefix}${each.key}"
  description        = "API key for ${each.value.service} (header ${each.value.api_key_header}, value from secret ${var.name_prefix}${each.value.api_key_secret})."
  authorization_type = "API_KEY"

  auth_parameters {
    # The value is stored in the state (not write-only in provider 5.x); the provider marks it sensitive,
    # so plans show "(sensitive value)", never the key.
    api_key {
      key   = each.value.api_key_header
      value = data.aws_secretsmanager_secret_version.api_key[each.key].secret_string
    }
  }
}

resource "aws_cloudwatch_event_api_destination" "this" {
  for_each = local.api_destinations

  name                             = "${var.name_prefix}${each.key}"
  description                      = "${each.value.http_method} ${each.value.path} of ${each.value.service}."
  connection_arn                   = aws_cloudwatch_event_connection.this[each.key].arn
  http_method                      = each.value.http_method
  invocation_endpoint              = "${trimsuffix(lookup(local.service_base_urls, each.value.service, ""), "/")}${each.value.path}"
  invocation_rate_limit_per_second = each.value.invocation_rate_limit_per_second

  lifecycle {
    precondition {
      condition     = contains(keys(local.service_base_urls), each.value.service)
      error_message = "No base URL for service ${each.value.service}: set it in api_destination_base_urls."
    }
  }
}

resource "aws_iam_role" "api_destination_invoker" {
  count = length(local.api_destination_rules) > 0 ? 1 : 0

  name        = "${var.name_prefix}api-destination-invoker"
  description = "Assumed by the EventBridge rules that call API destinations."
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "events.amazonaws.com" }
      Action    = "sts:AssumeRole"
      Condition = {
        StringEquals = { "aws:SourceAccount" = local.account_id }
        ArnEquals    = { "aws:SourceArn" = [for rule in local.api_destination_rules : aws_cloudwatch_event_rule.this[rule].arn] }
      }
    }]
  })

  tags = var.tags
}

resource "aws_iam_role_policy" "api_destination_invoker" {
  count = length(local.api_destination_rules) > 0 ? 1 : 0

  name = "invoke-api-destinations"
  role = aws_iam_role.api_destination_invoker[0].id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect = "Allow"
      Action = ["events:InvokeApiDestination"]
      Resource = distinct([
        for rule in local.api_destination_rules : aws_cloudwatch_event_api_destination.this[local.rules[rule].target.api_destination].arn
      ])
    }]
  })
}

# ---------------------------------------------------------------------------------------------------------
# Rules: one per (producer event, consumer). Each target retries, then drops into its own DLQ.
# ---------------------------------------------------------------------------------------------------------

resource "aws_cloudwatch_event_rule" "this" {
  for_each = local.rules

  name           = "${var.name_prefix}${each.key}"
  description    = each.value.description
  event_bus_name = aws_cloudwatch_event_bus.this.name
  event_pattern  = jsonencode(each.value.event_pattern)
  state          = "ENABLED"

  tags = var.tags
}

# SSE-SQS rather than the messaging key: where undeliverable events end up must not depend on the key
# policy that may be the very reason delivery failed.
resource "aws_sqs_queue" "target_dlq" {
  for_each = local.rules

  name                      = "${var.name_prefix}${each.key}-target-dlq"
  message_retention_seconds = local.dlq_retention_seconds
  sqs_managed_sse_enabled   = true
  # Events are redriven to their target by hand; no queue may use this one as its DLQ.
  redrive_allow_policy = jsonencode({ redrivePermission = "denyAll" })

  tags = var.tags
}

resource "aws_sqs_queue_policy" "target_dlq" {
  for_each = local.rules

  queue_url = aws_sqs_queue.target_dlq[each.key].id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "OnlyItsRuleSendsUndeliveredEvents"
      Effect    = "Allow"
      Principal = { Service = "events.amazonaws.com" }
      Action    = ["sqs:SendMessage"]
      Resource  = aws_sqs_queue.target_dlq[each.key].arn
      Condition = { ArnEquals = { "aws:SourceArn" = aws_cloudwatch_event_rule.this[each.key].arn } }
    }]
  })
}

resource "aws_cloudwatch_event_target" "this" {
  for_each = local.rules

  rule           = aws_cloudwatch_event_rule.this[each.key].name
  event_bus_name = aws_cloudwatch_event_bus.this.name
  target_id      = try(each.value.target.queue, null) != null ? "queue" : "api-destination"
  arn            = local.target_arns[each.key]
  # Queues authorise the rule in their policy; an API destination is invoked with a role.
  role_arn = try(each.value.target.api_destination, null) != null ? one(aws_iam_role.api_destination_invoker[*].arn) : null

  retry_policy {
    maximum_event_age_in_seconds = var.target_retry_policy.maximum_event_age_in_seconds
    maximum_retry_attempts       = var.target_retry_policy.maximum_retry_attempts
  }

  dead_letter_config {
    arn = aws_sqs_queue.target_dlq[each.key].arn
  }

  # The first events must not be refused for a policy still being written.
  depends_on = [aws_sqs_queue_policy.queue, aws_sqs_queue_policy.target_dlq, aws_iam_role_policy.api_destination_invoker]
}

# ---------------------------------------------------------------------------------------------------------
# SNS topics (the operators' alarm topic), encrypted; CloudWatch alarms of this account may publish.
# ---------------------------------------------------------------------------------------------------------

resource "aws_sns_topic" "this" {
  for_each = local.sns_topics

  name              = "${var.name_prefix}${each.key}"
  kms_master_key_id = aws_kms_key.messaging.arn

  tags = var.tags
}

resource "aws_sns_topic_policy" "this" {
  for_each = local.sns_topics

  arn = aws_sns_topic.this[each.key].arn
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "CloudWatchAlarmsOfThisAccountPublish"
      Effect    = "Allow"
      Principal = { Service = "cloudwatch.amazonaws.com" }
      Action    = ["sns:Publish"]
      Resource  = aws_sns_topic.this[each.key].arn
      Condition = { StringEquals = { "aws:SourceAccount" = local.account_id } }
    }]
  })
}
