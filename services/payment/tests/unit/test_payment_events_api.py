"""POST /events and GET /payments through the real app on in-memory fakes: auth, validation, idempotency."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from shop_payment.domain import ChargeDeclined, PaymentStatus, payment_id_for
from shop_shared.contracts import EventEnvelope, OrderCreated, PaymentFailed, PaymentSucceeded, new_envelope

OrderCreatedFactory = Callable[..., EventEnvelope[OrderCreated]]
EventFactory = Callable[[EventEnvelope[Any]], dict[str, Any]]
MakeHarness = Callable[..., Awaitable[Any]]


async def _post(harness: Any, event: Any, key: str | None) -> Any:
    headers = {"x-api-key": key} if key is not None else {}
    content = event if isinstance(event, bytes) else json.dumps(event).encode()
    return await harness.client.post(
        "/events", content=content, headers={**headers, "content-type": "application/json"}
    )


async def test_an_order_created_is_accepted_then_charged_and_published(
    harness: Any, api_key: str, order_created: OrderCreatedFactory, eventbridge_event: EventFactory
) -> None:
    envelope = order_created()
    payment_id = payment_id_for(envelope.metadata.event_id)

    response = await _post(harness, eventbridge_event(envelope), api_key)
    await harness.dependencies.processor.join()

    assert response.status_code == 202
    assert response.json() == {"payment_id": payment_id, "status": "accepted"}
    assert harness.repository.payments[payment_id].status is PaymentStatus.SUCCEEDED
    [published] = harness.relay.published
    assert harness.repository.outbox == [published], "published only what was committed with the outcome"
    assert isinstance(published.data, PaymentSucceeded)
    assert published.data.provider_reference == "ch_fake"
    assert published.metadata.correlation_id == envelope.metadata.correlation_id
    assert published.metadata.causation_id == str(envelope.metadata.event_id)


async def test_a_declined_charge_publishes_payment_failed(
    make_harness: MakeHarness,
    fakes: Any,
    api_key: str,
    order_created: OrderCreatedFactory,
    eventbridge_event: EventFactory,
) -> None:
    harness = await make_harness(provider=fakes.Provider(outcome=ChargeDeclined(reason="insufficient_funds")))
    envelope = order_created("tok_insufficient_funds")

    await _post(harness, eventbridge_event(envelope), api_key)
    await harness.dependencies.processor.join()

    [published] = harness.relay.published
    assert isinstance(published.data, PaymentFailed) and published.data.reason_code == "insufficient_funds"
    payment = (await harness.client.get(f"/payments/{published.data.payment_id}")).json()
    assert payment["status"] == "FAILED" and payment["reason_code"] == "insufficient_funds"


@pytest.mark.parametrize("concurrently", [False, True])
async def test_a_duplicate_event_is_accepted_again_but_charged_once(
    harness: Any, api_key: str, order_created: OrderCreatedFactory, eventbridge_event: EventFactory, concurrently: bool
) -> None:
    event = eventbridge_event(order_created())

    if concurrently:
        responses = await asyncio.gather(*(_post(harness, event, api_key) for _ in range(3)))
    else:
        responses = [await _post(harness, event, api_key) for _ in range(3)]
        await harness.dependencies.processor.join()
        responses.append(await _post(harness, event, api_key))
    await harness.dependencies.processor.join()

    assert {r.status_code for r in responses} == {202}
    assert len({r.json()["payment_id"] for r in responses}) == 1
    assert len(harness.provider.requests) == 1
    assert len(harness.relay.published) == 1


@pytest.mark.parametrize("key", [None, "", "wrong-key"])
async def test_a_missing_or_wrong_key_is_401_and_changes_nothing(
    harness: Any,
    order_created: OrderCreatedFactory,
    eventbridge_event: EventFactory,
    key: str | None,
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.DEBUG):
        response = await _post(harness, eventbridge_event(order_created()), key)

    assert response.status_code == 401
    assert response.json()["code"] == "unauthorized"
    assert harness.repository.payments == {} and harness.provider.requests == []
    if key:
        assert key not in caplog.text


async def test_a_wrong_key_is_checked_before_the_body(harness: Any) -> None:
    response = await _post(harness, b"not json", "wrong-key")

    assert response.status_code == 401


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        (b"{not json", 400, "invalid_json"),
        (b"\xff\xfe", 400, "invalid_json"),
        (b"[1, 2]", 422, "invalid_event"),
        (b'{"detail-type": "order.created"}', 422, "invalid_event"),
        (b'{"detail-type": "order.created", "detail": {"metadata": {}}}', 422, "invalid_event"),
    ],
)
async def test_bad_bodies_are_4xx_problems(harness: Any, api_key: str, body: bytes, status: int, code: str) -> None:
    response = await _post(harness, body, api_key)

    assert response.status_code == status
    assert response.json()["code"] == code
    assert harness.repository.payments == {}


async def test_an_invalid_payload_is_422(
    harness: Any, api_key: str, order_created: OrderCreatedFactory, eventbridge_event: EventFactory
) -> None:
    event = eventbridge_event(order_created())
    event["detail"]["data"]["total"] = "not a number"

    response = await _post(harness, event, api_key)

    assert response.status_code == 422 and response.json()["code"] == "invalid_event"


async def test_a_detail_type_that_disagrees_with_the_envelope_is_422(
    harness: Any, api_key: str, order_created: OrderCreatedFactory, eventbridge_event: EventFactory
) -> None:
    event = eventbridge_event(order_created())
    event["detail-type"] = "payment.succeeded"

    response = await _post(harness, event, api_key)

    assert response.status_code == 422


async def test_an_event_type_payment_does_not_handle_is_422(
    harness: Any, api_key: str, eventbridge_event: EventFactory
) -> None:
    fact = PaymentSucceeded(
        payment_id="p", order_id="o", customer_id="c", amount="1.00", currency="USD", provider_reference="ch"
    )
    response = await _post(harness, eventbridge_event(new_envelope(fact, correlation_id="c")), api_key)

    assert response.status_code == 422
    assert response.json()["code"] == "unsupported_event_type"


async def test_an_unknown_event_type_is_422(
    harness: Any, api_key: str, order_created: OrderCreatedFactory, eventbridge_event: EventFactory
) -> None:
    event = eventbridge_event(order_created())
    event["detail"]["metadata"]["event_type"] = event["detail-type"] = "order.teleported"

    response = await _post(harness, event, api_key)

    assert response.status_code == 422
    assert response.json()["code"] == "unsupported_event_type"


async def test_an_oversized_body_is_413(make_harness: MakeHarness, settings_factory: Any, api_key: str) -> None:
    harness = await make_harness(settings=settings_factory(max_event_bytes=100))

    response = await _post(harness, b"{" + b" " * 200 + b"}", api_key)

    assert response.status_code == 413


async def test_get_payment_never_shows_the_token(
    harness: Any, api_key: str, order_created: OrderCreatedFactory, eventbridge_event: EventFactory
) -> None:
    envelope = order_created("tok_success_secret_1")
    accepted = (await _post(harness, eventbridge_event(envelope), api_key)).json()
    await harness.dependencies.processor.join()

    response = await harness.client.get(f"/payments/{accepted['payment_id']}")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "SUCCEEDED" and body["provider_reference"] == "ch_fake"
    assert (body["order_id"], body["amount"], body["currency"]) == (envelope.data.order_id, "39.98", "USD")
    assert "tok_success_secret_1" not in response.text


async def test_get_an_unknown_payment_is_404(harness: Any) -> None:
    response = await harness.client.get("/payments/nope")

    assert response.status_code == 404 and response.json()["code"] == "not_found"


async def test_tokens_and_keys_never_reach_the_logs(
    harness: Any,
    api_key: str,
    order_created: OrderCreatedFactory,
    eventbridge_event: EventFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.DEBUG):
        await _post(harness, eventbridge_event(order_created("tok_success_secret_2")), api_key)
        await harness.dependencies.processor.join()

    logged = " ".join(f"{record.getMessage()} {record.__dict__}" for record in caplog.records)
    assert "payment settled" in logged
    assert "tok_success_secret_2" not in logged and api_key not in logged


@pytest.mark.parametrize("declined", [False, True])
async def test_outcome_events_carry_no_payment_token(
    make_harness: MakeHarness,
    fakes: Any,
    api_key: str,
    order_created: OrderCreatedFactory,
    eventbridge_event: EventFactory,
    declined: bool,
) -> None:
    provider = fakes.Provider(outcome=ChargeDeclined(reason="card_declined")) if declined else fakes.Provider()
    harness = await make_harness(provider=provider)

    await _post(harness, eventbridge_event(order_created("tok_secret_card_3")), api_key)
    await harness.dependencies.processor.join()

    [published] = harness.relay.published
    assert isinstance(published.data, PaymentFailed if declined else PaymentSucceeded)
    assert "tok_secret_card_3" not in json.dumps(published.to_detail(), default=str)
