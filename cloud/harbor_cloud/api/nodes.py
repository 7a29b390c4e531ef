"""Nodes: enrollment, license refresh and unenroll (node-signed), and the member's list."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field

from harbor_cloud import nodes
from harbor_cloud.api.deps import CallerDep, CloudDep
from harbor_cloud.audit import Actor
from harbor_cloud.node_auth import active_node, authenticate_node

router = APIRouter(tags=["nodes"])


class EnrollRequest(BaseModel):
    """A node enrolling with a one-time code and its new public key."""

    code: str = Field(max_length=100)
    node_public_key: dict[str, Any]
    name: str = Field(min_length=1, max_length=200)
    version: str = Field(min_length=1, max_length=60)


class RefreshRequest(BaseModel):
    """Optional node facts sent with a refresh."""

    name: str | None = Field(default=None, min_length=1, max_length=200)
    version: str | None = Field(default=None, min_length=1, max_length=60)


@router.post("/nodes/enroll", status_code=201)
def enroll(body: EnrollRequest, cloud: CloudDep) -> dict[str, Any]:
    """Consume the code, register the node's key, return its first license and the keys."""
    with cloud.store.session() as session:
        enrolled = nodes.enroll_node(
            session,
            cloud.signer,
            cloud.settings.license_days,
            body.code,
            body.node_public_key,
            body.name,
            body.version,
        )
    return {
        "node_id": enrolled.node_id,
        "license": enrolled.license,
        "keys": cloud.signer.jwk_set()["keys"],
        "account_email": enrolled.account_email,
    }


@router.post("/nodes/{node_id}/license")
def refresh(
    node_id: str, request: Request, cloud: CloudDep, body: RefreshRequest | None = None
) -> dict[str, Any]:
    """A fresh license for a node-signed request (plan and features as of now)."""
    authenticate_node(
        cloud.store, node_id, request.headers.get("authorization"), "POST", request.url.path
    )
    facts = body or RefreshRequest()
    with cloud.store.session() as session:
        token = nodes.refresh_license(
            session, cloud.signer, cloud.settings.license_days, node_id, facts.name, facts.version
        )
    return {"license": token, "keys": cloud.signer.jwk_set()["keys"]}


@router.post("/nodes/{node_id}/unenroll", status_code=204)
def node_unenroll(node_id: str, request: Request, cloud: CloudDep) -> Response:
    """The node leaves its account (node-signed)."""
    authenticate_node(
        cloud.store, node_id, request.headers.get("authorization"), "POST", request.url.path
    )
    with cloud.store.session() as session:
        node = active_node(session, node_id)
        nodes.unenroll(session, Actor(node.id, "node"), node)
    return Response(status_code=204)


@router.get("/nodes")
def list_nodes(caller: CallerDep, cloud: CloudDep) -> dict[str, list[dict[str, Any]]]:
    """The signed-in member's enrolled nodes (never another member's)."""
    with cloud.store.session() as session:
        own = nodes.nodes_of(session, caller.account.id)
    return {"nodes": [nodes.node_public(node) for node in own]}


@router.delete("/nodes/{node_id}", status_code=204)
def member_unenroll(node_id: str, caller: CallerDep, cloud: CloudDep) -> Response:
    """Unenroll one of the member's nodes; another member's node is 404."""
    with cloud.store.session() as session:
        node = nodes.member_node(session, caller.account, node_id)
        nodes.unenroll(session, caller.actor, node)
    return Response(status_code=204)
