"""/api/v1/policies: rules CRUD and order, schema checks, operator only, explain, audit."""

from __future__ import annotations

import httpx
import pytest
from sqlmodel import col, select

from harbor.contracts import PolicyRequest
from harbor.runtime import actions, policy
from harbor.store.ports import AuditEvent, Port

RULES = "/api/v1/policies"
SMALL_AMOUNTS = {
    "type": "object",
    "properties": {"amount": {"type": "number", "maximum": 100}},
    "required": ["amount"],
}


def create(client, **rule):
    """POST a rule and return its body (201 expected)."""
    response = client.post(RULES, json={"effect": "allow", **rule})
    assert response.status_code == 201, response.text
    return response.json()


def audit_events(node) -> list[AuditEvent]:
    """Every audit event about policies, oldest first."""
    with node.store.session() as session:
        return list(
            session.exec(
                select(AuditEvent)
                .where(col(AuditEvent.subject).startswith("policy:"))
                .order_by(col(AuditEvent.seq))
            ).all()
        )


def audit_types(node) -> list[str]:
    """The types of every audit event about policies, oldest first."""
    return [event.type for event in audit_events(node)]


@pytest.fixture
def published(harbor_node):
    """Published actions ``pay.send`` (write) and ``pay.wipe`` (destructive)."""
    with harbor_node.store.session() as session:
        port = Port(name="pay", connector="loop")
        session.add(port)
        session.flush()
        for name, risk in (("send", "write"), ("wipe", "destructive")):
            fields = {
                "kind": "get",
                "description": name,
                "risk": risk,
                "input_schema": {"type": "object"},
                "definition": {"path": "/"},
            }
            actions.publish_version(session, port, name, fields)


def test_create_read_update_delete(operator_client, harbor_node):
    rule = create(
        operator_client,
        name="small-payments",
        agent="bot-*",
        action="pay.send",
        risks=["write"],
        arguments_schema=SMALL_AMOUNTS,
        rate_limit={"calls": 10, "window_seconds": 60},
    )
    assert rule["position"] == 1
    assert rule["rate_limit"] == {"calls": 10, "window_seconds": 60}
    url = f"{RULES}/{rule['id']}"
    assert operator_client.get(url).json() == rule
    assert operator_client.get(RULES).json() == [rule]

    changed = operator_client.patch(
        url, json={"effect": "require_approval", "approvals_required": 2, "agent": None}
    ).json()
    assert (changed["effect"], changed["approvals_required"]) == ("require_approval", 2)
    assert changed["agent"] is None
    assert changed["arguments_schema"] == SMALL_AMOUNTS
    cleared = operator_client.patch(url, json={"rate_limit": None}).json()
    assert cleared["rate_limit"] is None

    assert operator_client.delete(url).status_code == 204
    missing = operator_client.get(url)
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"
    events = audit_events(harbor_node)
    assert [e.type for e in events] == [
        "policy.created",
        "policy.updated",
        "policy.updated",
        "policy.deleted",
    ]
    assert {e.subject for e in events} == {f"policy:{rule['id']}"}
    assert events[0].details["arguments_schema"] == SMALL_AMOUNTS
    assert events[0].actor_type == "operator"
    assert events[1].details["changed"] == ["agent", "approvals_required", "effect"]


def test_rule_names_are_unique(operator_client):
    create(operator_client, name="only-one")
    again = operator_client.post(RULES, json={"name": "only-one", "effect": "deny"})
    assert again.status_code == 409
    other = create(operator_client, name="another")
    renamed = operator_client.patch(f"{RULES}/{other['id']}", json={"name": "only-one"})
    assert renamed.status_code == 409


def test_reorder_and_insert_at_a_position(operator_client, harbor_node):
    first, second, third = (create(operator_client, description=str(n))["id"] for n in range(3))
    top = create(operator_client, effect="deny", position=1)["id"]
    assert [r["id"] for r in operator_client.get(RULES).json()] == [top, first, second, third]

    order = [third, second, first, top]
    body = operator_client.put(f"{RULES}/order", json={"ids": order}).json()
    assert [r["id"] for r in body] == order
    assert [r["position"] for r in body] == [1, 2, 3, 4]
    assert "policy.reordered" in audit_types(harbor_node)

    operator_client.delete(f"{RULES}/{second}")
    assert [r["position"] for r in operator_client.get(RULES).json()] == [1, 2, 3]


