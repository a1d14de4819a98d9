"""The embedded local AWS runtime: LocalStack (from PyPI, on the host) and moto's DynamoDB server.

Each emulator gets its own virtual environment under .local/venvs, built on first use from a locked
requirements file (LocalStack needs Python 3.13; moto must not share aioboto3's narrow botocore pin).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import httpx

from .paths import EMULATOR_REQUIREMENTS_DIR, LOCAL_DIR, VENVS_DIR
from .processes import ManagedProcess

__all__ = ["EmulatorEndpoints", "aws_environment", "ensure_emulator_venv", "start_localstack", "start_moto"]

# The emulators keep no state worth a graceful stop, and LocalStack's shutdown otherwise waits out the
# long polls of clients that are already gone.
EMULATOR_STOP_TIMEOUT = 5.0
LOCALSTACK_SERVICES = "events,sqs,sns,ses,stepfunctions,scheduler,secretsmanager,kms,logs,iam,sts"


@dataclass(frozen=True)
class EmulatorEndpoints:
    localstack_port: int
    dynamodb_port: int

    @property
    def localstack_url(self) -> str:
        return f"http://127.0.0.1:{self.localstack_port}"

    @property
    def dynamodb_url(self) -> str:
        return f"http://127.0.0.1:{self.dynamodb_port}"

    def healthy(self) -> bool:
        try:
            health = httpx.get(f"{self.localstack_url}/_localstack/health", timeout=2).json()
            moto = httpx.get(f"{self.dynamodb_url}/moto-api/", timeout=2)
        except (httpx.HTTPError, ValueError):
            return False
        services = health.get("services", {})
        wanted = LOCALSTACK_SERVICES.split(",")
        return moto.status_code == 200 and all(services.get(s) in {"available", "running"} for s in wanted)


def aws_environment(endpoints: EmulatorEndpoints) -> dict[str, str]:
    """The standard AWS variables that point every SDK at the emulators (no code knows about them)."""
    return {
        "AWS_ENDPOINT_URL": endpoints.localstack_url,
        "AWS_ENDPOINT_URL_DYNAMODB": endpoints.dynamodb_url,
        "AWS_ENDPOINT_URL_DYNAMODB_STREAMS": endpoints.dynamodb_url,
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",  # the emulators' documented dummy credentials
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
    }


def ensure_emulator_venv(name: str) -> Path:
    """Build .local/venvs/<name> from devtools/emulators/<name>.txt unless it is already up to date."""
    requirements = EMULATOR_REQUIREMENTS_DIR / f"{name}.txt"
    venv = VENVS_DIR / name
    stamp = venv / ".requirements.sha256"
    digest = hashlib.sha256(requirements.read_bytes()).hexdigest()
    if stamp.exists() and stamp.read_text() == digest:
        return venv
    uv = shutil.which("uv") or str(LOCAL_DIR / "tools" / "bin" / "uv")
    print(f"building the {name} environment in {venv} (first use)...", file=sys.stderr, flush=True)
    # The workspace interpreter is Python 3.13, which LocalStack 4.14 requires.
    subprocess.run([uv, "venv", "--quiet", "--clear", "--python", sys.executable, str(venv)], check=True, timeout=300)
    subprocess.run(
        [uv, "pip", "install", "--quiet", "--python", str(venv / "bin" / "python"), "-r", str(requirements)],
        check=True,
        timeout=900,
    )
    stamp.write_text(digest)
    return venv


def start_localstack(port: int, data_dir: Path, *, log_file: Path | None, echo: IO[str] | None) -> ManagedProcess:
    venv = ensure_emulator_venv("localstack")
    data_dir.mkdir(parents=True, exist_ok=True)
    env = {
        **base_process_env(),
        "GATEWAY_LISTEN": f"127.0.0.1:{port}",
        "LOCALSTACK_HOST": f"127.0.0.1:{port}",
        # The default server binds every interface; hypercorn honours GATEWAY_LISTEN.
        "GATEWAY_SERVER": "hypercorn",
        # Outside a container LocalStack must not write under /var/lib, /etc or /usr/lib.
        "OVERRIDE_IN_DOCKER": "0",
        "FILESYSTEM_ROOT": str(data_dir),
        "DNS_ADDRESS": "0",
        "DISABLE_EVENTS": "1",
        "SKIP_SSL_CERT_DOWNLOAD": "1",
        "SQS_ENDPOINT_STRATEGY": "path",
        "SERVICES": LOCALSTACK_SERVICES,
        "EAGER_SERVICE_LOADING": "1",
    }
    return ManagedProcess(
        "localstack",
        [str(venv / "bin" / "python"), "-m", "localstack.runtime.main"],
        env=env,
        log_file=log_file,
        echo=echo,
        stop_timeout=EMULATOR_STOP_TIMEOUT,
    )


MOTO_LAUNCHER = EMULATOR_REQUIREMENTS_DIR / "moto_server.py"


def start_moto(port: int, *, log_file: Path | None, echo: IO[str] | None) -> ManagedProcess:
    """moto's server through our launcher: DynamoDB-like serialised transactions (see moto_server.py)."""
    venv = ensure_emulator_venv("moto")
    return ManagedProcess(
        "dynamodb",
        [str(venv / "bin" / "python"), str(MOTO_LAUNCHER), "-H", "127.0.0.1", "-p", str(port)],
        env=base_process_env(),
        log_file=log_file,
        echo=echo,
        stop_timeout=EMULATOR_STOP_TIMEOUT,
    )


def wait_until_healthy(endpoints: EmulatorEndpoints, processes: list[ManagedProcess], timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if endpoints.healthy():
            return
        for process in processes:
            if not process.running():
                raise RuntimeError(f"{process.label} exited with {process.process.returncode} while starting")
        time.sleep(0.3)
    raise TimeoutError(f"emulators not healthy after {timeout:.0f} s")


def base_process_env() -> dict[str, str]:
    """What a child process keeps of ours: the path, home, locale and temp dir, no AWS or service settings."""
    keep = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR")
    return {key: os.environ[key] for key in keep if key in os.environ}
