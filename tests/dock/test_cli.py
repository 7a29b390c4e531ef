"""``harbor dock preview|import`` and ``harbor packs export|import`` against a live node."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from harbor.api.app import create_app
from harbor.dock.signing import public_key_text, write_signed
from tests.conftest import serving
from tests.dock.conftest import catalog_manifest


@pytest.fixture
def live_node(harbor_node, operator_token, cli_home, monkeypatch, publisher_key) -> Iterator[str]:
    """The test node under uvicorn on loopback, trusting ``publisher_key``; the CLI points at it."""
    from harbor.contracts import OperatorSettingsUpdate
    from harbor.runtime import state

    with harbor_node.store.session() as session:
        state.update_operator_settings(
            session,
            OperatorSettingsUpdate(
                trusted_dock_publishers=[public_key_text(publisher_key.public_key())]
            ),
        )
    with serving(create_app(node=harbor_node)) as url:
        monkeypatch.setenv("HARBOR_URL", url)
        monkeypatch.setenv("HARBOR_TOKEN", operator_token)
        yield url


def test_preview_and_import_a_signed_file(live_node, harbor_cli, tmp_path, publisher_key):
    manifest = tmp_path / "todoist-tasks.json"
    write_signed(manifest, catalog_manifest("todoist-tasks"), publisher_key)

    preview = harbor_cli("dock", "preview", str(manifest))
    imported = harbor_cli("dock", "import", str(manifest), "--port", "todo", "--json")

    assert preview.exit_code == 0, preview.stderr
    assert "Todoist tasks 1.0.0 (todoist-tasks) from inline" in preview.stdout
    assert "todoist.add_task" in preview.stdout
    assert "secret to set: bearer_token" in preview.stdout
    assert imported.exit_code == 0, imported.stderr
    result = json.loads(imported.stdout)
    assert result["preview"]["port"]["name"] == "todo"
    assert len(result["drafts"]) == 3


def test_a_tampered_file_is_one_error_line(live_node, harbor_cli, tmp_path, publisher_key):
    manifest = tmp_path / "todoist-tasks.json"
    write_signed(manifest, catalog_manifest("todoist-tasks"), publisher_key)
    document = json.loads(manifest.read_text())
    document["actions"][0]["risk"] = "destructive"
    manifest.write_text(json.dumps(document))

    result = harbor_cli("dock", "import", str(manifest))

    assert result.exit_code == 1
    assert result.stderr.startswith("error: the signature does not match the document")
    assert result.stderr.count("\n") == 1


def test_a_missing_file_is_one_error_line(live_node, harbor_cli, tmp_path):
    result = harbor_cli("dock", "preview", str(tmp_path / "nope.json"))

    assert result.exit_code == 1
    assert result.stderr.startswith("error: cannot read")


def test_packs_export_then_import_with_rename(live_node, harbor_cli, tmp_path, publisher_key):
    manifest = tmp_path / "ntfy.json"
    write_signed(manifest, catalog_manifest("ntfy-notifications"), publisher_key)
    assert harbor_cli("dock", "import", str(manifest), "--publish").exit_code == 0
    pack = tmp_path / "node.harborpack.json"

    exported = harbor_cli("packs", "export", "--out", str(pack))
    data = json.loads(pack.read_text())
    data["ports"][0]["description"] = "ntfy, second account"
    pack.write_text(json.dumps(data))
    planned = harbor_cli("packs", "import", str(pack), "--on-conflict", "rename")
    applied = harbor_cli("packs", "import", str(pack), "--apply", "--on-conflict", "rename")

    assert exported.exit_code == 0, exported.stderr
    assert "1 ports, 1 actions, 1 rules" in exported.stdout
    assert "not applied (dry run: add --apply)" in planned.stdout
    assert applied.exit_code == 0, applied.stderr
    assert "ntfy-2" in applied.stdout
    assert "secret to set: ntfy-2/bearer_token" in applied.stdout
    assert "2 conflicts (rename); applied" in applied.stdout  # the port and its rule
