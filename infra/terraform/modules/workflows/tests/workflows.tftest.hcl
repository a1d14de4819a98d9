# Plan-only tests of the workflows module against the REAL topology and ASL template, with a mocked AWS
# provider. Computed values are generated during plan (override_during = plan) so that references can be
# compared; ARNs that feed ARN arguments are valid-looking because the provider validates them.

mock_provider "aws" {
  mock_data "aws_caller_identity" {
    defaults = { account_id = "123456789012" }
  }
  mock_data "aws_region" {
    defaults = { name = "eu-west-1" }
  }
  mock_data "aws_partition" {
    defaults = { partition = "aws" }
  }
  mock_resource "aws_sfn_activity" {
    override_during = plan
    defaults        = {}
  }
  mock_resource "aws_sfn_state_machine" {
    override_during = plan
    defaults        = { arn = "arn:aws:states:eu-west-1:123456789012:stateMachine:mock" }
  }
  mock_resource "aws_cloudwatch_log_group" {
    override_during = plan
    defaults        = { arn = "arn:aws:logs:eu-west-1:123456789012:log-group:mock" }
  }
  mock_resource "aws_iam_role" {
    override_during = plan
    defaults        = { arn = "arn:aws:iam::123456789012:role/mock" }
  }
  mock_resource "aws_sqs_queue" {
    override_during = plan
    defaults        = { arn = "arn:aws:sqs:eu-west-1:123456789012:mock" }
  }
}

variables {
  topology     = yamldecode(file("../../../../shared/src/shop_shared/topology/topology.yaml"))
  topology_dir = "../../../../shared/src/shop_shared/topology"
  name_prefix  = "shop-test-"
  kms_key_arn  = "arn:aws:kms:eu-west-1:123456789012:key/mock"
}

run "one_activity_per_topology_activity" {
  command = plan

  assert {
    condition = keys(aws_sfn_activity.this) == keys(var.topology.activities) && alltrue([
      for key in keys(var.topology.activities) : aws_sfn_activity.this[key].name == "shop-test-${key}"
    ])
    error_message = "Exactly one activity <prefix><key> per topology activity."
  }
}

run "state_machine_is_the_asl_rendered_with_its_parameters" {
  command = plan

  assert {
    condition     = keys(aws_sfn_state_machine.this) == keys(var.topology.state_machines)
    error_message = "Exactly one state machine per topology state machine."
  }

  assert {
    condition = alltrue([for key, machine in var.topology.state_machines : (
      jsondecode(aws_sfn_state_machine.this[key].definition).States.RecomputeChunks.MaxConcurrency == machine.parameters.max_concurrency
      && jsondecode(aws_sfn_state_machine.this[key].definition).States.RecomputeChunks.ItemProcessor.States.RecomputeChunk.TimeoutSeconds == machine.parameters.chunk_timeout_seconds
      && jsondecode(aws_sfn_state_machine.this[key].definition).States.RecomputeChunks.ItemProcessor.States.RecomputeChunk.HeartbeatSeconds == machine.parameters.chunk_heartbeat_seconds
    )])
    error_message = "The Map's MaxConcurrency and the chunk task's timeout and heartbeat are the topology's parameters."
  }

  assert {
    condition = alltrue([for key, machine in var.topology.state_machines : (
      jsondecode(aws_sfn_state_machine.this[key].definition).States.PlanChunks.Resource == aws_sfn_activity.this[machine.activity].id
      && jsondecode(aws_sfn_state_machine.this[key].definition).States.Summarise.Resource == aws_sfn_activity.this[machine.activity].id
      && jsondecode(aws_sfn_state_machine.this[key].definition).States.RecomputeChunks.ItemProcessor.States.RecomputeChunk.Resource == aws_sfn_activity.this[machine.activity].id
    )])
    error_message = "Every task's Resource is the state machine's activity ARN."
  }

  assert {
    condition = alltrue([for key, machine in var.topology.state_machines : (
      jsondecode(aws_sfn_state_machine.this[key].definition) == jsondecode(templatefile(
        "${var.topology_dir}/${machine.definition}",
        merge(machine.parameters, { activity_arn = aws_sfn_activity.this[machine.activity].id }),
      ))
      && jsondecode(aws_sfn_state_machine.this[key].definition).States.PlanChunks.Parameters["started_at.$"] == "$$.Execution.StartTime"
    )])
    error_message = "The definition is the whole ASL template rendered (JSONPath $ and $$ untouched)."
  }

  assert {
    condition = alltrue([for key in keys(var.topology.state_machines) : (
      aws_sfn_state_machine.this[key].type == "STANDARD"
      && aws_sfn_state_machine.this[key].name == "shop-test-${key}"
      && aws_sfn_state_machine.this[key].role_arn == aws_iam_role.state_machine.arn
    )])
    error_message = "Standard state machines named <prefix><key>, run by the module's role."
  }
}

