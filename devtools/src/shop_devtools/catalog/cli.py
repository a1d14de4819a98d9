"""`python -m shop_devtools.catalog write [--allow-breaking]` and `... check` (`make catalog`, `make catalog-check`).

`write` regenerates docs/asyncapi.yaml and docs/events.md. It refuses (exit 1) when the new catalog breaks a
published event version of the committed one (HEAD's): publish the change as a new version instead (a v2 model next
to v1). `--allow-breaking` writes it anyway, for a deliberate break you want to look at or land knowingly; it does
not make the break acceptable: `check` still fails on it against the catalog it replaces, in CI too, because a
published version never changes incompatibly. Only a new version, or a version retired in RETIRED_VERSIONS, passes.

`check` exits 1 with one line per problem when the committed files differ from what the code generates ("stale:
run make catalog"), or when the generated catalog breaks a published event version of the baseline (see
`baseline.py` for which committed catalog that is, and `CATALOG_BASE`).
"""

from __future__ import annotations

import argparse
import difflib
import os
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from shop_shared.contracts import EVENT_MODELS, IntegrationEvent
from shop_shared.topology import Topology, load_topology

from shop_devtools.paths import REPO_ROOT

from .baseline import CATALOG_BASE_VARIABLE, Baseline, check_baseline, committed_baseline
from .compat import breaking_changes
from .document import build_document, dump_yaml
from .markdown import render_markdown
from .routes import CatalogError, catalog_events

__all__ = [
    "ASYNCAPI_PATH",
    "EVENTS_PATH",
    "Catalog",
    "breaking_problems",
    "check",
    "generate",
    "main",
    "stale_files",
    "write",
]

ASYNCAPI_PATH = "docs/asyncapi.yaml"
EVENTS_PATH = "docs/events.md"
DIFF_LINES = 30  # of a stale file's diff, printed to show what changed


@dataclass(frozen=True)
class Catalog:
    """The generated catalog: the AsyncAPI document and the text of each file, by path from the repository root."""

    document: dict[str, Any]
    files: dict[str, str]


def generate(
    event_models: Mapping[tuple[str, int], type[IntegrationEvent]] = EVENT_MODELS, topology: Topology | None = None
) -> Catalog:
    topology = topology or load_topology()
    document = build_document(catalog_events(event_models, topology), topology)
    return Catalog(document, {ASYNCAPI_PATH: dump_yaml(document), EVENTS_PATH: render_markdown(document)})


def stale_files(catalog: Catalog, repo_root: Path) -> list[str]:
    """One problem per file that is missing or differs from what the code generates, with the start of its diff."""
    problems = []
    for path, text in catalog.files.items():
        file = repo_root / path
        if not file.exists():
            problems.append(f"{path} is missing: run make catalog")
            continue
        committed = file.read_text(encoding="utf-8")
        if committed != text:
            diff = list(difflib.unified_diff(committed.splitlines(), text.splitlines(), path, "generated", lineterm=""))
            shown = "\n".join(f"    {line}" for line in diff[:DIFF_LINES])
            more = f"\n    ... {len(diff) - DIFF_LINES} more diff lines" if len(diff) > DIFF_LINES else ""
            problems.append(f"{path} is stale: run make catalog\n{shown}{more}")
    return problems


def breaking_problems(catalog: Catalog, baseline: Baseline) -> list[str]:
    if baseline.document is None:
        return []
    return [
        f"breaking change against {baseline.origin}: {line}"
        for line in breaking_changes(baseline.document, catalog.document)
    ]


def check(repo_root: Path = REPO_ROOT, catalog_base: str | None = None, catalog: Catalog | None = None) -> int:
    """Exit code 0 or 1; `catalog` defaults to the one the code generates."""
    catalog = catalog or generate()
    baseline = check_baseline(repo_root, ASYNCAPI_PATH, catalog.files[ASYNCAPI_PATH], catalog_base)
    problems = stale_files(catalog, repo_root) + breaking_problems(catalog, baseline)
    for problem in problems:
        print(f"catalog: {problem}", file=sys.stderr)
    if problems:
        print(f"catalog: {len(problems)} problem(s); see docs/events.md for what breaks and how to bump a version")
        return 1
    compared = "no breaking change against " + baseline.origin if baseline.document else baseline.origin
    print(f"catalog: {ASYNCAPI_PATH} and {EVENTS_PATH} are fresh; {compared}")
    return 0


def write(repo_root: Path = REPO_ROOT, *, allow_breaking: bool = False, catalog: Catalog | None = None) -> int:
    """Exit code 0 (written) or 1 (refused); `catalog` defaults to the one the code generates."""
    catalog = catalog or generate()
    baseline = committed_baseline(repo_root, ASYNCAPI_PATH)
    problems = breaking_problems(catalog, baseline)
    for problem in problems:
        print(f"catalog: {problem}", file=sys.stderr)
    if problems and not allow_breaking:
        print(
            "catalog: not written. Publish the change as a new version (a v2 model next to v1 in EVENT_MODELS); "
            "--allow-breaking (make catalog ARGS=--allow-breaking) writes it anyway, and `make catalog-check` "
            "keeps failing on it",
            file=sys.stderr,
        )
        return 1
    for path, text in catalog.files.items():
        (repo_root / path).parent.mkdir(parents=True, exist_ok=True)
        (repo_root / path).write_text(text, encoding="utf-8")
    print(f"catalog: wrote {', '.join(catalog.files)} ({len(catalog.document['components']['messages'])} messages)")
    return 0


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(prog="catalog", description=(__doc__ or "").split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    write_parser = commands.add_parser("write", help="regenerate docs/asyncapi.yaml and docs/events.md")
    write_parser.add_argument(
        "--allow-breaking", action="store_true", help="write even when a published event version breaks"
    )
    commands.add_parser(
        "check", help=f"fail when the catalog is stale or breaking (baseline: ${CATALOG_BASE_VARIABLE})"
    )
    args = parser.parse_args(argv)
    try:
        if args.command == "write":
            return write(allow_breaking=args.allow_breaking)
        return check(catalog_base=os.environ.get(CATALOG_BASE_VARIABLE))
    except CatalogError as error:
        print(f"catalog: {error}", file=sys.stderr)
        return 1
