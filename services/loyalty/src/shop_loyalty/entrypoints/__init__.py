"""Entry points of the loyalty service: the HTTP API and the SQS worker."""
