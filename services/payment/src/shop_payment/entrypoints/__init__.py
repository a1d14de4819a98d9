"""Entry points of the payment service."""
