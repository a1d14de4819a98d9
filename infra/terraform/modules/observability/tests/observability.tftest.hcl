# Runs offline: `terraform test` from infra/terraform/modules/observability.
mock_provider "aws" {
  # Mocked values already during plan, so the dashboard (which lists the alarm ARNs) is known and checkable.
  override_during = plan

  mock_resource "aws_cloudwatch_metric_alarm" {
    defaults = {
      arn = "arn:aws:cloudwatch:eu-west-1:111122223333:alarm:mocked"
    }
  }

  mock_data "aws_region" {
    defaults = {
      name = "eu-west-1"
    }
  }
}

# The real topology, and the names the messaging, workflows, ALB and ECS modules would give its resources.
variables {
  name_prefix     = "shop-test-"
  alarm_topic_arn = "arn:aws:sns:eu-west-1:111122223333:shop-test-alarms"
  event_bus_name  = "shop-test-events"

  queue_names      = { for key in keys(yamldecode(file("../../../../shared/src/shop_shared/topology/topology.yaml")).queues) : key => "shop-test-${key}" }
  dlq_names        = { for key in keys(yamldecode(file("../../../../shared/src/shop_shared/topology/topology.yaml")).queues) : key => "shop-test-${key}-dlq" }
  rule_names       = { for key in keys(yamldecode(file("../../../../shared/src/shop_shared/topology/topology.yaml")).rules) : key => "shop-test-${key}" }
  target_dlq_names = { for key in keys(yamldecode(file("../../../../shared/src/shop_shared/topology/topology.yaml")).rules) : key => "shop-test-${key}-target-dlq" }
  api_destination_rule_names = [
    for key, rule in yamldecode(file("../../../../shared/src/shop_shared/topology/topology.yaml")).rules : "shop-test-${key}"
    if try(rule.target.api_destination, null) != null
  ]
  state_machine_arns        = { for key in keys(yamldecode(file("../../../../shared/src/shop_shared/topology/topology.yaml")).state_machines) : key => "arn:aws:states:eu-west-1:111122223333:stateMachine:shop-test-${key}" }
  activity_arns             = { for key in keys(yamldecode(file("../../../../shared/src/shop_shared/topology/topology.yaml")).activities) : key => "arn:aws:states:eu-west-1:111122223333:activity:shop-test-${key}" }
  alb_arn_suffix            = "app/shop-test-alb/0123456789abcdef"
  target_group_arn_suffixes = { order = "targetgroup/shop-test-order/0123456789abcdef", payment = "targetgroup/shop-test-payment/fedcba9876543210" }
  cluster_name              = "shop-test"
  ecs_service_names         = { for key in keys(yamldecode(file("../../../../shared/src/shop_shared/topology/topology.yaml")).services) : key => "shop-test-${key}" }
  outbox_table_names = {
    for key, table in yamldecode(file("../../../../shared/src/shop_shared/topology/topology.yaml")).tables : key => "shop-test-${key}"
    if contains(keys(try(table.indexes, {})), "pending")
  }
  deployment_environment = "test"
  schedule_group_names   = ["shop-test-schedules"]
  scheduled_runs = {
    for key, schedule in yamldecode(file("../../../../shared/src/shop_shared/topology/topology.yaml")).schedules : key => {
      state_machine_arn   = "arn:aws:states:eu-west-1:111122223333:stateMachine:shop-test-${schedule.state_machine}"
      expression          = schedule.expression
      timezone            = schedule.timezone
      run_timeout_seconds = yamldecode(file("../../../../shared/src/shop_shared/topology/topology.yaml")).state_machines[schedule.state_machine].parameters.run_timeout_seconds
    }
  }
}

