# Plan-only tests of the ecs-service module with a mocked AWS provider (no credentials, no network).

mock_provider "aws" {
  mock_data "aws_region" {
    defaults = {
      name = "eu-west-1"
    }
  }
  mock_data "aws_caller_identity" {
    defaults = {
      account_id = "123456789012"
    }
  }
  mock_data "aws_partition" {
    defaults = {
      partition = "aws"
    }
  }
}

variables {
  name_prefix   = "shop-test-"
  service       = "loyalty"
  cluster_arn   = "arn:aws:ecs:eu-west-1:123456789012:cluster/shop-test-cluster"
  cluster_name  = "shop-test-cluster"
  vpc_id        = "vpc-0123456789abcdef0"
  subnet_ids    = ["subnet-private-a", "subnet-private-b"]
  image         = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop-test-loyalty:1.0.0"
  cpu           = 256
  memory        = 512
  desired_count = 1
  min_capacity  = 1
  max_capacity  = 6
  env_prefix    = "LOYALTY_"
  environment = {
    LOYALTY_ORDER_EVENTS_QUEUE = "shop-test-loyalty-order-events"
  }
  task_policy_json = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Sid\":\"ConsumeQueue\",\"Effect\":\"Allow\",\"Action\":[\"sqs:ReceiveMessage\",\"sqs:DeleteMessage\"],\"Resource\":\"arn:aws:sqs:eu-west-1:123456789012:shop-test-loyalty-order-events\"}]}"
  scaling = {
    mode       = "queue_steps"
    queue_name = "shop-test-loyalty-order-events"
  }
}

run "task_definition_is_hardened" {
  command = plan

  assert {
    condition     = jsondecode(aws_ecs_task_definition.this.container_definitions)[0].readonlyRootFilesystem == true
    error_message = "The container's root filesystem must be read-only."
  }

  assert {
    condition = anytrue([
      for m in jsondecode(aws_ecs_task_definition.this.container_definitions)[0].mountPoints :
      m.containerPath == "/tmp" && m.sourceVolume == "tmp" && !m.readOnly
    ]) && one(aws_ecs_task_definition.this.volume).name == "tmp"
    error_message = "/tmp must be a writable task volume."
  }

  assert {
    condition     = jsondecode(aws_ecs_task_definition.this.container_definitions)[0].stopTimeout == 30
    error_message = "stopTimeout must be 30 s (the services drain for 25 s)."
  }

  assert {
    condition     = !contains(["root", "0", "0:0"], jsondecode(aws_ecs_task_definition.this.container_definitions)[0].user)
    error_message = "The container must not run as root."
  }

  assert {
    condition     = jsondecode(aws_ecs_task_definition.this.container_definitions)[0].logConfiguration.logDriver == "awslogs"
    error_message = "Container logs must go to CloudWatch Logs."
  }

  assert {
    condition     = strcontains(join(" ", jsondecode(aws_ecs_task_definition.this.container_definitions)[0].healthCheck.command), "http://127.0.0.1:8000/health")
    error_message = "The container health check must probe /health on the container port."
  }

  assert {
    condition = (
      contains(jsondecode(aws_ecs_task_definition.this.container_definitions)[0].environment, { name = "LOYALTY_HOST", value = "0.0.0.0" }) &&
      contains(jsondecode(aws_ecs_task_definition.this.container_definitions)[0].environment, { name = "LOYALTY_PORT", value = "8000" }) &&
      contains(jsondecode(aws_ecs_task_definition.this.container_definitions)[0].environment, { name = "LOYALTY_ORDER_EVENTS_QUEUE", value = "shop-test-loyalty-order-events" })
    )
    error_message = "The environment must hold the given variables plus the listen host and port."
  }

  assert {
    condition     = output.environment_variable_names == tolist(["LOYALTY_HOST", "LOYALTY_ORDER_EVENTS_QUEUE", "LOYALTY_PORT"])
    error_message = "environment_variable_names must list the container's variables, sorted."
  }
}

