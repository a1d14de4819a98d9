# The Step Functions side of the topology: activities (long-polled by the batch-worker pool), state
# machines rendered from their ASL templates, and the EventBridge Scheduler schedules that start them.

data "aws_caller_identity" "current" {}
data "aws_region" "current" {}
data "aws_partition" "current" {}

locals {
  account_id = data.aws_caller_identity.current.account_id
  region     = data.aws_region.current.name
  partition  = data.aws_partition.current.partition

  activities     = var.topology.activities
  state_machines = var.topology.state_machines
  schedules      = try(var.topology.schedules, {})

  # Rendered exactly like shop_shared's Topology.state_machine_definition: parameters plus the activity ARN.
  definitions = {
    for key, machine in local.state_machines : key => templatefile(
      "${var.topology_dir}/${machine.definition}",
      merge(try(machine.parameters, {}), { activity_arn = aws_sfn_activity.this[machine.activity].id }),
    )
  }

  dlq_retention_seconds = 14 * 24 * 3600
}

# ---------------------------------------------------------------------------------------------------------
# Activities and state machines
# ---------------------------------------------------------------------------------------------------------

resource "aws_sfn_activity" "this" {
  for_each = local.activities

  name = "${var.name_prefix}${each.key}"

  tags = var.tags
}

# The /aws/vendedlogs/ prefix keeps Step Functions from growing the account's CloudWatch Logs resource policy.
resource "aws_cloudwatch_log_group" "this" {
  # checkov:skip=CKV_AWS_338: ERROR-level events without execution data; 90 days covers the monthly run and its follow-up (log_retention_days).
  name              = "/aws/vendedlogs/states/${var.name_prefix}state-machines"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.kms_key_arn

  tags = var.tags
}

resource "aws_iam_role" "state_machine" {
  name        = "${var.name_prefix}state-machine"
  description = "Execution role of the state machines: logging and tracing only (activities need no permission)."
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "states.amazonaws.com" }
      Action    = "sts:AssumeRole"
      Condition = {
        StringEquals = { "aws:SourceAccount" = local.account_id }
        ArnLike      = { "aws:SourceArn" = "arn:${local.partition}:states:${local.region}:${local.account_id}:stateMachine:${var.name_prefix}*" }
      }
    }]
  })

  tags = var.tags
}

resource "aws_iam_role_policy" "state_machine" {
  # checkov:skip=CKV_AWS_290: log delivery and X-Ray actions have no resource-level permissions (see the comments in the policy).
  # checkov:skip=CKV_AWS_355: same: "*" is the only resource these actions accept.
  name = "logging-and-tracing"
  role = aws_iam_role.state_machine.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        # CloudWatch Logs' log delivery APIs have no resource-level permissions: "*" is required.
        Sid    = "DeliverExecutionLogs"
        Effect = "Allow"
        Action = [
          "logs:CreateLogDelivery", "logs:GetLogDelivery", "logs:UpdateLogDelivery", "logs:DeleteLogDelivery",
          "logs:ListLogDeliveries", "logs:PutResourcePolicy", "logs:DescribeResourcePolicies", "logs:DescribeLogGroups",
        ]
        Resource = "*"
      },
      {
        # X-Ray has no resource-level permissions: "*" is required.
        Sid      = "SendTraces"
        Effect   = "Allow"
        Action   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords", "xray:GetSamplingRules", "xray:GetSamplingTargets"]
        Resource = "*"
      },
    ]
  })
}

resource "aws_sfn_state_machine" "this" {
  for_each = local.state_machines
  # checkov:skip=CKV_AWS_285: execution data is left out on purpose: inputs and outputs carry customer ids.

  name       = "${var.name_prefix}${each.key}"
  type       = "STANDARD"
  role_arn   = aws_iam_role.state_machine.arn
  definition = local.definitions[each.key]

  # ERROR only and no execution data: inputs and outputs carry customer ids, which stay out of the logs.
  logging_configuration {
    log_destination        = "${aws_cloudwatch_log_group.this.arn}:*"
    include_execution_data = false
    level                  = "ERROR"
  }

  tracing_configuration {
    enabled = true
  }

  tags = var.tags

  # Step Functions checks the log delivery permissions when the state machine is created.
  depends_on = [aws_iam_role_policy.state_machine]

  lifecycle {
    # Without a top-level TimeoutSeconds a Standard execution may wait up to a year (a Map waiting on workers
    # that never come): no failure, no timeout, no alarm. With it, a stuck run ends TIMED_OUT and the
    # observability module's executions-timed-out alarm fires.
    precondition {
      condition     = try(tonumber(jsondecode(local.definitions[each.key]).TimeoutSeconds) > 0, false)
      error_message = "State machine ${each.key}'s ASL has no positive top-level TimeoutSeconds: a stuck execution would run for up to a year without alarming."
    }
  }
}

