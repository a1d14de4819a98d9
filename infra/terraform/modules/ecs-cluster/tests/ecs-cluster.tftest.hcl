# Plan-only tests of the ecs-cluster module with a mocked AWS provider.

mock_provider "aws" {}

variables {
  name_prefix = "shop-test-"
}

run "cluster_has_insights_and_both_fargate_providers" {
  command = plan

  assert {
    condition     = aws_ecs_cluster.this.name == "shop-test-cluster"
    error_message = "The cluster must be named <prefix>cluster."
  }

  assert {
    condition     = one([for s in aws_ecs_cluster.this.setting : s.value if s.name == "containerInsights"]) == "enabled"
    error_message = "Container Insights must be on: scaling and alarms read its task counts."
  }

  assert {
    condition     = toset(aws_ecs_cluster_capacity_providers.this.capacity_providers) == toset(["FARGATE", "FARGATE_SPOT"])
    error_message = "The cluster must offer FARGATE and FARGATE_SPOT."
  }

  assert {
    condition     = one(aws_ecs_cluster_capacity_providers.this.default_capacity_provider_strategy).capacity_provider == "FARGATE"
    error_message = "Services that do not choose must run on regular Fargate."
  }
}

run "insights_cannot_be_disabled" {
  command = plan

  variables {
    container_insights = "disabled"
  }

  expect_failures = [var.container_insights]
}
