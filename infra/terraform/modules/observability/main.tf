# Alarms on every place an event can get stuck or lost (DLQs, queue age, rule delivery, Step Functions,
# the load balancer, ECS services), all notifying one SNS topic, and one dashboard of the flow.
#
# Every alarm is described once in local.alarms and created by one resource, so they all share the same
# actions and naming. treat_missing_data is chosen per kind of alarm: the comment above each kind says why.

locals {
  # Each alarm: its name, threshold and evaluation, and the metrics it reads (by metric_query id); with an
  # expression the alarm watches the expression over those metrics, without one it watches the single metric "m".
  sqs_visible = "ApproximateNumberOfMessagesVisible"

  # Most alarms fire on a single occurrence within a minute of a metric sent only when something went wrong.
  any_occurrence = {
    comparison         = "GreaterThanThreshold"
    threshold          = 0
    period             = 60
    evaluation_periods = 1
    datapoints         = 1
    treat_missing_data = "notBreaching"
    expression         = null
  }

  dlq_alarms = merge(
    # Any message in a queue's DLQ: a consumer failed it max_receive_count times. SQS keeps reporting a queue
    # that holds messages, so no data means an empty, idle DLQ: not breaching.
    {
      for key, name in var.dlq_names : "dlq/${key}" => merge(local.any_occurrence, {
        name        = "${var.name_prefix}${key}-dlq-not-empty"
        description = "Messages in ${name}: the ${key} consumer gave up on them after max_receive_count receives. Inspect, fix, then redrive."
        metrics     = tomap({ m = { namespace = "AWS/SQS", metric_name = local.sqs_visible, stat = "Maximum", dimensions = tomap({ QueueName = name }) } })
      })
    },
    # Any event in a rule target's DLQ: EventBridge could not deliver it within the retry policy. Same reasoning.
    {
      for key, name in var.target_dlq_names : "target-dlq/${key}" => merge(local.any_occurrence, {
        name        = "${var.name_prefix}${key}-target-dlq-not-empty"
        description = "Events in ${name}: rule ${key} could not deliver them to its target within its retry policy. Inspect, fix, then re-send."
        metrics     = tomap({ m = { namespace = "AWS/SQS", metric_name = local.sqs_visible, stat = "Maximum", dimensions = tomap({ QueueName = name }) } })
      })
    },
  )

  # Consumers falling behind or stuck. SQS reports the age only while the queue holds a message, so no data
  # means an empty queue: not breaching. Three minutes in a row: the age only grows while a message waits.
  queue_age_alarms = {
    for key, name in var.queue_names : "queue-age/${key}" => {
      name               = "${var.name_prefix}${key}-oldest-message-age"
      description        = "The oldest message in ${name} has waited more than ${var.oldest_message_age_threshold_seconds} s: its consumer is down, stuck or too slow to keep up."
      comparison         = "GreaterThanThreshold"
      threshold          = var.oldest_message_age_threshold_seconds
      period             = 60
      evaluation_periods = 3
      datapoints         = 3
      treat_missing_data = "notBreaching"
      expression         = null
      metrics            = tomap({ m = { namespace = "AWS/SQS", metric_name = "ApproximateAgeOfOldestMessage", stat = "Maximum", dimensions = tomap({ QueueName = name }) } })
    }
  }

  # Rule delivery (API destination rules included). EventBridge sends these metrics only when they are not
  # zero, so no data is the healthy case: not breaching. One failure already matters: it is an event lost
  # to its consumer (FailedInvocations) or lost altogether (InvocationsFailedToBeSentToDlq).
  rule_dimensions = { for key, name in var.rule_names : key => tomap({ EventBusName = var.event_bus_name, RuleName = name }) }
  rule_alarms = merge(
    {
      for key, name in var.rule_names : "rule-failed/${key}" => merge(local.any_occurrence, {
        name        = "${var.name_prefix}${key}-failed-invocations"
        description = "Rule ${name} failed to invoke its target for good (retries exhausted)."
        metrics     = tomap({ m = { namespace = "AWS/Events", metric_name = "FailedInvocations", stat = "Sum", dimensions = local.rule_dimensions[key] } })
      })
    },
    {
      for key, name in var.rule_names : "rule-events-lost/${key}" => merge(local.any_occurrence, {
        name        = "${var.name_prefix}${key}-events-lost"
        description = "Rule ${name} could not even put failed events into its target DLQ: those events are lost (check the DLQ's policy and encryption key)."
        metrics     = tomap({ m = { namespace = "AWS/Events", metric_name = "InvocationsFailedToBeSentToDlq", stat = "Sum", dimensions = local.rule_dimensions[key] } })
      })
    },
  )

  # Step Functions. The run is monthly, so there is no data most of the time: not breaching. Any failed or
  # timed-out execution, or any failed or timed-out activity task, needs a look: a chunk that fails after its
  # retries is caught (RecordFailedChunk) and would otherwise pass unnoticed.
  workflow_alarms = merge(
    {
      for key, arn in var.state_machine_arns : "executions-failed/${key}" => merge(local.any_occurrence, {
        name        = "${var.name_prefix}${key}-executions-failed"
        description = "An execution of state machine ${key} failed."
        metrics     = tomap({ m = { namespace = "AWS/States", metric_name = "ExecutionsFailed", stat = "Sum", dimensions = tomap({ StateMachineArn = arn }) } })
      })
    },
    {
      for key, arn in var.state_machine_arns : "executions-timed-out/${key}" => merge(local.any_occurrence, {
        name        = "${var.name_prefix}${key}-executions-timed-out"
        description = "An execution of state machine ${key} timed out (its top-level TimeoutSeconds: the run was stuck or too slow)."
        metrics     = tomap({ m = { namespace = "AWS/States", metric_name = "ExecutionsTimedOut", stat = "Sum", dimensions = tomap({ StateMachineArn = arn }) } })
      })
    },
    # Stopped by hand (StopExecution) or by a redeploy that deleted the state machine: the run did not finish.
    {
      for key, arn in var.state_machine_arns : "executions-aborted/${key}" => merge(local.any_occurrence, {
        name        = "${var.name_prefix}${key}-executions-aborted"
        description = "An execution of state machine ${key} was aborted (StopExecution): its work is unfinished until it is run again."
        metrics     = tomap({ m = { namespace = "AWS/States", metric_name = "ExecutionsAborted", stat = "Sum", dimensions = tomap({ StateMachineArn = arn }) } })
      })
    },
    {
      for key, arn in var.activity_arns : "activities-failed/${key}" => merge(local.any_occurrence, {
        name        = "${var.name_prefix}${key}-activities-failed"
        description = "A task of activity ${key} failed in a worker (SendTaskFailure)."
        metrics     = tomap({ m = { namespace = "AWS/States", metric_name = "ActivitiesFailed", stat = "Sum", dimensions = tomap({ ActivityArn = arn }) } })
      })
    },
    # A task times out on its TimeoutSeconds or, when its worker died (a Spot interruption), on its
    # HeartbeatSeconds: two metrics, each sent only when not zero. FILL makes a minute where only one of them
    # has data still add up, instead of yielding no data.
    {
      for key, arn in var.activity_arns : "activities-timed-out/${key}" => {
        name               = "${var.name_prefix}${key}-activities-timed-out"
        description        = "A task of activity ${key} timed out (task timeout or missed heartbeats): a worker died or no worker was polling."
        comparison         = "GreaterThanThreshold"
        threshold          = 0
        period             = 60
        evaluation_periods = 1
        datapoints         = 1
        treat_missing_data = "notBreaching"
        expression         = "FILL(timed_out, 0) + FILL(heartbeat_timed_out, 0)"
        metrics = tomap({
          timed_out           = { namespace = "AWS/States", metric_name = "ActivitiesTimedOut", stat = "Sum", dimensions = tomap({ ActivityArn = arn }) }
          heartbeat_timed_out = { namespace = "AWS/States", metric_name = "ActivitiesHeartbeatTimedOut", stat = "Sum", dimensions = tomap({ ActivityArn = arn }) }
        })
      }
    },
  )

  # The load balancer. 5xx and latency metrics exist only for minutes with such responses or requests, so no
  # data is not breaching. 3 of 5 minutes: a deployment's single 502 is not an incident, a sustained one is.
  alb_alarms = merge(
    # Errors the load balancer itself returns (no healthy target, target connection reset). Counted, not a
    # rate: RequestCount leaves out requests that never reached a target, which is exactly this case.
    {
      "alb-5xx" = {
        name               = "${var.name_prefix}alb-5xx"
        description        = "The load balancer itself returns 5xx (no healthy target, or targets closing connections)."
        comparison         = "GreaterThanThreshold"
        threshold          = 0
        period             = 60
        evaluation_periods = 5
        datapoints         = 3
        treat_missing_data = "notBreaching"
        expression         = null
        metrics            = tomap({ m = { namespace = "AWS/ApplicationELB", metric_name = "HTTPCode_ELB_5XX_Count", stat = "Sum", dimensions = tomap({ LoadBalancer = var.alb_arn_suffix }) } })
      }
    },
    # The targets' 5xx as a share of their requests. Guarded: no requests in a minute gives 0 instead of a
    # division by zero, and errors (sent only when not zero) count as 0 when absent.
    {
      for key, suffix in var.target_group_arn_suffixes : "target-5xx/${key}" => {
        name               = "${var.name_prefix}${key}-target-5xx-rate"
        description        = "More than ${var.target_5xx_rate_threshold_percent}% of the ${key} service's requests end in a 5xx."
        comparison         = "GreaterThanThreshold"
        threshold          = var.target_5xx_rate_threshold_percent
        period             = 60
        evaluation_periods = 5
        datapoints         = 3
        treat_missing_data = "notBreaching"
        expression         = "IF(requests > 0, 100 * FILL(errors, 0) / requests, 0)"
        metrics = tomap({
          errors   = { namespace = "AWS/ApplicationELB", metric_name = "HTTPCode_Target_5XX_Count", stat = "Sum", dimensions = tomap({ LoadBalancer = var.alb_arn_suffix, TargetGroup = suffix }) }
          requests = { namespace = "AWS/ApplicationELB", metric_name = "RequestCount", stat = "Sum", dimensions = tomap({ LoadBalancer = var.alb_arn_suffix, TargetGroup = suffix }) }
        })
      }
    },
    {
      for key, suffix in var.target_group_arn_suffixes : "target-latency/${key}" => {
        name               = "${var.name_prefix}${key}-latency-p99"
        description        = "The ${key} service's p99 response time is above ${var.alb_latency_p99_threshold_seconds} s."
        comparison         = "GreaterThanThreshold"
        threshold          = var.alb_latency_p99_threshold_seconds
        period             = 60
        evaluation_periods = 5
        datapoints         = 3
        treat_missing_data = "notBreaching"
        expression         = null
        metrics            = tomap({ m = { namespace = "AWS/ApplicationELB", metric_name = "TargetResponseTime", stat = "p99", dimensions = tomap({ LoadBalancer = var.alb_arn_suffix, TargetGroup = suffix }) } })
      }
    },
    # Targets failing their health checks (a task that starts but cannot serve, a crash loop). The load balancer
    # reports the count every minute for a target group with targets, 0 included; a target still in its initial
    # health checks or draining is not unhealthy, so a deployment alone does not breach. 3 of 5 like the others.
    {
      for key, suffix in var.target_group_arn_suffixes : "unhealthy-hosts/${key}" => {
        name               = "${var.name_prefix}${key}-unhealthy-hosts"
        description        = "The ${key} target group has targets failing their health checks in 3 of the last 5 minutes."
        comparison         = "GreaterThanThreshold"
        threshold          = 0
        period             = 60
        evaluation_periods = 5
        datapoints         = 3
        treat_missing_data = "notBreaching"
        expression         = null
        metrics            = tomap({ m = { namespace = "AWS/ApplicationELB", metric_name = "UnHealthyHostCount", stat = "Maximum", dimensions = tomap({ LoadBalancer = var.alb_arn_suffix, TargetGroup = suffix }) } })
      }
    },
  )

  # ECS services short of tasks (crash loop, failing health checks, no capacity). A service whose tasks die
  # keeps reporting DesiredTaskCount, so an outage shows as data; no data means Container Insights has nothing
  # to report (off, or batch-worker with no task between runs): not breaching. FILL(running, 0): a service whose
  # every task died may stop reporting RunningTaskCount, which must read as 0 running. 6 of 10 minutes: longer
  # than a task start or a scale-out step (1-3 minutes), while a crash loop that keeps replacing tasks still shows.
  ecs_alarms = {
    for key, name in var.ecs_service_names : "running-below-desired/${key}" => {
      name               = "${var.name_prefix}${key}-running-below-desired"
      description        = "ECS service ${key} runs fewer tasks than desired for 6 of the last 10 minutes."
      comparison         = "GreaterThanThreshold"
      threshold          = 0
      period             = 60
      evaluation_periods = 10
      datapoints         = 6
      treat_missing_data = "notBreaching"
      expression         = "desired - FILL(running, 0)"
      metrics = tomap({
        desired = { namespace = "ECS/ContainerInsights", metric_name = "DesiredTaskCount", stat = "Average", dimensions = tomap({ ClusterName = var.cluster_name, ServiceName = name }) }
        running = { namespace = "ECS/ContainerInsights", metric_name = "RunningTaskCount", stat = "Average", dimensions = tomap({ ClusterName = var.cluster_name, ServiceName = name }) }
      })
    }
  }

  # The services' own metrics (EMF lines in their logs, namespace var.application_metrics_namespace). Each is
  # sent only when its event happens, so no data is the healthy case: not breaching.
  application_alarms = {
    # Money taken for an order the shop had reported failed: payment found the late charge and refunded it
    # (services/payment/.../handlers.py). Someone must look: the customer saw a charge and a refund.
    "payment/late-charge-refunded" = merge(local.any_occurrence, {
      name        = "${var.name_prefix}payment-late-charge-refunded"
      description = "Payment found a charge for a payment it had reported failed (provider_unavailable) and refunded it. Check the provider's dashboard and tell the customer."
      metrics     = tomap({ m = { namespace = var.application_metrics_namespace, metric_name = "LateChargeRefunded", stat = "Sum", dimensions = tomap({ Service = "payment" }) } })
    })
  }

  # The outbox relays (shared/src/shop_shared/outbox): each reports the shards it owns every minute, so the Sum
  # over relays is the table's backlog and the Maximum the oldest waiting entry. No data means no relay reports
  # (the service is down: its own alarms say so): not breaching. A parked entry is sent only when it happens.
  outbox_alarms = merge(
    {
      for key, name in var.outbox_table_names : "outbox-age/${key}" => {
        name               = "${var.name_prefix}${key}-oldest-entry-age"
        description        = "An event in ${name} has waited more than ${var.outbox_oldest_entry_age_threshold_seconds} s to be published: the relay is down, throttled or cannot keep up."
        comparison         = "GreaterThanThreshold"
        threshold          = var.outbox_oldest_entry_age_threshold_seconds
        period             = 60
        evaluation_periods = 3
        datapoints         = 3
        treat_missing_data = "notBreaching"
        expression         = null
        metrics            = tomap({ m = { namespace = var.application_metrics_namespace, metric_name = "OutboxOldestEntryAge", stat = "Maximum", dimensions = tomap({ Outbox = name }) } })
      }
    },
    {
      for key, name in var.outbox_table_names : "outbox-backlog/${key}" => {
        name               = "${var.name_prefix}${key}-backlog"
        description        = "More than ${var.outbox_backlog_threshold} events wait in ${name}: the bus throttles or refuses publishes."
        comparison         = "GreaterThanThreshold"
        threshold          = var.outbox_backlog_threshold
        period             = 60
        evaluation_periods = 5
        datapoints         = 5
        treat_missing_data = "notBreaching"
        expression         = null
        metrics            = tomap({ m = { namespace = var.application_metrics_namespace, metric_name = "OutboxBacklog", stat = "Sum", dimensions = tomap({ Outbox = name }) } })
      }
    },
    {
      for key, name in var.outbox_table_names : "outbox-parked/${key}" => merge(local.any_occurrence, {
        name        = "${var.name_prefix}${key}-entry-parked"
        description = "An event in ${name} was parked (it does not parse, or the bus refused it every time): it will not be published until an operator fixes and re-drives it."
        metrics     = tomap({ m = { namespace = var.application_metrics_namespace, metric_name = "OutboxEntriesParked", stat = "Sum", dimensions = tomap({ Outbox = name }) } })
      })
    },
  )

  # The payment push (rules targeting an API destination). EventBridge retries a 401, 429 or 5xx answer for up
  # to the retry policy's maximum event age (24 h), and FailedInvocations only counts an event once that is
  # over: a 401 after an API key rotation would otherwise stay silent for a day. Retries happen in any
  # healthy week too (a deployment's 502, a 429 at the rate limit), so only retries in 2 of the last 3
  # five-minute windows alarm: a blip does not, a rejected key does within about 10 minutes. Sent only when not
  # zero: no data is no retry.
  api_destination_alarms = {
    for name in var.api_destination_rule_names : "api-destination-retries/${name}" => {
      name               = "${name}-retrying"
      description        = "Rule ${name} keeps retrying its API destination (RetryInvocationAttempts in 2 of the last 3 five-minute windows): payment answers 401 (the connection's key is not the one payment accepts), 429 or 5xx. Events wait, for up to 24 h, then go to the target DLQ."
      comparison         = "GreaterThanThreshold"
      threshold          = 0
      period             = 300
      evaluation_periods = 3
      datapoints         = 2
      treat_missing_data = "notBreaching"
      expression         = null
      metrics            = tomap({ m = { namespace = "AWS/Events", metric_name = "RetryInvocationAttempts", stat = "Sum", dimensions = tomap({ EventBusName = var.event_bus_name, RuleName = name }) } })
    }
  }

  # EventBridge Scheduler publishes per schedule group (not per schedule), only when not zero. A target error
  # is a StartExecution the scheduler could not make (permissions, a deleted state machine, throttling): it
  # retries, but a monthly run that needed a retry deserves a look. An event it could not even put into the
  # schedule's DLQ is a start lost without a trace: the DLQ alarms cannot see it.
  scheduler_alarms = merge(
    {
      for group in var.schedule_group_names : "scheduler-target-errors/${group}" => merge(local.any_occurrence, {
        name        = "${group}-target-errors"
        description = "EventBridge Scheduler could not start a target of schedule group ${group} (TargetErrorCount): check the schedule's role and state machine; it retries, then writes to the schedule's DLQ."
        metrics     = tomap({ m = { namespace = "AWS/Scheduler", metric_name = "TargetErrorCount", stat = "Sum", dimensions = tomap({ ScheduleGroup = group }) } })
      })
    },
    {
      for group in var.schedule_group_names : "scheduler-dlq-failed/${group}" => merge(local.any_occurrence, {
        name        = "${group}-dead-letter-failed"
        description = "EventBridge Scheduler could not put a failed start of schedule group ${group} into its DLQ (InvocationsFailedToBeSentToDeadLetterCount): that start is lost. Check the DLQ and the schedule role's sqs:SendMessage."
        metrics     = tomap({ m = { namespace = "AWS/Scheduler", metric_name = "InvocationsFailedToBeSentToDeadLetterCount", stat = "Sum", dimensions = tomap({ ScheduleGroup = group }) } })
      })
    },
  )

  # "The scheduled run did not succeed": the one failure that sends no metric at all (the schedule was
  # disabled or deleted, the start was lost, the execution never began). Alarms evaluate a sliding window
  # (no calendar alignment in this provider), so the alarm looks at hourly points and asks of each whether it
  # is on the schedule's day of the month (UTC) without a success in that hour:
  #   IF(DATE(succeeded) == <day>, FILL(succeeded, 0), 1) < 1, for 24 of 24 hours.
  # DATE() returns a point for every period of the range whatever the metric holds, and FILL(.., 0) makes an
  # hour without a success 0, so the series has no gaps. Only 24 hours all on that day and all without a
  # success breach, which can happen only at the end of the day (UTC), about 21 hours after a 03:00 start;
  # any success that day (a rerun too) keeps the alarm quiet, and every other day of the month reads 1. A run
  # must therefore end on the day it starts (checked in var.scheduled_runs, against its run timeout). Missing
  # data would mean the check itself is broken (the expression never lacks a point): breaching, so that shows.
  # The alarm clears by itself an hour later, when the window leaves that day, which says nothing about the
  # run: so no OK notification for it.
  scheduled_run_alarms = {
    for key, run in var.scheduled_runs : "scheduled-run-missed/${key}" => {
      name               = "${var.name_prefix}${key}-did-not-succeed"
      description        = "Schedule ${key} fires on day ${local.scheduled_run_days[key]} of the month (UTC), and its state machine had no successful execution that day. Look for a failed, timed-out or aborted execution, the schedule's DLQ, or a disabled schedule; then start the run by hand. This alarm returns to OK by itself an hour later."
      comparison         = "LessThanThreshold"
      threshold          = 1
      period             = 3600
      evaluation_periods = 24
      datapoints         = 24
      treat_missing_data = "breaching"
      notify_ok          = false
      expression         = "IF(DATE(succeeded) == ${local.scheduled_run_days[key]}, FILL(succeeded, 0), 1)"
      metrics            = tomap({ succeeded = { namespace = "AWS/States", metric_name = "ExecutionsSucceeded", stat = "Sum", dimensions = tomap({ StateMachineArn = run.state_machine_arn }) } })
    }
  }
  # cron(<minute> <hour> <day of month> * ? *): the only form var.scheduled_runs accepts (its validation repeats it).
  monthly_cron_pattern      = "^cron\\(([0-9]{1,2}) ([0-9]{1,2}) ([0-9]{1,2}) \\* \\? \\*\\)$"
  scheduled_run_cron_fields = { for key, run in var.scheduled_runs : key => regex(local.monthly_cron_pattern, run.expression) }
  scheduled_run_days        = { for key, fields in local.scheduled_run_cron_fields : key => tonumber(fields[2]) }

  # SES sending reputation, account-wide (AWS/SES without dimensions): AWS puts an account under review at a
  # 5 % bounce rate or a 0.1 % complaint rate and recommends staying below 2 % and 0.1 %, so those are the
  # defaults. SES recomputes the rates over a window of recent sending and publishes them only for an account
  # that sends: no data is not breaching. Maximum over an hour: one high reading already matters.
  email_alarms = var.email_reputation_alarms ? {
    "ses/bounce-rate" = {
      name               = "${var.name_prefix}ses-bounce-rate"
      description        = "The account's SES bounce rate is above ${var.ses_bounce_rate_threshold * 100} % (AWS reviews the account at 5 %): addresses that do not exist, or a list gone stale. Sending may be paused."
      comparison         = "GreaterThanThreshold"
      threshold          = var.ses_bounce_rate_threshold
      period             = 3600
      evaluation_periods = 1
      datapoints         = 1
      treat_missing_data = "notBreaching"
      expression         = null
      metrics            = tomap({ m = { namespace = "AWS/SES", metric_name = "Reputation.BounceRate", stat = "Maximum", dimensions = tomap({}) } })
    }
    "ses/complaint-rate" = {
      name               = "${var.name_prefix}ses-complaint-rate"
      description        = "The account's SES complaint rate is above ${var.ses_complaint_rate_threshold * 100} % (AWS reviews the account at 0.1 %): recipients mark the shop's e-mail as spam. Sending may be paused."
      comparison         = "GreaterThanThreshold"
      threshold          = var.ses_complaint_rate_threshold
      period             = 3600
      evaluation_periods = 1
      datapoints         = 1
      treat_missing_data = "notBreaching"
      expression         = null
      metrics            = tomap({ m = { namespace = "AWS/SES", metric_name = "Reputation.ComplaintRate", stat = "Maximum", dimensions = tomap({}) } })
    }
  } : {}

  alarms = merge(
    local.dlq_alarms, local.queue_age_alarms, local.rule_alarms, local.workflow_alarms, local.alb_alarms, local.ecs_alarms,
    local.application_alarms, local.outbox_alarms, local.api_destination_alarms, local.scheduler_alarms, local.scheduled_run_alarms,
    local.email_alarms,
  )
}