run "a_stuck_run_ends_on_the_run_timeout" {
  command = plan

  assert {
    condition = alltrue([for key, machine in var.topology.state_machines :
      jsondecode(aws_sfn_state_machine.this[key].definition).TimeoutSeconds == machine.parameters.run_timeout_seconds
    ])
    error_message = "The ASL's top-level TimeoutSeconds is the topology's run_timeout_seconds."
  }

  # The run timeout must leave room for the slowest path of single tasks, each timing out on every attempt
  # (TimeoutSeconds x (1 + its retries)): PlanChunks, one chunk of the Map, Summarise. Otherwise one slow chunk
  # would end a run that the Retry and Catch would have carried through.
  assert {
    condition = alltrue([for key in keys(var.topology.state_machines) : (
      jsondecode(aws_sfn_state_machine.this[key].definition).TimeoutSeconds >= sum(concat(
        [
          for state in values(jsondecode(aws_sfn_state_machine.this[key].definition).States) :
          state.TimeoutSeconds * (1 + sum(concat([0], [for retrier in try(state.Retry, []) : retrier.MaxAttempts])))
          if state.Type == "Task"
        ],
        flatten([
          for state in values(jsondecode(aws_sfn_state_machine.this[key].definition).States) : [
            for inner in values(state.ItemProcessor.States) :
            inner.TimeoutSeconds * (1 + sum(concat([0], [for retrier in try(inner.Retry, []) : retrier.MaxAttempts])))
            if inner.Type == "Task"
          ] if state.Type == "Map"
        ]),
      ))
    )])
    error_message = "run_timeout_seconds is shorter than PlanChunks, one chunk and Summarise each timing out on every attempt."
  }
}

run "a_state_machine_without_a_run_timeout_is_refused" {
  command = plan

  variables {
    topology = {
      activities     = { work = { description = "test" } }
      state_machines = { no-timeout = { description = "test", definition = "no_run_timeout.asl.json", activity = "work", parameters = {} } }
    }
    topology_dir = "tests/fixtures"
  }

  expect_failures = [aws_sfn_state_machine.this]
}

run "logging_without_execution_data_and_tracing" {
  command = plan

  assert {
    condition = alltrue([for machine in aws_sfn_state_machine.this : (
      machine.logging_configuration[0].level == "ERROR"
      && machine.logging_configuration[0].include_execution_data == false
      && machine.logging_configuration[0].log_destination == "${aws_cloudwatch_log_group.this.arn}:*"
      && machine.tracing_configuration[0].enabled
    )])
    error_message = "Logging at ERROR without execution data to the module's log group, and X-Ray tracing on."
  }

  assert {
    condition = (
      aws_cloudwatch_log_group.this.retention_in_days == 90
      && aws_cloudwatch_log_group.this.kms_key_id == "arn:aws:kms:eu-west-1:123456789012:key/mock"
    )
    error_message = "The log group keeps 90 days by default and is encrypted with the given key."
  }

  assert {
    condition = alltrue([for statement in jsondecode(aws_iam_role_policy.state_machine.policy).Statement : (
      alltrue([for action in statement.Action : startswith(action, "logs:") || startswith(action, "xray:")])
    )])
    error_message = "The state machine role may only log and trace."
  }
}

