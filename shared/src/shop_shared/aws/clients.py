"""Opens aioboto3 clients with explicit timeouts and botocore's standard retry mode.

Endpoints are never passed here: botocore reads the standard `AWS_ENDPOINT_URL` and
`AWS_ENDPOINT_URL_<SERVICE>` variables, so the same code runs on AWS and on the local emulators.
"""

from __future__ import annotations

from contextlib import AsyncExitStack
from typing import Any

import aioboto3
from botocore.config import Config

__all__ = ["LONG_POLL_READ_TIMEOUT", "client_config", "open_client"]

# Step Functions holds GetActivityTask open for up to 60 s and SQS for up to 20 s: the read timeout
# must outlast the longest poll or every idle poll ends in a timeout error.
LONG_POLL_READ_TIMEOUT = 70.0


def client_config(*, read_timeout: float = 10.0, max_attempts: int = 5, pool_size: int = 20) -> Config:
    return Config(
        connect_timeout=3,
        read_timeout=read_timeout,
        retries={"mode": "standard", "max_attempts": max_attempts},
        max_pool_connections=pool_size,
    )


async def open_client(
    stack: AsyncExitStack,
    session: aioboto3.Session,
    service: str,
    *,
    read_timeout: float = 10.0,
    pool_size: int = 20,
    max_attempts: int = 5,
) -> Any:
    """Open a client whose lifetime ends with `stack` (the service's lifespan)."""
    config = client_config(read_timeout=read_timeout, pool_size=pool_size, max_attempts=max_attempts)
    return await stack.enter_async_context(session.client(service, config=config))
