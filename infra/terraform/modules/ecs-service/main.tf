# One ECS Fargate service: task definition, IAM roles, security group, logs and autoscaling.

data "aws_region" "current" {}

data "aws_partition" "current" {}

locals {
  name       = "${var.name_prefix}${var.service}"
  region     = data.aws_region.current.name
  account_id = split(":", var.cluster_arn)[4] # the cluster's account: no STS call needed
  partition  = data.aws_partition.current.partition

  log_group_name = "/ecs/${local.name}"
  log_group_arn  = "arn:${local.partition}:logs:${local.region}:${local.account_id}:log-group:${local.log_group_name}"

  # "<account>.dkr.ecr.<region>.amazonaws.com/<repository>[:tag|@digest]" -> the repository ARN to scope pulls to.
  ecr_image_parts = try(regex("^([0-9]{12})\\.dkr\\.ecr\\.([a-z0-9-]+)\\.amazonaws\\.com(?:\\.cn)?/([^:@]+)", var.image), null)
  repository_arn = coalesce(var.repository_arn, try(
    "arn:${local.partition}:ecr:${local.ecr_image_parts[1]}:${local.ecr_image_parts[0]}:repository/${local.ecr_image_parts[2]}",
    "none",
  ))
  pulls_from_ecr = local.repository_arn != "none"

  # IAM needs the secret's own ARN, without the ":<json-key>:<stage>:<version>" selector ECS accepts.
  secret_arns = distinct([for arn in values(var.secrets) : join(":", slice(split(":", arn), 0, 7))])

  # The app reads <PREFIX>HOST / <PREFIX>PORT; set here they cannot drift from the port the checks use.
  listen_environment = var.env_prefix == null ? {} : {
    "${var.env_prefix}HOST" = "0.0.0.0"
    "${var.env_prefix}PORT" = tostring(var.container_port)
  }
  # The tracing variables (OTEL_*, see "Tracing" below) win over same-named entries of var.environment.
  environment = merge(var.environment, local.tracing_environment, local.listen_environment)
}

# ---------------------------------------------------------------------------------------------------------
# Logs
# ---------------------------------------------------------------------------------------------------------

resource "aws_cloudwatch_log_group" "this" {
  # checkov:skip=CKV_AWS_158: encrypted with kms_key_arn when given; CloudWatch Logs encrypts at rest by default otherwise
  # checkov:skip=CKV_AWS_338: retention is a per-environment choice (log_retention_days)
  name              = local.log_group_name
  retention_in_days = var.log_retention_days
  kms_key_id        = var.kms_key_arn

  tags = var.tags
}

# ---------------------------------------------------------------------------------------------------------
# IAM: the execution role is what ECS uses to start the task, the task role what the application may call.
# ---------------------------------------------------------------------------------------------------------

locals {
  ecs_tasks_assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "ecs-tasks.amazonaws.com" }
      Action    = "sts:AssumeRole"
      # Confused-deputy guard: only ECS acting for this account may assume the role.
      Condition = { StringEquals = { "aws:SourceAccount" = local.account_id } }
    }]
  })

  execution_policy_statements = concat(
    [{
      Sid      = "WriteContainerLogs"
      Effect   = "Allow"
      Action   = ["logs:CreateLogStream", "logs:PutLogEvents"]
      Resource = ["${local.log_group_arn}:*"]
    }],
    local.pulls_from_ecr ? [
      {
        # GetAuthorizationToken has no resource-level permission: "*" is the only valid resource.
        Sid      = "LogInToEcr"
        Effect   = "Allow"
        Action   = ["ecr:GetAuthorizationToken"]
        Resource = ["*"]
      },
      {
        Sid      = "PullServiceImage"
        Effect   = "Allow"
        Action   = ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]
        Resource = [local.repository_arn]
      },
    ] : [],
    length(local.secret_arns) > 0 ? [{
      Sid      = "ReadInjectedSecrets"
      Effect   = "Allow"
      Action   = ["secretsmanager:GetSecretValue"]
      Resource = local.secret_arns
    }] : [],
    length(var.secrets_kms_key_arns) > 0 ? [{
      Sid      = "DecryptInjectedSecrets"
      Effect   = "Allow"
      Action   = ["kms:Decrypt"]
      Resource = var.secrets_kms_key_arns
      # Only when Secrets Manager decrypts a secret for the task, never directly.
      Condition = { StringEquals = { "kms:ViaService" = "secretsmanager.${local.region}.amazonaws.com" } }
    }] : [],
  )
}