run "one_schedule_per_topology_schedule" {
  command = plan

  assert {
    condition     = keys(aws_scheduler_schedule.this) == keys(var.topology.schedules)
    error_message = "Exactly one schedule per topology schedule."
  }

  assert {
    condition = alltrue([for key, schedule in var.topology.schedules : (
      aws_scheduler_schedule.this[key].schedule_expression == schedule.expression
      && aws_scheduler_schedule.this[key].schedule_expression_timezone == schedule.timezone
      && aws_scheduler_schedule.this[key].flexible_time_window[0].mode == "OFF"
      && aws_scheduler_schedule.this[key].state == "ENABLED"
      && aws_scheduler_schedule.this[key].target[0].arn == aws_sfn_state_machine.this[schedule.state_machine].arn
      && jsondecode(aws_scheduler_schedule.this[key].target[0].input) == schedule.input
    )])
    error_message = "Each schedule has the topology's expression, timezone and input, no flexible window, and starts its state machine."
  }

  assert {
    condition = alltrue([for key in keys(var.topology.schedules) : (
      aws_scheduler_schedule.this[key].target[0].dead_letter_config[0].arn == aws_sqs_queue.schedule_dlq[key].arn
      && aws_scheduler_schedule.this[key].target[0].retry_policy[0].maximum_event_age_in_seconds == 3600
      && aws_scheduler_schedule.this[key].target[0].retry_policy[0].maximum_retry_attempts == 10
      && aws_sqs_queue.schedule_dlq[key].name == "shop-test-${key}-schedule-dlq"
    )])
    error_message = "Each schedule target retries, then writes to its own DLQ."
  }

  assert {
    condition = (
      aws_scheduler_schedule_group.this[0].name == "shop-test-schedules" && output.schedule_group_name == "shop-test-schedules"
      && alltrue([for schedule in aws_scheduler_schedule.this : schedule.group_name == "shop-test-schedules"])
    )
    error_message = "The schedules live in the environment's own group, so its AWS/Scheduler metrics (per ScheduleGroup) are this environment's."
  }

  assert {
    condition = output.schedules == {
      for key, schedule in var.topology.schedules : key => {
        state_machine_arn   = aws_sfn_state_machine.this[schedule.state_machine].arn
        expression          = schedule.expression
        timezone            = schedule.timezone
        run_timeout_seconds = var.topology.state_machines[schedule.state_machine].parameters.run_timeout_seconds
      }
    }
    error_message = "The schedules output names each schedule's state machine, expression, time zone and run timeout."
  }

  assert {
    condition = (
      jsondecode(aws_iam_role_policy.scheduler[0].policy).Statement[0].Action == ["states:StartExecution"]
      && toset(jsondecode(aws_iam_role_policy.scheduler[0].policy).Statement[0].Resource) == toset([for schedule in values(var.topology.schedules) : aws_sfn_state_machine.this[schedule.state_machine].arn])
    )
    error_message = "The scheduler role may start only the scheduled state machines."
  }
}

run "schedules_can_be_disabled" {
  command = plan

  variables {
    enable_schedules = false
  }

  assert {
    condition     = alltrue([for schedule in aws_scheduler_schedule.this : schedule.state == "DISABLED"]) && length(aws_scheduler_schedule.this) == length(var.topology.schedules)
    error_message = "enable_schedules = false keeps the schedules, disabled."
  }
}

run "a_wrong_topology_dir_is_refused" {
  command = plan

  variables {
    topology_dir = "/nonexistent"
  }

  expect_failures = [var.topology_dir]
}
