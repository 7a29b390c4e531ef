"""Fixtures for the deployment tests: the container image under Podman, and ``harbor serve``
as a real process (what the image runs) for its signals, password file, TLS and proxy headers.

The image is built once per run (``harbor_image``); every container and volume a test starts
is removed afterwards. Without Podman the image tests skip locally, and fail when ``CI`` is
set: CI must run them (``.ci/run`` prepares Podman with ``../shared/tools/podman-env``).
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import ssl
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from harbor_client import HarborClient
from tests.conftest import free_port

REPO_ROOT = Path(__file__).resolve().parents[2]
PODMAN_ENV = REPO_ROOT.parent / "shared" / "tools" / "podman-env"
ADMIN_PASSWORD = "a long operator passphrase for the image"
IMAGE_TAG = "localhost/harbor:test"
BASE_IMAGE = os.environ.get("HARBOR_TEST_BASE_IMAGE", "localhost/pybase:bookworm")
HOST_CA_BUNDLE = Path("/etc/ssl/certs/ca-certificates.crt")
BUILD_CA_PATH = "/run/host-ca.crt"
CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


def wait_for_health(
    url: str,
    alive: Callable[[], bool],
    logs: Callable[[], str],
    verify: bool | ssl.SSLContext = True,
    seconds: float = 120,
) -> None:
    """Poll ``url``/api/v1/health until it answers 200, failing with the logs otherwise."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not alive():
            pytest.fail(f"the node stopped before answering health:\n{logs()}")
        try:
            if httpx.get(f"{url}/api/v1/health", timeout=2, verify=verify).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.3)
    pytest.fail(f"health did not answer 200 within {seconds:.0f} s:\n{logs()}")


def form_csrf_token(page: str) -> str:
    """The CSRF token of the first form of a console page."""
    match = CSRF_FIELD.search(page)
    assert match, f"no CSRF token in the page:\n{page[:500]}"
    return match.group(1)


def operator_client(
    url: str, password: str = ADMIN_PASSWORD, transport: httpx.HTTPTransport | None = None
) -> HarborClient:
    """An SDK client signed in as the operator with the password (POST /auth/login)."""
    token = HarborClient(url, transport=transport).login(password).token
    return HarborClient(url, key=token, transport=transport)


# --- Podman and the image ------------------------------------------------------------------


@pytest.fixture(scope="session")
def podman() -> str:
    """The podman executable; skips locally without it, fails in CI (``CI`` set)."""
    found = shutil.which("podman")
    if found is None:
        reason = (
            "podman is not installed: the container image cannot be built and run here "
            '(eval "$(../shared/tools/podman-env)" installs and prepares it)'
        )
        if os.environ.get("CI"):
            pytest.fail(f"{reason}; CI must run the container tests")
        pytest.skip(reason)
    if "CONTAINERS_CONF" not in os.environ and PODMAN_ENV.is_file():
        apply_podman_env()
    return found


def apply_podman_env() -> None:
    """Run ../shared/tools/podman-env (as .ci/run does) and take its exports: on these
    machines podman needs runc and the local base image it prepares."""
    prepared = subprocess.run(
        [str(PODMAN_ENV)], capture_output=True, text=True, timeout=900, check=False
    )
    if prepared.returncode != 0:
        pytest.fail(f"{PODMAN_ENV} failed:\n{prepared.stderr}")
    for name, value in re.findall(r"^export (\w+)='([^']*)'$", prepared.stdout, re.MULTILINE):
        os.environ[name] = value


@pytest.fixture(scope="session")
def harbor_image(podman: str) -> str:
    """The image built from this tree once per run (layers cached between runs)."""
    command = [
        podman, "build", "--format", "docker", "--tag", IMAGE_TAG,
        "--build-arg", f"BASE_IMAGE={BASE_IMAGE}",
    ]  # fmt: skip
    if HOST_CA_BUNDLE.is_file():
        command += [
            "--volume", f"{HOST_CA_BUNDLE}:{BUILD_CA_PATH}:ro",
            "--build-arg", f"PIP_CERT={BUILD_CA_PATH}",
        ]  # fmt: skip
    previous = image_id(podman, IMAGE_TAG)
    built = subprocess.run(
        [*command, str(REPO_ROOT)], capture_output=True, text=True, timeout=1200, check=False
    )
    if built.returncode != 0:
        pytest.fail(f"podman build failed ({built.returncode}):\n{built.stdout}\n{built.stderr}")
    if previous and previous != image_id(podman, IMAGE_TAG):
        # The last run's image is untagged now: remove it so runs do not pile up images.
        subprocess.run([podman, "rmi", previous], capture_output=True, check=False)
    return IMAGE_TAG


def image_id(podman: str, tag: str) -> str | None:
    """The id of the image ``tag``, or None when there is none."""
    found = subprocess.run(
        [podman, "image", "inspect", "--format", "{{.Id}}", tag],
        capture_output=True,
        text=True,
        check=False,
    )
    return found.stdout.strip() or None if found.returncode == 0 else None


