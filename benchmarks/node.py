"""Serve a benchmark node: ``python -m benchmarks.node DATA_DIR PORT`` (bench connector loaded)."""

from __future__ import annotations

import sys
from pathlib import Path

import uvicorn

from benchmarks import bench_connector
from harbor.api.app import create_app
from harbor.logs import configure_logging
from harbor.node import Node
from harbor.plugin_manager import PluginManager
from harbor.settings import Settings


def bench_settings(data_dir: Path, port: int, database_url: str | None = None) -> Settings:
    """Settings for a node living in ``data_dir``."""
    return Settings(
        data_dir=data_dir,
        config_dir=data_dir / "config",
        port=port,
        database_url=database_url,
        log_level="warning",
        log_format="text",
    )


def bench_node(settings: Settings) -> Node:
    """A node with the installed plugins plus the benchmark connector."""
    plugins = PluginManager().load_all()
    plugins.register(bench_connector, "bench-connector")
    return Node(settings, plugins=plugins)


def main() -> None:
    """Run uvicorn with one worker, as ``harbor serve`` does."""
    data_dir, port = Path(sys.argv[1]), int(sys.argv[2])
    database_url = sys.argv[3] if len(sys.argv) > 3 else None
    settings = bench_settings(data_dir, port, database_url)
    configure_logging(settings.log_level, settings.log_format)
    app = create_app(node=bench_node(settings))
    uvicorn.run(app, host="127.0.0.1", port=port, log_config=None, access_log=False)


if __name__ == "__main__":
    main()