run "service_rolls_back_and_stays_private" {
  command = plan

  assert {
    condition     = aws_ecs_service.this.deployment_circuit_breaker[0].enable && aws_ecs_service.this.deployment_circuit_breaker[0].rollback
    error_message = "The deployment circuit breaker must be on, with rollback."
  }

  assert {
    condition     = aws_ecs_service.this.enable_execute_command == false
    error_message = "ECS Exec must be off."
  }

  assert {
    condition     = aws_ecs_service.this.network_configuration[0].assign_public_ip == false
    error_message = "Tasks must not get public IPs."
  }

  assert {
    condition     = one(aws_ecs_service.this.capacity_provider_strategy).capacity_provider == "FARGATE"
    error_message = "Services run on regular Fargate unless told otherwise."
  }

  assert {
    condition     = length(aws_vpc_security_group_ingress_rule.from_load_balancer) == 0 && output.load_balancer_port == null
    error_message = "A worker without a load balancer must accept no inbound traffic."
  }

  assert {
    condition     = aws_vpc_security_group_egress_rule.https.from_port == 443 && aws_vpc_security_group_egress_rule.https.to_port == 443
    error_message = "Tasks may only call out over HTTPS."
  }
}

run "iam_is_least_privilege" {
  command = plan

  variables {
    secrets = {
      PAYMENT_API_KEY = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:shop-test-payment-events-api-key-AbCdEf:api_key::"
    }
  }

  assert {
    condition     = jsondecode(aws_iam_role_policy.task.policy) == jsondecode(var.task_policy_json)
    error_message = "The task role's policy must be exactly task_policy_json."
  }

  assert {
    condition = alltrue(flatten([
      for st in concat(jsondecode(aws_iam_role_policy.execution.policy).Statement, jsondecode(aws_iam_role_policy.task.policy).Statement) :
      [for a in flatten([st.Action]) : a != "*" && !endswith(a, ":*")]
    ]))
    error_message = "No IAM statement may allow Action \"*\" or a whole service."
  }

  assert {
    condition = alltrue([
      for st in jsondecode(aws_iam_role_policy.execution.policy).Statement :
      flatten([st.Action]) == ["ecr:GetAuthorizationToken"] if contains(flatten([st.Resource]), "*")
    ])
    error_message = "Only ecr:GetAuthorizationToken (no resource-level permission) may use Resource \"*\"."
  }

  assert {
    condition = one([
      for st in jsondecode(aws_iam_role_policy.execution.policy).Statement : st.Resource if st.Sid == "PullServiceImage"
    ]) == ["arn:aws:ecr:eu-west-1:123456789012:repository/shop-test-loyalty"]
    error_message = "Image pulls must be scoped to the image's repository."
  }

  assert {
    condition = one([
      for st in jsondecode(aws_iam_role_policy.execution.policy).Statement : st.Resource if st.Sid == "ReadInjectedSecrets"
    ]) == ["arn:aws:secretsmanager:eu-west-1:123456789012:secret:shop-test-payment-events-api-key-AbCdEf"]
    error_message = "The execution role may read exactly the injected secrets."
  }

  assert {
    condition     = jsondecode(aws_ecs_task_definition.this.container_definitions)[0].secrets == [{ name = "PAYMENT_API_KEY", valueFrom = var.secrets.PAYMENT_API_KEY }]
    error_message = "The secret must be injected by ARN, never as a plain value."
  }

  assert {
    condition     = jsondecode(aws_iam_role.task.assume_role_policy).Statement[0].Principal.Service == "ecs-tasks.amazonaws.com"
    error_message = "Only ECS tasks may assume the task role."
  }
}

run "non_ecr_image_gets_no_ecr_permission" {
  command = plan

  variables {
    image = "public.ecr.aws/docker/library/python:3.13-slim"
  }

  assert {
    condition     = length([for st in jsondecode(aws_iam_role_policy.execution.policy).Statement : st if startswith(st.Sid, "PullServiceImage") || st.Sid == "LogInToEcr"]) == 0
    error_message = "An image outside this account's ECR needs no ECR permission."
  }

  assert {
    condition     = !contains(keys(jsondecode(aws_ecs_task_definition.this.container_definitions)[0]), "secrets")
    error_message = "No secrets key without secrets (ECS would drop it and Terraform plan a change forever)."
  }
}

