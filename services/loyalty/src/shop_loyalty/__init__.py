"""Loyalty: credits points exactly once per order and serves each customer's account."""