run "one_dlq_alarm_per_queue_dlq_and_per_rule_target_dlq" {
  command = plan

  assert {
    condition = alltrue([
      for key, name in var.dlq_names :
      [for query in aws_cloudwatch_metric_alarm.this["dlq/${key}"].metric_query : query.metric[0].dimensions["QueueName"]] == [name]
    ])
    error_message = "Each queue DLQ has an alarm on that DLQ."
  }

  assert {
    condition = alltrue([
      for key, name in var.target_dlq_names :
      [for query in aws_cloudwatch_metric_alarm.this["target-dlq/${key}"].metric_query : query.metric[0].dimensions["QueueName"]] == [name]
    ])
    error_message = "Each rule target DLQ has an alarm on that DLQ."
  }

  assert {
    condition     = length([for key in keys(aws_cloudwatch_metric_alarm.this) : key if startswith(key, "dlq/") || startswith(key, "target-dlq/")]) == length(var.dlq_names) + length(var.target_dlq_names)
    error_message = "Exactly one DLQ alarm per queue DLQ and per target DLQ."
  }

  assert {
    condition = alltrue([
      for key, alarm in aws_cloudwatch_metric_alarm.this :
      alarm.threshold == 0 && alarm.comparison_operator == "GreaterThanThreshold" && alarm.evaluation_periods == 1
      && one([for query in alarm.metric_query : query.metric[0].metric_name]) == "ApproximateNumberOfMessagesVisible"
      if startswith(key, "dlq/") || startswith(key, "target-dlq/")
    ])
    error_message = "A DLQ alarm fires on the first visible message."
  }

  assert {
    condition     = sort(keys(output.dlq_alarm_names)) == sort(concat(keys(var.dlq_names), keys(var.target_dlq_names)))
    error_message = "dlq_alarm_names is keyed by queue key and rule key."
  }
}

run "an_age_alarm_per_queue" {
  command = plan

  assert {
    condition = alltrue([
      for key, name in var.queue_names :
      aws_cloudwatch_metric_alarm.this["queue-age/${key}"].threshold == var.oldest_message_age_threshold_seconds
      && [for query in aws_cloudwatch_metric_alarm.this["queue-age/${key}"].metric_query : [query.metric[0].metric_name, query.metric[0].dimensions["QueueName"]]] == [["ApproximateAgeOfOldestMessage", name]]
    ])
    error_message = "Each queue has an age-of-oldest-message alarm at the threshold."
  }

  assert {
    condition     = length([for key in keys(aws_cloudwatch_metric_alarm.this) : key if startswith(key, "queue-age/")]) == length(var.queue_names)
    error_message = "One age alarm per queue."
  }
}

run "rule_delivery_alarms_on_the_custom_bus" {
  command = plan

  assert {
    condition = alltrue(flatten([
      for key, name in var.rule_names : [
        for category in ["rule-failed", "rule-events-lost"] : [
          for query in aws_cloudwatch_metric_alarm.this["${category}/${key}"].metric_query :
          query.metric[0].namespace == "AWS/Events" && query.metric[0].dimensions == tomap({ EventBusName = var.event_bus_name, RuleName = name })
        ]
      ]
    ]))
    error_message = "Each rule (API destination rules included) has failed-invocation and lost-event alarms with the custom bus's dimensions."
  }
}

run "step_functions_alarms_per_state_machine_and_activity" {
  command = plan

  assert {
    condition = alltrue(flatten([
      for key, arn in var.state_machine_arns : [
        for category, metric in { "executions-failed" = "ExecutionsFailed", "executions-timed-out" = "ExecutionsTimedOut" } :
        [for query in aws_cloudwatch_metric_alarm.this["${category}/${key}"].metric_query : [query.metric[0].metric_name, query.metric[0].dimensions["StateMachineArn"]]] == [[metric, arn]]
      ]
    ]))
    error_message = "Each state machine has failed and timed-out execution alarms."
  }

  assert {
    condition = alltrue([
      for key, arn in var.activity_arns :
      aws_cloudwatch_metric_alarm.this["activities-failed/${key}"] != null
      && sort(flatten([for query in aws_cloudwatch_metric_alarm.this["activities-timed-out/${key}"].metric_query : [for metric in query.metric : metric.metric_name]])) == sort(["ActivitiesHeartbeatTimedOut", "ActivitiesTimedOut"])
      && alltrue(flatten([for query in aws_cloudwatch_metric_alarm.this["activities-timed-out/${key}"].metric_query : [for metric in query.metric : metric.dimensions["ActivityArn"] == arn]]))
    ])
    error_message = "Each activity has a failed alarm and a timeout alarm covering task and heartbeat timeouts."
  }
}

