"""Bearer tokens for tests: an issuer with a key generated per instance, its JWKS, and tokens it signs.

    issuer = TestIssuer()                                   # RSA key, iss https://issuer.shop.test, aud shop
    headers = issuer.bearer("c-123", email="c-123@example.com")   # {"Authorization": "Bearer <JWT>"}
    container = OrderContainer(..., token_verifier=issuer.verifier())   # trusts the key, no network

    with serve_issuer() as issuer:                          # the same over real HTTP on 127.0.0.1
        start_service_process("order", extra_env=issuer.environment())

`mint` signs what a real OIDC provider would (iss, aud, sub, iat, exp and verified contacts); `extra` claims
override those and a claim given as None is left out, so a test can build any wrong token. Tests that run the
system as processes use the dev issuer process instead (shop_devtools.dev_issuer), as `make up` does.
"""

from __future__ import annotations

import base64
import json
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal

import httpx
import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm
from shop_shared.auth import DISCOVERY_PATH, AuthSettings, TokenVerifier

__all__ = ["JWKS_PATH", "TestIssuer", "serve_issuer"]

JWKS_PATH = "/.well-known/jwks.json"
type Algorithm = Literal["RS256", "ES256"]


class TestIssuer:
    """An OIDC issuer in miniature: one signing key (`kid`), its public JWKS, and `mint` for tokens it signs."""

    __test__ = False  # not a test class, whatever pytest thinks of the name

    def __init__(
        self,
        *,
        issuer: str = "https://issuer.shop.test",
        audience: str = "shop",
        algorithm: Algorithm = "RS256",
        kid: str | None = None,
    ) -> None:
        self.issuer = issuer
        self.audience = audience
        self.algorithm = algorithm
        # Give another instance the same kid to forge: same key id, other key.
        self.kid = kid or uuid.uuid4().hex[:16]
        self._private_key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey
        public: dict[str, Any]
        if algorithm == "RS256":
            self._private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            public = RSAAlgorithm.to_jwk(self._private_key.public_key(), as_dict=True)
        else:
            self._private_key = ec.generate_private_key(ec.SECP256R1())
            public = ECAlgorithm.to_jwk(self._private_key.public_key(), as_dict=True)
        self._public_jwk = {**public, "kid": self.kid, "alg": algorithm, "use": "sig"}

    @property
    def jwks(self) -> dict[str, Any]:
        """The public JWK Set, as an issuer serves it at its `jwks_uri`."""
        return {"keys": [dict(self._public_jwk)]}

    @property
    def public_key_pem(self) -> bytes:
        """The public key in PEM: what an algorithm-confusion attack uses as an HMAC secret."""
        return self._private_key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )

    def openid_configuration(self, jwks_uri: str | None = None) -> dict[str, Any]:
        """The discovery document served at {issuer}/.well-known/openid-configuration."""
        return {
            "issuer": self.issuer,
            "jwks_uri": jwks_uri or self.issuer.rstrip("/") + JWKS_PATH,
            "id_token_signing_alg_values_supported": [self.algorithm],
            "subject_types_supported": ["public"],
            "response_types_supported": ["id_token"],
        }

    def claims(
        self, subject: str, *, email: str | None = None, phone: str | None = None, expires_in: int = 3600, **extra: Any
    ) -> dict[str, Any]:
        """What `mint` signs: an ID token's claims, contacts marked verified, `extra` on top, None values left out."""
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "aud": self.audience,
            "sub": subject,
            "iat": now,
            "exp": now + expires_in,
        }
        if email is not None:
            claims |= {"email": email, "email_verified": True}
        if phone is not None:
            claims |= {"phone_number": phone, "phone_number_verified": True}
        claims |= extra
        return {name: value for name, value in claims.items() if value is not None}

    def mint(
        self, subject: str, *, email: str | None = None, phone: str | None = None, expires_in: int = 3600, **extra: Any
    ) -> str:
        """A signed JWT for `subject` (the customer id), valid for `expires_in` seconds."""
        return self.sign(self.claims(subject, email=email, phone=phone, expires_in=expires_in, **extra))

    def sign(self, claims: dict[str, Any], *, algorithm: str | None = None, with_kid: bool = True) -> str:
        """`claims` signed as they are with this key; another `algorithm` of its family (PS256) or no kid on request."""
        headers = {"kid": self.kid} if with_kid else None
        return jwt.encode(claims, self._private_key, algorithm=algorithm or self.algorithm, headers=headers)

    def mint_unsigned(self, subject: str, **claims: Any) -> str:
        """The same claims with `alg: none` and no signature: what an attacker sends hoping nobody checks."""
        header = {"alg": "none", "typ": "JWT", "kid": self.kid}
        body = self.claims(subject, **claims)
        return f"{_b64url(json.dumps(header).encode())}.{_b64url(json.dumps(body).encode())}."

    def bearer(self, subject: str, **claims: Any) -> dict[str, str]:
        """`{"Authorization": "Bearer <token>"}` for `subject`; `claims` as for `mint`."""
        return {"Authorization": f"Bearer {self.mint(subject, **claims)}"}

    def settings(self, **overrides: Any) -> AuthSettings:
        """Settings that trust this issuer (JWKS found by discovery); `overrides` by field name."""
        values: dict[str, Any] = {
            "auth_issuer": self.issuer,
            "auth_audience": self.audience,
            "auth_algorithms": (self.algorithm,),
        }
        return AuthSettings(**(values | overrides))

    def environment(self) -> dict[str, str]:
        """The AUTH_* variables of a service process that trusts this issuer."""
        return {"AUTH_ISSUER": self.issuer, "AUTH_AUDIENCE": self.audience, "AUTH_ALGORITHMS": self.algorithm}

    def verifier(self, **overrides: Any) -> TokenVerifier:
        """A verifier that trusts this issuer, its discovery and JWKS answered in memory (httpx.MockTransport)."""
        http = httpx.AsyncClient(transport=httpx.MockTransport(self.answer))
        return TokenVerifier.over_http(self.settings(**overrides), http)

    def answer(self, request: httpx.Request) -> httpx.Response:
        """This issuer's HTTP answers: the discovery document and the JWKS; 404 for anything else."""
        base = self.issuer.rstrip("/")
        documents = {base + DISCOVERY_PATH: self.openid_configuration(), base + JWKS_PATH: self.jwks}
        url = str(request.url.copy_with(query=None))
        if request.method == "GET" and url in documents:
            return httpx.Response(200, json=documents[url])
        return httpx.Response(404, json={"error": "not_found"})


@contextmanager
def serve_issuer(*, audience: str = "shop", algorithm: Algorithm = "RS256") -> Iterator[TestIssuer]:
    """A TestIssuer served over real HTTP on 127.0.0.1 (a free port): its `issuer` is that URL. Stopped on exit."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _IssuerRequestHandler)
    issuer = TestIssuer(issuer=f"http://127.0.0.1:{server.server_address[1]}", audience=audience, algorithm=algorithm)
    server.issuer = issuer  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, name="test-issuer", daemon=True)
    thread.start()
    try:
        yield issuer
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


class _IssuerRequestHandler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        issuer: TestIssuer = self.server.issuer  # type: ignore[attr-defined]
        answer = issuer.answer(httpx.Request("GET", issuer.issuer.rstrip("/") + self.path))
        self.send_response(answer.status_code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer.content)))
        self.end_headers()
        self.wfile.write(answer.content)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the tests' output is not the place for an access log."""


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()
