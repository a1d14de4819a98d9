"""Test fixtures on the real local runtime.

The emulators are shared by the whole session; each test module gets the topology provisioned under a
prefix of its own and its own service processes on free ports (its own dev OIDC issuer among them), so events of
one module never reach another module's consumers. Everything started here is stopped here, by PID."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AsyncExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import aioboto3
import boto3
import pytest
from shop_shared.topology import DeployedTopology, Topology, load_topology

from shop_devtools.dev_issuer import DevIssuerClient
from shop_devtools.emulators import EmulatorEndpoints
from shop_devtools.processes import ManagedProcess, stop_all
from shop_devtools.provisioning import provision
from shop_devtools.runtime import LocalAws, free_port, reuse_or_start_local_aws
from shop_devtools.services import (
    SERVICES,
    SIMULATORS,
    ServiceSpec,
    service_env,
    start_service,
    wait_until_ready,
)
from shop_devtools.testing.containers import selected_runtime, start_container_aws

if TYPE_CHECKING:
    from types_aiobotocore_dynamodb import DynamoDBClient
    from types_aiobotocore_events import EventBridgeClient
    from types_aiobotocore_kms import KMSClient
    from types_aiobotocore_sqs import SQSClient
    from types_aiobotocore_stepfunctions import SFNClient

StartService = Callable[..., ManagedProcess]


@dataclass(frozen=True)
class AwsClients:
    """aioboto3 clients on the emulators, for what a test sets up and checks itself."""

    dynamodb: DynamoDBClient
    events: EventBridgeClient
    kms: KMSClient
    sqs: SQSClient
    stepfunctions: SFNClient


@pytest.fixture(scope="session")
def local_aws(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalAws]:
    """Reuse the runtime of `make start` when it is up, else start one on free ports for this session.
    With SHOP_TEST_RUNTIME=testcontainers, LocalStack and moto run in containers instead (testing.containers)."""
    runtime: LocalAws
    if selected_runtime() == "testcontainers":
        runtime = start_container_aws(EmulatorEndpoints(localstack_port=free_port(), dynamodb_port=free_port()))
    else:
        runtime = reuse_or_start_local_aws(
            data_dir=tmp_path_factory.mktemp("localstack"), log_dir=tmp_path_factory.mktemp("emulator-logs")
        )
    with pytest.MonkeyPatch.context() as patch:
        for key, value in runtime.env.items():
            patch.setenv(key, value)
        yield runtime
    runtime.stop()


@pytest.fixture(scope="module")
async def aws(local_aws: LocalAws) -> AsyncIterator[AwsClients]:
    """The module's aioboto3 clients (`aws.sqs`, `aws.dynamodb` ...), closed after its last test."""
    session = aioboto3.Session()
    async with AsyncExitStack() as stack:
        clients = {
            name: await stack.enter_async_context(session.client(name))
            for name in ("dynamodb", "events", "kms", "sqs", "stepfunctions")
        }
        yield AwsClients(**clients)


@pytest.fixture(scope="module")
def service_ports() -> dict[str, int]:
    """Free ports for every service of this module, known before provisioning (API destinations)."""
    return {name: free_port() for name in [*SERVICES, *SIMULATORS]}


@pytest.fixture(scope="module")
def topology() -> Topology:
    """The declaration a module provisions; a module overrides this fixture to shorten timeouts, for example."""
    return load_topology()


@pytest.fixture(scope="module")
def deployed_topology(local_aws: LocalAws, service_ports: dict[str, int], topology: Topology) -> DeployedTopology:
    """The whole topology, provisioned under a prefix of this module's own (about 2 s)."""
    prefix = f"t{uuid.uuid4().hex[:8]}-"
    urls = {name: f"http://127.0.0.1:{port}" for name, port in service_ports.items()}
    deployed, _ = provision(topology, prefix, urls, session=boto3.Session())
    return deployed


@pytest.fixture(scope="module")
def traces_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the module's service processes write their spans (one OTLP JSON lines file per process)."""
    return tmp_path_factory.mktemp("service-traces")


def started_services(start: StartService, ports: dict[str, int], names: list[str]) -> dict[str, str]:
    """Start `names` in this order (reusing what runs already); their base URLs by name."""
    for name in names:
        start(name)
    return {name: f"http://127.0.0.1:{ports[name]}" for name in names}


@pytest.fixture(scope="module")
def start_service_process(
    local_aws: LocalAws,
    deployed_topology: DeployedTopology,
    service_ports: dict[str, int],
    tmp_path_factory: pytest.TempPathFactory,
    traces_dir: Path,
) -> Iterator[StartService]:
    """Start a real service process (`start_service_process("payment", extra_env={...})`), healthy on return.

    A process with the same name, port and extra environment that is still running is reused, so tests
    of one module share services; a different configuration needs a port of its own. Processes live
    until the end of the module unless a test stops them itself. A service's peers (the stand-ins of the third
    parties it calls) are started first with their defaults, unless something already runs on their port.
    """
    running: dict[tuple[str, int, tuple[tuple[str, str], ...]], ManagedProcess] = {}
    logs = tmp_path_factory.mktemp("service-logs")

    def start(name: str, *, extra_env: dict[str, str] | None = None, port: int | None = None) -> ManagedProcess:
        spec: ServiceSpec = SIMULATORS[name] if name in SIMULATORS else SERVICES[name]
        port = port or service_ports[name]
        for peer in spec.peers.values():
            if not any(key[1] == service_ports[peer] and process.running() for key, process in running.items()):
                start(peer)
        key = (name, port, tuple(sorted((extra_env or {}).items())))
        if key in running and running[key].running():
            return running[key]
        if any(other[1] == port and process.running() for other, process in running.items()):
            raise RuntimeError(f"port {port} already serves {name} with another configuration; pass port=")
        # Every service process traces as under `make up`: its spans go to the module's traces_dir.
        traces_file = traces_dir / f"{name}-{port}-{len(running)}.jsonl" if name in SERVICES else None
        env = service_env(
            spec, port, local_aws.env, deployed_topology, service_ports, extra_env, traces_file=traces_file
        )
        process = start_service(spec, env, log_file=Path(logs) / f"{name}-{port}-{len(running)}.log")
        running[key] = process
        try:
            wait_until_ready(process, port)
        except Exception:
            process.stop()
            raise
        return process

    yield start
    stop_all(list(running.values()))


@pytest.fixture(scope="module")
def dev_issuer(start_service_process: StartService, service_ports: dict[str, int]) -> Iterator[DevIssuerClient]:
    """The module's dev OIDC issuer (the one its services trust), to mint tokens: `dev_issuer.mint("c-1", phone=...)`.

    Mint with the contact the order carries: order accepts only a verified contact claim of the token.
    """
    start_service_process("dev-issuer")  # already running when a service that trusts it was started
    with DevIssuerClient(f"http://127.0.0.1:{service_ports['dev-issuer']}") as client:
        yield client
