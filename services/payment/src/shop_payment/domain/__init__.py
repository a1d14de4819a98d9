"""The payment domain: payments, charge outcomes and the rules between them (no I/O)."""

from .model import (
    PAYMENT_ID_NAMESPACE,
    ChargeDeclined,
    ChargeOutcome,
    ChargeRequest,
    ChargeSucceeded,
    Payment,
    PaymentAlreadySettled,
    PaymentStatus,
    decline_reason,
    outcome_event_id,
    payment_id_for,
)

__all__ = [
    "PAYMENT_ID_NAMESPACE",
    "ChargeDeclined",
    "ChargeOutcome",
    "ChargeRequest",
    "ChargeSucceeded",
    "Payment",
    "PaymentAlreadySettled",
    "PaymentStatus",
    "decline_reason",
    "outcome_event_id",
    "payment_id_for",
]