run "queue_steps_scaling" {
  command = plan

  assert {
    condition     = length(aws_appautoscaling_policy.queue_scale_out) == 1 && length(aws_appautoscaling_policy.queue_scale_in) == 1
    error_message = "queue_steps needs a scale-out and a scale-in step policy."
  }

  assert {
    condition = (
      length(aws_appautoscaling_policy.alb_requests) + length(aws_appautoscaling_policy.cpu) +
      length(aws_appautoscaling_policy.backlog_per_task) + length(aws_appautoscaling_scheduled_action.scale_up) == 0
    )
    error_message = "queue_steps must create no policy of another mode."
  }

  assert {
    condition = toset([
      for s in aws_appautoscaling_policy.queue_scale_out[0].step_scaling_policy_configuration[0].step_adjustment :
      "${aws_cloudwatch_metric_alarm.queue_backlog[0].threshold + tonumber(s.metric_interval_lower_bound)}:${s.scaling_adjustment}"
    ]) == toset(["5:1", "15:2"])
    error_message = "Scale out by 1 task at >= 5 visible messages and by 2 at >= 15."
  }

  assert {
    condition = (
      aws_cloudwatch_metric_alarm.queue_backlog[0].metric_name == "ApproximateNumberOfMessagesVisible" &&
      aws_cloudwatch_metric_alarm.queue_backlog[0].comparison_operator == "GreaterThanOrEqualToThreshold" &&
      aws_cloudwatch_metric_alarm.queue_backlog[0].dimensions.QueueName == "shop-test-loyalty-order-events"
    )
    error_message = "The scale-out alarm must watch the queue's visible messages."
  }

  assert {
    condition = (
      aws_appautoscaling_policy.queue_scale_out[0].step_scaling_policy_configuration[0].cooldown == 300 &&
      aws_appautoscaling_policy.queue_scale_in[0].step_scaling_policy_configuration[0].cooldown == 300
    )
    error_message = "Both step policies must cool down for 300 s."
  }

  assert {
    condition = (
      aws_cloudwatch_metric_alarm.queue_empty[0].threshold == 0 &&
      aws_cloudwatch_metric_alarm.queue_empty[0].comparison_operator == "LessThanOrEqualToThreshold" &&
      one(aws_appautoscaling_policy.queue_scale_in[0].step_scaling_policy_configuration[0].step_adjustment).scaling_adjustment == -1
    )
    error_message = "An empty queue (0 visible) must remove a task."
  }

  assert {
    condition     = aws_appautoscaling_target.this[0].min_capacity == 1 && aws_appautoscaling_target.this[0].max_capacity == 6
    error_message = "The scalable target must use min_capacity and max_capacity."
  }
}

run "backlog_per_task_scaling" {
  command = plan

  variables {
    scaling = {
      mode                       = "backlog_per_task"
      queue_name                 = "shop-test-notifications-events"
      acceptable_latency_seconds = 60
      processing_seconds         = 0.5
    }
  }

  assert {
    condition     = length(aws_appautoscaling_policy.backlog_per_task) == 1 && length(aws_appautoscaling_policy.queue_scale_out) + length(aws_appautoscaling_policy.cpu) + length(aws_appautoscaling_policy.alb_requests) == 0
    error_message = "backlog_per_task must create exactly its own target tracking policy."
  }

  assert {
    condition     = aws_appautoscaling_policy.backlog_per_task[0].target_tracking_scaling_policy_configuration[0].target_value == 120
    error_message = "The target must be acceptable_latency_seconds / processing_seconds (60 / 0.5 = 120)."
  }

  assert {
    condition = one([
      for m in aws_appautoscaling_policy.backlog_per_task[0].target_tracking_scaling_policy_configuration[0].customized_metric_specification[0].metrics :
      m.expression if m.return_data
    ]) == "IF(running > 0, visible / running, visible)"
    error_message = "The backlog per task must be guarded against division by zero running tasks."
  }

  assert {
    condition = toset([
      for m in aws_appautoscaling_policy.backlog_per_task[0].target_tracking_scaling_policy_configuration[0].customized_metric_specification[0].metrics :
      "${m.id}=${m.metric_stat[0].metric[0].namespace}/${m.metric_stat[0].metric[0].metric_name}" if !m.return_data
    ]) == toset(["visible=AWS/SQS/ApproximateNumberOfMessagesVisible", "running=ECS/ContainerInsights/RunningTaskCount"])
    error_message = "The math must divide the queue's visible messages by the service's running tasks."
  }
}

