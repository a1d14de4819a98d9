"""docker-compose.yml and the Dockerfiles agree with the topology and the local runtime (no engine needed)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from shop_devtools.emulators import LOCALSTACK_SERVICES
from shop_devtools.paths import REPO_ROOT
from shop_devtools.services import DEV_ISSUER, ISSUER_VARIABLE, SERVICES, SIMULATORS
from shop_devtools.supervisor import LOCAL_PREFIX
from shop_shared.topology import DeployedTopology, load_topology

# LocalStack's account and region: the ARNs the compose services are given are known before provisioning.
ARN_PREFIX = "arn:aws:states:us-east-1:000000000000"


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((REPO_ROOT / "docker-compose.yml").read_text())
    return data["services"]


def compose_deployment() -> DeployedTopology:
    topology = load_topology()
    arns = {f"activity:{key}": f"{ARN_PREFIX}:activity:{LOCAL_PREFIX}{key}" for key in topology.activities}
    machines = topology.state_machines
    arns |= {f"state_machine:{key}": f"{ARN_PREFIX}:stateMachine:{LOCAL_PREFIX}{key}" for key in machines}
    return DeployedTopology(topology, LOCAL_PREFIX, arns)


@pytest.mark.parametrize("name", list(SERVICES))
def test_each_service_gets_its_topology_environment_and_its_peers(compose: dict[str, Any], name: str) -> None:
    environment = compose[name]["environment"]
    for variable, value in compose_deployment().service_environment(name).items():
        assert environment.get(variable) == value, variable
    for variable, peer in SERVICES[name].peers.items():
        assert environment[variable] == f"http://{peer}:{SIMULATORS[peer].default_port}"
    assert environment["AWS_ENDPOINT_URL"] == "http://localstack:4566"
    assert environment["AWS_ENDPOINT_URL_DYNAMODB"] == "http://dynamodb:4567"


def test_provisioning_points_every_api_destination_at_its_service_by_name(compose: dict[str, Any]) -> None:
    command = compose["provision"]["command"]
    assert command[:4] == ["python", "-m", "shop_devtools", "provision"] and "--aws-from-env" in command
    for destination in load_topology().api_destinations.values():
        port = SERVICES[destination.service].default_port
        assert f"{destination.service}=http://{destination.service}:{port}" in command


def test_localstack_is_the_free_image_with_the_services_of_the_local_runtime(compose: dict[str, Any]) -> None:
    localstack = compose["localstack"]
    assert localstack["image"] == "${LOCALSTACK_IMAGE:-localstack/localstack:4.14.0}"
    assert localstack["environment"]["SERVICES"] == LOCALSTACK_SERVICES
    assert localstack["environment"]["LOCALSTACK_AUTH_TOKEN"] == "${LOCALSTACK_AUTH_TOKEN:-}"


def test_services_start_in_health_order_and_only_loopback_ports_are_published(compose: dict[str, Any]) -> None:
    for name in SERVICES:
        depends_on = compose[name]["depends_on"]
        assert depends_on["provision"] == {"condition": "service_completed_successfully"}
        # named directly as well, so that `down` stops the services before the emulators they drain into
        assert depends_on["localstack"] == depends_on["dynamodb"] == {"condition": "service_healthy"}
    assert compose["order"]["depends_on"]["payment"] == {"condition": "service_healthy"}
    published = [port for service in compose.values() for port in service.get("ports", [])]
    assert published and all(port.startswith("127.0.0.1:") for port in published)
    # LocalStack and DynamoDB both published would pass for the embedded runtime, which the fixtures reuse.
    assert "ports" not in compose["dynamodb"]
    assert "127.0.0.1:${ORDER_PORT:-8000}:8000" in compose["order"]["ports"]


@pytest.mark.parametrize("name", list(SERVICES))
def test_each_service_image_installs_only_its_package_and_listens_in_the_container(name: str) -> None:
    spec = SERVICES[name]
    dockerfile = (Path(REPO_ROOT) / "services" / name / "Dockerfile").read_text()
    assert re.findall(r"^FROM (\S+)", dockerfile, re.MULTILINE) == ["python:3.13-slim", "python:3.13-slim"]
    assert f"uv sync --no-dev --package shop-{name} --no-install-workspace" in dockerfile
    assert f"{spec.env_prefix}HOST=0.0.0.0 {spec.env_prefix}PORT={spec.default_port}" in dockerfile
    assert "USER 10001:10001" in dockerfile and "HEALTHCHECK" in dockerfile
    assert f'CMD ["python", "-m", "{spec.module}"]' in dockerfile


def test_the_customer_facing_services_trust_the_dev_issuer_by_the_name_in_its_tokens(compose: dict[str, Any]) -> None:
    issuer = compose["dev-issuer"]
    assert issuer["command"] == ["python", "-m", DEV_ISSUER.module]
    # The `iss` of its tokens is the URL the services reach it by (checked against AUTH_ISSUER by the test above).
    assert issuer["environment"]["DEV_ISSUER_URL"] == f"http://dev-issuer:{DEV_ISSUER.default_port}"
    assert "ports" not in issuer  # tokens are minted inside its container (loopback), never from the host
    trusting = [name for name, spec in SERVICES.items() if ISSUER_VARIABLE in spec.peers]
    assert trusting == ["order", "loyalty", "notifications"]
    for name in trusting:
        assert compose[name]["environment"]["AUTH_AUDIENCE"] == "shop"
        assert compose[name]["depends_on"]["dev-issuer"] == {"condition": "service_healthy"}


def test_the_devtools_image_serves_the_dev_issuer_on_the_containers_network() -> None:
    dockerfile = (Path(REPO_ROOT) / "devtools" / "Dockerfile").read_text()
    assert "DEV_ISSUER_HOST=0.0.0.0" in dockerfile


def test_jaeger_is_a_pinned_v2_release_with_its_ui_on_loopback(compose: dict[str, Any]) -> None:
    jaeger = compose["jaeger"]
    assert re.fullmatch(r"jaegertracing/jaeger:2\.\d+\.\d+", jaeger["image"])  # the v2 all-in-one, never `latest`
    assert jaeger["ports"] == ["127.0.0.1:${JAEGER_UI_PORT:-16686}:16686"]


@pytest.mark.parametrize("name", list(SERVICES))
def test_each_service_exports_its_spans_to_jaeger(compose: dict[str, Any], name: str) -> None:
    environment = compose[name]["environment"]
    assert environment["OTEL_TRACES_EXPORTER"] == "otlp"
    assert environment["OTEL_EXPORTER_OTLP_ENDPOINT"] == "http://jaeger:4318"  # OTLP/HTTP, on this network
    assert environment["OTEL_BSP_SCHEDULE_DELAY"] == "1000"


def test_nothing_waits_for_jaeger(compose: dict[str, Any]) -> None:
    # Tracing down must never stop the shop: the exporters drop what they cannot send.
    assert all("jaeger" not in service.get("depends_on", {}) for service in compose.values())


def test_the_compose_check_stands_in_for_the_jaeger_image_of_the_compose_file(compose: dict[str, Any]) -> None:
    script = (Path(REPO_ROOT) / "devtools" / "compose_check.sh").read_text()
    assert f"jaeger_tag=docker.io/{compose['jaeger']['image']}\n" in script
    assert 'CMD ["python", "-m", "shop_devtools.compose_standins.jaeger"]' in script
