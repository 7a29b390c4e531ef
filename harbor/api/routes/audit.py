"""``/api/v1/audit``: the audit log (verification; querying comes with the call pipeline)."""

from __future__ import annotations

from fastapi import APIRouter

from harbor.api.deps import NodeDep
from harbor.contracts import AuditVerify
from harbor.runtime.audit import verify_chain

router = APIRouter(prefix="/audit", tags=["audit"])


@router.get("/verify", response_model=AuditVerify)
def verify_audit(node: NodeDep) -> AuditVerify:
    """Recompute the hash chain; report the first broken link or deleted newest events."""
    with node.store.session() as session:
        result = verify_chain(session, node.audit)
    return AuditVerify(
        ok=result.ok,
        checked=result.checked,
        head_seq=result.head_seq,
        first_broken_seq=result.first_broken_seq,
        message=result.message,
    )
