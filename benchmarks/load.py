"""A closed-loop load generator in its own process (aiohttp): prints latencies as JSON.

``python -m benchmarks.load URL --requests N --concurrency C [--post JSON] [--header K:V]``
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time

import aiohttp


def percentile(sorted_values: list[float], q: float) -> float:
    """The q-th percentile (0..100) of already sorted values, nearest rank."""
    if not sorted_values:
        return 0.0
    rank = max(0, min(len(sorted_values) - 1, round(q / 100 * len(sorted_values)) - 1))
    return sorted_values[rank]


async def run(args: argparse.Namespace) -> dict[str, object]:
    """Send ``requests`` requests with ``concurrency`` workers; return the figures."""
    headers = dict(h.split(":", 1) for h in args.header)
    body = json.loads(args.post) if args.post else None
    latencies: list[float] = []
    errors: dict[str, int] = {}
    remaining = args.requests + args.warmup
    connector = aiohttp.TCPConnector(limit=args.concurrency, force_close=False)
    async with aiohttp.ClientSession(connector=connector, headers=headers) as session:

        async def worker() -> None:
            nonlocal remaining
            while remaining > 0:
                remaining -= 1
                warm = remaining >= args.requests
                start = time.perf_counter()
                if body is None:
                    request = session.get(args.url)
                else:
                    request = session.post(args.url, json=body)
                async with request as response:
                    await response.read()
                    status = response.status
                elapsed = (time.perf_counter() - start) * 1000
                if status >= 300:
                    errors[str(status)] = errors.get(str(status), 0) + 1
                if not warm:
                    latencies.append(elapsed)

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(args.concurrency)))
        wall = time.perf_counter() - started
    latencies.sort()
    measured = len(latencies)
    return {
        "requests": measured,
        "concurrency": args.concurrency,
        "errors": errors,
        "rps": round((measured + args.warmup) / wall, 1),
        "p50_ms": round(percentile(latencies, 50), 3),
        "p90_ms": round(percentile(latencies, 90), 3),
        "p99_ms": round(percentile(latencies, 99), 3),
    }


def main() -> None:
    """Parse the arguments, run, print one JSON line."""
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=1)
    parser.add_argument("--warmup", type=int, default=0)
    parser.add_argument("--post")
    parser.add_argument("--header", action="append", default=[])
    print(json.dumps(asyncio.run(run(parser.parse_args()))))


if __name__ == "__main__":
    main()
