# The whole shop in one environment. Everything the services exchange (bus, rules, queues, tables, the
# activity, the state machine, the schedule) comes from the shared topology declaration, the same file
# the local runtime provisions from, so local and AWS never drift.

locals {
  name_prefix  = "shop-${var.environment}-"
  topology_dir = "${path.module}/../../../../shared/src/shop_shared/topology"
  topology     = yamldecode(file("${local.topology_dir}/topology.yaml"))

  container_port = 8000

  # How each service scales, and which services take traffic from the load balancer.
  scaling = {
    order = { mode = "alb_requests", target_value = 300, alb_resource_label = module.alb.alb_resource_labels["order"] }
    # payment is called by the EventBridge API destination, whose invocation rate limit bounds its load.
    payment = { mode = "cpu", target_value = 60 }
    loyalty = { mode = "queue_steps", queue_name = module.messaging.queue_names["loyalty-order-events"] }
    notifications = {
      mode                       = "backlog_per_task"
      queue_name                 = module.messaging.queue_names["notifications-events"]
      acceptable_latency_seconds = var.acceptable_latency_seconds
      processing_seconds         = var.notification_processing_seconds
    }
    # Workers for the monthly run only: up shortly before the schedule fires, down after the usual window.
    batch-worker = { mode = "scheduled", schedule_scale_up_cron = "cron(50 2 1 * ? *)", schedule_scale_down_cron = "cron(0 7 1 * ? *)" }
  }

  # Where the tasks run. Regular Fargate for everything that serves or consumes all the time. The batch workers
  # take Spot too, with an on-demand base: ECS never falls back from FARGATE_SPOT to FARGATE by itself (a Spot
  # task it cannot place stays pending), so a run must not depend on Spot capacity. At the window's 10 tasks,
  # 1 base + 1/4 of the other 9 is about 3 on-demand tasks, 12 activity slots (4 per task), more than the Map's
  # MaxConcurrency of 10: the run keeps its speed with no Spot at all. A Spot stop (2-minute warning, SIGTERM)
  # loses nothing: the pool fails its unfinished chunks back as Worker.Stopped, which the chunk's Retry
  # (States.TaskFailed) hands to another worker at once; a worker killed outright misses its heartbeats and the
  # chunk is retried after HeartbeatSeconds (States.Timeout).
  capacity_provider_strategy = {
    for service in keys(local.topology.services) : service => service == "batch-worker" ? [
      { capacity_provider = "FARGATE", base = 1, weight = 1 },
      { capacity_provider = "FARGATE_SPOT", base = 0, weight = 3 },
    ] : [{ capacity_provider = "FARGATE", base = 0, weight = 1 }]
  }

  # The customer-facing reads besides order's (order takes every path no rule claims), GET only.
  read_api_routes = {
    loyalty       = { path_patterns = ["/customers/*/loyalty"], priority = 100 }
    notifications = { path_patterns = ["/customers/*/notifications"], priority = 110 }
  }
  behind_load_balancer = toset(concat(["order", "payment"], keys(local.read_api_routes)))

  # The services customers call with a bearer token (payment is called by EventBridge with the API key).
  authenticated_services = toset(concat(["order"], keys(local.read_api_routes)))

  # What each container is told: its topology references resolved, plus where its tokens come from.
  service_environment = {
    for service in keys(local.topology.services) : service => merge(
      module.access.environment[service],
      contains(local.authenticated_services, service) ? module.identity.environment : {},
    )
  }

  # Each service reads its settings from variables with one prefix (ORDER_, BATCH_, ...), the one its
  # topology variables already use.
  env_prefix = { for service, variables in local.topology.services : service => "${split("_", keys(variables)[0])[0]}_" }

  # What EventBridge calls on payment: only these paths and methods are routed to it.
  payment_destinations = [for destination in local.topology.api_destinations : destination if destination.service == "payment"]

  api_destination_rules = [for key, rule in local.topology.rules : module.messaging.rule_names[key] if try(rule.target.api_destination, null) != null]

  # The most EventBridge may call payment within a minute: a bound no single address legitimately exceeds.
  payment_events_per_minute = sum([for destination in local.payment_destinations : destination.invocation_rate_limit_per_second * 60])
}

data "aws_caller_identity" "current" {}

module "network" {
  source = "../../modules/network"

  name_prefix        = local.name_prefix
  create_vpc         = var.create_vpc
  vpc_id             = var.vpc_id
  private_subnet_ids = var.private_subnet_ids
  public_subnet_ids  = var.public_subnet_ids

