"""The daily license refresh, run by every worker; one of them takes each turn.

Each worker wakes every ``CHECK_SECONDS``. A refresh is due a day after the last attempt
(an hour after a failed one); the worker that takes the claim row in the database does it,
the others see the claim and wait for the next turn.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import anyio

from harbor.errors import HarborError
from harbor.runtime.cloud import state as cloud_state
from harbor.runtime.cloud.service import refresh
from harbor.store.types import utcnow

if TYPE_CHECKING:
    from harbor.node import Node

log = logging.getLogger("harbor.cloud")
CHECK_SECONDS = 600.0
REFRESH_EVERY = timedelta(days=1)
RETRY_EVERY = timedelta(hours=1)


def take_refresh_turn(node: Node, now: datetime) -> bool:
    """Whether this worker should refresh now (it then holds the turn)."""
    with node.store.read_session() as session:
        held = cloud_state.read_cloud_state(session)
    if not held.enrolled:
        return False
    every = RETRY_EVERY if held.last_error else REFRESH_EVERY
    with node.store.session() as session:
        return cloud_state.claim_refresh(session, now, every)


async def refresh_if_due(node: Node, now: datetime | None = None) -> bool:
    """Refresh when this worker takes the turn; True when it refreshed successfully."""
    if not await anyio.to_thread.run_sync(take_refresh_turn, node, now or utcnow()):
        return False
    try:
        status = await refresh(node)
    except HarborError as err:
        log.warning("Harbor Cloud license refresh failed: %s", err.detail)
        return False
    log.info("Harbor Cloud license refreshed: %s plan until %s", status.plan, status.expires_at)
    return True


async def refresh_forever(node: Node) -> None:
    """The background loop; never raises (a broken turn is logged and the loop goes on)."""
    while True:
        try:
            await refresh_if_due(node)
        except Exception:
            log.exception("the Harbor Cloud license refresh broke; trying again later")
        await asyncio.sleep(CHECK_SECONDS)
