output "environment" {
  description = "Per service, its environment: exactly the variables of topology.services resolved like DeployedTopology.resolve (bus/table/queue/secret -> name, kms_key -> alias name, activity/state_machine -> ARN, email_sender -> var.email_sender), plus AWS_REGION."
  value       = local.environment
}

output "policy_json" {
  description = "Per service, the least-privilege IAM policy (JSON) for its ECS task role: one statement per topology reference, plus SQS/Secrets Manager key decryption when those keys are given and SMS for the services that send it."
  value       = { for service, document in data.aws_iam_policy_document.task : service => document.json }
}
