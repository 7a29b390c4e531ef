"""The connector run directly against a real server on 127.0.0.1, through the core's client."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from harbor.connector import AuthFailed, ConnectorError, RetryableError
from harbor.testkit import free_port

from .conftest import TOKEN

GET_ECHO = {"method": "GET", "path": "/echo"}


def secrets(token: str = TOKEN) -> dict[str, str]:
    return {"bearer_token": token}


# --- Auth -----------------------------------------------------------------------------------


def test_bearer_token_reaches_the_server_and_never_the_result(runner, server, local_config):
    result = runner.execute(local_config, GET_ECHO, secrets=secrets())
    assert result["path"] == "/echo"
    assert server.requests[0]["headers"]["authorization"] == f"Bearer {TOKEN}"
    assert TOKEN not in repr(result)


def test_basic_auth_sends_username_and_password(runner, server, local_config):
    config = {**local_config, "auth": {"type": "basic", "username": "harbor"}}
    runner.execute(config, GET_ECHO, secrets={"basic_password": TOKEN})
    expected = base64.b64encode(f"harbor:{TOKEN}".encode()).decode()
    assert server.requests[0]["headers"]["authorization"] == f"Basic {expected}"


def test_api_key_in_a_header(runner, server, local_config):
    config = {**local_config, "auth": {"type": "api_key", "in": "header", "name": "X-API-Key"}}
    result = runner.execute(config, GET_ECHO, secrets={"api_key": TOKEN})
    assert server.requests[0]["headers"]["x-api-key"] == TOKEN
    assert "authorization" not in server.requests[0]["headers"]
    assert TOKEN not in repr(result)


def test_api_key_in_the_query_wins_over_a_parameter_of_the_same_name(runner, server, local_config):
    config = {**local_config, "auth": {"type": "api_key", "in": "query", "name": "key"}}
    definition = {**GET_ECHO, "query": {"key": "{key}", "page": "2"}}
    runner.execute(config, definition, {"key": "agent-chosen"}, secrets={"api_key": TOKEN})
    assert sorted(server.requests[0]["query_pairs"]) == [("key", TOKEN), ("page", "2")]


def test_no_auth_sends_no_credentials(runner, server, local_config):
    config = {**local_config, "auth": {"type": "none"}}
    runner.execute(config, GET_ECHO)
    assert "authorization" not in server.requests[0]["headers"]


def test_a_missing_secret_is_named_and_nothing_is_sent(runner, server, local_config):
    with pytest.raises(ConnectorError) as caught:
        runner.execute(local_config, GET_ECHO, secrets={})
    assert "bearer_token" in caught.value.message
    assert server.requests == []


def test_an_error_body_echoing_the_secret_is_redacted(runner, server, local_config):
    server.reply("/echo", 422, {"error": f"bad token {TOKEN}"})
    with pytest.raises(ConnectorError) as caught:
        runner.execute(local_config, GET_ECHO, secrets=secrets())
    assert "422" in caught.value.message
    assert "[redacted]" in caught.value.message
    assert TOKEN not in caught.value.message


# --- Building the request -------------------------------------------------------------------


def test_path_placeholders_become_one_encoded_segment_each(runner, server, local_config):
    config = {**local_config, "base_url": server.url + "/api/v1"}
    definition = {"method": "GET", "path": "/repos/{owner}/{repo}/issues"}
    runner.execute(config, definition, {"owner": "a b", "repo": "x/y?z#w"}, secrets())
    assert server.requests[0]["raw_path"] == "/api/v1/repos/a%20b/x%2Fy%3Fz%23w/issues"


def test_query_headers_and_body_are_filled_from_the_arguments(runner, server, local_config):
    config = {**local_config, "default_headers": {"Accept": "application/json"}}
    definition = {
        "method": "POST",
        "path": "/issues",
        "query": {"state": "{state}", "label": "{labels}", "optional": "{missing}", "v": 3},
        "headers": {"X-Request-Note": "note: {note}", "X-Absent": "{missing}"},
        "body": {"title": "{title}", "meta": {"count": "{count}", "gone": "{missing}"}},
    }
    arguments = {"state": "open", "labels": ["a", "b"], "note": "hi", "title": "T", "count": 3}
    result = runner.execute(config, definition, arguments, secrets())
    seen = server.requests[0]
    assert seen["query_pairs"] == [("state", "open"), ("label", "a"), ("label", "b"), ("v", "3")]
    assert seen["headers"]["x-request-note"] == "note: hi"
    assert seen["headers"]["accept"] == "application/json"
    assert "x-absent" not in seen["headers"]
    assert result["json"] == {"title": "T", "meta": {"count": 3}}


@pytest.mark.parametrize("value", ["../admin", "..", "%2e%2e", "%2E%2E/admin", "a/../../x", "."])
def test_path_traversal_is_refused_before_anything_is_sent(runner, server, local_config, value):
    definition = {"method": "GET", "path": "/items/{id}"}
    with pytest.raises(ConnectorError):
        runner.execute(local_config, definition, {"id": value}, secrets())
    assert server.requests == []


@pytest.mark.parametrize(
    "value", ["@evil.test", "//evil.test", "http://evil.test", "https://evil.test/x"]
)
def test_host_injection_is_refused_before_anything_is_sent(runner, server, local_config, value):
    for path in ("/{id}", "/items/{id}"):
        with pytest.raises(ConnectorError):
            runner.execute(local_config, {"method": "GET", "path": path}, {"id": value}, secrets())
    assert server.requests == []


# --- Answers --------------------------------------------------------------------------------


def test_429_is_retryable_after_the_seconds_asked(runner, server, local_config):
    server.reply("/echo", 429, {"message": "slow down"}, {"Retry-After": "7"})
    with pytest.raises(RetryableError) as caught:
        runner.execute(local_config, GET_ECHO, secrets=secrets())
    assert caught.value.retry_after == 7
    assert caught.value.retry_safe
    assert caught.value.status == 429


def test_retry_after_may_be_an_http_date(runner, server, local_config):
    when = format_datetime(datetime.now(UTC) + timedelta(seconds=60), usegmt=True)
    server.reply("/echo", 503, b"maintenance", {"Retry-After": when})
    with pytest.raises(RetryableError) as caught:
        runner.execute(local_config, GET_ECHO, secrets=secrets())
    assert 50 < caught.value.retry_after <= 60
    assert not caught.value.retry_safe


def test_500_is_retryable(runner, server, local_config):
    server.reply("/echo", 500, {"message": "broke"})
    with pytest.raises(RetryableError) as caught:
        runner.execute(local_config, GET_ECHO, secrets=secrets())
    assert caught.value.status == 500
    assert caught.value.retry_after is None
    assert not caught.value.timeout


def test_401_is_auth_failed(runner, server, local_config):
    server.reply("/echo", 401, {"message": "bad credentials"})
    with pytest.raises(AuthFailed) as caught:
        runner.execute(local_config, GET_ECHO, secrets=secrets())
    assert caught.value.status == 401


def test_403_is_a_plain_connector_error(runner, server, local_config):
    server.reply("/echo", 403, {"message": "forbidden"})
    with pytest.raises(ConnectorError) as caught:
        runner.execute(local_config, GET_ECHO, secrets=secrets())
    assert not isinstance(caught.value, AuthFailed | RetryableError)
    assert caught.value.status == 403


def test_other_statuses_name_the_status(runner, server, local_config):
    server.reply("/echo", 404, {"message": "no such item"})
    with pytest.raises(ConnectorError) as caught:
        runner.execute(local_config, GET_ECHO, secrets=secrets())
    assert not isinstance(caught.value, RetryableError)
    assert "404" in caught.value.message


@pytest.mark.parametrize("accept", [[404], ["4xx"], [200, 404]])
def test_accepted_statuses_can_be_overridden(runner, server, local_config, accept):
    server.reply("/echo", 404, {"found": False})
    result = runner.execute(local_config, {**GET_ECHO, "accept_status": accept}, {}, secrets())
    assert result == {"found": False}


def test_a_200_outside_the_accepted_statuses_fails(runner, server, local_config):
    with pytest.raises(ConnectorError):
        runner.execute(local_config, {**GET_ECHO, "accept_status": [201]}, {}, secrets())


def test_pick_reduces_the_answer_with_json_pointers(runner, server, local_config):
    server.reply(
        "/echo",
        200,
        {"data": {"items": [{"id": 1}, {"id": 2}], "a/b": "slash", "t~x": "tilde"}, "n": 2},
    )
    pick = {
        "second": "/data/items/1/id",
        "slash": "/data/a~1b",
        "tilde": "/data/t~0x",
        "count": "/n",
        "missing": "/data/nope",
        "everything": "",
    }
    result = runner.execute(local_config, {**GET_ECHO, "response": {"pick": pick}}, {}, secrets())
    assert result["second"] == 2
    assert result["slash"] == "slash"
    assert result["tilde"] == "tilde"
    assert result["count"] == 2
    assert result["missing"] is None
    assert result["everything"]["n"] == 2


def test_non_json_answers_return_status_and_text(runner, server, local_config):
    server.reply("/echo", 200, b"hello", {"Content-Type": "text/plain"})
    assert runner.execute(local_config, GET_ECHO, {}, secrets()) == {
        "status": 200,
        "text": "hello",
    }


def test_a_text_answer_over_the_cap_is_cut(runner, server, local_config):
    server.reply("/echo", 200, b"x" * 5000, {"Content-Type": "text/plain"})
    definition = {**GET_ECHO, "response": {"max_bytes": 100}}
    result = runner.execute(local_config, definition, {}, secrets())
    assert result == {"status": 200, "text": "x" * 100, "truncated": True}


def test_a_json_answer_over_the_cap_fails(runner, server, local_config):
    server.reply("/echo", 200, {"blob": "y" * 5000})
    with pytest.raises(ConnectorError) as caught:
        runner.execute(local_config, {**GET_ECHO, "response": {"max_bytes": 1000}}, {}, secrets())
    assert "1000 bytes" in caught.value.message


def test_the_port_cap_applies_too(runner, server, local_config):
    server.reply("/echo", 200, {"blob": "y" * 5000})
    with pytest.raises(ConnectorError):
        runner.execute({**local_config, "max_response_bytes": 1024}, GET_ECHO, {}, secrets())


def test_a_timeout_is_retryable_and_marked(runner, server, local_config):
    server.reply("/echo", 200, {"late": True}, delay=1.5)
    with pytest.raises(RetryableError) as caught:
        runner.execute({**local_config, "timeout_seconds": 0.3}, GET_ECHO, {}, secrets())
    assert caught.value.timeout


def test_a_refused_connection_is_retry_safe(runner, local_config):
    config = {**local_config, "base_url": f"http://127.0.0.1:{free_port()}"}
    with pytest.raises(RetryableError) as caught:
        runner.execute(config, GET_ECHO, {}, secrets())
    assert caught.value.retry_safe


# --- The core's outbound policy -------------------------------------------------------------


def test_loopback_is_refused_without_allow_private_hosts(runner, server, local_config):
    config = {k: v for k, v in local_config.items() if k != "allow_private_hosts"}
    with pytest.raises(ConnectorError) as caught:
        runner.execute(config, GET_ECHO, {}, secrets())
    assert not isinstance(caught.value, RetryableError)
    assert "127.0.0.1" in caught.value.message
    assert server.requests == []


def test_allowed_hosts_is_the_complete_list(runner, server, local_config):
    with pytest.raises(ConnectorError) as caught:
        runner.execute(
            {**local_config, "allowed_hosts": ["api.example.com"]}, GET_ECHO, {}, secrets()
        )
    assert "allowed hosts" in caught.value.message
    assert server.requests == []
    runner.execute({**local_config, "allowed_hosts": ["127.0.0.1"]}, GET_ECHO, {}, secrets())
    assert len(server.requests) == 1


# --- Connection test ------------------------------------------------------------------------


def test_check_is_ok_when_the_base_url_answers(runner, server, local_config):
    server.reply("/", 404, b"not here")
    result = runner.check(local_config, secrets())
    assert result.ok
    assert server.requests[0]["headers"]["authorization"] == f"Bearer {TOKEN}"


def test_check_raises_auth_failed_on_401(runner, server, local_config):
    server.reply("/", 401, b"")
    with pytest.raises(AuthFailed):
        runner.check(local_config, secrets())


def test_check_fails_on_403_and_when_unreachable(runner, server, local_config):
    server.reply("/", 403, b"")
    assert not runner.check(local_config, secrets()).ok
    closed = {**local_config, "base_url": f"http://127.0.0.1:{free_port()}"}
    assert not runner.check(closed, secrets()).ok
