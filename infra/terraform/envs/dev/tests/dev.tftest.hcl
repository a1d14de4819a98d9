# Runs offline: `terraform test` from infra/terraform/envs/dev (infra/terraform/check.sh does it for CI).
#
# The whole environment is planned with the real AWS provider set never to call AWS; the few data sources
# that would (account id, availability zones, hosted zones) and the values AWS assigns on apply are overridden. The modules' own tests
# check their resources in detail (service-access: each service's variables and least-privilege policy, with
# real ARNs; ecs-service: roles without wildcards); this one checks the composition against the shared topology.
provider "aws" {
  region                      = "eu-west-1"
  access_key                  = "offline-test"
  secret_key                  = "offline-test"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
  skip_region_validation      = true
}

variables {
  aws_region      = "eu-west-1"
  image_tag       = "test-1"
  certificate_arn = "arn:aws:acm:eu-west-1:111122223333:certificate/00000000-0000-0000-0000-000000000000"
  domain_name     = "shop-dev.example.com"
  alarm_email     = "oncall@example.com"
}

override_data {
  target = data.aws_caller_identity.current
  values = { account_id = "111122223333", arn = "arn:aws:iam::111122223333:user/test", user_id = "TEST" }
}

override_data {
  target = module.network.data.aws_caller_identity.current
  values = { account_id = "111122223333", arn = "arn:aws:iam::111122223333:user/test", user_id = "TEST" }
}

override_data {
  target = module.network.data.aws_availability_zones.available
  values = { names = ["eu-west-1a", "eu-west-1b", "eu-west-1c"], zone_ids = ["euw1-az1", "euw1-az2", "euw1-az3"] }
}

override_data {
  target = module.messaging.data.aws_caller_identity.current
  values = { account_id = "111122223333", arn = "arn:aws:iam::111122223333:user/test", user_id = "TEST" }
}

override_data {
  target = module.workflows.data.aws_caller_identity.current
  values = { account_id = "111122223333", arn = "arn:aws:iam::111122223333:user/test", user_id = "TEST" }
}

override_resource {
  target          = module.identity.aws_cognito_user_pool.this
  override_during = plan
  values = {
    id       = "eu-west-1_TestPool1"
    arn      = "arn:aws:cognito-idp:eu-west-1:111122223333:userpool/eu-west-1_TestPool1"
    endpoint = "cognito-idp.eu-west-1.amazonaws.com/eu-west-1_TestPool1"
  }
}

override_resource {
  target          = module.identity.aws_cognito_user_pool_client.this
  override_during = plan
  values          = { id = "3n4b5urk1ft4fl3mg5e62d9ado" }
}

override_resource {
  target          = module.alb.aws_lb.this
  override_during = plan
  values = {
    arn        = "arn:aws:elasticloadbalancing:eu-west-1:111122223333:loadbalancer/app/shop-dev-alb/0123456789abcdef"
    arn_suffix = "app/shop-dev-alb/0123456789abcdef"
    dns_name   = "shop-dev-alb-123456789.eu-west-1.elb.amazonaws.com"
    zone_id    = "Z32O12XQLNTSW2"
  }
}

override_data {
  target = module.alb.data.aws_route53_zone.this
  values = { name = "example.com", private_zone = false }
}

override_data {
  target = module.email.data.aws_route53_zone.this
  values = { name = "example.com", private_zone = false }
}

override_resource {
  target          = module.alb.aws_acm_certificate.this
  override_during = plan
  values = {
    arn = "arn:aws:acm:eu-west-1:111122223333:certificate/11111111-1111-1111-1111-111111111111"
    domain_validation_options = [{
      domain_name           = "shop-dev.example.com"
      resource_record_name  = "_0123456789abcdef.shop-dev.example.com."
      resource_record_type  = "CNAME"
      resource_record_value = "_fedcba9876543210.abcdefghij.acm-validations.aws."
    }]
  }
}

