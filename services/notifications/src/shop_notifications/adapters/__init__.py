"""Adapters of the notifications ports: DynamoDB tables, KMS, SNS (SMS) and SES (e-mail)."""
