"""Opaque page cursors: url-safe base64 of the key a page ended on, checked before it reaches DynamoDB."""

from __future__ import annotations

import base64
import binascii
import json
import re
import uuid
from collections.abc import Mapping

from shop_order.exceptions import InvalidCursor

from .order_items import CUSTOMER_INDEX_KEY, SORTABLE_TIME

__all__ = ["CURSOR_MAX_LENGTH", "decode_cursor", "encode_cursor"]

CURSOR_MAX_LENGTH = 512
_BASE64URL = re.compile(r"[A-Za-z0-9_-]+")


def encode_cursor(key: Mapping[str, str]) -> str:
    text = json.dumps(dict(key), sort_keys=True, separators=(",", ":"))
    return base64.urlsafe_b64encode(text.encode("utf-8")).decode("ascii").rstrip("=")


def decode_cursor(cursor: str, *, customer_id: str) -> dict[str, str]:
    """The start key inside `cursor`; InvalidCursor unless it is a key of this customer's index as we write it.

    Nothing a client sends reaches DynamoDB unchecked: a cursor edited to another customer, or into a shape
    the index does not have, is refused here instead of reading someone else's orders or failing there.
    """
    if not 0 < len(cursor) <= CURSOR_MAX_LENGTH or not _BASE64URL.fullmatch(cursor):
        raise InvalidCursor("the cursor is not one this API returned")
    try:
        key = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (binascii.Error, ValueError) as error:  # bad padding, not UTF-8, not JSON
        raise InvalidCursor("the cursor is not one this API returned") from error
    if (
        not isinstance(key, dict)
        or set(key) != set(CUSTOMER_INDEX_KEY)
        or not all(isinstance(value, str) for value in key.values())
    ):
        raise InvalidCursor("the cursor is not one this API returned")
    if key["customer_id"] != customer_id:
        raise InvalidCursor("the cursor belongs to another customer's listing")
    if not SORTABLE_TIME.fullmatch(key["created_at"]) or not _is_uuid(key["order_id"]):
        raise InvalidCursor("the cursor is not one this API returned")
    return key


def _is_uuid(text: str) -> bool:
    try:
        return str(uuid.UUID(text)) == text
    except ValueError:
        return False