resource "aws_cloudwatch_metric_alarm" "this" {
  for_each = local.alarms

  alarm_name          = each.value.name
  alarm_description   = each.value.description
  comparison_operator = each.value.comparison
  threshold           = each.value.threshold
  evaluation_periods  = each.value.evaluation_periods
  datapoints_to_alarm = each.value.datapoints
  treat_missing_data  = each.value.treat_missing_data

  # OK too, so whoever got the alarm also learns it cleared (except where OK says nothing: see scheduled_run_alarms).
  alarm_actions = [var.alarm_topic_arn]
  ok_actions    = try(each.value.notify_ok, true) ? [var.alarm_topic_arn] : []

  # The expression, when there is one, is what the alarm watches; otherwise its single metric is.
  dynamic "metric_query" {
    for_each = each.value.expression == null ? {} : { expression = each.value.expression }

    content {
      id          = "alarm_value"
      expression  = metric_query.value
      label       = each.value.name
      return_data = true
    }
  }

  dynamic "metric_query" {
    for_each = each.value.metrics

    content {
      id          = metric_query.key
      return_data = each.value.expression == null

      metric {
        namespace   = metric_query.value.namespace
        metric_name = metric_query.value.metric_name
        dimensions  = metric_query.value.dimensions
        stat        = metric_query.value.stat
        period      = each.value.period
      }
    }
  }

  tags = var.tags
}