run "running_below_desired_per_ecs_service" {
  command = plan

  assert {
    condition = alltrue([
      for key, name in var.ecs_service_names :
      contains([for query in aws_cloudwatch_metric_alarm.this["running-below-desired/${key}"].metric_query : query.expression], "desired - FILL(running, 0)")
      && alltrue(flatten([
        for query in aws_cloudwatch_metric_alarm.this["running-below-desired/${key}"].metric_query : [
          for metric in query.metric :
          metric.namespace == "ECS/ContainerInsights" && metric.dimensions == tomap({ ClusterName = var.cluster_name, ServiceName = name })
        ]
      ]))
    ])
    error_message = "Each ECS service has a running-below-desired alarm on Container Insights."
  }

  assert {
    condition     = length([for key in keys(aws_cloudwatch_metric_alarm.this) : key if startswith(key, "running-below-desired/")]) == length(var.ecs_service_names)
    error_message = "One running-below-desired alarm per ECS service."
  }
}

run "every_alarm_acts_on_the_topic" {
  command = plan

  assert {
    condition = alltrue([
      for key, alarm in aws_cloudwatch_metric_alarm.this :
      alarm.alarm_actions == toset([var.alarm_topic_arn]) && alarm.ok_actions == (startswith(key, "scheduled-run-missed/") ? toset([]) : toset([var.alarm_topic_arn]))
    ])
    error_message = "Every alarm notifies the alarm topic on ALARM and on OK; the missed-run alarm on ALARM only (its OK an hour later says nothing about the run)."
  }

  assert {
    condition     = length(output.alarm_names) == length(aws_cloudwatch_metric_alarm.this) && length(distinct(output.alarm_names)) == length(output.alarm_names)
    error_message = "Alarm names are unique and all listed."
  }

  assert {
    condition     = alltrue([for name in output.alarm_names : startswith(name, var.name_prefix)])
    error_message = "Alarm names start with the prefix."
  }

  # Exactly one returned series per alarm, or CloudWatch rejects it.
  assert {
    condition = alltrue([
      for alarm in aws_cloudwatch_metric_alarm.this : length([for query in alarm.metric_query : query if query.return_data]) == 1
    ])
    error_message = "Each alarm returns exactly one series."
  }
}

run "the_dashboard_follows_the_flow" {
  command = plan

  assert {
    condition     = aws_cloudwatch_dashboard.this.dashboard_name == "shop-test-flow"
    error_message = "The dashboard is named after the prefix."
  }

  assert {
    condition = alltrue([
      for name in concat(values(var.queue_names), values(var.dlq_names), values(var.target_dlq_names), values(var.rule_names), values(var.ecs_service_names), values(var.state_machine_arns), values(var.activity_arns)) :
      strcontains(aws_cloudwatch_dashboard.this.dashboard_body, jsonencode(name))
    ])
    error_message = "Every queue, DLQ, rule, service, state machine and activity appears on the dashboard."
  }

  assert {
    condition = alltrue([
      for widget in jsondecode(aws_cloudwatch_dashboard.this.dashboard_body).widgets :
      widget.properties.region == "eu-west-1" && length(widget.properties.metrics) > 0 if widget.type == "metric"
    ])
    error_message = "Every metric widget has a region and metrics."
  }

  assert {
    condition = alltrue([
      for name in var.api_destination_rule_names : anytrue([
        for widget in jsondecode(aws_cloudwatch_dashboard.this.dashboard_body).widgets :
        strcontains(try(widget.properties.title, ""), "API destination") && strcontains(jsonencode(widget), jsonencode(name))
      ])
    ]) && length(var.api_destination_rule_names) > 0
    error_message = "The API destination rules (payment's push) have their own widget."
  }

  assert {
    condition = [for widget in jsondecode(aws_cloudwatch_dashboard.this.dashboard_body).widgets : widget.type] == [
      "text", "alarm", "text", "metric", "metric", "metric", "metric", "metric", "metric", "metric", "metric", "metric", "metric", "metric", "metric", "metric"
    ]
    error_message = "Header, alarm status, the trace links and trace count, then the flow's twelve metric widgets."
  }
}

run "without_api_destination_rules_the_push_widget_is_left_out" {
  command = plan

  variables {
    api_destination_rule_names = []
  }

  assert {
    condition     = length([for widget in jsondecode(aws_cloudwatch_dashboard.this.dashboard_body).widgets : widget if strcontains(try(widget.properties.title, ""), "API destination")]) == 0
    error_message = "No empty widget."
  }
}

