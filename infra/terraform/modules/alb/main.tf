# The public entry point: order's HTTP API, the read APIs of read_api_routes (loyalty's and notifications'),
# and payment's event endpoint that the EventBridge API destination calls. Nothing else of the system is
# reachable from the internet.

locals {
  # With a hosted zone the module owns the certificate and the DNS name; otherwise both are the operator's.
  managed_certificate = var.route53_zone_id != null
  https               = var.certificate_arn != null || local.managed_certificate
  # The validation resource's ARN, so the listener only uses the certificate once ACM has issued it.
  certificate_arn = local.managed_certificate ? one(aws_acm_certificate_validation.this[*].certificate_arn) : var.certificate_arn

  # Order is the default route; payment only gets its event path, the read APIs only their GET paths (see the
  # listener rules).
  target_groups = toset(concat(["order", "payment"], keys(var.read_api_routes)))

  routing_listener_arn = local.https ? aws_lb_listener.https[0].arn : aws_lb_listener.http.arn

  public_host = coalesce(var.domain_name, aws_lb.this.dns_name)
}

data "aws_vpc" "this" {
  id = var.vpc_id
}

resource "aws_security_group" "this" {
  name        = "${var.name_prefix}alb"
  description = "Internet-facing ALB: HTTP(S) in from ingress_cidrs, out only to the service port in the VPC"
  vpc_id      = var.vpc_id

  tags = merge(var.tags, { Name = "${var.name_prefix}alb" })
}

resource "aws_vpc_security_group_ingress_rule" "http" {
  # checkov:skip=CKV_AWS_260: port 80 is public on purpose: it only redirects to HTTPS when a certificate is set (plain HTTP is dev-only)
  for_each = toset(var.ingress_cidrs)

  security_group_id = aws_security_group.this.id
  description       = local.https ? "HTTP, redirected to HTTPS" : "HTTP (dev only: no certificate)"
  cidr_ipv4         = each.value
  ip_protocol       = "tcp"
  from_port         = 80
  to_port           = 80

  tags = var.tags
}

resource "aws_vpc_security_group_ingress_rule" "https" {
  for_each = local.https ? toset(var.ingress_cidrs) : toset([])

  security_group_id = aws_security_group.this.id
  description       = "HTTPS"
  cidr_ipv4         = each.value
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443

  tags = var.tags
}

# The targets are Fargate task ENIs inside the VPC; the tasks' own security groups admit only this group.
resource "aws_vpc_security_group_egress_rule" "targets" {
  security_group_id = aws_security_group.this.id
  description       = "Service containers and their health checks"
  cidr_ipv4         = data.aws_vpc.this.cidr_block
  ip_protocol       = "tcp"
  from_port         = var.target_port
  to_port           = var.target_port

  tags = var.tags
}

resource "aws_lb" "this" {
  # checkov:skip=CKV_AWS_91: access logs are on when access_logs_bucket is given (the bucket and its ELB delivery policy live outside this module)
  # checkov:skip=CKV2_AWS_28: the web ACL and its association with this load balancer live in modules/waf (envs/dev enables it by default)
  name               = "${var.name_prefix}alb"
  load_balancer_type = "application"
  internal           = false
  subnets            = var.public_subnet_ids
  security_groups    = [aws_security_group.this.id]

  # Requests with header names that are not valid HTTP never reach the services (request smuggling).
  drop_invalid_header_fields = true
  desync_mitigation_mode     = "defensive"
  enable_deletion_protection = var.deletion_protection
  idle_timeout               = var.idle_timeout_seconds

  dynamic "access_logs" {
    for_each = var.access_logs_bucket == null ? [] : [var.access_logs_bucket]

    content {
      bucket  = access_logs.value
      prefix  = var.access_logs_prefix
      enabled = true
    }
  }

  tags = var.tags
}

resource "aws_lb_target_group" "this" {
  # checkov:skip=CKV_AWS_378: TLS ends at the load balancer; the hop to the tasks stays inside the VPC's private subnets
  for_each = local.target_groups

  name        = "${var.name_prefix}${each.key}"
  vpc_id      = var.vpc_id
  target_type = "ip" # Fargate tasks (awsvpc) register by ENI address
  protocol    = "HTTP"
  port        = var.target_port

  # Shorter than the default 300 s; in-flight requests finish well within it, then ECS sends SIGTERM.
  deregistration_delay = var.deregistration_delay_seconds

  health_check {
    path                = var.health_check_path
    matcher             = "200"
    interval            = 15
    timeout             = 5
    healthy_threshold   = 2
    unhealthy_threshold = 3
  }

  tags = merge(var.tags, { Service = each.key })
}

resource "aws_lb_listener" "https" {
  count = local.https ? 1 : 0

  load_balancer_arn = aws_lb.this.arn
  port              = 443
  protocol          = "HTTPS"
  ssl_policy        = var.ssl_policy
  certificate_arn   = local.certificate_arn

  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.this["order"].arn
  }

  tags = var.tags
}

