"""What the image relies on from ``harbor serve``, tested on the process itself: the password
file, SIGTERM (calls in flight finish), HTTPS with a certificate, and a trusted reverse proxy
(cookies ``Secure``)."""

from __future__ import annotations

import datetime
import ipaddress
import signal
import ssl
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from harbor_client import HarborClient
from harbor_client.call_models import CallPublic
from harbor_client.models import DraftCreate
from tests.conftest import UPSTREAM_TOKEN, Upstream
from tests.container.conftest import (
    ADMIN_PASSWORD,
    ServedNode,
    form_csrf_token,
    operator_client,
)


def serve_once(node: ServedNode) -> subprocess.CompletedProcess[str]:
    """``harbor serve`` expected to stop at once; its output."""
    return subprocess.run(
        [sys.executable, "-m", "harbor", "serve"],
        env=node.env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


# --- the operator password from a file (a Docker or Podman secret) ---------------------------


def test_a_password_file_sets_the_operator_password_at_first_start(served_node, tmp_path):
    secret = tmp_path / "admin_password"
    secret.write_text(ADMIN_PASSWORD + "\n")  # secrets often end with a newline
    node = served_node(HARBOR_ADMIN_PASSWORD_FILE=str(secret)).start()
    assert operator_client(node.url).whoami().role == "operator"
    assert "hbs_" not in node.logs()  # no setup token was needed


def test_an_unreadable_password_file_stops_serve_with_one_error_line(served_node, tmp_path):
    node = served_node(HARBOR_ADMIN_PASSWORD_FILE=str(tmp_path / "missing"))
    result = serve_once(node)
    assert result.returncode == 1
    assert result.stderr.startswith("error: cannot read HARBOR_ADMIN_PASSWORD_FILE ")
    assert len(result.stderr.strip().splitlines()) == 1


# --- SIGTERM: graceful shutdown --------------------------------------------------------------


def publish_slow_actions(operator: HarborClient, upstream: Upstream) -> None:
    """`read_slow` (runs at once) and `write_slow` (needs approval), each 2 s upstream."""
    config = {
        "base_url": upstream.url,
        "auth": {"type": "bearer"},
        "allow_private_hosts": ["127.0.0.1"],
    }
    operator.create_port("slow", "http_api", config)
    operator.set_port_secret("slow", "bearer_token", value=UPSTREAM_TOKEN)
    for action, risk in (("read_slow", "read"), ("write_slow", "write")):
        definition = {"method": "GET", "path": f"/slow/{action}"}
        draft = operator.create_draft(
            "slow", DraftCreate(action=action, kind="request", risk=risk, definition=definition)
        )
        operator.validate_draft(draft.id)
        operator.publish_draft(draft.id, force=True)


def wait_for_upstream_paths(upstream: Upstream, paths: set[str]) -> None:
    """Wait until the upstream has received a request for each path."""
    deadline = time.monotonic() + 20
    while not paths <= {str(r["path"]) for r in upstream.requests}:
        assert time.monotonic() < deadline, f"upstream saw only {upstream.requests}"
        time.sleep(0.02)


def test_sigterm_lets_calls_in_flight_finish_and_loses_nothing(served_node, upstream):
    node = served_node(HARBOR_ADMIN_PASSWORD=ADMIN_PASSWORD).start()
    operator = operator_client(node.url)
    publish_slow_actions(operator, upstream)
    agent = HarborClient(node.url, key=operator.create_agent("a", scopes=["slow.*"]).key.key)

    queued = agent.create_call("slow.write_slow")
    assert queued.approval_id is not None
    operator.approve(queued.approval_id)  # runs on the node's dispatcher
    answered: list[CallPublic] = []
    direct = threading.Thread(target=lambda: answered.append(agent.create_call("slow.read_slow")))
    direct.start()  # runs inside its HTTP request
    wait_for_upstream_paths(upstream, {"/slow/write_slow", "/slow/read_slow"})

    # Both calls are still at the upstream when SIGTERM arrives. uvicorn re-raises the signal
    # once it has shut down, so the status is "terminated by SIGTERM" (0 as a container's PID 1).
    assert node.terminate() in (0, -signal.SIGTERM)
    direct.join(timeout=10)
    assert answered[0].status == "succeeded"
    assert answered[0].result == {"path": "/slow/read_slow", "ok": True}
    logs = node.logs()
    assert "Application shutdown complete." in logs

    node.start()
    operator = operator_client(node.url)
    assert agent.get_call(queued.id).status == "succeeded"
    assert "were running when the node stopped" not in node.logs()
    assert operator.verify_audit().ok


# --- HTTPS served by the node ------------------------------------------------------------------


def write_self_signed_certificate(directory: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and localhost, and its key: (certfile, keyfile)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "harbor.test")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    certfile, keyfile = directory / "harbor.crt", directory / "harbor.key"
    certfile.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    keyfile.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return certfile, keyfile


def session_cookie_after_sign_in(
    url: str, origin: str, verify: bool | ssl.SSLContext = True, **headers: str
) -> str:
    """Sign in through the console form as a browser on ``origin``; the session's Set-Cookie.

    Cookies are carried by hand: a browser behind an HTTPS proxy sends the ``Secure`` ones,
    which a cookie jar talking plain HTTP to the node would withhold.
    """
    with httpx.Client(base_url=url, verify=verify, timeout=30, headers=headers) as browser:
        page = browser.get("/login")
        presession = cookie_named(page, "harbor_presession").split(";", 1)[0]
        browser.cookies.clear()
        signed_in = browser.post(
            "/login",
            data={"password": ADMIN_PASSWORD, "csrf_token": form_csrf_token(page.text)},
            headers={"Cookie": presession, "Origin": origin},
        )
        assert signed_in.status_code == 303, signed_in.text
        assert signed_in.headers["location"] == "/"  # relative: the browser keeps its scheme
        cookie = cookie_named(signed_in, "harbor_session")
        assert cookie.startswith("harbor_session=hbo_")
        return cookie


def cookie_named(response: httpx.Response, name: str) -> str:
    """The Set-Cookie header of the cookie ``name``."""
    found = [c for c in response.headers.get_list("set-cookie") if c.startswith(f"{name}=")]
    assert found, f"no {name} cookie in {response.headers.get_list('set-cookie')}"
    return found[0]


def test_https_with_a_certificate_and_key(served_node, tmp_path):
    certfile, keyfile = write_self_signed_certificate(tmp_path)
    trust = ssl.create_default_context(cafile=str(certfile))
    node = served_node(
        "https",
        HARBOR_ADMIN_PASSWORD=ADMIN_PASSWORD,
        HARBOR_TLS_CERTFILE=str(certfile),
        HARBOR_TLS_KEYFILE=str(keyfile),
    ).start(verify=trust)
    assert httpx.get(f"{node.url}/api/v1/health", verify=trust).json()["status"] == "ok"
    assert "; Secure" in session_cookie_after_sign_in(node.url, node.url, verify=trust)
    with pytest.raises(httpx.RemoteProtocolError):
        httpx.get(node.url.replace("https:", "http:") + "/api/v1/health")  # no plain HTTP


def test_serve_refuses_an_unusable_https_setup(served_node, tmp_path):
    certfile, keyfile = write_self_signed_certificate(tmp_path)
    half = serve_once(
        served_node(HARBOR_ADMIN_PASSWORD=ADMIN_PASSWORD, HARBOR_TLS_KEYFILE=str(keyfile))
    )
    assert half.returncode == 1
    assert half.stderr.startswith("error: tls_keyfile is set but tls_certfile is not")
    other_key = tmp_path / "other"
    other_key.mkdir()
    _, wrong_key = write_self_signed_certificate(other_key)
    mismatched = serve_once(
        served_node(
            HARBOR_ADMIN_PASSWORD=ADMIN_PASSWORD,
            HARBOR_TLS_CERTFILE=str(certfile),
            HARBOR_TLS_KEYFILE=str(wrong_key),
        )
    )
    assert mismatched.returncode == 1
    assert mismatched.stderr.startswith(f"error: cannot serve HTTPS with certificate {certfile}")


# --- behind a reverse proxy --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("forwarded_allow_ips", "secure"),
    [("127.0.0.0/8", True), ("192.0.2.10", False)],
    ids=["proxy-trusted", "proxy-not-trusted"],
)
def test_forwarded_proto_makes_cookies_secure_only_from_a_trusted_proxy(
    served_node, forwarded_allow_ips, secure
):
    node = served_node(
        HARBOR_ADMIN_PASSWORD=ADMIN_PASSWORD,
        HARBOR_FORWARDED_ALLOW_IPS=forwarded_allow_ips,
        HARBOR_ALLOWED_HOSTS="harbor.example.lan",
    ).start()
    # What a proxy terminating HTTPS for https://harbor.example.lan sends on to the node.
    cookie = session_cookie_after_sign_in(
        node.url,
        "https://harbor.example.lan",
        Host="harbor.example.lan",
        **{"X-Forwarded-Proto": "https"},
    )
    assert ("; Secure" in cookie) is secure