override_resource {
  target          = module.email.aws_sesv2_email_identity.domain
  override_during = plan
  values = {
    arn = "arn:aws:ses:eu-west-1:111122223333:identity/shop-dev.example.com"
    dkim_signing_attributes = {
      current_signing_key_length    = "RSA_2048_BIT"
      domain_signing_private_key    = null
      domain_signing_selector       = null
      last_key_generation_timestamp = "2026-01-01T00:00:00Z"
      next_signing_key_length       = "RSA_2048_BIT"
      signing_attributes_origin     = "AWS_SES"
      status                        = "PENDING"
      tokens                        = ["tokena", "tokenb", "tokenc"]
    }
  }
}

override_resource {
  target          = module.workflows.aws_sfn_activity.this
  override_during = plan
  values          = { id = "arn:aws:states:eu-west-1:111122223333:activity:shop-dev-loyalty-tier-tasks" }
}

override_resource {
  target          = module.workflows.aws_sfn_state_machine.this
  override_during = plan
  values          = { arn = "arn:aws:states:eu-west-1:111122223333:stateMachine:shop-dev-loyalty-tiers" }
}

run "the_deployment_matches_the_shared_topology" {
  command = plan

  assert {
    condition     = keys(module.messaging.queue_names) == keys(local.topology.queues)
    error_message = "Terraform's queues differ from the topology's."
  }
  assert {
    condition     = alltrue([for key in keys(local.topology.queues) : module.messaging.dlq_names[key] == "shop-dev-${key}-dlq"])
    error_message = "Every queue of the topology needs its DLQ <prefix><key>-dlq."
  }
  assert {
    condition     = keys(module.messaging.rule_names) == keys(local.topology.rules)
    error_message = "Terraform's rules differ from the topology's."
  }
  assert {
    condition     = keys(module.messaging.target_dlq_names) == keys(local.topology.rules)
    error_message = "Every rule target needs a DLQ of its own."
  }
  assert {
    condition     = keys(module.workflows.activity_arns) == keys(local.topology.activities)
    error_message = "Terraform's activities differ from the topology's."
  }
  assert {
    condition     = keys(module.workflows.state_machine_names) == keys(local.topology.state_machines)
    error_message = "Terraform's state machines differ from the topology's."
  }
  assert {
    condition     = keys(module.workflows.schedule_names) == keys(local.topology.schedules)
    error_message = "Terraform's schedules differ from the topology's."
  }
  assert {
    condition     = keys(module.data.table_names) == keys(local.topology.tables)
    error_message = "Terraform's tables differ from the topology's."
  }
}

run "every_service_runs_and_scales" {
  command = plan

  assert {
    condition     = keys(module.service) == keys(local.topology.services)
    error_message = "Every service of the topology needs an ECS service."
  }
  assert {
    condition     = alltrue([for service in module.service : service.scaling_rules > 0])
    error_message = "Every ECS service needs autoscaling policies or scheduled actions."
  }
  assert {
    condition     = local.scaling["loyalty"].mode == "queue_steps" && local.scaling["notifications"].mode == "backlog_per_task"
    error_message = "Loyalty scales in steps on queue depth, notifications on backlog per task."
  }
}

run "every_dead_letter_queue_has_an_alarm" {
  command = plan

  assert {
    condition = alltrue([
      for key in concat(keys(local.topology.queues), keys(local.topology.rules), keys(local.topology.schedules)) :
      contains(keys(module.observability.dlq_alarm_names), key)
    ])
    error_message = "Every queue DLQ, rule-target DLQ and schedule DLQ needs an alarm."
  }
}

run "a_plain_http_endpoint_is_refused" {
  command = plan

  variables {
    certificate_arn = "not-an-arn"
  }

  expect_failures = [var.certificate_arn]
}

