"""Commands that need no node: version, config show, plugins, init."""

from __future__ import annotations

import json
import stat
from importlib.metadata import EntryPoint

import pytest

from harbor.node import Node
from harbor.runtime import identity, setup
from harbor.settings import load_settings

PASSWORD = "a long operator passphrase"


def test_version_names_harbor_and_the_client(harbor_cli):
    result = harbor_cli("version", "--json")
    assert result.exit_code == 0
    info = json.loads(result.stdout)
    assert info["harbor"] == "0.1.0"
    assert info["harbor-client"] == "0.1.0"


def test_config_show_says_where_each_value_came_from(harbor_cli, cli_home, monkeypatch):
    cli_home.config_dir.mkdir(parents=True)
    (cli_home.config_dir / "harbor.toml").write_text('log_level = "debug"\nport = 9000\n')
    monkeypatch.setenv("HARBOR_PORT", "9100")
    result = harbor_cli("config", "show", "--json")
    assert result.exit_code == 0, result.stderr
    rows = {row["name"]: row for row in json.loads(result.stdout)}
    assert rows["log_level"]["value"] == "debug"
    assert rows["log_level"]["source"].startswith("file ")
    assert rows["port"] == {"name": "port", "value": 9100, "source": "env HARBOR_PORT"}
    assert rows["host"]["source"] == "default"


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("port = [", "malformed config file"),
        ("colour = 'blue'\n", "unknown setting 'colour'"),
        ("port = 'high'\n", "invalid value for 'port'"),
    ],
)
def test_bad_config_file_is_one_line_and_exit_1(harbor_cli, cli_home, content, expected):
    cli_home.config_dir.mkdir(parents=True)
    (cli_home.config_dir / "harbor.toml").write_text(content)
    result = harbor_cli("config", "show")
    assert result.exit_code == 1
    assert result.stderr.startswith("error: ")
    assert expected in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr


def test_plugins_lists_builtins_and_the_four_connectors(harbor_cli):
    result = harbor_cli("plugins", "--json")
    assert result.exit_code == 0
    plugins = {p["name"]: p for p in json.loads(result.stdout)["plugins"]}
    assert plugins["harbor.plugins.core_api"]["builtin"] is True
    for name in ("http_api", "webhook", "discord", "github"):
        assert plugins[name]["status"] == "loaded"
        assert plugins[name]["distribution"] == f"harbor-{name.replace('_', '-')}"
        assert plugins[name]["connectors"] == [name]


def test_plugins_shows_a_broken_plugin_as_failed(harbor_cli, monkeypatch):
    import harbor.plugin_manager as plugin_manager

    real = plugin_manager.entry_points
    broken = EntryPoint("broken", "harbor_no_such_module.plugin", "harbor")
    monkeypatch.setattr(plugin_manager, "entry_points", lambda group: [*real(group=group), broken])
    result = harbor_cli("plugins", "--json")
    assert result.exit_code == 0
    plugins = {p["name"]: p for p in json.loads(result.stdout)["plugins"]}
    assert plugins["broken"]["status"] == "failed"
    assert "harbor_no_such_module" in plugins["broken"]["error"]
    assert plugins["github"]["status"] == "loaded"


def _node(cli_home) -> Node:
    node = Node(load_settings())
    node.prepare()
    return node


def test_init_exchanges_the_setup_token_and_saves_a_private_token(harbor_cli, cli_home):
    node = _node(cli_home)
    with node.store.session() as session:
        token = setup.bootstrap_operator(session, None)
    assert token
    result = harbor_cli("init", "--setup-token", token, "--password-stdin", input=PASSWORD + "\n")
    assert result.exit_code == 0, result.stderr
    saved = cli_home.token_file.read_text().strip()
    assert stat.S_IMODE(cli_home.token_file.stat().st_mode) == 0o600
    with node.store.session() as session:
        assert identity.authenticate(session, saved).is_operator
        identity.check_operator_password(session, PASSWORD)
    node.close()


def test_init_with_a_wrong_setup_token_changes_nothing(harbor_cli, cli_home):
    node = _node(cli_home)
    with node.store.session() as session:
        setup.bootstrap_operator(session, None)
    result = harbor_cli("init", "--setup-token", "hbs_wrong", "--password-stdin", input=PASSWORD)
    assert result.exit_code == 1
    assert result.stderr == "error: wrong setup token; use the one the node printed at start\n"
    assert not cli_home.token_file.exists()
    with node.store.session() as session:
        assert setup.needs_setup(session)
    node.close()


def test_init_without_the_waiting_setup_token_says_how(harbor_cli, cli_home):
    node = _node(cli_home)
    with node.store.session() as session:
        setup.bootstrap_operator(session, None)
    node.close()
    result = harbor_cli("init", "--password-stdin", input=PASSWORD)
    assert result.exit_code == 1
    assert "--setup-token" in result.stderr


def test_init_refuses_a_short_password(harbor_cli, cli_home):
    result = harbor_cli("init", "--password-stdin", input="short\n")
    assert result.exit_code == 1
    assert "at least 12 characters" in result.stderr
    assert not cli_home.token_file.exists()


def test_init_after_setup_checks_the_password(harbor_cli, cli_home, monkeypatch):
    monkeypatch.setenv("HARBOR_ADMIN_PASSWORD", PASSWORD)
    first = harbor_cli("init")
    assert first.exit_code == 0, first.stderr
    monkeypatch.delenv("HARBOR_ADMIN_PASSWORD")
    cli_home.token_file.unlink()
    wrong = harbor_cli("init", "--password-stdin", input="not the password\n")
    assert wrong.exit_code == 1
    assert wrong.stderr == "error: wrong password\n"
    assert not cli_home.token_file.exists()
    right = harbor_cli("init", "--password-stdin", input=PASSWORD + "\n")
    assert right.exit_code == 0
    assert cli_home.token_file.read_text().startswith("hbo_")


def test_unwritable_data_dir_is_a_clear_error(harbor_cli, cli_home, monkeypatch):
    blocker = cli_home.root / "file-not-dir"
    blocker.write_text("")
    monkeypatch.setenv("HARBOR_DATA_DIR", str(blocker / "data"))
    result = harbor_cli("init", "--password-stdin", input=PASSWORD)
    assert result.exit_code == 1
    assert "HARBOR_DATA_DIR" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_database_that_does_not_connect_is_a_clear_error(harbor_cli, monkeypatch):
    monkeypatch.setenv("HARBOR_DATABASE_URL", "postgresql+psycopg://nobody@127.0.0.1:1/none")
    result = harbor_cli("init", "--password-stdin", input=PASSWORD)
    assert result.exit_code == 1
    assert result.stderr.startswith("error: cannot connect to database")
    assert "HARBOR_DATABASE_URL" in result.stderr


def test_commands_for_the_node_need_a_token(harbor_cli):
    result = harbor_cli("agents", "list")
    assert result.exit_code == 1
    assert "harbor init" in result.stderr
