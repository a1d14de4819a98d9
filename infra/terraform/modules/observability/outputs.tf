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
