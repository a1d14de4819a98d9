"""Which Step Functions errors mean "the task is gone", "try again later" or "this will not get better"."""

from __future__ import annotations

from botocore.exceptions import ClientError, ConnectionError, HTTPClientError

__all__ = ["TASK_GONE_ERRORS", "error_name", "is_transient", "task_is_gone"]

# Step Functions no longer holds the task (timed out, finished, or an unknown token): its result has no taker.
TASK_GONE_ERRORS = frozenset({"TaskTimedOut", "TaskDoesNotExist", "InvalidToken"})
# The codes botocore's standard retry mode also treats as throttling or transient.
_TRANSIENT_CODES = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "RequestThrottledException",
        "TooManyRequestsException",
        "ProvisionedThroughputExceededException",
        "RequestLimitExceeded",
        "RequestTimeout",
        "RequestTimeoutException",
        "PriorRequestNotComplete",
        "ServiceUnavailable",
        "InternalServerError",
        "InternalFailure",
    }
)


def _code(error: BaseException) -> str | None:
    return error.response.get("Error", {}).get("Code") if isinstance(error, ClientError) else None


def error_name(error: BaseException) -> str:
    """The AWS error code, else the exception's class name: what a log line needs, never the message."""
    return _code(error) or type(error).__name__


def task_is_gone(error: BaseException) -> bool:
    return _code(error) in TASK_GONE_ERRORS


def is_transient(error: BaseException) -> bool:
    """Network trouble (connect/read timeouts, dropped connections), throttling or a 5xx: worth another try.

    Anything else (ActivityDoesNotExist, AccessDeniedException, missing credentials ...) will not fix itself.
    """
    if isinstance(error, ConnectionError | HTTPClientError):
        return True
    if not isinstance(error, ClientError):
        return False
    status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
    return _code(error) in _TRANSIENT_CODES or status >= 500
