# Who the customers are: a Cognito user pool with a public app client (authorization code + PKCE), or any
# OIDC issuer given by variables. Either way the output `environment` is what order, loyalty and
# notifications verify bearer tokens against (AUTH_ISSUER, AUTH_AUDIENCE, AUTH_JWKS_URL).

locals {
  use_cognito = var.oidc_issuer == null
}

data "aws_region" "current" {}

resource "aws_cognito_user_pool" "this" {
  count = local.use_cognito ? 1 : 0

  name           = "${var.name_prefix}customers"
  user_pool_tier = var.user_pool_tier

  # Customers sign in with their e-mail address, verified by a code before the account can be used: the
  # services trust `email` only with `email_verified: true`.
  username_attributes      = ["email"]
  auto_verified_attributes = ["email"]
  username_configuration {
    case_sensitive = false # Alice@Example.com and alice@example.com are one customer
  }

  # A changed address takes effect only once the new one is verified; until then the old one stays in the tokens.
  user_attribute_update_settings {
    attributes_require_verification_before_update = ["email"]
  }

  verification_message_template {
    default_email_option = "CONFIRM_WITH_CODE"
  }

  admin_create_user_config {
    allow_admin_create_user_only = !var.self_sign_up
  }

  password_policy {
    minimum_length                   = var.password_minimum_length
    require_lowercase                = true
    require_uppercase                = true
    require_numbers                  = true
    require_symbols                  = true
    temporary_password_validity_days = 3
  }

  # TOTP apps only: SMS MFA would need an SNS role and pay per message, the very cost issue 15 closes.
  mfa_configuration = "OPTIONAL"
  software_token_mfa_configuration {
    enabled = true
  }

  account_recovery_setting {
    recovery_mechanism {
      name     = "verified_email"
      priority = 1
    }
  }

  # Cognito's own sender is limited to a few dozen messages a day; a verified SES identity lifts that.
  email_configuration {
    email_sending_account = var.email_source_arn == null ? "COGNITO_DEFAULT" : "DEVELOPER"
    source_arn            = var.email_source_arn
    from_email_address    = var.email_source_arn == null ? null : var.email_from_address
  }

  deletion_protection = var.deletion_protection ? "ACTIVE" : "INACTIVE"

  tags = var.tags
}

# A public client (a browser or mobile app cannot keep a secret): authorization code with PKCE through the
# hosted sign-in, or SRP sign-in from the SDKs; never the plain password flow.
resource "aws_cognito_user_pool_client" "this" {
  count = local.use_cognito ? 1 : 0

  name         = "${var.name_prefix}customers"
  user_pool_id = aws_cognito_user_pool.this[0].id

  generate_secret                      = false
  allowed_oauth_flows_user_pool_client = true
  allowed_oauth_flows                  = ["code"]
  allowed_oauth_scopes                 = ["openid", "email", "phone"]
  supported_identity_providers         = ["COGNITO"]
  callback_urls                        = var.callback_urls
  logout_urls                          = var.logout_urls
  explicit_auth_flows                  = ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]

  # "Incorrect username or password" for unknown users too: sign-in cannot be used to list customers.
  prevent_user_existence_errors = "ENABLED"
  enable_token_revocation       = true

  # The services accept ID tokens for an hour (as the local dev issuer mints them); the app refreshes them.
  id_token_validity      = 60
  access_token_validity  = 60
  refresh_token_validity = var.refresh_token_validity_days
  auth_session_validity  = 3
  token_validity_units {
    id_token      = "minutes"
    access_token  = "minutes"
    refresh_token = "days"
  }

  # The ID token carries what the client may read: the contact claims and whether they are verified. The
  # customer may change a contact (which then needs verifying again) but never its *_verified flag.
  read_attributes  = ["email", "email_verified", "phone_number", "phone_number_verified"]
  write_attributes = ["email", "phone_number"]
}

# The hosted sign-in pages at https://<prefix>.auth.<region>.amazoncognito.com (optional).
resource "aws_cognito_user_pool_domain" "this" {
  count = local.use_cognito && var.domain_prefix != null ? 1 : 0

  domain       = var.domain_prefix
  user_pool_id = aws_cognito_user_pool.this[0].id
}

locals {
  # Cognito's issuer is the pool's endpoint (cognito-idp.<region>.amazonaws.com/<pool id>) over HTTPS.
  issuer   = local.use_cognito ? "https://${aws_cognito_user_pool.this[0].endpoint}" : var.oidc_issuer
  audience = local.use_cognito ? aws_cognito_user_pool_client.this[0].id : var.oidc_audience
  jwks_url = local.use_cognito ? "https://${aws_cognito_user_pool.this[0].endpoint}/.well-known/jwks.json" : var.oidc_jwks_url

  environment = merge(
    { AUTH_ISSUER = local.issuer, AUTH_AUDIENCE = local.audience },
    # Without it the services discover the JWKS from <issuer>/.well-known/openid-configuration.
    local.jwks_url == null ? {} : { AUTH_JWKS_URL = local.jwks_url },
  )
}
