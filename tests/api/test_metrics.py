"""``/metrics``: Prometheus figures for the operator only."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families

from tests.api.calls_fixtures import call, make_port, publish


def samples(client) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    found = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def test_only_the_operator_reads_metrics(agent_client, anon_client):
    assert agent_client.get("/metrics").status_code == 403
    assert anon_client.get("/metrics").status_code == 401


def test_calls_approvals_and_audit_writes_are_counted(
    operator_client, agent_client, loop_connector, upstream
):
    make_port(operator_client, upstream.url)
    read = publish(operator_client, "up", "read_item", "read")
    write = publish(operator_client, "up", "touch", "write")
    wipe = publish(operator_client, "up", "wipe", "destructive")
    assert call(agent_client, read, {"suffix": "1"}).status_code == 200
    assert call(agent_client, read, {"suffix": "2"}).status_code == 200
    assert call(agent_client, wipe, {"suffix": "3"}).status_code == 403
    assert call(agent_client, write, {"suffix": "4"}).status_code == 202

    found = samples(operator_client)
    ok = (("action", read), ("decision", "allow"), ("outcome", "succeeded"))
    assert found[("harbor_calls_total", ok)] == 2
    denied = (("action", wipe), ("decision", "deny"), ("outcome", "denied"))
    assert found[("harbor_calls_total", denied)] == 1
    assert found[("harbor_call_duration_seconds_count", (("action", read),))] == 2
    assert found[("harbor_pending_approvals", ())] == 1
    assert found[("harbor_audit_write_seconds_count", ())] > 0
