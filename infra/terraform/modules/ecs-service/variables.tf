variable "name_prefix" {
  description = "Prefix of every name, e.g. \"shop-dev-\" gives the service \"shop-dev-order\"."
  type        = string

  validation {
    condition     = can(regex("^[a-zA-Z0-9-]{1,30}$", var.name_prefix))
    error_message = "name_prefix must be 1-30 letters, digits or hyphens."
  }
}

variable "service" {
  description = "Service key (e.g. \"order\", \"batch-worker\"): the container name and the suffix of every name."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,30}$", var.service))
    error_message = "service must be lowercase letters, digits and hyphens, starting with a letter."
  }
}

variable "cluster_arn" {
  description = "ARN of the ECS cluster the service runs in."
  type        = string
}

variable "cluster_name" {
  description = "Name of the ECS cluster (autoscaling resource id and the ContainerInsights ClusterName dimension)."
  type        = string
}

variable "vpc_id" {
  description = "VPC of the service's security group."
  type        = string
}

variable "subnet_ids" {
  description = "Private subnets the tasks run in (no public IPs: egress goes through the NAT gateway and VPC endpoints)."
  type        = list(string)

  validation {
    condition     = length(var.subnet_ids) > 0
    error_message = "At least one subnet is required."
  }
}

variable "image" {
  description = "Container image with an immutable tag or digest, e.g. \"<account>.dkr.ecr.<region>.amazonaws.com/shop-dev-order:1.4.2\"."
  type        = string
}

variable "repository_arn" {
  description = "ARN of the ECR repository of image, for the execution role's pull permission; null derives it from an ECR image URL (a non-ECR image gets no ECR permission)."
  type        = string
  default     = null
}

variable "cpu" {
  description = "Task CPU units (Fargate sizes: 256, 512, 1024, 2048, 4096, 8192, 16384)."
  type        = number

  validation {
    condition     = contains([256, 512, 1024, 2048, 4096, 8192, 16384], var.cpu)
    error_message = "cpu must be a Fargate task size: 256, 512, 1024, 2048, 4096, 8192 or 16384."
  }
}

variable "memory" {
  description = "Task memory in MiB (must be a valid Fargate combination with cpu)."
  type        = number

  validation {
    condition     = var.memory >= 512 && var.memory <= 122880
    error_message = "memory must be between 512 and 122880 MiB."
  }
}

variable "desired_count" {
  description = "Tasks at creation; autoscaling owns the count afterwards (Terraform ignores later drift)."
  type        = number

  validation {
    condition     = var.desired_count >= 0
    error_message = "desired_count must not be negative."
  }
}

variable "min_capacity" {
  description = "Lowest task count autoscaling may set (for scheduled scaling: the count outside the scheduled window)."
  type        = number

  validation {
    condition     = var.min_capacity >= 0
    error_message = "min_capacity must not be negative."
  }
}

variable "max_capacity" {
  description = "Highest task count autoscaling may set (for scheduled scaling: the count during the scheduled window)."
  type        = number

  validation {
    condition     = var.max_capacity >= var.min_capacity && var.max_capacity >= 1
    error_message = "max_capacity must be at least 1 and at least min_capacity."
  }
}

variable "container_port" {
  description = "Port the container serves HTTP on (the API for order and payment, GET /health for every service)."
  type        = number
  default     = 8000
}

variable "env_prefix" {
  description = "Settings prefix of the service (e.g. \"ORDER_\"): when set, <prefix>HOST=0.0.0.0 and <prefix>PORT=container_port are added to the environment, so the app listens where the health check and the load balancer look."
  type        = string
  default     = null
}

variable "environment" {
  description = "Plain environment variables of the container (resource names and ARNs; never secret values). No empty values: ECS drops a variable whose value is empty, so Terraform would plan it back forever."
  type        = map(string)
  default     = {}

  validation {
    condition     = alltrue([for value in values(var.environment) : value != null && value != ""])
    error_message = "environment values must not be empty or null (ECS drops such variables: leave them out instead)."
  }
}

variable "secrets" {
  description = "Environment variables injected from Secrets Manager at start: env name -> secret ARN (optionally \":<json-key>::\" suffixed). The execution role may read exactly these."
  type        = map(string)
  default     = {}

  validation {
    condition     = alltrue([for arn in values(var.secrets) : can(regex("^arn:[a-z-]+:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:", arn))])
    error_message = "Every secrets value must be a Secrets Manager secret ARN."
  }
}

variable "secrets_kms_key_arns" {
  description = "Customer-managed KMS keys encrypting the secrets in secrets (the execution role gets kms:Decrypt on them through Secrets Manager only)."
  type        = list(string)
  default     = []
}

variable "task_policy_json" {
  description = "IAM policy document (JSON) of the task role: what the application itself may call. Attached as is."
  type        = string

  validation {
    condition     = can(jsondecode(var.task_policy_json).Statement)
    error_message = "task_policy_json must be an IAM policy document in JSON."
  }
}

