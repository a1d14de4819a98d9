"""Notifications: turns order, payment and loyalty events into SMS or e-mail, sent exactly once."""
