"""A dev OIDC issuer for the local runtime and the compose stack (a stand-in for Cognito, never deployed): a key
generated at each start, OIDC discovery and JWKS, and tokens minted for loopback clients."""

from .app import create_app
from .client import CustomerTokens, DevIssuerClient, IssuerUnavailable, MintRefused, bearer
from .keys import SigningKey, jwk_thumbprint
from .settings import DEV_AUDIENCE, DevIssuerSettings
from .tokens import MintRequest, id_token_claims

__all__ = [
    "DEV_AUDIENCE",
    "CustomerTokens",
    "DevIssuerClient",
    "DevIssuerSettings",
    "IssuerUnavailable",
    "MintRefused",
    "MintRequest",
    "SigningKey",
    "bearer",
    "create_app",
    "id_token_claims",
    "jwk_thumbprint",
]
