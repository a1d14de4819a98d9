"""The contact notifications decrypts is the shared contract order encrypts (shop_shared.contracts.Contact):
its channel, its masked form that never shows the address, and the KMS adapter that reads it."""

import base64
import json
from typing import Any

import pytest
from botocore.exceptions import ClientError
from shop_notifications.adapters.contact_decryption import KmsContactDecryptor
from shop_notifications.exceptions import ContactUnreadable
from shop_shared.contracts import Channel, Contact, contact_encryption_context, mask_email, mask_phone


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


def test_repr_never_shows_the_address() -> None:
    assert "5550100" not in repr(Contact(phone="+15555550100"))
    assert "jane" not in repr(Contact(email="jane@example.com"))


class StandInKms:
    """Decrypts "ciphertexts" that are base64 of `{"context": ..., "plaintext": ...}`, checking the context."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []

    @staticmethod
    def seal(plaintext: bytes, context: dict[str, str]) -> str:
        sealed = json.dumps({"context": context, "plaintext": plaintext.decode()})
        return base64.b64encode(sealed.encode()).decode()

    async def decrypt(self, **request: Any) -> dict[str, Any]:
        self.calls.append(request)
        sealed = json.loads(request["CiphertextBlob"])
        if sealed["context"] != request["EncryptionContext"]:
            raise ClientError({"Error": {"Code": "InvalidCiphertextException"}}, "Decrypt")
        return {"Plaintext": sealed["plaintext"].encode()}


async def test_the_decryptor_reads_what_order_encrypts_under_the_customers_context() -> None:
    kms = StandInKms()
    decryptor = KmsContactDecryptor(kms, "alias/contacts")
    written = Contact(email="jane@example.com")
    ciphertext = kms.seal(written.to_plaintext(), contact_encryption_context("c-1"))

    assert await decryptor.decrypt(ciphertext, customer_id="c-1") == written
    assert kms.calls[0]["KeyId"] == "alias/contacts"
    with pytest.raises(ContactUnreadable, match="rejected by KMS"):
        await decryptor.decrypt(ciphertext, customer_id="c-2")


@pytest.mark.parametrize(
    "plaintext",
    [b'{"phone": "call me"}', b'{"email": "jane@localhost"}', b'{"phone": "+15555550100", "email": "a@b.io"}', b"{}"],
)
async def test_a_contact_the_shared_rules_refuse_is_unreadable_and_never_quoted(plaintext: bytes) -> None:
    kms = StandInKms()
    decryptor = KmsContactDecryptor(kms, "alias/contacts")

    with pytest.raises(ContactUnreadable, match="not a valid phone number or e-mail") as raised:
        await decryptor.decrypt(kms.seal(plaintext, contact_encryption_context("c-1")), customer_id="c-1")

    assert raised.value.__cause__ is None and "call me" not in str(raised.value)


async def test_a_ciphertext_that_is_not_base64_is_unreadable() -> None:
    decryptor = KmsContactDecryptor(StandInKms(), "alias/contacts")

    with pytest.raises(ContactUnreadable, match="not base64"):
        await decryptor.decrypt("not base64!", customer_id="c-1")
