"""The HTTP API: a customer's loyalty account and the health check; the SQS worker runs in its lifespan.

Reading an account needs a bearer token of that customer (shop_shared.auth); health and the docs stay open.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, FastAPI, Path
from shop_shared.auth import Authenticated, auth_responses, forbid_other_customer
from shop_shared.composition import Bootstrap
from shop_shared.http import ApiError, components, create_service_app, problem_example, problem_responses

from shop_loyalty.bootstrap import LoyaltyContainer, bootstrap
from shop_loyalty.settings import LoyaltySettings
from shop_loyalty.views import LoyaltySummary, loyalty_summary

__all__ = ["create_app"]

Services = Annotated[LoyaltyContainer, Depends(components)]
CustomerId = Annotated[str, Path(min_length=1, max_length=128)]

NO_ACCOUNT = problem_example(
    "The customer has no loyalty account (no order credited yet)",
    404,
    "not_found",
    "No loyalty account for customer c-42.",
)

# Another customer's account is 403 whether it exists or not: the answer tells nothing about it.
ACCOUNT_ERRORS = auth_responses(forbidden="The customer id is not the token's subject.") | problem_responses(
    404,
    422,
    503,
    descriptions={
        404: "The customer has no loyalty account.",
        422: "The customer id is empty or longer than 128 characters.",
        503: "The accounts table or the identity provider's keys are unavailable; retry later.",
    },
    examples={404: {"no_account": NO_ACCOUNT}},
)


def create_app(
    settings: LoyaltySettings, *, build: Bootstrap[LoyaltySettings, LoyaltyContainer] = bootstrap
) -> FastAPI:
    app = create_service_app(
        settings,
        title="loyalty",
        version="1.0.0",
        description="A customer's loyalty account, read with a bearer token of that customer (`Authorization`).",
        build=build,
    )

    @app.get(
        "/customers/{customer_id}/loyalty",
        response_model=LoyaltySummary,
        summary="A customer's points, tier and recent credits and reversals",
        responses=ACCOUNT_ERRORS,
    )
    async def get_loyalty(customer_id: CustomerId, services: Services, principal: Authenticated) -> LoyaltySummary:
        forbid_other_customer(principal, customer_id)
        summary = await loyalty_summary(customer_id, services.accounts, services.clock)
        if summary is None:
            raise ApiError(404, "not_found", f"No loyalty account for customer {customer_id}.")
        return summary

    return app