data "aws_region" "current" {}

# ---------------------------------------------------------------------------------------------------------
# Traces: the services' spans reach X-Ray through their ADOT sidecars (ecs-service module). One X-Ray group
# holds this environment's traces; the dashboard links to them, to each service's and to one order's.
# ---------------------------------------------------------------------------------------------------------

locals {
  region = data.aws_region.current.name

  # X-Ray segment names are the services' service.name, i.e. the service keys. deployment_environment is the
  # annotation every sidecar adds to every span, so environments sharing an account stay apart.
  traced_services    = sort(keys(var.ecs_service_names))
  environment_filter = "annotation.deployment_environment = \"${coalesce(var.deployment_environment, "none")}\""
  xray_group_filter  = "${local.environment_filter} AND (${join(" OR ", [for service in local.traced_services : "service(\"${service}\")"])})"

  # Trace searches opened from the dashboard. ORDER_ID and EXECUTION_NAME are placeholders to overwrite in the
  # console's query box (an order id from the API or a log line; a tier run's Step Functions execution name).
  trace_queries = merge(
    { environment = local.xray_group_filter },
    { for service in local.traced_services : "service/${service}" => "service(\"${service}\") AND ${local.environment_filter}" },
    {
      order    = "annotation.shop_order_id = \"ORDER_ID\""
      tier_run = "annotation.shop_tier_run_id = \"EXECUTION_NAME\""
    },
  )

  # The CloudWatch console keeps its state in the URL fragment in JSURL: a string starts with ' and runs to the
  # next ~ or ), and every character other than letters, digits, _ . - is written *<hex>. urlencode() gives
  # %<hex> (a space as +) for exactly those characters here. The time range is the last 6 hours.
  xray_console = "https://${local.region}.console.aws.amazon.com/cloudwatch/home?region=${local.region}"
  trace_console_urls = merge(
    { trace_map = "${local.xray_console}#xray:service-map/map" },
    {
      for name, expression in local.trace_queries : name =>
      "${local.xray_console}#xray:traces/query?~(query~(expression~'${replace(replace(urlencode(expression), "+", "*20"), "%", "*")})~context~(timeRange~(delta~21600000)))"
    },
  )

  trace_widgets = [
    for widget in [
      {
        type   = "text"
        width  = 12
        height = 6
        properties = {
          markdown = join("\n", [
            "## Traces (X-Ray)",
            "A share of the traces (trace_sampling_ratio) is recorded, each one whole: POST /orders -> payment -> loyalty -> notifications. [Trace map](${local.trace_console_urls["trace_map"]}) · [all traces of ${coalesce(var.deployment_environment, "none")}](${local.trace_console_urls["environment"]}) (X-Ray group `${local.xray_group_name}`)",
            "",
            "By service: ${join(" · ", [for service in local.traced_services : "[${service}](${local.trace_console_urls["service/${service}"]})"])}",
            "",
            "**Find one order:** [annotation.shop_order_id](${local.trace_console_urls["order"]}) (the spans' shop.order_id): replace ORDER_ID in the query with the order's id. A tier run: [annotation.shop_tier_run_id](${local.trace_console_urls["tier_run"]}) = its execution name.",
            "",
            "**From a log line:** its `trace_id` (32 hex digits) is X-Ray trace `1-<first 8>-<other 24>`: open `${local.xray_console}#xray:traces/1-<first 8>-<other 24>`.",
          ])
        }
      },
      {
        type   = "metric"
        width  = 12
        height = 6
        properties = {
          title  = "Traces recorded per minute (X-Ray group) vs. API requests"
          region = local.region
          view   = "timeSeries"
          stat   = "Sum"
          period = 60
          # No traces while requests flow: the sidecars are not exporting (see their ecs/aws-otel-collector log
          # streams) or tracing is sampled at 0.
          metrics = concat(
            [["AWS/X-Ray", "ApproximateTraceCount", "GroupName", local.xray_group_name, { label = "traces recorded" }]],
            [for key, suffix in var.target_group_arn_suffixes : ["AWS/ApplicationELB", "RequestCount", "LoadBalancer", var.alb_arn_suffix, "TargetGroup", suffix, { label = "${key} requests", yAxis = "right" }]],
          )
        }
      },
    ] : widget if var.tracing_enabled
  ]

  xray_group_name = "${var.name_prefix}traces"
}

