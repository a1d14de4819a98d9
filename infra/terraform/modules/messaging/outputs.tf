output "event_bus_name" {
  description = "Name of the custom event bus every integration event is published to."
  value       = aws_cloudwatch_event_bus.this.name
}

output "event_bus_arn" {
  description = "ARN of the custom event bus (events:PutEvents is granted on it)."
  value       = aws_cloudwatch_event_bus.this.arn
}

output "queue_names" {
  description = "Queue names by topology queue key."
  value       = { for key, queue in aws_sqs_queue.queue : key => queue.name }
}

output "queue_arns" {
  description = "Queue ARNs by topology queue key."
  value       = { for key, queue in aws_sqs_queue.queue : key => queue.arn }
}

output "queue_urls" {
  description = "Queue URLs by topology queue key."
  value       = { for key, queue in aws_sqs_queue.queue : key => queue.url }
}

output "dlq_names" {
  description = "Names of the queues' dead-letter queues, by topology queue key."
  value       = { for key, queue in aws_sqs_queue.dlq : key => queue.name }
}

output "dlq_arns" {
  description = "ARNs of the queues' dead-letter queues, by topology queue key."
  value       = { for key, queue in aws_sqs_queue.dlq : key => queue.arn }
}

output "target_dlq_names" {
  description = "Names of the rule targets' dead-letter queues (events EventBridge could not deliver), by topology rule key."
  value       = { for key, queue in aws_sqs_queue.target_dlq : key => queue.name }
}

output "target_dlq_arns" {
  description = "ARNs of the rule targets' dead-letter queues, by topology rule key."
  value       = { for key, queue in aws_sqs_queue.target_dlq : key => queue.arn }
}

output "rule_names" {
  description = "Rule names by topology rule key."
  value       = { for key, rule in aws_cloudwatch_event_rule.this : key => rule.name }
}

output "rule_arns" {
  description = "Rule ARNs by topology rule key."
  value       = { for key, rule in aws_cloudwatch_event_rule.this : key => rule.arn }
}

output "api_destination_names" {
  description = "API destination names by topology API destination key."
  value       = { for key, destination in aws_cloudwatch_event_api_destination.this : key => destination.name }
}

output "api_destination_arns" {
  description = "API destination ARNs by topology API destination key."
  value       = { for key, destination in aws_cloudwatch_event_api_destination.this : key => destination.arn }
}

output "connection_arns" {
  description = "Connection ARNs (API key authorization) by topology API destination key."
  value       = { for key, connection in aws_cloudwatch_event_connection.this : key => connection.arn }
}

output "connection_names" {
  description = "Connection names by topology API destination key (the rotation tool updates the connection by name)."
  value       = { for key, connection in aws_cloudwatch_event_connection.this : key => connection.name }
}

output "secret_arns" {
  description = "Secrets Manager secret ARNs by topology secret key."
  value       = { for key, secret in aws_secretsmanager_secret.this : key => secret.arn }
}

output "secret_names" {
  description = "Secrets Manager secret names by topology secret key."
  value       = { for key, secret in aws_secretsmanager_secret.this : key => secret.name }
}

output "secret_recovery_windows" {
  description = "Days each secret stays restorable (its name taken) after a destroy, by topology secret key: 0 where the environment is torn down and re-created."
  value       = { for key, secret in aws_secretsmanager_secret.this : key => secret.recovery_window_in_days }
}

output "kms_key_arns" {
  description = "ARNs of the topology's KMS keys (not the messaging key), by topology key."
  value       = { for key, kms_key in aws_kms_key.topology : key => kms_key.arn }
}

output "kms_key_aliases" {
  description = "Alias names (alias/<prefix><key>) of the topology's KMS keys, the key ids services are given."
  value       = { for key, alias in aws_kms_alias.topology : key => alias.name }
}

output "messaging_kms_key_arn" {
  description = "ARN of the messaging key (SQS queues, SNS topics, log groups). Queue consumers need kms:Decrypt on it."
  value       = aws_kms_key.messaging.arn
}

output "messaging_kms_key_alias" {
  description = "Alias name of the messaging key."
  value       = aws_kms_alias.messaging.name
}

output "sns_topic_arns" {
  description = "SNS topic ARNs by topology topic key."
  value       = { for key, topic in aws_sns_topic.this : key => topic.arn }
}

output "api_destination_invoker_role_arn" {
  description = "Role EventBridge assumes to call the API destinations (null when the topology has none)."
  value       = one(aws_iam_role.api_destination_invoker[*].arn)
}

output "archive_name" {
  description = "Name of the bus archive (start a replay from it after an incident)."
  value       = aws_cloudwatch_event_archive.this.name
}
