"""Adapters of the payment service: DynamoDB, Secrets Manager and the payment provider's HTTP API."""
