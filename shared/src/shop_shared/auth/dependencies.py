"""The FastAPI side of authentication: the bearer scheme in OpenAPI, the principal as a dependency, 401/403 problems.

    @app.get("/customers/{customer_id}/loyalty", responses={**auth_responses(forbidden="..."), ...})
    async def read(customer_id: str, principal: Authenticated) -> ...:
        forbid_other_customer(principal, customer_id)

The route's container (what the service's bootstrap returned) must have a `token_verifier`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, Protocol

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from shop_shared.http import ApiError, components, problem_example, problem_responses

from .exceptions import InvalidToken
from .principal import Principal
from .verifier import TokenVerifier

__all__ = [
    "BEARER_CHALLENGE",
    "FORBIDDEN_DETAIL",
    "REFUSED_BEARER_CHALLENGE",
    "Authenticated",
    "VerifiesTokens",
    "auth_responses",
    "authenticated_principal",
    "bearer_scheme",
    "forbid_other_customer",
]

# RFC 6750 section 3: no error code when no token came, `invalid_token` when one did and was refused.
BEARER_CHALLENGE = 'Bearer realm="shop"'
REFUSED_BEARER_CHALLENGE = 'Bearer realm="shop", error="invalid_token"'
NO_BEARER_DETAIL = "This operation needs a bearer token: send `Authorization: Bearer <JWT>`."
FORBIDDEN_DETAIL = "The token's subject is another customer."

# In the OpenAPI document as the security scheme of every protected operation (the "Authorize" button of /docs).
bearer_scheme = HTTPBearer(
    scheme_name="bearerAuth",
    bearerFormat="JWT",
    description="An OIDC ID token of the shop's identity provider; its `sub` is the customer id.",
    auto_error=False,  # a missing token is answered below, as a problem with the RFC 6750 challenge
)


class VerifiesTokens(Protocol):
    """What a protected route needs of the service's container."""

    @property
    def token_verifier(self) -> TokenVerifier: ...


async def authenticated_principal(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)]
) -> Principal:
    """The caller, from the `Authorization: Bearer` token: 401 without a valid one, 503 if the keys are unreachable."""
    if credentials is None:
        raise ApiError(401, "unauthorized", NO_BEARER_DETAIL, headers={"WWW-Authenticate": BEARER_CHALLENGE})
    container: VerifiesTokens = components(request)
    try:
        return await container.token_verifier.verify(credentials.credentials)
    except InvalidToken as refused:
        raise ApiError(
            401, "unauthorized", refused.detail, headers={"WWW-Authenticate": REFUSED_BEARER_CHALLENGE}
        ) from None


Authenticated = Annotated[Principal, Depends(authenticated_principal)]


def forbid_other_customer(principal: Principal, customer_id: str, detail: str = FORBIDDEN_DETAIL) -> None:
    """403 `forbidden` unless `customer_id` is the caller's own."""
    if customer_id != principal.subject:
        raise ApiError(403, "forbidden", detail)


_MISSING = problem_example("No token", 401, "unauthorized", NO_BEARER_DETAIL)
_INVALID = problem_example("Token refused", 401, "unauthorized", "The bearer token has expired.")
_FORBIDDEN = problem_example("Another customer's data", 403, "forbidden", FORBIDDEN_DETAIL)


def auth_responses(
    *, forbidden: str | None = None, forbidden_examples: Mapping[str, dict[str, Any]] | None = None
) -> dict[int | str, dict[str, Any]]:
    """`responses=` entries of a protected route: 401 always; 403 with its description when the route can refuse."""
    statuses = (401, 403) if forbidden else (401,)
    documented = problem_responses(
        *statuses,
        descriptions={
            401: (
                "No bearer token, or one refused (bad signature, `alg` not accepted, wrong issuer or audience, "
                "expired, not yet valid). `WWW-Authenticate` says which, per RFC 6750. Nothing was read or stored."
            ),
            403: forbidden or "",
        },
        examples={
            401: {"missing_token": _MISSING, "invalid_token": _INVALID},
            403: dict(forbidden_examples or {"forbidden": _FORBIDDEN}),
        },
    )
    documented[401]["headers"] = {
        "WWW-Authenticate": {
            "description": f"`{BEARER_CHALLENGE}` without a token, `{REFUSED_BEARER_CHALLENGE}` with a refused one.",
            "schema": {"type": "string", "enum": [BEARER_CHALLENGE, REFUSED_BEARER_CHALLENGE]},
        }
    }
    return documented