variable "container_user" {
  description = "UID:GID the container runs as (non-root; numeric so it needs no passwd entry in the image)."
  type        = string
  default     = "10001:10001"

  validation {
    condition     = can(regex("^[0-9]+(:[0-9]+)?$", var.container_user)) && !startswith(var.container_user, "0")
    error_message = "container_user must be a numeric, non-root UID[:GID]."
  }
}

variable "cpu_architecture" {
  description = "CPU architecture of the image: X86_64 or ARM64 (Graviton, cheaper per vCPU)."
  type        = string
  default     = "X86_64"

  validation {
    condition     = contains(["X86_64", "ARM64"], var.cpu_architecture)
    error_message = "cpu_architecture must be X86_64 or ARM64."
  }
}

variable "health_check_path" {
  description = "Path of the container health check on container_port (200 healthy, 503 when a background loop died)."
  type        = string
  default     = "/health"
}

variable "health_check_grace_period_seconds" {
  description = "Seconds the load balancer health checks are ignored after a task starts (only with load_balancer)."
  type        = number
  default     = 60
}

variable "stop_timeout" {
  description = "Seconds ECS waits after SIGTERM before SIGKILL. The services drain for 25 s (*_SHUTDOWN_GRACE_SECONDS), so 30 leaves headroom."
  type        = number
  default     = 30

  validation {
    condition     = var.stop_timeout >= 2 && var.stop_timeout <= 120
    error_message = "stop_timeout must be between 2 and 120 seconds (the Fargate maximum)."
  }
}

variable "capacity_provider_strategy" {
  description = "How the tasks are spread over FARGATE and FARGATE_SPOT: base tasks on a provider first, the rest by weight. The default runs everything on regular Fargate. For interruptible work, e.g. [{ capacity_provider = \"FARGATE\", base = 1, weight = 0 }, { capacity_provider = \"FARGATE_SPOT\", weight = 1 }]: one on-demand task that Spot interruptions cannot stop, every further task on Spot (stopped with a 2-minute warning when AWS needs the capacity)."
  type = list(object({
    capacity_provider = string
    base              = optional(number, 0)
    weight            = optional(number, 1)
  }))
  default = [{ capacity_provider = "FARGATE", base = 0, weight = 1 }]

  validation {
    condition = (
      length(var.capacity_provider_strategy) > 0 &&
      alltrue([for entry in var.capacity_provider_strategy : contains(["FARGATE", "FARGATE_SPOT"], entry.capacity_provider)]) &&
      length(distinct([for entry in var.capacity_provider_strategy : entry.capacity_provider])) == length(var.capacity_provider_strategy)
    )
    error_message = "capacity_provider_strategy names FARGATE and/or FARGATE_SPOT, each at most once."
  }

  # ECS's own rules for a strategy: bases 0..100000 on at most one provider, weights 0..1000, one of them above 0.
  validation {
    condition = (
      alltrue([for entry in var.capacity_provider_strategy : entry.base >= 0 && entry.base <= 100000 && entry.weight >= 0 && entry.weight <= 1000]) &&
      length([for entry in var.capacity_provider_strategy : entry if entry.base > 0]) <= 1 &&
      anytrue([for entry in var.capacity_provider_strategy : entry.weight > 0])
    )
    error_message = "capacity_provider_strategy: base 0-100000 on at most one provider, weight 0-1000, and at least one weight above 0."
  }
}

variable "load_balancer" {
  description = "Target group to register the tasks in, the load balancer's security group (the only allowed ingress), and the ARN suffixes of both (the dimensions of the target group's 5xx and unhealthy-host deployment alarms); null for workers that take no traffic."
  type = object({
    target_group_arn         = string
    security_group_id        = string
    target_group_arn_suffix  = string # "targetgroup/<name>/<id>"
    load_balancer_arn_suffix = string # "app/<name>/<id>"
  })
  default = null
}

variable "deployment_alarm_dlq_names" {
  description = "Dead-letter queues of the queues this service consumes. A message moved into one during a deployment means the new revision fails messages: its alarm rolls the deployment back (see \"Deployments\" in the README)."
  type        = list(string)
  default     = []
}