run "a_late_charge_refund_alarms_the_operators" {
  command = plan

  assert {
    condition = (
      aws_cloudwatch_metric_alarm.this["payment/late-charge-refunded"].threshold == 0
      && aws_cloudwatch_metric_alarm.this["payment/late-charge-refunded"].evaluation_periods == 1
      && aws_cloudwatch_metric_alarm.this["payment/late-charge-refunded"].treat_missing_data == "notBreaching"
      && [for query in aws_cloudwatch_metric_alarm.this["payment/late-charge-refunded"].metric_query : [query.metric[0].namespace, query.metric[0].metric_name, query.metric[0].dimensions["Service"]]] == [["Shop", "LateChargeRefunded", "payment"]]
      && aws_cloudwatch_metric_alarm.this["payment/late-charge-refunded"].alarm_actions == toset([var.alarm_topic_arn])
    )
    error_message = "Payment's LateChargeRefunded metric (EMF, namespace Shop) alarms on its first occurrence."
  }
}

run "every_outbox_has_age_backlog_and_parked_alarms" {
  command = plan

  assert {
    condition     = length(var.outbox_table_names) == 3
    error_message = "order, payment and loyalty each have an outbox with the pending index."
  }

  assert {
    condition = alltrue(flatten([
      for key, name in var.outbox_table_names : [
        for category, metric in { "outbox-age" = "OutboxOldestEntryAge", "outbox-backlog" = "OutboxBacklog", "outbox-parked" = "OutboxEntriesParked" } :
        [for query in aws_cloudwatch_metric_alarm.this["${category}/${key}"].metric_query : [query.metric[0].namespace, query.metric[0].metric_name, query.metric[0].dimensions["Outbox"]]] == [["Shop", metric, name]]
      ]
    ]))
    error_message = "Each outbox table has an oldest-entry-age, a backlog and a parked-entry alarm on the relay's EMF metrics."
  }

  assert {
    condition     = alltrue([for key in keys(var.outbox_table_names) : aws_cloudwatch_metric_alarm.this["outbox-parked/${key}"].threshold == 0])
    error_message = "One parked entry alarms."
  }
}

run "traces_are_grouped_per_environment_and_linked_from_the_dashboard" {
  command = plan

  assert {
    condition = (
      aws_xray_group.this[0].group_name == "shop-test-traces" && output.xray_group_name == "shop-test-traces" &&
      aws_xray_group.this[0].filter_expression == "annotation.deployment_environment = \"test\" AND (service(\"batch-worker\") OR service(\"loyalty\") OR service(\"notifications\") OR service(\"order\") OR service(\"payment\"))"
    )
    error_message = "One X-Ray group per environment: this environment's annotation and the topology's services."
  }

  assert {
    condition = output.trace_console_urls["environment"] == join("", [
      "https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#xray:traces/query?~(query~(expression~'",
      "annotation.deployment_environment*20*3D*20*22test*22*20AND*20*28service*28*22batch-worker*22*29*20OR*20service*28*22loyalty*22*29",
      "*20OR*20service*28*22notifications*22*29*20OR*20service*28*22order*22*29*20OR*20service*28*22payment*22*29*29",
      ")~context~(timeRange~(delta~21600000)))",
    ])
    error_message = "The environment's trace link carries the group's filter, encoded the way the CloudWatch console reads its URL (JSURL: *<hex>)."
  }

  assert {
    condition = (
      endswith(output.trace_console_urls["order"], "#xray:traces/query?~(query~(expression~'annotation.shop_order_id*20*3D*20*22ORDER_ID*22)~context~(timeRange~(delta~21600000)))") &&
      endswith(output.trace_console_urls["trace_map"], "#xray:service-map/map")
    )
    error_message = "The order search filters on the indexed annotation shop_order_id; the trace map has its own link."
  }

  assert {
    condition = anytrue([
      for markdown in [for widget in jsondecode(aws_cloudwatch_dashboard.this.dashboard_body).widgets : try(widget.properties.markdown, "")] :
      alltrue(concat(
        [for key in ["trace_map", "environment", "order", "tier_run"] : strcontains(markdown, "(${output.trace_console_urls[key]})")],
        [for service in keys(var.ecs_service_names) : strcontains(markdown, "[${service}](${output.trace_console_urls["service/${service}"]})")],
        [strcontains(markdown, "shop.order_id")],
      ))
    ])
    error_message = "A text widget links the trace map, the environment's traces, each service's traces and the search for one order (annotation of shop.order_id)."
  }

  assert {
    condition = anytrue([
      for widget in jsondecode(aws_cloudwatch_dashboard.this.dashboard_body).widgets :
      contains(try(widget.properties.metrics, []), ["AWS/X-Ray", "ApproximateTraceCount", "GroupName", "shop-test-traces", { label = "traces recorded" }])
    ])
    error_message = "The dashboard shows how many traces the environment's X-Ray group records (0 while requests flow: the sidecars do not export)."
  }
}

