"""The JWKS behind the verifier: discovery, caching, refresh on an unknown kid at most once per interval, outages.

Most tests answer the issuer's HTTP in memory (httpx.MockTransport, the boundary); one serves it over real HTTP.
"""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from shop_devtools.testing.tokens import JWKS_PATH, TestIssuer, serve_issuer
from shop_shared.auth import (
    DISCOVERY_PATH,
    IdentityProviderUnavailable,
    InvalidToken,
    JwksCache,
    TokenVerifier,
    open_token_verifier,
)
from shop_shared.exceptions import DependencyUnavailable

ISSUER = "https://idp.shop.test/pool-1"


@dataclass
class ManualClock:
    now: float = 1000.0

    def __call__(self) -> float:
        return self.now


@dataclass
class IssuerEndpoint:
    """The issuer's HTTP side in memory: serves the keys of `signers`, counts requests, can fail on demand."""

    signers: list[TestIssuer]
    requests: list[str] = field(default_factory=list)
    failure: Callable[[httpx.Request], httpx.Response] | None = None
    discovery_issuer: str = ISSUER
    latency: float = 0.0  # lets concurrent requests pile up behind a fetch
    gate: asyncio.Event | None = None  # when set: every answer waits for it (an issuer that hangs)
    asked: asyncio.Event = field(default_factory=asyncio.Event)  # set by every request

    async def answer(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request.url.path)
        self.asked.set()
        await asyncio.sleep(self.latency)
        if self.gate is not None:
            await self.gate.wait()
        if self.failure is not None:
            return self.failure(request)
        if request.url.path == "/pool-1" + DISCOVERY_PATH:
            return httpx.Response(200, json={"issuer": self.discovery_issuer, "jwks_uri": ISSUER + JWKS_PATH})
        if request.url.path == "/pool-1" + JWKS_PATH:
            return httpx.Response(200, json={"keys": [key for signer in self.signers for key in signer.jwks["keys"]]})
        return httpx.Response(404)

    def jwks_fetches(self) -> int:
        return self.requests.count("/pool-1" + JWKS_PATH)


def under_kid(token: str, kid: str) -> str:
    """The token with another kid in its header (its signature no longer matters: the key lookup comes first)."""
    header, rest = token.split(".", 1)
    fields = json.loads(base64.urlsafe_b64decode(header + "=" * (-len(header) % 4)))
    renamed = base64.urlsafe_b64encode(json.dumps({**fields, "kid": kid}).encode()).rstrip(b"=").decode()
    return f"{renamed}.{rest}"


def unreachable(request: httpx.Request) -> httpx.Response:
    raise httpx.ConnectError("connection refused", request=request)


@pytest.fixture(scope="module")
def signer() -> TestIssuer:
    return TestIssuer(issuer=ISSUER)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


def verifier_for(
    endpoint: IssuerEndpoint, clock: ManualClock, *, interval: float = 10.0, max_age: float = 300.0, **overrides: Any
) -> TokenVerifier:
    settings = endpoint.signers[0].settings(
        auth_jwks_refresh_interval_seconds=interval, auth_jwks_max_age_seconds=max_age, **overrides
    )
    keys = JwksCache(
        httpx.AsyncClient(transport=httpx.MockTransport(endpoint.answer)),
        issuer=settings.auth_issuer,
        jwks_url=settings.auth_jwks_url,
        max_age_seconds=max_age,
        refresh_interval_seconds=interval,
        monotonic=clock,
    )
    return TokenVerifier(settings, keys)


async def test_keys_are_discovered_fetched_once_and_cached(signer: TestIssuer, clock: ManualClock) -> None:
    endpoint = IssuerEndpoint([signer])
    verifier = verifier_for(endpoint, clock)

    for customer in ("c-1", "c-2", "c-3"):
        assert (await verifier.verify(signer.mint(customer))).subject == customer

    assert endpoint.requests == ["/pool-1" + DISCOVERY_PATH, "/pool-1" + JWKS_PATH]


