"""`make restart SERVICE=loyalty SIGNAL=KILL` against a running `make up`: one process is killed and comes back
healthy while the others keep answering, as ECS replaces one task.

The supervisor runs exactly as `make start` runs it (`python -m shop_devtools up`, its own session), on free ports
and with its run state in a temporary directory (SHOP_RUN_DIR), so it never meets a `make start` of the user's.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from shop_devtools.dev_issuer import bearer
from shop_devtools.processes import stop_process_group
from shop_devtools.runtime import free_port
from shop_devtools.services import SERVICES, SIMULATORS
from shop_devtools.testing.orders import one_line_order

pytestmark = [pytest.mark.integration, pytest.mark.timeout(900)]

START_TIMEOUT = 400.0  # emulators, provisioning and eight processes on a busy 2-core machine
PHONE = "+15555550100"


@dataclass(frozen=True)
class Supervisor:
    process: subprocess.Popen[bytes]
    env: dict[str, str]
    run_dir: Path
    ports: dict[str, int]

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.ports[name]}"

    def running(self) -> dict[str, int]:
        state: dict[str, int] = json.loads((self.run_dir / "processes.json").read_text())["running"]
        return state

    def token(self, customer: str) -> str:
        """`make -s token CUSTOMER=... PHONE=...` against this supervisor (its dev issuer found through ready.json)."""
        result = subprocess.run(
            [sys.executable, "-m", "shop_devtools", "token", "--customer", customer, "--phone", PHONE],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        return result.stdout.strip()

    def control(self, *arguments: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "shop_devtools", "process", *arguments],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.fixture(scope="module")
def supervisor(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Supervisor]:
    run_dir = tmp_path_factory.mktemp("run")
    ports = {name: free_port() for name in [*SERVICES, *SIMULATORS]}
    env = {key: value for key, value in os.environ.items() if not key.startswith("AWS_")}
    env |= {"SHOP_RUN_DIR": str(run_dir), "LOCALSTACK_PORT": str(free_port()), "DYNAMODB_PORT": str(free_port())}
    env |= {spec.port_variable: str(ports[name]) for name, spec in {**SERVICES, **SIMULATORS}.items()}
    env["PARTNER_SIM_LATENCY_MS"] = "0"
    log = (run_dir / "supervisor.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "shop_devtools", "up"],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    started = Supervisor(process, env, run_dir, ports)
    children: list[int] = []
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while not (run_dir / "ready.json").exists():
            assert process.poll() is None, (run_dir / "supervisor.log").read_text()[-3000:]
            assert time.monotonic() < deadline, "the supervisor was not ready in time"
            time.sleep(0.5)
        yield started
    finally:
        try:
            children = json.loads((run_dir / "processes.json").read_text())["children"]
        except (OSError, ValueError, KeyError):
            children = []
        stop_process_group(process.pid, 90)
        for child in children:
            stop_process_group(child, 10)
        log.close()
    assert not [pid for pid in children if alive(pid)], "a child outlived the supervisor"


def place_order(client: httpx.Client, supervisor: Supervisor, customer: str, token: str) -> str:
    body = one_line_order(customer, phone=PHONE)
    response = client.post(f"{supervisor.url('order')}/orders", json=body, headers=bearer(token))
    assert response.status_code == 201, response.text
    return str(response.json()["order_id"])


def wait_for_points(client: httpx.Client, supervisor: Supervisor, customer: str, token: str, points: int) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        response = client.get(f"{supervisor.url('loyalty')}/customers/{customer}/loyalty", headers=bearer(token))
        assert response.status_code in (200, 404), response.text  # 404: not credited yet
        if response.status_code == 200 and response.json()["points_balance"] == points:
            return
        time.sleep(0.5)
    raise AssertionError(f"{customer} never reached {points} points")


def test_kill_9_loyalty_through_control_brings_it_back_while_order_keeps_answering(supervisor: Supervisor) -> None:
    before = supervisor.running()
    answers: list[int] = []
    stop = threading.Event()

    def probe_order() -> None:  # the order API must keep answering all along
        with httpx.Client(timeout=10) as client:
            while not stop.is_set():
                try:
                    answers.append(client.get(f"{supervisor.url('order')}/health").status_code)
                except httpx.HTTPError:
                    answers.append(0)
                time.sleep(0.2)

    prober = threading.Thread(target=probe_order, daemon=True)
    prober.start()
    try:
        result = supervisor.control("restart", "loyalty", "--signal", "KILL")
    finally:
        stop.set()
        prober.join(timeout=15)

    assert result.returncode == 0, result.stderr
    assert "healthy again" in result.stdout
    after = supervisor.running()
    assert after["loyalty"] != before["loyalty"] and not alive(before["loyalty"])
    assert {name: pid for name, pid in after.items() if name != "loyalty"} == {
        name: pid for name, pid in before.items() if name != "loyalty"
    }
    assert answers and set(answers) == {200}, answers
    assert supervisor.process.poll() is None
    with httpx.Client(timeout=10) as client:  # the new loyalty consumes again: an order's points arrive
        customer = f"c-control-{uuid.uuid4().hex[:8]}"
        token = supervisor.token(customer)
        place_order(client, supervisor, customer, token)
        wait_for_points(client, supervisor, customer, token, 42)


def test_restarting_the_dev_issuer_rotates_its_key_old_tokens_are_refused(supervisor: Supervisor) -> None:
    customer = f"c-control-{uuid.uuid4().hex[:8]}"
    listing = f"{supervisor.url('order')}/orders"
    with httpx.Client(timeout=10) as client:
        before = supervisor.token(customer)
        assert client.get(listing, headers=bearer(before)).status_code == 200

        result = supervisor.control("restart", "dev-issuer")
        assert result.returncode == 0, result.stderr
        after = supervisor.token(customer)

        # The services fetch the new key set on the unknown kid, at most once per AUTH_JWKS_REFRESH_INTERVAL_SECONDS
        # (10 s): until then the new token may be refused.
        deadline = time.monotonic() + 60
        while client.get(listing, headers=bearer(after)).status_code != 200:
            assert time.monotonic() < deadline, "the new key's token was never accepted"
            time.sleep(1)
        refused = client.get(listing, headers=bearer(before))
        assert refused.status_code == 401 and 'error="invalid_token"' in refused.headers["www-authenticate"]


def test_a_stopped_process_stays_stopped_until_started_and_the_rest_runs_on(supervisor: Supervisor) -> None:
    stopped = supervisor.control("stop", "notifications")
    assert stopped.returncode == 0, stopped.stderr
    with httpx.Client(timeout=5) as client:
        time.sleep(2)  # more than the supervisor's watch interval: a crash would have stopped everything
        assert "notifications" not in supervisor.running()
        with pytest.raises(httpx.TransportError):
            client.get(f"{supervisor.url('notifications')}/health")
        assert client.get(f"{supervisor.url('order')}/health").status_code == 200
        assert supervisor.process.poll() is None
        started = supervisor.control("start", "notifications")
        assert started.returncode == 0, started.stderr
        assert client.get(f"{supervisor.url('notifications')}/health").status_code == 200


def test_an_unknown_process_is_refused_and_changes_nothing(supervisor: Supervisor) -> None:
    before = supervisor.running()
    result = supervisor.control("kill", "no-such-service")
    assert result.returncode == 1
    assert "no process 'no-such-service'" in result.stderr
    assert supervisor.running() == before
