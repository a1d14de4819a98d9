"""Notifications: turns order, payment and loyalty events into SMS or e-mail, each sent once.

After a send whose outcome is unknown, each template is either never resent or resent (DELIVERY_POLICIES).
"""
