"""The issuer's signing key: RSA, generated at each start and kept only in memory; its `kid` is the key's
RFC 7638 thumbprint, so a new key (a restart) always has a new `kid` and verifiers fetch the JWKS again."""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

__all__ = ["ALGORITHM", "SigningKey", "jwk_thumbprint"]

ALGORITHM = "RS256"
KEY_BITS = 2048


def jwk_thumbprint(jwk: dict[str, Any]) -> str:
    """RFC 7638: SHA-256 of the key's required members (e, kty, n for RSA) as compact, sorted JSON, base64url."""
    canonical = json.dumps({"e": jwk["e"], "kty": jwk["kty"], "n": jwk["n"]}, separators=(",", ":"), sort_keys=True)
    digest = hashlib.sha256(canonical.encode("utf-8")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


@dataclass(frozen=True)
class SigningKey:
    private_key: rsa.RSAPrivateKey
    public_jwk: dict[str, str]  # as published in the JWKS, with kid, use and alg

    @classmethod
    def generate(cls) -> SigningKey:
        private_key = rsa.generate_private_key(public_exponent=65537, key_size=KEY_BITS)
        members = RSAAlgorithm.to_jwk(private_key.public_key(), as_dict=True)
        public = {"kty": "RSA", "n": str(members["n"]), "e": str(members["e"])}
        return cls(private_key, public | {"kid": jwk_thumbprint(public), "use": "sig", "alg": ALGORITHM})

    @property
    def kid(self) -> str:
        return self.public_jwk["kid"]

    def jwks(self) -> dict[str, list[dict[str, str]]]:
        return {"keys": [dict(self.public_jwk)]}

    def sign(self, claims: dict[str, Any]) -> str:
        return jwt.encode(claims, self.private_key, algorithm=ALGORITHM, headers={"kid": self.kid, "typ": "JWT"})
