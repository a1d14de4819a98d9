"""The contract test: against the committed catalog, a breaking change to order.created v1 is caught, and the same
change shipped as order.created v2 passes. Also: the committed catalog is fresh, and `write` and `check` stay
coherent through a deliberate break (`--allow-breaking` writes it; `check` keeps failing on it, committed or not)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

import pytest
import yaml
from pydantic import create_model
from shop_devtools.catalog import breaking_changes, generate, stale_files
from shop_devtools.catalog.cli import ASYNCAPI_PATH, Catalog, check, write
from shop_devtools.paths import REPO_ROOT
from shop_devtools.testing.git_repo import git
from shop_shared.contracts import EVENT_MODELS, IntegrationEvent, OrderCreated

ORDER_CREATED = (OrderCreated.event_type, OrderCreated.event_version)


def order_created_without(field: str, version: int) -> type[IntegrationEvent]:
    """A copy of OrderCreated, as `version`, without `field`."""
    fields: dict[str, Any] = {
        name: (info.annotation, info) for name, info in OrderCreated.model_fields.items() if name != field
    }
    copied = create_model("OrderCreatedCopy", __base__=IntegrationEvent, **fields)

    class OrderCreatedWithoutField(copied):  # type: ignore[valid-type,misc]
        event_type: ClassVar[str] = OrderCreated.event_type
        event_version: ClassVar[int] = version
        source: ClassVar[str] = OrderCreated.source

    return OrderCreatedWithoutField


class OrderCreatedWithSalesChannel(OrderCreated):
    """OrderCreated v1 with a new required field."""

    sales_channel: str


class OrderCreatedV2WithSalesChannel(OrderCreatedWithSalesChannel):
    event_version: ClassVar[int] = 2


def committed_catalog() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load((REPO_ROOT / ASYNCAPI_PATH).read_text(encoding="utf-8"))
    return document


def catalog_with(models: dict[tuple[str, int], type[IntegrationEvent]]) -> Catalog:
    return generate({**EVENT_MODELS, **models})


def test_the_committed_catalog_is_what_the_code_generates() -> None:
    assert stale_files(generate(), REPO_ROOT) == []


def test_the_committed_catalog_has_no_breaking_change_against_itself() -> None:
    assert breaking_changes(committed_catalog(), generate().document) == []


@pytest.mark.parametrize(
    ("changed", "expected"),
    [
        pytest.param(
            order_created_without("contact_ciphertext", 1),
            "order.created v1: data.contact_ciphertext: field removed",
            id="field removed",
        ),
        pytest.param(
            OrderCreatedWithSalesChannel,
            "order.created v1: data.sales_channel: required field added",
            id="required field added",
        ),
    ],
)
def test_a_breaking_change_to_order_created_v1_is_caught(changed: type[IntegrationEvent], expected: str) -> None:
    assert breaking_changes(committed_catalog(), catalog_with({ORDER_CREATED: changed}).document) == [expected]


@pytest.mark.parametrize(
    "v2",
    [
        pytest.param(order_created_without("contact_ciphertext", 2), id="field removed"),
        pytest.param(OrderCreatedV2WithSalesChannel, id="required field added"),
    ],
)
def test_the_same_change_shipped_as_order_created_v2_passes(v2: type[IntegrationEvent]) -> None:
    catalog = catalog_with({(OrderCreated.event_type, 2): v2})

    assert "order.created.v2" in catalog.document["components"]["messages"]
    assert breaking_changes(committed_catalog(), catalog.document) == []


def test_v2_replacing_v1_instead_of_joining_it_is_caught() -> None:
    models = {key: model for key, model in EVENT_MODELS.items() if key != ORDER_CREATED}
    catalog = generate({**models, (OrderCreated.event_type, 2): OrderCreatedV2WithSalesChannel})

    (problem,) = breaking_changes(committed_catalog(), catalog.document)
    assert problem.startswith("order.created v1: removed while order.created is still produced (as v2)")


# The commands, on a repository of the test's own with the real catalog committed.


def commit_all(repo: Path, message: str) -> None:
    git(repo, "add", "--all")
    git(repo, "commit", "--quiet", "--no-gpg-sign", "--message", message)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A repository whose one commit holds the catalog the code generates."""
    git(tmp_path, "init", "--quiet")
    assert write(tmp_path) == 0
    commit_all(tmp_path, "the catalog")
    return tmp_path


def files(repo: Path, catalog: Catalog) -> bool:
    return all((repo / path).read_text(encoding="utf-8") == text for path, text in catalog.files.items())


def test_a_deliberate_break_is_written_only_when_allowed_and_check_fails_on_it_committed_or_not(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    current, broken = generate(), catalog_with({ORDER_CREATED: order_created_without("contact_ciphertext", 1)})
    assert check(repo, catalog=current) == 0

    assert write(repo, catalog=broken) == 1
    assert files(repo, current)
    assert "data.contact_ciphertext: field removed" in capsys.readouterr().err

    assert write(repo, catalog=broken, allow_breaking=True) == 0
    assert files(repo, broken)
    # Before committing: fresh, but breaking against HEAD.
    assert check(repo, catalog=broken) == 1
    assert "breaking change against HEAD (the change is not committed yet)" in capsys.readouterr().err

    # Committed, as CI sees it on a clean clone: breaking against HEAD's parent.
    commit_all(repo, "order.created v1 without the contact")
    assert check(repo, catalog=broken) == 1
    assert "breaking change against HEAD~1" in capsys.readouterr().err


def test_a_stale_catalog_fails_the_check_with_the_command_that_fixes_it(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (repo / ASYNCAPI_PATH).write_text("# edited by hand\n", encoding="utf-8")

    assert check(repo, catalog=generate()) == 1
    assert "docs/asyncapi.yaml is stale: run make catalog" in capsys.readouterr().err


def test_the_change_as_a_new_version_is_written_and_passes_before_and_after_committing(repo: Path) -> None:
    bumped = catalog_with({(OrderCreated.event_type, 2): order_created_without("contact_ciphertext", 2)})

    assert write(repo, catalog=bumped) == 0
    assert check(repo, catalog=bumped) == 0
    commit_all(repo, "order.created v2")
    assert check(repo, catalog=bumped) == 0