run "without_tracing_no_group_and_no_trace_widgets" {
  command = plan

  variables {
    tracing_enabled        = false
    deployment_environment = null
  }

  assert {
    condition     = length(aws_xray_group.this) == 0 && output.xray_group_name == null && length(output.trace_console_urls) == 0
    error_message = "tracing_enabled = false creates no X-Ray group and no links."
  }

  assert {
    condition     = !strcontains(aws_cloudwatch_dashboard.this.dashboard_body, "xray") && length(jsondecode(aws_cloudwatch_dashboard.this.dashboard_body).widgets) == 14
    error_message = "Without tracing the dashboard has no trace widget."
  }
}

run "tracing_needs_the_environment_name" {
  command = plan

  variables {
    deployment_environment = null
  }

  expect_failures = [var.deployment_environment]
}

# Issue 17: the failures that were silent or alarmed only after a day.

run "an_aborted_execution_alarms" {
  command = plan

  assert {
    condition = alltrue([
      for key, arn in var.state_machine_arns :
      [for query in aws_cloudwatch_metric_alarm.this["executions-aborted/${key}"].metric_query : [query.metric[0].namespace, query.metric[0].metric_name, query.metric[0].stat, query.metric[0].dimensions]] == [["AWS/States", "ExecutionsAborted", "Sum", tomap({ StateMachineArn = arn })]]
      && aws_cloudwatch_metric_alarm.this["executions-aborted/${key}"].threshold == 0
      && aws_cloudwatch_metric_alarm.this["executions-aborted/${key}"].comparison_operator == "GreaterThanThreshold"
      && aws_cloudwatch_metric_alarm.this["executions-aborted/${key}"].alarm_actions == toset([var.alarm_topic_arn])
    ])
    error_message = "Each state machine has an ExecutionsAborted alarm on its ARN, firing on the first one, to the topic."
  }
}

run "a_scheduled_run_that_did_not_succeed_alarms_at_the_end_of_its_day" {
  command = plan

  assert {
    condition     = length(var.scheduled_runs) == 1 && var.scheduled_runs["loyalty-tiers-monthly"].expression == "cron(0 3 1 * ? *)"
    error_message = "The topology's monthly tier run (03:00 UTC on the 1st) is the scheduled run under test."
  }

  assert {
    condition = (
      [for query in aws_cloudwatch_metric_alarm.this["scheduled-run-missed/loyalty-tiers-monthly"].metric_query : query.expression if query.return_data] == ["IF(DATE(succeeded) == 1, FILL(succeeded, 0), 1)"]
      && [
        for query in aws_cloudwatch_metric_alarm.this["scheduled-run-missed/loyalty-tiers-monthly"].metric_query : [query.id, query.metric[0].namespace, query.metric[0].metric_name, query.metric[0].stat, query.metric[0].period, query.metric[0].dimensions]
        if !query.return_data
      ] == [["succeeded", "AWS/States", "ExecutionsSucceeded", "Sum", 3600, tomap({ StateMachineArn = "arn:aws:states:eu-west-1:111122223333:stateMachine:shop-test-loyalty-tiers" })]]
    )
    error_message = "Hourly ExecutionsSucceeded of the tier state machine, read as 0/more on the 1st (UTC) and 1 on any other day."
  }

  # 24 of 24 hourly points below 1: a whole day, the 1st, without a success. One success that day, or any hour
  # of another day in the window, keeps it quiet. The window is exactly the CloudWatch maximum of one day.
  assert {
    condition = (
      aws_cloudwatch_metric_alarm.this["scheduled-run-missed/loyalty-tiers-monthly"].comparison_operator == "LessThanThreshold"
      && aws_cloudwatch_metric_alarm.this["scheduled-run-missed/loyalty-tiers-monthly"].threshold == 1
      && aws_cloudwatch_metric_alarm.this["scheduled-run-missed/loyalty-tiers-monthly"].evaluation_periods == 24
      && aws_cloudwatch_metric_alarm.this["scheduled-run-missed/loyalty-tiers-monthly"].datapoints_to_alarm == 24
      && aws_cloudwatch_metric_alarm.this["scheduled-run-missed/loyalty-tiers-monthly"].treat_missing_data == "breaching"
      && aws_cloudwatch_metric_alarm.this["scheduled-run-missed/loyalty-tiers-monthly"].alarm_name == "shop-test-loyalty-tiers-monthly-did-not-succeed"
      && aws_cloudwatch_metric_alarm.this["scheduled-run-missed/loyalty-tiers-monthly"].alarm_actions == toset([var.alarm_topic_arn])
    )
    error_message = "The missed-run alarm needs all 24 hourly points of its day below 1, treats missing data as breaching, and notifies the topic."
  }

  assert {
    condition = alltrue([
      for alarm in aws_cloudwatch_metric_alarm.this :
      alltrue([for query in alarm.metric_query : query.metric[0].period * alarm.evaluation_periods <= 86400 if length(query.metric) > 0])
    ])
    error_message = "CloudWatch refuses an alarm whose period x evaluation periods is longer than a day."
  }
}

