"""The four conditions and how one phase is run against either design (simulators configured, a process stopped)."""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import httpx

from shop_devtools.dev_issuer import bearer

from .load import Phase, arrival_offsets, order_customer, run_load
from .measure import BASELINE, EVENT_DRIVEN, EventDrivenProbe, LoadSettings, PhaseRun, measure
from .stats import error_kinds
from .system import BASELINE as BASELINE_SPEC
from .system import BenchSystem

__all__ = ["CONDITIONS", "DESIGNS", "Bench", "Condition"]

DESIGNS = (BASELINE, EVENT_DRIVEN)
SLOW_MS = "2000"


@dataclass(frozen=True)
class Condition:
    name: str
    title: str
    provider_env: dict[str, str] = field(default_factory=dict)
    partner_env: dict[str, str] = field(default_factory=dict)
    stopped: dict[str, str] = field(default_factory=dict)  # design -> the process stopped during its load


CONDITIONS: tuple[Condition, ...] = (
    Condition("healthy", "simulators at their defaults (provider 50 ms, partner 200 ms)"),
    Condition("partner-slow", "loyalty partner 2 s slow", partner_env={"PARTNER_SIM_LATENCY_MS": SLOW_MS}),
    Condition(
        "loyalty-stopped",
        "loyalty stopped: the loyalty service process; for the baseline the partner it calls",
        stopped={BASELINE: "loyalty-partner", EVENT_DRIVEN: "loyalty"},
    ),
    Condition("provider-slow", "payment provider 2 s slow", provider_env={"PROVIDER_SIM_LATENCY_MS": SLOW_MS}),
)


@dataclass
class Bench:
    """What every phase uses: the processes, the load's HTTP client, the backlog probe, the settings, and each
    customer's token (minted before any load by the run's dev issuer; the baseline ignores it)."""

    system: BenchSystem
    client: httpx.AsyncClient
    probe: EventDrivenProbe
    settings: LoadSettings
    poisson: bool
    seed: int
    tokens: Mapping[str, str]

    def headers(self, number: int) -> dict[str, str]:
        return bearer(self.tokens[order_customer(number)])

    def orders_url(self, design: str) -> str:
        name = BASELINE_SPEC.name if design == BASELINE else "order"
        return f"{self.system.url(name)}/orders"

    def configure(self, condition: Condition) -> None:
        """The simulators as the condition wants them (restarted only when their settings change)."""
        self.system.reconfigure("payment-provider", condition.provider_env)
        self.system.reconfigure("loyalty-partner", condition.partner_env)

    async def warm_up(self, seconds: float, rate: float) -> None:
        """Unmeasured load on both designs: connections opened, code paths and emulator caches warm."""
        offsets = arrival_offsets([Phase(seconds, rate)], poisson=False, rng=random.Random(self.seed))
        for design in DESIGNS:
            await run_load(
                self.client,
                self.orders_url(design),
                offsets,
                duration=seconds,
                max_in_flight=self.settings.max_in_flight,
                request_timeout=self.settings.request_timeout,
                headers=self.headers,
            )
        await self.probe.settle(self.settings.settle_timeout)

    async def run(self, design: str, condition: Condition, phases: Sequence[Phase]) -> PhaseRun:
        stopped = condition.stopped.get(design)
        if stopped:
            self.system.stop(stopped)

        def restart() -> None:
            if stopped:
                self.system.start(stopped)

        # Seeded by the condition: both designs get exactly the same arrivals.
        offsets = arrival_offsets(phases, poisson=self.poisson, rng=random.Random(f"{self.seed}-{condition.name}"))
        run = await measure(
            design=design,
            condition=condition.name,
            client=self.client,
            url=self.orders_url(design),
            offsets=offsets,
            duration=sum(phase.seconds for phase in phases),
            settings=self.settings,
            pids=self.system.pids(),
            probe=self.probe if design == EVENT_DRIVEN else None,
            headers=self.headers,
            after_load=restart,
        )
        say(_progress(run))
        return run


def _progress(run: PhaseRun) -> str:
    accepted, sent = len(run.load.accepted), len(run.load.samples)
    line = f"{run.design} / {run.condition}: {accepted}/{sent} accepted, {run.load.dropped} dropped"
    if accepted < sent:
        line += f" ({error_kinds(run.load)})"
    if run.settled is not None:
        state = "settled" if run.settled else "NOT settled"
        line += f", {state} {run.settle_seconds or 0:.0f} s after the load"
    return line


def say(message: str) -> None:
    print(f"bench-blackfriday | {message}", flush=True)
