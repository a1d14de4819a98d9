# One private ECR repository per deployable image.

resource "aws_ecr_repository" "this" {
  for_each = var.repositories

  name = "${var.name_prefix}${each.key}"
  # A tag is deployed by its name: an immutable tag always means the same image (and the same scan result).
  image_tag_mutability = "IMMUTABLE"
  force_delete         = var.force_delete

  image_scanning_configuration {
    scan_on_push = true
  }

  encryption_configuration {
    encryption_type = "KMS"
    kms_key         = var.kms_key_arn
  }

  tags = var.tags
}

resource "aws_ecr_lifecycle_policy" "this" {
  for_each = aws_ecr_repository.this

  repository = each.value.name
  policy = jsonencode({
    rules = [
      {
        rulePriority = 1
        # Tags are immutable, so untagged images are only failed or by-digest pushes (ECR keeps the untagged
        # children of a tagged multi-arch index with their index).
        description = "Expire untagged images after 7 days"
        selection = {
          tagStatus   = "untagged"
          countType   = "sinceImagePushed"
          countUnit   = "days"
          countNumber = 7
        }
        action = { type = "expire" }
      },
      {
        # "any" must be the last rule; it keeps enough tags to roll back several releases.
        rulePriority = 2
        description  = "Keep the ${var.image_retention_count} most recent images"
        selection = {
          tagStatus   = "any"
          countType   = "imageCountMoreThan"
          countNumber = var.image_retention_count
        }
        action = { type = "expire" }
      },
    ]
  })
}