resource "aws_iam_role" "execution" {
  name               = "${local.name}-execution"
  description        = "ECS starts ${local.name} tasks with it: image pull, log stream, injected secrets"
  assume_role_policy = local.ecs_tasks_assume_role_policy

  tags = var.tags
}

resource "aws_iam_role_policy" "execution" {
  name   = "start-task"
  role   = aws_iam_role.execution.id
  policy = jsonencode({ Version = "2012-10-17", Statement = local.execution_policy_statements })
}

resource "aws_iam_role" "task" {
  name               = "${local.name}-task"
  description        = "What the ${var.service} application may call (least privilege, from the topology references)"
  assume_role_policy = local.ecs_tasks_assume_role_policy

  tags = var.tags
}

# ECS task scale-in protection goes through the agent endpoint ($ECS_AGENT_URI) and needs no permission here.
resource "aws_iam_role_policy" "task" {
  name   = "application"
  role   = aws_iam_role.task.id
  policy = var.task_policy_json
}

# What the ADOT collector sidecar sends with the task role: exactly the actions of the AWS managed policy
# AWSXrayWriteOnlyAccess. The collector needs PutTraceSegments (the spans) and PutTelemetryRecords (its
# exporter's own statistics); the sampling actions let the SDK's X-Ray remote sampler, or the collector's
# sampling proxy, be switched on without an IAM change. X-Ray defines no resource types for these actions, so
# "*" is the only Resource IAM accepts for them: this grants writing traces, nothing else.
resource "aws_iam_role_policy" "tracing" {
  count = var.tracing_enabled ? 1 : 0

  name = "xray-write"
  role = aws_iam_role.task.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid    = "WriteTraces"
      Effect = "Allow"
      Action = [
        "xray:GetSamplingRules",
        "xray:GetSamplingStatisticSummaries",
        "xray:GetSamplingTargets",
        "xray:PutTelemetryRecords",
        "xray:PutTraceSegments",
      ]
      Resource = ["*"]
    }]
  })
}

# ---------------------------------------------------------------------------------------------------------
# Network: tasks have no public IP; they answer only the load balancer and call AWS APIs over HTTPS.
# ---------------------------------------------------------------------------------------------------------

resource "aws_security_group" "this" {
  name        = "${local.name}-tasks"
  description = "${local.name} tasks: in from the ALB only (if any), out to HTTPS"
  vpc_id      = var.vpc_id

  tags = merge(var.tags, { Name = "${local.name}-tasks" })
}

resource "aws_vpc_security_group_ingress_rule" "from_load_balancer" {
  count = var.load_balancer == null ? 0 : 1

  security_group_id            = aws_security_group.this.id
  description                  = "Requests and health checks from the load balancer"
  referenced_security_group_id = var.load_balancer.security_group_id
  ip_protocol                  = "tcp"
  from_port                    = var.container_port
  to_port                      = var.container_port

  tags = var.tags
}

# AWS APIs (through the NAT gateway, or the DynamoDB/S3 gateway endpoints' prefix lists) and HTTPS third parties.
resource "aws_vpc_security_group_egress_rule" "https" {
  security_group_id = aws_security_group.this.id
  description       = "HTTPS to AWS APIs and third-party providers"
  cidr_ipv4         = "0.0.0.0/0"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443

  tags = var.tags
}

# ---------------------------------------------------------------------------------------------------------
# Tracing: an ADOT collector sidecar takes the app's spans (OTLP/HTTP on the task's loopback) to X-Ray.
# ---------------------------------------------------------------------------------------------------------

