output "sender" {
  description = "The sender address (what the services send from and the only ses:FromAddress they may use)."
  value       = var.sender
}

output "domain" {
  description = "The SES domain identity (the sender's domain)."
  value       = local.domain
}

output "identity_arn" {
  description = "ARN of the SES domain identity, the resource of the services' ses:SendEmail permission."
  value       = aws_sesv2_email_identity.domain.arn
}

output "dkim_records" {
  description = "The three Easy DKIM CNAME records (name, type, value) that verify the domain; publish them yourself unless dkim_records_managed."
  value       = local.dkim_records
}

output "dkim_records_managed" {
  description = "Whether the DKIM records are created in route53_zone_id (the sender's domain is in that zone)."
  value       = length(aws_route53_record.dkim) == 3
}
