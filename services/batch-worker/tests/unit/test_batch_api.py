"""The batch worker's health endpoint reflects its background loops; any other path answers a problem."""

from __future__ import annotations

import asyncio
from contextlib import AsyncExitStack

import httpx
from shop_batch_worker.bootstrap import BatchWorkerContainer
from shop_batch_worker.entrypoints.api import create_app
from shop_batch_worker.settings import BatchSettings
from shop_devtools.testing.problems import problem_of
from shop_shared.composition import BackgroundLoop

SETTINGS = BatchSettings(
    activity_arn="arn", event_bus_name="bus", accounts_table="a", outbox_table="o", shutdown_grace_seconds=1
)


async def _get(loop: BackgroundLoop, path: str = "/health") -> httpx.Response:
    async def fake_bootstrap(_: BatchSettings, __: AsyncExitStack) -> BatchWorkerContainer:
        return BatchWorkerContainer(background={"activity-workers": loop})

    app = create_app(SETTINGS, build=fake_bootstrap)
    async with app.router.lifespan_context(app):
        await asyncio.sleep(0)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://batch") as client:
            return await client.get(path)


async def test_health_ok_while_the_pool_runs_and_it_stops_on_shutdown() -> None:
    stopped = asyncio.Event()

    async def pool(stop: asyncio.Event) -> None:
        await stop.wait()
        stopped.set()

    response = await _get(pool)
    assert (response.status_code, response.json()) == (200, {"status": "ok"})
    assert stopped.is_set()


async def test_health_503_when_the_pool_died() -> None:
    async def pool(_: asyncio.Event) -> None:
        raise RuntimeError("no credentials")

    response = await _get(pool)
    assert response.status_code == 503
    assert response.json() == {"status": "unhealthy", "stopped_loops": ["activity-workers"]}


async def test_an_unknown_path_is_a_problem_404() -> None:
    async def pool(stop: asyncio.Event) -> None:
        await stop.wait()

    response = await _get(pool, "/tiers")
    assert problem_of(response, 404, "not_found")["instance"] == "/tiers"