locals {
  collector_container_name = "aws-otel-collector"

  # What the app's OpenTelemetry SDK reads (shop_shared.observability.tracing). Parent-based ratio sampling: a
  # trace's root decides once, every later hop follows the sampled flag of the traceparent it continues.
  tracing_environment = var.tracing_enabled ? merge(
    {
      OTEL_TRACES_EXPORTER        = "otlp"
      OTEL_EXPORTER_OTLP_ENDPOINT = "http://127.0.0.1:4318"
      OTEL_TRACES_SAMPLER         = "parentbased_traceidratio"
      OTEL_TRACES_SAMPLER_ARG     = tostring(var.trace_sampling_ratio)
    },
    var.deployment_environment == null ? {} : { OTEL_RESOURCE_ATTRIBUTES = "deployment.environment=${var.deployment_environment}" },
  ) : {}

  # X-Ray indexes annotations only, and only under keys of letters, digits and underscores (whether the exporter
  # keeps a dot depends on its exporter.xray.allowDot feature gate). So the span attributes to search by are copied
  # to underscore keys and those are indexed: annotation.shop_order_id = "<order id>" finds every trace of an
  # order whatever the collector version. The environment is added to every span so one X-Ray group (and
  # search) per environment works even with several environments in one account.
  xray_annotations = {
    shop_order_id    = "shop.order_id"
    shop_tier_run_id = "shop.tier_run_id"
  }

  # The collector's heap limit; memory_limiter refuses new spans (the SDK retries them) above it instead of
  # letting the task run out of memory. memoryReservation leaves room for the binary and the GC above it.
  collector_memory_limit_mib = 96

  # Everything listens on 127.0.0.1 only: the containers of an awsvpc task share one network namespace, so
  # the app reaches the collector there and nothing outside the task can.
  collector_config = {
    extensions = {
      health_check = { endpoint = "127.0.0.1:13133" } # what the image's /healthcheck probes
    }
    receivers = {
      otlp = { protocols = { http = { endpoint = "127.0.0.1:4318" } } } # no gRPC: the services export OTLP/HTTP
    }
    processors = {
      memory_limiter = {
        check_interval  = "1s"
        limit_mib       = local.collector_memory_limit_mib
        spike_limit_mib = 24
      }
      "attributes/xray_annotations" = {
        actions = concat(
          [for key, attribute in local.xray_annotations : { key = key, from_attribute = attribute, action = "insert" }],
          var.deployment_environment == null ? [] : [{ key = "deployment_environment", value = var.deployment_environment, action = "upsert" }],
        )
      }
      # PutTraceSegments takes at most 50 segments per call; a second of batching keeps the calls few.
      batch = { timeout = "1s", send_batch_size = 50 }
    }
    exporters = {
      awsxray = {
        region             = local.region
        indexed_attributes = concat(keys(local.xray_annotations), var.deployment_environment == null ? [] : ["deployment_environment"])
      }
    }
    service = {
      extensions = ["health_check"]
      pipelines = {
        traces = {
          receivers  = ["otlp"]
          processors = ["memory_limiter", "attributes/xray_annotations", "batch"]
          exporters  = ["awsxray"]
        }
      }
      telemetry = { metrics = { level = "none" } } # no self-metrics endpoint: nothing scrapes it
    }
  }

  collector_container_definition = {
    name  = local.collector_container_name
    image = var.collector_image
    # A collector crash costs spans, never orders: ECS keeps the task (and the app) running without it.
    essential = false
    user      = "4317:4317" # the image's own non-root user (aoc), stated so a new image cannot switch to root

    # The collector writes nothing to disk (its configuration comes from AOT_CONFIG_CONTENT, spans stay in memory).
    readonlyRootFilesystem = true
    mountPoints            = []
    volumesFrom            = []
    systemControls         = []
    portMappings           = [] # loopback only: no port is published
    linuxParameters        = { capabilities = { drop = ["ALL"] } }

    cpu               = 64
    memoryReservation = 128

    # The ADOT image reads its whole configuration from this variable (instead of --config).
    environment = [{ name = "AOT_CONFIG_CONTENT", value = yamlencode(local.collector_config) }]

    # The image has no shell; its /healthcheck binary asks the health_check extension on 127.0.0.1:13133.
    healthCheck = {
      command     = ["CMD", "/healthcheck"]
      interval    = 15
      timeout     = 5
      retries     = 3
      startPeriod = 10
    }

    logConfiguration = local.log_configuration # stream ecs/aws-otel-collector/<task id>, beside the app's
  }
}

# ---------------------------------------------------------------------------------------------------------
# Task definition and service
# ---------------------------------------------------------------------------------------------------------

