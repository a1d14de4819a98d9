"""In-memory fakes of the adapters, for unit tests: they live here, never in a production package."""
