"""The documentation stays true: hooks, connector API, fixtures and error codes are documented,
the example connector works, and the site builds strictly with no CDN. The generated reference
pages, the Get started guide and /docs are tested in tests/docs/."""

from __future__ import annotations

import ast
import importlib
import importlib.util
import inspect
import os
import re
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from types import ModuleType

import pytest
from jsonschema import Draft202012Validator

import harbor.connector
from harbor import hookspecs
from harbor.errors import ERROR_CODES

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
PLUGINS_MD = DOCS / "plugins.md"
INSTALL_MD = DOCS / "install.md"
CONCEPTS_MD = DOCS / "concepts.md"
TESTING_PY = ROOT / "harbor" / "testing.py"

FENCE = re.compile(r"^(```+|~~~+).*?^\1[ \t]*$", re.MULTILINE | re.DOTALL)
TITLED_BLOCK = re.compile(
    r'^```\w+ title="(?P<title>[^"]+)"\n(?P<code>.*?)^```[ \t]*$', re.MULTILINE | re.DOTALL
)
HOOK_IN_HEADING = re.compile(r"`(harbor_\w+)`")
EXTERNAL_URL = re.compile(r"^\s*(https?:)?//", re.IGNORECASE)
CSS_EXTERNAL = re.compile(r"""(@import\s+|url\(\s*)["']?\s*(https?:)?//""", re.IGNORECASE)
ALLOWED_HARBOR_IMPORTS = {"harbor.connector", "harbor.hookspecs", "harbor.contracts"}
TODO_EXAMPLE_FILES = {
    "pyproject.toml",
    "harbor_todo/__init__.py",
    "harbor_todo/plugin.py",
    "harbor_todo/connector.py",
    "tests/test_todo_plugin.py",
}


def prose(path: Path) -> str:
    """The Markdown of a page without its fenced code blocks."""
    return FENCE.sub("", path.read_text(encoding="utf-8"))


def headings(path: Path) -> list[str]:
    """Every Markdown heading line of a page (code blocks excluded)."""
    return [line for line in prose(path).splitlines() if re.match(r"^#{1,6} ", line)]


def titled_blocks(path: Path) -> dict[str, str]:
    """Code blocks written as ```lang title="file"``` by their title."""
    text = path.read_text(encoding="utf-8")
    return {m["title"]: m["code"] for m in TITLED_BLOCK.finditer(text)}


def hook_names() -> set[str]:
    """Every hook spec in harbor/hookspecs.py."""
    return {
        name
        for name, _func in inspect.getmembers(hookspecs, inspect.isfunction)
        if name.startswith("harbor_")
    }


def fixtures_of_the_testing_kit() -> set[str]:
    """Every function decorated with ``pytest.fixture`` in harbor/testing.py."""
    tree = ast.parse(TESTING_PY.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.FunctionDef):
            continue
        for decorator in node.decorator_list:
            target = decorator.func if isinstance(decorator, ast.Call) else decorator
            if ast.unparse(target) in ("pytest.fixture", "fixture"):
                found.add(node.name)
    return found


def mentions(text: str, name: str) -> bool:
    """Whether ``name`` appears in ``text`` as a whole word."""
    return re.search(rf"(?<![\w.]){re.escape(name)}(?!\w)", text) is not None


# --- plugins.md -----------------------------------------------------------------------------


def test_every_hook_has_a_section_in_plugins_md():
    sections = {line.split(" ", 1)[1].strip() for line in headings(PLUGINS_MD)}
    missing = sorted(name for name in hook_names() if f"`{name}`" not in sections)
    assert missing == [], f"add a heading '### `name`' to docs/plugins.md for: {missing}"


def test_every_hook_heading_in_plugins_md_names_a_real_hook():
    named = {hook for line in headings(PLUGINS_MD) for hook in HOOK_IN_HEADING.findall(line)}
    unknown = sorted(named - hook_names())
    assert unknown == [], f"docs/plugins.md has sections for hooks that do not exist: {unknown}"


def test_hook_sections_are_headings_of_exactly_the_hook_name():
    for line in headings(PLUGINS_MD):
        if HOOK_IN_HEADING.search(line):
            assert re.fullmatch(r"#{2,6} `harbor_\w+`", line.strip()), line


def test_every_public_name_of_the_connector_api_is_documented():
    text = PLUGINS_MD.read_text(encoding="utf-8")
    missing = [name for name in harbor.connector.__all__ if not mentions(text, name)]
    assert missing == [], f"document these harbor.connector names in docs/plugins.md: {missing}"


def test_every_testing_fixture_is_documented():
    fixtures = fixtures_of_the_testing_kit()
    assert {"harbor_node", "operator_client", "register_plugin"} <= fixtures
    text = PLUGINS_MD.read_text(encoding="utf-8")
    missing = sorted(name for name in fixtures if f"`{name}`" not in text)
    assert missing == [], f"document these harbor.testing fixtures in docs/plugins.md: {missing}"


# --- install.md and concepts.md -------------------------------------------------------------


