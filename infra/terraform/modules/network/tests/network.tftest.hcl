# Plan-only tests of the network module with a mocked AWS provider (no credentials, no network).

mock_provider "aws" {
  mock_data "aws_availability_zones" {
    defaults = {
      names = ["eu-west-1a", "eu-west-1b", "eu-west-1c"]
    }
  }
  mock_data "aws_region" {
    defaults = {
      name = "eu-west-1"
    }
  }
  mock_data "aws_caller_identity" {
    defaults = {
      account_id = "123456789012"
    }
  }
  mock_data "aws_partition" {
    defaults = {
      partition = "aws"
    }
  }
}

variables {
  name_prefix = "shop-test-"
}

run "creates_two_public_and_two_private_subnets" {
  command = plan

  assert {
    condition     = length(aws_subnet.public) == 2 && length(aws_subnet.private) == 2
    error_message = "A created VPC must have 2 public and 2 private subnets."
  }

  assert {
    condition     = toset(aws_subnet.private[*].availability_zone) == toset(["eu-west-1a", "eu-west-1b"])
    error_message = "The private subnets must be spread over two AZs."
  }

  assert {
    condition     = alltrue([for s in aws_subnet.public : s.map_public_ip_on_launch == false])
    error_message = "Public subnets must not hand out public IPs to everything launched in them."
  }

  assert {
    condition     = length(setintersection(toset(aws_subnet.public[*].cidr_block), toset(aws_subnet.private[*].cidr_block))) == 0
    error_message = "Public and private subnet ranges must differ."
  }

  assert {
    condition     = length(aws_nat_gateway.this) == 1 && length(aws_route.private_nat) == 2
    error_message = "By default one NAT gateway serves both private route tables."
  }

  assert {
    condition     = toset(keys(aws_vpc_endpoint.gateway)) == toset(["dynamodb", "s3"])
    error_message = "DynamoDB and S3 must be reached through gateway endpoints."
  }

  assert {
    condition     = aws_vpc_endpoint.gateway["dynamodb"].service_name == "com.amazonaws.eu-west-1.dynamodb" && aws_vpc_endpoint.gateway["dynamodb"].vpc_endpoint_type == "Gateway"
    error_message = "The DynamoDB endpoint must be a gateway endpoint of the current region."
  }

  assert {
    condition     = length(aws_flow_log.this) == 1 && aws_flow_log.this[0].traffic_type == "ALL"
    error_message = "The created VPC must log its flows."
  }

  assert {
    condition = alltrue([
      for st in jsondecode(aws_iam_role_policy.flow_logs[0].policy).Statement :
      alltrue([for a in flatten([st.Action]) : !strcontains(a, "*")]) && alltrue([for r in flatten([st.Resource]) : r != "*"])
    ])
    error_message = "The flow log role must not use wildcard actions or a \"*\" resource."
  }
}

run "one_nat_per_az_when_not_single" {
  command = plan

  variables {
    single_nat_gateway = false
  }

  assert {
    condition     = length(aws_nat_gateway.this) == 2 && length(aws_eip.nat) == 2
    error_message = "single_nat_gateway = false must create one NAT gateway per AZ."
  }
}

run "uses_existing_network" {
  command = plan

  variables {
    create_vpc         = false
    vpc_id             = "vpc-0123456789abcdef0"
    private_subnet_ids = ["subnet-private-a", "subnet-private-b"]
    public_subnet_ids  = ["subnet-public-a", "subnet-public-b"]
  }

  assert {
    condition     = length(aws_vpc.this) == 0 && length(aws_subnet.public) == 0 && length(aws_subnet.private) == 0
    error_message = "Nothing may be created when existing ids are given."
  }

  assert {
    condition     = length(aws_nat_gateway.this) == 0 && length(aws_vpc_endpoint.gateway) == 0 && length(aws_flow_log.this) == 0
    error_message = "No NAT, endpoints or flow logs for an existing VPC."
  }

  assert {
    condition     = output.vpc_id == "vpc-0123456789abcdef0" && output.private_subnet_ids == tolist(["subnet-private-a", "subnet-private-b"]) && output.public_subnet_ids == tolist(["subnet-public-a", "subnet-public-b"])
    error_message = "The outputs must pass the given ids through."
  }
}