  vpc_endpoints_enabled = var.vpc_endpoints_enabled
}

module "ecr" {
  source = "../../modules/ecr"

  name_prefix  = local.name_prefix
  repositories = toset(keys(local.topology.services))
  force_delete = !var.deletion_protection # a teardown may remove repositories that still hold images
}

module "cluster" {
  source = "../../modules/ecs-cluster"

  name_prefix = local.name_prefix
}

module "alb" {
  source = "../../modules/alb"

  name_prefix       = local.name_prefix
  vpc_id            = module.network.vpc_id
  public_subnet_ids = module.network.public_subnet_ids
  certificate_arn   = var.certificate_arn
  domain_name       = var.domain_name
  route53_zone_id   = var.route53_zone_id # a DNS-validated certificate and the alias record, or bring your own

  payment_path_patterns = distinct([for destination in local.payment_destinations : destination.path])
  payment_http_methods  = distinct([for destination in local.payment_destinations : destination.http_method])
  # one(): a single header name for every payment destination, or the plan fails here.
  payment_api_key_header = one(distinct([for destination in local.payment_destinations : destination.api_key_header]))
  read_api_routes        = local.read_api_routes
  deletion_protection    = var.deletion_protection
}

module "waf" {
  source = "../../modules/waf"
  count  = var.waf_enabled ? 1 : 0

  name_prefix              = local.name_prefix
  resource_arn             = module.alb.alb_arn
  rate_limit_per_ip        = var.waf_rate_limit_per_ip
  events_paths             = distinct([for destination in local.payment_destinations : destination.path])
  events_rate_limit_per_ip = coalesce(var.waf_events_rate_limit_per_ip, local.payment_events_per_minute)
  # Customers' bearer tokens and EventBridge's API key stay out of the logs.
  redacted_headers = distinct(concat(["authorization"], [for destination in local.payment_destinations : destination.api_key_header]))
  kms_key_arn      = module.messaging.messaging_kms_key_arn
}

# Who the customers are: a Cognito user pool, or your OIDC provider (oidc_issuer).
module "identity" {
  source = "../../modules/identity"

  name_prefix         = local.name_prefix
  oidc_issuer         = var.oidc_issuer
  oidc_audience       = var.oidc_audience
  oidc_jwks_url       = var.oidc_jwks_url
  callback_urls       = var.cognito_callback_urls
  logout_urls         = var.cognito_logout_urls
  domain_prefix       = var.cognito_domain_prefix
  deletion_protection = var.deletion_protection
}

module "messaging" {
  source = "../../modules/messaging"

  topology    = local.topology
  name_prefix = local.name_prefix
  # Payment's POST /events is public behind the load balancer and refuses any call without the
  # connection's API key (see the README for the private alternative through VPC Lattice).
  payment_events_base_url = module.alb.api_base_url
  # A protected environment can restore a deleted API key for 30 days; one being torn down deletes it at
  # once, or re-creating it within 30 days fails on the name still scheduled for deletion.
  secret_recovery_window_days = var.deletion_protection ? 30 : 0
}

module "data" {
  source = "../../modules/data"

  topology            = local.topology
  name_prefix         = local.name_prefix
  deletion_protection = var.deletion_protection
}

module "workflows" {
  source = "../../modules/workflows"

  topology     = local.topology
  name_prefix  = local.name_prefix
  topology_dir = local.topology_dir
  kms_key_arn  = module.messaging.messaging_kms_key_arn
}

# The sender's domain as an SES identity with Easy DKIM (records in route53_zone_id when the domain is in it).
# The topology's email_sender stays the local runtime's; on AWS the services send from this one.
module "email" {
  source = "../../modules/email"

  sender          = coalesce(var.email_sender, "no-reply@${var.domain_name}")
  route53_zone_id = var.route53_zone_id
}

module "access" {
  source = "../../modules/service-access"

  topology           = local.topology
  aws_region         = var.aws_region
  event_bus_name     = module.messaging.event_bus_name
  event_bus_arn      = module.messaging.event_bus_arn
  table_names        = module.data.table_names
  table_arns         = module.data.table_arns
  queue_names        = module.messaging.queue_names
  queue_arns         = module.messaging.queue_arns
  secret_arns        = module.messaging.secret_arns
  kms_key_arns       = module.messaging.kms_key_arns
  kms_key_aliases    = module.messaging.kms_key_aliases
  activity_arns      = module.workflows.activity_arns
  state_machine_arns = module.workflows.state_machine_arns
  email_sender       = module.email.sender
  email_identity_arn = module.email.identity_arn
  queue_kms_key_arn  = module.messaging.messaging_kms_key_arn
}

