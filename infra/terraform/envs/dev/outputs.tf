output "order_api_url" {
  description = "Base URL of the order API (POST /orders, GET /orders/{id})."
  value       = module.alb.api_base_url
}

output "alb_dns_name" {
  description = "Point domain_name at this name (CNAME or Route 53 alias)."
  value       = module.alb.alb_dns_name
}

output "ecr_repository_urls" {
  description = "Where to push each service's image (tag = var.image_tag)."
  value       = module.ecr.repository_urls
}

output "cluster_name" {
  description = "ECS cluster of the services."
  value       = module.cluster.cluster_name
}

output "event_bus_name" {
  description = "The custom EventBridge bus every integration event goes through."
  value       = module.messaging.event_bus_name
}

output "state_machine_arns" {
  description = "The monthly loyalty-tier run (start it on demand with aws stepfunctions start-execution)."
  value       = module.workflows.state_machine_arns
}

output "alarm_topic_arn" {
  description = "SNS topic every alarm notifies."
  value       = module.messaging.sns_topic_arns["alarms"]
}

output "dashboard_name" {
  description = "CloudWatch dashboard of the flow."
  value       = module.observability.dashboard_name
}
