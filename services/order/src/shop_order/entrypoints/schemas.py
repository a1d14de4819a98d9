"""HTTP views of orders: what the API answers (never the contact or the payment token)."""

from __future__ import annotations

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from shop_order.domain import Currency, Order, OrderPage, OrderStatus

__all__ = ["OrderLineView", "OrderPageView", "OrderView", "StatusChangeView"]

# Exactly the currency's decimal places: "19.99" in USD, "1999" in JPY; never an exponent.
_AMOUNT = r"^[0-9]+(?:\.[0-9]{2})?$"
_AT_EXAMPLE = "2025-11-28T09:30:00.123456Z"
CURSOR_EXAMPLE = (
    "eyJjcmVhdGVkX2F0IjoiMjAyNS0xMS0yOFQwOTozMDowMC4xMjM0NTZaIiwiY3VzdG9tZXJfaWQiOiJjLTEyMyIsIm9yZGVyX2lkIjoi"
    "M2YwYzJhNGUtOGI3ZC00YzFlLTlhNTUtMmQ2ZjBlMWI3YzkwIn0"
)


class _View(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class OrderLineView(_View):
    sku: str = Field(description="Stock keeping unit.", examples=["SKU-1"])
    quantity: int = Field(description="Units ordered.", examples=[2])
    unit_price: str = Field(
        pattern=_AMOUNT,
        description="Price of one unit, with the currency's decimal places (two; none for JPY, KRW).",
        examples=["19.99"],
    )
    line_total: str = Field(
        pattern=_AMOUNT, description="quantity x unit_price, with the currency's decimal places.", examples=["39.98"]
    )


class StatusChangeView(_View):
    status: OrderStatus = Field(description="The status the order entered.", examples=["PENDING_PAYMENT"])
    at: AwareDatetime = Field(description="When it entered it (UTC).", examples=[_AT_EXAMPLE])


class OrderView(_View):
    order_id: str = Field(
        description="Order id (UUID v4), assigned by the server.", examples=["3f0c2a4e-8b7d-4c1e-9a55-2d6f0e1b7c90"]
    )
    customer_id: str = Field(description="The customer who placed the order.", examples=["c-123"])
    status: OrderStatus = Field(
        description="PENDING_PAYMENT until the payment outcome arrives, then PAID or PAYMENT_FAILED.",
        examples=["PENDING_PAYMENT"],
    )
    currency: Currency = Field(description="ISO 4217 currency of every amount.", examples=["USD"])
    total: str = Field(
        pattern=_AMOUNT, description="Sum of the line totals, with the currency's decimal places.", examples=["39.98"]
    )
    items: list[OrderLineView] = Field(
        description="The order lines, as ordered.",
        examples=[[{"sku": "SKU-1", "quantity": 2, "unit_price": "19.99", "line_total": "39.98"}]],
    )
    created_at: AwareDatetime = Field(description="When the order was placed (UTC).", examples=[_AT_EXAMPLE])
    updated_at: AwareDatetime = Field(description="When the status last changed (UTC).", examples=[_AT_EXAMPLE])
    status_history: list[StatusChangeView] = Field(
        description="Every status the order went through, oldest first.",
        examples=[[{"status": "PENDING_PAYMENT", "at": _AT_EXAMPLE}]],
    )

    @classmethod
    def from_order(cls, order: Order) -> OrderView:
        return cls(
            order_id=order.order_id,
            customer_id=order.customer_id,
            status=order.status,
            currency=order.currency,
            total=str(order.total),
            items=[
                OrderLineView(
                    sku=line.sku,
                    quantity=line.quantity,
                    unit_price=str(line.unit_price),
                    line_total=str(line.line_total),
                )
                for line in order.items
            ],
            created_at=order.created_at,
            updated_at=order.updated_at,
            status_history=[StatusChangeView(status=change.status, at=change.at) for change in order.status_history],
        )


_ORDER_EXAMPLE = {
    "order_id": "3f0c2a4e-8b7d-4c1e-9a55-2d6f0e1b7c90",
    "customer_id": "c-123",
    "status": "PENDING_PAYMENT",
    "currency": "USD",
    "total": "39.98",
    "items": [{"sku": "SKU-1", "quantity": 2, "unit_price": "19.99", "line_total": "39.98"}],
    "created_at": _AT_EXAMPLE,
    "updated_at": _AT_EXAMPLE,
    "status_history": [{"status": "PENDING_PAYMENT", "at": _AT_EXAMPLE}],
}


class OrderPageView(_View):
    orders: list[OrderView] = Field(
        description="Up to `limit` of the customer's orders, newest first (by created_at).",
        examples=[[_ORDER_EXAMPLE]],
    )
    next_cursor: str | None = Field(
        description="Pass as `cursor` to get the next page; null on the last page. Opaque: do not build or edit it.",
        examples=[CURSOR_EXAMPLE],
    )

    @classmethod
    def from_page(cls, page: OrderPage) -> OrderPageView:
        return cls(orders=[OrderView.from_order(order) for order in page.orders], next_cursor=page.next_cursor)
