"""The architecture, checked: one shape for every service, layers kept, nothing too big to read.

`make lint` runs the import contracts of pyproject.toml ([tool.importlinter]); this test checks what they cannot:
every service has the same composition root, entry point and exceptions module, batch-worker uses only loyalty's
published module, no production package ships test fakes, and no source module outgrows a reading.
"""

import ast
import importlib
import inspect
import pkgutil
from pathlib import Path

import pytest
from shop_shared.composition import Container

REPO = Path(__file__).resolve().parents[3]
FORBIDDEN_IN_DOMAIN = {"aioboto3", "aiobotocore", "boto3", "botocore", "fastapi", "starlette", "httpx", "uvicorn"}
DOMAIN_FILES = sorted(REPO.glob("services/*/src/*/domain/**/*.py"))
SOURCE_FILES = sorted(
    path
    for pattern in ("services/*/src/**/*.py", "shared/src/**/*.py", "devtools/src/**/*.py")
    for path in REPO.glob(pattern)
)
MAX_MODULE_LINES = 300
SERVICES = {
    "order": ("shop_order", "OrderContainer"),
    "payment": ("shop_payment", "PaymentContainer"),
    "loyalty": ("shop_loyalty", "LoyaltyContainer"),
    "notifications": ("shop_notifications", "NotificationsContainer"),
    "batch-worker": ("shop_batch_worker", "BatchWorkerContainer"),
}


def imported_modules(path: Path) -> set[str]:
    modules: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            modules.add(node.module)
    return modules


def modules_of(package: str) -> list[str]:
    root = importlib.import_module(package)
    return [package] + [info.name for info in pkgutil.walk_packages(root.__path__, f"{package}.")]


def relative(path: Path) -> str:
    return str(path.relative_to(REPO))


@pytest.mark.parametrize("path", DOMAIN_FILES, ids=relative)
def test_domain_modules_import_no_aws_or_web_library(path: Path) -> None:
    assert not {module.split(".")[0] for module in imported_modules(path)} & FORBIDDEN_IN_DOMAIN


def test_every_service_has_a_domain_package() -> None:
    services = {p.name for p in (REPO / "services").iterdir() if p.is_dir()}
    with_domain = {p.relative_to(REPO).parts[1] for p in DOMAIN_FILES}
    assert services == with_domain == set(SERVICES)


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_every_service_has_the_same_composition_root_and_entry_point(service: str) -> None:
    package, container_name = SERVICES[service]
    bootstrap_module = importlib.import_module(f"{package}.bootstrap")
    container = getattr(bootstrap_module, container_name)
    assert issubclass(container, Container)
    assert inspect.iscoroutinefunction(bootstrap_module.bootstrap)
    assert list(inspect.signature(bootstrap_module.bootstrap).parameters) == ["settings", "stack"]

    create_app = importlib.import_module(f"{package}.entrypoints.api").create_app
    parameters = inspect.signature(create_app).parameters
    assert list(parameters) == ["settings", "build"]
    assert parameters["build"].kind is inspect.Parameter.KEYWORD_ONLY
    assert parameters["build"].default is bootstrap_module.bootstrap


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_a_service_defines_its_exceptions_in_one_module(service: str) -> None:
    package, _ = SERVICES[service]
    importlib.import_module(f"{package}.exceptions")
    defined_elsewhere = [
        f"{name}.{cls.__name__}"
        for name in modules_of(package)
        if name not in {f"{package}.exceptions", f"{package}.__main__"}
        for cls in vars(importlib.import_module(name)).values()
        if inspect.isclass(cls) and issubclass(cls, BaseException) and cls.__module__ == name
    ]
    assert defined_elsewhere == []


def test_batch_worker_uses_only_the_published_loyalty_module() -> None:
    loyalty_imports = {
        module
        for path in REPO.glob("services/batch-worker/src/**/*.py")
        for module in imported_modules(path)
        if module.split(".")[0] == "shop_loyalty"
    }
    assert loyalty_imports and all(
        module == "shop_loyalty.tiers" or module.startswith("shop_loyalty.tiers.") for module in loyalty_imports
    )


@pytest.mark.parametrize("path", SOURCE_FILES, ids=relative)
def test_no_source_module_outgrows_a_reading(path: Path) -> None:
    assert len(path.read_text().splitlines()) <= MAX_MODULE_LINES


@pytest.mark.parametrize("path", SOURCE_FILES, ids=relative)
def test_production_packages_ship_no_test_fakes(path: Path) -> None:
    classes = [node.name for node in ast.walk(ast.parse(path.read_text())) if isinstance(node, ast.ClassDef)]
    assert not [name for name in classes if name.startswith(("InMemory", "Fake", "Stub"))]
