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
  description = "Names of the rules whose target is an API destination (payment's HTTP push): a retry alarm each (a 401 is retried for up to 24 h before it counts as failed) and their own dashboard widget."
  type        = list(string)
  default     = []
}

variable "schedule_group_names" {
  description = "EventBridge Scheduler schedule groups of this environment (workflows' schedule_group_name): target-error and failed-to-dead-letter alarms each. Scheduler publishes its metrics per group, so the group must be the environment's own."
  type        = list(string)
  default     = []
}

variable "scheduled_runs" {
  description = "Schedules whose state machine must succeed on the day they fire, by schedule key (workflows' schedules output): a \"did not succeed\" alarm each. Monthly crons in UTC only (cron(M H D * ? *)), and the run must end that day: start time plus run_timeout_seconds within 24:00 UTC."
  type = map(object({
    state_machine_arn   = string
    expression          = string
    timezone            = string
    run_timeout_seconds = number
  }))
  default = {}

  validation {
    condition = alltrue([
      for run in values(var.scheduled_runs) :
      run.timezone == "UTC" && can(regex("^cron\\(([0-9]{1,2}) ([0-9]{1,2}) ([0-9]{1,2}) \\* \\? \\*\\)$", run.expression))
    ])
    error_message = "scheduled_runs takes monthly schedules in UTC, cron(<minute> <hour> <day of month> * ? *): the alarm checks that UTC day of the month (metric math DATE())."
  }

  validation {
    condition = alltrue([
      for run in values(var.scheduled_runs) : try(
        tonumber(regex("^cron\\(([0-9]{1,2}) ([0-9]{1,2})", run.expression)[1]) * 3600 + tonumber(regex("^cron\\(([0-9]{1,2})", run.expression)[0]) * 60 + run.run_timeout_seconds <= 86400,
        false,
      )
    ])
    error_message = "A scheduled run must end (its start time plus run_timeout_seconds) by 24:00 UTC of the day it starts: the alarm looks for its success on that day only."
  }
}

variable "email_reputation_alarms" {
  description = "Alarm on the account's SES reputation (AWS/SES Reputation.BounceRate and Reputation.ComplaintRate, account-wide). Turn off where another stack of the same account already does."
  type        = bool
  default     = true
}

variable "ses_bounce_rate_threshold" {
  description = "Alarm when the account's SES bounce rate (a fraction: 0.02 is 2 %) is above this. AWS recommends below 2 % and reviews the account at 5 %."
  type        = number
  default     = 0.02

  validation {
    condition     = var.ses_bounce_rate_threshold > 0 && var.ses_bounce_rate_threshold < 0.05
    error_message = "The bounce rate threshold is a fraction below 0.05 (5 %, where AWS already reviews the account)."
  }
}

variable "ses_complaint_rate_threshold" {
  description = "Alarm when the account's SES complaint rate (a fraction: 0.001 is 0.1 %) is above this. AWS recommends below 0.1 % and reviews the account from 0.1 %."
  type        = number
  default     = 0.001

  validation {
    condition     = var.ses_complaint_rate_threshold > 0 && var.ses_complaint_rate_threshold <= 0.001
    error_message = "The complaint rate threshold is a fraction of at most 0.001 (0.1 %, where AWS reviews the account)."
  }
}

variable "state_machine_arns" {
  description = "Step Functions state machine ARNs by topology key (failed, timed-out and aborted execution alarms)."
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
  description = "ARN suffixes of the target groups by name (\"order\", \"payment\"): the TargetGroup dimension (5xx rate, latency and unhealthy-host alarms)."
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
