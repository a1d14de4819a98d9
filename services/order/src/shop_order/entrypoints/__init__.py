"""Entry points of the order service: the HTTP API and the payment-outcome consumer."""
