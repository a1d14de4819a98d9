output "vpc_id" {
  description = "Id of the VPC (created, or the given vpc_id)."
  value       = local.create ? aws_vpc.this[0].id : var.vpc_id
}

output "private_subnet_ids" {
  description = "Ids of the private subnets the tasks run in (created, or the given ones)."
  value       = local.create ? aws_subnet.private[*].id : var.private_subnet_ids
  # Tasks placed in these subnets need their NAT route and endpoints in place to pull images.
  depends_on = [aws_route.private_nat, aws_route_table_association.private, aws_vpc_endpoint.gateway, aws_vpc_endpoint.interface]
}

output "public_subnet_ids" {
  description = "Ids of the public subnets the ALB runs in (created, or the given ones)."
  value       = local.create ? aws_subnet.public[*].id : var.public_subnet_ids
  depends_on  = [aws_route.public_internet, aws_route_table_association.public]
}

output "interface_endpoint_ids" {
  description = "Interface VPC endpoint id by service (\"ecr.api\", \"logs\", ...); empty unless vpc_endpoints_enabled."
  value       = { for service, endpoint in aws_vpc_endpoint.interface : service => endpoint.id }
}