variable "scaling" {
  description = <<-EOT
    How the task count follows load. mode is one of:
      alb_requests     target tracking on ALBRequestCountPerTarget (target_value, alb_resource_label "app/.../targetgroup/...")
      cpu              target tracking on average CPU (target_value, percent)
      queue_steps      step scaling on the queue's visible messages (queue_name): +1 task at >= 5, +2 at >= 15, -1 when empty
      backlog_per_task target tracking on visible messages / running tasks (queue_name), target
                       acceptable_latency_seconds / processing_seconds
      scheduled        min/max raised to max_capacity by schedule_scale_up_cron, lowered to min_capacity by
                       schedule_scale_down_cron (cron(...) expressions in schedule_timezone)
    scale_out_cooldown_seconds (60) and scale_in_cooldown_seconds (300) apply to every policy of every mode: adding
    tasks quickly is cheap, removing them slowly avoids flapping.
  EOT
  type = object({
    mode                       = string
    target_value               = optional(number)
    alb_resource_label         = optional(string)
    queue_name                 = optional(string)
    acceptable_latency_seconds = optional(number)
    processing_seconds         = optional(number)
    schedule_scale_up_cron     = optional(string)
    schedule_scale_down_cron   = optional(string)
    schedule_timezone          = optional(string, "UTC")
    scale_out_cooldown_seconds = optional(number, 60)
    scale_in_cooldown_seconds  = optional(number, 300)
  })

  validation {
    condition     = contains(["alb_requests", "cpu", "queue_steps", "backlog_per_task", "scheduled"], var.scaling.mode)
    error_message = "scaling.mode must be alb_requests, cpu, queue_steps, backlog_per_task or scheduled."
  }

  validation {
    condition     = !contains(["alb_requests", "cpu"], var.scaling.mode) || try(var.scaling.target_value > 0, false)
    error_message = "alb_requests and cpu scaling need a positive scaling.target_value."
  }

  validation {
    condition     = var.scaling.mode != "alb_requests" || can(regex("^app/.+/targetgroup/.+$", var.scaling.alb_resource_label))
    error_message = "alb_requests scaling needs scaling.alb_resource_label \"app/<alb>/<id>/targetgroup/<tg>/<id>\"."
  }

  validation {
    condition     = !contains(["queue_steps", "backlog_per_task"], var.scaling.mode) || try(length(var.scaling.queue_name) > 0, false)
    error_message = "queue_steps and backlog_per_task scaling need scaling.queue_name."
  }

  validation {
    condition     = var.scaling.mode != "backlog_per_task" || try(var.scaling.acceptable_latency_seconds > 0 && var.scaling.processing_seconds > 0, false)
    error_message = "backlog_per_task scaling needs positive acceptable_latency_seconds and processing_seconds."
  }

  validation {
    condition     = var.scaling.mode != "scheduled" || try(startswith(var.scaling.schedule_scale_up_cron, "cron(") && startswith(var.scaling.schedule_scale_down_cron, "cron("), false)
    error_message = "scheduled scaling needs schedule_scale_up_cron and schedule_scale_down_cron as cron(...) expressions."
  }
}

variable "log_retention_days" {
  description = "Days the container logs are kept."
  type        = number
  default     = 30

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be a retention CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, 60, 90, ...)."
  }
}

variable "kms_key_arn" {
  description = "KMS key ARN encrypting the log group (its key policy must allow logs.<region>.amazonaws.com); null keeps CloudWatch Logs' default encryption."
  type        = string
  default     = null
}

variable "tags" {
  description = "Tags added to every resource (on top of the provider's default_tags)."
  type        = map(string)
  default     = {}
}

variable "tracing_enabled" {
  description = "Run an ADOT collector sidecar that sends the app's spans to X-Ray, give the app the OTEL_* variables that export to it, and let the task role write traces. false: none of the three (the app then records no spans, and still passes trace context on)."
  type        = bool
  default     = true
}

variable "trace_sampling_ratio" {
  description = "Share of new traces recorded (OTEL_TRACES_SAMPLER_ARG of parentbased_traceidratio). Decided once at a trace's root, then followed by every hop, so a recorded order is recorded whole. 0.05: at a few orders a second that is still a recorded order every few seconds to look at, while X-Ray's bill (per trace recorded and scanned) stays a twentieth of tracing everything."
  type        = number
  default     = 0.05

  validation {
    condition     = var.trace_sampling_ratio >= 0 && var.trace_sampling_ratio <= 1
    error_message = "trace_sampling_ratio is a probability: between 0 and 1."
  }
}

variable "deployment_environment" {
  description = "Environment name (e.g. \"dev\") given to the spans: OTEL_RESOURCE_ATTRIBUTES deployment.environment, and the indexed X-Ray annotation deployment_environment that the observability module's X-Ray group filters on. Required while tracing_enabled."
  type        = string
  default     = null

  validation {
    condition     = var.deployment_environment == null ? !var.tracing_enabled : can(regex("^[a-z][a-z0-9-]{0,30}$", var.deployment_environment))
    error_message = "deployment_environment is required with tracing_enabled, and is lowercase letters, digits and hyphens."
  }
}

variable "collector_image" {
  description = "Image of the ADOT collector sidecar, pinned to a version tag or digest (public ECR; mirror it into your ECR, e.g. with a pull-through cache rule, if tasks must not pull from public registries)."
  type        = string
  default     = "public.ecr.aws/aws-observability/aws-otel-collector:v0.49.0"

  validation {
    condition     = can(regex("(:v?[0-9]+\\.[0-9]+\\.[0-9]+|@sha256:[0-9a-f]{64})$", var.collector_image))
    error_message = "collector_image must be pinned to a version tag (e.g. :v0.49.0) or a sha256 digest, never a moving tag like latest."
  }
}