async def test_a_configured_jwks_url_skips_discovery(signer: TestIssuer, clock: ManualClock) -> None:
    endpoint = IssuerEndpoint([signer])
    verifier = verifier_for(endpoint, clock, auth_jwks_url=ISSUER + JWKS_PATH)

    await verifier.verify(signer.mint("c-1"))

    assert endpoint.requests == ["/pool-1" + JWKS_PATH]


async def test_an_unknown_kid_triggers_exactly_one_refresh_and_then_verifies(
    signer: TestIssuer, clock: ManualClock
) -> None:
    endpoint = IssuerEndpoint([signer])
    verifier = verifier_for(endpoint, clock)
    await verifier.verify(signer.mint("c-1"))
    rotated = TestIssuer(issuer=ISSUER)
    endpoint.signers.append(rotated)  # the issuer publishes its next key and starts signing with it
    clock.now += 11

    assert (await verifier.verify(rotated.mint("c-2"))).subject == "c-2"
    assert (await verifier.verify(rotated.mint("c-3"))).subject == "c-3"
    assert endpoint.jwks_fetches() == 2


async def test_made_up_kids_cause_at_most_one_fetch_per_interval(signer: TestIssuer, clock: ManualClock) -> None:
    endpoint = IssuerEndpoint([signer])
    verifier = verifier_for(endpoint, clock, interval=10)
    await verifier.verify(signer.mint("c-1"))
    clock.now += 10

    for attempt in range(50):
        with pytest.raises(InvalidToken, match="a key the issuer does not publish"):
            await verifier.verify(under_kid(signer.mint("c-1"), f"made-up-{attempt}"))
    assert endpoint.jwks_fetches() == 2  # the first use, then one refresh for the whole flood

    clock.now += 10
    with pytest.raises(InvalidToken):
        await verifier.verify(under_kid(signer.mint("c-1"), "made-up-later"))
    assert endpoint.jwks_fetches() == 3
    assert (await verifier.verify(signer.mint("c-1"))).subject == "c-1"  # known keys never wait for the interval


async def test_concurrent_requests_with_a_new_kid_share_one_fetch(signer: TestIssuer, clock: ManualClock) -> None:
    endpoint = IssuerEndpoint([signer], latency=0.05)
    verifier = verifier_for(endpoint, clock)

    principals = await asyncio.gather(*(verifier.verify(signer.mint(f"c-{index}")) for index in range(20)))

    assert len(principals) == 20 and endpoint.jwks_fetches() == 1


async def test_keys_older_than_the_max_age_are_fetched_again_and_a_withdrawn_key_is_refused(
    signer: TestIssuer, clock: ManualClock
) -> None:
    endpoint = IssuerEndpoint([signer])
    verifier = verifier_for(endpoint, clock, max_age=300)
    token = signer.mint("c-1")
    await verifier.verify(token)
    endpoint.signers = [TestIssuer(issuer=ISSUER)]  # the issuer withdrew the key

    clock.now += 299
    assert (await verifier.verify(token)).subject == "c-1"
    clock.now += 2
    with pytest.raises(InvalidToken):
        await verifier.verify(token)
    assert endpoint.jwks_fetches() == 2


async def test_while_stale_keys_are_refreshed_other_requests_do_not_wait_for_the_issuer(
    signer: TestIssuer, clock: ManualClock
) -> None:
    endpoint = IssuerEndpoint([signer])
    verifier = verifier_for(endpoint, clock, max_age=300)
    await verifier.verify(signer.mint("c-1"))
    clock.now += 301
    endpoint.gate = asyncio.Event()
    endpoint.asked.clear()

    refreshing = asyncio.create_task(verifier.verify(signer.mint("c-1")))
    await asyncio.wait_for(endpoint.asked.wait(), timeout=10)  # the refresh now waits on the hanging issuer
    meanwhile = await verifier.verify(signer.mint("c-2"))

    assert meanwhile.subject == "c-2" and not refreshing.done()
    endpoint.gate.set()
    assert (await refreshing).subject == "c-1"