locals {
  log_configuration = {
    logDriver = "awslogs"
    options = {
      awslogs-group         = aws_cloudwatch_log_group.this.name
      awslogs-region        = local.region
      awslogs-stream-prefix = "ecs" # streams ecs/<container>/<task id>
      # A slow CloudWatch Logs never blocks the containers' stdout; the buffer absorbs bursts.
      mode            = "non-blocking"
      max-buffer-size = "25m"
    }
  }

  # Both containers are written in the form DescribeTaskDefinition returns them, so the definition read back after
  # an apply equals the configuration and a second plan is empty: every default ECS fills in is stated (essential,
  # cpu 0, the empty mountPoints/volumesFrom/systemControls lists, hostPort = containerPort and protocol "tcp"
  # under awsvpc, all four healthCheck timings), environment and secrets sorted by name, no empty environment value
  # (ECS drops those; var.environment refuses them), no null. Nested objects come back as registered.
  # tests/ecs-service.tftest.hcl compares both containers with this normal form.
  container_definition = merge({
    name      = var.service
    image     = var.image
    essential = true
    cpu       = 0 # no container reservation: the app may use the whole task's CPU
    user      = var.container_user

    # A compromised process cannot change the code it runs or drop tools on disk. /tmp is the task volume "tmp";
    # the image declares VOLUME /tmp (mode 1777), so Fargate creates the bind mount writable for user 10001
    # instead of root-owned 0755.
    readonlyRootFilesystem = true
    mountPoints            = [{ sourceVolume = "tmp", containerPath = "/tmp", readOnly = false }]
    volumesFrom            = []
    systemControls         = []

    linuxParameters = {
      initProcessEnabled = true # a tiny init forwards SIGTERM to the app and reaps zombies
      capabilities       = { drop = ["ALL"] }
    }

    portMappings = [{ name = "http", containerPort = var.container_port, hostPort = var.container_port, protocol = "tcp" }]
    environment  = [for k, v in local.environment : { name = k, value = v }]

    # SIGTERM, then SIGKILL after stopTimeout: the app drains within it (no new polls, running work finishes).
    stopTimeout = var.stop_timeout

    # The images have Python but no curl; /health answers 503 (an HTTPError, exit 1) when a background loop died.
    healthCheck = {
      command     = ["CMD", "python", "-c", "import urllib.request as u; u.urlopen('http://127.0.0.1:${var.container_port}${var.health_check_path}', timeout=4)"]
      interval    = 15
      timeout     = 5
      retries     = 3
      startPeriod = 30
    }

    logConfiguration = local.log_configuration
  }, local.container_secrets, local.container_depends_on)

  # Left out when empty: ECS drops an empty list, and Terraform would plan the difference forever.
  container_secrets = length(var.secrets) == 0 ? {} : { secrets = [for k, v in var.secrets : { name = k, valueFrom = v }] }

  # The app starts once the collector has started, so its first spans find a receiver. ECS stops containers in
  # the reverse order: the app exports what it buffered while draining, then the collector flushes and stops.
  container_depends_on = var.tracing_enabled ? { dependsOn = [{ containerName = local.collector_container_name, condition = "START" }] } : {}

  # The app first, the sidecar after it: readers (and the tests) find the app at index 0.
  container_definitions = concat([local.container_definition], var.tracing_enabled ? [local.collector_container_definition] : [])
}

resource "aws_ecs_task_definition" "this" {
  family                   = local.name
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = var.cpu
  memory                   = var.memory
  execution_role_arn       = aws_iam_role.execution.arn
  task_role_arn            = aws_iam_role.task.arn

  runtime_platform {
    operating_system_family = "LINUX"
    cpu_architecture        = var.cpu_architecture
  }

  # The root filesystem is read-only; /tmp is the task's only writable place (Fargate ephemeral storage).
  volume {
    name                = "tmp"
    configure_at_launch = false # what ECS returns; left out, the set element differs from the state on every plan
  }

  container_definitions = jsonencode(local.container_definitions)

  tags = var.tags
}

