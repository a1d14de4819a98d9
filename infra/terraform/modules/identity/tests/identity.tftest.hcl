# Plan-only tests of the identity module with a mocked AWS provider. The pool's endpoint and the client's id
# are mocked during plan so the issuer and audience the services get can be checked exactly.

mock_provider "aws" {
  mock_data "aws_region" {
    defaults = { name = "eu-west-1" }
  }
  mock_resource "aws_cognito_user_pool" {
    override_during = plan
    defaults = {
      id       = "eu-west-1_TestPool1"
      arn      = "arn:aws:cognito-idp:eu-west-1:123456789012:userpool/eu-west-1_TestPool1"
      endpoint = "cognito-idp.eu-west-1.amazonaws.com/eu-west-1_TestPool1"
    }
  }
  mock_resource "aws_cognito_user_pool_client" {
    override_during = plan
    defaults        = { id = "3n4b5urk1ft4fl3mg5e62d9ado" }
  }
}

variables {
  name_prefix = "shop-test-"
}

run "a_cognito_user_pool_by_default" {
  command = plan

  assert {
    condition     = length(aws_cognito_user_pool.this) == 1 && length(aws_cognito_user_pool_client.this) == 1 && output.uses_cognito
    error_message = "Without oidc_issuer a user pool and its app client are created."
  }
  assert {
    condition = (
      aws_cognito_user_pool.this[0].username_attributes == toset(["email"]) &&
      aws_cognito_user_pool.this[0].auto_verified_attributes == toset(["email"]) &&
      aws_cognito_user_pool.this[0].user_attribute_update_settings[0].attributes_require_verification_before_update == toset(["email"])
    )
    error_message = "Customers sign in with a verified e-mail address, and a changed address counts only once verified."
  }
  assert {
    condition = (
      aws_cognito_user_pool.this[0].password_policy[0].minimum_length >= 12 &&
      aws_cognito_user_pool.this[0].password_policy[0].require_lowercase &&
      aws_cognito_user_pool.this[0].password_policy[0].require_uppercase &&
      aws_cognito_user_pool.this[0].password_policy[0].require_numbers &&
      aws_cognito_user_pool.this[0].password_policy[0].require_symbols
    )
    error_message = "Passwords need 12 characters or more with every character class."
  }
  assert {
    condition     = aws_cognito_user_pool.this[0].mfa_configuration == "OPTIONAL" && aws_cognito_user_pool.this[0].software_token_mfa_configuration[0].enabled
    error_message = "MFA is optional, with authenticator apps (TOTP)."
  }
  assert {
    condition     = aws_cognito_user_pool.this[0].deletion_protection == "ACTIVE"
    error_message = "The user pool is deletion-protected by default."
  }
  assert {
    condition     = length(aws_cognito_user_pool_domain.this) == 0 && output.hosted_ui_url == null
    error_message = "No hosted sign-in domain unless domain_prefix is given."
  }
}

run "the_app_client_is_public_with_code_and_pkce" {
  command = plan

  assert {
    condition     = aws_cognito_user_pool_client.this[0].generate_secret == false && aws_cognito_user_pool_client.this[0].allowed_oauth_flows == toset(["code"])
    error_message = "A public client (no secret) using the authorization code flow only."
  }
  assert {
    condition     = aws_cognito_user_pool_client.this[0].explicit_auth_flows == toset(["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"])
    error_message = "SRP and refresh only: never the plain password flow."
  }
  assert {
    condition     = aws_cognito_user_pool_client.this[0].prevent_user_existence_errors == "ENABLED" && aws_cognito_user_pool_client.this[0].enable_token_revocation
    error_message = "Sign-in must not reveal which accounts exist, and refresh tokens can be revoked."
  }
  assert {
    condition = (
      aws_cognito_user_pool_client.this[0].id_token_validity == 60 && aws_cognito_user_pool_client.this[0].token_validity_units[0].id_token == "minutes" &&
      aws_cognito_user_pool_client.this[0].refresh_token_validity == 30 && aws_cognito_user_pool_client.this[0].token_validity_units[0].refresh_token == "days"
    )
    error_message = "ID tokens live an hour, refresh tokens 30 days."
  }
  assert {
    condition = (
      length(setsubtract(["email", "email_verified", "phone_number", "phone_number_verified"], aws_cognito_user_pool_client.this[0].read_attributes)) == 0 &&
      length(setintersection(["email_verified", "phone_number_verified"], aws_cognito_user_pool_client.this[0].write_attributes)) == 0
    )
    error_message = "ID tokens carry the contacts and their verified flags; customers can never write a verified flag."
  }
}

run "the_services_verify_the_pool_s_id_tokens" {
  command = plan

  assert {
    condition = output.environment == {
      AUTH_ISSUER   = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_TestPool1"
      AUTH_AUDIENCE = "3n4b5urk1ft4fl3mg5e62d9ado"
      AUTH_JWKS_URL = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_TestPool1/.well-known/jwks.json"
    }
    error_message = "The services expect the pool's issuer URL, the app client id as audience and the pool's JWKS."
  }
}

run "deletion_protection_can_be_switched_off_and_a_domain_added" {
  command = plan

  variables {
    deletion_protection = false
    domain_prefix       = "shop-test-signin"
  }

  assert {
    condition     = aws_cognito_user_pool.this[0].deletion_protection == "INACTIVE"
    error_message = "deletion_protection = false must switch the pool's protection off."
  }
  assert {
    condition     = aws_cognito_user_pool_domain.this[0].domain == "shop-test-signin" && output.hosted_ui_url == "https://shop-test-signin.auth.eu-west-1.amazoncognito.com"
    error_message = "domain_prefix gives the hosted sign-in domain."
  }
}

run "an_oidc_issuer_replaces_cognito" {
  command = plan

  variables {
    oidc_issuer   = "https://login.example.com/"
    oidc_audience = "shop-api"
    domain_prefix = "shop-test-signin"
  }

  assert {
    condition     = length(aws_cognito_user_pool.this) == 0 && length(aws_cognito_user_pool_client.this) == 0 && length(aws_cognito_user_pool_domain.this) == 0
    error_message = "With an OIDC issuer no Cognito resource is created."
  }
  assert {
    condition     = output.environment == { AUTH_ISSUER = "https://login.example.com/", AUTH_AUDIENCE = "shop-api" }
    error_message = "The services get the issuer exactly as given (trailing slash included) and discover its JWKS."
  }
  assert {
    condition     = !output.uses_cognito && output.user_pool_id == null && output.app_client_id == null
    error_message = "No pool or client ids with an OIDC issuer."
  }
}

run "an_oidc_issuer_with_its_jwks_url" {
  command = plan

  variables {
    oidc_issuer   = "https://login.example.com"
    oidc_audience = "shop-api"
    oidc_jwks_url = "https://login.example.com/keys"
  }

  assert {
    condition     = output.environment["AUTH_JWKS_URL"] == "https://login.example.com/keys"
    error_message = "oidc_jwks_url reaches the services as AUTH_JWKS_URL."
  }
}

run "an_issuer_needs_its_audience" {
  command = plan

  variables {
    oidc_issuer = "https://login.example.com"
  }

  expect_failures = [var.oidc_audience]
}

run "a_plain_http_issuer_is_refused" {
  command = plan

  variables {
    oidc_issuer   = "http://login.example.com"
    oidc_audience = "shop-api"
  }

  expect_failures = [var.oidc_issuer]
}

run "a_plain_http_redirect_is_refused" {
  command = plan

  variables {
    callback_urls = ["http://app.example.com/callback"]
  }

  expect_failures = [var.callback_urls]
}
