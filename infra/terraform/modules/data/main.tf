# One DynamoDB table per table of the shared topology, with its keys, global secondary indexes and TTL.

locals {
  tables = {
    for key, table in var.topology.tables : key => {
      hash_key      = table.hash_key
      range_key     = try(table.range_key, null)
      ttl_attribute = try(table.ttl_attribute, null)
      indexes = {
        for name, index in try(table.indexes, {}) : name => {
          hash_key  = index.hash_key
          range_key = try(index.range_key, null)
        }
      }
    }
  }

  # DynamoDB only accepts definitions of attributes that are a key of the table or of an index; all are strings.
  key_attributes = {
    for key, table in local.tables : key => distinct(compact(concat(
      [table.hash_key, table.range_key],
      flatten([for index in values(table.indexes) : [index.hash_key, index.range_key]]),
    )))
  }
}

resource "aws_dynamodb_table" "this" {
  for_each = local.tables
  # checkov:skip=CKV_AWS_119: the CMK is optional (kms_key_arn); by default the AWS-managed key, so task roles need no key grant.

  name         = "${var.name_prefix}${each.key}"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = each.value.hash_key
  range_key    = each.value.range_key

  deletion_protection_enabled = var.deletion_protection

  dynamic "attribute" {
    for_each = local.key_attributes[each.key]

    content {
      name = attribute.value
      type = "S"
    }
  }

  dynamic "global_secondary_index" {
    for_each = each.value.indexes

    content {
      name            = global_secondary_index.key
      hash_key        = global_secondary_index.value.hash_key
      range_key       = global_secondary_index.value.range_key
      projection_type = "ALL"
    }
  }

  dynamic "ttl" {
    for_each = each.value.ttl_attribute == null ? [] : [each.value.ttl_attribute]

    content {
      enabled        = true
      attribute_name = ttl.value
    }
  }

  point_in_time_recovery {
    enabled = true
  }

  server_side_encryption {
    enabled     = true
    kms_key_arn = var.kms_key_arn
  }

  tags = var.tags
}
