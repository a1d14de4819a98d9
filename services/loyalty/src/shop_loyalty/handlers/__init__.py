"""Handlers of the loyalty service: credit an order's points exactly once and take them back exactly once when
its payment fails, telling the loyalty partner about both. One module per event: `credit` (order.created) and
`reversal` (payment.failed); `entrypoints.worker.event_handlers` maps the event types to them.

Why credit on `order.created` and compensate on `payment.failed` (rather than credit on `payment.succeeded`):
nearly every payment succeeds, so the customer sees the points as soon as the order exists and loyalty never
waits on the payment service; the rare declined card costs one compensating entry. Both sides are ledger
entries written in the same transaction as the account, each only if absent, so every ordering and every
redelivery ends in the same state.
"""

from .credit import CreditOutcome, credit_order_and_tell_partner, credit_order_points
from .reversal import ReversalOutcome, reverse_order_and_tell_partner, reverse_order_points

__all__ = [
    "CreditOutcome",
    "ReversalOutcome",
    "credit_order_and_tell_partner",
    "credit_order_points",
    "reverse_order_and_tell_partner",
    "reverse_order_points",
]
