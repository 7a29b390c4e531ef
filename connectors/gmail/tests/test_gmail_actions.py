"""Each Gmail action kind against the fake Gmail API: the request sent and the result."""

from __future__ import annotations

import base64
import email
from email import policy
from typing import Any

import pytest

from harbor.connector import AuthFailed, ConnectorError, RetryableError

from .conftest import NOT_FOUND, TOKEN, FakeGoogle, Reply, full_message, google_error

MESSAGES = "/gmail/v1/users/me/messages"


def sent_mime(request: dict[str, Any], *, draft: bool = False) -> email.message.EmailMessage:
    """The MIME message a draft or send request carried in ``raw``."""
    body = request["json"]["message"] if draft else request["json"]
    raw = base64.urlsafe_b64decode(body["raw"])
    assert b"\r\n" in raw  # RFC 5322 line ends
    return email.message_from_bytes(raw, policy=policy.default)  # type: ignore[return-value]


def test_list_messages_sends_the_query_labels_and_paging(runner, google: FakeGoogle, config):
    google.route(
        "GET",
        MESSAGES,
        Reply(200, {"messages": [{"id": "18c2a", "threadId": "18c20"}],
                    "nextPageToken": "09876", "resultSizeEstimate": 201}),
    )  # fmt: skip
    result = runner.execute(
        config,
        "list_messages",
        {"q": "from:grace", "label_ids": ["STARRED"], "max_results": 5, "page_token": "12345"},
        definition={"query": "is:unread in:inbox", "label_ids": ["INBOX"]},
    )
    assert result == {
        "messages": [{"id": "18c2a", "thread_id": "18c20"}],
        "next_page_token": "09876",
        "result_size_estimate": 201,
    }
    [request] = google.api_requests()
    assert request["query_all"] == {
        "q": ["is:unread in:inbox from:grace"],
        "labelIds": ["INBOX", "STARRED"],
        "maxResults": ["5"],
        "pageToken": ["12345"],
    }
    assert request["headers"]["authorization"] == f"Bearer {TOKEN}"


def test_an_empty_mailbox_lists_no_messages(runner, google, config):
    google.route("GET", MESSAGES, Reply(200, {"resultSizeEstimate": 0}))
    result = runner.execute(config, "list_messages", {})
    assert result == {"messages": [], "next_page_token": None, "result_size_estimate": 0}
    assert google.api_requests()[0]["query_all"] == {}


def test_get_message_returns_headers_plain_body_and_lists_attachments(runner, google, config):
    google.route("GET", f"{MESSAGES}/18c2a4f5e6d7b8a9", Reply(200, full_message()))
    result = runner.execute(config, "get_message", {"id": "18c2a4f5e6d7b8a9"})
    assert google.api_requests()[0]["query_all"] == {"format": ["full"]}
    assert result["headers"]["from"] == "Grace Hopper <grace@example.com>"
    assert result["headers"]["subject"] == "Invoice — November"
    assert result["body"] == "Hi Ada,\r\nthe invoice is attached. Grüße\r\n"
    assert result["body_truncated"] is False
    assert result["label_ids"] == ["UNREAD", "IMPORTANT", "CATEGORY_PERSONAL", "INBOX"]
    assert result["attachments"] == [
        {"part_id": "1", "filename": "invoice-11.pdf", "mime_type": "application/pdf",
         "size": 48000}
    ]  # fmt: skip
    assert all("attachments" not in r["path"] for r in google.requests)  # never fetched


def test_the_body_is_capped_by_the_port_config(runner, google, config):
    google.route("GET", f"{MESSAGES}/18c2a4f5e6d7b8a9", Reply(200, full_message()))
    result = runner.execute(
        {**config, "max_body_chars": 7}, "get_message", {"id": "18c2a4f5e6d7b8a9"}
    )
    assert result["body"] == "Hi Ada,"
    assert result["body_truncated"] is True


def test_list_labels(runner, google, config):
    labels = {"labels": [
        {"id": "INBOX", "name": "INBOX", "messageListVisibility": "hide",
         "labelListVisibility": "labelShow", "type": "system"},
        {"id": "Label_12", "name": "Receipts", "type": "user"},
    ]}  # fmt: skip
    google.route("GET", "/gmail/v1/users/me/labels", Reply(200, labels))
    assert runner.execute(config, "list_labels", {}) == {
        "labels": [
            {"id": "INBOX", "name": "INBOX", "type": "system"},
            {"id": "Label_12", "name": "Receipts", "type": "user"},
        ]
    }


def test_send_message_builds_utf8_mime(runner, google, config):
    google.route(
        "POST", f"{MESSAGES}/send",
        Reply(200, {"id": "18c2b", "threadId": "18c2b", "labelIds": ["SENT"]}),
    )  # fmt: skip
    result = runner.execute(
        config,
        "send_message",
        {"to": ["grace@example.com"], "cc": ["team@example.org"], "subject": "Grüße aus Zürich",
         "body": "Thanks — paid today.\n", "in_reply_to": "<CAF=abc@mail.gmail.com>",
         "thread_id": "18c2a4f5e6d7b8a0"},
    )  # fmt: skip
    assert result == {"id": "18c2b", "thread_id": "18c2b", "label_ids": ["SENT"]}
    [request] = google.api_requests()
    assert request["json"]["threadId"] == "18c2a4f5e6d7b8a0"
    message = sent_mime(request)
    assert message["To"] == "grace@example.com"
    assert message["Cc"] == "team@example.org"
    assert message["Subject"] == "Grüße aus Zürich"
    assert message["In-Reply-To"] == "<CAF=abc@mail.gmail.com>"
    assert message.get_content_type() == "text/plain"
    assert message.get_content_charset() == "utf-8"
    assert message.get_content() == "Thanks — paid today.\r\n"
    raw = base64.urlsafe_b64decode(request["json"]["raw"])
    assert b"Subject: =?utf-8?" in raw  # the header is encoded, not raw UTF-8


