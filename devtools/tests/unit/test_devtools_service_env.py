"""The environment each process gets: `make up` passes on the caller's knobs, the tests' processes stay hermetic."""

from __future__ import annotations

import importlib
import inspect
from pathlib import Path

import pytest
from pydantic_settings import BaseSettings
from shop_devtools.services import (
    LOCAL_SQS_WAIT_SECONDS,
    SERVICES,
    SIMULATORS,
    ProcessEnvironment,
    ServiceSpec,
    process_environment,
    service_env,
)
from shop_devtools.supervisor import LOCAL_PREFIX
from shop_shared.settings import ServiceSettings
from shop_shared.topology import DeployedTopology, load_topology

SPECS = {**SERVICES, **SIMULATORS}
PORTS = {name: 9100 + number for number, name in enumerate(SPECS)}
AWS_ENV = {"AWS_ENDPOINT_URL": "http://127.0.0.1:4566", "AWS_DEFAULT_REGION": "us-east-1"}


def deployed() -> DeployedTopology:
    topology = load_topology()
    arns = {f"activity:{key}": f"arn:activity:{key}" for key in topology.activities}
    arns |= {f"state_machine:{key}": f"arn:sm:{key}" for key in topology.state_machines}
    return DeployedTopology(topology, LOCAL_PREFIX, arns)


def built(name: str, caller_env: dict[str, str] | None, extra: dict[str, str] | None = None) -> ProcessEnvironment:
    spec = SPECS[name]
    return process_environment(spec, PORTS[name], AWS_ENV, deployed(), PORTS, extra, caller_env=caller_env)


def settings_class(spec: ServiceSpec) -> type[BaseSettings]:
    module = importlib.import_module(f"{spec.module}.settings")
    (found,) = [
        value
        for value in vars(module).values()
        if inspect.isclass(value) and issubclass(value, BaseSettings) and value.__module__ == module.__name__
    ]
    return found


@pytest.mark.parametrize("name", list(SPECS))
def test_each_spec_prefix_is_its_settings_class_prefix(name: str) -> None:
    # The prefix that decides what passes through is the one the process's settings read.
    spec = SPECS[name]
    assert settings_class(spec).model_config.get("env_prefix") == spec.env_prefix
    assert spec.port_variable == f"{spec.env_prefix}PORT"


def test_prefixed_knobs_of_the_caller_pass_through() -> None:
    caller = {
        "ORDER_MAX_BODY_BYTES": "1024",
        "ORDER_IDEMPOTENCY_TTL_SECONDS": "60",
        "ORDER_ANY_FUTURE_KNOB": "x",  # generic: any variable with the prefix, known today or not
        "UNRELATED": "1",
    }

    result = built("order", caller)

    for name in ("ORDER_MAX_BODY_BYTES", "ORDER_IDEMPOTENCY_TTL_SECONDS", "ORDER_ANY_FUTURE_KNOB"):
        assert result.env[name] == caller[name]
        assert result.passed[name] == caller[name]
    assert "UNRELATED" not in result.env
    assert result.overridden == {}


def test_simulator_knobs_pass_through_including_ones_added_later() -> None:
    caller = {
        "PROVIDER_SIM_LATENCY_MS": "0",
        "PROVIDER_SIM_ERROR_RATE": "0.5",
        "PROVIDER_SIM_TIMEOUT_AFTER_CHARGE_RATE": "0.1",
        "PARTNER_SIM_LATENCY_MS": "7",
    }

    provider = built("payment-provider", caller)
    partner = built("loyalty-partner", caller)

    assert {name: provider.env.get(name) for name in caller} == {**caller, "PARTNER_SIM_LATENCY_MS": None}
    assert partner.env["PARTNER_SIM_LATENCY_MS"] == "7"
    assert not any(name.startswith("PROVIDER_SIM_") for name in partner.env)


def test_each_process_gets_only_its_own_prefix() -> None:
    caller = {f"{spec.env_prefix}SOME_KNOB": spec.name for spec in SPECS.values()}

    for name, spec in SPECS.items():
        env = built(name, caller).env
        assert {key: value for key, value in env.items() if key.endswith("SOME_KNOB")} == {
            f"{spec.env_prefix}SOME_KNOB": name
        }


def test_computed_ports_endpoints_and_resources_win_and_are_reported() -> None:
    caller = {
        "PAYMENT_PORT": "1",
        "PAYMENT_HOST": "192.0.2.1",
        "PAYMENT_PROVIDER_URL": "https://provider.example",
        "PAYMENT_PAYMENTS_TABLE": "someone-elses-table",
        "PAYMENT_MAX_ATTEMPTS": "9",
    }

    result = built("payment", caller)

    assert result.env["PAYMENT_PORT"] == str(PORTS["payment"])
    assert result.env["PAYMENT_HOST"] == "127.0.0.1"
    assert result.env["PAYMENT_PROVIDER_URL"] == f"http://127.0.0.1:{PORTS['payment-provider']}"
    assert result.env["PAYMENT_PAYMENTS_TABLE"] == f"{LOCAL_PREFIX}payments"
    assert result.env["PAYMENT_MAX_ATTEMPTS"] == "9"
    assert set(result.overridden) == {"PAYMENT_PORT", "PAYMENT_HOST", "PAYMENT_PROVIDER_URL", "PAYMENT_PAYMENTS_TABLE"}
    assert result.passed == {"PAYMENT_MAX_ATTEMPTS": "9"}
    report = "\n".join(result.report())
    assert "PAYMENT_PORT=1 from your environment is overridden by " + str(PORTS["payment"]) in report
    assert "PAYMENT_PROVIDER_URL=https://provider.example from your environment is overridden" in report


