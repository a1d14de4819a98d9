variable "aws_region" {
  description = "Region to deploy to."
  type        = string
}

variable "environment" {
  description = "Environment name; every physical name starts with shop-<environment>-."
  type        = string
  default     = "dev"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,15}$", var.environment))
    error_message = "Use 2-16 lowercase letters, digits or dashes."
  }
}

variable "image_tag" {
  description = "Tag of the service images in ECR (immutable tags: one per build)."
  type        = string
}

variable "services" {
  description = "Size and scale of each ECS service. Keys are the service names of the shared topology."
  type = map(object({
    cpu           = number
    memory        = number
    desired_count = number
    min_capacity  = number
    max_capacity  = number
  }))
  default = {
    order         = { cpu = 512, memory = 1024, desired_count = 2, min_capacity = 2, max_capacity = 10 }
    payment       = { cpu = 256, memory = 512, desired_count = 2, min_capacity = 2, max_capacity = 6 }
    loyalty       = { cpu = 256, memory = 512, desired_count = 1, min_capacity = 1, max_capacity = 8 }
    notifications = { cpu = 256, memory = 512, desired_count = 1, min_capacity = 1, max_capacity = 8 }
    batch-worker  = { cpu = 1024, memory = 2048, desired_count = 0, min_capacity = 0, max_capacity = 10 }
  }
}

variable "create_vpc" {
  description = "Create a VPC (2 AZs, public and private subnets, one NAT gateway) or use the ids below."
  type        = bool
  default     = true
}

variable "vpc_id" {
  description = "Existing VPC (create_vpc = false)."
  type        = string
  default     = null
}

variable "private_subnet_ids" {
  description = "Existing private subnets for the tasks (create_vpc = false)."
  type        = list(string)
  default     = []
}

variable "public_subnet_ids" {
  description = "Existing public subnets for the load balancer (create_vpc = false)."
  type        = list(string)
  default     = []
}

variable "domain_name" {
  description = "DNS name of the shop's HTTPS endpoint (the API destination calls https://<domain_name>/events), e.g. \"shop-dev.example.com\": lower case, no scheme or path. With route53_zone_id it is managed (certificate and alias); with certificate_arn, point it (CNAME or alias) at the output alb_dns_name yourself."
  type        = string

  validation {
    condition     = length(var.domain_name) <= 253 && can(regex("^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)+[a-z]([a-z0-9-]{0,61}[a-z0-9])?$", var.domain_name))
    error_message = "domain_name must be a lower-case DNS name such as \"shop-dev.example.com\": no scheme, port, path or trailing dot."
  }
}

variable "route53_zone_id" {
  description = "Public Route 53 hosted zone holding domain_name: Terraform then requests a DNS-validated ACM certificate for it, points it at the load balancer (alias record) and, when the sender's domain is in the zone too, publishes the SES DKIM records. Give this or certificate_arn."
  type        = string
  default     = null
}

variable "certificate_arn" {
  description = "Bring your own: an issued ACM certificate (in aws_region) covering domain_name, whose DNS you point at alb_dns_name yourself. Give this or route53_zone_id: HTTPS is required, EventBridge API destinations call HTTPS endpoints only, so payment receives orders only over HTTPS."
  type        = string
  default     = null

  validation {
    condition     = var.certificate_arn == null || can(regex("^arn:aws[a-z-]*:acm:", coalesce(var.certificate_arn, "-")))
    error_message = "Give the ARN of an ACM certificate in the deployment's region."
  }

  validation {
    condition     = (var.certificate_arn == null) != (var.route53_zone_id == null)
    error_message = "Give exactly one of route53_zone_id (Terraform manages the certificate and the DNS record of domain_name) or certificate_arn (your own certificate and DNS record)."
  }
}

variable "email_sender" {
  description = "Address the notifications send e-mail from (SES); its domain is verified as an SES domain identity with Easy DKIM. Null: no-reply@<domain_name>. The topology's email_sender is only the local runtime's."
  type        = string
  default     = null

  validation {
    condition     = var.email_sender == null || can(regex("^[A-Za-z0-9._%+-]+@([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)+[a-z]([a-z0-9-]{0,61}[a-z0-9])?$", coalesce(var.email_sender, "-")))
    error_message = "email_sender must be one e-mail address with a lower-case domain, e.g. \"no-reply@shop-dev.example.com\" (no display name)."
  }
}

variable "vpc_endpoints_enabled" {
  description = "Interface VPC endpoints (private DNS, private subnets) for ECR, CloudWatch Logs, Secrets Manager, SQS, EventBridge, KMS, Step Functions, SES, SNS and X-Ray, so the shop keeps running when the NAT gateway fails. About $7.30 per endpoint per AZ a month (about $160 in 2 AZs, five times the NAT gateway): off for dev, on for production. Needs create_vpc."
  type        = bool
  default     = false
}

