"""HTTP conventions shared by the FastAPI services."""

from .body_limit import BodySizeLimit
from .errors import ApiError, ErrorBody, ErrorDetail, ErrorResponse, error_response, install_error_handlers
from .service_app import HealthyResponse, UnhealthyResponse, components, create_service_app, serve

__all__ = [
    "ApiError",
    "BodySizeLimit",
    "ErrorBody",
    "ErrorDetail",
    "ErrorResponse",
    "HealthyResponse",
    "UnhealthyResponse",
    "components",
    "create_service_app",
    "error_response",
    "install_error_handlers",
    "serve",
]
