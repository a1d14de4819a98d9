output "web_acl_arn" {
  description = "ARN of the web ACL."
  value       = aws_wafv2_web_acl.this.arn
}

output "web_acl_name" {
  description = "Name of the web ACL (the WebACL dimension of AWS/WAFV2 metrics)."
  value       = aws_wafv2_web_acl.this.name
}

output "protected_resource_arn" {
  description = "The resource the web ACL is associated with."
  value       = aws_wafv2_web_acl_association.this.resource_arn
}

output "rule_names" {
  description = "Names of the web ACL's rules in priority order (each also names a CloudWatch metric <name_prefix>waf-<rule>)."
  value       = [for rule in sort([for rule in aws_wafv2_web_acl.this.rule : format("%03d %s", rule.priority, rule.name)]) : split(" ", rule)[1]]
}

output "log_group_name" {
  description = "CloudWatch log group of the blocked (and counted) requests."
  value       = aws_cloudwatch_log_group.this.name
}

output "rate_limits" {
  description = "Limit of each rate-based rule by rule name (requests per address per the rule's window: 5 minutes for rate-per-ip by default, 1 minute for events-rate-per-ip)."
  value = {
    for rule in aws_wafv2_web_acl.this.rule : rule.name => rule.statement[0].rate_based_statement[0].limit
    if length(rule.statement[0].rate_based_statement) > 0
  }
}

output "managed_rule_groups" {
  description = "The AWS managed rule groups the web ACL applies."
  value = toset(flatten([
    for rule in aws_wafv2_web_acl.this.rule : [for group in rule.statement[0].managed_rule_group_statement : group.name]
  ]))
}
