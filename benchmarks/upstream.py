"""A minimal JSON upstream on loopback (aiohttp), the service the benchmark's action calls."""

from __future__ import annotations

import sys

from aiohttp import web


async def answer(request: web.Request) -> web.Response:
    """Every GET answers a small JSON document, as a typical API read would."""
    return web.json_response({"ok": True, "path": request.path})


def main() -> None:
    """``python -m benchmarks.upstream PORT``."""
    app = web.Application()
    app.router.add_get("/{tail:.*}", answer)
    web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), print=None, access_log=None)


if __name__ == "__main__":
    main()
