# Plan-only tests of the waf module with a mocked AWS provider.

mock_provider "aws" {
  mock_resource "aws_cloudwatch_log_group" {
    override_during = plan
    defaults        = { arn = "arn:aws:logs:eu-west-1:123456789012:log-group:aws-waf-logs-shop-test-alb" }
  }
}

variables {
  name_prefix              = "shop-test-"
  resource_arn             = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/shop-test-alb/0123456789abcdef"
  events_paths             = ["/events"]
  events_rate_limit_per_ip = 1200
  rate_limit_per_ip        = 500
  redacted_headers         = ["authorization", "x-api-key"]
}

run "the_web_acl_protects_the_given_load_balancer" {
  command = plan

  assert {
    condition     = aws_wafv2_web_acl_association.this.resource_arn == var.resource_arn && aws_wafv2_web_acl.this.scope == "REGIONAL"
    error_message = "The regional web ACL must be associated with the given load balancer."
  }
  assert {
    condition     = length(aws_wafv2_web_acl.this.default_action[0].allow) == 1
    error_message = "What no rule blocks is allowed."
  }
  assert {
    condition     = output.rule_names == ["ip-reputation", "events-rate-per-ip", "rate-per-ip", "known-bad-inputs", "common-rule-set"]
    error_message = "Reputation first, then the two rate rules, then the managed rule groups."
  }
}

run "the_aws_managed_rule_groups_block" {
  command = plan

  assert {
    condition = toset(flatten([
      for rule in aws_wafv2_web_acl.this.rule : [for group in rule.statement[0].managed_rule_group_statement : "${group.vendor_name}/${group.name}"]
    ])) == toset(["AWS/AWSManagedRulesCommonRuleSet", "AWS/AWSManagedRulesKnownBadInputsRuleSet", "AWS/AWSManagedRulesAmazonIpReputationList"])
    error_message = "The web ACL must use exactly the common, known-bad-inputs and IP reputation rule groups."
  }
  assert {
    condition = alltrue([
      for rule in aws_wafv2_web_acl.this.rule : length(rule.override_action[0].none) == 1 && length(rule.override_action[0].count) == 0
      if length(rule.statement[0].managed_rule_group_statement) > 0
    ])
    error_message = "Managed rule groups must apply their own block actions (override none), not merely count."
  }
  assert {
    condition = [
      for rule in aws_wafv2_web_acl.this.rule : [
        for override in rule.statement[0].managed_rule_group_statement[0].rule_action_override : override.name if length(override.action_to_use[0].count) == 1
      ] if rule.name == "common-rule-set"
    ][0] == ["SizeRestrictions_BODY"]
    error_message = "Only the 8 KB body limit of the core rule set is counted instead of blocked (orders may be larger)."
  }
  assert {
    condition = [
      for rule in aws_wafv2_web_acl.this.rule : rule.statement[0].managed_rule_group_statement[0].scope_down_statement[0].not_statement[0].statement[0].regex_match_statement[0].regex_string
      if rule.name == "common-rule-set"
    ][0] == "^(/events)$"
    error_message = "The core rule set inspects everything but the event endpoint."
  }
}

run "a_rate_rule_per_client_address" {
  command = plan

  assert {
    condition = [
      for rule in aws_wafv2_web_acl.this.rule : (
        rule.statement[0].rate_based_statement[0].aggregate_key_type == "IP" &&
        rule.statement[0].rate_based_statement[0].limit == 500 &&
        rule.statement[0].rate_based_statement[0].evaluation_window_sec == 300 &&
        rule.statement[0].rate_based_statement[0].scope_down_statement[0].not_statement[0].statement[0].regex_match_statement[0].regex_string == "^(/events)$" &&
        rule.action[0].block[0].custom_response[0].response_code == 429
      ) if rule.name == "rate-per-ip"
    ][0]
    error_message = "rate-per-ip must answer 429 past rate_limit_per_ip requests per address in 5 minutes, on everything but /events."
  }
}

run "the_event_endpoint_has_its_own_rate_rule" {
  command = plan

  assert {
    condition = [
      for rule in aws_wafv2_web_acl.this.rule : (
        rule.statement[0].rate_based_statement[0].aggregate_key_type == "IP" &&
        rule.statement[0].rate_based_statement[0].limit == 1200 &&
        rule.statement[0].rate_based_statement[0].evaluation_window_sec == 60 &&
        rule.statement[0].rate_based_statement[0].scope_down_statement[0].regex_match_statement[0].regex_string == "^(/events)$" &&
        one(rule.statement[0].rate_based_statement[0].scope_down_statement[0].regex_match_statement[0].field_to_match[0].uri_path) != null &&
        rule.action[0].block[0].custom_response[0].response_code == 429
      ) if rule.name == "events-rate-per-ip"
    ][0]
    error_message = "events-rate-per-ip must answer 429 past events_rate_limit_per_ip requests per address per minute on exactly /events."
  }
  assert {
    condition     = jsondecode(one(aws_wafv2_web_acl.this.custom_response_body).content).code == "rate_limited"
    error_message = "The 429 body is the services' problem shape with code rate_limited."
  }
}

run "metrics_per_rule_and_logs_without_credentials" {
  command = plan

  assert {
    condition = alltrue([
      for rule in aws_wafv2_web_acl.this.rule : rule.visibility_config[0].cloudwatch_metrics_enabled && rule.visibility_config[0].sampled_requests_enabled && rule.visibility_config[0].metric_name == "shop-test-waf-${rule.name}"
    ]) && aws_wafv2_web_acl.this.visibility_config[0].cloudwatch_metrics_enabled
    error_message = "Every rule (and the web ACL) publishes CloudWatch metrics and sampled requests."
  }
  assert {
    condition     = startswith(aws_cloudwatch_log_group.this.name, "aws-waf-logs-") && aws_wafv2_web_acl_logging_configuration.this.log_destination_configs == toset(["arn:aws:logs:eu-west-1:123456789012:log-group:aws-waf-logs-shop-test-alb"])
    error_message = "WAF logs go to a log group named aws-waf-logs-*."
  }
  assert {
    condition     = toset([for field in aws_wafv2_web_acl_logging_configuration.this.redacted_fields : field.single_header[0].name]) == toset(["authorization", "x-api-key"])
    error_message = "Bearer tokens and the API key must be redacted from the logs."
  }
  assert {
    condition = (
      jsondecode(aws_cloudwatch_log_resource_policy.this.policy_document).Statement[0].Principal.Service == "delivery.logs.amazonaws.com" &&
      jsondecode(aws_cloudwatch_log_resource_policy.this.policy_document).Statement[0].Resource == ["arn:aws:logs:eu-west-1:123456789012:log-group:aws-waf-logs-shop-test-alb:*"] &&
      jsondecode(aws_cloudwatch_log_resource_policy.this.policy_document).Statement[0].Condition.StringEquals["aws:SourceAccount"] == "123456789012"
    )
    error_message = "Only the log delivery service, for this account, may write into the WAF log group."
  }
  assert {
    condition     = aws_wafv2_web_acl_logging_configuration.this.logging_filter[0].default_behavior == "DROP"
    error_message = "By default only blocked and counted requests are logged."
  }
}

run "the_event_path_must_be_exact" {
  command = plan

  variables {
    events_paths = ["/events*"]
  }

  expect_failures = [var.events_paths]
}

run "tokens_are_always_redacted" {
  command = plan

  variables {
    redacted_headers = ["x-api-key"]
  }

  expect_failures = [var.redacted_headers]
}
