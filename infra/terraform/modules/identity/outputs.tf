output "environment" {
  description = "What the authenticated services verify tokens against: AUTH_ISSUER, AUTH_AUDIENCE and, when known, AUTH_JWKS_URL."
  value       = local.environment
}

output "issuer" {
  description = "The `iss` the services expect: https://cognito-idp.<region>.amazonaws.com/<pool id>, or oidc_issuer."
  value       = local.issuer
}

output "audience" {
  description = "The `aud` the services expect: the app client id, or oidc_audience."
  value       = local.audience
}

output "uses_cognito" {
  description = "Whether this module created a Cognito user pool (false when oidc_issuer is given)."
  value       = local.use_cognito
}

output "user_pool_id" {
  description = "Id of the Cognito user pool; null with oidc_issuer."
  value       = one(aws_cognito_user_pool.this[*].id)
}

output "user_pool_arn" {
  description = "ARN of the Cognito user pool; null with oidc_issuer."
  value       = one(aws_cognito_user_pool.this[*].arn)
}

output "app_client_id" {
  description = "Id of the public app client (the audience of its ID tokens); null with oidc_issuer."
  value       = one(aws_cognito_user_pool_client.this[*].id)
}

output "hosted_ui_url" {
  description = "Base URL of the hosted sign-in (/oauth2/authorize, /oauth2/token, /login); null without domain_prefix."
  value       = one([for domain in aws_cognito_user_pool_domain.this : "https://${domain.domain}.auth.${data.aws_region.current.name}.amazoncognito.com"])
}
