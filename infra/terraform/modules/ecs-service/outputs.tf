output "service_name" {
  description = "Name of the ECS service (the ServiceName dimension of ECS/ContainerInsights metrics)."
  value       = aws_ecs_service.this.name
}

output "task_definition_arn" {
  description = "ARN (with revision) of the task definition the service runs."
  value       = aws_ecs_task_definition.this.arn
}

output "task_role_arn" {
  description = "ARN of the task role (what the application may call)."
  value       = aws_iam_role.task.arn
}

output "execution_role_arn" {
  description = "ARN of the execution role (what ECS uses to start the task)."
  value       = aws_iam_role.execution.arn
}

output "security_group_id" {
  description = "Security group of the service's tasks."
  value       = aws_security_group.this.id
}

output "log_group_name" {
  description = "CloudWatch log group of the container's stdout/stderr."
  value       = aws_cloudwatch_log_group.this.name
}

output "autoscaling_policy_arns" {
  description = "ARNs of the autoscaling policies of the chosen scaling.mode (empty for scheduled, which uses scheduled actions)."
  value = concat(
    aws_appautoscaling_policy.alb_requests[*].arn,
    aws_appautoscaling_policy.cpu[*].arn,
    aws_appautoscaling_policy.queue_scale_out[*].arn,
    aws_appautoscaling_policy.queue_scale_in[*].arn,
    aws_appautoscaling_policy.backlog_per_task[*].arn,
  )
}

output "scaling_rules" {
  description = "How many autoscaling policies and scheduled actions scale this service (known at plan: tests check every service has some)."
  value = (
    length(aws_appautoscaling_policy.alb_requests) + length(aws_appautoscaling_policy.cpu)
    + length(aws_appautoscaling_policy.queue_scale_out) + length(aws_appautoscaling_policy.queue_scale_in)
    + length(aws_appautoscaling_policy.backlog_per_task)
    + length(aws_appautoscaling_scheduled_action.scale_up) + length(aws_appautoscaling_scheduled_action.scale_down)
  )
}

output "load_balancer_port" {
  description = "The container port the tasks' security group admits from the load balancer's group; null for a service without load_balancer."
  value       = one(aws_vpc_security_group_ingress_rule.from_load_balancer[*].to_port)
}

output "environment_variable_names" {
  description = "Names of the container's plain environment variables (known at plan even where values are not)."
  value       = sort(keys(local.environment))
}

output "container_names" {
  description = "Names of the task definition's containers, the app first (then aws-otel-collector while tracing_enabled)."
  value       = [for container in local.container_definitions : container.name]
}

output "tracing_environment" {
  description = "The OTEL_* variables given to the app container (empty without tracing): exporter, endpoint, sampler and its ratio."
  value       = local.tracing_environment
}

output "capacity_provider_strategy" {
  description = "The service's capacity provider strategy: list of { capacity_provider, base, weight }."
  value       = var.capacity_provider_strategy
}

output "deployment_alarm_names" {
  description = "The alarms that roll a deployment of this service back (ECS deployment alarms): its target group's 5xx and unhealthy targets behind a load balancer, a message moved into one of deployment_alarm_dlq_names. Empty: only the deployment circuit breaker."
  value       = local.deployment_alarm_names
}
