"""Which AWS SDK errors are an outage of the service called (retry later) rather than a bad request."""

from __future__ import annotations

from botocore.exceptions import BotoCoreError, ClientError

__all__ = ["is_aws_outage"]

# Error codes AWS answers when it is overloaded or failing; a retry later may succeed.
_OUTAGE_CODES = frozenset(
    {
        "InternalError",
        "InternalFailure",
        "InternalServerError",
        "KMSInternalException",
        "KeyUnavailableException",
        "ProvisionedThroughputExceededException",
        "RequestLimitExceeded",
        "RequestThrottled",
        "ServiceUnavailable",
        "ServiceUnavailableException",
        "Throttling",
        "ThrottlingException",
        "TooManyRequestsException",
    }
)


def is_aws_outage(error: BaseException) -> bool:
    """True for connection errors and timeouts, throttling and 5xx answers of an AWS service."""
    if isinstance(error, ClientError):
        code = error.response.get("Error", {}).get("Code", "")
        status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
        return code in _OUTAGE_CODES or status >= 500
    return isinstance(error, BotoCoreError)
