"""The official AsyncAPI 3.0.0 JSON Schema, for the catalog's tests: fetched from the npm registry on first use.

It is the `schemas/3.0.0-without-$id.json` of the AsyncAPI Initiative's `@asyncapi/specs` package (its `-without-$id`
variant keeps every reference inside the file, so validating needs no network). Nothing of it is committed: like the
emulators' environments, it is installed into `.local/` the first time a test needs it, and checked by digest.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path
from typing import Any

from shop_devtools.paths import LOCAL_DIR

__all__ = ["ASYNCAPI_SPECS_PACKAGE", "official_asyncapi_schema"]

ASYNCAPI_SPECS_PACKAGE = "@asyncapi/specs@6.11.1"
SCHEMA_MEMBER = "package/schemas/3.0.0-without-$id.json"
SCHEMA_SHA256 = "abe96881dbfaad495ccbb6bd8d3fb43ca18a13b9d7564849ccb66f39d5e5b20f"
CACHED_SCHEMA = LOCAL_DIR / "cache" / "asyncapi-specs-6.11.1" / "asyncapi-3.0.0-without-id.json"
NPM_TIMEOUT_SECONDS = 180


def official_asyncapi_schema(cached: Path = CACHED_SCHEMA) -> dict[str, Any]:
    """The schema, from the cache or `npm pack` (npm comes with Node.js; the registry is the configured one)."""
    if not cached.exists():
        npm = shutil.which("npm")
        if npm is None:
            raise RuntimeError(f"npm is needed once to fetch {ASYNCAPI_SPECS_PACKAGE} (install Node.js and npm)")
        with tempfile.TemporaryDirectory() as scratch:
            subprocess.run(
                [npm, "pack", ASYNCAPI_SPECS_PACKAGE, "--pack-destination", scratch, "--silent"],
                check=True,
                capture_output=True,
                timeout=NPM_TIMEOUT_SECONDS,
                cwd=scratch,
            )
            tarball = next(Path(scratch).glob("*.tgz"))
            with tarfile.open(tarball) as archive:
                member = archive.extractfile(SCHEMA_MEMBER)
                if member is None:
                    raise RuntimeError(f"{SCHEMA_MEMBER} is not in {ASYNCAPI_SPECS_PACKAGE}")
                content = member.read()
        if hashlib.sha256(content).hexdigest() != SCHEMA_SHA256:
            raise RuntimeError(f"{ASYNCAPI_SPECS_PACKAGE}'s schema does not have the expected digest")
        cached.parent.mkdir(parents=True, exist_ok=True)
        partial = cached.with_suffix(".partial")
        partial.write_bytes(content)
        partial.replace(cached)
    content = cached.read_bytes()
    if hashlib.sha256(content).hexdigest() != SCHEMA_SHA256:
        raise RuntimeError(f"{cached} does not have the expected digest: delete it to fetch it again")
    schema: dict[str, Any] = json.loads(content)
    return schema
