output "order_api_url" {
  description = "Base URL of the customer APIs (POST /orders, GET /orders/{id}, GET /customers/{id}/loyalty, GET /customers/{id}/notifications); every call needs a bearer ID token."
  value       = module.alb.api_base_url
}

output "alb_dns_name" {
  description = "The load balancer's DNS name: with certificate_arn, point domain_name at it (CNAME or Route 53 alias); with route53_zone_id the alias record exists."
  value       = module.alb.alb_dns_name
}

output "email_sender" {
  description = "The address the services send e-mail from (SES), of the verified domain email_domain."
  value       = module.email.sender
}

output "email_domain" {
  description = "The SES domain identity; it sends once its DKIM records are published (see email_dkim_records)."
  value       = module.email.domain
}

output "email_dkim_records" {
  description = "The three DKIM CNAME records verifying email_domain. Created in route53_zone_id when the domain is in it (email_dkim_records_managed); otherwise publish them in the domain's DNS yourself."
  value       = module.email.dkim_records
}

output "email_dkim_records_managed" {
  description = "Whether Terraform created the DKIM records (route53_zone_id holds email_domain)."
  value       = module.email.dkim_records_managed
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

output "auth_issuer" {
  description = "The token issuer the services trust (AUTH_ISSUER): the Cognito user pool's URL, or oidc_issuer."
  value       = module.identity.issuer
}

output "auth_audience" {
  description = "The audience the services expect (AUTH_AUDIENCE): the Cognito app client id (get ID tokens for it), or oidc_audience."
  value       = module.identity.audience
}

output "cognito_user_pool_id" {
  description = "The customers' Cognito user pool; null with oidc_issuer."
  value       = module.identity.user_pool_id
}

output "cognito_hosted_ui_url" {
  description = "Base URL of the hosted sign-in (/oauth2/authorize, /oauth2/token); null without cognito_domain_prefix."
  value       = module.identity.hosted_ui_url
}

output "web_acl_arn" {
  description = "The WAF web ACL protecting the load balancer; null with waf_enabled = false."
  value       = one(module.waf[*].web_acl_arn)
}

output "xray_group_name" {
  description = "X-Ray group of this environment's traces; null with tracing_enabled = false."
  value       = module.observability.xray_group_name
}

output "trace_console_urls" {
  description = "CloudWatch console links to the traces: trace_map, environment, service/<key>, order (replace ORDER_ID), tier_run (replace EXECUTION_NAME). Empty without tracing."
  value       = module.observability.trace_console_urls
}
