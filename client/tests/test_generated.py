"""The synchronous client is generated from the asynchronous one and must stay current."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import harbor_client

PACKAGE = Path(harbor_client.__file__).parent
SCRIPT = PACKAGE.parent / "scripts" / "unasync_client.py"


def test_the_checked_in_sync_client_matches_the_async_source(tmp_path):
    spec = importlib.util.spec_from_file_location("unasync_client", SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    script.generate(PACKAGE, tmp_path / "_sync")
    fresh = {p.name: p.read_text() for p in (tmp_path / "_sync").glob("*.py")}
    checked_in = {p.name: p.read_text() for p in (PACKAGE / "_sync").glob("*.py")}
    assert fresh == checked_in, "run: python client/scripts/unasync_client.py"


def test_both_clients_have_the_same_public_methods():
    def public(cls: type) -> set[str]:
        return {name for name in dir(cls) if not name.startswith("_")}

    sync = public(harbor_client.HarborClient)
    async_ = public(harbor_client.AsyncHarborClient)
    assert sync - {"close"} == async_ - {"aclose"}
    assert {"call", "wait_for", "cancel", "get_call", "list_actions"} <= sync
