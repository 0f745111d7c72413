"""Session infrastructure for the end-to-end suite: a private Azurite and one emulator.

Both run on free loopback ports, so the suite never touches `./dev up`'s 10000/10001/8080
and can run next to it. Azurite comes from the repository's `node_modules` (`npm ci`), the
emulator binary from `$SPMIG_BIN` (default `target/debug/spmig`).
"""

from __future__ import annotations

import collections
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import helpers  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
AZURITE_JS = REPO / "node_modules" / "azurite" / "dist" / "src" / "azurite.js"
STARTUP_TIMEOUT = 30.0


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _port_open(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


class _Drain:
    """Reads a child's stream on a thread so its pipe never fills; keeps the tail."""

    def __init__(self, stream, keep: int = 400) -> None:
        self.lines: collections.deque[str] = collections.deque(maxlen=keep)
        self._ready: str | None = None
        self._event = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(stream,), daemon=True)
        self._thread.start()

    def _run(self, stream) -> None:
        for raw in iter(stream.readline, b""):
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            self.lines.append(line)
            if self._ready is None and line.startswith("spmig ready on "):
                self._ready = line[len("spmig ready on ") :].strip()
                self._event.set()
        self._event.set()  # EOF: the process is gone

    def wait_ready(self, timeout: float) -> str | None:
        self._event.wait(timeout)
        return self._ready

    def text(self) -> str:
        return "\n".join(self.lines)


def _stop(proc: subprocess.Popen, sig: int = signal.SIGTERM, grace: float = 10.0) -> None:
    if proc.poll() is not None:
        return
    proc.send_signal(sig)
    try:
        proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=5)


@dataclass(frozen=True)
class Azurite:
    blob_port: int
    queue_port: int

    @property
    def storage(self) -> helpers.StorageAccount:
        return helpers.StorageAccount(
            blob_endpoint=f"http://127.0.0.1:{self.blob_port}/{helpers.ACCOUNT}",
            queue_endpoint=f"http://127.0.0.1:{self.queue_port}/{helpers.ACCOUNT}",
        )


@pytest.fixture(scope="session")
def azurite():
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is not on PATH; the e2e suite runs Azurite with Node.js 20 or later", pytrace=False)
    if not AZURITE_JS.is_file():
        pytest.fail(
            f"Azurite is not installed ({AZURITE_JS} is missing); run `npm ci` in {REPO} first",
            pytrace=False,
        )
    data = tempfile.mkdtemp(prefix="spmig-e2e-azurite-")
    blob_port, queue_port, table_port = _free_port(), _free_port(), _free_port()
    # fmt: off
    args = [
        node, str(AZURITE_JS), "--silent", "--disableTelemetry", "--skipApiVersionCheck",
        "--location", data,
        "--blobHost", "127.0.0.1", "--blobPort", str(blob_port),
        "--queueHost", "127.0.0.1", "--queuePort", str(queue_port),
        "--tableHost", "127.0.0.1", "--tablePort", str(table_port),
    ]
    # fmt: on
    proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    output = _Drain(proc.stdout)
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while not (_port_open(blob_port) and _port_open(queue_port)):
            if proc.poll() is not None:
                time.sleep(0.2)  # let the drain thread catch the last lines
                pytest.fail(f"Azurite exited during startup (code {proc.returncode}):\n{output.text()}", pytrace=False)
            if time.monotonic() > deadline:
                pytest.fail(f"Azurite did not open its ports within {STARTUP_TIMEOUT:.0f} s:\n{output.text()}",
                            pytrace=False)
            time.sleep(0.05)
        yield Azurite(blob_port, queue_port)
    finally:
        _stop(proc, grace=5)
        shutil.rmtree(data, ignore_errors=True)


@dataclass
class Emulator:
    url: str
    proc: subprocess.Popen
    stdout: _Drain
    stderr: _Drain

    @property
    def site_url(self) -> str:
        return f"{self.url}/sites/dev"

    def diagnostics(self) -> str:
        # Request lines are many; keep the other lines and only the last requests.
        lines = list(self.stderr.lines)
        requests_tail = [i for i, line in enumerate(lines) if "middleware: request" in line][-25:]
        kept = [line for i, line in enumerate(lines) if "middleware: request" not in line or i in requests_tail]
        return f"--- spmig stdout ---\n{self.stdout.text()}\n--- spmig stderr (tail) ---\n" + "\n".join(kept[-150:])


@pytest.fixture(scope="session")
def emulator(request, azurite):
    binary = Path(os.environ.get("SPMIG_BIN", REPO / "target" / "debug" / "spmig"))
    if not binary.is_file() or not os.access(binary, os.X_OK):
        pytest.fail(
            f"the emulator binary {binary} is missing; build it with `cargo build --bin spmig` "
            "or point SPMIG_BIN at one",
            pytrace=False,
        )
    connection_string = azurite.storage.connection_string
    # fmt: off
    args = [str(binary), "serve", "--in-memory", "--listen", "127.0.0.1:0",
            "--storage-connection-string", connection_string]
    # fmt: on
    env = dict(os.environ)
    env.setdefault("RUST_LOG", "info")
    # Settings must come from the flags above only, never from a developer's environment.
    for name in list(env):
        if name.startswith("SPMIG_") and name != "SPMIG_BIN":
            del env[name]
    proc = subprocess.Popen(
        args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=tempfile.gettempdir()
    )
    out, err = _Drain(proc.stdout), _Drain(proc.stderr, keep=2000)
    url = out.wait_ready(STARTUP_TIMEOUT)
    if url is None:
        _stop(proc)
        time.sleep(0.2)
        pytest.fail(
            f"spmig did not print 'spmig ready on <url>' within {STARTUP_TIMEOUT:.0f} s "
            f"(exit code {proc.poll()}):\n--- stdout ---\n{out.text()}\n--- stderr ---\n{err.text()}",
            pytrace=False,
        )
    emu = Emulator(url=url.rstrip("/"), proc=proc, stdout=out, stderr=err)
    request.session._spmig_emulator = emu  # for the report hook below
    try:
        yield emu
    finally:
        _stop(proc)


@pytest.fixture(scope="session")
def target(emulator) -> helpers.Target:
    """The default site's ids and URLs, read through REST."""
    return helpers.read_target(emulator.site_url)


@pytest.fixture
def env(request, azurite, emulator, target):
    """Everything one test needs, with fresh containers and queue named after the test."""
    tag = helpers.fresh_tag(request.node.name)
    storage = helpers.TestStorage.create(azurite.storage, tag)
    yield helpers.TestEnv(emulator_url=emulator.url, target=target, storage=storage, tag=tag)
    if emulator.proc.poll() is not None:
        pytest.fail(f"spmig exited during the test (code {emulator.proc.returncode}).\n{emulator.diagnostics()}")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """On a failure, attach the emulator's output to the report."""
    outcome = yield
    report = outcome.get_result()
    emu = getattr(item.session, "_spmig_emulator", None)
    if report.failed and call.when == "call" and emu is not None:
        report.sections.append(("spmig output", emu.diagnostics()))
