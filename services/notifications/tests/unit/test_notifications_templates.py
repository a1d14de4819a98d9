"""Templates: every reason code and tier, short enough for one SMS, plain ASCII, no contact or card data."""

import itertools
from decimal import Decimal
from typing import get_args

import pytest
from hypothesis import given
from hypothesis import strategies as st
from shop_notifications.domain import templates
from shop_notifications.domain.templates import SMS_MAX_LENGTH, RenderedMessage, TemplateName
from shop_shared.contracts import LoyaltyTier, PaymentFailureReason

REASON_CODES: tuple[PaymentFailureReason, ...] = get_args(PaymentFailureReason)
TIERS: tuple[LoyaltyTier, ...] = get_args(LoyaltyTier)
ORDER_ID = "3f2b8c1e-9d4a-4b7e-a1c2-7e5d9f0a1b2c"
LARGE_AMOUNT = Decimal("9999999.99")


def assert_fits_one_sms(message: RenderedMessage) -> None:
    assert len(message.text) <= SMS_MAX_LENGTH, f"{len(message.text)} chars: {message.text}"
    assert message.text.isascii(), "non-ASCII text would make the SMS UCS-2 (70 chars per part)"
    assert message.subject


def test_order_confirmed_shows_short_order_id_total_and_currency() -> None:
    message = templates.order_confirmed(ORDER_ID, Decimal("1234.5"), "eur")

    assert message.template is TemplateName.ORDER_CONFIRMED
    assert "#9F0A1B2C" in message.text
    assert "#9F0A1B2C" in message.subject
    assert "1,234.50 EUR" in message.text
    assert ORDER_ID not in message.text
    assert_fits_one_sms(message)


def test_short_order_id_takes_the_last_eight_letters_or_digits() -> None:
    assert templates.short_order_id(ORDER_ID) == "9F0A1B2C"
    assert templates.short_order_id("ord-42") == "ORD42"


def test_money_uses_the_currency_minor_units() -> None:
    assert templates.format_money(Decimal("1500"), "JPY") == "1,500 JPY"
    assert templates.format_money(Decimal("0.5"), "USD") == "0.50 USD"


@pytest.mark.parametrize("reason_code", REASON_CODES)
@pytest.mark.parametrize("amount", [Decimal("0.99"), LARGE_AMOUNT, Decimal("1e30")])
def test_payment_failed_asks_for_new_details_with_an_actionable_reason(
    reason_code: PaymentFailureReason, amount: Decimal
) -> None:
    message = templates.payment_failed(ORDER_ID, amount, "USD", reason_code)

    reason, action = templates.PAYMENT_FAILURE_ADVICE[reason_code]
    assert message.template is TemplateName.PAYMENT_FAILED
    assert "update your payment details" in message.text
    assert reason in message.text and action in message.text
    assert "#9F0A1B2C" in message.text
    assert_fits_one_sms(message)


def test_every_reason_code_has_its_own_advice() -> None:
    advice = [templates.PAYMENT_FAILURE_ADVICE[code] for code in REASON_CODES]
    assert len(set(advice)) == len(REASON_CODES)


def test_payment_failed_keeps_the_amount_when_it_fits() -> None:
    message = templates.payment_failed(ORDER_ID, LARGE_AMOUNT, "USD", "insufficient_funds")
    assert "9,999,999.99 USD" in message.text


@pytest.mark.parametrize(("previous", "new"), list(itertools.product(TIERS, TIERS)))
def test_tier_changed_fits_one_sms_for_every_pair_of_tiers(previous: LoyaltyTier, new: LoyaltyTier) -> None:
    message = templates.tier_changed(previous, new)

    assert message.template is TemplateName.TIER_CHANGED
    assert new in message.text
    assert templates.TIER_OFFERS[new] in message.text
    assert_fits_one_sms(message)


UPGRADES = [(low, high) for low, high in itertools.combinations(TIERS, 2)]  # TIERS is ordered low to high
DOWNGRADES = [(high, low) for low, high in UPGRADES]


@pytest.mark.parametrize(("previous", "new"), UPGRADES)
def test_an_upgrade_congratulates(previous: LoyaltyTier, new: LoyaltyTier) -> None:
    assert "congratulations" in templates.tier_changed(previous, new).text


@pytest.mark.parametrize(("previous", "new"), DOWNGRADES)
def test_a_downgrade_explains_instead_of_congratulating(previous: LoyaltyTier, new: LoyaltyTier) -> None:
    text = templates.tier_changed(previous, new).text
    assert "congratulations" not in text
    assert "based on the last 12 months" in text


@pytest.mark.parametrize(
    ("tier", "perks"),
    [
        ("SILVER", ["5% off", "SILVER5"]),
        ("GOLD", ["10% off", "free shipping", "GOLD10"]),
        ("PLATINUM", ["15% off", "priority support", "PLAT15"]),
        ("BRONZE", ["miss you", "COMEBACK"]),
    ],
)
def test_each_tier_gets_its_personalised_offer(tier: LoyaltyTier, perks: list[str]) -> None:
    previous: LoyaltyTier = "PLATINUM" if tier == "BRONZE" else "BRONZE"
    text = templates.tier_changed(previous, tier).text
    for perk in perks:
        assert perk in text


@given(
    order_id=st.text(min_size=1, max_size=80),
    amount=st.decimals(min_value=0, max_value=Decimal("1e40"), places=2, allow_nan=False, allow_infinity=False),
    currency=st.sampled_from(["USD", "EUR", "JPY", "GBP"]),
    reason_code=st.sampled_from(REASON_CODES),
)
def test_any_order_and_amount_fit_one_sms(
    order_id: str, amount: Decimal, currency: str, reason_code: PaymentFailureReason
) -> None:
    assert len(templates.order_confirmed(order_id, amount, currency).text) <= SMS_MAX_LENGTH
    assert len(templates.payment_failed(order_id, amount, currency, reason_code).text) <= SMS_MAX_LENGTH


def test_every_template_declares_its_delivery_policy() -> None:
    assert set(templates.DELIVERY_POLICIES) == set(TemplateName)
    # The customer must learn a payment failed; a second confirmation or offer is worse than none.
    assert templates.DELIVERY_POLICIES[TemplateName.PAYMENT_FAILED] is templates.DeliveryPolicy.AT_LEAST_ONCE
    assert templates.DELIVERY_POLICIES[TemplateName.ORDER_CONFIRMED] is templates.DeliveryPolicy.AT_MOST_ONCE
    assert templates.DELIVERY_POLICIES[TemplateName.TIER_CHANGED] is templates.DeliveryPolicy.AT_MOST_ONCE
