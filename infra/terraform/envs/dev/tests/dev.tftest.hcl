# Runs offline: `terraform test` from infra/terraform/envs/dev (infra/terraform/check.sh does it for CI).
#
# The whole environment is planned with the real AWS provider set never to call AWS; the few data sources
# that would (account id, availability zones, a generated password) are overridden. The modules' own tests
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
  target = module.messaging.data.aws_secretsmanager_random_password.this
  values = { random_password = "offline-test-password-0123456789abcdef" }
}

override_data {
  target = module.workflows.data.aws_caller_identity.current
  values = { account_id = "111122223333", arn = "arn:aws:iam::111122223333:user/test", user_id = "TEST" }
}

# Known at plan, so the issuer and audience the services get, and the web ACL's association, can be checked exactly.
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
  }
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
    condition = alltrue([
      for service in ["order", "loyalty", "notifications"] :
      local.service_environment[service] == merge(module.access.environment[service], { AUTH_ISSUER = "https://login.example.com/", AUTH_AUDIENCE = "shop-api" })
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
