# Harbor node image: the core, harbor-client and every connector under connectors/.
#
#   docker build -t harbor .
#   docker run -d --init -p 127.0.0.1:8765:8765 -v harbor-data:/data \
#       -e HARBOR_ADMIN_PASSWORD='a long passphrase' harbor
#
# Works with Docker and Podman (build with `--format docker` so HEALTHCHECK is kept).
# BASE_IMAGE needs python3 with the venv module (`python3 -m venv`); nothing else.
# PIP_CERT: a CA bundle for pip, for builds behind a TLS-intercepting proxy; mount it into the
# build, e.g. `-v /etc/ssl/certs/ca-certificates.crt:/run/host-ca.crt:ro
# --build-arg PIP_CERT=/run/host-ca.crt`. It is used by the build stage only.
# See docs/container.md.

ARG BASE_IMAGE=python:3.12-slim

# --- build: a virtual environment with Harbor installed from this source tree -------------
FROM ${BASE_IMAGE} AS build
ARG PIP_CERT=
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_ROOT_USER_ACTION=ignore
RUN python3 -m venv /opt/harbor
WORKDIR /src

# Third-party requirements first, from the two pyproject files only: this layer is rebuilt
# when dependencies change, not on every source edit. Harbor's own distributions are left out
# (they are installed from the tree below).
COPY pyproject.toml ./
COPY client/pyproject.toml client/
RUN python3 -c 'import sys, tomllib; \
deps = [d for f in sys.argv[1:] for d in tomllib.load(open(f, "rb"))["project"]["dependencies"]]; \
print("\n".join(d for d in deps if not d.lower().startswith("harbor")))' \
        pyproject.toml client/pyproject.toml > /tmp/requirements.txt \
    && if [ -z "$PIP_CERT" ]; then unset PIP_CERT; fi \
    && /opt/harbor/bin/pip install --quiet "setuptools>=77" -r /tmp/requirements.txt

# The source tree: the client, the core, then every directory under connectors/ that is a
# distribution. One pip command, so the connectors' `harbor` requirement is this core.
# MkDocs renders the docs into the package (setup.py) for the node's /docs; it lives in a venv
# of its own in this discarded stage, so the runtime image does not carry it.
RUN if [ -z "$PIP_CERT" ]; then unset PIP_CERT; fi \
    && python3 -m venv /opt/docs-build \
    && /opt/docs-build/bin/pip install --quiet "mkdocs>=1.6" "mkdocs-material>=9.5"
COPY . .
RUN if [ -z "$PIP_CERT" ]; then unset PIP_CERT; fi \
    && connectors=$(for dir in connectors/*/; do \
           if [ -f "${dir}pyproject.toml" ]; then printf '%s ' "./${dir}"; fi; done) \
    && HARBOR_MKDOCS=/opt/docs-build/bin/mkdocs \
       /opt/harbor/bin/pip install --quiet --no-build-isolation ./client . $connectors \
    && /opt/harbor/bin/pip uninstall --quiet --yes setuptools \
    && /opt/harbor/bin/harbor version

# --- runtime: the venv, a non-root user and the data volume ------------------------------
FROM ${BASE_IMAGE}
LABEL org.opencontainers.image.title="Harbor" \
      org.opencontainers.image.description="The local-first gateway between AI agents and the services they act on" \
      org.opencontainers.image.licenses="Apache-2.0"

RUN groupadd --gid 10001 harbor \
    && useradd --uid 10001 --gid harbor --home-dir /data --no-create-home \
        --shell /usr/sbin/nologin harbor \
    && mkdir -p /data \
    && chown harbor:harbor /data \
    && chmod 0700 /data

COPY --from=build /opt/harbor /opt/harbor

# Listen on every interface of the container: the port is published on the host, and the
# host decides who reaches it (compose.yaml binds 127.0.0.1). `harbor serve` refuses to listen
# beyond loopback until an operator password exists: set HARBOR_ADMIN_PASSWORD or
# HARBOR_ADMIN_PASSWORD_FILE for the first start.
ENV PATH=/opt/harbor/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    HARBOR_HOST=0.0.0.0 \
    HARBOR_PORT=8765 \
    HARBOR_DATA_DIR=/data \
    HARBOR_CONFIG_DIR=/data

VOLUME ["/data"]
EXPOSE 8765
USER harbor
WORKDIR /data

# uvicorn handles SIGTERM: it stops accepting connections, lets requests in flight finish,
# then the node waits for the calls it started. Give it longer than call_timeout_seconds
# (docker stop -t 40, compose stop_grace_period).
STOPSIGNAL SIGTERM

# The node's own settings say where it listens and whether it serves HTTPS; the check talks
# to it on loopback, never through a proxy, and accepts the node's own certificate.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import ssl, urllib.request as u; from harbor.settings import load_settings; s = load_settings(); c = ssl.create_default_context(); c.check_hostname = False; c.verify_mode = ssl.CERT_NONE; u.build_opener(u.ProxyHandler({}), u.HTTPSHandler(context=c)).open(('https' if s.tls_certfile else 'http') + '://127.0.0.1:%d/api/v1/health' % s.port, timeout=4)"]

ENTRYPOINT ["harbor"]
CMD ["serve"]
