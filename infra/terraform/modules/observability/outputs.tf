output "alarm_names" {
  description = "Names of every alarm this module creates."
  value       = sort([for alarm in aws_cloudwatch_metric_alarm.this : alarm.alarm_name])
}

output "dlq_alarm_names" {
  description = "The not-empty alarm of each dead-letter queue: by topology queue key for queue DLQs and by rule key for rule target DLQs."
  value = merge(
    { for key in keys(var.dlq_names) : key => aws_cloudwatch_metric_alarm.this["dlq/${key}"].alarm_name },
    { for key in keys(var.target_dlq_names) : key => aws_cloudwatch_metric_alarm.this["target-dlq/${key}"].alarm_name },
  )
}

output "dashboard_name" {
  description = "Name of the CloudWatch dashboard of the flow."
  value       = aws_cloudwatch_dashboard.this.dashboard_name
}

output "xray_group_name" {
  description = "The X-Ray group of this environment's traces (its ApproximateTraceCount is on the dashboard); null without tracing."
  value       = one(aws_xray_group.this[*].group_name)
}

output "trace_console_urls" {
  description = "CloudWatch console links: trace_map, environment (the group's traces), service/<key>, order and tier_run (searches with a placeholder id to overwrite). Empty without tracing."
  value       = var.tracing_enabled ? local.trace_console_urls : {}
}
