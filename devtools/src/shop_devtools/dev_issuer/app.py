"""The dev issuer's HTTP API: OIDC discovery (`GET /.well-known/openid-configuration`), its key set
(`GET /.well-known/jwks.json`), `POST /dev/tokens` (mints a signed ID token; from loopback only) and `GET /health`.

A stand-in for Cognito or any OIDC provider in the local runtime and the compose stack, never deployed: anyone
who can reach the mint endpoint can act as any customer, so it answers only clients on the same host (in compose,
`docker compose exec dev-issuer ...`), and its key lives only in this process's memory, new at every start.
"""

from __future__ import annotations

import ipaddress
import logging
import time
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from shop_shared.http import ApiError, install_problem_handlers, problem_responses

from .keys import ALGORITHM, SigningKey
from .settings import DevIssuerSettings
from .tokens import MintRequest, id_token_claims

__all__ = ["DISCOVERY_PATH", "JWKS_PATH", "MINT_PATH", "MintedToken", "create_app", "is_loopback"]

logger = logging.getLogger(__name__)

DISCOVERY_PATH = "/.well-known/openid-configuration"
JWKS_PATH = "/.well-known/jwks.json"
MINT_PATH = "/dev/tokens"
CLAIMS_SUPPORTED = "iss aud sub iat nbf exp token_use email email_verified phone_number phone_number_verified".split()
JWKS_MAX_AGE_SECONDS = 300  # verifiers may cache the set; an unknown kid (a restarted issuer) makes them refetch


class MintedToken(BaseModel):
    token: str
    token_type: str = "Bearer"  # noqa: S105  (the scheme's name, not a secret)
    expires_in: int
    kid: str


def is_loopback(host: str | None) -> bool:
    try:
        return host is not None and ipaddress.ip_address(host).is_loopback
    except ValueError:  # not an address (a unix socket, a test client's name)
        return False


def create_app(
    settings: DevIssuerSettings | None = None,
    *,
    key: SigningKey | None = None,
    clock: Callable[[], float] = time.time,
) -> FastAPI:
    settings = settings or DevIssuerSettings()
    key = key or SigningKey.generate()
    issuer = settings.issuer
    app = FastAPI(title="Dev OIDC issuer", version="1", description=__doc__)
    install_problem_handlers(app)
    app.state.key = key
    logger.info("signing key generated", extra={"kid": key.kid, "issuer": issuer})

    @app.get(DISCOVERY_PATH)
    async def discovery() -> dict[str, Any]:
        return {
            "issuer": issuer,
            "jwks_uri": f"{issuer}{JWKS_PATH}",
            "id_token_signing_alg_values_supported": [ALGORITHM],
            "response_types_supported": ["id_token"],
            "subject_types_supported": ["public"],
            "claims_supported": CLAIMS_SUPPORTED,
        }

    @app.get(JWKS_PATH)
    async def jwks() -> JSONResponse:
        return JSONResponse(key.jwks(), headers={"Cache-Control": f"public, max-age={JWKS_MAX_AGE_SECONDS}"})

    @app.post(
        MINT_PATH,
        status_code=201,
        responses=problem_responses(403, 422, descriptions={403: "The caller is not on this host."}),
    )
    async def mint(body: MintRequest, request: Request) -> MintedToken:
        if not is_loopback(request.client.host if request.client else None):
            raise ApiError(403, "forbidden", "Tokens are minted only for clients on the issuer's own host.")
        token = key.sign(id_token_claims(body, issuer=issuer, audience=settings.audience, now=int(clock())))
        logger.info("token minted", extra={"expires_in": body.expires_in})  # never the subject or a contact
        return MintedToken(token=token, expires_in=body.expires_in, kid=key.kid)

    @app.get("/health")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    return app
