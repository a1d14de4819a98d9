output "cluster_name" {
  description = "Name of the ECS cluster."
  value       = aws_ecs_cluster.this.name
  # A service naming FARGATE_SPOT fails to create until the capacity providers are attached.
  depends_on = [aws_ecs_cluster_capacity_providers.this]
}

output "cluster_arn" {
  description = "ARN of the ECS cluster."
  value       = aws_ecs_cluster.this.arn
  depends_on  = [aws_ecs_cluster_capacity_providers.this]
}
