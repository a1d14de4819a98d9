# Plan-only tests of the data module against the REAL topology, with a mocked AWS provider.

mock_provider "aws" {}

variables {
  topology    = yamldecode(file("../../../../shared/src/shop_shared/topology/topology.yaml"))
  name_prefix = "shop-test-"
}

run "one_table_per_topology_table_with_its_keys" {
  command = plan

  assert {
    condition     = keys(aws_dynamodb_table.this) == keys(var.topology.tables)
    error_message = "Exactly one table per topology table."
  }

  assert {
    condition = alltrue([for key, table in var.topology.tables : (
      aws_dynamodb_table.this[key].name == "shop-test-${key}"
      && aws_dynamodb_table.this[key].hash_key == table.hash_key
      && aws_dynamodb_table.this[key].range_key == try(table.range_key, null)
    )])
    error_message = "Each table is <prefix><key> with the topology's hash and range keys."
  }

  assert {
    condition = alltrue([for key, table in var.topology.tables : (
      toset([for attribute in aws_dynamodb_table.this[key].attribute : attribute.name]) == toset(compact(concat(
        [table.hash_key, try(table.range_key, null)],
        flatten([for index in values(try(table.indexes, {})) : [index.hash_key, try(index.range_key, null)]]),
      )))
      && alltrue([for attribute in aws_dynamodb_table.this[key].attribute : attribute.type == "S"])
    )])
    error_message = "Attribute definitions are exactly the table and index keys, all strings."
  }
}

run "indexes_and_ttl_as_declared" {
  command = plan

  assert {
    condition = alltrue([for key, table in var.topology.tables : (
      toset([for index in aws_dynamodb_table.this[key].global_secondary_index : index.name]) == toset(keys(try(table.indexes, {})))
    )])
    error_message = "Each table has exactly the topology's indexes."
  }

  assert {
    condition = alltrue(flatten([for key, table in var.topology.tables : [
      for index in aws_dynamodb_table.this[key].global_secondary_index : (
        index.hash_key == table.indexes[index.name].hash_key
        && index.range_key == try(table.indexes[index.name].range_key, null)
        && index.projection_type == "ALL"
      )
    ]]))
    error_message = "Each index has the topology's keys and projects all attributes."
  }

  assert {
    condition = alltrue([for key, table in var.topology.tables : (
      try(table.ttl_attribute, null) == null
      ? !try(aws_dynamodb_table.this[key].ttl[0].enabled, false)
      : aws_dynamodb_table.this[key].ttl[0].enabled && aws_dynamodb_table.this[key].ttl[0].attribute_name == table.ttl_attribute
    )])
    error_message = "TTL is on exactly where the topology declares a ttl_attribute, on that attribute."
  }

  assert {
    condition     = length([for table in var.topology.tables : table if can(table.indexes)]) > 0 && length([for table in var.topology.tables : table if can(table.ttl_attribute)]) > 0
    error_message = "The real topology has tables with indexes and with TTL (else the two checks above prove nothing)."
  }
}

run "on_demand_recoverable_encrypted_protected" {
  command = plan

  assert {
    condition = alltrue([for table in aws_dynamodb_table.this : (
      table.billing_mode == "PAY_PER_REQUEST"
      && table.point_in_time_recovery[0].enabled
      && table.server_side_encryption[0].enabled
      && table.deletion_protection_enabled
    )])
    error_message = "Every table is on-demand, with PITR, SSE-KMS and deletion protection."
  }
}

run "deletion_protection_can_be_switched_off_and_a_cmk_used" {
  command = plan

  variables {
    deletion_protection = false
    kms_key_arn         = "arn:aws:kms:eu-west-1:123456789012:key/mock"
  }

  assert {
    condition = alltrue([for table in aws_dynamodb_table.this : (
      !table.deletion_protection_enabled && table.server_side_encryption[0].kms_key_arn == "arn:aws:kms:eu-west-1:123456789012:key/mock"
    )])
    error_message = "deletion_protection = false unprotects the tables; kms_key_arn encrypts them with that key."
  }
}
