"""schemathesis hooks of the fuzz run, loaded through `hooks` in its configuration (plan.py).

Two operations may refuse a schema-valid request for a reason no schema states exactly (plan.ALLOWED_REFUSALS):
`GET /orders` a cursor it did not hand out, `POST /events` an event its contract refuses. The run lets their positive
requests answer that status; this check keeps the allowance that narrow: any other problem `code` is a failure.
"""

from __future__ import annotations

import json
from typing import Any

import schemathesis

from .plan import ALLOWED_REFUSALS, AllowedRefusal

__all__ = ["allowed_refusal_of", "problem_code", "refused_only_for_the_allowed_reason"]

FuzzCase = schemathesis.Case[schemathesis.APIOperation[Any, Any, Any, Any]]


def allowed_refusal_of(method: str, path: str, status: int) -> AllowedRefusal | None:
    for refusal in ALLOWED_REFUSALS:
        if (refusal.method, refusal.path, refusal.status) == (method.upper(), path, status):
            return refusal
    return None


@schemathesis.check
def refused_only_for_the_allowed_reason(
    ctx: schemathesis.CheckContext, response: schemathesis.Response, case: FuzzCase
) -> bool | None:
    refusal = allowed_refusal_of(case.method, case.path, response.status_code)
    if refusal is None or case.meta is None or not case.meta.generation.mode.is_positive:
        return None
    code = problem_code(response.content)
    if code not in refusal.codes:
        allowed = ", ".join(f"`{allowed}`" for allowed in refusal.codes)
        raise AssertionError(f"a schema-valid request was refused with {response.status_code} `{code}`, not {allowed}")
    return None


def problem_code(body: bytes) -> str | None:
    try:
        problem = json.loads(body)
    except ValueError:
        return None
    code = problem.get("code") if isinstance(problem, dict) else None
    return code if isinstance(code, str) else None