# ---------------------------------------------------------------------------------------------------------
# Schedules (EventBridge Scheduler): each starts its state machine, retries, then leaves a record in its DLQ.
# ---------------------------------------------------------------------------------------------------------

# SSE-SQS: the scheduler's role sends here without a key grant, and a failed start never depends on a key.
resource "aws_sqs_queue" "schedule_dlq" {
  for_each = local.schedules

  name                      = "${var.name_prefix}${each.key}-schedule-dlq"
  message_retention_seconds = local.dlq_retention_seconds
  sqs_managed_sse_enabled   = true
  redrive_allow_policy      = jsonencode({ redrivePermission = "denyAll" })

  tags = var.tags
}

# The environment's own schedule group: EventBridge Scheduler publishes its metrics (target errors, events
# that could not be dead-lettered) per group, not per schedule, so this group's metrics are this
# environment's alone, apart from anything else in the account's "default" group.
resource "aws_scheduler_schedule_group" "this" {
  count = length(local.schedules) > 0 ? 1 : 0

  name = "${var.name_prefix}schedules"

  tags = var.tags
}

resource "aws_iam_role" "scheduler" {
  count = length(local.schedules) > 0 ? 1 : 0

  name        = "${var.name_prefix}scheduler"
  description = "Assumed by EventBridge Scheduler to start the scheduled state machines."
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "scheduler.amazonaws.com" }
      Action    = "sts:AssumeRole"
      Condition = { StringEquals = { "aws:SourceAccount" = local.account_id } }
    }]
  })

  tags = var.tags
}

resource "aws_iam_role_policy" "scheduler" {
  count = length(local.schedules) > 0 ? 1 : 0

  name = "start-scheduled-executions"
  role = aws_iam_role.scheduler[0].id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid      = "StartTheScheduledStateMachines"
        Effect   = "Allow"
        Action   = ["states:StartExecution"]
        Resource = distinct([for schedule in values(local.schedules) : aws_sfn_state_machine.this[schedule.state_machine].arn])
      },
      {
        # EventBridge Scheduler writes dead-letter events with the schedule's role.
        Sid      = "RecordFailedStarts"
        Effect   = "Allow"
        Action   = ["sqs:SendMessage"]
        Resource = [for queue in aws_sqs_queue.schedule_dlq : queue.arn]
      },
    ]
  })
}

resource "aws_scheduler_schedule" "this" {
  for_each = local.schedules
  # checkov:skip=CKV_AWS_297: the schedule holds only its execution input (the topology's, e.g. {}), nothing secret; a CMK would need a key grant to the scheduler.

  name                         = "${var.name_prefix}${each.key}"
  group_name                   = aws_scheduler_schedule_group.this[0].name
  description                  = each.value.description
  schedule_expression          = each.value.expression
  schedule_expression_timezone = try(each.value.timezone, "UTC")
  state                        = var.enable_schedules ? "ENABLED" : "DISABLED"

  flexible_time_window {
    mode = "OFF"
  }

  target {
    arn      = aws_sfn_state_machine.this[each.value.state_machine].arn
    role_arn = aws_iam_role.scheduler[0].arn
    input    = jsonencode(try(each.value.input, {}))

    retry_policy {
      maximum_event_age_in_seconds = var.schedule_retry_policy.maximum_event_age_in_seconds
      maximum_retry_attempts       = var.schedule_retry_policy.maximum_retry_attempts
    }

    dead_letter_config {
      arn = aws_sqs_queue.schedule_dlq[each.key].arn
    }
  }

  depends_on = [aws_iam_role_policy.scheduler]
}
