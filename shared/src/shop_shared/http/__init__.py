"""HTTP conventions shared by the FastAPI services."""

from .errors import ApiError, ErrorBody, ErrorDetail, ErrorResponse, error_response, install_error_handlers

__all__ = ["ApiError", "ErrorBody", "ErrorDetail", "ErrorResponse", "error_response", "install_error_handlers"]
