"""The web console: server-rendered pages at ``/`` (FastAPI + Jinja2, no build step).

The console is thin: every page calls the same ``harbor.runtime`` functions as the API and
holds no logic of its own. Where a page needs something the runtime cannot do yet, add it
to the runtime (with its API route), never to the page.

Conventions for adding pages
============================

**One module per group.** ``harbor/ui/pages/<group>.py`` holds ``router = ui_router()``;
its templates are ``harbor/ui/templates/<group>/*.html``. Every module of
``harbor.ui.pages`` with a ``router`` is mounted automatically (``pages.page_routers``,
through the built-in plugin ``harbor.plugins.web_ui``); nothing else to register. Paths are
absolute (``/ports``, ``/ports/{port}``); the navigation bar is ``rendering.NAVIGATION``.

**The router does the plumbing.** ``harbor.ui.routing.ui_router()`` gives routes that are
kept out of the OpenAPI document, skip the API's bearer check (``ui_access()``), refuse any
POST/PUT/PATCH/DELETE whose CSRF token is missing or wrong (403, before the page runs),
render an escaping ``HarborError`` as an error page in plain words, and send a visitor with
no session to ``/login?next=...`` (or to ``/setup`` when no operator exists).

**Node, session, actor.** Page functions are plain ``def`` (FastAPI runs them in a thread,
so blocking database work is fine)::

    from harbor.ui.sessions import NodeDep, OperatorDep

    @router.get("/ports")
    def ports_page(request: Request, node: NodeDep, operator: OperatorDep) -> HTMLResponse:
        with node.store.read_session() as session:
            ports = runtime_ports.list_ports(session)
        return render(request, "ports/list.html", {"ports": ports})

``OperatorDep`` requires a signed-in operator (add it to every page except sign-in/setup,
even when unused: name it ``_operator``). ``operator.actor`` is the audit ``Actor``; write
with ``node.store.session(operator.actor)`` so the audit log names the operator.

**Forms.** Every ``<form method="post">`` carries the token: ``{{ ui.csrf() }}`` after
``{% import "_macros.html" as ui with context %}`` (``with context`` is needed: the token
is per browser). Read fields with ``Annotated[str, Form()]``. Fetches from JavaScript send
the token of ``<meta name="csrf-token">`` in ``X-CSRF-Token``. Macros: ``field``,
``secret`` (password input showing only "set / not set"; never put a secret's value in a
page), ``textarea``, ``json_editor`` (parse it on the server and re-render on error),
``select``, ``checkbox``, ``empty_state`` (say what to do next), ``status``, ``risk``,
``copy_button``, ``pager``.

**Errors inline, then redirect-after-post.** Catch ``HarborError`` around the runtime call
and render the same form again with what was typed and the error at the top; on success
redirect (303) with a flash::

    try:
        with node.store.session(operator.actor) as session:
            runtime_ports.create_port(session, spec)
    except HarborError as err:
        return render(request, "ports/new.html", {"form": form}, status_code=err.status,
                      error=err)
    return redirect_to(request, f"/ports/{name}", "Port created.")

``render(request, template, context, status_code=..., error=...)`` adds the layout's
context (operator, CSRF token, flashes, active section, the error in plain words, with one
line per located problem in ``err.extra["errors"]``). ``redirect_to(request, url, flash,
kind)`` with kind ``success``, ``info``, ``warning`` or ``error``. Never show a stack
trace: an unexpected exception becomes a generic error page and the details go to the log.

**Templates** extend ``base.html`` and fill ``{% block title %}`` and ``{% block content
%}``; filters: ``when`` (exact UTC time), ``ago``, ``time_tag`` (a ``<time>`` with both),
``pretty_json``. Only the console's own CSS and JS (``harbor/ui/static``, served at
``/static/<file>``) are used: no CDN, no inline ``<script>`` or ``style=""`` (the pages'
Content-Security-Policy refuses them). Every page works without JavaScript.

**Tests** go in ``tests/ui/``: ``ui_client`` / ``signed_in_client`` and ``form_token``
for fast TestClient tests; ``signed_in`` (a Playwright page on a live node), ``shot(page,
label)`` for screenshots; see ``tests/ui/conftest.py``.
"""
