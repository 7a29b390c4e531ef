"""Schemathesis against the node's own OpenAPI: no 5xx, every answer as documented.

Driven through schemathesis's strategies rather than its lazy pytest loader, so each
credential fuzzes every operation of a node on the test's own database.
"""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, given, settings

from harbor.api.openapi import iter_operations

# Derandomized: the same examples every run, so a red CI always means a real regression.
FUZZ = settings(
    max_examples=15, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True
)


def fuzz_every_operation(app, credential: str) -> int:
    """Run generated cases against each operation; return how many operations ran."""
    schema = schemathesis.openapi.from_asgi("/api/openapi.json", app)
    headers = {"Authorization": f"Bearer {credential}"}
    count = 0
    for result in schema.get_all_operations():
        operation = result.ok()

        @FUZZ
        @given(case=operation.as_strategy())
        def check(case):
            case.call_and_validate(headers=headers)

        check()
        count += 1
    return count


def test_api_conforms_as_agent(harbor_app, agent_key):
    assert fuzz_every_operation(harbor_app, agent_key) >= 10


def test_api_conforms_as_operator(harbor_app, operator_token):
    assert fuzz_every_operation(harbor_app, operator_token) >= 10


def test_every_operation_documents_its_problems(harbor_app):
    for method, path, operation in iter_operations(harbor_app.openapi()):
        responses = operation["responses"]
        if operation.get("x-harbor-access") != "public":
            assert {"401", "403"} <= set(responses), (method, path)
        for status, response in responses.items():
            if status.startswith("4"):
                assert "application/problem+json" in response["content"], (method, path, status)
