variable "sender" {
  description = "Address the shop's e-mail comes from (e.g. \"no-reply@shop.example.com\"); its domain becomes the SES identity."
  type        = string

  validation {
    # The domain part in lower case, as SES stores the identity; the local part as SES accepts it.
    condition     = can(regex("^[A-Za-z0-9._%+-]+@([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)+[a-z]([a-z0-9-]{0,61}[a-z0-9])?$", var.sender))
    error_message = "sender must be one e-mail address with a lower-case domain, e.g. \"no-reply@shop.example.com\" (no display name)."
  }
}

variable "route53_zone_id" {
  description = "Public Route 53 hosted zone; when the sender's domain is in it, the three Easy DKIM CNAME records are created there. Null (or another zone): publish the records of the output dkim_records yourself."
  type        = string
  default     = null
}

variable "tags" {
  description = "Tags added to every resource (on top of the provider's default_tags)."
  type        = map(string)
  default     = {}
}
