"""Stopping long-running loops promptly and within a grace period."""

import asyncio

from shop_shared.lifecycle import BackgroundWorkers, run_unless_stopped, sleep_or_stop


async def test_run_unless_stopped_returns_the_result_when_the_call_wins() -> None:
    assert await run_unless_stopped(asyncio.Event(), asyncio.sleep(0, result=7)) == (True, 7)


async def test_run_unless_stopped_cancels_the_call_when_stop_is_set() -> None:
    stop = asyncio.Event()
    cancelled = asyncio.Event()

    async def long_poll() -> None:
        try:
            await asyncio.sleep(60)
        except asyncio.CancelledError:
            cancelled.set()
            raise

    asyncio.get_running_loop().call_later(0.05, stop.set)
    assert await asyncio.wait_for(run_unless_stopped(stop, long_poll()), timeout=5) == (False, None)
    assert cancelled.is_set()


async def test_sleep_or_stop_wakes_on_stop() -> None:
    stop = asyncio.Event()
    stop.set()
    await asyncio.wait_for(sleep_or_stop(stop, 60), timeout=1)


async def test_background_workers_stop_cleanly_and_cancel_stragglers() -> None:
    workers = BackgroundWorkers()
    finished: list[str] = []

    async def polite(stop: asyncio.Event) -> None:
        await stop.wait()
        finished.append("polite")

    async def stubborn(_: asyncio.Event) -> None:
        await asyncio.sleep(60)

    async def crashed(_: asyncio.Event) -> None:
        raise RuntimeError("boom")

    workers.start("polite", polite)
    workers.start("stubborn", stubborn)
    workers.start("crashed", crashed)
    await asyncio.sleep(0.01)
    assert workers.unhealthy() == ["crashed"]
    await asyncio.wait_for(workers.shutdown(grace_seconds=0.2), timeout=5)
    assert finished == ["polite"]
