"""Decrypts contact ciphertexts with KMS, bound to the customer through the encryption context."""

from __future__ import annotations

import base64
import binascii
import logging
from typing import Any

from botocore.exceptions import ClientError
from pydantic import ValidationError

from shop_notifications.domain.contact import Contact
from shop_notifications.domain.exceptions import ContactUnreadable

__all__ = ["KmsContactDecryptor"]

logger = logging.getLogger(__name__)


class KmsContactDecryptor:
    """The ciphertext is base64 of a KMS ciphertext of `{"phone": ...}` or `{"email": ...}`."""

    def __init__(self, kms_client: Any, key_id: str) -> None:
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
                EncryptionContext={"customer_id": customer_id},  # and of any other customer
            )
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code", "ClientError")
            if code in {"InvalidCiphertextException", "IncorrectKeyException"}:
                raise ContactUnreadable(f"contact ciphertext rejected by KMS: {code}") from None
            raise
        try:
            return Contact.model_validate_json(response["Plaintext"])
        except ValidationError:
            # `from None`: pydantic's error text quotes the input, i.e. the phone number or address.
            raise ContactUnreadable("decrypted contact is not a valid phone number or e-mail address") from None