resource "aws_ecs_service" "this" {
  name            = local.name
  cluster         = var.cluster_arn
  task_definition = aws_ecs_task_definition.this.arn
  desired_count   = var.desired_count

  dynamic "capacity_provider_strategy" {
    for_each = var.capacity_provider_strategy

    content {
      capacity_provider = capacity_provider_strategy.value.capacity_provider
      base              = capacity_provider_strategy.value.base
      weight            = capacity_provider_strategy.value.weight
    }
  }

  network_configuration {
    subnets          = var.subnet_ids
    security_groups  = [aws_security_group.this.id]
    assign_public_ip = false
  }

  dynamic "load_balancer" {
    for_each = var.load_balancer == null ? [] : [var.load_balancer]

    content {
      target_group_arn = load_balancer.value.target_group_arn
      container_name   = var.service
      container_port   = var.container_port
    }
  }

  health_check_grace_period_seconds = var.load_balancer == null ? null : var.health_check_grace_period_seconds

  # A deployment whose tasks never get healthy is stopped and the last working revision comes back.
  deployment_circuit_breaker {
    enable   = true
    rollback = true
  }

  # A deployment whose tasks are healthy but fail their work (5xx, unhealthy targets, messages dead-lettered) is
  # rolled back too: ECS watches these alarms during the deployment and its bake time.
  dynamic "alarms" {
    for_each = length(local.deployment_alarm_names) > 0 ? [local.deployment_alarm_names] : []

    content {
      alarm_names = alarms.value
      enable      = true
      rollback    = true
    }
  }
  deployment_minimum_healthy_percent = 100
  deployment_maximum_percent         = 200
  availability_zone_rebalancing      = "ENABLED"

  # Lets a changed capacity_provider_strategy update the service in place (a new deployment onto the new
  # providers); without it the provider destroys and re-creates the service, an outage behind the load balancer.
  force_new_deployment = true

  enable_execute_command  = false # no shell into production tasks
  enable_ecs_managed_tags = true
  propagate_tags          = "SERVICE"

  tags = var.tags

  lifecycle {
    # Autoscaling owns the task count after creation.
    ignore_changes = [desired_count]
  }
}

# ---------------------------------------------------------------------------------------------------------
# Deployment alarms: the service's own symptoms of a bad revision, watched by ECS during each deployment.
# They are created here, not taken from the observability module: that module reads this module's service
# names, so taking its alarm names back would make a dependency cycle. They notify nobody (the observability
# alarms do); in ALARM during a deployment, ECS rolls the deployment back.
# ---------------------------------------------------------------------------------------------------------

locals {
  # Per minute; two minutes in a row so one failed request or a single slow health check rolls nothing back.
  deployment_5xx_threshold = 5

  deployment_alarm_names = concat(
    aws_cloudwatch_metric_alarm.deployment_target_5xx[*].alarm_name,
    aws_cloudwatch_metric_alarm.deployment_unhealthy_targets[*].alarm_name,
    [for alarm in aws_cloudwatch_metric_alarm.deployment_dead_letters : alarm.alarm_name],
  )
}

resource "aws_cloudwatch_metric_alarm" "deployment_target_5xx" {
  count = var.load_balancer == null ? 0 : 1

  alarm_name          = "${local.name}-deployment-target-5xx"
  alarm_description   = "Rolls a ${local.name} deployment back: its tasks answered at least ${local.deployment_5xx_threshold} 5xx a minute for 2 minutes"
  namespace           = "AWS/ApplicationELB"
  metric_name         = "HTTPCode_Target_5XX_Count"
  dimensions          = { TargetGroup = var.load_balancer.target_group_arn_suffix, LoadBalancer = var.load_balancer.load_balancer_arn_suffix }
  statistic           = "Sum"
  period              = 60
  evaluation_periods  = 2
  datapoints_to_alarm = 2
  comparison_operator = "GreaterThanOrEqualToThreshold"
  threshold           = local.deployment_5xx_threshold
  treat_missing_data  = "notBreaching" # no 5xx reported is no error

  tags = var.tags
}

