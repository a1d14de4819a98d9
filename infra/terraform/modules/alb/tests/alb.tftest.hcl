# Plan-only tests of the alb module with a mocked AWS provider.

mock_provider "aws" {
  mock_data "aws_vpc" {
    defaults = {
      cidr_block = "10.40.0.0/16"
    }
  }
  mock_data "aws_route53_zone" {
    defaults = {
      name         = "shop.example"
      private_zone = false
    }
  }
  # ACM's validation record for a one-name certificate, as the provider plans it.
  mock_resource "aws_acm_certificate" {
    override_during = plan
    defaults = {
      arn = "arn:aws:acm:eu-west-1:123456789012:certificate/11111111-1111-1111-1111-111111111111"
      domain_validation_options = [{
        domain_name           = "api.shop.example"
        resource_record_name  = "_0123456789abcdef.api.shop.example."
        resource_record_type  = "CNAME"
        resource_record_value = "_fedcba9876543210.abcdefghij.acm-validations.aws."
      }]
    }
  }
  mock_resource "aws_lb" {
    override_during = plan
    defaults = {
      arn        = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/shop-test-alb/0123456789abcdef"
      arn_suffix = "app/shop-test-alb/0123456789abcdef"
      dns_name   = "shop-test-alb-123456789.eu-west-1.elb.amazonaws.com"
      zone_id    = "Z32O12XQLNTSW2"
    }
  }
}

variables {
  name_prefix       = "shop-test-"
  vpc_id            = "vpc-0123456789abcdef0"
  public_subnet_ids = ["subnet-public-a", "subnet-public-b"]
}

run "https_with_a_certificate_and_redirect_on_80" {
  command = plan

  variables {
    certificate_arn = "arn:aws:acm:eu-west-1:123456789012:certificate/00000000-0000-0000-0000-000000000000"
    domain_name     = "api.shop.example"
  }

  assert {
    condition     = length(aws_lb_listener.https) == 1 && aws_lb_listener.https[0].protocol == "HTTPS" && aws_lb_listener.https[0].port == 443
    error_message = "A certificate must give an HTTPS listener on 443."
  }

  assert {
    condition     = aws_lb_listener.https[0].certificate_arn == var.certificate_arn && startswith(aws_lb_listener.https[0].ssl_policy, "ELBSecurityPolicy-TLS13")
    error_message = "The HTTPS listener must use the certificate and a TLS 1.3/1.2 policy."
  }

  assert {
    condition = (
      aws_lb_listener.http.default_action[0].type == "redirect" &&
      aws_lb_listener.http.default_action[0].redirect[0].protocol == "HTTPS" &&
      aws_lb_listener.http.default_action[0].redirect[0].status_code == "HTTP_301"
    )
    error_message = "With a certificate, port 80 must only redirect to HTTPS."
  }

  assert {
    condition     = length(aws_vpc_security_group_ingress_rule.https) == 1 && length(aws_vpc_security_group_ingress_rule.http) == 1
    error_message = "The security group must admit 443 and 80 (for the redirect)."
  }

  assert {
    condition     = output.api_base_url == "https://api.shop.example"
    error_message = "api_base_url must be https on the domain name."
  }
}

run "plain_http_without_a_certificate" {
  command = plan

  assert {
    condition     = length(aws_lb_listener.https) == 0 && aws_lb_listener.http.default_action[0].type == "forward"
    error_message = "Without a certificate port 80 forwards (dev only)."
  }

  assert {
    condition     = length(aws_vpc_security_group_ingress_rule.https) == 0
    error_message = "No 443 ingress without an HTTPS listener."
  }
}

run "only_the_event_path_reaches_payment" {
  command = plan

  assert {
    condition     = toset(keys(aws_lb_target_group.this)) == toset(["order", "payment"])
    error_message = "Without read_api_routes there must be exactly the order and payment target groups."
  }

  assert {
    condition     = toset(flatten([for c in aws_lb_listener_rule.payment_events.condition : [for p in c.path_pattern : p.values]])) == toset(["/events"])
    error_message = "Only /events (exactly, no wildcard) may be routed to payment."
  }

  assert {
    condition     = toset(flatten([for c in aws_lb_listener_rule.payment_events.condition : [for m in c.http_request_method : m.values]])) == toset(["POST"])
    error_message = "Only POST /events may reach payment."
  }

  assert {
    condition     = aws_lb_listener_rule.payment_events.action[0].type == "forward"
    error_message = "The payment rule must forward to a target group."
  }
}

