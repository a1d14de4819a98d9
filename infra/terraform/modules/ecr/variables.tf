variable "name_prefix" {
  description = "Prefix of every repository name, e.g. \"shop-dev-\" gives \"shop-dev-order\"."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9-]{0,19}$", var.name_prefix))
    error_message = "name_prefix must be 1-20 lowercase letters, digits or hyphens."
  }
}

variable "repositories" {
  description = "Keys of the repositories to create, one per deployable image (e.g. the service names)."
  type        = set(string)

  validation {
    condition     = alltrue([for r in var.repositories : can(regex("^[a-z0-9]+(?:[._-][a-z0-9]+)*$", r))])
    error_message = "Repository keys must be lowercase letters and digits, separated by '.', '_' or '-'."
  }
}

variable "image_retention_count" {
  description = "Tagged images kept per repository; older ones expire (untagged images after 7 days)."
  type        = number
  default     = 30

  validation {
    condition     = var.image_retention_count >= 1
    error_message = "image_retention_count must be at least 1."
  }
}

variable "kms_key_arn" {
  description = "Customer-managed KMS key ARN for the repositories; null uses the AWS-managed key aws/ecr (still KMS encryption)."
  type        = string
  default     = null
}

variable "force_delete" {
  description = "Allow destroying a repository that still holds images (only for throw-away environments)."
  type        = bool
  default     = false
}

variable "tags" {
  description = "Tags added to every resource (on top of the provider's default_tags)."
  type        = map(string)
  default     = {}
}
