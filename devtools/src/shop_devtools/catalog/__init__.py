"""The event catalog: an AsyncAPI 3 document (docs/asyncapi.yaml) and its rendering (docs/events.md), generated from
the contracts and the topology, and the check that fails when they are stale or a published event version breaks."""

from .cli import Catalog, generate, stale_files
from .compat import RETIRED_VERSIONS, breaking_changes
from .routes import PRODUCERS, CatalogError

__all__ = ["PRODUCERS", "RETIRED_VERSIONS", "Catalog", "CatalogError", "breaking_changes", "generate", "stale_files"]
