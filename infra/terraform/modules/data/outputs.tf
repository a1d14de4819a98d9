output "table_names" {
  description = "Table names by topology table key."
  value       = { for key, table in aws_dynamodb_table.this : key => table.name }
}

output "table_arns" {
  description = "Table ARNs by topology table key (index ARNs are \"<arn>/index/<name>\")."
  value       = { for key, table in aws_dynamodb_table.this : key => table.arn }
}
