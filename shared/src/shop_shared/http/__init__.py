"""HTTP conventions shared by the FastAPI services: the app shape, problem details, the body limit."""

from .body_limit import BodySizeLimit
from .openapi import amount_schema, refine_openapi
from .problems import (
    PROBLEM_MEDIA_TYPE,
    ApiError,
    Problem,
    ProblemField,
    install_problem_handlers,
    problem_example,
    problem_response,
    problem_responses,
)
from .service_app import HealthyResponse, UnhealthyResponse, components, create_service_app, serve

__all__ = [
    "PROBLEM_MEDIA_TYPE",
    "ApiError",
    "BodySizeLimit",
    "HealthyResponse",
    "Problem",
    "ProblemField",
    "UnhealthyResponse",
    "amount_schema",
    "components",
    "create_service_app",
    "install_problem_handlers",
    "problem_example",
    "problem_response",
    "problem_responses",
    "refine_openapi",
    "serve",
]
