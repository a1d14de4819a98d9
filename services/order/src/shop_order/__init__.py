"""The order service: an HTTP API that stores orders and publishes order.created through a transactional outbox."""
