# A two-tier VPC: public subnets hold the ALB and the NAT gateway, private subnets hold the Fargate tasks.
# Nothing is created when create_vpc is false: the outputs then pass the given ids through.

locals {
  create = var.create_vpc
  azs    = local.create ? slice(data.aws_availability_zones.available[0].names, 0, var.azs_count) : []

  # Public /24s at the bottom of the range (the ALB and NAT need few addresses), private /20s above them
  # (every Fargate task takes one ENI address, and deployments briefly double the task count).
  public_subnet_cidrs  = [for i in range(var.azs_count) : cidrsubnet(var.vpc_cidr, 8, i)]
  private_subnet_cidrs = [for i in range(var.azs_count) : cidrsubnet(var.vpc_cidr, 4, i + 1)]

  nat_gateway_count = local.create ? (var.single_nat_gateway ? 1 : var.azs_count) : 0

  interface_endpoint_services = local.create && var.vpc_endpoints_enabled ? var.vpc_endpoint_services : toset([])

  log_group_arn_prefix = "arn:${data.aws_partition.current.partition}:logs:${data.aws_region.current.name}:${data.aws_caller_identity.current.account_id}:log-group:"
}

data "aws_availability_zones" "available" {
  # checkov:skip=CKV_AWS_394: only the first azs_count zones are used and subnets keep their zone once created; new zones get later letters, so the slice does not move
  count = local.create ? 1 : 0

  state = "available"

  # Regular zones only: Local Zones and Wavelength Zones (opted in) lack NAT gateways and most services.
  filter {
    name   = "opt-in-status"
    values = ["opt-in-not-required"]
  }
}

data "aws_region" "current" {}

data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

resource "aws_vpc" "this" {
  count = local.create ? 1 : 0

  cidr_block           = var.vpc_cidr
  enable_dns_support   = true
  enable_dns_hostnames = true # interface endpoints and private DNS need it

  tags = merge(var.tags, { Name = "${var.name_prefix}vpc" })
}

# Strip every rule from the default security group so nothing lands in an open group by accident.
resource "aws_default_security_group" "this" {
  count = local.create ? 1 : 0

  vpc_id = aws_vpc.this[0].id

  tags = merge(var.tags, { Name = "${var.name_prefix}default-deny" })
}

resource "aws_subnet" "public" {
  count = local.create ? var.azs_count : 0

  vpc_id            = aws_vpc.this[0].id
  cidr_block        = local.public_subnet_cidrs[count.index]
  availability_zone = local.azs[count.index]
  # The ALB and the NAT gateway get their public addresses explicitly; nothing else should.
  map_public_ip_on_launch = false

  tags = merge(var.tags, { Name = "${var.name_prefix}public-${local.azs[count.index]}", Tier = "public" })
}

resource "aws_subnet" "private" {
  count = local.create ? var.azs_count : 0

  vpc_id            = aws_vpc.this[0].id
  cidr_block        = local.private_subnet_cidrs[count.index]
  availability_zone = local.azs[count.index]

  tags = merge(var.tags, { Name = "${var.name_prefix}private-${local.azs[count.index]}", Tier = "private" })
}

resource "aws_internet_gateway" "this" {
  count = local.create ? 1 : 0

  vpc_id = aws_vpc.this[0].id

  tags = merge(var.tags, { Name = "${var.name_prefix}igw" })
}

resource "aws_route_table" "public" {
  count = local.create ? 1 : 0

  vpc_id = aws_vpc.this[0].id

  tags = merge(var.tags, { Name = "${var.name_prefix}public" })
}

resource "aws_route" "public_internet" {
  count = local.create ? 1 : 0

  route_table_id         = aws_route_table.public[0].id
  destination_cidr_block = "0.0.0.0/0"
  gateway_id             = aws_internet_gateway.this[0].id
}

resource "aws_route_table_association" "public" {
  count = local.create ? var.azs_count : 0

  subnet_id      = aws_subnet.public[count.index].id
  route_table_id = aws_route_table.public[0].id
}

resource "aws_eip" "nat" {
  count = local.nat_gateway_count

  domain = "vpc"

  tags = merge(var.tags, { Name = "${var.name_prefix}nat-${local.azs[count.index]}" })

  depends_on = [aws_internet_gateway.this]
}

resource "aws_nat_gateway" "this" {
  count = local.nat_gateway_count

  allocation_id = aws_eip.nat[count.index].id
  subnet_id     = aws_subnet.public[count.index].id

  tags = merge(var.tags, { Name = "${var.name_prefix}nat-${local.azs[count.index]}" })

  depends_on = [aws_internet_gateway.this]
}

# One route table per private subnet, so switching single_nat_gateway off only changes routes.
resource "aws_route_table" "private" {
  count = local.create ? var.azs_count : 0

  vpc_id = aws_vpc.this[0].id

  tags = merge(var.tags, { Name = "${var.name_prefix}private-${local.azs[count.index]}" })
}

resource "aws_route" "private_nat" {
  count = local.create ? var.azs_count : 0

  route_table_id         = aws_route_table.private[count.index].id
  destination_cidr_block = "0.0.0.0/0"
  nat_gateway_id         = aws_nat_gateway.this[var.single_nat_gateway ? 0 : count.index].id
}

