"""The fuzz run's plan: schemathesis's configuration and command per service, and the narrow refusal allowance."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from schemathesis.config import SchemathesisConfig
from shop_devtools.fuzz.cli import RunSecrets, parse_args
from shop_devtools.fuzz.hooks import allowed_refusal_of, problem_code, refused_only_for_the_allowed_reason
from shop_devtools.fuzz.plan import (
    BEARER_VARIABLE,
    DEFAULT_SEED,
    FUZZ_CUSTOMER,
    FUZZ_KNOBS,
    HOOKS_MODULE,
    KEY_VARIABLE,
    TARGETS,
    Credentials,
    schemathesis_command,
    schemathesis_config,
)

TARGET = {target.service: target for target in TARGETS}


def config_of(service: str, header: str = "x-api-key") -> dict[str, Any]:
    return tomllib.loads(schemathesis_config(TARGET[service], api_key_header=header))


def test_every_http_service_is_fuzzed_with_its_own_credentials() -> None:
    assert {target.service: target.credentials for target in TARGETS} == {
        "order": Credentials.BEARER,
        "loyalty": Credentials.BEARER,
        "notifications": Credentials.BEARER,
        "payment": Credentials.API_KEY,
        "batch-worker": Credentials.NONE,
    }


@pytest.mark.parametrize("service", ["order", "loyalty", "notifications"])
def test_a_customer_api_gets_the_bearer_token_from_the_environment_and_the_customer_bindings(service: str) -> None:
    config = config_of(service)

    # The token itself never reaches the file: schemathesis substitutes the variable when it loads it.
    assert config["headers"] == {"Authorization": "Bearer ${" + BEARER_VARIABLE + "}"}
    assert config["hooks"] == HOOKS_MODULE
    for location in ("path", "query", "body"):
        binding = config["parameters"][f"{location}.customer_id"]
        assert binding["probability"] == 0.5
        assert config["dictionaries"][binding["dictionary"]]["values"] == [FUZZ_CUSTOMER]


def test_payment_gets_its_api_key_in_the_connections_header_and_no_customer() -> None:
    config = config_of("payment", header="x-shop-key")

    assert config["headers"] == {"x-shop-key": "${" + KEY_VARIABLE + "}"}
    assert "parameters" not in config


def test_batch_worker_is_fuzzed_without_credentials() -> None:
    assert "headers" not in config_of("batch-worker")


def test_an_allowed_refusal_adds_only_its_status_to_the_accepted_ones_of_its_operation() -> None:
    [listing] = config_of("order")["operations"]
    [events] = config_of("payment")["operations"]

    assert (listing["include-path"], listing["include-method"]) == ("/orders", "GET")
    assert (events["include-path"], events["include-method"]) == ("/events", "POST")
    for operation in (listing, events):
        statuses = operation["checks"]["positive_data_acceptance"]["expected-statuses"]
        assert statuses == ["2xx", "3xx", "401", "403", "404", "409", "429", "5xx", "422"]


@pytest.mark.parametrize("service", sorted(TARGET))
def test_schemathesis_itself_loads_every_configuration(
    service: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(BEARER_VARIABLE, "a-token")
    monkeypatch.setenv(KEY_VARIABLE, "a-key")
    path = tmp_path / "schemathesis.toml"
    path.write_text(schemathesis_config(TARGET[service]), encoding="utf-8")

    # Raises on an unknown key, a malformed binding or a missing variable.
    headers = SchemathesisConfig.from_path(str(path)).projects.default.headers

    expected = {
        Credentials.BEARER: {"Authorization": "Bearer a-token"},
        Credentials.API_KEY: {"x-api-key": "a-key"},
        Credentials.NONE: None,
    }
    assert headers == expected[TARGET[service].credentials]


def test_the_command_runs_every_check_with_the_seed_on_one_worker_without_an_example_database() -> None:
    command = schemathesis_command(
        "http://127.0.0.1:9000", Path("/w/order.toml"), seed=7, max_examples=12, report_dir=Path("/w/report")
    )

    assert command[1:6] == ["-m", "schemathesis.cli", "--config-file", "/w/order.toml", "run"]
    assert command[6] == "http://127.0.0.1:9000/openapi.json"
    flags = dict(zip(command[7::2], command[8::2], strict=False))
    assert flags["--checks"] == "all"
    assert (flags["--seed"], flags["--max-examples"], flags["--workers"]) == ("7", "12", "1")
    # A stored example database would replay earlier failures first: the same seed must mean the same run.
    assert flags["--generation-database"] == "none"
    assert "--report-dir" in command and "/w/report" in command


def test_the_defaults_are_the_fixed_seed_and_every_service() -> None:
    args = parse_args([])

    assert (args.seed, args.service) == (DEFAULT_SEED, None)
    assert parse_args(["--service", "payment", "--seed", "3"]).service == ["payment"]


def test_each_schemathesis_run_gets_only_its_own_secret() -> None:
    secrets = RunSecrets(bearer_token="a-token", api_key_header="x-api-key", api_key="a-key")

    assert secrets.env_for(TARGET["order"]) == {BEARER_VARIABLE: "a-token"}
    assert secrets.env_for(TARGET["payment"]) == {KEY_VARIABLE: "a-key"}
    assert secrets.env_for(TARGET["batch-worker"]) == {}


def test_the_abuse_limits_are_lifted_within_what_the_services_accept() -> None:
    assert int(FUZZ_KNOBS["order"]["ORDER_RATE_LIMIT_ORDERS"]) >= 10_000
    assert int(FUZZ_KNOBS["notifications"]["NOTIFICATIONS_DESTINATION_CAP_PER_HOUR"]) == 1000  # its maximum


def _case(method: str, path: str, *, positive: bool) -> Any:
    mode = SimpleNamespace(is_positive=positive)
    return SimpleNamespace(method=method, path=path, meta=SimpleNamespace(generation=SimpleNamespace(mode=mode)))


def _response(status: int, code: str) -> Any:
    return SimpleNamespace(status_code=status, content=json.dumps({"status": status, "code": code}).encode())


def test_an_allowed_refusal_passes_only_with_its_own_codes() -> None:
    listing = _case("get", "/orders", positive=True)

    assert refused_only_for_the_allowed_reason(None, _response(422, "invalid_cursor"), listing) is None  # type: ignore[arg-type]
    with pytest.raises(AssertionError, match="validation_error"):
        refused_only_for_the_allowed_reason(None, _response(422, "validation_error"), listing)  # type: ignore[arg-type]


def test_the_allowance_leaves_other_operations_statuses_and_negative_requests_alone() -> None:
    other = _response(422, "validation_error")

    for case in (_case("POST", "/orders", positive=True), _case("GET", "/orders", positive=False)):
        assert refused_only_for_the_allowed_reason(None, other, case) is None  # type: ignore[arg-type]
    assert allowed_refusal_of("GET", "/orders", 400) is None
    assert allowed_refusal_of("post", "/events", 422) is not None


@pytest.mark.parametrize(
    ("body", "code"), [(b'{"code": "invalid_event"}', "invalid_event"), (b"not json", None), (b"[1]", None)]
)
def test_the_problem_code_is_read_only_from_a_problem_object(body: bytes, code: str | None) -> None:
    assert problem_code(body) == code
