variable "name_prefix" {
  description = "Prefix of every name, e.g. \"shop-dev-\" gives the web ACL \"shop-dev-alb\" and the log group \"aws-waf-logs-shop-dev-alb\"."
  type        = string

  validation {
    condition     = can(regex("^[a-zA-Z0-9-]{1,40}$", var.name_prefix))
    error_message = "name_prefix must be 1-40 letters, digits or hyphens."
  }
}

variable "resource_arn" {
  description = "ARN of the regional resource the web ACL protects (the application load balancer)."
  type        = string
}

variable "rate_limit_per_ip" {
  description = "Requests one client address may send to everything but the event endpoint within rate_limit_window_seconds; more are answered 429 until the rate drops."
  type        = number
  default     = 2000

  validation {
    condition     = var.rate_limit_per_ip >= 10 && var.rate_limit_per_ip <= 2000000000
    error_message = "rate_limit_per_ip must be 10 to 2,000,000,000 (WAF's bounds)."
  }
}

variable "rate_limit_window_seconds" {
  description = "Window over which rate_limit_per_ip is counted: 60, 120, 300 or 600 seconds."
  type        = number
  default     = 300

  validation {
    condition     = contains([60, 120, 300, 600], var.rate_limit_window_seconds)
    error_message = "rate_limit_window_seconds must be 60, 120, 300 or 600."
  }
}

variable "events_paths" {
  description = "Paths of payment's event endpoint (the API destination's), with their own per-address rate rule and no core rule set."
  type        = list(string)
  default     = ["/events"]

  validation {
    condition     = length(var.events_paths) > 0 && alltrue([for path in var.events_paths : can(regex("^/[A-Za-z0-9/_-]*$", path))])
    error_message = "events_paths must hold at least one exact path: \"/\" then letters, digits, \"/\", \"_\" or \"-\" (no wildcard)."
  }
}

variable "events_rate_limit_per_ip" {
  description = "Requests one client address may send to events_paths per minute. Size it to the API destination's invocation rate limit times 60: the most EventBridge itself may send."
  type        = number

  validation {
    condition     = var.events_rate_limit_per_ip >= 10 && var.events_rate_limit_per_ip <= 2000000000
    error_message = "events_rate_limit_per_ip must be 10 to 2,000,000,000 (WAF's bounds)."
  }
}

variable "redacted_headers" {
  description = "Request headers replaced by REDACTED in the WAF logs: every credential a client sends."
  type        = list(string)
  default     = ["authorization"]

  validation {
    condition     = contains([for header in var.redacted_headers : lower(header)], "authorization")
    error_message = "redacted_headers must include authorization (the customers' bearer tokens)."
  }
}

variable "log_allowed_requests" {
  description = "Log allowed requests too (the bulk of the traffic); false logs blocked and counted requests only."
  type        = bool
  default     = false
}

variable "log_retention_days" {
  description = "Days the WAF logs are kept."
  type        = number
  default     = 30

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be a retention CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, 60, 90, ...)."
  }
}

variable "kms_key_arn" {
  description = "KMS key ARN encrypting the log group (its key policy must allow logs.<region>.amazonaws.com); null keeps CloudWatch Logs' default encryption."
  type        = string
  default     = null
}

variable "tags" {
  description = "Tags added to every resource (on top of the provider's default_tags)."
  type        = map(string)
  default     = {}
}