resource "aws_route_table_association" "private" {
  count = local.create ? var.azs_count : 0

  subnet_id      = aws_subnet.private[count.index].id
  route_table_id = aws_route_table.private[count.index].id
}

# Gateway endpoints cost nothing per hour or per GB, unlike NAT processing: every DynamoDB call of the
# services and the ECR image layers (served from S3) bypass the NAT gateway.
resource "aws_vpc_endpoint" "gateway" {
  for_each = local.create ? toset(["dynamodb", "s3"]) : toset([])

  vpc_id            = aws_vpc.this[0].id
  service_name      = "com.amazonaws.${data.aws_region.current.name}.${each.key}"
  vpc_endpoint_type = "Gateway"
  route_table_ids   = aws_route_table.private[*].id

  tags = merge(var.tags, { Name = "${var.name_prefix}${each.key}" })
}

# Interface endpoints: one ENI per private subnet, reached by the tasks over HTTPS under the services' usual
# names (private DNS), so the SDKs need no endpoint configuration. What still needs the NAT gateway: the payment
# provider, the Cognito JWKS (or oidc_jwks_url), and the ADOT sidecar image on public ECR (mirror it into ECR
# with a pull-through cache rule, or tasks cannot start without NAT while tracing is on).
resource "aws_security_group" "endpoints" {
  count = length(local.interface_endpoint_services) > 0 ? 1 : 0

  name        = "${var.name_prefix}vpc-endpoints"
  description = "Interface VPC endpoints: HTTPS in from the private subnets (the tasks)"
  vpc_id      = aws_vpc.this[0].id

  tags = merge(var.tags, { Name = "${var.name_prefix}vpc-endpoints" })
}

resource "aws_vpc_security_group_ingress_rule" "endpoints_https" {
  for_each = length(local.interface_endpoint_services) > 0 ? toset(local.private_subnet_cidrs) : toset([])

  security_group_id = aws_security_group.endpoints[0].id
  description       = "HTTPS from the tasks in ${each.key}"
  cidr_ipv4         = each.key
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443

  tags = var.tags
}

resource "aws_vpc_endpoint" "interface" {
  for_each = local.interface_endpoint_services

  vpc_id              = aws_vpc.this[0].id
  service_name        = "com.amazonaws.${data.aws_region.current.name}.${each.key}"
  vpc_endpoint_type   = "Interface"
  private_dns_enabled = true
  subnet_ids          = aws_subnet.private[*].id
  security_group_ids  = [aws_security_group.endpoints[0].id]

  tags = merge(var.tags, { Name = "${var.name_prefix}${each.key}" })
}

# Flow logs of the created VPC (rejected and accepted traffic) for incident analysis.
resource "aws_cloudwatch_log_group" "flow_logs" {
  # checkov:skip=CKV_AWS_158: encrypted with flow_log_kms_key_arn when given; CloudWatch Logs encrypts at rest by default otherwise
  # checkov:skip=CKV_AWS_338: retention is a per-environment choice (flow_log_retention_days), a year is rarely worth it for flow logs
  count = local.create ? 1 : 0

  name              = "/vpc/${var.name_prefix}flow-logs"
  retention_in_days = var.flow_log_retention_days
  kms_key_id        = var.flow_log_kms_key_arn

  tags = var.tags
}

resource "aws_iam_role" "flow_logs" {
  count = local.create ? 1 : 0

  name = "${var.name_prefix}vpc-flow-logs"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "vpc-flow-logs.amazonaws.com" }
      Action    = "sts:AssumeRole"
      # Confused-deputy guard: only flow logs of this account may use the role.
      Condition = { StringEquals = { "aws:SourceAccount" = data.aws_caller_identity.current.account_id } }
    }]
  })

  tags = var.tags
}

resource "aws_iam_role_policy" "flow_logs" {
  count = local.create ? 1 : 0

  name = "write-flow-logs"
  role = aws_iam_role.flow_logs[0].id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid      = "WriteFlowLogGroup"
        Effect   = "Allow"
        Action   = ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"]
        Resource = ["${local.log_group_arn_prefix}/vpc/${var.name_prefix}flow-logs:*"]
      },
      {
        # The service checks the destination exists; DescribeLogGroups is scoped to log groups, not to one group.
        Sid      = "FindFlowLogGroup"
        Effect   = "Allow"
        Action   = ["logs:DescribeLogGroups"]
        Resource = ["${local.log_group_arn_prefix}*"]
      },
    ]
  })
}

resource "aws_flow_log" "this" {
  count = local.create ? 1 : 0

  vpc_id                   = aws_vpc.this[0].id
  traffic_type             = "ALL"
  log_destination_type     = "cloud-watch-logs"
  log_destination          = aws_cloudwatch_log_group.flow_logs[0].arn
  iam_role_arn             = aws_iam_role.flow_logs[0].arn
  max_aggregation_interval = 60

  tags = merge(var.tags, { Name = "${var.name_prefix}vpc-flow-logs" })
}