run "existing_network_needs_ids" {
  command = plan

  variables {
    create_vpc = false
  }

  expect_failures = [var.vpc_id, var.private_subnet_ids, var.public_subnet_ids]
}

run "no_interface_endpoints_by_default" {
  command = plan

  assert {
    condition     = length(aws_vpc_endpoint.interface) == 0 && length(aws_security_group.endpoints) == 0 && length(output.interface_endpoint_ids) == 0
    error_message = "vpc_endpoints_enabled is off by default: no interface endpoint, no endpoint security group."
  }
}

run "interface_endpoints_keep_the_shop_running_without_nat" {
  command = plan

  variables {
    vpc_endpoints_enabled = true
  }

  # Ids known at plan, so the endpoints' subnets and security group can be compared.
  override_resource {
    target          = aws_subnet.private[0]
    override_during = plan
    values          = { id = "subnet-private-a" }
  }
  override_resource {
    target          = aws_subnet.private[1]
    override_during = plan
    values          = { id = "subnet-private-b" }
  }
  override_resource {
    target          = aws_security_group.endpoints[0]
    override_during = plan
    values          = { id = "sg-endpoints" }
  }

  assert {
    condition = toset(keys(aws_vpc_endpoint.interface)) == toset([
      "ecr.api", "ecr.dkr", "email", "events", "kms", "logs", "secretsmanager", "sns", "sqs", "states", "xray",
    ])
    error_message = "Every AWS API the tasks call needs its interface endpoint: ECR (api, dkr), SES, EventBridge, KMS, Logs, Secrets Manager, SNS, SQS, Step Functions, X-Ray."
  }

  assert {
    condition = alltrue([
      for service, endpoint in aws_vpc_endpoint.interface :
      endpoint.service_name == "com.amazonaws.eu-west-1.${service}" && endpoint.vpc_endpoint_type == "Interface" && endpoint.private_dns_enabled
    ])
    error_message = "Each endpoint is an interface endpoint of the region's service with private DNS, so the SDKs' default names resolve to it."
  }

  assert {
    condition     = alltrue([for endpoint in aws_vpc_endpoint.interface : endpoint.subnet_ids == toset(["subnet-private-a", "subnet-private-b"]) && endpoint.security_group_ids == toset(["sg-endpoints"])])
    error_message = "Each endpoint has an ENI in both private subnets, behind the endpoint security group."
  }

  assert {
    condition = (
      toset([for rule in aws_vpc_security_group_ingress_rule.endpoints_https : rule.cidr_ipv4]) == toset(aws_subnet.private[*].cidr_block) &&
      alltrue([for rule in aws_vpc_security_group_ingress_rule.endpoints_https : rule.ip_protocol == "tcp" && rule.from_port == 443 && rule.to_port == 443])
    )
    error_message = "The endpoints admit HTTPS (443) from the private subnets, where the tasks run, and nothing else."
  }

  assert {
    condition     = toset(keys(aws_vpc_endpoint.gateway)) == toset(["dynamodb", "s3"])
    error_message = "The gateway endpoints (DynamoDB; S3 for the ECR layers) stay."
  }
}

run "interface_endpoints_belong_to_a_created_vpc" {
  command = plan

  variables {
    create_vpc            = false
    vpc_id                = "vpc-0123456789abcdef0"
    private_subnet_ids    = ["subnet-private-a", "subnet-private-b"]
    public_subnet_ids     = ["subnet-public-a", "subnet-public-b"]
    vpc_endpoints_enabled = true
  }

  expect_failures = [var.vpc_endpoints_enabled]
}