def test_a_caller_value_equal_to_the_computed_one_is_no_override() -> None:
    # ORDER_PORT=9000 make up: the port is read from the same variable, so nothing is overridden.
    result = built("order", {"ORDER_PORT": str(PORTS["order"])})

    assert result.overridden == {} and result.report() == []


def test_local_defaults_are_knobs_the_caller_may_change() -> None:
    assert built("order", None).env["ORDER_SQS_WAIT_SECONDS"] == str(LOCAL_SQS_WAIT_SECONDS)
    assert built("order", {"ORDER_SQS_WAIT_SECONDS": "1"}).env["ORDER_SQS_WAIT_SECONDS"] == "1"


def test_extra_of_the_tests_still_wins_over_everything() -> None:
    result = built("order", {"ORDER_MAX_BODY_BYTES": "5"}, extra={"ORDER_MAX_BODY_BYTES": "6", "ORDER_PORT": "7"})

    assert (result.env["ORDER_MAX_BODY_BYTES"], result.env["ORDER_PORT"]) == ("6", "7")


def test_secret_looking_values_are_masked_in_the_report() -> None:
    caller = {
        "PAYMENT_API_KEY": "k-123456",
        "PAYMENT_WEBHOOK_SECRET": "s-123456",
        "PAYMENT_AUTH_TOKEN": "t-123456",
        "PAYMENT_DB_PASSWORD": "p-123456",
        "PAYMENT_CREDENTIALS_FILE": "c-123456",
        "PAYMENT_api_key_lower": "l-123456",
        "PAYMENT_MAX_ATTEMPTS": "4",
        "PAYMENT_HOST": "secret-host",  # overridden; its name is not secret-looking, so it is shown
    }

    result = built("payment", caller)
    report = "\n".join(result.report())

    for name, value in caller.items():
        assert result.env[name] == (value if name != "PAYMENT_HOST" else "127.0.0.1")  # masked only in print
        if name not in {"PAYMENT_MAX_ATTEMPTS", "PAYMENT_HOST"}:
            assert f"{name}=***" in report and value not in report
    assert "PAYMENT_MAX_ATTEMPTS=4" in report
    assert "PAYMENT_HOST=secret-host from your environment is overridden by 127.0.0.1" in report


def test_a_computed_secret_looking_value_is_masked_when_it_overrides() -> None:
    result = built("payment", {"PAYMENT_API_KEY_SECRET_ID": "mine"})

    assert result.report() == [
        "PAYMENT_API_KEY_SECRET_ID=*** from your environment is overridden by *** "
        "(ports, endpoints and provisioned resources are set by the runtime)"
    ]


def test_test_processes_never_pick_up_the_developers_shell(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ORDER_MAX_BODY_BYTES", "1")
    monkeypatch.setenv("PROVIDER_SIM_ERROR_RATE", "1")

    order = service_env(SERVICES["order"], 9000, AWS_ENV, deployed(), PORTS)
    provider = service_env(SIMULATORS["payment-provider"], 9010, AWS_ENV, None, PORTS)
    default = process_environment(SERVICES["order"], 9000, AWS_ENV, deployed(), PORTS)

    assert "ORDER_MAX_BODY_BYTES" not in order and "PROVIDER_SIM_ERROR_RATE" not in provider
    assert "ORDER_MAX_BODY_BYTES" not in default.env and default.passed == {}


def test_make_up_services_write_their_spans_to_a_file_unless_the_caller_sends_them_elsewhere(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("OTEL_TRACES_EXPORTER", raising=False)
    spans = tmp_path / "order.jsonl"
    spec = SPECS["order"]
    local = process_environment(spec, PORTS["order"], AWS_ENV, deployed(), PORTS, caller_env={}, traces_file=spans)
    theirs = process_environment(
        spec,
        PORTS["order"],
        AWS_ENV,
        deployed(),
        PORTS,
        caller_env={"OTEL_TRACES_EXPORTER": "otlp", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4318"},
        traces_file=spans,
    )

    assert local.env["OTEL_TRACES_EXPORTER"] == "file" and local.env["TRACES_FILE"] == str(spans)
    assert ServiceSettings(port=1).traces_exporter == "none"  # a service outside the local runtime records nothing
    assert theirs.env["OTEL_TRACES_EXPORTER"] == "otlp"
    assert theirs.env["OTEL_EXPORTER_OTLP_ENDPOINT"] == "http://127.0.0.1:4318"
    assert "OTEL_TRACES_EXPORTER" not in service_env(spec, PORTS["order"], AWS_ENV, deployed(), PORTS)
