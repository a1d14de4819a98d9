"""The API key check: constant-time comparison, and a rate-limited re-read of the secret on a mismatch."""

from __future__ import annotations

import asyncio
import hmac
from types import SimpleNamespace

import pytest
from shop_payment.adapters import api_keys as api_keys_module
from shop_payment.adapters.api_keys import ApiKeyVerifier


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class FailingSource:
    def __init__(self, key: str) -> None:
        self.key = key
        self.fail = False
        self.reads = 0

    async def read(self) -> str:
        self.reads += 1
        if self.fail:
            raise ConnectionError("secrets manager unreachable")
        return self.key


async def _verifier(source: object, clock: Clock) -> ApiKeyVerifier:
    verifier = ApiKeyVerifier(source, reread_interval_seconds=30.0, clock=clock)  # type: ignore[arg-type]
    await verifier.load()
    return verifier


async def test_the_right_key_passes_and_others_do_not(fakes: SimpleNamespace, api_key: str) -> None:
    verifier = await _verifier(fakes.KeySource(), Clock())

    assert await verifier.verify(api_key)
    assert not await verifier.verify(api_key + "x")
    assert not await verifier.verify(api_key[:-1])
    assert not await verifier.verify("")
    assert not await verifier.verify(None)
    assert not await verifier.verify("ключ")  # non-ASCII input is compared as bytes, not an error


async def test_keys_are_compared_in_constant_time(
    fakes: SimpleNamespace, api_key: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    compared: list[tuple[bytes, bytes]] = []
    compare_digest = hmac.compare_digest

    def spy(a: bytes, b: bytes) -> bool:
        compared.append((a, b))
        return compare_digest(a, b)

    monkeypatch.setattr(api_keys_module.hmac, "compare_digest", spy)
    verifier = await _verifier(fakes.KeySource(), Clock())

    assert await verifier.verify(api_key)
    assert compared == [(api_key.encode(), api_key.encode())]


async def test_a_mismatch_rereads_the_secret_at_most_once_per_interval(fakes: SimpleNamespace) -> None:
    source, clock = fakes.KeySource(key="old-key"), Clock()
    verifier = await _verifier(source, clock)
    assert source.reads == 1

    clock.now += 5
    assert not await verifier.verify("wrong")
    assert source.reads == 1, "read at startup 5 s ago: no re-read yet"

    clock.now += 30
    assert not await verifier.verify("wrong")
    assert not await verifier.verify("wrong")
    assert source.reads == 2, "one re-read for the whole interval"

    clock.now += 29
    assert not await verifier.verify("wrong")
    assert source.reads == 2
    clock.now += 1
    assert not await verifier.verify("wrong")
    assert source.reads == 3


async def test_a_rotated_key_is_picked_up_and_the_old_one_refused(fakes: SimpleNamespace) -> None:
    source, clock = fakes.KeySource(key="old-key"), Clock()
    verifier = await _verifier(source, clock)

    source.key = "new-key"
    clock.now += 31
    assert await verifier.verify("new-key")
    assert not await verifier.verify("old-key")
    assert source.reads == 2


async def test_concurrent_mismatches_cause_one_reread(fakes: SimpleNamespace) -> None:
    source, clock = fakes.KeySource(key="old-key"), Clock()
    verifier = await _verifier(source, clock)
    clock.now += 31

    results = await asyncio.gather(*(verifier.verify(f"wrong-{i}") for i in range(10)))

    assert not any(results)
    assert source.reads == 2


async def test_a_failing_reread_keeps_the_current_key() -> None:
    source, clock = FailingSource("the-key"), Clock()
    verifier = await _verifier(source, clock)
    source.fail = True
    clock.now += 31

    assert not await verifier.verify("wrong")
    assert await verifier.verify("the-key")
    assert not await verifier.verify("wrong")
    assert source.reads == 2, "a failing store is also asked at most once per interval"


async def test_an_empty_secret_stops_the_start(fakes: SimpleNamespace) -> None:
    verifier = ApiKeyVerifier(fakes.KeySource(key=""))

    with pytest.raises(RuntimeError):
        await verifier.load()
