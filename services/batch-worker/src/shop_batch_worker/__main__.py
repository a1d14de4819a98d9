"""Runs the batch worker: `python -m shop_batch_worker`."""

from __future__ import annotations

import uvicorn
from shop_shared.observability import configure_logging

from shop_batch_worker.entrypoints.api import create_app
from shop_batch_worker.settings import BatchSettings


def main() -> None:
    settings = BatchSettings()  # type: ignore[call-arg]  # required fields come from the environment
    configure_logging("batch-worker", settings.log_level)
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port, log_config=None)


if __name__ == "__main__":
    main()
