variable "name_prefix" {
  description = "Prefix of every physical name, e.g. \"shop-dev-\"; alarm and dashboard names start with it."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]*-$", var.name_prefix))
    error_message = "name_prefix is lowercase letters, digits and dashes, ending with a dash (e.g. \"shop-dev-\")."
  }
}

variable "alarm_topic_arn" {
  description = "SNS topic every alarm notifies, on ALARM and on OK."
  type        = string
}

variable "event_bus_name" {
  description = "Name of the custom bus the rules are on. EventBridge publishes a custom bus's rule metrics with the EventBusName and RuleName dimensions, so rule alarms need it."
  type        = string
}

variable "queue_names" {
  description = "SQS queue names by topology queue key (age-of-oldest-message alarms, queue widgets)."
  type        = map(string)
}

variable "dlq_names" {
  description = "Dead-letter queue names of the queues, by topology queue key (one not-empty alarm each)."
  type        = map(string)
}

variable "target_dlq_names" {
  description = "Dead-letter queue names of the rule targets, by topology rule key (one not-empty alarm each)."
  type        = map(string)
}

variable "rule_names" {
  description = "EventBridge rule names by topology rule key (failed-invocation and lost-event alarms)."
  type        = map(string)
}

variable "api_destination_rule_names" {
  description = "Names of the rules whose target is an API destination (payment's HTTP push); they get their own dashboard widget."
  type        = list(string)
  default     = []
}

variable "state_machine_arns" {
  description = "Step Functions state machine ARNs by topology key (failed and timed-out execution alarms)."
  type        = map(string)
}

variable "activity_arns" {
  description = "Step Functions activity ARNs by topology key (failed and timed-out activity task alarms)."
  type        = map(string)
}

variable "alb_arn_suffix" {
  description = "ARN suffix of the load balancer (the LoadBalancer dimension: app/<name>/<id>)."
  type        = string
}

variable "target_group_arn_suffixes" {
  description = "ARN suffixes of the target groups by name (\"order\", \"payment\"): the TargetGroup dimension."
  type        = map(string)
}

variable "cluster_name" {
  description = "ECS cluster name (Container Insights must be on: the running-below-desired alarms read ECS/ContainerInsights)."
  type        = string
}

variable "ecs_service_names" {
  description = "ECS service names by service key (one running-below-desired alarm each)."
  type        = map(string)
}

variable "oldest_message_age_threshold_seconds" {
  description = "Alarm when a queue's oldest message has waited longer than this for 3 minutes in a row."
  type        = number
  default     = 300

  validation {
    condition     = var.oldest_message_age_threshold_seconds >= 60
    error_message = "Use at least 60 seconds: SQS reports the age once a minute."
  }
}

variable "alb_latency_p99_threshold_seconds" {
  description = "Alarm when a target group's p99 TargetResponseTime is above this in 3 of 5 minutes."
  type        = number
  default     = 1

  validation {
    condition     = var.alb_latency_p99_threshold_seconds > 0
    error_message = "The latency threshold must be positive."
  }
}

variable "target_5xx_rate_threshold_percent" {
  description = "Alarm when more than this percentage of a target group's requests get a 5xx from the targets in 3 of 5 minutes."
  type        = number
  default     = 5

  validation {
    condition     = var.target_5xx_rate_threshold_percent > 0 && var.target_5xx_rate_threshold_percent < 100
    error_message = "The 5xx rate threshold is a percentage between 0 and 100 (exclusive)."
  }
}

variable "tags" {
  description = "Tags for the alarms and the dashboard (on top of the provider's default_tags)."
  type        = map(string)
  default     = {}
}

variable "application_metrics_namespace" {
  description = "CloudWatch namespace of the services' own EMF metrics (shop_shared.observability.metrics.METRICS_NAMESPACE)."
  type        = string
  default     = "Shop"
}

variable "outbox_table_names" {
  description = "Outbox table names by table key (tables with the outbox relay's pending index): backlog, oldest-entry and parked-entry alarms each."
  type        = map(string)
  default     = {}
}

variable "outbox_oldest_entry_age_threshold_seconds" {
  description = "An outbox entry waiting longer than this (for 3 minutes in a row) alarms: the relay is down or cannot keep up."
  type        = number
  default     = 300
}

variable "outbox_backlog_threshold" {
  description = "More unpublished outbox entries than this (for 5 minutes in a row) alarms: the bus throttles or refuses."
  type        = number
  default     = 10000
}

variable "tracing_enabled" {
  description = "The services send traces to X-Ray (ecs-service tracing_enabled): create the environment's X-Ray group and put the trace links and the trace count on the dashboard."
  type        = bool
  default     = true
}

variable "deployment_environment" {
  description = "Environment name the services' spans carry (the X-Ray annotation deployment_environment their sidecars add): the X-Ray group and the trace links filter on it. Required while tracing_enabled."
  type        = string
  default     = null

  validation {
    condition     = var.deployment_environment == null ? !var.tracing_enabled : can(regex("^[a-z][a-z0-9-]{0,30}$", var.deployment_environment))
    error_message = "deployment_environment is required with tracing_enabled, and is lowercase letters, digits and hyphens."
  }
}
