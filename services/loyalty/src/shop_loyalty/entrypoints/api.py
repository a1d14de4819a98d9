"""The HTTP API: a customer's loyalty account and the health check; the SQS worker runs in its lifespan."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, FastAPI, Path
from shop_shared.http import ApiError, ErrorResponse, components, create_service_app

from shop_loyalty.bootstrap import Bootstrapper, LoyaltyComponents, bootstrap
from shop_loyalty.settings import LoyaltySettings
from shop_loyalty.views import LoyaltySummary, loyalty_summary

__all__ = ["create_app"]

Components = Annotated[LoyaltyComponents, Depends(components)]
CustomerId = Annotated[str, Path(min_length=1, max_length=128)]


def create_app(settings: LoyaltySettings, bootstrapper: Bootstrapper = bootstrap) -> FastAPI:
    app = create_service_app(settings, title="loyalty", build=bootstrapper, loops=lambda built: built.loops)

    @app.get(
        "/customers/{customer_id}/loyalty",
        response_model=LoyaltySummary,
        responses={404: {"model": ErrorResponse}, 422: {"model": ErrorResponse}},
    )
    async def get_loyalty(customer_id: CustomerId, components: Components) -> LoyaltySummary:
        summary = await loyalty_summary(customer_id, components.accounts, components.clock)
        if summary is None:
            raise ApiError(404, "not_found", f"No loyalty account for customer {customer_id}.")
        return summary

    return app