run "customers_sign_in_with_a_cognito_user_pool_by_default" {
  command = plan

  assert {
    condition     = module.identity.uses_cognito && output.cognito_user_pool_id == "eu-west-1_TestPool1"
    error_message = "Without oidc_issuer a Cognito user pool (and its app client) is planned."
  }
  assert {
    condition = alltrue([
      for service in ["order", "loyalty", "notifications"] :
      lookup(local.service_environment[service], "AUTH_ISSUER", null) == "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_TestPool1" &&
      lookup(local.service_environment[service], "AUTH_AUDIENCE", null) == "3n4b5urk1ft4fl3mg5e62d9ado" &&
      lookup(local.service_environment[service], "AUTH_JWKS_URL", null) == "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_TestPool1/.well-known/jwks.json"
    ])
    error_message = "order, loyalty and notifications verify ID tokens of the pool: its issuer URL, the app client id as audience, its JWKS."
  }
  assert {
    condition = alltrue([
      for service in ["order", "loyalty", "notifications"] :
      length(setsubtract(["AUTH_ISSUER", "AUTH_AUDIENCE", "AUTH_JWKS_URL"], module.service[service].environment_variable_names)) == 0
    ])
    error_message = "The AUTH_* variables must reach the three services' task definitions."
  }
  assert {
    condition = alltrue([
      for service in ["payment", "batch-worker"] : length([for name in module.service[service].environment_variable_names : name if startswith(name, "AUTH_")]) == 0
    ])
    error_message = "Payment (API key) and the batch worker (no API) get no token settings."
  }
}

run "any_oidc_issuer_instead_of_cognito" {
  command = plan

  variables {
    oidc_issuer   = "https://login.example.com/"
    oidc_audience = "shop-api"
  }

  assert {
    condition     = !module.identity.uses_cognito && output.cognito_user_pool_id == null && output.auth_issuer == "https://login.example.com/"
    error_message = "With oidc_issuer no user pool is planned."
  }
  assert {
    # Names and the AUTH_* values: a secret's name (notifications' digest key) is read from its ARN, known after apply.
    condition = alltrue([
      for service in ["order", "loyalty", "notifications"] :
      toset(keys(local.service_environment[service])) == toset(concat(keys(module.access.environment[service]), ["AUTH_AUDIENCE", "AUTH_ISSUER"])) &&
      local.service_environment[service].AUTH_ISSUER == "https://login.example.com/" &&
      local.service_environment[service].AUTH_AUDIENCE == "shop-api"
    ])
    error_message = "The three services get the given issuer and audience, and discover the JWKS (no AUTH_JWKS_URL)."
  }
}

run "the_load_balancer_routes_the_read_apis" {
  command = plan

  assert {
    condition = (
      module.alb.listener_rules["loyalty"].path_patterns == toset(["/customers/*/loyalty"]) && module.alb.listener_rules["loyalty"].methods == toset(["GET"]) &&
      module.alb.listener_rules["loyalty"].action == "forward" && module.alb.listener_rules["loyalty"].service == "loyalty"
    )
    error_message = "GET /customers/*/loyalty must be forwarded to loyalty."
  }
  assert {
    condition = (
      module.alb.listener_rules["notifications"].path_patterns == toset(["/customers/*/notifications"]) && module.alb.listener_rules["notifications"].methods == toset(["GET"]) &&
      module.alb.listener_rules["notifications"].action == "forward" && module.alb.listener_rules["notifications"].service == "notifications"
    )
    error_message = "GET /customers/*/notifications must be forwarded to notifications."
  }
  assert {
    condition     = toset(keys(module.alb.target_group_arns)) == toset(["order", "payment", "loyalty", "notifications"])
    error_message = "order, payment, loyalty and notifications each need a target group."
  }
  assert {
    condition     = alltrue([for service in ["order", "payment", "loyalty", "notifications"] : module.service[service].load_balancer_port == 8000]) && module.service["batch-worker"].load_balancer_port == null
    error_message = "The four services behind the load balancer admit it on the container port; the batch worker admits nothing."
  }
}