variable "alarm_email" {
  description = "Address subscribed to the alarm topic (confirm the subscription e-mail). Null: subscribe it yourself."
  type        = string
  default     = null
}

variable "acceptable_latency_seconds" {
  description = "How long a notification may wait in its queue; with the processing time it sets the backlog-per-task target."
  type        = number
  default     = 30
}

variable "notification_processing_seconds" {
  description = "Average time to handle one notification (ProcessingTime EMF metric), for the backlog-per-task target."
  type        = number
  default     = 0.5
}

variable "deletion_protection" {
  description = "Protect the tables, the load balancer and the image repositories from terraform destroy, and keep a deleted API-key secret restorable for 30 days; switch off (and apply) to tear an environment down: the secret is then deleted at once, so the environment can be re-created right away."
  type        = bool
  default     = true
}

variable "oidc_issuer" {
  description = "Issuer of your own OIDC provider (exactly its tokens' `iss`, https). Null creates a Cognito user pool and app client instead."
  type        = string
  default     = null
}

variable "oidc_audience" {
  description = "The `aud` the services expect in oidc_issuer's ID tokens (its client id for the shop); required with oidc_issuer."
  type        = string
  default     = null
}

variable "oidc_jwks_url" {
  description = "JWKS URL of oidc_issuer; null: the services discover it from <issuer>/.well-known/openid-configuration."
  type        = string
  default     = null
}

variable "cognito_callback_urls" {
  description = "Redirect URIs of the Cognito app client (authorization code + PKCE): your app's https:// URLs, or http://localhost for a native or command-line client."
  type        = list(string)
  default     = ["http://localhost:8765/callback"]
}

variable "cognito_logout_urls" {
  description = "Where the hosted sign-in may send the browser after sign-out."
  type        = list(string)
  default     = []
}

variable "cognito_domain_prefix" {
  description = "Hosted sign-in domain https://<prefix>.auth.<region>.amazoncognito.com (unique per region); null: none (SDK sign-in only)."
  type        = string
  default     = null
}

variable "waf_enabled" {
  description = "Protect the load balancer with the WAF web ACL (IP reputation, rate limits, AWS managed rule groups); costs a monthly fee per ACL and rule plus per request."
  type        = bool
  default     = true
}

variable "waf_rate_limit_per_ip" {
  description = "Requests one address may send to the customer APIs in 5 minutes before WAF answers 429."
  type        = number
  default     = 2000
}

variable "waf_events_rate_limit_per_ip" {
  description = "Requests one address may send to payment's /events per minute; null: the API destination's invocation rate limit (topology) x 60, the most EventBridge itself sends."
  type        = number
  default     = null
}

variable "tracing_enabled" {
  description = "Trace the services on X-Ray: an ADOT collector sidecar per task, the OTEL_* variables, the task roles' X-Ray permission, the environment's X-Ray group and the dashboard's trace links. false removes all of them (the services still pass trace context on)."
  type        = bool
  default     = true
}

variable "trace_sampling_ratio" {
  description = "Share of new traces recorded (parentbased_traceidratio). A trace's root (an API request, mostly POST /orders) decides once and every later hop follows it, so each recorded order is whole. 0.05 keeps a steady stream of complete orders to look at while X-Ray (priced per trace recorded, then per trace scanned) costs a twentieth of tracing everything; raise it for a low-traffic environment or while investigating."
  type        = number
  default     = 0.05

  validation {
    condition     = var.trace_sampling_ratio >= 0 && var.trace_sampling_ratio <= 1
    error_message = "trace_sampling_ratio is a probability: between 0 and 1."
  }
}

variable "trace_sampling_ratio_overrides" {
  description = "Sampling ratio by service key, instead of trace_sampling_ratio. batch-worker's only roots are the monthly tier runs (one trace each): at 1 every run is traced, for the cost of one trace a month."
  type        = map(number)
  default     = { batch-worker = 1 }

  validation {
    condition     = alltrue([for ratio in values(var.trace_sampling_ratio_overrides) : ratio >= 0 && ratio <= 1])
    error_message = "Every trace_sampling_ratio_overrides value is a probability: between 0 and 1."
  }

  validation {
    condition     = length(setsubtract(keys(var.trace_sampling_ratio_overrides), keys(local.topology.services))) == 0
    error_message = "trace_sampling_ratio_overrides keys must be service keys of the topology (order, payment, loyalty, notifications, batch-worker)."
  }
}
