# The ECS cluster every service runs in. Fargate only: no instances to patch or scale.

resource "aws_ecs_cluster" "this" {
  # checkov:skip=CKV_AWS_224: ECS Exec is disabled on every service, so there are no exec sessions to log or encrypt
  name = "${var.name_prefix}cluster"

  # Publishes ECS/ContainerInsights RunningTaskCount and DesiredTaskCount per service: the backlog-per-task
  # scaling math and the "running below desired" alarms depend on them.
  setting {
    name  = "containerInsights"
    value = var.container_insights
  }

  tags = var.tags
}

# FARGATE for the request path and the queue workers; FARGATE_SPOT (up to 70 % cheaper, stopped with a
# 2-minute warning) is offered for interruptible work: a service mixes it in with its capacity_provider_strategy,
# beside an on-demand FARGATE base, because ECS never moves a task it cannot place on Spot to FARGATE by itself.
resource "aws_ecs_cluster_capacity_providers" "this" {
  cluster_name       = aws_ecs_cluster.this.name
  capacity_providers = ["FARGATE", "FARGATE_SPOT"]

  # Services that do not choose run on regular Fargate.
  default_capacity_provider_strategy {
    capacity_provider = "FARGATE"
    weight            = 1
    base              = 0
  }
}
