"""Import rules: every service's domain stays free of AWS SDKs and web frameworks."""

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
FORBIDDEN = {"aioboto3", "aiobotocore", "boto3", "botocore", "fastapi", "starlette", "httpx", "uvicorn"}
DOMAIN_FILES = sorted(REPO.glob("services/*/src/*/domain/**/*.py"))


def imported_roots(path: Path) -> set[str]:
    roots: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


@pytest.mark.parametrize("path", DOMAIN_FILES, ids=lambda p: str(p.relative_to(REPO)))
def test_domain_modules_import_no_aws_or_web_library(path: Path) -> None:
    assert not imported_roots(path) & FORBIDDEN


def test_every_service_has_a_domain_package() -> None:
    services = {p.name for p in (REPO / "services").iterdir() if p.is_dir()}
    with_domain = {p.relative_to(REPO).parts[1] for p in DOMAIN_FILES}
    assert services == with_domain
