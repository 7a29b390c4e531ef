"""Forged form posts are refused: no token, a wrong token, a token of another browser, or
a page on another origin."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from harbor.runtime.pause import pause_state
from tests.ui.conftest import form_token

REFUSAL = "did not come from this Harbor console"


def paused(node) -> bool:
    with node.store.read_session() as session:
        return pause_state(session).paused


def post_form_from_the_page(page, action: str, fields: dict[str, str]) -> None:
    """Build and submit a plain form inside the console's own page (same origin)."""
    page.evaluate(
        """([action, fields]) => {
            const form = document.createElement("form");
            form.method = "post";
            form.action = action;
            for (const [name, value] of Object.entries(fields)) {
                const input = document.createElement("input");
                input.type = "hidden"; input.name = name; input.value = value;
                form.appendChild(input);
            }
            document.body.appendChild(form);
            form.submit();
        }""",
        [action, fields],
    )
    page.wait_for_load_state()


@pytest.mark.parametrize(
    "fields", [{"reason": "forged"}, {"reason": "forged", "csrf_token": "0" * 64}],
    ids=["without-token", "wrong-token"],
)  # fmt: skip
def test_a_forged_form_post_is_refused_in_the_browser(signed_in, harbor_node, shot, fields):
    page = signed_in
    post_form_from_the_page(page, "/pause", fields)
    assert REFUSAL in page.inner_text("main")
    assert not paused(harbor_node)
    shot(page, "csrf-refused")


class AttackerSite:
    """A page on another origin (another loopback port) that posts a form to the node."""

    def __init__(self, target: str) -> None:
        html = (
            f'<form id="f" method="post" action="{target}/pause">'
            '<input name="reason" value="forged"></form>'
            "<script>document.getElementById('f').submit()</script>"
        ).encode()

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.send_header("Content-Length", str(len(html)))
                self.end_headers()
                self.wfile.write(html)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://localhost:{self.server.server_address[1]}/"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def test_a_form_on_another_site_cannot_change_the_node(signed_in, console, harbor_node):
    attacker = AttackerSite(console.url)
    try:
        signed_in.goto(attacker.url)
        signed_in.wait_for_url(f"{console.url}/pause")
        assert '"code": "forbidden"' in signed_in.content()
    finally:
        attacker.close()
    assert not paused(harbor_node)


def test_posts_without_a_valid_token_are_refused(signed_in_client, harbor_node):
    for data in ({"reason": "x"}, {"reason": "x", "csrf_token": "nope"}):
        response = signed_in_client.post("/pause", data=data)
        assert response.status_code == 403
        assert REFUSAL in response.text
    assert not paused(harbor_node)


def test_a_token_of_another_browser_is_refused(signed_in_client, console, operator, harbor_node):
    import httpx

    with httpx.Client(base_url=console.url) as other_browser:
        stolen = form_token(other_browser, "/login")
    response = signed_in_client.post("/pause", data={"reason": "x", "csrf_token": stolen})
    assert response.status_code == 403
    assert not paused(harbor_node)


def test_the_token_may_come_in_a_header_for_scripts(signed_in_client, harbor_node):
    token = form_token(signed_in_client, "/")
    response = signed_in_client.post("/pause", headers={"X-CSRF-Token": token})
    assert response.status_code == 303
    assert paused(harbor_node)


def test_even_sign_in_needs_the_token(ui_client, operator):
    form_token(ui_client, "/login")  # the browser has its pre-session cookie
    response = ui_client.post("/login", data={"password": operator})
    assert response.status_code == 403
    assert "harbor_session" not in response.headers.get("set-cookie", "")