run "alb_requests_scaling_behind_a_load_balancer" {
  command = plan

  variables {
    service    = "order"
    env_prefix = "ORDER_"
    load_balancer = {
      target_group_arn  = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/shop-test-order/0123456789abcdef"
      security_group_id = "sg-0123456789abcdef0"
    }
    scaling = {
      mode               = "alb_requests"
      target_value       = 200
      alb_resource_label = "app/shop-test-alb/0123456789abcdef/targetgroup/shop-test-order/0123456789abcdef"
    }
  }

  assert {
    condition     = one(aws_appautoscaling_policy.alb_requests[0].target_tracking_scaling_policy_configuration[0].predefined_metric_specification).predefined_metric_type == "ALBRequestCountPerTarget"
    error_message = "alb_requests must track ALBRequestCountPerTarget."
  }

  assert {
    condition     = length(aws_vpc_security_group_ingress_rule.from_load_balancer) == 1 && aws_vpc_security_group_ingress_rule.from_load_balancer[0].referenced_security_group_id == "sg-0123456789abcdef0"
    error_message = "Only the load balancer's security group may reach the tasks."
  }

  assert {
    condition     = one(aws_ecs_service.this.load_balancer).container_name == "order" && one(aws_ecs_service.this.load_balancer).container_port == 8000
    error_message = "The service must register its container port in the target group."
  }

  assert {
    condition     = output.load_balancer_port == 8000
    error_message = "load_balancer_port must report the container port admitted from the load balancer."
  }
}

run "cpu_scaling" {
  command = plan

  variables {
    scaling = {
      mode         = "cpu"
      target_value = 60
    }
  }

  assert {
    condition     = length(aws_appautoscaling_policy.cpu) == 1 && length(aws_appautoscaling_policy.queue_scale_out) == 0
    error_message = "cpu must create exactly its target tracking policy."
  }
}

run "scheduled_scaling_on_spot" {
  command = plan

  variables {
    service           = "batch-worker"
    capacity_provider = "FARGATE_SPOT"
    min_capacity      = 0
    max_capacity      = 8
    scaling = {
      mode                     = "scheduled"
      schedule_scale_up_cron   = "cron(55 2 1 * ? *)"
      schedule_scale_down_cron = "cron(0 9 1 * ? *)"
    }
  }

  assert {
    condition = (
      aws_appautoscaling_scheduled_action.scale_up[0].scalable_target_action[0].min_capacity == "8" &&
      aws_appautoscaling_scheduled_action.scale_down[0].scalable_target_action[0].max_capacity == "0"
    )
    error_message = "The window must raise the pool to max_capacity and lower it to min_capacity afterwards."
  }

  assert {
    condition     = length(aws_appautoscaling_target.scheduled) == 1 && length(aws_appautoscaling_target.this) == 0
    error_message = "Scheduled scaling uses the target whose min/max the schedule owns."
  }

  assert {
    condition     = one(aws_ecs_service.this.capacity_provider_strategy).capacity_provider == "FARGATE_SPOT"
    error_message = "The batch pool may run on Fargate Spot."
  }
}

run "queue_modes_need_a_queue" {
  command = plan

  variables {
    scaling = {
      mode = "queue_steps"
    }
  }

  expect_failures = [var.scaling]
}

run "rejects_a_task_policy_that_is_not_json" {
  command = plan

  variables {
    task_policy_json = "not json"
  }

  expect_failures = [var.task_policy_json]
}
