output "repository_urls" {
  description = "Repository URL (registry/name, without a tag) by repository key."
  value       = { for k, r in aws_ecr_repository.this : k => r.repository_url }
}

output "repository_arns" {
  description = "Repository ARN by repository key (scope image pulls in the task execution roles to these)."
  value       = { for k, r in aws_ecr_repository.this : k => r.arn }
}
