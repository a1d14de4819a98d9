"""Bearer-JWT (OIDC) authentication of the customer-facing APIs: settings, token verification, FastAPI dependency.

A service mixes `AuthSettings` into its settings, builds one `TokenVerifier` in its bootstrap
(`open_token_verifier(stack, settings)`) and puts it on its container as `token_verifier`; routes take
`principal: Authenticated` and scope every read and write to `principal.subject`.
"""

from .dependencies import (
    BEARER_CHALLENGE,
    FORBIDDEN_DETAIL,
    REFUSED_BEARER_CHALLENGE,
    Authenticated,
    VerifiesTokens,
    auth_responses,
    authenticated_principal,
    bearer_scheme,
    forbid_other_customer,
)
from .exceptions import AuthError, IdentityProviderUnavailable, InvalidToken
from .jwks import DISCOVERY_PATH, JwksCache
from .principal import Principal
from .settings import ASYMMETRIC_ALGORITHMS, AuthSettings
from .verifier import REQUIRED_CLAIMS, TokenVerifier, open_token_verifier

__all__ = [
    "ASYMMETRIC_ALGORITHMS",
    "BEARER_CHALLENGE",
    "DISCOVERY_PATH",
    "FORBIDDEN_DETAIL",
    "REFUSED_BEARER_CHALLENGE",
    "REQUIRED_CLAIMS",
    "AuthError",
    "AuthSettings",
    "Authenticated",
    "IdentityProviderUnavailable",
    "InvalidToken",
    "JwksCache",
    "Principal",
    "TokenVerifier",
    "VerifiesTokens",
    "auth_responses",
    "authenticated_principal",
    "bearer_scheme",
    "forbid_other_customer",
    "open_token_verifier",
]
