"""The shared service wiring: lifespan bootstrap, loops, one health shape, components in routes, shutdown order."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from typing import Annotated, Any

import httpx
import pytest
from fastapi import Depends, FastAPI
from shop_shared.composition import Container
from shop_shared.http import components, create_service_app, serve
from shop_shared.http import service_app as service_app_module
from shop_shared.settings import ServiceSettings

SETTINGS = ServiceSettings(host="127.0.0.1", port=8080, log_level="INFO", shutdown_grace_seconds=1.0)


@dataclass(kw_only=True)
class Components(Container):
    greeting: str
    events: list[str] = field(default_factory=list)
    on_drain: Callable[[Components, float], Awaitable[None]] | None = None

    async def drain(self, grace_seconds: float) -> None:
        if self.on_drain is not None:
            await self.on_drain(self, grace_seconds)


def app_for(built: Components, **kwargs: Any) -> FastAPI:
    async def build(_: ServiceSettings, stack: AsyncExitStack) -> Components:
        stack.callback(built.events.append, "stack closed")
        return built

    app = create_service_app(SETTINGS, title="test-service", build=build, **kwargs)

    @app.get("/greeting")
    async def greeting(components: Annotated[Components, Depends(components)]) -> dict[str, str]:
        return {"greeting": components.greeting}

    return app


@asynccontextmanager
async def running(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://service") as client,
    ):
        yield client


async def test_health_is_ok_while_the_loops_run_and_they_stop_gracefully_on_shutdown() -> None:
    built = Components(greeting="hello")

    async def runs_until_stopped(stop: asyncio.Event) -> None:
        await stop.wait()
        built.events.append("loop stopped")

    built.background = {"consumer": runs_until_stopped}
    async with running(app_for(built)) as client:
        await asyncio.sleep(0)
        response = await client.get("/health")
        assert built.events == []

    assert (response.status_code, response.json()) == (200, {"status": "ok"})
    # The loop finished on its own (no cancellation) before the bootstrap's resources were closed.
    assert built.events == ["loop stopped", "stack closed"]


async def test_health_is_503_naming_only_the_loop_that_crashed() -> None:
    async def crashes(_: asyncio.Event) -> None:
        raise RuntimeError("boom")

    async def runs_until_stopped(stop: asyncio.Event) -> None:
        await stop.wait()

    built = Components(greeting="hello", background={"relay": runs_until_stopped, "consumer": crashes})
    async with running(app_for(built)) as client:
        await asyncio.sleep(0)
        response = await client.get("/health")

    assert response.status_code == 503
    assert response.json() == {"status": "unhealthy", "stopped_loops": ["consumer"]}


async def test_routes_reach_the_components_and_app_state_holds_them() -> None:
    built = Components(greeting="hello")
    app = app_for(built)
    async with running(app) as client:
        response = await client.get("/greeting")
        assert app.state.components is built
        assert app.state.workers.unhealthy() == []

    assert (response.status_code, response.json()) == (200, {"greeting": "hello"})


async def test_shared_problem_handlers_are_installed() -> None:
    async with running(app_for(Components(greeting="hello"))) as client:
        response = await client.get("/nowhere")

    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "not_found"


async def test_drain_runs_before_the_loops_are_asked_to_stop() -> None:
    built = Components(greeting="hello")
    drained: list[float] = []

    async def relay(stop: asyncio.Event) -> None:
        await stop.wait()
        built.events.append("relay stopped")

    async def drain(components: Components, grace_seconds: float) -> None:
        assert components is built
        await asyncio.sleep(0.05)
        # The relay still runs while the drained work finishes (its events go through the relay).
        built.events.append("drained")
        drained.append(grace_seconds)

    built.background = {"relay": relay}
    built.on_drain = drain
    async with running(app_for(built)):
        pass

    assert drained == [SETTINGS.shutdown_grace_seconds]
    assert built.events == ["drained", "relay stopped", "stack closed"]


async def test_loops_still_get_a_minimum_grace_when_drain_used_it_all(monkeypatch: pytest.MonkeyPatch) -> None:
    built = Components(greeting="hello")
    graces: list[float] = []

    async def drain(_: Components, grace_seconds: float) -> None:
        await asyncio.sleep(0.01)

    original = service_app_module.BackgroundWorkers.shutdown

    async def recording_shutdown(self: Any, grace_seconds: float) -> None:
        graces.append(grace_seconds)
        await original(self, grace_seconds)

    monkeypatch.setattr(service_app_module.BackgroundWorkers, "shutdown", recording_shutdown)
    monkeypatch.setattr(service_app_module, "MIN_LOOP_GRACE_SECONDS", 5.0)
    built.on_drain = drain
    async with running(app_for(built)):
        pass

    assert graces == [5.0]


async def test_openapi_documents_both_health_answers() -> None:
    async with running(app_for(Components(greeting="hello"), version="2")) as client:
        spec = (await client.get("/openapi.json")).json()

    assert spec["info"] == {"title": "test-service", "version": "2"}
    responses = spec["paths"]["/health"]["get"]["responses"]
    assert responses["200"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/HealthyResponse"}
    assert responses["503"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/UnhealthyResponse"
    }
    unhealthy = spec["components"]["schemas"]["UnhealthyResponse"]
    assert set(unhealthy["properties"]) == {"status", "stopped_loops"}
    assert unhealthy["properties"]["stopped_loops"]["description"]


def test_serve_sets_up_logging_and_tracing_runs_uvicorn_then_flushes_the_spans(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[str, Any]] = []
    app = FastAPI()
    monkeypatch.setattr(service_app_module, "configure_logging", lambda *args: calls.append(("logging", args)))
    monkeypatch.setattr(service_app_module, "configure_tracing", lambda *args: calls.append(("tracing", args)))
    monkeypatch.setattr(service_app_module, "instrument_http_clients", lambda: calls.append(("httpx", ())))
    monkeypatch.setattr(service_app_module, "shutdown_tracing", lambda: calls.append(("spans flushed", ())))
    monkeypatch.setattr(
        service_app_module.uvicorn, "run", lambda served, **options: calls.append(("uvicorn", (served, options)))
    )

    serve(lambda settings: app, SETTINGS, "test-service")

    assert calls == [
        ("logging", ("test-service", "INFO")),
        ("tracing", ("test-service", "none", None)),
        ("httpx", ()),
        ("uvicorn", (app, {"host": "127.0.0.1", "port": 8080, "log_config": None})),
        ("spans flushed", ()),
    ]
