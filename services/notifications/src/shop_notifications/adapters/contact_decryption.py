"""Decrypts contact ciphertexts with KMS, bound to the customer through the encryption context."""

from __future__ import annotations

import base64
import binascii
from typing import TYPE_CHECKING

from botocore.exceptions import ClientError
from pydantic import ValidationError
from shop_shared.contracts import Contact, contact_encryption_context

from shop_notifications.exceptions import ContactUnreadable

if TYPE_CHECKING:
    from types_aiobotocore_kms import KMSClient

__all__ = ["KmsContactDecryptor"]


class KmsContactDecryptor:
    """The ciphertext is base64 of a KMS ciphertext of `Contact.to_plaintext()`, as the order service writes it."""

    def __init__(self, kms_client: KMSClient, key_id: str) -> None:
        self._client = kms_client
        self._key_id = key_id

    async def decrypt(self, ciphertext: str, *, customer_id: str) -> Contact:
        try:
            blob = base64.b64decode(ciphertext, validate=True)
        except (binascii.Error, ValueError):
            raise ContactUnreadable("contact ciphertext is not base64") from None
        try:
            response = await self._client.decrypt(
                CiphertextBlob=blob,
                KeyId=self._key_id,  # refuse ciphertexts of any other key
                EncryptionContext=contact_encryption_context(customer_id),  # and of any other customer
            )
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code", "ClientError")
            if code in {"InvalidCiphertextException", "IncorrectKeyException"}:
                raise ContactUnreadable(f"contact ciphertext rejected by KMS: {code}") from None
            raise
        try:
            return Contact.from_plaintext(response["Plaintext"])
        except ValidationError:
            # `from None`: pydantic's error text quotes the input, i.e. the phone number or address.
            raise ContactUnreadable("decrypted contact is not a valid phone number or e-mail address") from None