resource "aws_cloudwatch_metric_alarm" "deployment_unhealthy_targets" {
  count = var.load_balancer == null ? 0 : 1

  alarm_name          = "${local.name}-deployment-unhealthy-targets"
  alarm_description   = "Rolls a ${local.name} deployment back: a target of its group failed the load balancer's health checks for 3 minutes"
  namespace           = "AWS/ApplicationELB"
  metric_name         = "UnHealthyHostCount"
  dimensions          = { TargetGroup = var.load_balancer.target_group_arn_suffix, LoadBalancer = var.load_balancer.load_balancer_arn_suffix }
  statistic           = "Maximum"
  period              = 60
  evaluation_periods  = 3
  datapoints_to_alarm = 3
  comparison_operator = "GreaterThanOrEqualToThreshold"
  threshold           = 1
  treat_missing_data  = "notBreaching"

  tags = var.tags
}

# A message moved into a DLQ this minute: the visible count rose (DIFF > 0). Watching the rise, not the count,
# keeps messages left from an earlier incident from rolling back every later deployment.
resource "aws_cloudwatch_metric_alarm" "deployment_dead_letters" {
  for_each = toset(var.deployment_alarm_dlq_names)

  alarm_name          = "${local.name}-deployment-dead-letters-${each.key}"
  alarm_description   = "Rolls a ${local.name} deployment back: a message was moved into ${each.key}"
  evaluation_periods  = 2 # two points evaluated, so the latest always has the one DIFF subtracts
  datapoints_to_alarm = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = 0
  treat_missing_data  = "notBreaching" # SQS stops reporting an idle queue

  metric_query {
    id          = "dead_lettered"
    expression  = "DIFF(visible)"
    label       = "Messages moved into ${each.key}"
    return_data = true
  }

  metric_query {
    id          = "visible"
    return_data = false

    metric {
      namespace   = "AWS/SQS"
      metric_name = "ApproximateNumberOfMessagesVisible"
      dimensions  = { QueueName = each.key }
      stat        = "Maximum"
      period      = 60
    }
  }

  tags = var.tags
}

# ---------------------------------------------------------------------------------------------------------
# Autoscaling: one scalable target, then the policies (or scheduled actions) of scaling.mode.
# ---------------------------------------------------------------------------------------------------------

locals {
  mode = var.scaling.mode
  # Every policy adds tasks after scale_out_cooldown (60 s: a task is cheap, a backlog is not) and removes them
  # after scale_in_cooldown (300 s: no flapping while a burst is still being absorbed).
  scale_out_cooldown = var.scaling.scale_out_cooldown_seconds
  scale_in_cooldown  = var.scaling.scale_in_cooldown_seconds
  scaling_resource   = "service/${var.cluster_name}/${aws_ecs_service.this.name}"
  scalable_dimension = "ecs:service:DesiredCount"

  # queue_steps: the scale-out alarm fires at 5 visible messages; step bounds are relative to that threshold,
  # so [0, 10) adds one task (5 to 14 messages) and [10, inf) adds two (15 or more).
  queue_scale_out_threshold = 5
  queue_scale_out_steps = [
    { lower = 0, upper = 10, adjustment = 1 },
    { lower = 10, upper = null, adjustment = 2 },
  ]

  scaling_target = one(concat(aws_appautoscaling_target.this, aws_appautoscaling_target.scheduled))
}

resource "aws_appautoscaling_target" "this" {
  count = local.mode == "scheduled" ? 0 : 1

  service_namespace  = "ecs"
  resource_id        = local.scaling_resource
  scalable_dimension = local.scalable_dimension
  min_capacity       = var.min_capacity
  max_capacity       = var.max_capacity

  tags = var.tags
}

# Scheduled actions rewrite min/max of the target; Terraform must not undo them on the next apply.
resource "aws_appautoscaling_target" "scheduled" {
  count = local.mode == "scheduled" ? 1 : 0

  service_namespace  = "ecs"
  resource_id        = local.scaling_resource
  scalable_dimension = local.scalable_dimension
  min_capacity       = var.min_capacity
  max_capacity       = var.max_capacity

  tags = var.tags

  lifecycle {
    ignore_changes = [min_capacity, max_capacity]
  }
}

# alb_requests: keep requests per task near target_value (the HTTP APIs).
resource "aws_appautoscaling_policy" "alb_requests" {
  count = local.mode == "alb_requests" ? 1 : 0

  name               = "${local.name}-alb-requests-per-task"
  policy_type        = "TargetTrackingScaling"
  service_namespace  = local.scaling_target.service_namespace
  resource_id        = local.scaling_target.resource_id
  scalable_dimension = local.scaling_target.scalable_dimension

  target_tracking_scaling_policy_configuration {
    target_value       = var.scaling.target_value
    scale_in_cooldown  = local.scale_in_cooldown
    scale_out_cooldown = local.scale_out_cooldown

    predefined_metric_specification {
      predefined_metric_type = "ALBRequestCountPerTarget"
      resource_label         = var.scaling.alb_resource_label
    }
  }
}