run "payment_s_events_route_requires_the_api_key_header" {
  command = plan

  assert {
    condition = (
      module.alb.listener_rules["payment-events"].path_patterns == toset(["/events"]) &&
      module.alb.listener_rules["payment-events"].methods == toset(["POST"]) &&
      module.alb.listener_rules["payment-events"].headers == { "x-api-key" = toset(["*"]) } &&
      module.alb.listener_rules["payment-events"].service == "payment"
    )
    error_message = "POST /events reaches payment only with the topology's API-key header (x-api-key)."
  }
  assert {
    condition = (
      module.alb.listener_rules["payment-events-without-key"].action == "fixed-response" &&
      module.alb.listener_rules["payment-events-without-key"].priority > module.alb.listener_rules["payment-events"].priority
    )
    error_message = "Without the header the load balancer answers POST /events itself."
  }
}

run "a_waf_web_acl_protects_the_load_balancer_by_default" {
  command = plan

  assert {
    condition     = length(module.waf) == 1 && module.waf[0].protected_resource_arn == "arn:aws:elasticloadbalancing:eu-west-1:111122223333:loadbalancer/app/shop-dev-alb/0123456789abcdef"
    error_message = "The web ACL must be associated with the load balancer."
  }
  assert {
    condition     = module.waf[0].managed_rule_groups == toset(["AWSManagedRulesCommonRuleSet", "AWSManagedRulesKnownBadInputsRuleSet", "AWSManagedRulesAmazonIpReputationList"])
    error_message = "The web ACL applies the common, known-bad-inputs and IP reputation rule groups."
  }
  assert {
    condition = module.waf[0].rate_limits == {
      "events-rate-per-ip" = local.topology.api_destinations["payment-events"].invocation_rate_limit_per_second * 60
      "rate-per-ip"        = 2000
    }
    error_message = "A rate rule per address on the customer APIs (waf_rate_limit_per_ip) and one on /events sized to the API destination (its rate per second x 60)."
  }
}

run "the_waf_can_be_switched_off" {
  command = plan

  variables {
    waf_enabled = false
  }

  assert {
    condition     = length(module.waf) == 0 && output.web_acl_arn == null
    error_message = "waf_enabled = false plans no web ACL."
  }
}

run "every_service_sends_its_traces_to_xray_through_a_sidecar" {
  command = plan

  assert {
    condition     = alltrue([for key, service in module.service : service.container_names == [key, "aws-otel-collector"]])
    error_message = "Every task definition (order, payment, loyalty, notifications, batch-worker) runs its app and an ADOT collector sidecar."
  }
  assert {
    condition = alltrue([
      for service in module.service :
      length(setsubtract(["OTEL_TRACES_EXPORTER", "OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_TRACES_SAMPLER", "OTEL_TRACES_SAMPLER_ARG", "OTEL_RESOURCE_ATTRIBUTES"], service.environment_variable_names)) == 0
    ])
    error_message = "Every app container gets the OTLP exporter, the sampler and the environment attribute."
  }
  assert {
    condition = alltrue([
      for key, service in module.service :
      service.tracing_environment == tomap({
        OTEL_TRACES_EXPORTER        = "otlp"
        OTEL_EXPORTER_OTLP_ENDPOINT = "http://127.0.0.1:4318"
        OTEL_TRACES_SAMPLER         = "parentbased_traceidratio"
        OTEL_TRACES_SAMPLER_ARG     = key == "batch-worker" ? "1" : "0.05"
        OTEL_RESOURCE_ATTRIBUTES    = "deployment.environment=dev"
      })
    ])
    error_message = "The services sample 5% of new traces, the batch worker every tier run (trace_sampling_ratio_overrides), all tagged deployment.environment=dev."
  }
  assert {
    condition     = output.xray_group_name == "shop-dev-traces" && startswith(output.trace_console_urls["order"], "https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#xray:traces/query?")
    error_message = "The environment has its X-Ray group and the links to its traces (the dashboard shows them)."
  }
}

