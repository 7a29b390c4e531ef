"""The benchmark: direct calls vs governed calls through Harbor, audit queries, start-up.

``python -m benchmarks.run [--json FILE] [--quick]`` starts, on loopback only:

- a minimal aiohttp upstream (its own process);
- a Harbor node (its own process, SQLite in a temporary data directory, ``synchronous=FULL``)
  with a published ``read`` action that the default policy allows, pointing at the upstream;
- the aiohttp load generator (its own process), once straight at the upstream and once
  through ``POST /api/v1/calls``, at concurrency 1 and 32;

then measures ``GET /api/v1/audit`` with filters on a node holding 1,000,000 audit events,
cold start to the first 200 and idle RSS. Every figure is printed and, with ``--json``, saved.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from benchmarks.audit_fill import fill_audit
from benchmarks.node import bench_node, bench_settings
from harbor.contracts import AgentCreate, DraftCreate, PortCreate

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def spawn(*args: str) -> subprocess.Popen[bytes]:
    """A child process running ``python -m ARGS`` from the repository root."""
    return subprocess.Popen(
        [sys.executable, "-m", *args], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )


def wait_for(url: str, proc: subprocess.Popen[bytes], timeout: float = 30) -> float:
    """Seconds until ``url`` answers 200 (fails if the process dies)."""
    start = time.perf_counter()
    while time.perf_counter() - start < timeout:
        if proc.poll() is not None:
            raise SystemExit(f"{url}: process exited: {proc.stderr.read().decode()[-2000:]}")  # type: ignore[union-attr]
        try:
            if httpx.get(url, timeout=0.5).status_code == 200:
                return time.perf_counter() - start
        except httpx.TransportError:
            pass
        time.sleep(0.01)
    raise SystemExit(f"{url} did not answer in {timeout} s")


def rss_mib(pid: int) -> float:
    """Resident set size of a process, in MiB (Linux)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def load(url: str, requests: int, concurrency: int, *extra: str) -> dict[str, Any]:
    """Run the load generator in its own process and return its figures."""
    out = subprocess.run(
        [sys.executable, "-m", "benchmarks.load", url, "--requests", str(requests),
         "--concurrency", str(concurrency), "--warmup", str(min(200, requests // 5)), *extra],
        cwd=ROOT, check=True, capture_output=True, text=True,
    )  # fmt: skip
    figures: dict[str, Any] = json.loads(out.stdout)
    return figures


def prepare_node(data_dir: Path, upstream_url: str) -> tuple[str, str]:
    """Operator, agent, port and a published read action; returns (operator token, agent key)."""
    from harbor.runtime import drafts, identity, ports

    node = bench_node(bench_settings(data_dir, 0)).start()
    with node.store.session() as session:
        identity.create_operator(session, "benchmark operator passphrase")
        token = identity.create_operator_token(session, "bench").token
        key = identity.create_agent(session, AgentCreate(name="bench", scopes=["*.*"])).key.key
        ports.create_port(
            session, node,
            PortCreate(name="up", connector="bench_get",
                       config={"base_url": upstream_url, "allow_private_hosts": ["127.0.0.1"]}),
        )  # fmt: skip
        draft = drafts.create_draft(
            session, "up",
            DraftCreate(action="read_item", kind="get", description="Read one item", risk="read",
                        input_schema={"type": "object",
                                      "properties": {"id": {"type": "integer"}}},
                        definition={"path": "/items"}),
        )  # fmt: skip
    with node.store.session() as session:
        drafts.validate_draft(session, node, draft.id)
        drafts.publish_draft(session, draft.id, force=True)
    node.close()
    return token, key


def bench_calls(quick: bool, work: Path) -> dict[str, Any]:
    """Direct vs governed calls at concurrency 1 and 32, cold start, idle RSS."""
    upstream_port, node_port = free_port(), free_port()
    upstream = spawn("benchmarks.upstream", str(upstream_port))
    upstream_url = f"http://127.0.0.1:{upstream_port}"
    data_dir = work / "calls"
    token, key = prepare_node(data_dir, upstream_url)
    node = spawn("benchmarks.node", str(data_dir), str(node_port))
    results: dict[str, Any] = {}
    try:
        wait_for(f"{upstream_url}/items/0", upstream)
        node_url = f"http://127.0.0.1:{node_port}"
        results["cold_start_s"] = round(wait_for(f"{node_url}/api/v1/health", node), 3)
        time.sleep(2)
        results["idle_rss_mib"] = rss_mib(node.pid)
        call = json.dumps({"action": "up.read_item", "arguments": {"id": 7}})
        auth = f"Authorization:Bearer {key}"
        for concurrency, count in ((1, 300 if quick else 1000), (32, 1000 if quick else 3000)):
            direct = load(f"{upstream_url}/items/7", count, concurrency)
            governed = load(f"{node_url}/api/v1/calls", count, concurrency, "--post", call,
                            "--header", auth)  # fmt: skip
            results[f"c{concurrency}"] = {
                "direct": direct,
                "harbor": governed,
                "added_p50_ms": round(governed["p50_ms"] - direct["p50_ms"], 3),
                "added_p99_ms": round(governed["p99_ms"] - direct["p99_ms"], 3),
                "throughput_ratio": round(governed["rps"] / direct["rps"], 3),
            }
        results["peak_rss_mib"] = rss_mib(node.pid)
        results["operator_token_for_audit"] = token
    finally:
        node.terminate()
        upstream.terminate()
        node.wait(10)
        upstream.wait(10)
    results.pop("operator_token_for_audit")
    return results


def bench_audit(quick: bool, work: Path) -> dict[str, Any]:
    """Filtered audit pages on a node holding many events."""
    events = 100_000 if quick else 1_000_000
    data_dir = work / "audit"
    token, _key = prepare_node(data_dir, "http://127.0.0.1:9")
    started = time.perf_counter()
    fill_audit(bench_settings(data_dir, 0), events)
    fill_seconds = round(time.perf_counter() - started, 1)
    port = free_port()
    node = spawn("benchmarks.node", str(data_dir), str(port))
    url = f"http://127.0.0.1:{port}/api/v1/audit"
    figures: dict[str, Any] = {"events": events, "fill_s": fill_seconds}
    try:
        wait_for(f"http://127.0.0.1:{port}/api/v1/health", node)
        auth = f"Authorization:Bearer {token}"
        for name, query in (
            ("newest_page", "?limit=50"),
            ("by_type", "?type=call.succeeded&limit=50"),
            ("by_type_prefix", "?type=call.&limit=50"),
            ("by_action", "?action=up.read_item&outcome=failed&limit=50"),
            ("by_call", "?call=call_000000000000000000123456"),
        ):
            figures[name] = load(url + query, 200 if quick else 500, 1, "--header", auth)
    finally:
        node.terminate()
        node.wait(10)
    return figures


def main() -> None:
    """Run everything; print the figures; save them with --json."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--json", type=Path, help="write the figures to this file")
    parser.add_argument("--quick", action="store_true", help="fewer requests and events")
    parser.add_argument("--skip-audit", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="harbor-bench-") as tmp:
        figures: dict[str, Any] = {
            "machine": {"python": platform.python_version(), "cpus": os.cpu_count(),
                        "platform": platform.platform()},
            "calls": bench_calls(args.quick, Path(tmp)),
        }  # fmt: skip
        if not args.skip_audit:
            figures["audit"] = bench_audit(args.quick, Path(tmp))
    text = json.dumps(figures, indent=2)
    print(text)
    if args.json:
        args.json.write_text(text + "\n")


if __name__ == "__main__":
    main()
