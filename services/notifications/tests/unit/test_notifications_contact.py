"""Contacts: exactly one phone or e-mail, the channel it implies, and masking that never shows the address."""

import pytest
from pydantic import ValidationError
from shop_notifications.domain.contact import Channel, Contact, mask_email, mask_phone


def test_a_phone_contact_goes_by_sms_and_is_masked() -> None:
    contact = Contact(phone="+15555550100")

    assert contact.channel is Channel.SMS
    assert contact.address == "+15555550100"
    assert contact.masked == "+1555\u2022\u2022\u20220100"


def test_an_email_contact_goes_by_email_and_is_masked() -> None:
    contact = Contact(email="jane.doe@example.com")

    assert contact.channel is Channel.EMAIL
    assert contact.address == "jane.doe@example.com"
    assert contact.masked == "j\u2022\u2022\u2022@example.com"


@pytest.mark.parametrize(
    ("phone", "masked"),
    [("+15555550100", "+1555•••0100"), ("+447700900123", "+4477•••0123"), ("+3312345", "+3•••45")],
)
def test_mask_phone_keeps_only_the_country_prefix_and_last_digits(phone: str, masked: str) -> None:
    assert mask_phone(phone) == masked


@pytest.mark.parametrize(("email", "masked"), [("j@example.com", "j•••@example.com"), ("ab@x.io", "a•••@x.io")])
def test_mask_email_keeps_only_the_first_letter_and_the_domain(email: str, masked: str) -> None:
    assert mask_email(email) == masked


def test_phone_separators_are_ignored() -> None:
    assert Contact(phone="+1 (555) 555-0100").address == "+15555550100"


@pytest.mark.parametrize(
    "value",
    [{}, {"phone": "+15555550100", "email": "a@example.com"}, {"phone": "555-0100"}, {"email": "not-an-email"}],
)
def test_a_contact_is_exactly_one_valid_phone_or_email(value: dict[str, str]) -> None:
    with pytest.raises(ValidationError):
        Contact.model_validate(value)


def test_repr_never_shows_the_address() -> None:
    assert "5550100" not in repr(Contact(phone="+15555550100"))
    assert "jane" not in repr(Contact(email="jane@example.com"))