run "the_event_path_needs_the_api_key_header" {
  command = plan

  assert {
    condition = one(flatten([
      for c in aws_lb_listener_rule.payment_events.condition : [for h in c.http_header : { name = h.http_header_name, values = h.values }]
    ])) == { name = "x-api-key", values = toset(["*"]) }
    error_message = "POST /events reaches payment only with the x-api-key header present."
  }

  assert {
    condition = (
      aws_lb_listener_rule.payment_events_without_key.priority > aws_lb_listener_rule.payment_events.priority &&
      aws_lb_listener_rule.payment_events_without_key.action[0].type == "fixed-response" &&
      aws_lb_listener_rule.payment_events_without_key.action[0].fixed_response[0].status_code == "401" &&
      jsondecode(aws_lb_listener_rule.payment_events_without_key.action[0].fixed_response[0].message_body).code == "unauthorized"
    )
    error_message = "The same call without the header is answered 401 (payment's problem) by the load balancer."
  }

  assert {
    condition = toset(flatten([for c in aws_lb_listener_rule.payment_events_without_key.condition : [for p in c.path_pattern : p.values]])) == toset(["/events"]) && toset(flatten([
      for c in aws_lb_listener_rule.payment_events_without_key.condition : [for m in c.http_request_method : m.values]
    ])) == toset(["POST"])
    error_message = "The 401 rule answers exactly payment's route (POST /events), nothing else."
  }
}

run "the_header_is_the_topology_s" {
  command = plan

  variables {
    payment_api_key_header = "x-shop-key"
  }

  assert {
    condition     = one(flatten([for c in aws_lb_listener_rule.payment_events.condition : [for h in c.http_header : h.http_header_name]])) == "x-shop-key"
    error_message = "The header condition uses payment_api_key_header."
  }
}

run "read_apis_reach_their_services" {
  command = plan

  variables {
    read_api_routes = {
      loyalty       = { path_patterns = ["/customers/*/loyalty"], priority = 100 }
      notifications = { path_patterns = ["/customers/*/notifications"], priority = 110 }
    }
  }

  assert {
    condition     = toset(keys(aws_lb_target_group.this)) == toset(["order", "payment", "loyalty", "notifications"])
    error_message = "Each read API gets a target group besides order and payment."
  }

  assert {
    condition = alltrue([
      for service in ["loyalty", "notifications"] :
      aws_lb_target_group.this[service].name == "shop-test-${service}" && aws_lb_target_group.this[service].health_check[0].path == "/health" && aws_lb_target_group.this[service].port == 8000
    ])
    error_message = "The read APIs' target groups probe /health on the service port."
  }

  assert {
    condition = (
      toset(flatten([for c in aws_lb_listener_rule.read_api["loyalty"].condition : [for p in c.path_pattern : p.values]])) == toset(["/customers/*/loyalty"]) &&
      toset(flatten([for c in aws_lb_listener_rule.read_api["notifications"].condition : [for p in c.path_pattern : p.values]])) == toset(["/customers/*/notifications"])
    )
    error_message = "/customers/*/loyalty goes to loyalty and /customers/*/notifications to notifications."
  }

  assert {
    condition = alltrue([
      for rule in aws_lb_listener_rule.read_api :
      toset(flatten([for c in rule.condition : [for m in c.http_request_method : m.values]])) == toset(["GET"]) && rule.action[0].type == "forward"
    ])
    error_message = "The read APIs are forwarded for GET only."
  }

  assert {
    condition     = length(output.target_group_arns) == 4 && length(output.alb_resource_labels) == 4
    error_message = "The outputs cover every target group."
  }
}

run "read_routes_cannot_take_over_order_or_payment" {
  command = plan

  variables {
    read_api_routes = {
      payment = { path_patterns = ["/payments/*"], priority = 100 }
    }
  }

  expect_failures = [var.read_api_routes]
}

run "read_routes_cannot_shadow_payment_s_rules" {
  command = plan

  variables {
    read_api_routes = {
      loyalty = { path_patterns = ["/customers/*/loyalty"], priority = 5 }
    }
  }

  expect_failures = [var.read_api_routes]
}

run "load_balancer_hardening" {
  command = plan

  assert {
    condition     = aws_lb.this.drop_invalid_header_fields && aws_lb.this.internal == false && aws_lb.this.enable_deletion_protection
    error_message = "The ALB must be internet-facing, drop invalid headers and be deletion-protected by default."
  }

  assert {
    condition     = aws_vpc_security_group_egress_rule.targets.cidr_ipv4 == "10.40.0.0/16" && aws_vpc_security_group_egress_rule.targets.from_port == 8000 && aws_vpc_security_group_egress_rule.targets.to_port == 8000
    error_message = "The ALB may only reach the service port inside the VPC."
  }

  assert {
    condition     = alltrue([for tg in aws_lb_target_group.this : tg.target_type == "ip" && tg.health_check[0].path == "/health"])
    error_message = "Target groups must register Fargate task IPs and probe /health."
  }
}

