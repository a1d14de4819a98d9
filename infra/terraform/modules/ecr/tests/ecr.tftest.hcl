# Plan-only tests of the ecr module with a mocked AWS provider.

mock_provider "aws" {}

variables {
  name_prefix  = "shop-test-"
  repositories = ["order", "payment", "batch-worker"]
}

run "repositories_are_scanned_immutable_and_encrypted" {
  command = plan

  assert {
    condition     = toset([for r in aws_ecr_repository.this : r.name]) == toset(["shop-test-order", "shop-test-payment", "shop-test-batch-worker"])
    error_message = "One repository per key, named <prefix><key>."
  }

  assert {
    condition     = alltrue([for r in aws_ecr_repository.this : r.image_scanning_configuration[0].scan_on_push])
    error_message = "Every repository must scan images on push."
  }

  assert {
    condition     = alltrue([for r in aws_ecr_repository.this : r.image_tag_mutability == "IMMUTABLE"])
    error_message = "Every repository must have immutable tags."
  }

  assert {
    condition     = alltrue([for r in aws_ecr_repository.this : r.encryption_configuration[0].encryption_type == "KMS"])
    error_message = "Every repository must be KMS-encrypted."
  }

  assert {
    condition     = alltrue([for r in aws_ecr_repository.this : r.force_delete == false])
    error_message = "Repositories holding images must not be deleted by default."
  }
}

run "lifecycle_keeps_the_configured_number_of_images" {
  command = plan

  variables {
    image_retention_count = 12
  }

  assert {
    condition     = length(aws_ecr_lifecycle_policy.this) == 3
    error_message = "Every repository needs a lifecycle policy."
  }

  assert {
    condition = alltrue([
      for p in aws_ecr_lifecycle_policy.this :
      one([for r in jsondecode(p.policy).rules : r.selection.countNumber if r.selection.tagStatus == "any"]) == 12
    ])
    error_message = "The lifecycle policy must keep image_retention_count images."
  }
}

run "rejects_invalid_repository_keys" {
  command = plan

  variables {
    repositories = ["Order"]
  }

  expect_failures = [var.repositories]
}
