"""The batch worker's health endpoint reflects its background loops."""

from __future__ import annotations

import asyncio
from contextlib import AsyncExitStack

import httpx
from shop_batch_worker.bootstrap import BatchComponents
from shop_batch_worker.entrypoints.api import create_app
from shop_batch_worker.settings import BatchSettings

SETTINGS = BatchSettings(
    activity_arn="arn", event_bus_name="bus", accounts_table="a", outbox_table="o", shutdown_grace_seconds=1
)


async def _health(loop: object) -> httpx.Response:
    async def fake_bootstrap(_: BatchSettings, __: AsyncExitStack) -> BatchComponents:
        return BatchComponents(loops={"activity-workers": loop})  # type: ignore[dict-item]

    app = create_app(SETTINGS, fake_bootstrap)
    async with app.router.lifespan_context(app):
        await asyncio.sleep(0)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://batch") as client:
            return await client.get("/health")


async def test_health_ok_while_the_pool_runs_and_it_stops_on_shutdown() -> None:
    stopped = asyncio.Event()

    async def pool(stop: asyncio.Event) -> None:
        await stop.wait()
        stopped.set()

    response = await _health(pool)
    assert (response.status_code, response.json()) == (200, {"status": "ok"})
    assert stopped.is_set()


async def test_health_503_when_the_pool_died() -> None:
    async def pool(_: asyncio.Event) -> None:
        raise RuntimeError("no credentials")

    response = await _health(pool)
    assert response.status_code == 503
    assert response.json() == {"status": "unhealthy", "stopped_loops": ["activity-workers"]}
