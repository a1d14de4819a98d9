"""ECS task scale-in protection against a local stand-in of the ECS agent endpoint."""

import asyncio
import logging
import socket
import time
from typing import TYPE_CHECKING

import pytest
from shop_shared.ecs import TaskProtection
from shop_shared.messaging import service_consumer_options
from shop_shared.settings import QueueConsumerSettings

if TYPE_CHECKING:
    from conftest import AgentStandIn


PROTECT = {"ProtectionEnabled": True, "ExpiresInMinutes": 10}
RELEASE = {"ProtectionEnabled": False}


async def test_busy_protects_and_idle_releases_after_the_idle_period(ecs_agent: "AgentStandIn") -> None:
    stand_in, uri = ecs_agent, ecs_agent.uri
    protection = TaskProtection(uri, expires_in_minutes=10, idle_release_seconds=0.2)
    await protection.busy()
    assert stand_in.calls == [("PUT", "/task-protection/v1/state", PROTECT)] and protection.protected
    await protection.busy()  # already protected for long enough: no call
    idle_at = time.monotonic()
    protection.idle()
    release = protection._release_task  # the release it scheduled; awaited, with a bound, instead of slept for
    assert release is not None
    await asyncio.wait_for(release, timeout=10)
    assert stand_in.bodies == [PROTECT, RELEASE], "released after the idle period"
    # Measured, not slept for: a slow machine may release late, never early.
    assert stand_in.call_times[1] - idle_at >= 0.2, "not released before the idle period"
    assert not protection.protected


async def test_work_within_the_idle_period_keeps_the_protection_without_flapping(ecs_agent: "AgentStandIn") -> None:
    stand_in, uri = ecs_agent, ecs_agent.uri
    # A whole second of idle period: the work 0.1 s later falls within it even on a busy machine.
    protection = TaskProtection(uri, idle_release_seconds=1.0)
    await protection.busy()
    protection.idle()
    await asyncio.sleep(0.1)
    await protection.busy()
    await asyncio.sleep(1.5)  # past the idle period: the cancelled release must not have happened
    assert stand_in.bodies == [PROTECT]
    await protection.close()
    assert stand_in.bodies == [PROTECT, RELEASE]


async def test_protection_is_renewed_when_less_than_half_is_left(ecs_agent: "AgentStandIn") -> None:
    stand_in, uri = ecs_agent, ecs_agent.uri
    protection = TaskProtection(uri, expires_in_minutes=10)
    await protection.busy()
    protection._protected_until = time.monotonic() + 60  # as if nine minutes had passed
    await protection.busy()
    assert stand_in.bodies == [PROTECT, PROTECT]


async def test_the_agent_uri_comes_from_the_ecs_environment_through_the_settings(
    ecs_agent: "AgentStandIn", monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ECS_AGENT_URI", ecs_agent.uri)
    options = service_consumer_options("loyalty", "queue", QueueConsumerSettings(port=8080))
    protection = options.get("task_protection")
    assert protection is not None
    await protection.busy()
    await protection.close()
    assert ecs_agent.bodies == [PROTECT, RELEASE]


async def test_without_an_agent_uri_nothing_is_called() -> None:
    protection = TaskProtection(None)
    await protection.busy()
    protection.idle()
    await protection.close()
    assert not protection.enabled and not protection.protected


async def test_an_unreachable_or_failing_agent_is_logged_not_raised(
    ecs_agent: "AgentStandIn", caplog: pytest.LogCaptureFixture
) -> None:
    stand_in, uri = ecs_agent, ecs_agent.uri
    stand_in.status = 500
    failing = TaskProtection(uri)
    with caplog.at_level(logging.WARNING):
        await failing.busy()
    assert not failing.protected and "task protection call failed" in caplog.text
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        nobody_listens = f"http://127.0.0.1:{closed.getsockname()[1]}"
    unreachable = TaskProtection(nobody_listens, timeout_seconds=0.5)
    await unreachable.busy()
    assert not unreachable.protected