run "a_scheduled_run_in_another_time_zone_is_refused" {
  command = plan

  variables {
    scheduled_runs = {
      monthly = { state_machine_arn = "arn:aws:states:eu-west-1:111122223333:stateMachine:x", expression = "cron(0 3 1 * ? *)", timezone = "Europe/Berlin", run_timeout_seconds = 3600 }
    }
  }

  expect_failures = [var.scheduled_runs]
}

run "a_scheduled_run_that_would_end_the_next_day_is_refused" {
  command = plan

  variables {
    scheduled_runs = {
      monthly = { state_machine_arn = "arn:aws:states:eu-west-1:111122223333:stateMachine:x", expression = "cron(0 22 1 * ? *)", timezone = "UTC", run_timeout_seconds = 14400 }
    }
  }

  expect_failures = [var.scheduled_runs]
}

run "scheduler_target_errors_and_lost_dead_letters_alarm_per_schedule_group" {
  command = plan

  assert {
    condition = alltrue(flatten([
      for group in var.schedule_group_names : [
        for category, metric in { "scheduler-target-errors" = "TargetErrorCount", "scheduler-dlq-failed" = "InvocationsFailedToBeSentToDeadLetterCount" } :
        [for query in aws_cloudwatch_metric_alarm.this["${category}/${group}"].metric_query : [query.metric[0].namespace, query.metric[0].metric_name, query.metric[0].stat, query.metric[0].dimensions]] == [["AWS/Scheduler", metric, "Sum", tomap({ ScheduleGroup = group })]]
        && aws_cloudwatch_metric_alarm.this["${category}/${group}"].threshold == 0
        && aws_cloudwatch_metric_alarm.this["${category}/${group}"].evaluation_periods == 1
        && aws_cloudwatch_metric_alarm.this["${category}/${group}"].alarm_actions == toset([var.alarm_topic_arn])
      ]
    ])) && length(var.schedule_group_names) == 1
    error_message = "The environment's schedule group has a TargetErrorCount and an InvocationsFailedToBeSentToDeadLetterCount alarm (AWS/Scheduler, dimension ScheduleGroup), each on the first one."
  }
}

