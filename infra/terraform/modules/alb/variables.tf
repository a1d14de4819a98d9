variable "name_prefix" {
  description = "Prefix of every name, e.g. \"shop-dev-\" gives the load balancer \"shop-dev-alb\"."
  type        = string

  validation {
    # Load balancer and target group names are at most 32 characters: "<prefix>payment" must fit.
    condition     = can(regex("^[a-zA-Z0-9-]{1,25}$", var.name_prefix))
    error_message = "name_prefix must be 1-25 letters, digits or hyphens (target group names are limited to 32)."
  }
}

variable "vpc_id" {
  description = "VPC of the load balancer and its target groups."
  type        = string
}

variable "public_subnet_ids" {
  description = "Public subnets (at least two AZs) the internet-facing load balancer is placed in."
  type        = list(string)

  validation {
    condition     = length(var.public_subnet_ids) >= 2
    error_message = "An application load balancer needs subnets in at least two availability zones."
  }
}

variable "certificate_arn" {
  description = "ACM certificate ARN for the HTTPS listener (port 80 then only redirects). null serves plain HTTP on port 80: dev only (traffic unencrypted, and EventBridge API destinations refuse http:// endpoints, so payment gets no events)."
  type        = string
  default     = null
}

variable "domain_name" {
  description = "DNS name clients (and the EventBridge API destination) use, matching certificate_arn; null uses the load balancer's own DNS name in api_base_url."
  type        = string
  default     = null
}

variable "ssl_policy" {
  description = "TLS security policy of the HTTPS listener."
  type        = string
  default     = "ELBSecurityPolicy-TLS13-1-2-2021-06"
}

variable "ingress_cidrs" {
  description = "IPv4 ranges allowed to reach the load balancer (ports 80 and, with a certificate, 443)."
  type        = list(string)
  default     = ["0.0.0.0/0"]

  validation {
    condition     = length(var.ingress_cidrs) > 0 && alltrue([for c in var.ingress_cidrs : can(cidrhost(c, 0))])
    error_message = "ingress_cidrs must hold at least one valid IPv4 CIDR block."
  }
}

variable "target_port" {
  description = "Port the service containers listen on (the target groups' port and the only port the load balancer may reach in the VPC)."
  type        = number
  default     = 8000
}

variable "health_check_path" {
  description = "Path the target groups probe; the services answer 200 when healthy and 503 when a background loop died."
  type        = string
  default     = "/health"
}

variable "payment_path_patterns" {
  description = "Paths routed to payment (pass the API destination's path from topology.yaml); everything else goes to order."
  type        = list(string)
  default     = ["/events"]

  validation {
    condition     = length(var.payment_path_patterns) > 0 && alltrue([for p in var.payment_path_patterns : startswith(p, "/")])
    error_message = "payment_path_patterns must hold at least one path starting with \"/\"."
  }
}

variable "payment_http_methods" {
  description = "HTTP methods routed to payment on those paths (the API destination's method); other methods fall through to order."
  type        = list(string)
  default     = ["POST"]
}

variable "deregistration_delay_seconds" {
  description = "Time a deregistering target keeps serving in-flight requests before ECS stops it."
  type        = number
  default     = 30
}

variable "idle_timeout_seconds" {
  description = "Idle connection timeout of the load balancer."
  type        = number
  default     = 60
}

variable "deletion_protection" {
  description = "Protect the load balancer from deletion (turn off to destroy an environment)."
  type        = bool
  default     = true
}

variable "access_logs_bucket" {
  description = "Existing S3 bucket (with the ELB log delivery bucket policy) receiving access logs; null disables access logs."
  type        = string
  default     = null
}

variable "access_logs_prefix" {
  description = "Key prefix of the access logs in access_logs_bucket."
  type        = string
  default     = "alb"
}

variable "web_acl_arn" {
  description = "WAFv2 web ACL (REGIONAL) to associate with the load balancer; null associates none."
  type        = string
  default     = null
}

variable "tags" {
  description = "Tags added to every resource (on top of the provider's default_tags)."
  type        = map(string)
  default     = {}
}
