variable "topology" {
  description = "The shared topology: yamldecode(file(\".../shared/src/shop_shared/topology/topology.yaml\")). Activities, state machines and schedules are created from it."
  type        = any

  validation {
    condition     = can(var.topology.activities) && can(var.topology.state_machines)
    error_message = "topology must be the decoded topology.yaml (activities, state_machines, optional schedules)."
  }

  validation {
    condition = alltrue([
      for machine in values(var.topology.state_machines) : contains(keys(var.topology.activities), machine.activity)
    ])
    error_message = "Every state machine's activity must be one of the topology's activities."
  }
}

variable "name_prefix" {
  description = "Prefix of every physical name, \"shop-<environment>-\": state machine K is \"<prefix>K\"."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9-]{0,23}$", var.name_prefix))
    error_message = "name_prefix must be 1-24 lowercase letters, digits or hyphens."
  }
}

variable "topology_dir" {
  description = "Folder holding topology.yaml and the ASL templates its state machines name (shared/src/shop_shared/topology)."
  type        = string

  validation {
    condition = alltrue([
      for machine in values(var.topology.state_machines) : fileexists("${var.topology_dir}/${machine.definition}")
    ])
    error_message = "topology_dir must contain the ASL template of every state machine (shared/src/shop_shared/topology)."
  }
}

variable "log_retention_days" {
  description = "Days the state machines' execution log (ERROR level) is kept."
  type        = number
  default     = 90

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be a retention CloudWatch Logs offers (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, ...)."
  }
}

variable "kms_key_arn" {
  description = "KMS key encrypting the execution log group (its key policy must let CloudWatch Logs use it: the messaging module's key does)."
  type        = string
}

variable "enable_schedules" {
  description = "Whether the schedules fire. false keeps them (and their names) but DISABLED, e.g. in an environment without workers."
  type        = bool
  default     = true
}

variable "schedule_retry_policy" {
  description = "How long and how often EventBridge Scheduler retries starting an execution before the attempt goes to the schedule's DLQ."
  type = object({
    maximum_event_age_in_seconds = number
    maximum_retry_attempts       = number
  })
  default = {
    maximum_event_age_in_seconds = 3600
    maximum_retry_attempts       = 10
  }

  validation {
    condition = (
      var.schedule_retry_policy.maximum_event_age_in_seconds >= 60 && var.schedule_retry_policy.maximum_event_age_in_seconds <= 86400
      && var.schedule_retry_policy.maximum_retry_attempts >= 0 && var.schedule_retry_policy.maximum_retry_attempts <= 185
    )
    error_message = "EventBridge Scheduler allows an event age of 60-86400 seconds and 0-185 retry attempts."
  }
}

variable "tags" {
  description = "Tags added to every taggable resource (on top of the provider's default_tags)."
  type        = map(string)
  default     = {}
}