def test_install_md_sends_readers_to_the_settings_reference():
    # The settings table itself is generated: tests/docs/test_reference.py checks it.
    assert "(reference/settings.md)" in INSTALL_MD.read_text(encoding="utf-8")


def test_every_error_code_is_in_the_table_of_concepts_md_with_its_status():
    text = CONCEPTS_MD.read_text(encoding="utf-8")
    wrong = []
    for code, (status, _title) in ERROR_CODES.items():
        row = re.search(rf"^\| `{code}` \| ([^|]+) \|", text, re.MULTILINE)
        if row is None or str(status) not in row.group(1):
            wrong.append(f"{code} ({status})")
    assert wrong == [], f"docs/concepts.md lacks or misstates these error codes: {wrong}"


# --- the example connector of plugins.md ----------------------------------------------------


@pytest.fixture
def todo_example(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The harbor-todo example of docs/plugins.md, written to disk and importable."""
    blocks = titled_blocks(PLUGINS_MD)
    assert set(blocks) >= TODO_EXAMPLE_FILES, "docs/plugins.md lost a file of the example"
    root = tmp_path / "harbor-todo"
    for name in TODO_EXAMPLE_FILES:
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(blocks[name], encoding="utf-8")
    monkeypatch.syspath_prepend(str(root))
    yield root
    for module in [m for m in sys.modules if m.split(".")[0] == "harbor_todo"]:
        del sys.modules[module]


def load_file(path: Path, name: str) -> ModuleType:
    """Import a Python file as a module named ``name``."""
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_example_distribution_declares_its_entry_point(todo_example: Path):
    project = tomllib.loads((todo_example / "pyproject.toml").read_text())["project"]
    assert project["name"] == "harbor-todo"
    assert project["entry-points"]["harbor"] == {"todo": "harbor_todo.plugin"}


def test_the_example_connector_imports_only_the_connector_api(todo_example: Path):
    for source in (todo_example / "harbor_todo").glob("*.py"):
        for node in ast.walk(ast.parse(source.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            else:
                continue
            for name in names:
                if name.split(".")[0] == "harbor":
                    assert name in ALLOWED_HARBOR_IMPORTS, f"{source.name} imports {name}"


def test_the_example_connector_registers_and_passes_its_own_tests(
    todo_example: Path, register_plugin, harbor_node
):
    register_plugin(importlib.import_module("harbor_todo.plugin"), "todo-example")
    connector = harbor_node.connectors["todo"]
    Draft202012Validator.check_schema(connector.config_schema)
    for template in connector.templates:
        Draft202012Validator.check_schema(template.input_schema)
        assert template.kind in connector.action_kinds
    # The example's own tests, in a pytest of their own with the example importable; the two
    # that need it installed as a distribution (its entry point) are left out.
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:randomly", "-p", "no:cacheprovider",
         "-k", "not entry_point and not health_lists", "tests/test_todo_plugin.py"],
        cwd=todo_example,
        env={**os.environ, "PYTHONPATH": str(todo_example)},
        capture_output=True,
        text=True,
        timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    passed = re.search(r"(\d+) passed", result.stdout)
    assert passed, result.stdout
    assert int(passed.group(1)) >= 7, result.stdout


# --- the built site -------------------------------------------------------------------------


class ResourceCollector(HTMLParser):
    """Collects the URLs a page loads: scripts, stylesheets and other linked resources."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.in_style = False
        self.styles: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "script" and values.get("src"):
            self.urls.append(values["src"] or "")
        elif tag == "link" and values.get("href") and values.get("rel") != "canonical":
            self.urls.append(values["href"] or "")
        self.in_style = tag == "style"

    def handle_endtag(self, tag: str) -> None:
        if tag == "style":
            self.in_style = False

    def handle_data(self, data: str) -> None:
        if self.in_style:
            self.styles.append(data)


@pytest.fixture(scope="module")
def built_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The site built by ``mkdocs build --strict``."""
    site = tmp_path_factory.mktemp("site")
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(site)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, f"mkdocs build --strict failed:\n{result.stderr}"
    return site


def test_the_docs_build_strictly(built_site: Path):
    for page in (
        "index", "install", "concepts", "architecture", "plugins", "security",
        "get-started/install", "reference/cli", "reference/settings", "reference/rest",
    ):  # fmt: skip
        path = built_site / "index.html" if page == "index" else built_site / page / "index.html"
        assert path.is_file(), f"{page} was not built"


def test_the_built_site_loads_nothing_from_another_host(built_site: Path):
    external = []
    for page in built_site.rglob("*.html"):
        collector = ResourceCollector()
        collector.feed(page.read_text(encoding="utf-8"))
        external += [f"{page.name}: {u}" for u in collector.urls if EXTERNAL_URL.match(u)]
        external += [f"{page.name}: <style>" for s in collector.styles if CSS_EXTERNAL.search(s)]
    for stylesheet in built_site.rglob("*.css"):
        if CSS_EXTERNAL.search(stylesheet.read_text(encoding="utf-8")):
            external.append(stylesheet.name)
    assert external == [], f"the docs load resources from other hosts: {external}"
