"""Messages in and out: MIME built with the standard library, Gmail payloads read back.

Outgoing mail is an :class:`email.message.EmailMessage` (UTF-8 text, encoded headers,
proper MIME), serialised with CRLF line ends and base64url-encoded into Gmail's ``raw``.
Headers refuse line breaks, so an argument cannot smuggle in another header. Incoming
messages are Gmail's ``format=full`` payload tree: the first ``text/plain`` part is the
body (capped), and parts with a file name are listed as attachments, never fetched.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterator, Mapping, Sequence
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import parseaddr
from fnmatch import fnmatchcase
from typing import Any

from harbor.connector import ConnectorError

#: A plain address: local part, @, a domain with at least one dot. Display names are
#: not accepted from arguments (they would be one more place to hide a second address).
ADDRESS_PATTERN = r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$"
_ADDRESS = re.compile(ADDRESS_PATTERN)
SHOWN_HEADERS = ("From", "To", "Cc", "Subject", "Date", "Message-ID", "In-Reply-To")


def check_address(address: str) -> str:
    """``address`` if it is one plain e-mail address, else ConnectorError."""
    if not isinstance(address, str) or not _ADDRESS.fullmatch(address):
        raise ConnectorError(f"'{str(address)[:80]}' is not a plain e-mail address")
    _, parsed = parseaddr(address)
    if parsed != address:
        raise ConnectorError(f"'{address[:80]}' is not a plain e-mail address")
    return address


def domain_allowed(address: str, patterns: Sequence[str]) -> bool:
    """Whether the address's domain matches an allowed domain (``*.example.com`` too)."""
    domain = address.rpartition("@")[2].lower()
    return any(fnmatchcase(domain, pattern.lower()) for pattern in patterns)


def check_recipients(recipients: Sequence[str], config: Mapping[str, Any], port: str) -> None:
    """Refuse any recipient outside the port's ``allowed_recipient_domains``, if set."""
    allowed = config.get("allowed_recipient_domains")
    if not allowed:
        return
    for address in recipients:
        if not domain_allowed(address, allowed):
            raise ConnectorError(
                f"the recipient {address} is not in a domain allowed on port {port} "
                f"(allowed: {', '.join(allowed)})"
            )


def build_message(
    *,
    to: Sequence[str],
    subject: str,
    body: str,
    cc: Sequence[str] = (),
    bcc: Sequence[str] = (),
    in_reply_to: str | None = None,
) -> EmailMessage:
    """A UTF-8 text message; ValueError-free: bad input raises ConnectorError."""
    message = EmailMessage(policy=policy.SMTP)
    try:
        message["To"] = [Address(addr_spec=check_address(a)) for a in to]
        if cc:
            message["Cc"] = [Address(addr_spec=check_address(a)) for a in cc]
        if bcc:
            message["Bcc"] = [Address(addr_spec=check_address(a)) for a in bcc]
        message["Subject"] = subject
        if in_reply_to:
            message["In-Reply-To"] = in_reply_to
            message["References"] = in_reply_to
    except ValueError as err:  # a line break in a header value, a malformed address
        raise ConnectorError(f"the message headers are not valid: {err}") from err
    message.set_content(body, charset="utf-8")
    return message


def raw(message: EmailMessage) -> str:
    """The message as Gmail's ``raw``: RFC 5322 bytes, base64url-encoded."""
    return base64.urlsafe_b64encode(message.as_bytes()).decode("ascii")


# --- Reading Gmail payloads ------------------------------------------------------------------


def decode_data(data: str) -> bytes:
    """Gmail's base64url body data (padding optional)."""
    try:
        return base64.urlsafe_b64decode(data + "=" * (-len(data) % 4))
    except (binascii.Error, ValueError) as err:
        raise ConnectorError("Gmail sent a message body that is not base64url") from err


def walk(part: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    """Every part of a payload tree, depth first."""
    yield part
    for child in part.get("parts") or []:
        if isinstance(child, Mapping):
            yield from walk(child)


def header_map(part: Mapping[str, Any]) -> dict[str, str]:
    """The headers Harbor shows, by lower-case name."""
    wanted = {h.lower() for h in SHOWN_HEADERS}
    found: dict[str, str] = {}
    for header in part.get("headers") or []:
        name = str(header.get("name", "")).lower()
        key = name.replace("-", "_")
        if name in wanted and key not in found:
            found[key] = str(header.get("value", ""))
    return found


def _charset(part: Mapping[str, Any]) -> str:
    for header in part.get("headers") or []:
        if str(header.get("name", "")).lower() == "content-type":
            match = re.search(r'charset="?([A-Za-z0-9_.:-]+)', str(header.get("value", "")))
            if match:
                return match.group(1)
    return "utf-8"


def plain_text(payload: Mapping[str, Any], limit: int) -> tuple[str, bool]:
    """The first text/plain part that is not an attachment, capped; and whether it was cut."""
    for part in walk(payload):
        body = part.get("body") or {}
        if part.get("mimeType") == "text/plain" and not part.get("filename") and body.get("data"):
            raw_bytes = decode_data(str(body["data"]))
            try:
                text = raw_bytes.decode(_charset(part), errors="replace")
            except LookupError:  # an unknown charset name
                text = raw_bytes.decode("utf-8", errors="replace")
            return text[:limit], len(text) > limit
    return "", False


def attachments(payload: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Parts with a file name: listed with their size, never fetched."""
    found = []
    for part in walk(payload):
        if part.get("filename"):
            body = part.get("body") or {}
            found.append(
                {
                    "part_id": part.get("partId"),
                    "filename": part.get("filename"),
                    "mime_type": part.get("mimeType"),
                    "size": body.get("size", 0),
                }
            )
    return found