@dataclass
class Container:
    """One container of the image, published on a loopback port of the host."""

    podman: str
    name: str
    volume: str
    port: int

    @property
    def url(self) -> str:
        """The node's address as the host reaches it."""
        return f"http://127.0.0.1:{self.port}"

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        """``podman ARGS`` (stdout and stderr captured as text)."""
        done = subprocess.run(
            [self.podman, *args], capture_output=True, text=True, timeout=180, check=False
        )
        if check and done.returncode != 0:
            pytest.fail(f"podman {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
        return done

    def logs(self) -> str:
        """Everything the container wrote, across restarts."""
        done = self.run("logs", self.name, check=False)
        return done.stdout + done.stderr

    def running(self) -> bool:
        """Whether the container is up."""
        state = self.run("inspect", "--format", "{{.State.Running}}", self.name, check=False)
        return state.stdout.strip() == "true"

    def wait_healthy(self) -> None:
        """Wait until the node answers health through the published port."""
        wait_for_health(self.url, self.running, self.logs)


class Containers:
    """Containers and volumes of the image made by one test, all removed at its end."""

    def __init__(self, podman: str, image: str) -> None:
        self.podman = podman
        self.image = image
        self.names: list[str] = []
        self.volumes: list[str] = []

    def podman_run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        """``podman ARGS`` (stdout and stderr captured as text)."""
        return Container(self.podman, "", "", 0).run(*args, check=check)

    def volume(self) -> str:
        """A new named volume."""
        name = f"harbor-test-{uuid.uuid4().hex[:8]}"
        self.volumes.append(name)
        self.podman_run("volume", "create", name)
        return name

    def start(
        self, *options: str, volume: str | None = None, host_network: bool = False
    ) -> Container:
        """A detached node with ``volume`` (default: a new one) on /data, published on a
        free loopback port of the host; with ``host_network``, in the host's network
        namespace listening on that port of 127.0.0.1 (and reaching the host's loopback)."""
        name = f"harbor-test-{uuid.uuid4().hex[:8]}"
        box = Container(self.podman, name, volume or self.volume(), free_port())
        self.names.append(name)
        if host_network:
            network = ["--network", "host", "--env", "HARBOR_HOST=127.0.0.1"]
            network += ["--env", f"HARBOR_PORT={box.port}"]
        else:
            network = ["--publish", f"127.0.0.1:{box.port}:8765"]
        box.run(
            "run", "--detach", "--name", name, "--volume", f"{box.volume}:/data",
            *network, *options, self.image,
        )  # fmt: skip
        return box

    def run_once(self, *options_and_command: str) -> subprocess.CompletedProcess[str]:
        """``podman run --rm OPTIONS IMAGE ARGS`` (``--`` separates options from ``harbor``'s
        arguments), waiting for it to finish."""
        split = options_and_command.index("--")
        options, command = options_and_command[:split], options_and_command[split + 1 :]
        return self.podman_run("run", "--rm", *options, self.image, *command)

    def remove_all(self) -> None:
        """Remove every container, then every volume, this test made."""
        for name in self.names:
            self.podman_run("rm", "--force", "--time", "0", name, check=False)
        for volume in self.volumes:
            self.podman_run("volume", "rm", "--force", volume, check=False)


@pytest.fixture
def containers(podman: str, harbor_image: str) -> Iterator[Containers]:
    """Start containers of the image (``containers.start(...)``); removed with their volumes
    at the end of the test."""
    made = Containers(podman, harbor_image)
    yield made
    made.remove_all()


# --- harbor serve as a process -------------------------------------------------------------


@dataclass
class ServedNode:
    """``harbor serve`` running in its own process on a loopback port."""

    url: str
    home: Path
    env: dict[str, str]
    process: subprocess.Popen[bytes] | None = None
    log_path: Path = field(init=False)

    def __post_init__(self) -> None:
        self.log_path = self.home / "serve.log"

    def start(self, verify: bool | ssl.SSLContext = True) -> ServedNode:
        """Start the node and wait for health."""
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "harbor", "serve"],
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        wait_for_health(self.url, self.alive, self.logs, verify=verify, seconds=60)
        return self

    def alive(self) -> bool:
        """Whether the process is still running."""
        return self.process is not None and self.process.poll() is None

    def logs(self) -> str:
        """Everything the node wrote."""
        return self.log_path.read_text() if self.log_path.exists() else ""

    def terminate(self, timeout: float = 30) -> int:
        """SIGTERM, as ``docker stop`` sends it; returns the exit status."""
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=timeout)

    def kill(self) -> None:
        """Stop the process if a test left it running."""
        if self.alive():
            assert self.process is not None
            self.process.kill()
            self.process.wait(timeout=10)


@pytest.fixture
def served_node(tmp_path: Path) -> Iterator[Callable[..., ServedNode]]:
    """Make ``harbor serve`` nodes with their own data and config directories; ``env`` adds
    HARBOR_* settings. Processes still running at the end are killed."""
    nodes: list[ServedNode] = []
    port = free_port()
    base = {k: v for k, v in os.environ.items() if not k.startswith("HARBOR_")}
    base |= {
        "HARBOR_DATA_DIR": str(tmp_path / "data"),
        "HARBOR_CONFIG_DIR": str(tmp_path / "config"),
        "HARBOR_PORT": str(port),
        "HARBOR_LOG_FORMAT": "text",
    }

    def make(scheme: str = "http", **env: str) -> ServedNode:
        node = ServedNode(f"{scheme}://127.0.0.1:{port}", tmp_path, {**base, **env})
        nodes.append(node)
        return node

    yield make
    for node in nodes:
        node.kill()
