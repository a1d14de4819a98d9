"""Entry points: the HTTP API and the SQS worker."""
