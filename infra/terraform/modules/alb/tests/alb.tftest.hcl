# Plan-only tests of the alb module with a mocked AWS provider.

mock_provider "aws" {
  mock_data "aws_vpc" {
    defaults = {
      cidr_block = "10.40.0.0/16"
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
    error_message = "There must be exactly the order and payment target groups."
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
