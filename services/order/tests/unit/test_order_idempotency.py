"""Idempotency keys in the place_order handler, with in-memory fakes: replay, refusal, expiry, races."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import pytest
from shop_order.domain import IdempotencyRecord, PlaceOrder, StoredResponse, request_fingerprint
from shop_order.exceptions import DependencyUnavailable, IdempotencyKeyReused, IdempotencyKeyTaken
from shop_order.handlers import PlacedOrder, Render, place_order

from tests.fakes.order_rate_limits import default_rate_limiting

if TYPE_CHECKING:
    from conftest import InMemoryOrderRepository, RecordingPublisher, ReversibleContactEncryption

T0 = datetime(2025, 11, 28, 9, 30, tzinfo=UTC)
TTL = timedelta(hours=24)
KEY = "3b1f8e1c-7d2a-4a51-9a0e-5c1d2b7e9f10"


class Harness:
    def __init__(
        self,
        repository: InMemoryOrderRepository,
        encryption: ReversibleContactEncryption,
        publisher: RecordingPublisher,
        render: Render,
    ) -> None:
        self.repository = repository
        self.encryption = encryption
        self.publisher = publisher
        self.render = render

    async def place(self, body: dict[str, Any], *, key: str | None = KEY, at: datetime = T0) -> PlacedOrder:
        return await place_order(
            PlaceOrder.model_validate(body),
            repository=self.repository,
            contact_encryption=self.encryption,
            render=self.render,
            rate_limiting=default_rate_limiting(),
            idempotency_key=key,
            idempotency_ttl=TTL,
            clock=lambda: at,
        )


@pytest.fixture
def harness(
    repository: InMemoryOrderRepository,
    encryption: ReversibleContactEncryption,
    publisher: RecordingPublisher,
    render: Render,
) -> Harness:
    return Harness(repository, encryption, publisher, render)


async def test_first_request_binds_the_key_to_its_order_and_answer(
    harness: Harness, order_body: dict[str, Any]
) -> None:
    placed = await harness.place(order_body)

    assert not placed.replayed and placed.response.status == 201
    record = harness.repository.idempotency[KEY]
    assert record.order_id == placed.order_id
    assert record.response == placed.response
    assert record.request_hash == request_fingerprint(PlaceOrder.model_validate(order_body))
    assert record.created_at == T0
    assert record.expires_at == int((T0 + TTL).timestamp())


async def test_retry_with_the_same_body_replays_the_first_answer(harness: Harness, order_body: dict[str, Any]) -> None:
    first = await harness.place(order_body)

    retry = await harness.place(order_body, at=T0 + timedelta(hours=23))

    assert retry.replayed
    assert (retry.order_id, retry.response) == (first.order_id, first.response)
    assert list(harness.repository.orders) == [first.order_id]
    assert len(harness.repository.outbox) == 1 and len(harness.publisher.published) == 1


async def test_formatting_differences_are_the_same_request(harness: Harness, order_body: dict[str, Any]) -> None:
    first = await harness.place(order_body)
    reformatted = copy.deepcopy(order_body)
    reformatted["items"][0]["unit_price"] = 19.99  # a number instead of "19.99"
    reformatted["items"][1]["unit_price"] = "5.00"  # "5.00" instead of 5
    reformatted = dict(reversed(list(reformatted.items())))  # another key order

    retry = await harness.place(reformatted)

    assert retry.replayed and retry.order_id == first.order_id


async def test_same_key_with_another_body_is_refused_and_stores_nothing(
    harness: Harness, order_body: dict[str, Any]
) -> None:
    first = await harness.place(order_body)
    other = {**order_body, "items": [{"sku": "SKU-1", "quantity": 3, "unit_price": "19.99"}]}

    with pytest.raises(IdempotencyKeyReused):
        await harness.place(other)

    assert list(harness.repository.orders) == [first.order_id]
    assert len(harness.repository.outbox) == 1 and len(harness.publisher.published) == 1
    assert harness.repository.idempotency[KEY].order_id == first.order_id


async def test_expired_key_behaves_as_new(harness: Harness, order_body: dict[str, Any]) -> None:
    first = await harness.place(order_body)
    later = T0 + TTL + timedelta(seconds=1)

    again = await harness.place(order_body, at=later)

    assert not again.replayed and again.order_id != first.order_id
    assert len(harness.repository.orders) == 2 and len(harness.publisher.published) == 2
    assert harness.repository.idempotency[KEY].order_id == again.order_id
    assert harness.repository.idempotency[KEY].expires_at == int((later + TTL).timestamp())


async def test_key_is_still_bound_at_its_last_second(harness: Harness, order_body: dict[str, Any]) -> None:
    first = await harness.place(order_body)

    retry = await harness.place(order_body, at=T0 + TTL)

    assert retry.replayed and retry.order_id == first.order_id


async def test_without_a_key_every_request_is_a_new_order(harness: Harness, order_body: dict[str, Any]) -> None:
    first = await harness.place(order_body, key=None)
    second = await harness.place(order_body, key=None)

    assert first.order_id != second.order_id
    assert not first.replayed and not second.replayed
    assert harness.repository.idempotency == {}


async def test_record_expiring_between_refusal_and_read_lets_the_request_through(
    harness: Harness, order_body: dict[str, Any]
) -> None:
    first = await harness.place(order_body)

    async def ttl_deletes_it() -> None:
        harness.repository.before_record_read = None
        del harness.repository.idempotency[KEY]

    harness.repository.before_record_read = ttl_deletes_it
    # The write is refused (the record is live at T0 + 1 s), the read then finds nothing: try again.
    again = await harness.place(order_body, at=T0 + timedelta(seconds=1))

    assert not again.replayed and again.order_id != first.order_id
    assert harness.repository.idempotency[KEY].order_id == again.order_id


async def test_key_that_never_settles_is_503_not_a_second_order(harness: Harness, order_body: dict[str, Any]) -> None:
    async def always_taken(*_: Any, **__: Any) -> None:
        raise IdempotencyKeyTaken(KEY)

    async def never_found(_: str) -> IdempotencyRecord | None:
        return None

    harness.repository.add = always_taken  # type: ignore[method-assign]
    harness.repository.get_idempotency_record = never_found  # type: ignore[method-assign, assignment]

    with pytest.raises(DependencyUnavailable):
        await harness.place(order_body)

    assert harness.publisher.published == []


def test_fingerprint_ignores_formatting_but_not_content(order_body: dict[str, Any]) -> None:
    reference = request_fingerprint(PlaceOrder.model_validate(order_body))
    as_numbers = copy.deepcopy(order_body)
    as_numbers["items"][0]["unit_price"] = 19.99
    other_contact = {**order_body, "contact": {"phone": "+15555550101"}}
    other_token = {**order_body, "payment_token": "tok_other"}

    assert len(reference) == 64
    assert request_fingerprint(PlaceOrder.model_validate(as_numbers)) == reference
    assert request_fingerprint(PlaceOrder.model_validate(other_contact)) != reference
    assert request_fingerprint(PlaceOrder.model_validate(other_token)) != reference
    assert "5555550100" not in reference


def test_record_expiry_matches_the_tables_condition() -> None:
    record = IdempotencyRecord.bind(
        KEY, request_hash="0" * 64, order_id="o-1", response=StoredResponse(status=201, body="{}"), at=T0, ttl=TTL
    )
    deadline = T0 + TTL

    assert not record.is_expired(deadline)
    assert record.is_expired(deadline + timedelta(seconds=1))
