"""A customer's `POST /orders` body, for tests that drive the order API over HTTP."""

from __future__ import annotations

from typing import Any

__all__ = ["one_line_order"]


def one_line_order(
    customer_id: str,
    *,
    phone: str,
    payment_token: str = "tok_success",  # noqa: S107 - the simulated provider's test token, not a credential
    unit_price: str = "42.00",
) -> dict[str, Any]:
    """One unit of SKU-1 in USD, confirmed by SMS to `phone` (mint the customer's token with that phone)."""
    return {
        "customer_id": customer_id,
        "currency": "USD",
        "items": [{"sku": "SKU-1", "quantity": 1, "unit_price": unit_price}],
        "payment_token": payment_token,
        "contact": {"phone": phone},
    }
