variable "topology" {
  description = "The shared topology: yamldecode(file(\".../shared/src/shop_shared/topology/topology.yaml\")). Bus, queues, rules, API destinations, secrets, KMS keys and SNS topics are all created from it."
  type        = any

  validation {
    condition = alltrue([
      for key in ["event_bus", "queues", "rules", "api_destinations", "secrets", "kms_keys", "sns_topics"] : can(var.topology[key])
    ])
    error_message = "topology must be the decoded topology.yaml (event_bus, queues, rules, api_destinations, secrets, kms_keys, sns_topics)."
  }

  validation {
    condition = alltrue([
      for rule in values(var.topology.rules) : (try(rule.target.queue, null) == null) != (try(rule.target.api_destination, null) == null)
    ])
    error_message = "Every rule target names exactly one of queue or api_destination."
  }
}

variable "name_prefix" {
  description = "Prefix of every physical name, \"shop-<environment>-\": queue K is \"<prefix>K\", its DLQ \"<prefix>K-dlq\"."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9-]{0,23}$", var.name_prefix))
    error_message = "name_prefix must be 1-24 lowercase letters, digits or hyphens."
  }
}

variable "payment_events_base_url" {
  description = "HTTPS base URL at which EventBridge reaches the payment service; the API destination appends the topology's path (e.g. /events)."
  type        = string

  validation {
    # EventBridge API destinations only call HTTPS endpoints. The explicit http:// test also judges a URL
    # whose host is not known yet ("http://" + a new load balancer's DNS name), so it fails at plan time.
    condition     = startswith(var.payment_events_base_url, "http://") ? false : startswith(var.payment_events_base_url, "https://")
    error_message = "payment_events_base_url must be an https:// URL: EventBridge API destinations only call HTTPS endpoints."
  }
}

variable "api_destination_base_urls" {
  description = "HTTPS base URLs of other services that topology API destinations call, by service name (payment's comes from payment_events_base_url)."
  type        = map(string)
  default     = {}

  validation {
    condition     = alltrue([for url in values(var.api_destination_base_urls) : startswith(url, "https://")])
    error_message = "API destination base URLs must be https:// URLs."
  }
}

variable "archive_retention_days" {
  description = "Days the bus archive keeps every event for replay (0 keeps them forever)."
  type        = number
  default     = 30

  validation {
    condition     = var.archive_retention_days >= 0 && floor(var.archive_retention_days) == var.archive_retention_days
    error_message = "archive_retention_days must be a whole number of days, 0 or more."
  }
}

variable "enable_schema_discovery" {
  description = "Run the EventBridge schema discoverer on the bus (a schema registry of the events actually published)."
  type        = bool
  default     = true
}

variable "target_retry_policy" {
  description = "How long and how often EventBridge retries a failed delivery to a rule target before it goes to the target's DLQ."
  type = object({
    maximum_event_age_in_seconds = number
    maximum_retry_attempts       = number
  })
  default = {
    maximum_event_age_in_seconds = 86400
    maximum_retry_attempts       = 185
  }

  validation {
    condition = (
      var.target_retry_policy.maximum_event_age_in_seconds >= 60 && var.target_retry_policy.maximum_event_age_in_seconds <= 86400
      && var.target_retry_policy.maximum_retry_attempts >= 0 && var.target_retry_policy.maximum_retry_attempts <= 185
    )
    error_message = "EventBridge allows an event age of 60-86400 seconds and 0-185 retry attempts."
  }
}

variable "queue_message_retention_seconds" {
  description = "How long the work queues keep an unconsumed message (their DLQs keep messages 14 days, which must be longer)."
  type        = number
  default     = 345600

  validation {
    condition     = var.queue_message_retention_seconds >= 60 && var.queue_message_retention_seconds < 1209600
    error_message = "queue_message_retention_seconds must be at least 60 and below the DLQs' 14 days (1209600)."
  }
}

variable "secret_recovery_window_days" {
  description = "Days a deleted secret can still be restored (0 deletes at once, e.g. for throw-away environments)."
  type        = number
  default     = 30

  validation {
    condition     = var.secret_recovery_window_days == 0 || (var.secret_recovery_window_days >= 7 && var.secret_recovery_window_days <= 30)
    error_message = "secret_recovery_window_days must be 0 or 7-30."
  }
}

variable "kms_deletion_window_days" {
  description = "Waiting period before a destroyed KMS key is deleted (anything it encrypted becomes unreadable then)."
  type        = number
  default     = 30

  validation {
    condition     = var.kms_deletion_window_days >= 7 && var.kms_deletion_window_days <= 30
    error_message = "kms_deletion_window_days must be 7-30."
  }
}

variable "tags" {
  description = "Tags added to every taggable resource (on top of the provider's default_tags)."
  type        = map(string)
  default     = {}
}