# cpu: keep average CPU near target_value percent.
resource "aws_appautoscaling_policy" "cpu" {
  count = local.mode == "cpu" ? 1 : 0

  name               = "${local.name}-cpu"
  policy_type        = "TargetTrackingScaling"
  service_namespace  = local.scaling_target.service_namespace
  resource_id        = local.scaling_target.resource_id
  scalable_dimension = local.scaling_target.scalable_dimension

  target_tracking_scaling_policy_configuration {
    target_value       = var.scaling.target_value
    scale_in_cooldown  = local.scale_in_cooldown
    scale_out_cooldown = local.scale_out_cooldown

    predefined_metric_specification {
      predefined_metric_type = "ECSServiceAverageCPUUtilization"
    }
  }
}

# queue_steps: step scaling on the queue depth, driven by two alarms.
resource "aws_appautoscaling_policy" "queue_scale_out" {
  count = local.mode == "queue_steps" ? 1 : 0

  name               = "${local.name}-queue-scale-out"
  policy_type        = "StepScaling"
  service_namespace  = local.scaling_target.service_namespace
  resource_id        = local.scaling_target.resource_id
  scalable_dimension = local.scaling_target.scalable_dimension

  step_scaling_policy_configuration {
    adjustment_type         = "ChangeInCapacity"
    cooldown                = local.scale_out_cooldown
    metric_aggregation_type = "Maximum"

    dynamic "step_adjustment" {
      for_each = local.queue_scale_out_steps

      content {
        metric_interval_lower_bound = step_adjustment.value.lower
        metric_interval_upper_bound = step_adjustment.value.upper
        scaling_adjustment          = step_adjustment.value.adjustment
      }
    }
  }
}

resource "aws_appautoscaling_policy" "queue_scale_in" {
  count = local.mode == "queue_steps" ? 1 : 0

  name               = "${local.name}-queue-scale-in"
  policy_type        = "StepScaling"
  service_namespace  = local.scaling_target.service_namespace
  resource_id        = local.scaling_target.resource_id
  scalable_dimension = local.scaling_target.scalable_dimension

  step_scaling_policy_configuration {
    adjustment_type         = "ChangeInCapacity"
    cooldown                = local.scale_in_cooldown
    metric_aggregation_type = "Maximum"

    # Alarm threshold 0 (<=): metric - threshold <= 0 means an empty queue; remove one task per cooldown.
    step_adjustment {
      metric_interval_upper_bound = 0
      scaling_adjustment          = -1
    }
  }
}

resource "aws_cloudwatch_metric_alarm" "queue_backlog" {
  count = local.mode == "queue_steps" ? 1 : 0

  alarm_name          = "${local.name}-scale-out-queue-backlog"
  alarm_description   = "Scales ${local.name} out: ${var.scaling.queue_name} has at least ${local.queue_scale_out_threshold} visible messages"
  namespace           = "AWS/SQS"
  metric_name         = "ApproximateNumberOfMessagesVisible"
  dimensions          = { QueueName = var.scaling.queue_name }
  statistic           = "Maximum"
  period              = 60
  evaluation_periods  = 1
  comparison_operator = "GreaterThanOrEqualToThreshold"
  threshold           = local.queue_scale_out_threshold
  treat_missing_data  = "notBreaching" # SQS stops reporting an idle queue: no data is no backlog
  alarm_actions       = [aws_appautoscaling_policy.queue_scale_out[0].arn]

  tags = var.tags
}

