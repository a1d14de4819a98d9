variable "topology" {
  description = "The shared topology: yamldecode(file(\".../shared/src/shop_shared/topology/topology.yaml\")). Only `services` and `tables` (for their indexes) are read here; the sender address is email_sender."
  type        = any

  validation {
    condition     = can(keys(var.topology.services)) && length(keys(var.topology.services)) > 0
    error_message = "The topology must declare at least one service under `services`."
  }

  validation {
    condition = alltrue(flatten([
      for service, variables in try(var.topology.services, {}) : [
        for variable, reference in variables :
        contains(["bus", "email_sender", "table", "queue", "secret", "kms_key", "activity", "state_machine"], split(":", reference)[0])
      ]
    ]))
    error_message = "Every service reference must be bus, email_sender, table:<key>, queue:<key>, secret:<key>, kms_key:<key>, activity:<key> or state_machine:<key> (the kinds DeployedTopology.resolve knows)."
  }
}

variable "aws_region" {
  description = "Region the services run in; given to every service as AWS_REGION and used in the kms:ViaService conditions."
  type        = string
}

variable "event_bus_name" {
  description = "Name of the custom EventBridge bus (what a `bus` reference resolves to)."
  type        = string
}

variable "event_bus_arn" {
  description = "ARN of the custom EventBridge bus (the only resource events:PutEvents is allowed on)."
  type        = string
}

variable "table_names" {
  description = "DynamoDB table names by topology table key (what `table:<key>` resolves to)."
  type        = map(string)
}

variable "table_arns" {
  description = "DynamoDB table ARNs by topology table key."
  type        = map(string)
}

variable "queue_names" {
  description = "SQS queue names by topology queue key (what `queue:<key>` resolves to: the services call GetQueueUrl with it)."
  type        = map(string)
}

variable "queue_arns" {
  description = "SQS queue ARNs by topology queue key."
  type        = map(string)
}

variable "secret_arns" {
  description = "Secrets Manager secret ARNs by topology secret key. `secret:<key>` resolves to the secret's name, read from its ARN."
  type        = map(string)
}

variable "kms_key_arns" {
  description = "ARNs of the topology's KMS keys by key (topology.kms_keys), the resources of the kms:* permissions."
  type        = map(string)
}

variable "kms_key_aliases" {
  description = "Alias names (\"alias/<prefix><key>\") of the topology's KMS keys by key (what `kms_key:<key>` resolves to)."
  type        = map(string)
}

variable "activity_arns" {
  description = "Step Functions activity ARNs by topology activity key (what `activity:<key>` resolves to)."
  type        = map(string)
}

variable "state_machine_arns" {
  description = "Step Functions state machine ARNs by topology state machine key (what `state_machine:<key>` resolves to)."
  type        = map(string)
}

variable "email_sender" {
  description = "The address the services send e-mail from on AWS (what `email_sender` resolves to, and the only ses:FromAddress allowed). The topology's email_sender is the local runtime's; a deployment sends from an address of a domain it has verified in SES."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9._%+-]+@([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)+[a-z]([a-z0-9-]{0,61}[a-z0-9])?$", var.email_sender))
    error_message = "email_sender must be one e-mail address with a lower-case domain, e.g. \"no-reply@shop.example.com\"."
  }
}

variable "email_identity_arn" {
  description = "ARN of the verified SES identity (the domain of email_sender, or the address itself): the only identity a service with an `email_sender` reference may send from."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:ses:", var.email_identity_arn))
    error_message = "email_identity_arn must be an SES identity ARN (arn:aws:ses:<region>:<account>:identity/<address or domain>)."
  }
}

variable "sms_enabled" {
  description = "Allow the services that send SMS (see local.service_extras) to call sns:Publish for phone numbers. False removes that permission, and the SMS channel fails closed."
  type        = bool
  default     = true
}

variable "queue_kms_key_arn" {
  description = "Customer-managed KMS key that encrypts the SQS queues (SSE-KMS). Set it when the queues use a CMK: every consumer then gets kms:Decrypt on it through SQS only, which ReceiveMessage needs. Null when the queues use SSE-SQS."
  type        = string
  default     = null
}

variable "secret_kms_key_arn" {
  description = "Customer-managed KMS key that encrypts the Secrets Manager secrets, if any. Set it when the secrets use a CMK: every reader then gets kms:Decrypt on it through Secrets Manager only. Null when they use aws/secretsmanager."
  type        = string
  default     = null
}

variable "tags" {
  description = "Tags (unused: this module creates no resources; kept for a uniform module interface)."
  type        = map(string)
  default     = {}
}
