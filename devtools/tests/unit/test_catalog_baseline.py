"""Which committed catalog `check` compares with: HEAD's parent once the change is committed, HEAD while it is not,
CATALOG_BASE when set, and nothing (said so) without history or without a committed catalog."""

from __future__ import annotations

from pathlib import Path

import pytest
from shop_devtools.catalog import CatalogError
from shop_devtools.catalog.baseline import check_baseline, committed_baseline
from shop_devtools.testing.git_repo import git

CATALOG = "docs/asyncapi.yaml"
FIRST, SECOND, UNCOMMITTED = (f"asyncapi: 3.0.0\ninfo: {{title: catalog {n}}}\n" for n in ("one", "two", "three"))


def commit(repo: Path, path: str, text: str) -> str:
    (repo / path).parent.mkdir(parents=True, exist_ok=True)
    (repo / path).write_text(text, encoding="utf-8")
    git(repo, "add", path)
    git(repo, "commit", "--quiet", "--no-gpg-sign", "--message", f"{path}: {text[:30]}")
    return git(repo, "rev-parse", "HEAD")


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    git(tmp_path, "init", "--quiet")
    return tmp_path


def title(document: object) -> str:
    assert isinstance(document, dict)
    return str(document["info"]["title"])


def test_once_committed_the_baseline_is_the_parents_catalog(repo: Path) -> None:
    commit(repo, CATALOG, FIRST)
    commit(repo, CATALOG, SECOND)

    baseline = check_baseline(repo, CATALOG, SECOND)

    assert title(baseline.document) == "catalog one"
    assert baseline.origin.startswith("HEAD~1")


def test_before_committing_the_baseline_is_heads_catalog(repo: Path) -> None:
    commit(repo, CATALOG, FIRST)
    commit(repo, CATALOG, SECOND)

    baseline = check_baseline(repo, CATALOG, UNCOMMITTED)

    assert title(baseline.document) == "catalog two"
    assert baseline.origin.startswith("HEAD (the change is not committed yet)")


def test_catalog_base_names_the_baseline(repo: Path) -> None:
    first = commit(repo, CATALOG, FIRST)
    commit(repo, CATALOG, SECOND)
    commit(repo, "README.md", "unrelated\n")

    baseline = check_baseline(repo, CATALOG, SECOND, catalog_base=first)

    assert title(baseline.document) == "catalog one"
    assert baseline.origin.startswith(f"CATALOG_BASE={first}")


def test_a_catalog_base_git_cannot_find_is_an_error_not_a_pass(repo: Path) -> None:
    commit(repo, CATALOG, FIRST)

    with pytest.raises(CatalogError, match="no-such-revision"):
        check_baseline(repo, CATALOG, FIRST, catalog_base="no-such-revision")


def test_the_first_commit_has_no_parent_to_compare_with(repo: Path) -> None:
    commit(repo, CATALOG, FIRST)

    baseline = check_baseline(repo, CATALOG, FIRST)

    assert baseline.document is None
    assert baseline.origin == "no baseline: HEAD~1 is not in this clone's history (a shallow clone or the first commit)"


def test_the_first_catalog_has_nothing_to_compare_with(repo: Path) -> None:
    commit(repo, "README.md", "before the catalog\n")

    baseline = check_baseline(repo, CATALOG, FIRST)

    assert baseline.document is None
    assert baseline.origin == "no baseline: HEAD has no docs/asyncapi.yaml (the first catalog), nothing to compare"


def test_outside_a_repository_there_is_no_baseline(tmp_path: Path) -> None:
    baseline = check_baseline(tmp_path, CATALOG, FIRST)

    assert baseline.document is None
    assert baseline.origin.startswith("no baseline: not a git repository")


def test_write_compares_with_heads_catalog(repo: Path) -> None:
    commit(repo, CATALOG, FIRST)
    commit(repo, CATALOG, SECOND)

    assert title(committed_baseline(repo, CATALOG).document) == "catalog two"


def test_a_committed_catalog_that_is_not_yaml_is_an_error(repo: Path) -> None:
    commit(repo, CATALOG, "asyncapi: [unclosed\n")

    with pytest.raises(CatalogError, match="is not YAML"):
        committed_baseline(repo, CATALOG)
