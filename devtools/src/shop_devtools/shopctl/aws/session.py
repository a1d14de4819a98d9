"""The boto3 session and client settings of shopctl, and how AWS errors become ShopctlErrors."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError, ProfileNotFound

from shop_devtools.shopctl.exceptions import AwsAccessError

__all__ = ["CLIENT_CONFIG", "error_code", "explained", "open_session"]

_AUTH_ERRORS = {
    "AccessDenied",
    "AccessDeniedException",
    "ExpiredToken",
    "ExpiredTokenException",
    "InvalidClientTokenId",
    "UnrecognizedClientException",
    "InvalidSignatureException",
}

# Few retries: an operator wants a clear error quickly, not a minute of backoff against a wrong endpoint.
CLIENT_CONFIG = Config(retries={"max_attempts": 2, "mode": "standard"}, connect_timeout=5, read_timeout=30)


def open_session(profile: str | None) -> boto3.Session:
    try:
        return boto3.Session(profile_name=profile)
    except ProfileNotFound as error:
        raise AwsAccessError(f"AWS profile {profile!r} not found ({error})") from error


def error_code(error: ClientError) -> str:
    return error.response.get("Error", {}).get("Code", "")


@contextmanager
def explained(what: str) -> Iterator[None]:
    """Credentials, endpoint and permission problems as one clear line (wrong profile, runtime not running)."""
    try:
        yield
    except NoCredentialsError as error:
        raise AwsAccessError(f"{what}: no AWS credentials (set a profile with --profile or AWS_PROFILE)") from error
    except ClientError as error:
        code = error_code(error)
        if code in _AUTH_ERRORS:
            raise AwsAccessError(f"{what}: AWS refused the credentials ({code}); check --profile") from error
        raise AwsAccessError(f"{what}: {error}") from error
    except BotoCoreError as error:
        raise AwsAccessError(f"{what}: {error} (is the runtime running? try --local after `make start`)") from error
