"""Every problem the node answers arrives as the SDK exception of its code, with its details."""

from __future__ import annotations

import pytest

from harbor_client import HarborClient, NodeUnreachable
from harbor_client.errors import (
    ERROR_CLASSES,
    ERROR_CODES,
    Conflict,
    Forbidden,
    IdempotencyMismatch,
    InvalidArguments,
    NotFound,
    Paused,
    PolicyDenied,
    PortNotReady,
    RateLimited,
    Unauthorized,
    UpstreamFailed,
)
from harbor_client.models import DraftCreate, PolicyRuleCreate, RateLimit
from tests.api.calls_fixtures import INPUT_SCHEMA
from tests.conftest import free_port


def test_every_error_code_has_its_own_exception_class():
    assert set(ERROR_CLASSES) == set(ERROR_CODES)
    assert len(set(ERROR_CLASSES.values())) == len(ERROR_CODES)


def test_invalid_arguments_locate_each_problem(agent):
    with pytest.raises(InvalidArguments) as err:
        agent.call("up.read", {"suffix": 5, "extra": True})
    assert err.value.status == 422
    pointers = {e["pointer"] for e in err.value.errors}
    assert "/suffix" in pointers
    assert err.value.problem["code"] == "invalid_arguments"


def test_a_policy_denial_names_the_rule(agent, operator):
    rule = operator.create_policy(PolicyRuleCreate(action="up.read", effect="deny"))
    with pytest.raises(PolicyDenied) as err:
        agent.call("up.read", {"suffix": "x"})
    assert err.value.extra["rule"] == f"rule:{rule.id}"
    assert err.value.call_id


def test_rate_limited_carries_retry_after(agent, operator):
    limit = RateLimit(calls=1, window_seconds=60)
    operator.create_policy(PolicyRuleCreate(action="up.read", effect="allow", rate_limit=limit))
    agent.call("up.read", {"suffix": "1"})
    with pytest.raises(RateLimited) as err:
        agent.call("up.read", {"suffix": "2"})
    assert err.value.status == 429
    assert 0 < (err.value.retry_after or 0) <= 60


def test_an_upstream_failure_carries_the_call_id(agent, operator):
    draft = operator.create_draft(
        "up",
        DraftCreate(
            action="broken", kind="get", risk="read", input_schema=INPUT_SCHEMA,
            definition={"path": "/fail"},
        ),
    )  # fmt: skip
    operator.validate_draft(draft.id)
    operator.publish_draft(draft.id, force=True)
    with pytest.raises(UpstreamFailed) as err:
        agent.call("up.broken", {"suffix": "x"})
    assert err.value.status == 502
    assert agent.get_call(err.value.call_id).status == "failed"


def test_scopes_existence_readiness_pause_and_idempotency(agent, operator, live_node):
    narrow = operator.create_agent("narrow", scopes=["up.read"])
    with HarborClient(live_node.url, narrow.key.key) as narrow_agent:
        with pytest.raises(Forbidden):
            narrow_agent.call("up.touch", {"suffix": "x"})
        with pytest.raises(Forbidden):
            narrow_agent.list_agents()
    with pytest.raises(NotFound):
        agent.call("up.missing", {})
    agent.call("up.read", {"suffix": "k"}, idempotency_key="k-1")
    with pytest.raises(IdempotencyMismatch):
        agent.call("up.read", {"suffix": "other"}, idempotency_key="k-1")
    operator.disable_port("up")
    with pytest.raises(PortNotReady, match="disabled"):
        agent.call("up.read", {"suffix": "x"})
    operator.enable_port("up")
    operator.pause("incident")
    with pytest.raises(Paused, match="incident"):
        agent.call("up.read", {"suffix": "x"})
    with pytest.raises(Conflict):
        operator.pause()
    operator.resume()


def test_a_bad_key_and_a_silent_node(live_node):
    with (
        HarborClient(live_node.url, "hba_not-a-real-key") as stranger,
        pytest.raises(Unauthorized) as err,
    ):
        stranger.list_actions()
    assert err.value.status == 401
    nowhere = HarborClient(f"http://127.0.0.1:{free_port()}", "hba_x")
    with nowhere, pytest.raises(NodeUnreachable, match="cannot reach"):
        nowhere.list_actions()