def test_create_draft_wraps_the_message(runner, google, config):
    google.route(
        "POST", "/gmail/v1/users/me/drafts",
        Reply(200, {"id": "r-5831", "message": {"id": "18c2c", "threadId": "18c2c",
                                                "labelIds": ["DRAFT"]}}),
    )  # fmt: skip
    result = runner.execute(
        config, "create_draft", {"to": ["grace@example.com"], "subject": "Hi", "body": "Draft"}
    )
    assert result == {"draft_id": "r-5831", "id": "18c2c", "thread_id": "18c2c"}
    message = sent_mime(google.api_requests()[0], draft=True)
    assert message["To"] == "grace@example.com"
    assert message.get_content() == "Draft\r\n"


def test_recipients_outside_the_allowed_domains_are_refused_before_sending(runner, google, config):
    allowed = {**config, "allowed_recipient_domains": ["example.com", "*.example.org"]}
    with pytest.raises(ConnectorError, match=r"eve@evil\.test is not in a domain allowed"):
        runner.execute(
            allowed, "send_message",
            {"to": ["grace@example.com"], "bcc": ["eve@evil.test"], "subject": "x", "body": "y"},
        )  # fmt: skip
    assert google.api_requests() == []
    google.route("POST", f"{MESSAGES}/send", Reply(200, {"id": "1", "threadId": "1"}))
    runner.execute(
        allowed, "send_message",
        {"to": ["a@example.com", "b@mail.example.org"], "subject": "x", "body": "y"},
    )  # fmt: skip
    assert len(google.api_requests()) == 1


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"to": ["grace@example.com"], "subject": "hi\r\nBcc: eve@evil.test", "body": "x"},
         "headers are not valid"),
        ({"to": ["Grace <grace@example.com>"], "subject": "hi", "body": "x"},
         "not a plain e-mail address"),
        ({"to": ["a@example.com, eve@evil.test"], "subject": "hi", "body": "x"},
         "not a plain e-mail address"),
        ({"to": [], "subject": "hi", "body": "x"}, "at least one address"),
    ],
)  # fmt: skip
def test_header_injection_and_odd_addresses_are_refused(runner, google, config, arguments, message):
    with pytest.raises(ConnectorError, match=message):
        runner.execute(config, "send_message", arguments)
    assert google.api_requests() == []


def test_modify_labels_combines_definition_and_arguments(runner, google, config):
    google.route(
        "POST", f"{MESSAGES}/18c2a/modify",
        Reply(200, {"id": "18c2a", "threadId": "18c20", "labelIds": ["INBOX", "STARRED"]}),
    )  # fmt: skip
    result = runner.execute(
        config, "modify_labels", {"id": "18c2a", "add_label_ids": ["STARRED"]},
        definition={"remove_label_ids": ["UNREAD"]},
    )  # fmt: skip
    assert result == {"id": "18c2a", "label_ids": ["INBOX", "STARRED"]}
    assert google.api_requests()[0]["json"] == {
        "addLabelIds": ["STARRED"],
        "removeLabelIds": ["UNREAD"],
    }


def test_trash_message(runner, google, config):
    google.route(
        "POST", f"{MESSAGES}/18c2a/trash",
        Reply(200, {"id": "18c2a", "threadId": "18c20", "labelIds": ["TRASH"]}),
    )  # fmt: skip
    assert runner.execute(config, "trash_message", {"id": "18c2a"}) == {
        "id": "18c2a",
        "label_ids": ["TRASH"],
    }
    assert google.api_requests()[0]["method"] == "POST"


def test_a_message_id_cannot_escape_its_path(runner, google, config):
    with pytest.raises(ConnectorError, match="not a Gmail id"):
        runner.execute(config, "trash_message", {"id": "../../labels"})
    assert google.api_requests() == []


def test_google_errors_are_mapped(runner, google, config):
    with pytest.raises(AuthFailed, match="Google connection was rejected"):
        runner.execute(config, "list_labels", {}, token="ya29.expired")
    with pytest.raises(ConnectorError, match=r"Requested entity was not found\. \(notFound\)"):
        runner.execute(config, "get_message", {"id": "nope"})
    google.route(
        "GET", "/gmail/v1/users/me/labels",
        Reply(429, google_error(429, "Too many requests", "rateLimitExceeded",
                                "RESOURCE_EXHAUSTED"), {"Retry-After": "7"}),
    )  # fmt: skip
    with pytest.raises(RetryableError) as retry:
        runner.execute(config, "list_labels", {})
    assert retry.value.retry_after == 7.0
    assert retry.value.retry_safe is True
    google.route(
        "POST", f"{MESSAGES}/send",
        Reply(403, google_error(403, "Request had insufficient authentication scopes.",
                                "insufficientPermissions", "PERMISSION_DENIED")),
    )  # fmt: skip
    with pytest.raises(ConnectorError, match="reconnect the port to grant the scopes"):
        runner.execute(
            config, "send_message", {"to": ["a@example.com"], "subject": "s", "body": "b"}
        )
    assert NOT_FOUND["error"]["status"] == "NOT_FOUND"