run "the_sampling_ratio_is_one_setting" {
  command = plan

  variables {
    trace_sampling_ratio           = 0.2
    trace_sampling_ratio_overrides = {}
  }

  assert {
    condition     = alltrue([for service in module.service : service.tracing_environment.OTEL_TRACES_SAMPLER_ARG == "0.2"])
    error_message = "trace_sampling_ratio reaches every service."
  }
}

run "a_sampling_ratio_outside_0_1_is_refused" {
  command = plan

  variables {
    trace_sampling_ratio = 10
  }

  expect_failures = [var.trace_sampling_ratio]
}

run "an_override_for_an_unknown_service_is_refused" {
  command = plan

  variables {
    trace_sampling_ratio_overrides = { orders = 1 }
  }

  expect_failures = [var.trace_sampling_ratio_overrides]
}

run "tracing_can_be_switched_off" {
  command = plan

  variables {
    tracing_enabled = false
  }

  assert {
    condition     = alltrue([for key, service in module.service : service.container_names == [key] && length(service.tracing_environment) == 0])
    error_message = "tracing_enabled = false: no sidecar and no OTEL_* variable in any task."
  }
  assert {
    condition     = output.xray_group_name == null && length(output.trace_console_urls) == 0
    error_message = "tracing_enabled = false: no X-Ray group, no trace links."
  }
}

run "a_hosted_zone_gets_payment_s_https_name_without_manual_dns" {
  command = plan

  variables {
    certificate_arn = null
    route53_zone_id = "Z0123456789ABCDEFGHIJ"
  }

  assert {
    condition = module.alb.managed_certificate == {
      domain_name               = "shop-dev.example.com"
      validation_method         = "DNS"
      validation_record_zone_id = "Z0123456789ABCDEFGHIJ"
      validation_record_name    = "_0123456789abcdef.shop-dev.example.com" # Route 53 drops the trailing dot
    }
    error_message = "A certificate for domain_name is requested and validated through a record in the hosted zone."
  }
  assert {
    condition     = module.alb.certificate_arn == "arn:aws:acm:eu-west-1:111122223333:certificate/11111111-1111-1111-1111-111111111111"
    error_message = "The HTTPS listener uses the managed certificate (once validated)."
  }
  assert {
    condition = module.alb.domain_record == {
      zone_id = "Z0123456789ABCDEFGHIJ", name = "shop-dev.example.com", type = "A", target = "shop-dev-alb-123456789.eu-west-1.elb.amazonaws.com"
    }
    error_message = "domain_name is an alias of the load balancer in the hosted zone."
  }
  assert {
    condition     = output.order_api_url == "https://shop-dev.example.com"
    error_message = "The API destination and the customers call https://<domain_name>."
  }
}

run "bring_your_own_certificate_and_dns" {
  command = plan

  assert {
    condition     = module.alb.certificate_arn == var.certificate_arn && module.alb.managed_certificate == null && module.alb.domain_record == null
    error_message = "With certificate_arn (and no zone) the listener uses it and no certificate or record is managed."
  }
  assert {
    condition     = output.order_api_url == "https://shop-dev.example.com"
    error_message = "The API destination calls https://<domain_name> either way."
  }
}

run "a_zone_and_a_certificate_together_are_refused" {
  command = plan

  variables {
    route53_zone_id = "Z0123456789ABCDEFGHIJ"
  }

  expect_failures = [var.certificate_arn]
}

run "no_certificate_at_all_is_refused" {
  command = plan

  variables {
    certificate_arn = null
  }

  expect_failures = [var.certificate_arn]
}

run "a_url_is_not_a_domain_name" {
  command = plan

  variables {
    domain_name = "https://shop-dev.example.com/events"
  }

  expect_failures = [var.domain_name]
}

run "an_upper_case_domain_name_is_refused" {
  command = plan

  variables {
    domain_name = "Shop-Dev.example.com"
  }

  expect_failures = [var.domain_name]
}

