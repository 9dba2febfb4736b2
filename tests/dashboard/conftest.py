"""Fixtures of the dashboard's browser tests: Debian chromium, no network, a request log.

The Solara pytest plugin (``pytest-ipywidgets``) serves the widgets under test from this
process and drives a browser through pytest-playwright. Playwright's own browser download
cannot work here, so the browser is Debian's ``/usr/bin/chromium`` with its background
networking switched off; every request the page makes is logged, and any that would
leave the machine is aborted and reported, as is any connection this process tries to
open to a non-loopback address.
"""

from __future__ import annotations

import ipaddress
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
import solara.server.settings

from thuisplus.dashboard.assets import cache_dir

# The plugin imported solara's settings before this file runs: an environment variable
# set here would be too late, so switch telemetry off on the settings object.
solara.server.settings.telemetry.mixpanel_enable = False
# Its in-process server serves /_solara/cdn/ from the settings too: point it at the folder
# the package fetched the front-end files into (the user cache), as `thuisplus dashboard`
# points its own server (SOLARA_ASSETS_PROXY_CACHE_DIR). Solara's default, a folder in the
# venv, is empty on a fresh machine.
solara.server.settings.assets.proxy_cache_dir = cache_dir()

CHROMIUM = Path("/usr/bin/chromium")  # Debian package; never `playwright install`
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--disable-quic", "--disable-default-apps", "--disable-extensions",
                 "--no-default-browser-check", "--metrics-recording-only"]
LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1", "[::1]"}


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """pytest-playwright's launch arguments, pointed at Debian's chromium."""
    return {
        **browser_type_launch_args,
        "executable_path": str(CHROMIUM),
        "args": [*browser_type_launch_args.get("args", []), *CHROMIUM_ARGS],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    """A tall window, so one screenshot shows the whole page."""
    return {**browser_context_args, "viewport": {"width": 1440, "height": 2400}}


def _is_local(url: str) -> bool:
    parsed = urllib.parse.urlparse(url)
    if parsed.scheme in ("data", "blob", "about"):
        return True
    return parsed.hostname in LOCAL_HOSTS


class NetworkLog:
    """What the browser asked for, what was stopped, and the console's errors."""

    def __init__(self) -> None:
        self.requests: list[str] = []
        self.external: list[str] = []
        self.server_external: list[str] = []
        self.console_errors: list[str] = []

    def clear(self) -> None:
        """Forget everything recorded so far (each test checks its own page)."""
        self.requests.clear()
        self.external.clear()
        self.server_external.clear()
        self.console_errors.clear()


def _loopback(host: object) -> bool:
    if not isinstance(host, str):
        return True  # unix sockets and the like
    if host in LOCAL_HOSTS:
        return True
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return False


@pytest.fixture(scope="session")
def network_log(context_session, page_session):
    """Log every browser request, abort and record the non-local ones; record console
    errors."""
    log = NetworkLog()

    def route(r):
        url = r.request.url
        log.requests.append(url)
        if _is_local(url):
            r.continue_()
        else:
            log.external.append(url)
            r.abort()

    context_session.route("**/*", route)

    def on_console(msg):
        if msg.type == "error":
            log.console_errors.append(msg.text)

    page_session.on("console", on_console)
    page_session.on("pageerror", lambda exc: log.console_errors.append(str(exc)))

    return log


@pytest.fixture()
def network_guard(network_log):
    """During one test, refuse and record this process's connections off the machine
    (the Solara test server runs in this process)."""
    original = socket.socket.connect

    def guarded(sock, address):
        host = address[0] if isinstance(address, tuple) else address
        if not _loopback(host):
            network_log.server_external.append(str(address))
            raise OSError(f"test guard: no connections off this machine ({address})")
        return original(sock, address)

    socket.socket.connect = guarded
    try:
        yield network_log
    finally:
        socket.socket.connect = original


def free_port() -> int:
    """A TCP port nobody listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Served:
    """A ``thuisplus dashboard`` child process and what it printed."""

    def __init__(self, args: list[str], port: int):
        self.port = port
        self.url = f"http://127.0.0.1:{port}/"
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        # THUISPLUS_EXE: another install's command (scripts/check_package.py: the wheel's)
        exe = os.environ.get("THUISPLUS_EXE") or Path(sys.executable).with_name("thuisplus")
        self.started = time.monotonic()
        # another install's command runs outside the checkout, which would shadow it
        cwd = tempfile.gettempdir() if os.environ.get("THUISPLUS_EXE") else None
        self.proc = subprocess.Popen([str(exe), "dashboard", "--port", str(port), *args],
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                     text=True, env=env, cwd=cwd)
        self.first_200: float | None = None
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        for line in self.proc.stdout:
            self.lines.append(line.rstrip("\n"))

    @property
    def output(self) -> str:
        """What the server printed so far."""
        return "\n".join(self.lines)

    def wait_http_200(self, timeout: float) -> float:
        """Seconds from the start until the page answered 200 (fails after ``timeout``)."""
        if self.first_200 is not None:  # answered before; it must still answer
            with urllib.request.urlopen(self.url, timeout=10) as r:
                assert r.status == 200
            return self.first_200
        while time.monotonic() - self.started < timeout:
            if self.proc.poll() is not None:
                self._reader.join(5)
                raise AssertionError("thuisplus dashboard stopped:\n" + self.output)
            try:
                with urllib.request.urlopen(self.url, timeout=2) as r:
                    if r.status == 200:
                        self.first_200 = time.monotonic() - self.started
                        return self.first_200
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.2)
        raise AssertionError(f"no HTTP 200 from {self.url} within {timeout} s")

    def stop(self) -> str:
        """Stop the server (SIGTERM) and return its output; no process is left behind."""
        import psutil

        try:
            children = psutil.Process(self.proc.pid).children(recursive=True)
        except psutil.NoSuchProcess:
            children = []
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._reader.join(5)
        _, alive = psutil.wait_procs(children, timeout=15)
        for p in alive:  # a bug in serve(); the test of it says so, here we only clean up
            p.kill()
        return self.output


@pytest.fixture(scope="session")
def served_dashboard():
    """``thuisplus dashboard --preset contract-2021`` on a free port, started once."""
    served = Served(["--preset", "contract-2021"], free_port())
    try:
        yield served
    finally:
        served.stop()


@pytest.fixture()
def start_dashboard():
    """Start ``thuisplus dashboard ARGS`` on a free port; stopped after the test."""
    started: list[Served] = []

    def start(*args: str) -> Served:
        served = Served(list(args), free_port())
        started.append(served)
        return served

    yield start
    for served in started:
        served.stop()
