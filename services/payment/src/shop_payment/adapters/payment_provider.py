"""The third-party payment provider over HTTP: explicit timeouts, retries with backoff, one idempotency key,
every attempt through the guard (rate limit, circuit breaker), lookups by key and refunds."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx
from shop_shared.contracts import fixed_point
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception_type, stop_after_attempt
from tenacity.wait import wait_random_exponential

from shop_payment.domain import (
    ChargeAmbiguous,
    ChargeDeclined,
    ChargeOutcome,
    ChargeRequest,
    ChargeSucceeded,
    DefinitiveOutcome,
    decline_reason,
)
from shop_payment.exceptions import ChargeDeferred, ProviderTemporarilyUnavailable

from .provider_guard import ProviderGuard

__all__ = ["HttpPaymentProvider", "parse_retry_after"]

logger = logging.getLogger(__name__)

CHARGES_PATH = "/v1/charges"
REFUNDS_PATH = "/v1/refunds"


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Retry-After is either delay-seconds or an HTTP date; anything else is ignored."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


class HttpPaymentProvider:
    """Every attempt sends the same idempotency key (the payment id), so a retry after a timeout whose
    charge did go through gets that charge back instead of making a second one. Every attempt also goes
    through the guard: the client-side rate limit and the circuit breaker.

    Only a definitive answer (2xx with a charge, 402) is a result; when retries run out after an attempt
    that may have reached the provider the outcome is ChargeAmbiguous, and the payment is reconciled by
    looking the charge up, never reported as a decline."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        *,
        guard: ProviderGuard | None = None,
        max_attempts: int = 5,
        backoff_initial_seconds: float = 0.5,
        backoff_max_seconds: float = 10.0,
        max_retry_after_seconds: float = 30.0,
    ) -> None:
        self._client = client
        self._guard = guard or ProviderGuard()
        self._max_attempts = max_attempts
        self._backoff = wait_random_exponential(multiplier=backoff_initial_seconds, max=backoff_max_seconds)
        self._max_retry_after = max_retry_after_seconds

    async def charge(self, request: ChargeRequest) -> ChargeOutcome:
        retrying = AsyncRetrying(
            stop=stop_after_attempt(self._max_attempts),
            wait=self._wait,
            # ChargeDeferred (circuit open) is not retried here: the payment waits for its next step.
            retry=retry_if_exception_type(ProviderTemporarilyUnavailable),
            before_sleep=self._log_retry,
            reraise=True,
        )
        ambiguous: list[str] = []  # the attempts that may have reached the provider

        async def attempt() -> DefinitiveOutcome:
            try:
                return await self._attempt(request)
            except ProviderTemporarilyUnavailable as error:
                if error.ambiguous:
                    ambiguous.append(error.reason)
                raise

        try:
            return await retrying(attempt)
        except (ProviderTemporarilyUnavailable, ChargeDeferred) as error:
            if ambiguous:
                logger.warning(
                    "payment provider's answer lost; the charge will be looked up",
                    extra={"idempotency_key": request.idempotency_key, "reasons": ambiguous},
                )
                return ChargeAmbiguous(detail=f"{len(ambiguous)} ambiguous attempt(s), last: {ambiguous[-1]}")
            if isinstance(error, ChargeDeferred):
                raise
            raise ChargeDeferred(f"not charged: {error.reason}") from error

    async def find_charge(self, idempotency_key: str) -> ChargeSucceeded | None:
        """One lookup by idempotency key; a transient failure is raised, for the caller's backoff."""
        async with self._guard.attempt():
            response = await self._send("GET", CHARGES_PATH, params={"idempotency_key": idempotency_key})
        if response.status_code != 200:
            raise ProviderTemporarilyUnavailable(f"lookup: HTTP {response.status_code}", ambiguous=False)
        charges = _json(response).get("charges")
        if not isinstance(charges, list):
            raise ProviderTemporarilyUnavailable("lookup: unexpected body", ambiguous=False)
        for charge in charges:
            if isinstance(charge, dict) and charge.get("status") == "succeeded" and charge.get("charge_id"):
                return ChargeSucceeded(charge_id=str(charge["charge_id"]))
        return None

    async def refund(self, charge_id: str, *, idempotency_key: str) -> str:
        body = {"charge_id": charge_id, "idempotency_key": idempotency_key}
        async with self._guard.attempt():
            response = await self._send("POST", REFUNDS_PATH, json=body)
        refund_id = _json(response).get("refund_id") if response.is_success else None
        if not refund_id:
            raise ProviderTemporarilyUnavailable(f"refund: HTTP {response.status_code}", ambiguous=False)
        return str(refund_id)

    async def _attempt(self, request: ChargeRequest) -> DefinitiveOutcome:
        async with self._guard.attempt():
            response = await self._send("POST", CHARGES_PATH, json=_charge_body(request))
        status = response.status_code
        if status == 402:
            return ChargeDeclined(reason=decline_reason(_json(response).get("decline_code")))
        if response.is_success:
            answer = _json(response)
            if answer.get("status") == "succeeded" and answer.get("charge_id"):
                return ChargeSucceeded(charge_id=str(answer["charge_id"]))
            raise ProviderTemporarilyUnavailable(f"unexpected success body (HTTP {status})", ambiguous=True)
        if status == 429:
            # The provider is up and asks us to slow down: retried after its Retry-After; nothing was charged.
            raise ProviderTemporarilyUnavailable(
                "HTTP 429", parse_retry_after(response.headers.get("Retry-After")), ambiguous=False
            )
        if status == 409:
            # A request with this key is still in flight at the provider (or the key was reused): its outcome
            # is not known yet. Never a decline; the retry or the lookup tells.
            raise ProviderTemporarilyUnavailable("HTTP 409", ambiguous=True)
        # 400, 401, 403, 404, 422...: the provider did not act on the request; it is our fault, not the
        # customer's, so the payment waits (and an operator sees the error) instead of failing the order.
        logger.error(
            "payment provider rejected the request; the payment waits",
            extra={"idempotency_key": request.idempotency_key, "status": status},
        )
        raise ChargeDeferred(f"rejected by the provider: HTTP {status}")

    async def _send(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """One request; raises ProviderTemporarilyUnavailable for what counts as the provider failing."""
        try:
            response = await self._client.request(method, path, **kwargs)
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as error:
            # Never sent: the provider cannot have acted on it.
            raise ProviderTemporarilyUnavailable(f"not sent: {type(error).__name__}", ambiguous=False) from error
        except (httpx.TimeoutException, httpx.TransportError) as error:
            # Sent, and the answer was lost (read timeout, connection dropped): it may have been acted on.
            raise ProviderTemporarilyUnavailable(f"answer lost: {type(error).__name__}", ambiguous=True) from error
        if response.status_code >= 500:
            raise ProviderTemporarilyUnavailable(
                f"HTTP {response.status_code}", parse_retry_after(response.headers.get("Retry-After")), ambiguous=True
            )
        return response

    def _wait(self, state: RetryCallState) -> float:
        backoff = float(self._backoff(state))
        error = state.outcome.exception() if state.outcome else None
        if isinstance(error, ProviderTemporarilyUnavailable) and error.retry_after is not None:
            # The provider said when to come back: not sooner than that, but no later than our cap.
            return min(max(error.retry_after, backoff), self._max_retry_after)
        return backoff

    @staticmethod
    def _log_retry(state: RetryCallState) -> None:
        error = state.outcome.exception() if state.outcome else None
        reason = error.reason if isinstance(error, ProviderTemporarilyUnavailable) else repr(error)
        wait = state.next_action.sleep if state.next_action else 0.0
        logger.info(
            "payment provider call failed; retrying",
            extra={"attempt": state.attempt_number, "reason": reason, "wait_seconds": round(wait, 3)},
        )


def _charge_body(request: ChargeRequest) -> dict[str, Any]:
    return {
        "amount": fixed_point(request.amount),
        "currency": request.currency,
        "token": request.token,
        "idempotency_key": request.idempotency_key,
        "metadata": {"order_id": request.order_id},
    }


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}
