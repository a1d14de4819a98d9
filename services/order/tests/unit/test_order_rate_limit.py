"""The per-customer order rate limit: the window math, and place_order counting only stored orders, refusing
the one over the limit with nothing stored, and never refusing or counting twice an Idempotency-Key retry."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import pytest
from shop_order.domain import PlaceOrder, RateLimit
from shop_order.exceptions import DependencyUnavailable, IdempotencyKeyReused, OrderRateLimited
from shop_order.handlers import PlacedOrder, RateLimiting, Render, place_order
from shop_order.settings import OrderSettings
from shop_shared.topology import load_topology

from tests.fakes.order_rate_limits import InMemoryRateLimiter

if TYPE_CHECKING:
    from conftest import InMemoryOrderRepository, RecordingPublisher, ReversibleContactEncryption

T0 = datetime(2025, 11, 28, 9, 30, 15, tzinfo=UTC)  # 15 s into a minute
LIMIT = RateLimit(orders=3, window=timedelta(seconds=60))


# The window math.


@pytest.mark.parametrize(
    ("at", "start", "retry_after"),
    [
        (datetime(2025, 11, 28, 9, 30, 0, tzinfo=UTC), datetime(2025, 11, 28, 9, 30, 0, tzinfo=UTC), 60),
        (datetime(2025, 11, 28, 9, 30, 15, tzinfo=UTC), datetime(2025, 11, 28, 9, 30, 0, tzinfo=UTC), 45),
        (datetime(2025, 11, 28, 9, 30, 59, 500_000, tzinfo=UTC), datetime(2025, 11, 28, 9, 30, 0, tzinfo=UTC), 1),
        (datetime(2025, 11, 28, 9, 31, 0, tzinfo=UTC), datetime(2025, 11, 28, 9, 31, 0, tzinfo=UTC), 60),
    ],
)
def test_windows_are_aligned_to_the_clock(at: datetime, start: datetime, retry_after: int) -> None:
    window = LIMIT.window_at(at)

    assert (window.start, window.end) == (start, start + timedelta(seconds=60))
    assert window.start <= at < window.end
    assert window.retry_after_seconds(at) == retry_after
    assert window.expires_at == int((start + timedelta(seconds=60)).timestamp())


def test_every_moment_of_a_window_names_the_same_window() -> None:
    hourly = RateLimit(orders=1, window=timedelta(hours=1))
    starts = {hourly.window_at(T0 + timedelta(minutes=minute)).start for minute in range(-30, 30)}

    assert starts == {datetime(2025, 11, 28, 9, 0, tzinfo=UTC)}
    assert hourly.window_at(T0 + timedelta(minutes=30)).start == datetime(2025, 11, 28, 10, 0, tzinfo=UTC)


@pytest.mark.parametrize(("orders", "seconds"), [(0, 60), (1, 0)])
def test_a_limit_that_allows_nothing_is_refused(orders: int, seconds: float) -> None:
    with pytest.raises(ValueError, match="at least 1"):
        RateLimit(orders=orders, window=timedelta(seconds=seconds))


def test_the_settings_default_to_ten_orders_a_minute(monkeypatch: pytest.MonkeyPatch) -> None:
    for variable in load_topology().services["order"]:
        monkeypatch.setenv(variable, f"value-of-{variable}")
    monkeypatch.setenv("AUTH_ISSUER", "http://127.0.0.1:8012")
    monkeypatch.setenv("AUTH_AUDIENCE", "shop")

    assert OrderSettings().rate_limit == RateLimit(orders=10, window=timedelta(seconds=60))  # type: ignore[call-arg]
    assert OrderSettings().rate_limits_table == "value-of-ORDER_RATE_LIMITS_TABLE"  # type: ignore[call-arg]
    monkeypatch.setenv("ORDER_RATE_LIMIT_ORDERS", "3")
    monkeypatch.setenv("ORDER_RATE_LIMIT_WINDOW_SECONDS", "3600")
    assert OrderSettings().rate_limit == RateLimit(orders=3, window=timedelta(hours=1))  # type: ignore[call-arg]
    monkeypatch.setenv("ORDER_RATE_LIMIT_ORDERS", "0")
    with pytest.raises(ValueError, match="rate_limit_orders"):
        OrderSettings()  # type: ignore[call-arg]


# The handler.


class Checkout:
    def __init__(
        self, repository: InMemoryOrderRepository, encryption: ReversibleContactEncryption, render: Render
    ) -> None:
        self.repository = repository
        self.encryption = encryption
        self.render = render
        self.counters = InMemoryRateLimiter()

    async def place(self, body: dict[str, Any], *, key: str | None = None, at: datetime = T0) -> PlacedOrder:
        return await place_order(
            PlaceOrder.model_validate(body),
            repository=self.repository,
            contact_encryption=self.encryption,
            render=self.render,
            rate_limiting=RateLimiting(self.counters, LIMIT),
            idempotency_key=key,
            clock=lambda: at,
        )


@pytest.fixture
def checkout(
    repository: InMemoryOrderRepository,
    encryption: ReversibleContactEncryption,
    publisher: RecordingPublisher,
    render: Render,
) -> Checkout:
    return Checkout(repository, encryption, render)


def of_customer(body: dict[str, Any], customer_id: str) -> dict[str, Any]:
    return {**copy.deepcopy(body), "customer_id": customer_id}


async def test_the_order_over_the_limit_is_refused_and_stores_nothing(
    checkout: Checkout, order_body: dict[str, Any], publisher: RecordingPublisher
) -> None:
    for _ in range(3):
        await checkout.place(order_body)
    checkout.encryption.unavailable = True  # a refused order must not even reach KMS

    with pytest.raises(OrderRateLimited) as refused:
        await checkout.place(order_body, at=T0 + timedelta(seconds=10))

    assert refused.value.retry_after_seconds == 35, "until the end of the minute (09:31:00)"
    assert len(checkout.repository.orders) == 3 and len(publisher.published) == 3
    assert checkout.counters.counted("c-123") == 3


async def test_other_customers_and_the_next_window_are_not_limited(
    checkout: Checkout, order_body: dict[str, Any]
) -> None:
    for _ in range(3):
        await checkout.place(order_body)

    await checkout.place(of_customer(order_body, "c-456"))
    await checkout.place(order_body, at=T0 + timedelta(seconds=45))  # 09:31:00, a new window

    assert len(checkout.repository.orders) == 5


async def test_a_retry_at_the_limit_gets_its_order_back(checkout: Checkout, order_body: dict[str, Any]) -> None:
    first = await checkout.place(order_body, key="k-1")
    await checkout.place(order_body, key="k-2")
    await checkout.place(order_body, key="k-3")

    retry = await checkout.place(order_body, key="k-1", at=T0 + timedelta(seconds=5))

    assert retry.replayed and retry.order_id == first.order_id and retry.response == first.response
    assert len(checkout.repository.orders) == 3 and checkout.counters.counted("c-123") == 3
    with pytest.raises(OrderRateLimited):
        await checkout.place(order_body, key="k-4")


async def test_a_retry_under_the_limit_is_not_counted_twice(checkout: Checkout, order_body: dict[str, Any]) -> None:
    first = await checkout.place(order_body, key="k-1")
    for _ in range(5):
        retry = await checkout.place(order_body, key="k-1")
        assert retry.replayed and retry.order_id == first.order_id

    assert checkout.counters.counted("c-123") == 1, "counted when placed, given back by each retry"
    await checkout.place(order_body, key="k-2")
    await checkout.place(order_body, key="k-3")
    assert len(checkout.repository.orders) == 3


async def test_a_reused_key_at_the_limit_is_still_a_reused_key(checkout: Checkout, order_body: dict[str, Any]) -> None:
    for key in ("k-1", "k-2", "k-3"):
        await checkout.place(order_body, key=key)

    with pytest.raises(IdempotencyKeyReused):
        await checkout.place({**order_body, "currency": "EUR"}, key="k-1")


async def test_an_order_that_was_not_stored_is_not_counted(checkout: Checkout, order_body: dict[str, Any]) -> None:
    checkout.repository.unavailable = True
    for _ in range(5):
        with pytest.raises(DependencyUnavailable):
            await checkout.place(order_body)
    checkout.repository.unavailable = False

    assert checkout.counters.counted("c-123") == 0
    for _ in range(3):
        await checkout.place(order_body)
    assert len(checkout.repository.orders) == 3


async def test_counters_that_cannot_be_reached_store_nothing(
    checkout: Checkout, order_body: dict[str, Any], publisher: RecordingPublisher
) -> None:
    checkout.counters.unavailable = True

    with pytest.raises(DependencyUnavailable):
        await checkout.place(order_body)

    assert checkout.repository.orders == {} and publisher.published == []


async def test_a_slot_that_cannot_be_given_back_leaves_the_answer_alone(
    checkout: Checkout, order_body: dict[str, Any]
) -> None:
    first = await checkout.place(order_body, key="k-1")

    async def broken_release(*_: Any) -> None:
        raise ConnectionError("DynamoDB went away")

    checkout.counters.release = broken_release  # type: ignore[method-assign]
    retry = await checkout.place(order_body, key="k-1")

    assert retry.replayed and retry.order_id == first.order_id
    assert checkout.counters.counted("c-123") == 2, "the retry's slot stays taken until the window ends"
