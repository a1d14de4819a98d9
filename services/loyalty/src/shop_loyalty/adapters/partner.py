"""The loyalty partner's API over httpx: timeouts on every call, retries with exponential backoff and jitter."""

from __future__ import annotations

import logging

import httpx
from tenacity import AsyncRetrying, retry_if_exception_type, stop_after_attempt, wait_random_exponential

from shop_loyalty.exceptions import PartnerRejected, PartnerRetryableAnswer, PartnerUnavailable

__all__ = ["HttpLoyaltyPartner"]

logger = logging.getLogger(__name__)


class HttpLoyaltyPartner:
    def __init__(
        self,
        client: httpx.AsyncClient,
        *,
        max_attempts: int = 4,
        backoff_initial_seconds: float = 0.2,
        backoff_max_seconds: float = 2.0,
    ) -> None:
        self._client = client
        self._max_attempts = max_attempts
        self._backoff_initial = backoff_initial_seconds
        self._backoff_max = backoff_max_seconds

    async def report_credit(self, *, customer_id: str, order_id: str, points: int) -> None:
        await self._post("/v1/credits", {"customer_id": customer_id, "order_id": order_id, "points": points})

    async def report_reversal(self, *, customer_id: str, order_id: str, points: int) -> None:
        await self._post("/v1/reversals", {"customer_id": customer_id, "order_id": order_id, "points": points})

    async def _post(self, path: str, body: dict[str, str | int]) -> None:
        order_id = body["order_id"]
        retrying = AsyncRetrying(
            retry=retry_if_exception_type((httpx.TransportError, PartnerRetryableAnswer)),
            stop=stop_after_attempt(self._max_attempts),
            wait=wait_random_exponential(multiplier=self._backoff_initial, max=self._backoff_max),
            reraise=True,
        )
        try:
            async for attempt in retrying:
                with attempt:
                    response = await self._client.post(path, json=body)
                    if response.status_code == 429 or response.status_code >= 500:
                        raise PartnerRetryableAnswer(f"partner answered {response.status_code}")
        except (httpx.TransportError, PartnerRetryableAnswer) as error:
            logger.warning(
                "loyalty partner unavailable", extra={"order_id": order_id, "path": path, "error": str(error)}
            )
            raise PartnerUnavailable(f"partner not told {path} about order {order_id}: {error}") from error
        if response.status_code >= 400:
            raise PartnerRejected(f"partner refused {path} for order {order_id}: {response.status_code}")
