"""The third-party payment provider over HTTP: explicit timeouts, retries with backoff, one idempotency key,
and every attempt through the guard (rate limit, circuit breaker)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception_type, stop_after_attempt
from tenacity.wait import wait_random_exponential

from shop_payment.domain import ChargeDeclined, ChargeOutcome, ChargeRequest, ChargeSucceeded, decline_reason
from shop_payment.ports import ChargeDeferred

from .provider_guard import ProviderGuard

__all__ = ["HttpPaymentProvider", "ProviderTemporarilyUnavailable", "parse_retry_after"]

logger = logging.getLogger(__name__)

CHARGES_PATH = "/v1/charges"


class ProviderTemporarilyUnavailable(Exception):
    """A failure worth retrying: timeout, connection error, 5xx or 429 (with the provider's Retry-After)."""

    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after


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
    through the guard: the client-side rate limit and the circuit breaker."""

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
        """The outcome; raises ChargeDeferred when the circuit is (or, through this charge, became) open."""
        retrying = AsyncRetrying(
            stop=stop_after_attempt(self._max_attempts),
            wait=self._wait,
            # ChargeDeferred (circuit open) is not retried here: the payment waits for the pending sweep.
            retry=retry_if_exception_type(ProviderTemporarilyUnavailable),
            before_sleep=self._log_retry,
            reraise=True,
        )
        try:
            outcome: ChargeOutcome = await retrying(self._attempt, request)
        except ProviderTemporarilyUnavailable as error:
            if await self._guard.is_open():
                # The last failures opened the circuit: the provider is down, not flaky; wait rather than fail.
                raise ChargeDeferred("the payment provider's circuit opened") from error
            logger.warning(
                "payment provider unavailable; giving up",
                extra={
                    "idempotency_key": request.idempotency_key,
                    "attempts": self._max_attempts,
                    "reason": error.reason,
                },
            )
            return ChargeDeclined(reason="provider_unavailable")
        return outcome

    async def _attempt(self, request: ChargeRequest) -> ChargeOutcome:
        async with self._guard.attempt():
            response = await self._post(request)
        status = response.status_code
        if status == 429:
            # The provider is up and asks us to slow down: retried after its Retry-After, not a breaker failure.
            raise ProviderTemporarilyUnavailable("HTTP 429", parse_retry_after(response.headers.get("Retry-After")))
        if status == 402:
            return ChargeDeclined(reason=decline_reason(_json(response).get("decline_code")))
        if response.is_success:
            return ChargeSucceeded(charge_id=str(_json(response)["charge_id"]))
        # Any other 4xx means the provider will never take this request as sent: retrying cannot help.
        logger.error(
            "payment provider rejected the request",
            extra={"idempotency_key": request.idempotency_key, "status": status},
        )
        return ChargeDeclined(reason="provider_unavailable")

    async def _post(self, request: ChargeRequest) -> httpx.Response:
        """One request; raises ProviderTemporarilyUnavailable for what counts as the provider failing."""
        body = {
            "amount": str(request.amount),
            "currency": request.currency,
            "token": request.token,
            "idempotency_key": request.idempotency_key,
        }
        try:
            response = await self._client.post(CHARGES_PATH, json=body)
        except httpx.TimeoutException as error:
            raise ProviderTemporarilyUnavailable(f"timeout: {type(error).__name__}") from error
        except httpx.TransportError as error:
            raise ProviderTemporarilyUnavailable(f"transport error: {type(error).__name__}") from error
        status = response.status_code
        if status >= 500:
            raise ProviderTemporarilyUnavailable(
                f"HTTP {status}", parse_retry_after(response.headers.get("Retry-After"))
            )
        if response.is_success:
            answer = _json(response)
            if answer.get("status") != "succeeded" or not answer.get("charge_id"):
                raise ProviderTemporarilyUnavailable(f"unexpected success body (HTTP {status})")
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


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}
