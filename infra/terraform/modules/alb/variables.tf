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
  description = "DNS name clients (and the EventBridge API destination) use: the name of the managed certificate (route53_zone_id) or one certificate_arn covers; null uses the load balancer's own DNS name in api_base_url."
  type        = string
  default     = null

  validation {
    # A host name only: lower case (as ACM and Route 53 store it), no scheme, port, path or trailing dot.
    condition = var.domain_name == null || (
      length(coalesce(var.domain_name, "-")) <= 253 &&
      can(regex("^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)+[a-z]([a-z0-9-]{0,61}[a-z0-9])?$", coalesce(var.domain_name, "-")))
    )
    error_message = "domain_name must be a lower-case DNS name such as \"shop.example.com\": no scheme, port, path or trailing dot."
  }
}

variable "route53_zone_id" {
  description = "Public Route 53 hosted zone holding domain_name. Given, the module requests a DNS-validated ACM certificate for domain_name (validation record in the zone) and points domain_name at the load balancer with an alias record; certificate_arn must then be null. Null: bring your own certificate_arn and DNS record."
  type        = string
  default     = null

  validation {
    condition     = var.route53_zone_id == null || (var.certificate_arn == null && var.domain_name != null)
    error_message = "route53_zone_id manages the certificate for domain_name: give domain_name, and leave certificate_arn null (bring-your-own is the other way)."
  }
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

variable "payment_api_key_header" {
  description = "Header carrying the EventBridge connection's API key (the topology's api_key_header): POST /events without it is answered 401 by the load balancer and never reaches payment."
  type        = string
  default     = "x-api-key"

  validation {
    condition     = can(regex("^[A-Za-z0-9-]{1,40}$", var.payment_api_key_header))
    error_message = "payment_api_key_header must be a header name of 1-40 letters, digits or hyphens."
  }
}

variable "read_api_routes" {
  description = "Services besides order and payment that serve customer reads, by service key: the path patterns (ALB wildcards, e.g. \"/customers/*/loyalty\") forwarded to them for GET, and the listener rule's priority (100 or more: payment's rules are 10 and 11). Each gets a target group \"<name_prefix><service>\"."
  type = map(object({
    path_patterns = list(string)
    priority      = number
  }))
  default = {}

  validation {
    condition     = alltrue([for service, route in var.read_api_routes : !contains(["order", "payment"], service) && can(regex("^[a-z][a-z0-9-]*$", service)) && length("${var.name_prefix}${service}") <= 32])
    error_message = "read_api_routes keys must be lowercase service keys other than order and payment, and \"<name_prefix><service>\" at most 32 characters (a target group name)."
  }

  validation {
    condition = alltrue([
      for route in values(var.read_api_routes) : length(route.path_patterns) > 0 && length(route.path_patterns) <= 4 && alltrue([for path in route.path_patterns : startswith(path, "/")])
    ])
    error_message = "Each route needs 1 to 4 path patterns starting with \"/\"."
  }

  validation {
    condition     = alltrue([for route in values(var.read_api_routes) : route.priority >= 100 && route.priority <= 50000]) && length(distinct([for route in values(var.read_api_routes) : route.priority])) == length(var.read_api_routes)
    error_message = "Route priorities must be distinct and 100 to 50000."
  }
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

variable "tags" {
  description = "Tags added to every resource (on top of the provider's default_tags)."
  type        = map(string)
  default     = {}
}
