output "activity_arns" {
  description = "Activity ARNs by topology activity key (workers long-poll GetActivityTask on them)."
  value       = { for key, activity in aws_sfn_activity.this : key => activity.id }
}

output "state_machine_arns" {
  description = "State machine ARNs by topology state machine key."
  value       = { for key, machine in aws_sfn_state_machine.this : key => machine.arn }
}

output "state_machine_names" {
  description = "State machine names by topology state machine key."
  value       = { for key, machine in aws_sfn_state_machine.this : key => machine.name }
}

output "schedule_names" {
  description = "EventBridge Scheduler schedule names (in schedule_group_name) by topology schedule key."
  value       = { for key, schedule in aws_scheduler_schedule.this : key => schedule.name }
}

output "schedule_group_name" {
  description = "The environment's schedule group (\"<prefix>schedules\"): the ScheduleGroup dimension of its AWS/Scheduler metrics. Null without schedules."
  value       = one(aws_scheduler_schedule_group.this[*].name)
}

output "schedules" {
  description = "Each schedule's state machine ARN, expression, time zone and the state machine's run timeout (its ASL's top-level TimeoutSeconds), by topology schedule key: observability's scheduled_runs."
  value = {
    for key, schedule in local.schedules : key => {
      state_machine_arn   = aws_sfn_state_machine.this[schedule.state_machine].arn
      expression          = schedule.expression
      timezone            = try(schedule.timezone, "UTC")
      run_timeout_seconds = jsondecode(local.definitions[schedule.state_machine]).TimeoutSeconds
    }
  }
}

output "schedule_dlq_names" {
  description = "Names of the schedules' dead-letter queues (a start that failed after all retries), by topology schedule key."
  value       = { for key, queue in aws_sqs_queue.schedule_dlq : key => queue.name }
}

output "schedule_dlq_arns" {
  description = "ARNs of the schedules' dead-letter queues, by topology schedule key."
  value       = { for key, queue in aws_sqs_queue.schedule_dlq : key => queue.arn }
}

output "log_group_name" {
  description = "CloudWatch log group of the state machines' executions (ERROR level, no execution data)."
  value       = aws_cloudwatch_log_group.this.name
}

output "state_machine_role_arn" {
  description = "Execution role of the state machines."
  value       = aws_iam_role.state_machine.arn
}