run "an_api_destination_that_keeps_retrying_alarms" {
  command = plan

  assert {
    condition = alltrue([
      for name in var.api_destination_rule_names :
      [for query in aws_cloudwatch_metric_alarm.this["api-destination-retries/${name}"].metric_query : [query.metric[0].namespace, query.metric[0].metric_name, query.metric[0].stat, query.metric[0].period, query.metric[0].dimensions]] == [["AWS/Events", "RetryInvocationAttempts", "Sum", 300, tomap({ EventBusName = var.event_bus_name, RuleName = name })]]
      && aws_cloudwatch_metric_alarm.this["api-destination-retries/${name}"].threshold == 0
      && aws_cloudwatch_metric_alarm.this["api-destination-retries/${name}"].evaluation_periods == 3
      && aws_cloudwatch_metric_alarm.this["api-destination-retries/${name}"].datapoints_to_alarm == 2
      && aws_cloudwatch_metric_alarm.this["api-destination-retries/${name}"].alarm_actions == toset([var.alarm_topic_arn])
    ]) && length(var.api_destination_rule_names) > 0
    error_message = "Each API destination rule alarms on RetryInvocationAttempts in 2 of 3 five-minute windows (a rejected key within minutes, not after the 24 h retry policy)."
  }

  assert {
    condition     = length([for key in keys(aws_cloudwatch_metric_alarm.this) : key if startswith(key, "api-destination-retries/")]) == length(var.api_destination_rule_names)
    error_message = "Retry alarms only for the rules that target an API destination."
  }
}

run "ses_bounces_and_complaints_alarm_at_aws_s_recommended_rates" {
  command = plan

  assert {
    condition = (
      [for query in aws_cloudwatch_metric_alarm.this["ses/bounce-rate"].metric_query : [query.metric[0].namespace, query.metric[0].metric_name, query.metric[0].stat, length(query.metric[0].dimensions)]] == [["AWS/SES", "Reputation.BounceRate", "Maximum", 0]]
      && aws_cloudwatch_metric_alarm.this["ses/bounce-rate"].threshold == 0.02
      && aws_cloudwatch_metric_alarm.this["ses/bounce-rate"].comparison_operator == "GreaterThanThreshold"
      && aws_cloudwatch_metric_alarm.this["ses/bounce-rate"].alarm_actions == toset([var.alarm_topic_arn])
    )
    error_message = "The account's SES bounce rate (a fraction, account-wide) alarms above 2 %."
  }

  assert {
    condition = (
      [for query in aws_cloudwatch_metric_alarm.this["ses/complaint-rate"].metric_query : [query.metric[0].namespace, query.metric[0].metric_name, query.metric[0].stat, length(query.metric[0].dimensions)]] == [["AWS/SES", "Reputation.ComplaintRate", "Maximum", 0]]
      && aws_cloudwatch_metric_alarm.this["ses/complaint-rate"].threshold == 0.001
      && aws_cloudwatch_metric_alarm.this["ses/complaint-rate"].comparison_operator == "GreaterThanThreshold"
      && aws_cloudwatch_metric_alarm.this["ses/complaint-rate"].alarm_actions == toset([var.alarm_topic_arn])
    )
    error_message = "The account's SES complaint rate alarms above 0.1 %."
  }
}

run "ses_alarms_can_be_left_to_another_stack" {
  command = plan

  variables {
    email_reputation_alarms = false
  }

  assert {
    condition     = length([for key in keys(aws_cloudwatch_metric_alarm.this) : key if startswith(key, "ses/")]) == 0
    error_message = "email_reputation_alarms = false creates no SES alarm (they are account-wide)."
  }
}

run "unhealthy_hosts_alarm_per_target_group" {
  command = plan

  assert {
    condition = alltrue([
      for key, suffix in var.target_group_arn_suffixes :
      [for query in aws_cloudwatch_metric_alarm.this["unhealthy-hosts/${key}"].metric_query : [query.metric[0].namespace, query.metric[0].metric_name, query.metric[0].stat, query.metric[0].dimensions]] == [["AWS/ApplicationELB", "UnHealthyHostCount", "Maximum", tomap({ LoadBalancer = var.alb_arn_suffix, TargetGroup = suffix })]]
      && aws_cloudwatch_metric_alarm.this["unhealthy-hosts/${key}"].threshold == 0
      && aws_cloudwatch_metric_alarm.this["unhealthy-hosts/${key}"].datapoints_to_alarm == 3
      && aws_cloudwatch_metric_alarm.this["unhealthy-hosts/${key}"].evaluation_periods == 5
      && aws_cloudwatch_metric_alarm.this["unhealthy-hosts/${key}"].alarm_actions == toset([var.alarm_topic_arn])
    ])
    error_message = "Each target group alarms on UnHealthyHostCount > 0 in 3 of 5 minutes."
  }
}
