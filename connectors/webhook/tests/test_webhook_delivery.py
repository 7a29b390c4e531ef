"""send_event against a receiver on 127.0.0.1: body, signature, ids, errors and retries."""

from __future__ import annotations

import json
from email.utils import formatdate

import pytest
from harbor_webhook import WebhookConnector
from standardwebhooks import Webhook

from harbor.connector import ConnectorError, InvalidDefinition, RetryableError

from .conftest import HOOK_PATH, SIGNING_SECRET, URL_TOKEN

SIGNED = {"signing_secret": SIGNING_SECRET}


def assert_no_url(text: str, url: str) -> None:
    assert URL_TOKEN not in text
    assert url not in text


def test_a_signed_event_verifies_with_the_reference_library(runner, receiver):
    result = runner.send({"service": "api"}, secrets={"url": receiver.url, **SIGNED})
    [delivery] = receiver.deliveries
    assert delivery.path == HOOK_PATH
    assert delivery.headers["content-type"] == "application/json"
    payload = Webhook(SIGNING_SECRET).verify(delivery.body, delivery.headers)
    assert payload["type"] == "test.event"
    assert payload["data"] == {"service": "api"}
    assert payload["timestamp"].endswith("Z")
    assert result == {
        "webhook_id": delivery.headers["webhook-id"],
        "status": 200,
        "signed": True,
        "response": {"ok": True},
    }


def test_every_attempt_of_a_call_carries_the_same_webhook_id(runner, receiver):
    secrets = {"url": receiver.url, **SIGNED}
    runner.send({"n": 1}, secrets=secrets, call_id="call_aaaaaaaaaaaaaaaaaaaaaaaa")
    runner.send({"n": 1}, secrets=secrets, call_id="call_aaaaaaaaaaaaaaaaaaaaaaaa")
    runner.send({"n": 1}, secrets=secrets, call_id="call_bbbbbbbbbbbbbbbbbbbbbbbb")
    ids = [d.headers["webhook-id"] for d in receiver.deliveries]
    assert ids[0] == ids[1] != ids[2]
    for delivery in receiver.deliveries:
        Webhook(SIGNING_SECRET).verify(delivery.body, delivery.headers)


def test_without_a_signing_secret_nothing_is_signed(runner, receiver):
    result = runner.send({"n": 1})
    [delivery] = receiver.deliveries
    assert "webhook-signature" not in delivery.headers
    assert "webhook-timestamp" not in delivery.headers
    assert delivery.headers["webhook-id"] == result["webhook_id"]
    assert result["signed"] is False


def test_the_definitions_data_is_merged_under_the_arguments(runner, receiver):
    runner.send(
        {"env": "prod"},
        definition={"event_type": "deploy.finished", "data": {"env": "dev", "team": "core"}},
    )
    body = json.loads(receiver.deliveries[0].body)
    assert body["type"] == "deploy.finished"
    assert body["data"] == {"env": "prod", "team": "core"}


def test_without_the_envelope_the_arguments_are_the_body(runner, receiver):
    runner.send({"text": "deploy done"}, definition={"event_type": "x", "envelope": False})
    assert json.loads(receiver.deliveries[0].body) == {"text": "deploy done"}


def test_a_429_is_retryable_safe_and_carries_retry_after(runner, receiver):
    receiver.queue_reply(429, b"slow down", {"Retry-After": "7"})
    with pytest.raises(RetryableError) as caught:
        runner.send({"n": 1})
    assert caught.value.retry_after == 7.0
    assert caught.value.retry_safe is True
    assert caught.value.status == 429
    assert_no_url(caught.value.message, receiver.url)


def test_a_5xx_is_retryable_with_an_http_date_retry_after(runner, receiver):
    import time

    receiver.queue_reply(503, b"", {"Retry-After": formatdate(time.time() + 30, usegmt=True)})
    with pytest.raises(RetryableError) as caught:
        runner.send({"n": 1})
    assert caught.value.status == 503
    assert caught.value.retry_safe is False
    assert 25 <= caught.value.retry_after <= 31


def test_a_500_without_retry_after_is_retryable(runner, receiver):
    receiver.queue_reply(500, b"<html>oops</html>")
    with pytest.raises(RetryableError) as caught:
        runner.send({"n": 1})
    assert caught.value.retry_after is None
    assert_no_url(caught.value.message, receiver.url)


def test_another_4xx_is_a_clear_connector_error_without_the_url(runner, receiver):
    body = json.dumps({"message": f"bad payload for {HOOK_PATH}"}).encode()
    receiver.queue_reply(400, body, {"Content-Type": "application/json"})
    with pytest.raises(ConnectorError) as caught:
        runner.send({"n": 1})
    assert type(caught.value) is ConnectorError
    assert caught.value.status == 400
    assert "refused the delivery (400)" in caught.value.message
    assert "bad payload" in caught.value.message
    assert_no_url(caught.value.message, receiver.url)


def test_a_redirect_is_not_followed(runner, receiver):
    receiver.queue_reply(302, b"", {"Location": "http://169.254.169.254/"})
    with pytest.raises(ConnectorError, match="redirect"):
        runner.send({"n": 1})
    assert len(receiver.deliveries) == 1


def test_a_timeout_is_retryable_and_marked(runner, receiver):
    receiver.delay = 1.0
    with pytest.raises(RetryableError) as caught:
        runner.send({"n": 1}, config={"timeout_seconds": 0.2})
    assert caught.value.timeout is True
    assert_no_url(caught.value.message, receiver.url)


def test_a_refused_connection_is_retry_safe(runner, receiver):
    url = receiver.url
    receiver.close()
    with pytest.raises(RetryableError) as caught:
        runner.send({"n": 1}, secrets={"url": url})
    assert caught.value.retry_safe is True
    assert_no_url(caught.value.message, url)


def test_a_missing_url_is_named(runner, receiver):
    with pytest.raises(ConnectorError, match="secrets/url"):
        runner.send({"n": 1}, secrets={})
    assert receiver.deliveries == []


def test_a_malformed_signing_secret_fails_before_sending(runner, receiver):
    with pytest.raises(ConnectorError, match="signing_secret"):
        runner.send({"n": 1}, secrets={"url": receiver.url, "signing_secret": "whsec_%%%"})
    assert receiver.deliveries == []


def test_the_ssrf_guard_holds_without_allow_private_hosts(runner, receiver):
    with pytest.raises(ConnectorError) as caught:
        runner.run(
            lambda ctx: runner.connector.execute(ctx, {"event_type": "x"}, {}),
            config={"allow_private_hosts": []},
        )
    assert "127.0.0.1" in caught.value.message
    assert receiver.deliveries == []


def test_check_sends_nothing_and_reports_the_secrets(runner, receiver):
    connector = runner.connector
    ok = runner.run(connector.check, secrets={"url": receiver.url, **SIGNED})
    assert ok.ok
    assert "signed" in ok.message
    receive_only = runner.run(connector.check, secrets={"inbound_secret": SIGNING_SECRET})
    assert receive_only.ok
    assert "only receives" in receive_only.message
    assert not runner.run(connector.check, secrets={}).ok
    bad = runner.run(connector.check, secrets={"url": receiver.url, "signing_secret": "whsec_"})
    assert not bad.ok
    assert "signing_secret" in bad.message
    assert receiver.deliveries == []


def test_definitions_of_other_kinds_are_refused():
    WebhookConnector().validate_definition("send_event", {"event_type": "x"})
    with pytest.raises(InvalidDefinition):
        WebhookConnector().validate_definition("other", {})