# With a certificate, port 80 only redirects to HTTPS. Without one it forwards plain HTTP: dev only.
resource "aws_lb_listener" "http" {
  # checkov:skip=CKV_AWS_2: HTTP redirects to HTTPS whenever certificate_arn is set; plain HTTP is the documented dev-only fallback
  # checkov:skip=CKV_AWS_103: the HTTP listener carries no TLS; the HTTPS listener uses var.ssl_policy (TLS 1.2+)
  # checkov:skip=CKV2_AWS_20: same as CKV_AWS_2, the redirect depends on certificate_arn
  load_balancer_arn = aws_lb.this.arn
  port              = 80
  protocol          = "HTTP"

  default_action {
    type             = local.https ? "redirect" : "forward"
    target_group_arn = local.https ? null : aws_lb_target_group.this["order"].arn

    dynamic "redirect" {
      for_each = local.https ? [1] : []

      content {
        protocol    = "HTTPS"
        port        = "443"
        status_code = "HTTP_301"
      }
    }
  }

  tags = var.tags
}

# Only the API destination's path and method reach payment, and only with the connection's API-key header:
# payment still checks the key's value, but calls without one never get to it.
resource "aws_lb_listener_rule" "payment_events" {
  listener_arn = local.routing_listener_arn
  priority     = 10

  action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.this["payment"].arn
  }

  condition {
    path_pattern {
      values = var.payment_path_patterns
    }
  }

  condition {
    http_request_method {
      values = var.payment_http_methods
    }
  }

  condition {
    http_header {
      http_header_name = var.payment_api_key_header
      values           = ["*"]
    }
  }

  tags = var.tags
}

# The same call without the header: the load balancer answers payment's own 401 problem itself.
resource "aws_lb_listener_rule" "payment_events_without_key" {
  listener_arn = local.routing_listener_arn
  priority     = 11

  action {
    type = "fixed-response"

    fixed_response {
      content_type = "application/json"
      status_code  = "401"
      message_body = jsonencode({
        type    = "about:blank"
        title   = "Unauthorized"
        status  = 401
        detail  = "Missing or invalid API key."
        code    = "unauthorized"
        details = []
      })
    }
  }

  condition {
    path_pattern {
      values = var.payment_path_patterns
    }
  }

  condition {
    http_request_method {
      values = var.payment_http_methods
    }
  }

  tags = var.tags
}

# The customer-facing reads of other services (GET only); the service itself authenticates the bearer token.
resource "aws_lb_listener_rule" "read_api" {
  for_each = var.read_api_routes

  listener_arn = local.routing_listener_arn
  priority     = each.value.priority

  action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.this[each.key].arn
  }

  condition {
    path_pattern {
      values = each.value.path_patterns
    }
  }

  condition {
    http_request_method {
      values = ["GET"]
    }
  }

  tags = var.tags
}

# ---------------------------------------------------------------------------------------------------------
# With route53_zone_id: a DNS-validated certificate for domain_name and the alias record pointing it here, so
# the API destination's https://<domain_name>/events reaches payment without any DNS work by hand.
# ---------------------------------------------------------------------------------------------------------

data "aws_route53_zone" "this" {
  count = local.managed_certificate ? 1 : 0

  zone_id = var.route53_zone_id
}

resource "aws_acm_certificate" "this" {
  count = local.managed_certificate ? 1 : 0

  domain_name       = var.domain_name
  validation_method = "DNS"

  tags = merge(var.tags, { Name = var.domain_name })

  lifecycle {
    # The listener holds the certificate: a replacement must exist before the old one can go.
    create_before_destroy = true

    precondition {
      condition     = data.aws_route53_zone.this[0].private_zone != true # null only where no zone was read (mocks)
      error_message = "route53_zone_id must be a public hosted zone: ACM and the API destination resolve domain_name on the internet."
    }
    precondition {
      condition     = var.domain_name == trimsuffix(data.aws_route53_zone.this[0].name, ".") || endswith(var.domain_name, ".${trimsuffix(data.aws_route53_zone.this[0].name, ".")}")
      error_message = "domain_name (${var.domain_name}) is not in the hosted zone ${data.aws_route53_zone.this[0].name} (route53_zone_id)."
    }
  }
}

# One name, so exactly one validation record (count, not for_each: its keys would only be known after apply).
resource "aws_route53_record" "certificate_validation" {
  count = local.managed_certificate ? 1 : 0

  zone_id = var.route53_zone_id
  name    = one(aws_acm_certificate.this[0].domain_validation_options).resource_record_name
  type    = one(aws_acm_certificate.this[0].domain_validation_options).resource_record_type
  records = [one(aws_acm_certificate.this[0].domain_validation_options).resource_record_value]
  ttl     = 300
  # ACM derives the record from the domain and the account: a re-created environment finds the old one.
  allow_overwrite = true
}

resource "aws_acm_certificate_validation" "this" {
  count = local.managed_certificate ? 1 : 0

  certificate_arn         = aws_acm_certificate.this[0].arn
  validation_record_fqdns = [aws_route53_record.certificate_validation[0].fqdn]
}

resource "aws_route53_record" "alias" {
  count = local.managed_certificate ? 1 : 0

  zone_id = var.route53_zone_id
  name    = var.domain_name
  type    = "A"

  alias {
    name                   = aws_lb.this.dns_name
    zone_id                = aws_lb.this.zone_id
    evaluate_target_health = true
  }
}