run "the_sender_is_verifiable_and_used_everywhere_on_aws" {
  command = plan

  variables {
    certificate_arn = null
    route53_zone_id = "Z0123456789ABCDEFGHIJ"
  }

  assert {
    condition     = output.email_sender == "no-reply@shop-dev.example.com" && output.email_domain == "shop-dev.example.com" && output.email_sender != local.topology.email_sender
    error_message = "By default the shop sends from no-reply@<domain_name>, a domain it controls, never the topology's local address."
  }
  assert {
    condition     = local.service_environment["notifications"]["NOTIFICATIONS_EMAIL_SENDER"] == "no-reply@shop-dev.example.com"
    error_message = "The notifications task sends from email_sender."
  }
  # The task role's ses:FromAddress condition is built from the same module.access input (checked with the
  # rendered policy in modules/service-access's tests; here the policy's other ARNs are unknown until apply).
  assert {
    condition = output.email_dkim_records_managed && output.email_dkim_records == [
      { name = "tokena._domainkey.shop-dev.example.com", type = "CNAME", value = "tokena.dkim.amazonses.com" },
      { name = "tokenb._domainkey.shop-dev.example.com", type = "CNAME", value = "tokenb.dkim.amazonses.com" },
      { name = "tokenc._domainkey.shop-dev.example.com", type = "CNAME", value = "tokenc.dkim.amazonses.com" },
    ]
    error_message = "The sender's domain is in the hosted zone: its three Easy DKIM records are created there."
  }
}

run "a_sender_outside_the_zone_gets_its_dkim_records_as_an_output" {
  command = plan

  variables {
    email_sender = "orders@mail.other.example"
  }

  assert {
    condition     = local.service_environment["notifications"]["NOTIFICATIONS_EMAIL_SENDER"] == "orders@mail.other.example" && output.email_domain == "mail.other.example"
    error_message = "email_sender reaches the notifications task, and its domain is the SES identity."
  }
  assert {
    condition     = !output.email_dkim_records_managed && length(output.email_dkim_records) == 3
    error_message = "Without a zone holding the domain, the operator gets the three DKIM records to publish."
  }
}

run "a_sender_that_is_not_an_address_is_refused" {
  command = plan

  variables {
    email_sender = "Shop <no-reply@shop-dev.example.com>"
  }

  expect_failures = [var.email_sender]
}

run "no_interface_endpoints_by_default" {
  command = plan

  assert {
    condition     = length(module.network.interface_endpoint_ids) == 0
    error_message = "vpc_endpoints_enabled is off by default (each endpoint costs about $7.30 a month per AZ)."
  }
}

run "interface_endpoints_when_enabled" {
  command = plan

  variables {
    vpc_endpoints_enabled = true
  }

  assert {
    condition = toset(keys(module.network.interface_endpoint_ids)) == toset([
      "ecr.api", "ecr.dkr", "email", "events", "kms", "logs", "secretsmanager", "sns", "sqs", "states", "xray",
    ])
    error_message = "Every AWS API the tasks call has its interface endpoint: ECR, SES, EventBridge, KMS, Logs, Secrets Manager, SNS, SQS, Step Functions, X-Ray."
  }
}

