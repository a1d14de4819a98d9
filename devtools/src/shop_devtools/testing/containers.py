"""The emulators in containers for the test session, started by testcontainers (opt-in).

`SHOP_TEST_RUNTIME=testcontainers` makes the `local_aws` fixture start LocalStack (the image
localstack/localstack:4.14.0) and moto's DynamoDB (the image docker-compose.yml builds as shop-moto:local)
on a Docker-compatible engine (DOCKER_HOST, e.g. podman's socket) instead of the embedded runtime, which
stays the default. Both containers share the host's network: LocalStack's API destinations then reach the
service processes the tests start on 127.0.0.1, exactly as in the embedded runtime. testcontainers is
imported only in this mode.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from typing import Any

from shop_devtools.emulators import LOCALSTACK_SERVICES, EmulatorEndpoints
from shop_devtools.runtime import LocalAws

__all__ = ["RUNTIMES", "ContainerAws", "selected_runtime", "start_container_aws"]

RUNTIME_VARIABLE = "SHOP_TEST_RUNTIME"
RUNTIMES = ("embedded", "testcontainers")
LOCALSTACK_IMAGE = "localstack/localstack:4.14.0"  # the last image that runs without an auth token
MOTO_IMAGE = "shop-moto:local"  # `docker compose build dynamodb` (devtools/emulators/moto.Dockerfile)
STARTUP_TIMEOUT = 180.0  # pulling is not counted: images are expected to be there


def selected_runtime() -> str:
    runtime = os.environ.get(RUNTIME_VARIABLE, "embedded") or "embedded"
    if runtime not in RUNTIMES:
        raise ValueError(f"{RUNTIME_VARIABLE}={runtime!r}: expected one of {', '.join(RUNTIMES)}")
    return runtime


@dataclass
class ContainerAws(LocalAws):
    """A LocalAws whose emulators are containers; `stop()` removes them."""

    containers: list[Any] = field(default_factory=list)  # testcontainers' DockerContainer

    def stop(self) -> None:
        containers, self.containers = list(reversed(self.containers)), []
        failures = []
        for container in containers:  # every one is removed even if another's removal fails
            try:
                container.stop()
            except Exception as error:
                failures.append(error)
        if failures:
            raise failures[0]


def start_container_aws(endpoints: EmulatorEndpoints, timeout: float = STARTUP_TIMEOUT) -> ContainerAws:
    """Start LocalStack and moto on the host network at `endpoints` and wait until both are healthy."""
    try:
        from testcontainers.core.container import DockerContainer  # a dev dependency used only in this mode
    except ImportError as error:
        raise RuntimeError(f"{RUNTIME_VARIABLE}=testcontainers needs the testcontainers package") from error

    runtime = ContainerAws(endpoints)
    try:
        port = endpoints.localstack_port
        localstack = DockerContainer(os.environ.get("SHOP_TEST_LOCALSTACK_IMAGE", LOCALSTACK_IMAGE)).with_envs(
            GATEWAY_LISTEN=f"127.0.0.1:{port}",
            LOCALSTACK_HOST=f"127.0.0.1:{port}",
            SERVICES=LOCALSTACK_SERVICES,
            EAGER_SERVICE_LOADING="1",
            SQS_ENDPOINT_STRATEGY="path",
            DISABLE_EVENTS="1",
            DNS_ADDRESS="0",  # on the host's network LocalStack's DNS server would want port 53
            LOCALSTACK_AUTH_TOKEN=os.environ.get("LOCALSTACK_AUTH_TOKEN", ""),
        )
        moto = DockerContainer(os.environ.get("SHOP_TEST_MOTO_IMAGE", MOTO_IMAGE)).with_command(
            ["-H", "127.0.0.1", "-p", str(endpoints.dynamodb_port)]  # the image's entry point is our moto launcher
        )
        for container in (localstack, moto):
            container.with_kwargs(network_mode="host").start()
            runtime.containers.append(container)
        _wait_until_healthy(runtime, timeout)
    except BaseException as error:
        runtime.stop()
        if type(error).__module__.startswith("docker."):  # no engine at DOCKER_HOST, an image missing ...
            error.add_note(f"{RUNTIME_VARIABLE}=testcontainers needs a Docker-compatible engine (DOCKER_HOST)")
        raise
    return runtime


def _wait_until_healthy(runtime: ContainerAws, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not runtime.endpoints.healthy():
        for container in runtime.containers:
            wrapped = container.get_wrapped_container()
            wrapped.reload()
            if wrapped.status not in {"created", "running"}:
                logs = wrapped.logs(tail=30).decode(errors="replace")
                raise RuntimeError(f"container {container.image} {wrapped.status} while starting:\n{logs}")
        if time.monotonic() > deadline:
            raise TimeoutError(f"LocalStack and moto containers not healthy after {timeout:.0f} s")
        time.sleep(0.5)
