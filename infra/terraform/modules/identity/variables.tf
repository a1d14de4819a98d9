variable "name_prefix" {
  description = "Prefix of every name, e.g. \"shop-dev-\" gives the user pool \"shop-dev-customers\"."
  type        = string

  validation {
    condition     = can(regex("^[a-zA-Z0-9-]{1,40}$", var.name_prefix))
    error_message = "name_prefix must be 1-40 letters, digits or hyphens."
  }
}

variable "oidc_issuer" {
  description = "Issuer (the exact `iss` of its tokens) of an OIDC provider of yours. Set it and no Cognito user pool is created; null creates one."
  type        = string
  default     = null

  validation {
    condition     = var.oidc_issuer == null || can(regex("^https://[^\\s]+$", var.oidc_issuer))
    error_message = "oidc_issuer must be an https:// URL, written exactly as the tokens' `iss` claim."
  }
}

variable "oidc_audience" {
  description = "The `aud` the services expect in tokens of oidc_issuer (its client id for the shop). Required with oidc_issuer."
  type        = string
  default     = null

  validation {
    condition     = (var.oidc_issuer == null) == (var.oidc_audience == null)
    error_message = "Give oidc_audience together with oidc_issuer (and neither to use Cognito)."
  }
}

variable "oidc_jwks_url" {
  description = "JWKS of oidc_issuer; null lets the services discover it from <issuer>/.well-known/openid-configuration."
  type        = string
  default     = null

  validation {
    condition     = var.oidc_jwks_url == null || (var.oidc_issuer != null && can(regex("^https://[^\\s]+$", var.oidc_jwks_url)))
    error_message = "oidc_jwks_url must be an https:// URL, and only given with oidc_issuer (Cognito's is known)."
  }
}

variable "callback_urls" {
  description = "Where Cognito may send the authorization code (the app's redirect URIs): https://, or http://localhost for a native or command-line client's loopback redirect."
  type        = list(string)
  default     = ["http://localhost:8765/callback"]

  validation {
    condition     = length(var.callback_urls) > 0 && alltrue([for url in var.callback_urls : can(regex("^(https://|http://localhost[:/])", url))])
    error_message = "callback_urls needs at least one URL, each https:// or http://localhost (Cognito refuses other plain-HTTP redirects)."
  }
}

variable "logout_urls" {
  description = "Where the hosted sign-in may send the browser after sign-out (same rules as callback_urls)."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for url in var.logout_urls : can(regex("^(https://|http://localhost[:/])", url))])
    error_message = "logout_urls must be https:// or http://localhost URLs."
  }
}

variable "domain_prefix" {
  description = "Prefix of the hosted sign-in domain https://<prefix>.auth.<region>.amazoncognito.com (globally unique per region); null creates no domain (sign-in through the SDKs' SRP flow only)."
  type        = string
  default     = null

  validation {
    condition     = var.domain_prefix == null || can(regex("^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$", var.domain_prefix))
    error_message = "domain_prefix must be 1-63 lowercase letters, digits or hyphens, not starting or ending with a hyphen."
  }

  validation {
    condition     = var.domain_prefix == null || !can(regex("aws|amazon|cognito", var.domain_prefix))
    error_message = "Cognito refuses domain prefixes containing aws, amazon or cognito."
  }
}

variable "user_pool_tier" {
  description = "Cognito feature plan: LITE, ESSENTIALS (the default for new pools) or PLUS (threat protection, at a higher price per user)."
  type        = string
  default     = "ESSENTIALS"

  validation {
    condition     = contains(["LITE", "ESSENTIALS", "PLUS"], var.user_pool_tier)
    error_message = "user_pool_tier must be LITE, ESSENTIALS or PLUS."
  }
}

variable "self_sign_up" {
  description = "Let customers create their own account (verified by an e-mailed code); false: only administrators create users."
  type        = bool
  default     = true
}

variable "password_minimum_length" {
  description = "Shortest password accepted (upper and lower case, a digit and a symbol are required as well)."
  type        = number
  default     = 12

  validation {
    condition     = var.password_minimum_length >= 12 && var.password_minimum_length <= 99
    error_message = "password_minimum_length must be 12 to 99."
  }
}

variable "refresh_token_validity_days" {
  description = "How long a customer stays signed in without entering the password again (ID and access tokens live an hour)."
  type        = number
  default     = 30

  validation {
    condition     = var.refresh_token_validity_days >= 1 && var.refresh_token_validity_days <= 365
    error_message = "refresh_token_validity_days must be 1 to 365."
  }
}

variable "email_source_arn" {
  description = "ARN of a verified SES identity Cognito sends its codes from; null uses Cognito's own sender (a low daily quota: fine for a dev environment)."
  type        = string
  default     = null

  validation {
    condition     = var.email_source_arn == null || can(regex("^arn:aws[a-z-]*:ses:", var.email_source_arn))
    error_message = "email_source_arn must be an SES identity ARN."
  }
}

variable "email_from_address" {
  description = "From address of Cognito's messages when email_source_arn is set (an address of that identity)."
  type        = string
  default     = null
}

variable "deletion_protection" {
  description = "Refuse to delete the user pool (the customers' accounts); switch off to tear an environment down."
  type        = bool
  default     = true
}

variable "tags" {
  description = "Tags added to every resource (on top of the provider's default_tags)."
  type        = map(string)
  default     = {}
}
