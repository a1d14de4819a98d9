"""The API key check: the current and the previous key, compared in constant time against both; the previous key
only for a grace period after the rotation; the secret re-read once the keys held are older than an interval."""

from __future__ import annotations

import asyncio
import hmac
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from botocore.exceptions import ClientError
from shop_payment.adapters import api_keys as api_keys_module
from shop_payment.adapters.api_keys import (
    DEFAULT_PREVIOUS_KEY_GRACE,
    ApiKeys,
    ApiKeyVerifier,
    SecretsManagerApiKeySource,
)

ROTATED_AT = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
GRACE = timedelta(minutes=15)


class Clock:
    """Both clocks the verifier reads, moved together: monotonic seconds (re-reads) and wall time (the grace)."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.wall = ROTATED_AT

    def __call__(self) -> float:
        return self.now

    def utc(self) -> datetime:
        return self.wall

    def advance(self, seconds: float) -> None:
        self.now += seconds
        self.wall += timedelta(seconds=seconds)


class FailingSource:
    def __init__(self, key: str) -> None:
        self.key = key
        self.fail = False
        self.reads = 0

    async def read(self) -> ApiKeys:
        self.reads += 1
        if self.fail:
            raise ConnectionError("secrets manager unreachable")
        return ApiKeys(current=self.key)


async def _verifier(source: object, clock: Clock, grace: timedelta = GRACE) -> ApiKeyVerifier:
    verifier = ApiKeyVerifier(
        source,  # type: ignore[arg-type]
        reread_interval_seconds=30.0,
        previous_grace=grace,
        clock=clock,
        wall_clock=clock.utc,
    )
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
    clock = Clock()
    verifier = await _verifier(fakes.KeySource(key="new-key", previous="old-key", rotated_at=ROTATED_AT), clock)

    assert await verifier.verify("new-key")
    assert compared == [(b"new-key", b"new-key"), (b"new-key", b"old-key")], "both keys, although the first matched"
    compared.clear()
    assert await verifier.verify("old-key")
    assert compared == [(b"old-key", b"new-key"), (b"old-key", b"old-key")]
    compared.clear()
    clock.wall += GRACE
    assert not await verifier.verify("old-key")
    assert compared == [(b"old-key", b"new-key"), (b"old-key", b"old-key")], "both keys, also once the grace is over"


async def test_a_mismatch_rereads_the_secret_at_most_once_per_interval(fakes: SimpleNamespace) -> None:
    source, clock = fakes.KeySource(key="old-key"), Clock()
    verifier = await _verifier(source, clock)
    assert source.reads == 1

    clock.advance(5)
    assert not await verifier.verify("wrong")
    assert source.reads == 1, "read at startup 5 s ago: no re-read yet"

    clock.advance(30)
    assert not await verifier.verify("wrong")
    assert not await verifier.verify("wrong")
    assert source.reads == 2, "one re-read for the whole interval"

    clock.advance(29)
    assert not await verifier.verify("wrong")
    assert source.reads == 2
    clock.advance(1)
    assert not await verifier.verify("wrong")
    assert source.reads == 3


async def test_a_changed_key_without_a_previous_version_refuses_the_old_one(fakes: SimpleNamespace) -> None:
    source, clock = fakes.KeySource(key="old-key"), Clock()
    verifier = await _verifier(source, clock)

    source.key = "new-key"
    clock.advance(31)
    assert await verifier.verify("new-key")
    assert not await verifier.verify("old-key")
    assert source.reads == 2


async def test_concurrent_mismatches_cause_one_reread(fakes: SimpleNamespace) -> None:
    source, clock = fakes.KeySource(key="old-key"), Clock()
    verifier = await _verifier(source, clock)
    clock.advance(31)

    results = await asyncio.gather(*(verifier.verify(f"wrong-{i}") for i in range(10)))

    assert not any(results)
    assert source.reads == 2


async def test_a_failing_reread_keeps_the_current_key() -> None:
    source, clock = FailingSource("the-key"), Clock()
    verifier = await _verifier(source, clock)
    source.fail = True
    clock.advance(31)

    assert not await verifier.verify("wrong")
    assert await verifier.verify("the-key")
    assert not await verifier.verify("wrong")
    assert source.reads == 2, "a failing store is also asked at most once per interval"


async def test_an_empty_secret_stops_the_start(fakes: SimpleNamespace) -> None:
    verifier = ApiKeyVerifier(fakes.KeySource(key=""))

    with pytest.raises(RuntimeError):
        await verifier.load()


async def test_during_a_rotation_the_current_and_the_previous_key_pass(fakes: SimpleNamespace) -> None:
    source = fakes.KeySource(key="new-key", previous="old-key", rotated_at=ROTATED_AT)
    verifier = await _verifier(source, Clock())

    assert await verifier.verify("new-key")
    assert await verifier.verify("old-key")
    assert not await verifier.verify("older-key")
    assert not await verifier.verify("new-keyold-key")


async def test_the_previous_key_is_refused_once_its_grace_is_over(fakes: SimpleNamespace) -> None:
    source, clock = fakes.KeySource(key="new-key", previous="old-key", rotated_at=ROTATED_AT), Clock()
    verifier = await _verifier(source, clock)

    clock.wall = ROTATED_AT + GRACE - timedelta(microseconds=1)
    assert await verifier.verify("old-key"), "the last moment of the grace"
    clock.wall = ROTATED_AT + GRACE
    assert not await verifier.verify("old-key"), "refused like any wrong key from then on"
    assert await verifier.verify("new-key")
    assert source.reads == 1, "the grace is judged on the keys held: no read needed"


async def test_the_grace_runs_from_the_rotation_not_from_when_it_was_read(fakes: SimpleNamespace) -> None:
    source, clock = fakes.KeySource(key="k0"), Clock()
    verifier = await _verifier(source, clock)

    source.rotate("k1", at=clock.wall)
    clock.advance(10 * 60)  # read ten minutes after the rotation: five minutes of grace are left
    assert await verifier.verify("k1") and await verifier.verify("k0")
    clock.wall += timedelta(minutes=5)
    assert not await verifier.verify("k0")


async def test_an_old_key_that_keeps_coming_is_refused_after_the_grace(fakes: SimpleNamespace) -> None:
    """A connection that was never updated keeps sending the old key: no mismatch ever tells us of the rotation,
    but the keys held grow old and are read again, and the old key's grace then ends on time."""
    source, clock = fakes.KeySource(key="k0"), Clock()
    verifier = await _verifier(source, clock)
    source.rotate("k1", at=clock.wall)

    assert await verifier.verify("k0"), "still the current key as far as we know"
    for _ in range(int(GRACE.total_seconds() // 30) - 1):
        clock.advance(30)
        assert await verifier.verify("k0"), "the previous key, within its grace"
    clock.advance(30)
    assert clock.wall == ROTATED_AT + GRACE
    assert not await verifier.verify("k0")
    assert await verifier.verify("k1")


async def test_a_secret_that_does_not_say_when_it_was_rotated_accepts_no_previous_key(
    fakes: SimpleNamespace,
) -> None:
    verifier = await _verifier(fakes.KeySource(key="new-key", previous="old-key", rotated_at=None), Clock())

    assert await verifier.verify("new-key")
    assert not await verifier.verify("old-key")


async def test_no_grace_refuses_the_previous_key_at_once(fakes: SimpleNamespace) -> None:
    source = fakes.KeySource(key="new-key", previous="old-key", rotated_at=ROTATED_AT)
    verifier = await _verifier(source, Clock(), grace=timedelta(0))

    assert await verifier.verify("new-key")
    assert not await verifier.verify("old-key")


def test_the_default_grace_is_fifteen_minutes() -> None:
    assert timedelta(minutes=15) == DEFAULT_PREVIOUS_KEY_GRACE


async def test_a_rotation_is_picked_up_and_the_key_before_stays_valid(fakes: SimpleNamespace) -> None:
    source, clock = fakes.KeySource(key="k0"), Clock()
    verifier = await _verifier(source, clock)

    source.rotate("k1", at=clock.wall)  # put_secret_value: k1 is AWSCURRENT, k0 AWSPREVIOUS
    assert await verifier.verify("k0"), "the connection may still send the old key"
    clock.advance(31)
    assert await verifier.verify("k1"), "the new key is read once the keys held are old"
    assert await verifier.verify("k0"), "and the old one is still the previous key"
    assert source.reads == 2


async def test_after_a_second_rotation_the_oldest_key_is_refused(fakes: SimpleNamespace) -> None:
    source, clock = fakes.KeySource(key="k0"), Clock()
    verifier = await _verifier(source, clock)
    source.rotate("k1", at=clock.wall)
    clock.advance(31)
    assert await verifier.verify("k1") and await verifier.verify("k0")

    source.rotate("k2", at=clock.wall)
    clock.advance(31)
    assert not await verifier.verify("k0"), "no longer a version of the secret, whatever the grace"
    assert await verifier.verify("k2") and await verifier.verify("k1")
    assert source.reads == 3


async def test_keys_are_read_again_at_most_once_per_interval_whatever_is_presented(fakes: SimpleNamespace) -> None:
    source, clock = fakes.KeySource(key="k1", previous="k0", rotated_at=ROTATED_AT), Clock()
    verifier = await _verifier(source, clock)

    for _ in range(5):
        assert await verifier.verify("k1")
        assert await verifier.verify("k0")
    assert source.reads == 1, "keys read less than an interval ago are used as they are"
    clock.advance(31)
    for _ in range(5):
        assert await verifier.verify("k1")
    assert source.reads == 2, "the current key too, once they are older"


class SecretsManagerStub:
    """The two calls the source makes, answered like Secrets Manager (no AWSPREVIOUS before a rotation)."""

    def __init__(self, stages: dict[str, str], error_code: str = "ResourceNotFoundException") -> None:
        self.stages = stages
        self.error_code = error_code
        self.calls: list[dict[str, str]] = []

    async def get_secret_value(self, **kwargs: str) -> dict[str, object]:
        self.calls.append(kwargs)
        if kwargs["VersionStage"] not in self.stages:
            raise ClientError({"Error": {"Code": self.error_code, "Message": "no such stage"}}, "GetSecretValue")
        created = ROTATED_AT if kwargs["VersionStage"] == "AWSCURRENT" else ROTATED_AT - timedelta(days=30)
        return {"SecretString": self.stages[kwargs["VersionStage"]], "CreatedDate": created}


async def test_the_secret_source_reads_both_version_stages() -> None:
    client = SecretsManagerStub({"AWSCURRENT": "k1", "AWSPREVIOUS": "k0"})

    keys = await SecretsManagerApiKeySource(client, "the-secret").read()

    assert keys == ApiKeys(current="k1", previous="k0", rotated_at=ROTATED_AT)
    assert client.calls == [
        {"SecretId": "the-secret", "VersionStage": "AWSCURRENT"},
        {"SecretId": "the-secret", "VersionStage": "AWSPREVIOUS"},
    ]
    assert "k1" not in repr(keys) and "k0" not in repr(keys)


async def test_a_secret_never_rotated_has_no_previous_key() -> None:
    keys = await SecretsManagerApiKeySource(SecretsManagerStub({"AWSCURRENT": "k0"}), "the-secret").read()

    assert keys == ApiKeys(current="k0", previous=None, rotated_at=ROTATED_AT)


async def test_other_secret_errors_are_not_taken_for_a_missing_previous_key() -> None:
    client = SecretsManagerStub({"AWSCURRENT": "k0"}, error_code="AccessDeniedException")

    with pytest.raises(ClientError):
        await SecretsManagerApiKeySource(client, "the-secret").read()
