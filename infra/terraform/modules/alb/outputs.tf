output "alb_arn" {
  description = "ARN of the load balancer."
  value       = aws_lb.this.arn
}

output "alb_arn_suffix" {
  description = "ARN suffix of the load balancer (the LoadBalancer dimension of AWS/ApplicationELB metrics)."
  value       = aws_lb.this.arn_suffix
}

output "alb_dns_name" {
  description = "DNS name of the load balancer (point domain_name at it with an alias record)."
  value       = aws_lb.this.dns_name
}

output "alb_security_group_id" {
  description = "Security group of the load balancer; service task groups admit traffic from it only."
  value       = aws_security_group.this.id
}

output "target_group_arns" {
  description = "Target group ARN by service (\"order\", \"payment\" and each read_api_routes key) for the ECS services' load_balancer input."
  value       = { for k, tg in aws_lb_target_group.this : k => tg.arn }
  # ECS refuses to attach a service to a target group that no listener uses yet.
  depends_on = [aws_lb_listener.http, aws_lb_listener.https, aws_lb_listener_rule.payment_events, aws_lb_listener_rule.read_api]
}

output "target_group_arn_suffixes" {
  description = "Target group ARN suffix by service (the TargetGroup dimension of metrics)."
  value       = { for k, tg in aws_lb_target_group.this : k => tg.arn_suffix }
}

output "alb_resource_labels" {
  description = "ALBRequestCountPerTarget resource label (\"<alb suffix>/<target group suffix>\") by service, for alb_requests scaling."
  value       = { for k, tg in aws_lb_target_group.this : k => "${aws_lb.this.arn_suffix}/${tg.arn_suffix}" }
}

output "listener_arn" {
  description = "ARN of the listener that routes requests (HTTPS with a certificate, else the dev-only HTTP listener)."
  value       = local.routing_listener_arn
}

output "api_base_url" {
  description = "Base URL of the public API: https://<domain_name or ALB DNS> with a certificate, else http://<ALB DNS> (dev only)."
  value       = "${local.https ? "https" : "http"}://${local.public_host}"
}

output "listener_rules" {
  description = "What each listener rule matches and does, read back from the planned rules (for tests and reviews): rule -> priority, path patterns, methods, required headers, action type and the service it forwards to (null for a fixed response)."
  value = merge(
    {
      payment-events = {
        priority      = aws_lb_listener_rule.payment_events.priority
        path_patterns = toset(flatten([for c in aws_lb_listener_rule.payment_events.condition : [for p in c.path_pattern : p.values]]))
        methods       = toset(flatten([for c in aws_lb_listener_rule.payment_events.condition : [for m in c.http_request_method : m.values]]))
        headers       = { for h in flatten([for c in aws_lb_listener_rule.payment_events.condition : c.http_header]) : h.http_header_name => h.values }
        action        = aws_lb_listener_rule.payment_events.action[0].type
        service       = "payment"
      }
      payment-events-without-key = {
        priority      = aws_lb_listener_rule.payment_events_without_key.priority
        path_patterns = toset(flatten([for c in aws_lb_listener_rule.payment_events_without_key.condition : [for p in c.path_pattern : p.values]]))
        methods       = toset(flatten([for c in aws_lb_listener_rule.payment_events_without_key.condition : [for m in c.http_request_method : m.values]]))
        headers       = { for h in flatten([for c in aws_lb_listener_rule.payment_events_without_key.condition : c.http_header]) : h.http_header_name => h.values }
        action        = aws_lb_listener_rule.payment_events_without_key.action[0].type
        service       = null
      }
    },
    {
      for service, rule in aws_lb_listener_rule.read_api : service => {
        priority      = rule.priority
        path_patterns = toset(flatten([for c in rule.condition : [for p in c.path_pattern : p.values]]))
        methods       = toset(flatten([for c in rule.condition : [for m in c.http_request_method : m.values]]))
        headers       = { for h in flatten([for c in rule.condition : c.http_header]) : h.http_header_name => h.values }
        action        = rule.action[0].type
        service       = service
      }
    },
  )
}

output "certificate_arn" {
  description = "Certificate of the HTTPS listener: the managed, DNS-validated one (route53_zone_id) or certificate_arn; null without HTTPS."
  value       = local.https ? local.certificate_arn : null
}

output "managed_certificate" {
  description = "The certificate requested for domain_name (route53_zone_id): its domain, validation method, and the zone and name of its validation record; null with certificate_arn or without HTTPS."
  value = one([
    for certificate in aws_acm_certificate.this : {
      domain_name               = certificate.domain_name
      validation_method         = certificate.validation_method
      validation_record_zone_id = aws_route53_record.certificate_validation[0].zone_id
      validation_record_name    = aws_route53_record.certificate_validation[0].name
    }
  ])
}

output "domain_record" {
  description = "The alias record pointing domain_name at the load balancer (route53_zone_id): zone, name, type and alias target; null when DNS is the operator's."
  value = one([
    for record in aws_route53_record.alias : { zone_id = record.zone_id, name = record.name, type = record.type, target = one(record.alias).name }
  ])
}