resource "aws_xray_group" "this" {
  count = var.tracing_enabled ? 1 : 0

  group_name        = local.xray_group_name
  filter_expression = local.xray_group_filter

  # Insights (anomaly detection on the group) stays a deliberate choice, not a side effect of the group.
  insights_configuration {
    insights_enabled      = false
    notifications_enabled = false
  }

  tags = var.tags

  lifecycle {
    precondition {
      condition     = length(local.xray_group_name) <= 32
      error_message = "The X-Ray group name <name_prefix>traces is longer than the 32 characters X-Ray allows: shorten name_prefix."
    }
  }
}

# ---------------------------------------------------------------------------------------------------------
# The dashboard follows an order through the system: API -> bus -> rules -> queues -> workers -> DLQs, then
# the monthly Step Functions run. Widgets without metrics (e.g. no API destination rule) are left out.
# ---------------------------------------------------------------------------------------------------------

locals {
  rule_metrics = {
    for metric in ["Invocations", "FailedInvocations", "InvocationsSentToDlq", "InvocationsFailedToBeSentToDlq"] : metric => [
      for key, name in var.rule_names : ["AWS/Events", metric, "EventBusName", var.event_bus_name, "RuleName", name, { label = "${key} ${metric}" }]
    ]
  }

  dashboard_widgets = concat([
    {
      type   = "text"
      width  = 24
      height = 2
      properties = {
        markdown = "## Order flow\nOrder API (ALB) -> bus `${var.event_bus_name}` -> rules -> payment (API destination) and queues -> workers (ECS) -> dead-letter queues. Monthly loyalty tiers: Step Functions + activity workers (bottom)."
      }
    },
    {
      type   = "alarm"
      width  = 24
      height = 4
      properties = {
        title  = "Alarms"
        alarms = sort([for alarm in aws_cloudwatch_metric_alarm.this : alarm.arn])
      }
    },
    ], local.trace_widgets, [
    {
      type   = "metric"
      width  = 12
      height = 6
      properties = {
        title  = "Order API: requests and 5xx"
        region = local.region
        view   = "timeSeries"
        stat   = "Sum"
        period = 60
        metrics = concat(
          [for key, suffix in var.target_group_arn_suffixes : ["AWS/ApplicationELB", "RequestCount", "LoadBalancer", var.alb_arn_suffix, "TargetGroup", suffix, { label = "${key} requests" }]],
          [for key, suffix in var.target_group_arn_suffixes : ["AWS/ApplicationELB", "HTTPCode_Target_5XX_Count", "LoadBalancer", var.alb_arn_suffix, "TargetGroup", suffix, { label = "${key} target 5xx" }]],
          [["AWS/ApplicationELB", "HTTPCode_ELB_5XX_Count", "LoadBalancer", var.alb_arn_suffix, { label = "load balancer 5xx" }]],
        )
      }
    },
    {
      type   = "metric"
      width  = 12
      height = 6
      properties = {
        title       = "Order API: response time p99"
        region      = local.region
        view        = "timeSeries"
        stat        = "p99"
        period      = 60
        metrics     = [for key, suffix in var.target_group_arn_suffixes : ["AWS/ApplicationELB", "TargetResponseTime", "LoadBalancer", var.alb_arn_suffix, "TargetGroup", suffix, { label = "${key} p99" }]]
        annotations = { horizontal = [{ label = "alarm", value = var.alb_latency_p99_threshold_seconds }] }
      }
    },
    {
      type   = "metric"
      width  = 12
      height = 6
      properties = {
        title   = "Bus: target invocations per rule"
        region  = local.region
        view    = "timeSeries"
        stat    = "Sum"
        period  = 60
        metrics = local.rule_metrics["Invocations"]
      }
    },
    {
      type   = "metric"
      width  = 12
      height = 6
      properties = {
        title   = "Rules: failed, sent to DLQ, lost"
        region  = local.region
        view    = "timeSeries"
        stat    = "Sum"
        period  = 60
        metrics = concat(local.rule_metrics["FailedInvocations"], local.rule_metrics["InvocationsSentToDlq"], local.rule_metrics["InvocationsFailedToBeSentToDlq"])
      }
    },
    {
      type   = "metric"
      width  = 24
      height = 6
      properties = {
        title  = "Payment push (API destination rules): invocations, retries, failures"
        region = local.region
        view   = "timeSeries"
        stat   = "Sum"
        period = 60
        metrics = flatten([
          for name in var.api_destination_rule_names : [
            for metric in ["Invocations", "RetryInvocationAttempts", "FailedInvocations", "InvocationsSentToDlq"] :
            [["AWS/Events", metric, "EventBusName", var.event_bus_name, "RuleName", name, { label = "${name} ${metric}" }]]
          ]
        ])
      }
    },
    {
      type   = "metric"
      width  = 12
      height = 6
      properties = {
        title   = "Queues: messages waiting"
        region  = local.region
        view    = "timeSeries"
        stat    = "Maximum"
        period  = 60
        metrics = [for key, name in var.queue_names : ["AWS/SQS", local.sqs_visible, "QueueName", name, { label = key }]]
      }
    },
    {
      type   = "metric"
      width  = 12
      height = 6
      properties = {
        title       = "Queues: age of the oldest message (s)"
        region      = local.region
        view        = "timeSeries"
        stat        = "Maximum"
        period      = 60
        metrics     = [for key, name in var.queue_names : ["AWS/SQS", "ApproximateAgeOfOldestMessage", "QueueName", name, { label = key }]]
        annotations = { horizontal = [{ label = "alarm", value = var.oldest_message_age_threshold_seconds }] }
      }
    },
    {
      type   = "metric"
      width  = 12
      height = 6
      properties = {
        title  = "Workers: running / desired tasks"
        region = local.region
        view   = "timeSeries"
        stat   = "Average"
        period = 60
        metrics = flatten([
          for key, name in var.ecs_service_names : [
            ["ECS/ContainerInsights", "RunningTaskCount", "ClusterName", var.cluster_name, "ServiceName", name, { label = "${key} running" }],
            ["ECS/ContainerInsights", "DesiredTaskCount", "ClusterName", var.cluster_name, "ServiceName", name, { label = "${key} desired" }],
          ]
        ])
      }
    },
    {
      type   = "metric"
      width  = 12
      height = 6
      properties = {
        title   = "Workers: CPU utilisation (%)"
        region  = local.region
        view    = "timeSeries"
        stat    = "Average"
        period  = 60
        metrics = [for key, name in var.ecs_service_names : ["AWS/ECS", "CPUUtilization", "ClusterName", var.cluster_name, "ServiceName", name, { label = key }]]
      }
    },
    {
      type   = "metric"
      width  = 24
      height = 6
      properties = {
        title  = "Dead-letter queues (should stay at 0)"
        region = local.region
        view   = "timeSeries"
        stat   = "Maximum"
        period = 60
        metrics = concat(
          [for key, name in var.dlq_names : ["AWS/SQS", local.sqs_visible, "QueueName", name, { label = "${key} DLQ" }]],
          [for key, name in var.target_dlq_names : ["AWS/SQS", local.sqs_visible, "QueueName", name, { label = "${key} target DLQ" }]],
        )
      }
    },
    {
      type   = "metric"
      width  = 12
      height = 6
      properties = {
        title  = "Step Functions: executions"
        region = local.region
        view   = "timeSeries"
        stat   = "Sum"
        period = 300
        metrics = flatten([
          for key, arn in var.state_machine_arns : [
            for metric in ["ExecutionsStarted", "ExecutionsSucceeded", "ExecutionsFailed", "ExecutionsTimedOut"] :
            [["AWS/States", metric, "StateMachineArn", arn, { label = "${key} ${metric}" }]]
          ]
        ])
      }
    },
    {
      type   = "metric"
      width  = 12
      height = 6
      properties = {
        title  = "Step Functions: activity tasks"
        region = local.region
        view   = "timeSeries"
        stat   = "Sum"
        period = 300
        metrics = flatten([
          for key, arn in var.activity_arns : [
            for metric in ["ActivitiesScheduled", "ActivitiesSucceeded", "ActivitiesFailed", "ActivitiesTimedOut", "ActivitiesHeartbeatTimedOut"] :
            [["AWS/States", metric, "ActivityArn", arn, { label = "${key} ${metric}" }]]
          ]
        ])
      }
    },
  ])
}

resource "aws_cloudwatch_dashboard" "this" {
  dashboard_name = "${var.name_prefix}flow"
  dashboard_body = jsonencode({
    widgets = [
      # A metric widget needs metrics and an alarm widget alarms; a text widget always stays.
      for widget in local.dashboard_widgets : widget
      if length(try(widget.properties.metrics, widget.properties.alarms, [widget.properties.markdown])) > 0
    ]
  })

  lifecycle {
    precondition {
      condition     = length(setintersection(keys(var.dlq_names), keys(var.target_dlq_names))) == 0
      error_message = "A queue key equals a rule key, so dlq_alarm_names would map both DLQ alarms to one key: rename one of them in the topology."
    }
  }
}
