"""Message templates: pure functions from event facts to text that fits one SMS (160 GSM-7 characters).

Texts are plain ASCII so a carrier never switches to UCS-2 (70 characters per SMS). They never contain
card data or contact details.
"""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, ConfigDict
from shop_shared.contracts import MINOR_UNITS, LoyaltyTier, PaymentFailureReason

__all__ = [
    "DELIVERY_POLICIES",
    "SMS_MAX_LENGTH",
    "DeliveryPolicy",
    "RenderedMessage",
    "TemplateName",
    "format_money",
    "order_confirmed",
    "payment_failed",
    "short_order_id",
    "tier_changed",
]

SMS_MAX_LENGTH = 160
BRAND = "Shop"
SHORT_ID_LENGTH = 8

TIER_RANK: dict[LoyaltyTier, int] = {"BRONZE": 0, "SILVER": 1, "GOLD": 2, "PLATINUM": 3}

# What went wrong, and what the customer can do about it.
PAYMENT_FAILURE_ADVICE: dict[PaymentFailureReason, tuple[str, str]] = {
    "card_declined": ("your bank declined the card", "try another card or call your bank"),
    "insufficient_funds": ("the card had insufficient funds", "try another card or top up"),
    "card_expired": ("the card has expired", "add a card with a valid expiry date"),
    "provider_unavailable": ("our payment provider had an outage", "retry in a few minutes"),
}

TIER_OFFERS: dict[LoyaltyTier, str] = {
    "BRONZE": "free shipping on your next order with code COMEBACK",
    "SILVER": "5% off your next order with code SILVER5",
    "GOLD": "10% off plus free shipping with code GOLD10",
    "PLATINUM": "15% off plus priority support with code PLAT15",
}


class TemplateName(StrEnum):
    ORDER_CONFIRMED = "order_confirmed"
    PAYMENT_FAILED = "payment_failed"
    TIER_CHANGED = "tier_changed"


class DeliveryPolicy(StrEnum):
    """What a send whose outcome is unknown (timeout, dropped connection, crash mid-send) turns into.

    Neither SNS SMS nor SES takes an idempotency key, so after an ambiguous send the only choices are
    "maybe never" and "maybe twice"; each template picks the lesser evil.
    """

    AT_MOST_ONCE = "at_most_once"  # never resent after an ambiguous send: a miss is possible, a duplicate is not
    AT_LEAST_ONCE = "at_least_once"  # resent after an ambiguous send: a duplicate is possible, a miss is not


# Declared once, for every template (a test checks none is missing).
DELIVERY_POLICIES: dict[TemplateName, DeliveryPolicy] = {
    # Two "thanks for your order" look like two orders (customers cancel one or call support); a missed one
    # costs little: the order itself is confirmed in the order API's response and status.
    TemplateName.ORDER_CONFIRMED: DeliveryPolicy.AT_MOST_ONCE,
    # The customer must act (pay again) or the order is lost; a second identical reminder is harmless.
    TemplateName.PAYMENT_FAILED: DeliveryPolicy.AT_LEAST_ONCE,
    # A second offer looks like a second code or a tier changing twice; a missed one costs little: the tier
    # applies anyway and GET /customers/{id}/loyalty shows it.
    TemplateName.TIER_CHANGED: DeliveryPolicy.AT_MOST_ONCE,
}


class RenderedMessage(BaseModel):
    """One message: `text` is the SMS body and the e-mail body; `subject` is used by e-mail only."""

    model_config = ConfigDict(frozen=True)

    template: TemplateName
    subject: str
    text: str


def short_order_id(order_id: str) -> str:
    """The last eight letters or digits, upper-case: what a customer can read out on the phone."""
    alphanumeric = "".join(char for char in order_id if char.isascii() and char.isalnum())
    return (alphanumeric or order_id)[-SHORT_ID_LENGTH:].upper()


def format_money(amount: Decimal, currency: str) -> str:
    # The events validated the currency against the shop's list, which holds its decimal places.
    places = MINOR_UNITS[currency.upper()]
    return f"{amount:,.{places}f} {currency.upper()}"


def order_confirmed(order_id: str, total: Decimal, currency: str) -> RenderedMessage:
    short_id = short_order_id(order_id)
    thanks = f"{BRAND}: thanks for your order #{short_id}!"
    return RenderedMessage(
        template=TemplateName.ORDER_CONFIRMED,
        subject=f"Your order #{short_id} is confirmed",
        text=_fit(
            f"{thanks} Total: {format_money(total, currency)}. We'll keep you posted.",
            f"{thanks} We'll keep you posted.",
        ),
    )


def payment_failed(order_id: str, amount: Decimal, currency: str, reason_code: PaymentFailureReason) -> RenderedMessage:
    short_id = short_order_id(order_id)
    reason, action = PAYMENT_FAILURE_ADVICE[reason_code]
    advice = f"payment failed, {reason}. Please update your payment details: {action}."
    text = _fit(
        f"{BRAND}: order #{short_id} ({format_money(amount, currency)}): {advice}",
        f"{BRAND}: order #{short_id}: {advice}",
    )
    return RenderedMessage(
        template=TemplateName.PAYMENT_FAILED, subject=f"Action needed: payment for order #{short_id}", text=text
    )


def tier_changed(previous_tier: LoyaltyTier, new_tier: LoyaltyTier) -> RenderedMessage:
    offer = TIER_OFFERS[new_tier]
    if TIER_RANK[new_tier] > TIER_RANK[previous_tier]:
        subject = f"Congratulations, you're now {new_tier}"
        text = f"{BRAND}: congratulations, you're now a {new_tier} member! Enjoy {offer}."
    elif new_tier == "BRONZE":
        subject = "We miss you: a welcome-back offer"
        text = f"{BRAND}: your loyalty tier is now BRONZE based on the last 12 months. We miss you: enjoy {offer}."
    else:
        subject = f"Your loyalty tier is now {new_tier}"
        text = (
            f"{BRAND}: your loyalty tier is now {new_tier} based on the last 12 months. Your {new_tier} perk: {offer}."
        )
    return RenderedMessage(template=TemplateName.TIER_CHANGED, subject=subject, text=text)


def _fit(text: str, without_amount: str) -> str:
    """Only a huge amount makes a text too long for one SMS; the order id alone still identifies the order."""
    return text if len(text) <= SMS_MAX_LENGTH else without_amount