run "a_hosted_zone_gets_a_dns_validated_certificate_and_an_alias" {
  command = plan

  variables {
    domain_name     = "api.shop.example"
    route53_zone_id = "Z0123456789ABCDEFGHIJ"
  }

  assert {
    condition     = length(aws_acm_certificate.this) == 1 && aws_acm_certificate.this[0].domain_name == "api.shop.example" && aws_acm_certificate.this[0].validation_method == "DNS"
    error_message = "With route53_zone_id the module requests a DNS-validated certificate for domain_name."
  }

  assert {
    condition = (
      aws_route53_record.certificate_validation[0].zone_id == "Z0123456789ABCDEFGHIJ" &&
      aws_route53_record.certificate_validation[0].name == "_0123456789abcdef.api.shop.example." &&
      aws_route53_record.certificate_validation[0].type == "CNAME" &&
      aws_route53_record.certificate_validation[0].records == toset(["_fedcba9876543210.abcdefghij.acm-validations.aws."])
    )
    error_message = "ACM's validation record goes into the hosted zone."
  }

  assert {
    condition     = aws_acm_certificate_validation.this[0].certificate_arn == aws_acm_certificate.this[0].arn
    error_message = "The certificate is waited for until ACM has validated it."
  }

  assert {
    condition = (
      aws_route53_record.alias[0].name == "api.shop.example" && aws_route53_record.alias[0].type == "A" &&
      aws_route53_record.alias[0].alias[0].name == "shop-test-alb-123456789.eu-west-1.elb.amazonaws.com" &&
      aws_route53_record.alias[0].alias[0].zone_id == "Z32O12XQLNTSW2"
    )
    error_message = "domain_name is an alias of the load balancer in the hosted zone."
  }

  assert {
    condition = (
      length(aws_lb_listener.https) == 1 && aws_lb_listener.https[0].certificate_arn == "arn:aws:acm:eu-west-1:123456789012:certificate/11111111-1111-1111-1111-111111111111" &&
      aws_lb_listener.http.default_action[0].type == "redirect" && output.certificate_arn == aws_lb_listener.https[0].certificate_arn
    )
    error_message = "The HTTPS listener uses the managed certificate, and port 80 redirects."
  }

  assert {
    condition     = output.api_base_url == "https://api.shop.example"
    error_message = "api_base_url is https on domain_name."
  }
}

run "bring_your_own_certificate_manages_no_dns" {
  command = plan

  variables {
    certificate_arn = "arn:aws:acm:eu-west-1:123456789012:certificate/00000000-0000-0000-0000-000000000000"
    domain_name     = "api.shop.example"
  }

  assert {
    condition = (
      length(aws_acm_certificate.this) == 0 && length(aws_acm_certificate_validation.this) == 0 &&
      length(aws_route53_record.certificate_validation) == 0 && length(aws_route53_record.alias) == 0 &&
      output.domain_record == null && output.managed_certificate == null
    )
    error_message = "With certificate_arn and no zone the module creates no certificate and no record."
  }
}

run "a_zone_and_a_certificate_together_are_refused" {
  command = plan

  variables {
    certificate_arn = "arn:aws:acm:eu-west-1:123456789012:certificate/00000000-0000-0000-0000-000000000000"
    domain_name     = "api.shop.example"
    route53_zone_id = "Z0123456789ABCDEFGHIJ"
  }

  expect_failures = [var.route53_zone_id]
}

run "a_zone_needs_a_domain_name" {
  command = plan

  variables {
    route53_zone_id = "Z0123456789ABCDEFGHIJ"
  }

  expect_failures = [var.route53_zone_id]
}

run "a_domain_outside_the_zone_is_refused" {
  command = plan

  variables {
    domain_name     = "api.other.example"
    route53_zone_id = "Z0123456789ABCDEFGHIJ"
  }

  expect_failures = [aws_acm_certificate.this]
}

run "a_url_is_not_a_domain_name" {
  command = plan

  variables {
    domain_name = "https://api.shop.example/events"
  }

  expect_failures = [var.domain_name]
}

run "an_upper_case_domain_name_is_refused" {
  command = plan

  variables {
    domain_name = "API.shop.example"
  }

  expect_failures = [var.domain_name]
}
