variable "name_prefix" {
  description = "Prefix of every name this module creates, e.g. \"shop-dev-\"."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9-]{1,20}$", var.name_prefix))
    error_message = "name_prefix must be 1-20 lowercase letters, digits or hyphens."
  }
}

variable "create_vpc" {
  description = "Create a VPC with public and private subnets (true), or use the existing vpc_id and subnet ids (false)."
  type        = bool
  default     = true
}

variable "vpc_cidr" {
  description = "CIDR block of the VPC created when create_vpc is true (a /16 to /20 leaves room for the /20 private subnets)."
  type        = string
  default     = "10.40.0.0/16"

  validation {
    condition     = can(cidrhost(var.vpc_cidr, 0)) && tonumber(split("/", var.vpc_cidr)[1]) <= 20
    error_message = "vpc_cidr must be a valid IPv4 CIDR block of /20 or larger."
  }
}

variable "azs_count" {
  description = "Number of availability zones the created VPC spans (one public and one private subnet in each)."
  type        = number
  default     = 2

  validation {
    condition     = var.azs_count >= 2 && var.azs_count <= 3
    error_message = "azs_count must be 2 or 3: an ALB needs subnets in at least two AZs."
  }
}

variable "single_nat_gateway" {
  description = "One NAT gateway shared by every private subnet (cheaper, one AZ's NAT is a single point of failure for egress) instead of one per AZ."
  type        = bool
  default     = true
}

variable "vpc_id" {
  description = "Existing VPC id, used when create_vpc is false."
  type        = string
  default     = null

  validation {
    condition     = var.create_vpc || var.vpc_id != null
    error_message = "vpc_id is required when create_vpc is false."
  }
}

variable "private_subnet_ids" {
  description = "Existing private subnet ids for the tasks (egress through a NAT or endpoints), used when create_vpc is false."
  type        = list(string)
  default     = []

  validation {
    condition     = var.create_vpc || length(var.private_subnet_ids) >= 2
    error_message = "At least two private_subnet_ids (in different AZs) are required when create_vpc is false."
  }
}

variable "public_subnet_ids" {
  description = "Existing public subnet ids for the ALB, used when create_vpc is false."
  type        = list(string)
  default     = []

  validation {
    condition     = var.create_vpc || length(var.public_subnet_ids) >= 2
    error_message = "At least two public_subnet_ids (in different AZs) are required when create_vpc is false."
  }
}

variable "flow_log_retention_days" {
  description = "Days the VPC flow logs are kept in CloudWatch Logs."
  type        = number
  default     = 90

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.flow_log_retention_days)
    error_message = "flow_log_retention_days must be a retention CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, 60, 90, ...)."
  }
}

variable "flow_log_kms_key_arn" {
  description = "KMS key ARN encrypting the flow log group (its key policy must allow logs.<region>.amazonaws.com); null keeps CloudWatch Logs' default encryption."
  type        = string
  default     = null
}

variable "vpc_endpoints_enabled" {
  description = "Interface VPC endpoints (vpc_endpoint_services: private DNS, in the private subnets) for the AWS APIs the tasks need to start and run, so a NAT gateway failure does not stop the shop. About $7.30 a month per endpoint per AZ plus $0.01/GB (the 11 default endpoints in 2 AZs: about $160 a month, versus about $32 for the one NAT gateway); off by default, on for production. Created VPC only."
  type        = bool
  default     = false

  validation {
    condition     = !var.vpc_endpoints_enabled || var.create_vpc
    error_message = "vpc_endpoints_enabled needs create_vpc = true: an existing VPC's endpoints belong to its owner (a second endpoint with private DNS for the same service would conflict)."
  }
}

variable "vpc_endpoint_services" {
  description = "The interface endpoints vpc_endpoints_enabled creates, by service name without \"com.amazonaws.<region>.\". The default covers every AWS API the tasks call besides DynamoDB and S3 (gateway endpoints): image pulls (ecr.api, ecr.dkr; the layers come from S3), the awslogs driver (logs), injected secrets (secretsmanager), the services' own calls (sqs, events, kms, states, email for SES, sns for SMS) and the tracing sidecar's exports (xray). Drop one a region does not offer (SES's API endpoint \"email\" is recent)."
  type        = set(string)
  default     = ["ecr.api", "ecr.dkr", "email", "events", "kms", "logs", "secretsmanager", "sns", "sqs", "states", "xray"]

  validation {
    condition     = alltrue([for service in var.vpc_endpoint_services : can(regex("^[a-z0-9-]+(\\.[a-z0-9-]+)*$", service)) && !contains(["dynamodb", "s3"], service)])
    error_message = "vpc_endpoint_services are service names such as \"ecr.api\" (without com.amazonaws.<region>.); dynamodb and s3 are gateway endpoints already."
  }
}

variable "tags" {
  description = "Tags added to every resource (on top of the provider's default_tags)."
  type        = map(string)
  default     = {}
}
