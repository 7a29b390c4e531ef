"""Google's error answers mapped to what the core does next (retry, reconnect, fail)."""

from __future__ import annotations

import httpx
import pytest
from harbor_google_common.api import google_error, raise_for_status

from harbor.connector import AuthFailed, ConnectorError, RetryableError


def answer(status: int, reason: str = "", message: str = "", **headers: str) -> httpx.Response:
    error = {"code": status, "message": message, "errors": [{"reason": reason}] if reason else []}
    return httpx.Response(status, json={"error": error}, headers=headers)


def test_google_error_reads_message_and_first_reason():
    assert google_error(answer(400, "invalid", "Bad  request\nhere")) == (
        "Bad request here",
        "invalid",
    )
    assert google_error(httpx.Response(502, text="<html>")) == ("", "")


def test_401_means_the_port_needs_new_credentials():
    with pytest.raises(AuthFailed, match="rejected"):
        raise_for_status(answer(401, "authError", "Invalid Credentials"), "GET", "/x")


@pytest.mark.parametrize(
    ("status", "reason"), [(429, ""), (403, "rateLimitExceeded"), (403, "userRateLimitExceeded")]
)
def test_rate_limits_are_retryable_with_retry_after(status, reason):
    with pytest.raises(RetryableError) as caught:
        raise_for_status(answer(status, reason, "slow down", **{"Retry-After": "7"}), "GET", "/x")
    assert caught.value.retry_after == 7


def test_a_server_error_is_retryable_and_a_missing_scope_asks_to_reconnect():
    with pytest.raises(RetryableError):
        raise_for_status(answer(503, "backendError"), "POST", "/x")
    with pytest.raises(ConnectorError, match="reconnect the port") as caught:
        raise_for_status(answer(403, "insufficientPermissions", "no scope"), "POST", "/x")
    assert not isinstance(caught.value, RetryableError)
