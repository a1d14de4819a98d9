"""Encrypts customer contacts with KMS, bound to the customer through the encryption context."""

from __future__ import annotations

import base64
import logging
from typing import TYPE_CHECKING

from botocore.exceptions import BotoCoreError, ClientError
from shop_shared.contracts import Contact, contact_encryption_context

from shop_order.exceptions import DependencyUnavailable

if TYPE_CHECKING:
    from types_aiobotocore_kms import KMSClient

__all__ = ["KmsContactEncryption"]

logger = logging.getLogger(__name__)


class KmsContactEncryption:
    """`Encrypt` under the contact key with the shared contact context; notifications decrypts with the same
    context, so a ciphertext copied onto another customer's event does not decrypt."""

    def __init__(self, kms_client: KMSClient, key_id: str) -> None:
        self._client = kms_client
        self._key_id = key_id

    async def encrypt(self, contact: Contact, *, customer_id: str) -> str:
        try:
            response = await self._client.encrypt(
                KeyId=self._key_id,
                Plaintext=contact.to_plaintext(),
                EncryptionContext=contact_encryption_context(customer_id),
            )
        except (ClientError, BotoCoreError) as error:
            logger.error("contact encryption failed", extra={"error": type(error).__name__, "key_id": self._key_id})
            raise DependencyUnavailable("KMS") from error
        return base64.b64encode(response["CiphertextBlob"]).decode("ascii")
