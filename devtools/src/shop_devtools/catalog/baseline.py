"""The baseline: the last committed catalog from before the change under test, read from git.

`check` (CI, `make lint`) chooses it so that the change under test is never its own baseline:
- `CATALOG_BASE=<rev>` set (a pipeline that knows where the change starts, e.g. a pull request's merge base):
  that revision's catalog; a revision git cannot find is an error, not a pass.
- the catalog generated from the working tree differs from HEAD's: the change is not committed yet (a developer
  before committing, whether or not the catalog was regenerated): HEAD's catalog.
- it equals HEAD's: the change, if any, is HEAD's commit (CI on a clean clone): the catalog of HEAD's parent.
`write` compares with HEAD's catalog, the one a commit would replace.
No repository, no parent commit (a shallow clone, the first commit) or no catalog at that revision (the first
catalog): no baseline; the check says so and compares nothing.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from .routes import CatalogError

__all__ = ["CATALOG_BASE_VARIABLE", "Baseline", "check_baseline", "committed_baseline"]

CATALOG_BASE_VARIABLE = "CATALOG_BASE"
GIT_TIMEOUT_SECONDS = 30.0


@dataclass(frozen=True)
class Baseline:
    """The baseline catalog, or None with the reason there is none; `origin` says where it came from."""

    document: dict[str, Any] | None
    origin: str


def check_baseline(
    repo_root: Path, catalog_path: str, generated_text: str, catalog_base: str | None = None
) -> Baseline:
    if catalog_base:
        return _baseline_at(repo_root, catalog_path, catalog_base, f"{CATALOG_BASE_VARIABLE}={catalog_base}", True)
    head = _commit(repo_root, "HEAD")
    if head is None:
        return Baseline(None, "no baseline: not a git repository with a commit (nothing to compare with)")
    if _show(repo_root, head, catalog_path) != generated_text:
        return _baseline_at(repo_root, catalog_path, "HEAD", "HEAD (the change is not committed yet)", False)
    return _baseline_at(repo_root, catalog_path, "HEAD~1", "HEAD~1 (HEAD's catalog is the one generated)", False)


def committed_baseline(repo_root: Path, catalog_path: str) -> Baseline:
    return _baseline_at(repo_root, catalog_path, "HEAD", "HEAD (the committed catalog)", False)


def _baseline_at(repo_root: Path, catalog_path: str, revision: str, origin: str, required: bool) -> Baseline:
    commit = _commit(repo_root, revision)
    if commit is None:
        if required:
            raise CatalogError(f"{origin}: git knows no such commit here")
        return Baseline(
            None, f"no baseline: {revision} is not in this clone's history (a shallow clone or the first commit)"
        )
    text = _show(repo_root, commit, catalog_path)
    if text is None:
        return Baseline(None, f"no baseline: {revision} has no {catalog_path} (the first catalog), nothing to compare")
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise CatalogError(f"{catalog_path} at {origin} is not YAML: {error}") from error
    if not isinstance(document, dict):
        raise CatalogError(f"{catalog_path} at {origin} is not a catalog")
    return Baseline(document, f"{origin}, commit {commit[:12]}")


def _commit(repo_root: Path, revision: str) -> str | None:
    result = _git(repo_root, "rev-parse", "--verify", "--quiet", f"{revision}^{{commit}}")
    return result.strip() if result else None


def _show(repo_root: Path, commit: str, path: str) -> str | None:
    return _git(repo_root, "show", f"{commit}:{path}")


def _git(repo_root: Path, *arguments: str) -> str | None:
    """git's output, or None when git is missing or the command fails (an unknown revision, a missing file)."""
    try:
        result = subprocess.run(
            ["git", "-C", str(repo_root), *arguments],
            capture_output=True,
            text=True,
            encoding="utf-8",
            timeout=GIT_TIMEOUT_SECONDS,
            check=False,
        )
    except FileNotFoundError:
        return None
    return result.stdout if result.returncode == 0 else None
