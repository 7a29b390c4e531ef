# Generated from harbor_client/_async by client/scripts/unasync_client.py: do not edit.
"""The whole client: the agent's calls and everything the operator manages."""

from __future__ import annotations

from harbor_client._sync.calls import SyncCallsAPI
from harbor_client._sync.operator import SyncOperatorAPI
from harbor_client._sync.policies_audit import SyncPoliciesAuditAPI
from harbor_client._sync.ports import SyncPortsAPI
from harbor_client._sync.sharing import SyncSharingAPI


class HarborClient(
    SyncCallsAPI, SyncPortsAPI, SyncPoliciesAuditAPI, SyncOperatorAPI, SyncSharingAPI
):
    """A client of one Harbor node, for an agent key or an operator token.

    ``url`` and ``key`` default to the ``HARBOR_URL`` and ``HARBOR_KEY`` environment
    variables. An agent key may list and call actions and read its own calls; everything
    else needs an operator token. Every problem answer raises the
    :mod:`harbor_client.errors` class of its code, carrying the problem's details.
    """
