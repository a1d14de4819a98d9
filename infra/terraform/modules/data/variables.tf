variable "topology" {
  description = "The shared topology: yamldecode(file(\".../shared/src/shop_shared/topology/topology.yaml\")). One table per entry of its `tables`."
  type        = any

  validation {
    condition     = can(var.topology.tables) && alltrue([for table in values(var.topology.tables) : can(table.hash_key)])
    error_message = "topology must be the decoded topology.yaml, with a hash_key for every table."
  }
}

variable "name_prefix" {
  description = "Prefix of every table name, \"shop-<environment>-\": table K is \"<prefix>K\"."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9-]{0,23}$", var.name_prefix))
    error_message = "name_prefix must be 1-24 lowercase letters, digits or hyphens."
  }
}

variable "deletion_protection" {
  description = "Refuse to delete the tables (terraform destroy fails until it is switched off)."
  type        = bool
  default     = true
}

variable "kms_key_arn" {
  description = "Customer-managed KMS key for the tables; null uses the AWS-managed key aws/dynamodb (then the services need no key grant)."
  type        = string
  default     = null
}

variable "tags" {
  description = "Tags added to every table (on top of the provider's default_tags)."
  type        = map(string)
  default     = {}
}
