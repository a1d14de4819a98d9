"""What the stand-ins of third parties share: injected latency and failures, their error body, serving."""

from __future__ import annotations

from collections.abc import Callable

import uvicorn
from fastapi import FastAPI
from fastapi.responses import JSONResponse
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict
from shop_shared.observability import configure_logging

__all__ = ["ThirdPartySimSettings", "serve_sim", "sim_error"]


class ThirdPartySimSettings(BaseSettings):
    """Each stand-in subclasses this with its own env prefix, port and defaults."""

    model_config = SettingsConfigDict(frozen=True, extra="ignore")

    host: str = "127.0.0.1"
    port: int = Field(ge=1, le=65535)
    log_level: str = "INFO"
    latency_ms: int = Field(default=50, ge=0, description="Added to every request, like a slow third party.")
    error_rate: float = Field(default=0.0, ge=0.0, le=1.0, description="Share of requests answered 500.")
    seed: int | None = Field(default=None, description="Makes the injected failures reproducible.")


def sim_error(status: int, kind: str, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    """The error body of the simulated third parties (their own shape, not ours)."""
    return JSONResponse(status_code=status, content={"error": {"type": kind, "message": message}}, headers=headers)


def serve_sim[S: ThirdPartySimSettings](create_app: Callable[[S], FastAPI], settings: S, name: str) -> None:
    configure_logging(name, settings.log_level)
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port, log_config=None)