def test_an_order_must_name_every_rule_once(operator_client):
    one, two = create(operator_client)["id"], create(operator_client)["id"]
    assert operator_client.put(f"{RULES}/order", json={"ids": [one]}).status_code == 409
    assert operator_client.put(f"{RULES}/order", json={"ids": [one, two, 99]}).status_code == 409
    duplicate = operator_client.put(f"{RULES}/order", json={"ids": [one, one, two]})
    assert duplicate.status_code == 422


@pytest.mark.parametrize(
    ("schema", "pointer"),
    [
        ({"type": "integer-ish"}, "/arguments_schema/type"),
        ({"properties": {"repo": {"pattern": "("}}}, "/arguments_schema/properties/repo/pattern"),
        ({"$ref": "https://example.com/schema.json"}, "/arguments_schema/$ref"),
    ],
)
def test_an_invalid_arguments_schema_is_refused_with_a_pointer(operator_client, schema, pointer):
    response = operator_client.post(RULES, json={"effect": "allow", "arguments_schema": schema})
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["code"] == "invalid_request"
    assert [e["pointer"] for e in problem["errors"]] == [pointer]
    assert operator_client.get(RULES).json() == []


def test_an_invalid_schema_in_an_update_is_refused(operator_client):
    rule = create(operator_client)
    response = operator_client.patch(
        f"{RULES}/{rule['id']}", json={"arguments_schema": {"minimum": "zero"}}
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["pointer"] == "/arguments_schema/minimum"


def test_required_fields_cannot_be_cleared(operator_client):
    rule = create(operator_client)
    response = operator_client.patch(f"{RULES}/{rule['id']}", json={"effect": None})
    assert response.status_code == 422
    assert response.json()["errors"] == [{"pointer": "/effect", "message": "may not be null"}]


def test_bad_globs_and_limits_are_refused(operator_client):
    for body in (
        {"effect": "allow", "action": "no-dot"},
        {"effect": "allow", "agent": "Bad Agent"},
        {"effect": "allow", "rate_limit": {"calls": 0, "window_seconds": 60}},
        {"effect": "require_approval", "approvals_required": 0},
        {"effect": "maybe"},
    ):
        assert operator_client.post(RULES, json=body).status_code == 422, body


def test_agent_keys_cannot_read_or_change_policies(agent_client):
    assert agent_client.get(RULES).status_code == 403
    assert agent_client.post(RULES, json={"effect": "allow"}).status_code == 403
    assert agent_client.put(f"{RULES}/order", json={"ids": []}).status_code == 403
    explain = agent_client.post(f"{RULES}/explain", json={"agent": "a", "action": "pay.send"})
    assert explain.status_code == 403


# --- explain ------------------------------------------------------------------------------


def test_explain_resolves_the_risk_of_the_published_action(operator_client, published):
    body = operator_client.post(
        f"{RULES}/explain", json={"agent": "bot", "action": "pay.wipe"}
    ).json()
    assert (body["risk"], body["version"]) == ("destructive", 1)
    assert (body["effect"], body["source"]) == ("deny", "default:destructive")
    assert body["rule_id"] is None
    assert body["rate_limited"] is False


def test_explain_names_the_rule_and_its_reason(operator_client, published):
    rule = create(
        operator_client,
        name="small",
        arguments_schema=SMALL_AMOUNTS,
        effect="require_approval",
        approvals_required=2,
    )
    small = {"agent": "bot", "action": "pay.send", "arguments": {"amount": 5}}
    body = operator_client.post(f"{RULES}/explain", json=small).json()
    assert body["source"] == f"rule:{rule['id']}"
    assert body["rule_id"] == rule["id"]
    assert body["approvals_required"] == 2
    assert "small" in body["reason"]
    large = {**small, "arguments": {"amount": 500}}
    assert operator_client.post(f"{RULES}/explain", json=large).json()["source"] == (
        "default:write"
    )


def test_explain_of_an_unknown_action_is_not_found(operator_client, published):
    for action in ("pay.nope", "nowhere.send"):
        response = operator_client.post(f"{RULES}/explain", json={"agent": "bot", "action": action})
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"


def test_explain_reports_the_rate_limit_without_consuming_it(
    operator_client, harbor_node, published
):
    rule = create(operator_client, rate_limit={"calls": 2, "window_seconds": 3600})
    ask = {"agent": "bot", "action": "pay.send"}
    for _ in range(3):
        body = operator_client.post(f"{RULES}/explain", json=ask).json()
        assert (body["remaining"], body["rate_limited"]) == (2, False)
    assert body["rate_limit"] == {"calls": 2, "window_seconds": 3600}

    request = PolicyRequest(agent="bot", action="pay.send", port="pay", version=1, risk="write")
    for _ in range(2):  # two real calls fill the window
        with harbor_node.store.session() as session:
            evaluation = policy.evaluate(harbor_node, session, request)
            assert evaluation.rule is not None
            assert evaluation.rule.id == rule["id"]
            policy.consume_rate_limit(session, evaluation)
    body = operator_client.post(f"{RULES}/explain", json=ask).json()
    assert (body["remaining"], body["rate_limited"]) == (0, True)
    assert 1 <= body["retry_after"] <= 3600
    other_agent = operator_client.post(f"{RULES}/explain", json={**ask, "agent": "other"})
    assert other_agent.json()["rate_limited"] is False


def test_the_sdk_manages_and_explains_policies(operator_client, operator_token, published):
    from harbor_client import HarborClient
    from harbor_client.models import PolicyRuleCreate, PolicyRuleUpdate

    def forward(request: httpx.Request) -> httpx.Response:
        """Hand the SDK's request to the node's app, without a real socket."""
        answer = operator_client.request(
            request.method, str(request.url), content=request.content, headers=request.headers
        )
        return httpx.Response(answer.status_code, headers=answer.headers, content=answer.content)

    transport = httpx.MockTransport(forward)
    with HarborClient("http://testserver", operator_token, transport=transport) as sdk:
        rule = sdk.create_policy(PolicyRuleCreate(action="pay.*", effect="deny"))
        other = sdk.create_policy(PolicyRuleCreate(effect="allow", name="rest"))
        assert [r.id for r in sdk.list_policies()] == [rule.id, other.id]
        assert sdk.update_policy(rule.id, PolicyRuleUpdate(effect="allow")).effect == "allow"
        assert [r.id for r in sdk.reorder_policies([other.id, rule.id])] == [other.id, rule.id]
        explained = sdk.explain_policy("bot", "pay.send", {"amount": 1})
        assert explained.source == f"rule:{other.id}"
        sdk.delete_policy(other.id)
        assert sdk.get_policy(rule.id).position == 1


def test_move_one_rule_keeps_the_others_in_order(operator_client, harbor_node):
    ids = [create(operator_client, action=f"p.a{i}")["id"] for i in range(4)]
    moved = operator_client.post(f"{RULES}/{ids[3]}/move", json={"position": 2})
    assert moved.status_code == 200
    assert [r["id"] for r in moved.json()] == [ids[0], ids[3], ids[1], ids[2]]
    last = operator_client.post(f"{RULES}/{ids[0]}/move", json={"position": 99}).json()
    assert [r["id"] for r in last] == [ids[3], ids[1], ids[2], ids[0]]
    assert [r["position"] for r in last] == [1, 2, 3, 4]
    assert audit_types(harbor_node)[-1] == "policy.reordered"


def test_moving_an_unknown_rule_or_to_position_zero_is_refused(operator_client):
    rule = create(operator_client)
    assert operator_client.post(f"{RULES}/999/move", json={"position": 1}).status_code == 404
    zero = operator_client.post(f"{RULES}/{rule['id']}/move", json={"position": 0})
    assert zero.status_code == 422
    assert zero.json()["errors"][0]["pointer"] == "/position"
