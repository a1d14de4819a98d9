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
  deployment_environment = "test"
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
    condition = output.environment_variable_names == tolist([
      "LOYALTY_HOST", "LOYALTY_ORDER_EVENTS_QUEUE", "LOYALTY_PORT",
      "OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_RESOURCE_ATTRIBUTES", "OTEL_TRACES_EXPORTER", "OTEL_TRACES_SAMPLER", "OTEL_TRACES_SAMPLER_ARG",
    ])
    error_message = "environment_variable_names must list the container's variables (the tracing ones included), sorted."
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
    condition = (
      one(aws_ecs_service.this.capacity_provider_strategy).capacity_provider == "FARGATE" &&
      one(aws_ecs_service.this.capacity_provider_strategy).base == 0 &&
      one(aws_ecs_service.this.capacity_provider_strategy).weight == 1
    )
    error_message = "Services run on regular Fargate unless told otherwise."
  }

  assert {
    condition     = length(aws_ecs_service.this.alarms) == 0 && output.deployment_alarm_names == []
    error_message = "A worker without a load balancer or dead-letter queue has no deployment alarm (the circuit breaker still rolls back)."
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
      aws_appautoscaling_policy.queue_scale_out[0].step_scaling_policy_configuration[0].cooldown == 60 &&
      aws_appautoscaling_policy.queue_scale_in[0].step_scaling_policy_configuration[0].cooldown == 300
    )
    error_message = "The scale-out step policy cools down for 60 s, the scale-in one for 300 s."
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
    ]) == "visible / FILL(running, 1)"
    error_message = "The backlog per task must be visible / FILL(running, 1): a minute without running tasks counts as one task."
  }

  assert {
    condition = (
      aws_appautoscaling_policy.backlog_per_task[0].target_tracking_scaling_policy_configuration[0].scale_out_cooldown == 60 &&
      aws_appautoscaling_policy.backlog_per_task[0].target_tracking_scaling_policy_configuration[0].scale_in_cooldown == 300
    )
    error_message = "Target tracking on the backlog scales out after 60 s and in after 300 s."
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
      target_group_arn         = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/shop-test-order/0123456789abcdef"
      security_group_id        = "sg-0123456789abcdef0"
      target_group_arn_suffix  = "targetgroup/shop-test-order/0123456789abcdef"
      load_balancer_arn_suffix = "app/shop-test-alb/0123456789abcdef"
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

  assert {
    condition = (
      aws_appautoscaling_policy.alb_requests[0].target_tracking_scaling_policy_configuration[0].scale_out_cooldown == 60 &&
      aws_appautoscaling_policy.alb_requests[0].target_tracking_scaling_policy_configuration[0].scale_in_cooldown == 300
    )
    error_message = "Request-count tracking scales out after 60 s and in after 300 s."
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

  assert {
    condition = (
      aws_appautoscaling_policy.cpu[0].target_tracking_scaling_policy_configuration[0].scale_out_cooldown == 60 &&
      aws_appautoscaling_policy.cpu[0].target_tracking_scaling_policy_configuration[0].scale_in_cooldown == 300
    )
    error_message = "CPU tracking scales out after 60 s and in after 300 s."
  }
}

run "scheduled_scaling_on_spot_with_an_on_demand_base" {
  command = plan

  variables {
    service = "batch-worker"
    capacity_provider_strategy = [
      { capacity_provider = "FARGATE", base = 1, weight = 0 },
      { capacity_provider = "FARGATE_SPOT", weight = 1 },
    ]
    min_capacity = 0
    max_capacity = 8
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
    condition = toset([
      for entry in aws_ecs_service.this.capacity_provider_strategy : "${entry.capacity_provider}:${entry.base}:${entry.weight}"
    ]) == toset(["FARGATE:1:0", "FARGATE_SPOT:0:1"])
    error_message = "The batch pool runs its first task on regular Fargate (base 1) and every further one on Fargate Spot."
  }

  assert {
    condition     = aws_ecs_service.this.force_new_deployment == true
    error_message = "A changed strategy must update the service in place (force_new_deployment), never replace it."
  }

  assert {
    condition     = output.capacity_provider_strategy == var.capacity_provider_strategy
    error_message = "capacity_provider_strategy must report the strategy the service runs with."
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

# Tracing (on by default): the ADOT collector sidecar, the app's OTEL_* variables, the task role's X-Ray statement.
run "a_collector_sidecar_sends_the_spans_to_xray" {
  command = plan

  assert {
    condition     = [for c in jsondecode(aws_ecs_task_definition.this.container_definitions) : c.name] == ["loyalty", "aws-otel-collector"] && output.container_names == ["loyalty", "aws-otel-collector"]
    error_message = "The task must run the app and, after it, the aws-otel-collector sidecar."
  }

  assert {
    condition = (
      jsondecode(aws_ecs_task_definition.this.container_definitions)[1].essential == false &&
      jsondecode(aws_ecs_task_definition.this.container_definitions)[1].image == "public.ecr.aws/aws-observability/aws-otel-collector:v0.49.0"
    )
    error_message = "The sidecar is not essential (a collector crash must not stop the shop) and runs the pinned ADOT image."
  }

  assert {
    condition = (
      jsondecode(aws_ecs_task_definition.this.container_definitions)[1].readonlyRootFilesystem == true &&
      jsondecode(aws_ecs_task_definition.this.container_definitions)[1].user == "4317:4317" &&
      jsondecode(aws_ecs_task_definition.this.container_definitions)[1].linuxParameters.capabilities.drop == ["ALL"] &&
      jsondecode(aws_ecs_task_definition.this.container_definitions)[1].cpu <= 128 &&
      jsondecode(aws_ecs_task_definition.this.container_definitions)[1].memoryReservation <= 256
    )
    error_message = "The sidecar runs read-only, non-root, without capabilities, with a small cpu and memory reservation."
  }

  assert {
    condition = (
      jsondecode(aws_ecs_task_definition.this.container_definitions)[1].logConfiguration == jsondecode(aws_ecs_task_definition.this.container_definitions)[0].logConfiguration &&
      jsondecode(aws_ecs_task_definition.this.container_definitions)[1].logConfiguration.options.awslogs-group == "/ecs/shop-test-loyalty"
    )
    error_message = "The sidecar logs like the app: same log group, stream prefix and non-blocking mode."
  }

  # The form DescribeTaskDefinition returns: no nulls, the lists ECS always fills given (empty), so a second plan is empty.
  assert {
    condition = (
      !strcontains(aws_ecs_task_definition.this.container_definitions, ":null") &&
      jsondecode(aws_ecs_task_definition.this.container_definitions)[1].mountPoints == [] &&
      jsondecode(aws_ecs_task_definition.this.container_definitions)[1].volumesFrom == [] &&
      jsondecode(aws_ecs_task_definition.this.container_definitions)[1].portMappings == []
    )
    error_message = "Container definitions must hold no null, and the sidecar's mountPoints, volumesFrom and portMappings must be [] as ECS returns them."
  }

  assert {
    condition     = jsondecode(aws_ecs_task_definition.this.container_definitions)[0].dependsOn == [{ containerName = "aws-otel-collector", condition = "START" }]
    error_message = "The app must start after the collector (condition START)."
  }

  assert {
    condition = alltrue([
      for variable in [
        { name = "OTEL_TRACES_EXPORTER", value = "otlp" },
        { name = "OTEL_EXPORTER_OTLP_ENDPOINT", value = "http://127.0.0.1:4318" },
        { name = "OTEL_TRACES_SAMPLER", value = "parentbased_traceidratio" },
        { name = "OTEL_TRACES_SAMPLER_ARG", value = "0.05" },
        { name = "OTEL_RESOURCE_ATTRIBUTES", value = "deployment.environment=test" },
      ] : contains(jsondecode(aws_ecs_task_definition.this.container_definitions)[0].environment, variable)
    ])
    error_message = "The app must export OTLP to the sidecar on loopback, sampling parent-based at trace_sampling_ratio, tagged with the environment."
  }

  assert {
    condition = (
      tolist([for e in jsondecode(aws_ecs_task_definition.this.container_definitions)[0].environment : e.name]) ==
      sort([for e in jsondecode(aws_ecs_task_definition.this.container_definitions)[0].environment : e.name])
    )
    error_message = "The app's environment stays sorted by name (as ECS returns it)."
  }

  assert {
    condition = (
      [for e in jsondecode(aws_ecs_task_definition.this.container_definitions)[1].environment : e.name] == ["AOT_CONFIG_CONTENT"] &&
      jsondecode(aws_ecs_task_definition.this.container_definitions)[1].healthCheck.command == ["CMD", "/healthcheck"]
    )
    error_message = "The sidecar gets its configuration inline (AOT_CONFIG_CONTENT) and is checked by the image's /healthcheck."
  }
}

run "the_collector_configuration_listens_on_loopback_and_exports_to_xray" {
  command = plan

  assert {
    condition     = yamldecode(one([for e in jsondecode(aws_ecs_task_definition.this.container_definitions)[1].environment : e.value if e.name == "AOT_CONFIG_CONTENT"])).receivers == { otlp = { protocols = { http = { endpoint = "127.0.0.1:4318" } } } }
    error_message = "The collector must receive OTLP/HTTP on 127.0.0.1:4318 only (no gRPC)."
  }

  # The whole configuration as text: a listener added later (a gRPC receiver, zpages, ...) is caught too.
  assert {
    condition = length(regexall("endpoint", one([for e in jsondecode(aws_ecs_task_definition.this.container_definitions)[1].environment : e.value if e.name == "AOT_CONFIG_CONTENT"]))) == 2 && alltrue([
      for endpoint in regexall("endpoint\"?: \"?([^\"\n]+)", one([for e in jsondecode(aws_ecs_task_definition.this.container_definitions)[1].environment : e.value if e.name == "AOT_CONFIG_CONTENT"])) :
      startswith(endpoint[0], "127.0.0.1:")
    ])
    error_message = "The collector has two endpoints (OTLP/HTTP receiver, health check), both on 127.0.0.1."
  }

  assert {
    condition = (
      yamldecode(one([for e in jsondecode(aws_ecs_task_definition.this.container_definitions)[1].environment : e.value if e.name == "AOT_CONFIG_CONTENT"])).exporters.awsxray.region == "eu-west-1" &&
      contains(yamldecode(one([for e in jsondecode(aws_ecs_task_definition.this.container_definitions)[1].environment : e.value if e.name == "AOT_CONFIG_CONTENT"])).exporters.awsxray.indexed_attributes, "shop_order_id")
    )
    error_message = "The awsxray exporter must send to the task's region and index shop_order_id (traces searchable by order)."
  }

  assert {
    condition = contains(
      yamldecode(one([for e in jsondecode(aws_ecs_task_definition.this.container_definitions)[1].environment : e.value if e.name == "AOT_CONFIG_CONTENT"])).processors["attributes/xray_annotations"].actions,
      { key = "shop_order_id", from_attribute = "shop.order_id", action = "insert" }
    )
    error_message = "The span attribute shop.order_id must be copied to the annotation key shop_order_id."
  }

  assert {
    condition = yamldecode(one([for e in jsondecode(aws_ecs_task_definition.this.container_definitions)[1].environment : e.value if e.name == "AOT_CONFIG_CONTENT"])).service.pipelines == {
      traces = { receivers = ["otlp"], processors = ["memory_limiter", "attributes/xray_annotations", "batch"], exporters = ["awsxray"] }
    }
    error_message = "One traces pipeline: otlp -> memory_limiter (first) -> annotations -> batch (last) -> awsxray."
  }

  assert {
    condition     = yamldecode(one([for e in jsondecode(aws_ecs_task_definition.this.container_definitions)[1].environment : e.value if e.name == "AOT_CONFIG_CONTENT"])).service.extensions == ["health_check"]
    error_message = "The health_check extension must run: the container health check asks it."
  }
}

run "the_task_role_may_write_traces_and_nothing_more" {
  command = plan

  assert {
    condition = jsondecode(aws_iam_role_policy.tracing[0].policy).Statement == [{
      Sid      = "WriteTraces"
      Effect   = "Allow"
      Action   = ["xray:GetSamplingRules", "xray:GetSamplingStatisticSummaries", "xray:GetSamplingTargets", "xray:PutTelemetryRecords", "xray:PutTraceSegments"]
      Resource = ["*"]
    }]
    error_message = "The tracing policy must allow exactly the five X-Ray write and sampling actions (on *, the only resource they take)."
  }

  assert {
    condition     = aws_iam_role_policy.tracing[0].name == "xray-write" && jsondecode(aws_iam_role_policy.task.policy) == jsondecode(var.task_policy_json)
    error_message = "Tracing gets a policy of its own on the task role; the application's policy stays exactly task_policy_json."
  }
}

run "tracing_switched_off_leaves_no_trace" {
  command = plan

  variables {
    tracing_enabled        = false
    deployment_environment = null
  }

  assert {
    condition     = length(jsondecode(aws_ecs_task_definition.this.container_definitions)) == 1 && output.container_names == ["loyalty"]
    error_message = "Without tracing the task runs the app alone."
  }

  assert {
    condition     = length([for name in output.environment_variable_names : name if startswith(name, "OTEL_")]) == 0 && length(output.tracing_environment) == 0
    error_message = "Without tracing the app gets no OTEL_* variable."
  }

  assert {
    condition     = !contains(keys(jsondecode(aws_ecs_task_definition.this.container_definitions)[0]), "dependsOn")
    error_message = "Without the sidecar the app depends on nothing (and no empty dependsOn, which ECS would drop)."
  }

  assert {
    condition     = length(aws_iam_role_policy.tracing) == 0
    error_message = "Without tracing the task role gets no X-Ray permission."
  }
}

run "the_sampling_ratio_is_configurable" {
  command = plan

  variables {
    trace_sampling_ratio = 1
  }

  assert {
    condition     = output.tracing_environment.OTEL_TRACES_SAMPLER_ARG == "1"
    error_message = "trace_sampling_ratio must reach OTEL_TRACES_SAMPLER_ARG."
  }
}

run "a_sampling_ratio_above_one_is_refused" {
  command = plan

  variables {
    trace_sampling_ratio = 1.5
  }

  expect_failures = [var.trace_sampling_ratio]
}

run "a_negative_sampling_ratio_is_refused" {
  command = plan

  variables {
    trace_sampling_ratio = -0.1
  }

  expect_failures = [var.trace_sampling_ratio]
}

run "tracing_needs_the_environment_name" {
  command = plan

  variables {
    deployment_environment = null
  }

  expect_failures = [var.deployment_environment]
}

run "a_moving_collector_tag_is_refused" {
  command = plan

  variables {
    collector_image = "public.ecr.aws/aws-observability/aws-otel-collector:latest"
  }

  expect_failures = [var.collector_image]
}

# Issue 17 item 10: a second plan after apply is empty only if the definitions are already in the form ECS returns.
run "container_definitions_are_in_the_form_ecs_returns" {
  command = plan

  # The whole app container, exactly: every default ECS fills in is stated, the environment is sorted by name.
  assert {
    condition = jsondecode(aws_ecs_task_definition.this.container_definitions)[0] == {
      name                   = "loyalty"
      image                  = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop-test-loyalty:1.0.0"
      essential              = true
      cpu                    = 0
      user                   = "10001:10001"
      readonlyRootFilesystem = true
      mountPoints            = [{ sourceVolume = "tmp", containerPath = "/tmp", readOnly = false }]
      volumesFrom            = []
      systemControls         = []
      linuxParameters        = { initProcessEnabled = true, capabilities = { drop = ["ALL"] } }
      portMappings           = [{ name = "http", containerPort = 8000, hostPort = 8000, protocol = "tcp" }]
      environment = [
        { name = "LOYALTY_HOST", value = "0.0.0.0" },
        { name = "LOYALTY_ORDER_EVENTS_QUEUE", value = "shop-test-loyalty-order-events" },
        { name = "LOYALTY_PORT", value = "8000" },
        { name = "OTEL_EXPORTER_OTLP_ENDPOINT", value = "http://127.0.0.1:4318" },
        { name = "OTEL_RESOURCE_ATTRIBUTES", value = "deployment.environment=test" },
        { name = "OTEL_TRACES_EXPORTER", value = "otlp" },
        { name = "OTEL_TRACES_SAMPLER", value = "parentbased_traceidratio" },
        { name = "OTEL_TRACES_SAMPLER_ARG", value = "0.05" },
      ]
      stopTimeout = 30
      healthCheck = {
        command     = ["CMD", "python", "-c", "import urllib.request as u; u.urlopen('http://127.0.0.1:8000/health', timeout=4)"]
        interval    = 15
        timeout     = 5
        retries     = 3
        startPeriod = 30
      }
      logConfiguration = {
        logDriver = "awslogs"
        options = {
          "awslogs-group"         = "/ecs/shop-test-loyalty"
          "awslogs-region"        = "eu-west-1"
          "awslogs-stream-prefix" = "ecs"
          "mode"                  = "non-blocking"
          "max-buffer-size"       = "25m"
        }
      }
      dependsOn = [{ containerName = "aws-otel-collector", condition = "START" }]
    }
    error_message = "The app container must be exactly in the normal form DescribeTaskDefinition returns."
  }

  # The collector likewise (its one variable, the configuration, is checked by the runs above).
  assert {
    condition = { for key, value in jsondecode(aws_ecs_task_definition.this.container_definitions)[1] : key => value if key != "environment" } == {
      name                   = "aws-otel-collector"
      image                  = "public.ecr.aws/aws-observability/aws-otel-collector:v0.49.0"
      essential              = false
      cpu                    = 64
      memoryReservation      = 128
      user                   = "4317:4317"
      readonlyRootFilesystem = true
      mountPoints            = []
      volumesFrom            = []
      systemControls         = []
      portMappings           = []
      linuxParameters        = { capabilities = { drop = ["ALL"] } }
      healthCheck            = { command = ["CMD", "/healthcheck"], interval = 15, timeout = 5, retries = 3, startPeriod = 10 }
      logConfiguration       = jsondecode(aws_ecs_task_definition.this.container_definitions)[0].logConfiguration
    }
    error_message = "The collector container must be exactly in the normal form DescribeTaskDefinition returns."
  }

  # The rules themselves, for every container (one added later included).
  assert {
    condition = alltrue([
      for container in jsondecode(aws_ecs_task_definition.this.container_definitions) :
      length(setsubtract(["essential", "cpu", "mountPoints", "volumesFrom", "systemControls", "portMappings", "environment"], keys(container))) == 0 &&
      length(setsubtract(["interval", "timeout", "retries", "startPeriod"], keys(container.healthCheck))) == 0 &&
      alltrue([for mapping in container.portMappings : mapping.hostPort == mapping.containerPort && mapping.protocol == "tcp"]) &&
      tolist([for variable in container.environment : variable.name]) == sort([for variable in container.environment : variable.name]) &&
      alltrue([for variable in container.environment : variable.value == tostring(variable.value) && variable.value != ""])
    ])
    error_message = "Every container states essential, cpu, the empty lists and all health check timings, maps hostPort = containerPort over tcp, and has its environment sorted by name with non-empty string values."
  }

  assert {
    condition     = !strcontains(aws_ecs_task_definition.this.container_definitions, ":null")
    error_message = "The container definitions must hold no null (ECS returns none)."
  }

  assert {
    condition     = one(aws_ecs_task_definition.this.volume).configure_at_launch == false && one(aws_ecs_task_definition.this.volume).host_path == null
    error_message = "The /tmp volume is a plain task bind mount with configure_at_launch = false, as ECS returns it."
  }
}

run "an_empty_environment_value_is_refused" {
  command = plan

  variables {
    environment = { LOYALTY_OPTIONAL_SETTING = "" }
  }

  expect_failures = [var.environment]
}

run "a_strategy_with_an_unknown_provider_is_refused" {
  command = plan

  variables {
    capacity_provider_strategy = [{ capacity_provider = "EC2" }]
  }

  expect_failures = [var.capacity_provider_strategy]
}

run "a_strategy_naming_a_provider_twice_is_refused" {
  command = plan

  variables {
    capacity_provider_strategy = [{ capacity_provider = "FARGATE" }, { capacity_provider = "FARGATE", base = 1 }]
  }

  expect_failures = [var.capacity_provider_strategy]
}

run "a_strategy_with_two_bases_is_refused" {
  command = plan

  variables {
    capacity_provider_strategy = [{ capacity_provider = "FARGATE", base = 1 }, { capacity_provider = "FARGATE_SPOT", base = 1 }]
  }

  expect_failures = [var.capacity_provider_strategy]
}

run "a_strategy_without_weight_is_refused" {
  command = plan

  variables {
    capacity_provider_strategy = [{ capacity_provider = "FARGATE", base = 1, weight = 0 }]
  }

  expect_failures = [var.capacity_provider_strategy]
}

# Issue 17 item 8: ECS deployment alarms with rollback, on the service's own symptoms.
run "an_http_service_rolls_back_on_its_target_groups_5xx_and_unhealthy_targets" {
  command = plan

  variables {
    service    = "order"
    env_prefix = "ORDER_"
    load_balancer = {
      target_group_arn         = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/shop-test-order/0123456789abcdef"
      security_group_id        = "sg-0123456789abcdef0"
      target_group_arn_suffix  = "targetgroup/shop-test-order/0123456789abcdef"
      load_balancer_arn_suffix = "app/shop-test-alb/0123456789abcdef"
    }
    scaling = { mode = "cpu", target_value = 60 }
  }

  assert {
    condition = (
      one(aws_ecs_service.this.alarms).enable && one(aws_ecs_service.this.alarms).rollback &&
      one(aws_ecs_service.this.alarms).alarm_names == toset(["shop-test-order-deployment-target-5xx", "shop-test-order-deployment-unhealthy-targets"]) &&
      toset(output.deployment_alarm_names) == one(aws_ecs_service.this.alarms).alarm_names
    )
    error_message = "ECS must roll a deployment back while the service's 5xx or unhealthy-target alarm is in ALARM."
  }

  assert {
    condition = (
      aws_cloudwatch_metric_alarm.deployment_target_5xx[0].namespace == "AWS/ApplicationELB" &&
      aws_cloudwatch_metric_alarm.deployment_target_5xx[0].metric_name == "HTTPCode_Target_5XX_Count" &&
      aws_cloudwatch_metric_alarm.deployment_target_5xx[0].statistic == "Sum" &&
      aws_cloudwatch_metric_alarm.deployment_target_5xx[0].threshold == 5 &&
      aws_cloudwatch_metric_alarm.deployment_target_5xx[0].evaluation_periods == 2 &&
      aws_cloudwatch_metric_alarm.deployment_target_5xx[0].dimensions == tomap({
        TargetGroup  = "targetgroup/shop-test-order/0123456789abcdef"
        LoadBalancer = "app/shop-test-alb/0123456789abcdef"
      })
    )
    error_message = "The 5xx alarm counts the service's own target group's 5xx: 5 a minute for 2 minutes."
  }

  assert {
    condition = (
      aws_cloudwatch_metric_alarm.deployment_unhealthy_targets[0].metric_name == "UnHealthyHostCount" &&
      aws_cloudwatch_metric_alarm.deployment_unhealthy_targets[0].statistic == "Maximum" &&
      aws_cloudwatch_metric_alarm.deployment_unhealthy_targets[0].threshold == 1 &&
      aws_cloudwatch_metric_alarm.deployment_unhealthy_targets[0].comparison_operator == "GreaterThanOrEqualToThreshold" &&
      aws_cloudwatch_metric_alarm.deployment_unhealthy_targets[0].dimensions.TargetGroup == "targetgroup/shop-test-order/0123456789abcdef"
    )
    error_message = "The unhealthy-target alarm fires on any unhealthy target of the service's target group."
  }

  assert {
    condition = alltrue([
      for alarm in concat(aws_cloudwatch_metric_alarm.deployment_target_5xx, aws_cloudwatch_metric_alarm.deployment_unhealthy_targets) :
      alarm.treat_missing_data == "notBreaching" && try(length(alarm.alarm_actions), 0) == 0
    ])
    error_message = "Deployment alarms treat missing data as fine and notify nobody (ECS acts on them)."
  }

  assert {
    condition     = aws_ecs_service.this.deployment_circuit_breaker[0].enable && aws_ecs_service.this.deployment_circuit_breaker[0].rollback
    error_message = "The circuit breaker stays on beside the alarms."
  }
}

run "a_queue_worker_rolls_back_when_a_message_is_dead_lettered" {
  command = plan

  variables {
    deployment_alarm_dlq_names = ["shop-test-loyalty-order-events-dlq"]
  }

  assert {
    condition = (
      one(aws_ecs_service.this.alarms).enable && one(aws_ecs_service.this.alarms).rollback &&
      one(aws_ecs_service.this.alarms).alarm_names == toset(["shop-test-loyalty-deployment-dead-letters-shop-test-loyalty-order-events-dlq"])
    )
    error_message = "ECS must roll a deployment back while the service's dead-letter alarm is in ALARM."
  }

  assert {
    condition = (
      one([for query in aws_cloudwatch_metric_alarm.deployment_dead_letters["shop-test-loyalty-order-events-dlq"].metric_query : query.expression if query.return_data]) == "DIFF(visible)" &&
      one(flatten([
        for query in aws_cloudwatch_metric_alarm.deployment_dead_letters["shop-test-loyalty-order-events-dlq"].metric_query :
        [for metric in query.metric : "${metric.namespace}/${metric.metric_name}/${metric.stat}/${metric.dimensions.QueueName}"] if query.id == "visible"
      ])) == "AWS/SQS/ApproximateNumberOfMessagesVisible/Maximum/shop-test-loyalty-order-events-dlq"
    )
    error_message = "The dead-letter alarm watches the rise (DIFF) of the DLQ's visible messages, not the count an old incident left."
  }

  assert {
    condition = (
      aws_cloudwatch_metric_alarm.deployment_dead_letters["shop-test-loyalty-order-events-dlq"].comparison_operator == "GreaterThanThreshold" &&
      aws_cloudwatch_metric_alarm.deployment_dead_letters["shop-test-loyalty-order-events-dlq"].threshold == 0 &&
      aws_cloudwatch_metric_alarm.deployment_dead_letters["shop-test-loyalty-order-events-dlq"].evaluation_periods == 2 &&
      aws_cloudwatch_metric_alarm.deployment_dead_letters["shop-test-loyalty-order-events-dlq"].datapoints_to_alarm == 1
    )
    error_message = "One message moved into the DLQ within the last two minutes is enough."
  }
}
