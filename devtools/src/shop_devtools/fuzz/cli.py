"""`make fuzz` (`python -m shop_devtools.fuzz`): schemathesis with every check (`--checks all`) against the OpenAPI
document of every HTTP service, on a system of the run's own, with a fixed seed. Exit 1 on any failure.

Everything is the run's own: LocalStack and moto on free ports, the topology under a prefix of its own, every
service and stand-in (its dev OIDC issuer too) as a real process; all of it stopped by PID at the end, whatever
happened. Order, loyalty and notifications are fuzzed with a customer's bearer token, payment with its API key,
batch-worker (health only) with nothing.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass

from shop_devtools.benchmarks.local_aws import own_local_aws
from shop_devtools.paths import LOCAL_DIR

from .plan import (
    BEARER_VARIABLE,
    DEFAULT_MAX_EXAMPLES,
    DEFAULT_SEED,
    KEY_VARIABLE,
    TARGETS,
    Credentials,
    FuzzTarget,
    schemathesis_command,
    schemathesis_config,
)
from .stack import FuzzStack

__all__ = ["main"]

SERVICE_TIMEOUT_SECONDS = 240.0  # one service's schemathesis run; about a minute here, the rest for a busy machine


@dataclass(frozen=True)
class Outcome:
    service: str
    exit_code: int | None  # None: cut off at the timeout
    seconds: float

    @property
    def passed(self) -> bool:
        return self.exit_code == 0


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="fuzz", description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"the generator's seed (default {DEFAULT_SEED})")
    parser.add_argument(
        "--max-examples",
        type=int,
        default=DEFAULT_MAX_EXAMPLES,
        help=f"test cases per operation and phase (default {DEFAULT_MAX_EXAMPLES})",
    )
    parser.add_argument(
        "--service",
        action="append",
        choices=[target.service for target in TARGETS],
        help="fuzz only this service (repeatable; default: all)",
    )
    parser.add_argument(
        "--service-timeout", type=float, default=SERVICE_TIMEOUT_SECONDS, help="seconds one service's run may take"
    )
    parser.add_argument("--keep-logs", action="store_true", help="keep the processes' logs after a passing run")
    return parser.parse_args(argv)


def main(argv: Sequence[str]) -> int:
    args = parse_args(argv)
    targets = [target for target in TARGETS if not args.service or target.service in args.service]
    (LOCAL_DIR / "fuzz").mkdir(parents=True, exist_ok=True)
    began = time.monotonic()
    with own_local_aws(
        "run-",
        parent=LOCAL_DIR / "fuzz",
        keep_logs=args.keep_logs,
        kept_message="fuzz: logs and schemathesis reports kept in {work_dir}",
        before_start=lambda work_dir: _say(f"seed {args.seed}, {args.max_examples} examples; logs in {work_dir}"),
    ) as local:
        stack = FuzzStack.start(local.work_dir, local.runtime)
        try:
            _say(f"every process healthy under {stack.deployed.prefix}")
            secrets = RunSecrets.of(stack)
            outcomes = [_fuzz(stack, target, secrets, args) for target in targets]
            crashed = stack.crashed()
        finally:
            stack.stop()
        local.ok = all(outcome.passed for outcome in outcomes) and not crashed
    _report(outcomes, crashed, time.monotonic() - began)
    return 0 if local.ok else 1


@dataclass(frozen=True)
class RunSecrets:
    """The customer's token and payment's key, for the schemathesis runs' environments only."""

    bearer_token: str
    api_key_header: str
    api_key: str

    @classmethod
    def of(cls, stack: FuzzStack) -> RunSecrets:
        header, key = stack.payment_key()
        return cls(stack.customer_token(), header, key)

    def env_for(self, target: FuzzTarget) -> dict[str, str]:
        """Only the secret `target` is fuzzed with."""
        if target.credentials is Credentials.BEARER:
            return {BEARER_VARIABLE: self.bearer_token}
        if target.credentials is Credentials.API_KEY:
            return {KEY_VARIABLE: self.api_key}
        return {}


def _fuzz(stack: FuzzStack, target: FuzzTarget, secrets: RunSecrets, args: argparse.Namespace) -> Outcome:
    config = stack.work_dir / f"schemathesis-{target.service}.toml"
    config.write_text(schemathesis_config(target, api_key_header=secrets.api_key_header), encoding="utf-8")
    command = schemathesis_command(
        stack.url(target.service),
        config,
        seed=args.seed,
        max_examples=args.max_examples,
        report_dir=stack.work_dir / f"report-{target.service}",
    )
    env = dict(os.environ) | secrets.env_for(target)
    _say(f"{target.service}: schemathesis run {stack.url(target.service)}/openapi.json")
    began = time.monotonic()
    try:
        code: int | None = subprocess.run(command, env=env, timeout=args.service_timeout, check=False).returncode
    except subprocess.TimeoutExpired:  # run() has killed it
        _say(f"{target.service}: schemathesis did not finish within {args.service_timeout:g} s")
        code = None
    return Outcome(target.service, code, time.monotonic() - began)


def _report(outcomes: Sequence[Outcome], crashed: Sequence[str], seconds: float) -> None:
    for outcome in outcomes:
        verdict = "passed" if outcome.passed else ("timed out" if outcome.exit_code is None else "FAILED")
        _say(f"{outcome.service:<14} {verdict:<9} {outcome.seconds:6.1f} s")
    if crashed:
        _say(f"processes that exited during the run: {', '.join(crashed)}")
    _say(f"{seconds:.0f} s in all")


def _say(message: str) -> None:
    print(f"fuzz: {message}", file=sys.stderr, flush=True)
