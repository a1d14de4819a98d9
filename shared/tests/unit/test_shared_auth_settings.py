"""AuthSettings: the same plain AUTH_* names in every service, whatever its prefix; asymmetric algorithms only."""

from __future__ import annotations

import pytest
from pydantic import ValidationError
from pydantic_settings import SettingsConfigDict
from shop_shared.auth import AuthSettings
from shop_shared.settings import ServiceSettings


class PrefixedSettings(ServiceSettings, AuthSettings):
    model_config = SettingsConfigDict(env_prefix="SOMESVC_", frozen=True, extra="ignore")

    port: int = 9000


def test_the_env_names_carry_no_service_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AUTH_ISSUER", "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_abc")
    monkeypatch.setenv("AUTH_AUDIENCE", "client-id-1")
    monkeypatch.setenv("AUTH_JWKS_URL", "https://keys.example/jwks.json")
    monkeypatch.setenv("AUTH_LEEWAY_SECONDS", "5")
    monkeypatch.setenv("AUTH_ALGORITHMS", "RS256, ES256")
    monkeypatch.setenv("SOMESVC_AUTH_ISSUER", "https://ignored.example")

    settings = PrefixedSettings()

    assert settings.auth_issuer == "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_abc"
    assert (settings.auth_audience, settings.auth_jwks_url) == ("client-id-1", "https://keys.example/jwks.json")
    assert (settings.auth_leeway_seconds, settings.auth_algorithms) == (5, ("RS256", "ES256"))


def test_defaults_and_names_in_code(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("AUTH_ISSUER", "AUTH_AUDIENCE", "AUTH_JWKS_URL", "AUTH_LEEWAY_SECONDS", "AUTH_ALGORITHMS"):
        monkeypatch.delenv(name, raising=False)

    settings = AuthSettings(auth_issuer="http://127.0.0.1:8012", auth_audience="shop")

    assert (settings.auth_jwks_url, settings.auth_leeway_seconds, settings.auth_algorithms) == (None, 30, ("RS256",))
    with pytest.raises(ValidationError, match="AUTH_ISSUER"):
        PrefixedSettings(auth_audience="shop")


@pytest.mark.parametrize("algorithms", ["HS256", "none", "RS256,HS512", "", " , "])
def test_symmetric_none_or_no_algorithm_is_a_configuration_error(
    monkeypatch: pytest.MonkeyPatch, algorithms: str
) -> None:
    monkeypatch.setenv("AUTH_ALGORITHMS", algorithms)

    with pytest.raises(ValidationError):
        AuthSettings(auth_issuer="http://127.0.0.1:8012", auth_audience="shop")
