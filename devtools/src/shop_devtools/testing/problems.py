"""Reading an RFC 9457 problem answer in tests: the one error shape of every service."""

from __future__ import annotations

from typing import Any

import httpx

__all__ = ["PROBLEM_MEMBERS", "problem_of"]

PROBLEM_MEMBERS = {"type", "title", "status", "detail", "instance", "code", "details"}


def problem_of(response: httpx.Response, status: int | None = None, code: str | None = None) -> dict[str, Any]:
    """The problem body, after checking the media type, the members every problem has and, if given, status and code."""
    if status is not None:
        assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem: dict[str, Any] = response.json()
    assert set(problem) == PROBLEM_MEMBERS
    assert (problem["type"], problem["status"]) == ("about:blank", response.status_code)
    assert problem["title"] and problem["detail"]
    if code is not None:
        assert problem["code"] == code
    return problem
