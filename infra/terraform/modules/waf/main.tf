# A WAF web ACL in front of the public load balancer: known-bad sources and inputs are blocked, and no single
# address can flood the customer API or payment's event endpoint. Each rule publishes CloudWatch metrics and
# sampled requests; blocked and counted requests are logged (credentials redacted).
#
# AWSManagedRulesAnonymousIpList is left out on purpose: its hosting-provider list could block the EventBridge
# API destination's calls (they come from AWS's own address ranges), and its anonymous list customers on VPNs.

locals {
  # The event endpoint's paths as one anchored regex (the paths are validated to need no escaping).
  events_path_regex = "^(${join("|", var.events_paths)})$"

  rate_limited_body = "rate-limited"

  metric_prefix = "${var.name_prefix}waf-"
}

resource "aws_wafv2_web_acl" "this" {
  name        = "${var.name_prefix}alb"
  description = "Public load balancer: IP reputation, rate limits per address, AWS managed rule groups"
  scope       = "REGIONAL"

  default_action {
    allow {}
  }

  # The same problem shape (RFC 9457) as the services' own answers; WAF cannot add Retry-After (it prefixes
  # custom headers with x-amzn-waf-), so the detail says when to retry.
  custom_response_body {
    key          = local.rate_limited_body
    content_type = "APPLICATION_JSON"
    content = jsonencode({
      type    = "about:blank"
      title   = "Too Many Requests"
      status  = 429
      detail  = "Too many requests from this address; retry in a minute."
      code    = "rate_limited"
      details = []
    })
  }

  # Addresses Amazon threat intelligence knows for bots, scanning and DDoS: refused before anything is counted.
  rule {
    name     = "ip-reputation"
    priority = 0

    override_action {
      none {}
    }

    statement {
      managed_rule_group_statement {
        vendor_name = "AWS"
        name        = "AWSManagedRulesAmazonIpReputationList"
      }
    }

    visibility_config {
      cloudwatch_metrics_enabled = true
      metric_name                = "${local.metric_prefix}ip-reputation"
      sampled_requests_enabled   = true
    }
  }

  # Payment's event endpoint has one legitimate caller, the EventBridge API destination, whose own rate limit
  # bounds what it sends: more than that from one address within a minute is someone else.
  rule {
    name     = "events-rate-per-ip"
    priority = 1

    action {
      block {
        custom_response {
          response_code            = 429
          custom_response_body_key = local.rate_limited_body
        }
      }
    }

    statement {
      rate_based_statement {
        aggregate_key_type    = "IP"
        limit                 = var.events_rate_limit_per_ip
        evaluation_window_sec = 60

        scope_down_statement {
          regex_match_statement {
            regex_string = local.events_path_regex

            field_to_match {
              uri_path {}
            }

            # No decoding: the load balancer routes on the path as sent, so this matches what reaches payment.
            text_transformation {
              priority = 0
              type     = "NONE"
            }
          }
        }
      }
    }

    visibility_config {
      cloudwatch_metrics_enabled = true
      metric_name                = "${local.metric_prefix}events-rate-per-ip"
      sampled_requests_enabled   = true
    }
  }

  # Everything else (the customer APIs) per client address. Customers behind one carrier NAT share an
  # address, so the limit is a flood guard; the order service limits each customer precisely.
  rule {
    name     = "rate-per-ip"
    priority = 2

    action {
      block {
        custom_response {
          response_code            = 429
          custom_response_body_key = local.rate_limited_body
        }
      }
    }

    statement {
      rate_based_statement {
        aggregate_key_type    = "IP"
        limit                 = var.rate_limit_per_ip
        evaluation_window_sec = var.rate_limit_window_seconds

        # The event endpoint has its own rule above: at EventBridge's peak rate this one would block it.
        scope_down_statement {
          not_statement {
            statement {
              regex_match_statement {
                regex_string = local.events_path_regex

                field_to_match {
                  uri_path {}
                }

                text_transformation {
                  priority = 0
                  type     = "NONE"
                }
              }
            }
          }
        }
      }
    }

    visibility_config {
      cloudwatch_metrics_enabled = true
      metric_name                = "${local.metric_prefix}rate-per-ip"
      sampled_requests_enabled   = true
    }
  }

  # Request patterns known to exploit vulnerabilities (Log4j JNDI lookups, Java deserialization, ...).
  rule {
    name     = "known-bad-inputs"
    priority = 3

    override_action {
      none {}
    }

    statement {
      managed_rule_group_statement {
        vendor_name = "AWS"
        name        = "AWSManagedRulesKnownBadInputsRuleSet"
      }
    }

    visibility_config {
      cloudwatch_metrics_enabled = true
      metric_name                = "${local.metric_prefix}known-bad-inputs"
      sampled_requests_enabled   = true
    }
  }

  # The OWASP-style core rule set, on the customer APIs. Not on the event endpoint: its body is an event the
  # shop produced itself, authenticated by the API key, and a false positive there would silently keep a
  # valid order from being charged (EventBridge retries, then dead-letters it).
  rule {
    name     = "common-rule-set"
    priority = 4

    override_action {
      none {}
    }

    statement {
      managed_rule_group_statement {
        vendor_name = "AWS"
        name        = "AWSManagedRulesCommonRuleSet"

        # The rule set refuses bodies over 8 KB, but a valid order (up to 100 lines) can be larger; the
        # services enforce their own limit (64 KiB) with a 413 problem. Counted, so it still shows in metrics.
        rule_action_override {
          name = "SizeRestrictions_BODY"

          action_to_use {
            count {}
          }
        }

        scope_down_statement {
          not_statement {
            statement {
              regex_match_statement {
                regex_string = local.events_path_regex

                field_to_match {
                  uri_path {}
                }

                text_transformation {
                  priority = 0
                  type     = "NONE"
                }
              }
            }
          }
        }
      }
    }

    visibility_config {
      cloudwatch_metrics_enabled = true
      metric_name                = "${local.metric_prefix}common-rule-set"
      sampled_requests_enabled   = true
    }
  }

  visibility_config {
    cloudwatch_metrics_enabled = true
    metric_name                = "${local.metric_prefix}all"
    sampled_requests_enabled   = true
  }

  tags = var.tags
}