module "service" {
  source   = "../../modules/ecs-service"
  for_each = local.topology.services

  name_prefix   = local.name_prefix
  service       = each.key
  cluster_arn   = module.cluster.cluster_arn
  cluster_name  = module.cluster.cluster_name
  vpc_id        = module.network.vpc_id
  subnet_ids    = module.network.private_subnet_ids
  image         = "${module.ecr.repository_urls[each.key]}:${var.image_tag}"
  cpu           = var.services[each.key].cpu
  memory        = var.services[each.key].memory
  desired_count = var.services[each.key].desired_count
  min_capacity  = var.services[each.key].min_capacity
  max_capacity  = var.services[each.key].max_capacity
  # The same settings classes as locally: resource names from the topology and the token issuer, bound to all
  # interfaces in the container.
  environment                = local.service_environment[each.key]
  env_prefix                 = local.env_prefix[each.key] # the module binds <prefix>HOST/PORT to the container port
  repository_arn             = module.ecr.repository_arns[each.key]
  container_port             = local.container_port
  task_policy_json           = module.access.policy_json[each.key]
  capacity_provider_strategy = local.capacity_provider_strategy[each.key]
  load_balancer = contains(local.behind_load_balancer, each.key) ? {
    target_group_arn         = module.alb.target_group_arns[each.key]
    security_group_id        = module.alb.alb_security_group_id
    target_group_arn_suffix  = module.alb.target_group_arn_suffixes[each.key]
    load_balancer_arn_suffix = module.alb.alb_arn_suffix
  } : null
  # A deployment is rolled back when a message of a queue the service consumes is dead-lettered during it (and,
  # behind the load balancer, on its target group's 5xx and unhealthy targets: the module's own alarms).
  deployment_alarm_dlq_names = [for key, queue in local.topology.queues : module.messaging.dlq_names[key] if queue.consumer == each.key]
  scaling                    = local.scaling[each.key]
  kms_key_arn                = module.messaging.messaging_kms_key_arn

  # Spans go through an ADOT sidecar to X-Ray; the ratio decides at a trace's root only (see trace_sampling_ratio).
  tracing_enabled        = var.tracing_enabled
  trace_sampling_ratio   = lookup(var.trace_sampling_ratio_overrides, each.key, var.trace_sampling_ratio)
  deployment_environment = var.environment
}

resource "aws_sns_topic_subscription" "alarm_email" {
  count = var.alarm_email == null ? 0 : 1

  topic_arn = module.messaging.sns_topic_arns["alarms"]
  protocol  = "email"
  endpoint  = var.alarm_email
}

module "observability" {
  source = "../../modules/observability"

  name_prefix     = local.name_prefix
  event_bus_name  = module.messaging.event_bus_name
  alarm_topic_arn = module.messaging.sns_topic_arns["alarms"]
  queue_names     = module.messaging.queue_names
  dlq_names       = module.messaging.dlq_names
  # Undeliverable events of rule targets and of schedules alike.
  target_dlq_names           = merge(module.messaging.target_dlq_names, module.workflows.schedule_dlq_names)
  rule_names                 = module.messaging.rule_names
  api_destination_rule_names = local.api_destination_rules
  state_machine_arns         = module.workflows.state_machine_arns
  activity_arns              = module.workflows.activity_arns
  alb_arn_suffix             = module.alb.alb_arn_suffix
  target_group_arn_suffixes  = module.alb.target_group_arn_suffixes
  cluster_name               = module.cluster.cluster_name
  ecs_service_names          = { for key, service in module.service : key => service.service_name }
  # The tables the outbox relays drain: those with the relay's pending index.
  outbox_table_names = { for key, name in module.data.table_names : key => name if contains(keys(try(local.topology.tables[key].indexes, {})), "pending") }

  # The environment's X-Ray group and the trace links on the dashboard.
  tracing_enabled        = var.tracing_enabled
  deployment_environment = var.environment

  # The monthly tier run: Scheduler errors of the environment's schedule group, and a run that did not succeed.
  schedule_group_names = compact([module.workflows.schedule_group_name])
  scheduled_runs       = module.workflows.schedules
}