resource "aws_cloudwatch_metric_alarm" "queue_empty" {
  count = local.mode == "queue_steps" ? 1 : 0

  alarm_name          = "${local.name}-scale-in-queue-empty"
  alarm_description   = "Scales ${local.name} in: ${var.scaling.queue_name} has had no visible message for 5 minutes"
  namespace           = "AWS/SQS"
  metric_name         = "ApproximateNumberOfMessagesVisible"
  dimensions          = { QueueName = var.scaling.queue_name }
  statistic           = "Maximum"
  period              = 60
  evaluation_periods  = 5 # longer than scale-out: adding a task is cheap, flapping is not
  comparison_operator = "LessThanOrEqualToThreshold"
  threshold           = 0
  treat_missing_data  = "breaching" # an idle queue stops reporting: treat it as empty
  # Busy tasks protect themselves (ECS task scale-in protection), so scale-in only stops idle ones.
  alarm_actions = [aws_appautoscaling_policy.queue_scale_in[0].arn]

  tags = var.tags
}

# backlog_per_task: the backlog each task would have to work through, kept at
# acceptable_latency_seconds / processing_seconds. E.g. 60 s / 0.5 s = 120 messages per task: 360 visible messages
# and 2 running tasks is 180 per task, above 120, so target tracking adds a task (3 tasks: 120 each).
# FILL(running, 1) guards the division: a minute without a RunningTaskCount data point (no task running, or
# Container Insights not reporting yet) counts as one task, so the value is the backlog itself and a service
# scaled to zero starts again as soon as messages arrive (360 visible with none running: 360 > 120, scale out).
resource "aws_appautoscaling_policy" "backlog_per_task" {
  count = local.mode == "backlog_per_task" ? 1 : 0

  name               = "${local.name}-backlog-per-task"
  policy_type        = "TargetTrackingScaling"
  service_namespace  = local.scaling_target.service_namespace
  resource_id        = local.scaling_target.resource_id
  scalable_dimension = local.scaling_target.scalable_dimension

  target_tracking_scaling_policy_configuration {
    target_value       = var.scaling.acceptable_latency_seconds / var.scaling.processing_seconds
    scale_in_cooldown  = local.scale_in_cooldown
    scale_out_cooldown = local.scale_out_cooldown

    customized_metric_specification {
      metrics {
        id          = "visible"
        label       = "Visible messages in ${var.scaling.queue_name}"
        return_data = false

        metric_stat {
          stat = "Sum"

          metric {
            namespace   = "AWS/SQS"
            metric_name = "ApproximateNumberOfMessagesVisible"

            dimensions {
              name  = "QueueName"
              value = var.scaling.queue_name
            }
          }
        }
      }

      metrics {
        id          = "running"
        label       = "Running ${local.name} tasks"
        return_data = false

        metric_stat {
          stat = "Average"

          metric {
            namespace   = "ECS/ContainerInsights"
            metric_name = "RunningTaskCount"

            dimensions {
              name  = "ClusterName"
              value = var.cluster_name
            }

            dimensions {
              name  = "ServiceName"
              value = local.name
            }
          }
        }
      }

      metrics {
        id          = "backlog_per_task"
        label       = "Visible messages per running task"
        expression  = "visible / FILL(running, 1)"
        return_data = true
      }
    }
  }
}

# scheduled: raise the pool to max_capacity for the monthly window, back to min_capacity after it.
resource "aws_appautoscaling_scheduled_action" "scale_up" {
  count = local.mode == "scheduled" ? 1 : 0

  name               = "${local.name}-window-start"
  service_namespace  = local.scaling_target.service_namespace
  resource_id        = local.scaling_target.resource_id
  scalable_dimension = local.scaling_target.scalable_dimension
  schedule           = var.scaling.schedule_scale_up_cron
  timezone           = var.scaling.schedule_timezone

  scalable_target_action {
    min_capacity = var.max_capacity
    max_capacity = var.max_capacity
  }
}

resource "aws_appautoscaling_scheduled_action" "scale_down" {
  count = local.mode == "scheduled" ? 1 : 0

  name               = "${local.name}-window-end"
  service_namespace  = local.scaling_target.service_namespace
  resource_id        = local.scaling_target.resource_id
  scalable_dimension = local.scaling_target.scalable_dimension
  schedule           = var.scaling.schedule_scale_down_cron
  timezone           = var.scaling.schedule_timezone

  scalable_target_action {
    min_capacity = var.min_capacity
    max_capacity = var.min_capacity
  }

  # Application Auto Scaling updates one scheduled action of a target at a time.
  depends_on = [aws_appautoscaling_scheduled_action.scale_up]
}