resource "aws_wafv2_web_acl_association" "this" {
  resource_arn = var.resource_arn
  web_acl_arn  = aws_wafv2_web_acl.this.arn
}

# ---------------------------------------------------------------------------------------------------------
# Logging: WAF requires the log group's name to start with aws-waf-logs-.
# ---------------------------------------------------------------------------------------------------------

resource "aws_cloudwatch_log_group" "this" {
  # checkov:skip=CKV_AWS_158: encrypted with kms_key_arn when given (envs/dev passes the messaging key); CloudWatch Logs encrypts at rest by default otherwise
  # checkov:skip=CKV_AWS_338: retention is a per-environment choice (log_retention_days)
  name              = "aws-waf-logs-${var.name_prefix}alb"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.kms_key_arn

  tags = var.tags
}

locals {
  # arn:<partition>:logs:<region>:<account>:log-group:<name>: the delivery policy is scoped to this account.
  log_group_arn_parts = split(":", aws_cloudwatch_log_group.this.arn)
}

# Lets the log delivery service write WAF's records into the group, for this account's web ACLs only.
resource "aws_cloudwatch_log_resource_policy" "this" {
  policy_name = "${var.name_prefix}waf-logs"
  policy_document = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "WafLogDelivery"
      Effect    = "Allow"
      Principal = { Service = "delivery.logs.amazonaws.com" }
      Action    = ["logs:CreateLogStream", "logs:PutLogEvents"]
      Resource  = ["${aws_cloudwatch_log_group.this.arn}:*"]
      Condition = {
        StringEquals = { "aws:SourceAccount" = local.log_group_arn_parts[4] }
        ArnLike      = { "aws:SourceArn" = "arn:${local.log_group_arn_parts[1]}:logs:${local.log_group_arn_parts[3]}:${local.log_group_arn_parts[4]}:*" }
      }
    }]
  })
}

resource "aws_wafv2_web_acl_logging_configuration" "this" {
  resource_arn            = aws_wafv2_web_acl.this.arn
  log_destination_configs = [aws_cloudwatch_log_group.this.arn]

  # Bearer tokens and the API key never reach the logs.
  dynamic "redacted_fields" {
    for_each = var.redacted_headers

    content {
      single_header {
        name = lower(redacted_fields.value)
      }
    }
  }

  # Blocked and counted requests only, unless allowed ones are asked for (they are the bulk, and cost).
  dynamic "logging_filter" {
    for_each = var.log_allowed_requests ? [] : [1]

    content {
      default_behavior = "DROP"

      filter {
        behavior    = "KEEP"
        requirement = "MEETS_ANY"

        condition {
          action_condition {
            action = "BLOCK"
          }
        }

        condition {
          action_condition {
            action = "COUNT"
          }
        }
      }
    }
  }

  depends_on = [aws_cloudwatch_log_resource_policy.this]
}
