"""The payment domain: payments, charge outcomes and the rules between them (no I/O)."""

from .model import (
    PAYMENT_ID_NAMESPACE,
    UNSETTLED,
    ChargeAmbiguous,
    ChargeDeclined,
    ChargeOutcome,
    ChargeRequest,
    ChargeSucceeded,
    DefinitiveOutcome,
    Payment,
    PaymentStatus,
    RetryPolicy,
    decline_reason,
    outcome_event_id,
    payment_id_for,
    refund_event_id,
    refund_idempotency_key,
)

__all__ = [
    "PAYMENT_ID_NAMESPACE",
    "UNSETTLED",
    "ChargeAmbiguous",
    "ChargeDeclined",
    "ChargeOutcome",
    "ChargeRequest",
    "ChargeSucceeded",
    "DefinitiveOutcome",
    "Payment",
    "PaymentStatus",
    "RetryPolicy",
    "decline_reason",
    "outcome_event_id",
    "payment_id_for",
    "refund_event_id",
    "refund_idempotency_key",
]