run "the_batch_workers_keep_an_on_demand_base_that_carries_the_whole_run" {
  command = plan

  assert {
    condition = (
      one([for entry in module.service["batch-worker"].capacity_provider_strategy : entry.base if entry.capacity_provider == "FARGATE"]) >= 1
      && one([for entry in module.service["batch-worker"].capacity_provider_strategy : entry.weight if entry.capacity_provider == "FARGATE_SPOT"]) > 0
    )
    error_message = "The batch workers run on Spot only beside an on-demand FARGATE base (ECS never falls back from Spot by itself)."
  }

  # With every Spot task missing (no capacity, or all interrupted), the on-demand tasks at the window's size must
  # still offer the Map's MaxConcurrency in activity slots: base + the FARGATE share of the rest (rounded down),
  # 4 slots each (BatchSettings.max_concurrent_tasks, BATCH_MAX_CONCURRENT_TASKS, default 4).
  assert {
    condition = 4 * (
      one([for entry in module.service["batch-worker"].capacity_provider_strategy : entry.base if entry.capacity_provider == "FARGATE"])
      + floor(
        (var.services["batch-worker"].max_capacity - one([for entry in module.service["batch-worker"].capacity_provider_strategy : entry.base if entry.capacity_provider == "FARGATE"]))
        * one([for entry in module.service["batch-worker"].capacity_provider_strategy : entry.weight if entry.capacity_provider == "FARGATE"])
        / sum([for entry in module.service["batch-worker"].capacity_provider_strategy : entry.weight])
      )
    ) >= local.topology.state_machines["loyalty-tiers"].parameters.max_concurrency
    error_message = "Without Spot, the on-demand batch workers at max_capacity must still hold max_concurrency chunks at once."
  }

  assert {
    condition     = alltrue([for key, service in module.service : alltrue([for entry in service.capacity_provider_strategy : entry.capacity_provider == "FARGATE"]) if key != "batch-worker"])
    error_message = "Only the batch workers use Spot."
  }
}

run "the_tier_run_times_out_when_its_workers_go" {
  command = plan

  # Minutes of the day of cron(<minute> <hour> ...): the workers' window (scale up, scale down) around the schedule.
  assert {
    condition = (
      tonumber(regex("^cron\\(([0-9]+) ([0-9]+)", local.scaling["batch-worker"].schedule_scale_up_cron)[1]) * 60 + tonumber(regex("^cron\\(([0-9]+) ([0-9]+)", local.scaling["batch-worker"].schedule_scale_up_cron)[0])
      <= tonumber(regex("^cron\\(([0-9]+) ([0-9]+)", local.topology.schedules["loyalty-tiers-monthly"].expression)[1]) * 60 + tonumber(regex("^cron\\(([0-9]+) ([0-9]+)", local.topology.schedules["loyalty-tiers-monthly"].expression)[0])
    )
    error_message = "The workers must be scaled up before the schedule starts the run."
  }

  assert {
    condition = (
      (tonumber(regex("^cron\\(([0-9]+) ([0-9]+)", local.topology.schedules["loyalty-tiers-monthly"].expression)[1]) * 60 + tonumber(regex("^cron\\(([0-9]+) ([0-9]+)", local.topology.schedules["loyalty-tiers-monthly"].expression)[0])) * 60
      + module.workflows.schedules["loyalty-tiers-monthly"].run_timeout_seconds
      <= (tonumber(regex("^cron\\(([0-9]+) ([0-9]+)", local.scaling["batch-worker"].schedule_scale_down_cron)[1]) * 60 + tonumber(regex("^cron\\(([0-9]+) ([0-9]+)", local.scaling["batch-worker"].schedule_scale_down_cron)[0])) * 60
    )
    error_message = "The run must time out (TIMED_OUT, alarmed) no later than the workers are scaled down: after that it could only hang."
  }

  assert {
    condition     = module.workflows.schedules["loyalty-tiers-monthly"].run_timeout_seconds == local.topology.state_machines["loyalty-tiers"].parameters.run_timeout_seconds
    error_message = "The deployed state machine carries the topology's run timeout."
  }
}

run "failed_stuck_aborted_and_missed_runs_alarm" {
  command = plan

  assert {
    condition = length(setsubtract([
      "shop-dev-loyalty-tiers-executions-failed",
      "shop-dev-loyalty-tiers-executions-timed-out",
      "shop-dev-loyalty-tiers-executions-aborted",
      "shop-dev-loyalty-tiers-monthly-did-not-succeed",
    ], module.observability.alarm_names)) == 0
    error_message = "The tier run alarms when it fails, times out (its run timeout), is aborted, or did not succeed on its day."
  }

  assert {
    condition     = module.workflows.schedule_group_name == "shop-dev-schedules" && length(setsubtract(["shop-dev-schedules-target-errors", "shop-dev-schedules-dead-letter-failed"], module.observability.alarm_names)) == 0
    error_message = "The environment's own schedule group has its Scheduler target-error and failed-to-dead-letter alarms."
  }
}

