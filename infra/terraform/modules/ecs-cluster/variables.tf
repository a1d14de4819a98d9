variable "name_prefix" {
  description = "Prefix of the cluster name, e.g. \"shop-dev-\" gives the cluster \"shop-dev-cluster\"."
  type        = string

  validation {
    condition     = can(regex("^[a-zA-Z0-9_-]{1,200}$", var.name_prefix))
    error_message = "name_prefix may only hold letters, digits, hyphens and underscores."
  }
}

variable "container_insights" {
  description = "Container Insights level: \"enabled\" (the ECS/ContainerInsights task counts that backlog scaling and alarms read) or \"enhanced\" (adds per-task and per-container metrics, at a higher cost)."
  type        = string
  default     = "enabled"

  validation {
    condition     = contains(["enabled", "enhanced"], var.container_insights)
    error_message = "container_insights must be \"enabled\" or \"enhanced\": scaling and alarms need its metrics."
  }
}

variable "tags" {
  description = "Tags added to every resource (on top of the provider's default_tags)."
  type        = map(string)
  default     = {}
}
