"""What `POST /orders` checks beyond pydantic's JSON schema, said in the order API's OpenAPI document.

PlaceOrder's validators (prices in plain notation with the currency's decimal places, at least one priced line,
exactly one contact, an e-mail address shape) are code; without these lines the document would promise that
orders it describes are accepted when they get 422.
"""

from __future__ import annotations

from typing import Any

from shop_shared.contracts.contact import CONTACT_EMAIL_MAX_LENGTH, E164_PATTERN, EMAIL_PATTERN
from shop_shared.contracts.money import MINOR_UNITS
from shop_shared.http import amount_schema

from shop_order.domain import MAX_UNIT_PRICE

__all__ = ["exact_place_order"]

_MOST_PLACES = max(MINOR_UNITS.values())
# The local part of an address (before the '@') has at most 64 characters (RFC 5321).
_EMAIL_LOCAL_MAX = 64


def exact_place_order(document: dict[str, Any]) -> None:
    """Edit the PlaceOrder, OrderLineInput and Contact schemas of the document in place."""
    schemas = document["components"]["schemas"]
    maximum = int(MAX_UNIT_PRICE)
    unit_price = schemas["OrderLineInput"]["properties"]["unit_price"]
    unit_price.pop("anyOf", None)
    unit_price.update(amount_schema(_MOST_PLACES, maximum=maximum))

    place_order = schemas["PlaceOrder"]
    # Nothing to charge is refused: at least one line has a price above 0.
    place_order["properties"]["items"]["contains"] = {
        "properties": {"unit_price": amount_schema(_MOST_PLACES, positive=True, maximum=maximum)}
    }
    # A currency with fewer decimal places (JPY, KRW: none) allows only those in every price.
    place_order["allOf"] = [
        {
            "if": {"properties": {"currency": {"const": currency}}},
            "then": {
                "properties": {
                    "items": {"items": {"properties": {"unit_price": amount_schema(places, maximum=maximum)}}}
                }
            },
        }
        for currency, places in sorted(MINOR_UNITS.items())
        if places < _MOST_PLACES
    ]
    _exactly_one_contact(schemas["Contact"])


def _exactly_one_contact(contact: dict[str, Any]) -> None:
    email = {
        "type": "string",
        "maxLength": CONTACT_EMAIL_MAX_LENGTH,
        # No run of more than 64 characters before the '@' (the address has no other '@').
        "pattern": rf"^(?![^@]{{{_EMAIL_LOCAL_MAX + 1}}}){EMAIL_PATTERN}$",
    }
    phone = {"type": "string", "pattern": E164_PATTERN}
    contact["properties"]["email"]["anyOf"] = [email, {"type": "null"}]
    contact["properties"]["phone"]["anyOf"] = [phone, {"type": "null"}]
    contact["oneOf"] = [
        {"required": ["phone"], "properties": {"phone": phone, "email": {"type": "null"}}},
        {"required": ["email"], "properties": {"email": email, "phone": {"type": "null"}}},
    ]