run "the_payment_push_ses_and_the_targets_alarm" {
  command = plan

  assert {
    condition = length(local.api_destination_rules) > 0 && alltrue([
      for name in local.api_destination_rules : contains(module.observability.alarm_names, "${name}-retrying")
    ])
    error_message = "Every rule targeting an API destination (payment's push) alarms while it keeps retrying (a 401 after a key rotation)."
  }

  assert {
    condition     = length(setsubtract(["shop-dev-ses-bounce-rate", "shop-dev-ses-complaint-rate"], module.observability.alarm_names)) == 0
    error_message = "SES bounces and complaints alarm."
  }

  assert {
    condition     = alltrue([for key in keys(module.alb.target_group_arn_suffixes) : contains(module.observability.alarm_names, "shop-dev-${key}-unhealthy-hosts")])
    error_message = "Every target group alarms on unhealthy targets."
  }
}

run "a_protected_environment_keeps_a_deleted_api_key_30_days" {
  command = plan

  assert {
    condition = length(module.messaging.secret_recovery_windows) > 0 && alltrue([
      for days in values(module.messaging.secret_recovery_windows) : days == 30
    ])
    error_message = "With deletion_protection (the default) a deleted secret stays restorable for 30 days."
  }
}

run "an_environment_being_torn_down_deletes_its_api_key_at_once" {
  command = plan

  variables {
    deletion_protection = false
  }

  assert {
    condition = length(module.messaging.secret_recovery_windows) > 0 && alltrue([
      for days in values(module.messaging.secret_recovery_windows) : days == 0
    ])
    error_message = "Without deletion_protection the secret is deleted at once, or re-creating the environment within 30 days fails on its name."
  }
}

run "the_batch_workers_keep_an_on_demand_base_beside_spot" {
  command = plan

  assert {
    condition = toset([
      for entry in module.service["batch-worker"].capacity_provider_strategy : "${entry.capacity_provider}:${entry.base}:${entry.weight}"
    ]) == toset(["FARGATE:1:1", "FARGATE_SPOT:0:3"])
    error_message = "The batch workers run their first task on regular Fargate and weight the rest 1:3 to Spot (a run never depends on Spot capacity alone)."
  }

  assert {
    condition = alltrue([
      for key, service in module.service :
      service.capacity_provider_strategy == tolist([{ capacity_provider = "FARGATE", base = 0, weight = 1 }]) if key != "batch-worker"
    ])
    error_message = "The HTTP APIs and the queue workers run on regular Fargate only."
  }
}

run "every_deployment_is_rolled_back_on_the_services_own_alarms" {
  command = plan

  assert {
    condition = alltrue([
      for key in ["order", "payment", "loyalty", "notifications"] : length(setsubtract(
        ["shop-dev-${key}-deployment-target-5xx", "shop-dev-${key}-deployment-unhealthy-targets"],
        module.service[key].deployment_alarm_names,
      )) == 0
    ])
    error_message = "Every service behind the load balancer rolls a deployment back on its target group's 5xx and unhealthy targets."
  }

  assert {
    condition = alltrue([
      for key, queue in local.topology.queues :
      contains(module.service[queue.consumer].deployment_alarm_names, "shop-dev-${queue.consumer}-deployment-dead-letters-shop-dev-${key}-dlq")
    ])
    error_message = "Every queue consumer rolls a deployment back when a message of its queue is dead-lettered."
  }

  assert {
    condition = (
      module.service["payment"].deployment_alarm_names == ["shop-dev-payment-deployment-target-5xx", "shop-dev-payment-deployment-unhealthy-targets"] &&
      module.service["batch-worker"].deployment_alarm_names == []
    )
    error_message = "Payment consumes no queue (only its target group's alarms); the batch workers have no alarm of their own (the circuit breaker rolls them back)."
  }
}
