# The same pins in every module and environment of infra/terraform: they are planned and applied together.
terraform {
  # 1.11: write-only arguments (messaging writes the initial API key with secret_string_wo). 1.10 brought
  # the ephemeral resources that key comes from, and the S3 backend's use_lockfile (envs/*/backend.tf.example).
  required_version = ">= 1.11"

  required_providers {
    aws = {
      source = "hashicorp/aws"
      # 5.88.0 is the first release with aws_secretsmanager_secret_version's write-only secret_string_wo and
      # secret_string_wo_version, the newest arguments used anywhere here (the ephemeral
      # aws_secretsmanager_random_password and aws_cognito_user_pool's user_pool_tier are older). Below 6.0:
      # a major version renames and removes arguments, and is adopted on purpose.
      version = ">= 5.88.0, < 6.0.0"
    }
  }
}
