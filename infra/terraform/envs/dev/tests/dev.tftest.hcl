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
