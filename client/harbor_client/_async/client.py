"""The whole client: the agent's calls and everything the operator manages."""

from __future__ import annotations

from harbor_client._async.calls import AsyncCallsAPI
from harbor_client._async.operator import AsyncOperatorAPI
from harbor_client._async.policies_audit import AsyncPoliciesAuditAPI
from harbor_client._async.ports import AsyncPortsAPI
from harbor_client._async.sharing import AsyncSharingAPI


class AsyncHarborClient(
    AsyncCallsAPI, AsyncPortsAPI, AsyncPoliciesAuditAPI, AsyncOperatorAPI, AsyncSharingAPI
):
    """A client of one Harbor node, for an agent key or an operator token.

    ``url`` and ``key`` default to the ``HARBOR_URL`` and ``HARBOR_KEY`` environment
    variables. An agent key may list and call actions and read its own calls; everything
    else needs an operator token. Every problem answer raises the
    :mod:`harbor_client.errors` class of its code, carrying the problem's details.
    """