@pytest.mark.parametrize(
    "failure",
    [
        unreachable,
        lambda request: (_ for _ in ()).throw(httpx.ReadTimeout("timed out", request=request)),
        lambda request: httpx.Response(500),
        lambda request: httpx.Response(200, text="<html>maintenance</html>"),
        lambda request: httpx.Response(200, json={"keys": "none"}),
    ],
    ids=["unreachable", "timeout", "5xx", "not-json", "no-keys-list"],
)
async def test_an_unreachable_issuer_is_unavailable_not_an_invalid_token(
    signer: TestIssuer, clock: ManualClock, failure: Callable[[httpx.Request], httpx.Response]
) -> None:
    endpoint = IssuerEndpoint([signer], failure=failure)
    verifier = verifier_for(endpoint, clock, auth_jwks_url=ISSUER + JWKS_PATH)

    with pytest.raises(IdentityProviderUnavailable) as outage:
        await verifier.verify(signer.mint("c-1"))

    assert isinstance(outage.value, DependencyUnavailable)  # so every service answers it 503 with Retry-After


async def test_after_a_failed_fetch_the_issuer_is_asked_again_only_after_the_interval(
    signer: TestIssuer, clock: ManualClock
) -> None:
    endpoint = IssuerEndpoint([signer], failure=unreachable)
    verifier = verifier_for(endpoint, clock, interval=10, auth_jwks_url=ISSUER + JWKS_PATH)
    for _ in range(5):
        with pytest.raises(IdentityProviderUnavailable):
            await verifier.verify(signer.mint("c-1"))
    assert len(endpoint.requests) == 1

    endpoint.failure = None
    clock.now += 10
    assert (await verifier.verify(signer.mint("c-1"))).subject == "c-1"
    assert len(endpoint.requests) == 2


async def test_known_keys_keep_working_while_the_issuer_is_down_but_a_new_kid_is_unavailable(
    signer: TestIssuer, clock: ManualClock
) -> None:
    endpoint = IssuerEndpoint([signer])
    verifier = verifier_for(endpoint, clock, max_age=300)
    await verifier.verify(signer.mint("c-1"))
    endpoint.failure = unreachable
    clock.now += 301  # the keys are due for a refresh, which fails

    assert (await verifier.verify(signer.mint("c-1"))).subject == "c-1"
    with pytest.raises(IdentityProviderUnavailable):
        await verifier.verify(under_kid(signer.mint("c-1"), "rotated-meanwhile"))


async def test_a_discovery_document_of_another_issuer_is_not_trusted(signer: TestIssuer, clock: ManualClock) -> None:
    endpoint = IssuerEndpoint([signer], discovery_issuer="https://evil.example")
    verifier = verifier_for(endpoint, clock)

    with pytest.raises(IdentityProviderUnavailable):
        await verifier.verify(signer.mint("c-1"))
    assert endpoint.jwks_fetches() == 0


async def test_a_key_for_encryption_is_never_used_to_verify(clock: ManualClock) -> None:
    signer = TestIssuer(issuer=ISSUER)

    class EncryptionKeyOnly(IssuerEndpoint):
        async def answer(self, request: httpx.Request) -> httpx.Response:
            response = await super().answer(request)
            if request.url.path.endswith(JWKS_PATH):
                return httpx.Response(200, json={"keys": [{**signer.jwks["keys"][0], "use": "enc"}]})
            return response

    verifier = verifier_for(EncryptionKeyOnly([signer]), clock)

    with pytest.raises(InvalidToken, match="a key the issuer does not publish"):
        await verifier.verify(signer.mint("c-1"))


async def test_over_real_http_keys_come_by_discovery_and_an_absent_issuer_is_unavailable() -> None:
    """A real HTTP server on 127.0.0.1 (free port), stopped at the end; then nothing listens there any more."""
    async with AsyncExitStack() as stack:
        with serve_issuer() as issuer:
            verifier = await open_token_verifier(stack, issuer.settings())
            principal = await verifier.verify(issuer.mint("c-9", phone="+15555550100"))
        assert (principal.subject, principal.verified_phone) == ("c-9", "+15555550100")

        stopped = await open_token_verifier(stack, issuer.settings(auth_jwks_timeout_seconds=2))
        with pytest.raises(IdentityProviderUnavailable):
            await stopped.verify(issuer.mint("c-9"))
