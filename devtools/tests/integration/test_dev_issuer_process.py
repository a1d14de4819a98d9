"""The dev OIDC issuer as a real process, started the way `make up` starts it: `make -s token` prints a token the
services' own verifier (shop_shared.auth) accepts, a restart is a key rotation, and it listens on loopback only."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import jwt
import pytest
from shop_devtools.dev_issuer import DevIssuerClient
from shop_devtools.paths import REPO_ROOT
from shop_devtools.processes import ManagedProcess
from shop_devtools.runtime import free_port
from shop_devtools.services import DEV_ISSUER, SERVICES, service_env, start_service, wait_until_ready
from shop_shared.auth import AuthSettings, InvalidToken, TokenVerifier

pytestmark = pytest.mark.integration


class IssuerProcess:
    def __init__(self, log_dir: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._log_dir = log_dir
        self.process: ManagedProcess | None = None

    def start(self) -> None:
        env = service_env(DEV_ISSUER, self.port, {}, None, {DEV_ISSUER.name: self.port})
        self.process = start_service(DEV_ISSUER, env, log_file=self._log_dir / "dev-issuer.log")
        wait_until_ready(self.process, self.port, timeout=30)

    def stop(self) -> None:
        if self.process is not None:
            self.process.stop(timeout=5)


@pytest.fixture
def issuer(tmp_path: Path) -> Iterator[IssuerProcess]:
    running = IssuerProcess(tmp_path)
    running.start()
    yield running
    running.stop()


def verifier_of(issuer: IssuerProcess, http: httpx.AsyncClient) -> TokenVerifier:
    """What order, loyalty and notifications build from the environment `make up` gives them."""
    env = service_env(SERVICES["order"], 9000, {}, None, {"dev-issuer": issuer.port})
    settings = AuthSettings(
        auth_issuer=env["AUTH_ISSUER"], auth_audience=env["AUTH_AUDIENCE"], auth_jwks_refresh_interval_seconds=0
    )
    return TokenVerifier.over_http(settings, http)


def make_token(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["make", "-s", "token", *args], cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=120, check=False
    )


def caller_env(tmp_path: Path, issuer_port: int) -> dict[str, str]:
    # A run dir of its own: no `make start` of this checkout is taken for the issuer to ask.
    return os.environ | {"SHOP_RUN_DIR": str(tmp_path / "run"), "DEV_ISSUER_PORT": str(issuer_port)}


async def test_make_token_prints_only_a_token_the_services_verifier_accepts(
    issuer: IssuerProcess, tmp_path: Path
) -> None:
    result = make_token("CUSTOMER=c-123", "PHONE=+15555550100", env=caller_env(tmp_path, issuer.port))

    assert result.returncode == 0, result.stderr
    token = result.stdout.removesuffix("\n")
    assert "\n" not in token and token.count(".") == 2  # the token and nothing else
    async with httpx.AsyncClient(timeout=5) as http:
        principal = await verifier_of(issuer, http).verify(token)
    assert principal.subject == "c-123"
    assert principal.verified_email == "c-123@example.com" and principal.verified_phone == "+15555550100"
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["exp"] - claims["iat"] == 3600


def test_make_token_without_a_running_issuer_fails_on_stderr_with_a_hint(tmp_path: Path) -> None:
    result = make_token("CUSTOMER=c-123", env=caller_env(tmp_path, free_port()))

    assert result.returncode != 0
    assert result.stdout == ""
    assert "make start" in result.stderr


def test_the_token_command_refuses_a_bad_contact_without_printing_a_token(issuer: IssuerProcess) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "shop_devtools",
            "token",
            "--customer",
            "c-1",
            "--phone",
            "555",
            "--issuer-url",
            issuer.url,
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.returncode == 1 and result.stdout == ""
    assert "422" in result.stderr and "phone_number" in result.stderr


async def test_a_restart_is_a_key_rotation_old_tokens_are_refused(issuer: IssuerProcess) -> None:
    with DevIssuerClient(issuer.url) as client:
        before = client.mint("c-1")
    async with httpx.AsyncClient(timeout=5) as http:
        verifier = verifier_of(issuer, http)
        assert (await verifier.verify(before)).subject == "c-1"

        issuer.stop()
        issuer.start()  # same port, a new key
        with DevIssuerClient(issuer.url) as client:
            after = client.mint("c-1")

        assert jwt.get_unverified_header(after)["kid"] != jwt.get_unverified_header(before)["kid"]
        assert (await verifier.verify(after)).subject == "c-1"  # the unknown kid makes it fetch the new key set
        with pytest.raises(InvalidToken):
            await verifier.verify(before)


def test_it_listens_on_loopback_only(issuer: IssuerProcess) -> None:
    listening = _listening_addresses(issuer.port)

    assert listening and all(address in {"127.0.0.1", "::1"} for address in listening), listening


def _listening_addresses(port: int) -> set[str]:
    """Local addresses of the sockets listening on `port`, from the kernel's tables (Linux)."""
    tables = [(Path(table), width) for table, width in (("/proc/net/tcp", 8), ("/proc/net/tcp6", 32))]
    if not any(table.exists() for table, _ in tables):
        pytest.skip("no /proc/net tables to read the listening address from (not Linux)")
    found: set[str] = set()
    for table, width in tables:
        if not table.exists():
            continue
        for line in table.read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, _, hex_port = local.partition(":")
            if state == "0A" and int(hex_port, 16) == port:  # 0A: LISTEN
                found.add(_address(address, width))
    return found


def _address(hex_address: str, width: int) -> str:
    if width == 8:  # IPv4, little-endian
        return ".".join(str(int(hex_address[i : i + 2], 16)) for i in (6, 4, 2, 0))
    return "::1" if hex_address == "00000000000000000000000001000000" else hex_address
