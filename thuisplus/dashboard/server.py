"""Start the dashboard: Solara's server in production mode, bound to one host, offline.

:func:`serve` writes the starting parameters to a temporary TOML file, points
``THUISPLUS_DASHBOARD_PARAMS`` at it and runs ``solara run thuisplus.dashboard.app`` as a child
process with everything that would leave the machine switched off: Mixpanel telemetry
(``SOLARA_TELEMETRY_MIXPANEL_ENABLE=False``), the PyPI version check
(``--no-check-version``), the browser launch (``--no-open``) and dev mode's solara.dev
check (``--production``). The front-end files come from a local folder, fetched once from
the npm registry by ``thuisplus dashboard --fetch-assets`` (:mod:`thuisplus.dashboard.assets`);
the child is pointed at it with ``SOLARA_ASSETS_PROXY_CACHE_DIR``.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

from thuisplus.dashboard.app import ENV_LABEL, ENV_LANG, ENV_PARAMS, ENV_POSTERIOR
from thuisplus.dashboard.assets import (
    AssetError,
    cache_dir,
    fetch_assets,
    missing_files,
    missing_message,
)
from thuisplus.sim.params import Parameters, save_parameters

__all__ = ["serve", "server_command", "server_env"]

START_TIMEOUT_S = 120.0


def server_command(host: str, port: int) -> list[str]:
    """The ``solara run`` command line of the dashboard."""
    return [sys.executable, "-m", "solara", "run", "thuisplus.dashboard.app",
            "--host", host, "--port", str(port), "--production", "--no-open",
            "--no-check-version", "--log-level", "warning", "--no-access-log"]


def server_env(params_file: Path, label: str, assets: Path | None = None,
               lang: str = "nl", posterior: Path | None = None) -> dict[str, str]:
    """The child's environment: parameter file, label, language, front-end files, no telemetry.

    ``assets`` is the folder of the front-end files (default
    :func:`~thuisplus.dashboard.assets.cache_dir`).
    """
    env = dict(os.environ)
    env.update({
        ENV_PARAMS: str(params_file),
        ENV_LABEL: label,
        ENV_LANG: lang,
        ENV_POSTERIOR: str(posterior) if posterior is not None else "",
        # Solara serves /_solara/cdn/... from this folder (its CDN-proxy cache).
        "SOLARA_ASSETS_PROXY_CACHE_DIR": str(cache_dir() if assets is None else assets),
        "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False",
        "MPLBACKEND": "Agg",
        # Solara warns on every page load that a cookie on http cannot be samesite=none.
        "PYTHONWARNINGS": ",".join(filter(None, [
            env.get("PYTHONWARNINGS"), "ignore:Cookies with samesite:UserWarning"])),
    })
    return env


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as r:
            return r.status == 200
    except (urllib.error.URLError, OSError):
        return False


def _stop_on_signals() -> Callable[[], None]:
    """Make SIGTERM and SIGHUP stop like Ctrl-C, so the server child is stopped too.

    SIGHUP only where it exists (not on Windows). Returns a function that puts the previous
    handlers back.
    """
    if threading.current_thread() is not threading.main_thread():
        return lambda: None

    def stop(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signals = [s for s in (signal.SIGTERM, getattr(signal, "SIGHUP", None)) if s is not None]
    previous = {sig: signal.signal(sig, stop) for sig in signals}

    def restore() -> None:
        for sig, handler in previous.items():
            signal.signal(sig, handler)

    return restore


def serve(params: Parameters, *, host: str, port: int, label: str, fetch: bool = False,
          progress: Callable[[str], None] | None = None, lang: str = "nl",
          posterior: Path | None = None) -> None:
    """Serve the dashboard for ``params`` on http://HOST:PORT and block until Ctrl-C.

    Ctrl-C, SIGTERM and SIGHUP (where it exists) stop the server child and return.

    With ``fetch``, first download the missing front-end files
    (:func:`~thuisplus.dashboard.assets.fetch_assets`, reporting to ``progress``, default
    stdout). Without it, missing files are not downloaded: the message says to run
    ``thuisplus dashboard --fetch-assets``.

    Exits with status 1 and a message on stderr if the front-end files are missing (the page
    would be blank offline) or cannot be fetched, or if the server does not start (e.g. the
    port is taken).
    """
    if fetch:
        try:
            assets = fetch_assets(progress=progress or (lambda m: print(m, flush=True)))
        except AssetError as exc:
            print(f"error: {exc}", file=sys.stderr)
            raise SystemExit(1) from None
    else:
        assets = cache_dir()
    missing = missing_files(assets)
    if missing:
        print(f"error: {missing_message(assets, missing)}", file=sys.stderr)
        raise SystemExit(1)
    url = f"http://{host}:{port}"
    probe = f"http://{'127.0.0.1' if host in ('0.0.0.0', '') else host}:{port}/"
    with tempfile.TemporaryDirectory(prefix="thuisplus-dashboard-") as tmp:
        params_file = Path(tmp) / "parameters.toml"
        save_parameters(params, params_file)
        child = subprocess.Popen(server_command(host, port),
                                 env=server_env(params_file, label, assets, lang,
                                                posterior))
        restore = _stop_on_signals()
        try:
            deadline = time.monotonic() + START_TIMEOUT_S
            while not _answers(probe):
                if child.poll() is not None:
                    print(f"error: the dashboard server stopped (exit {child.returncode}); "
                          f"is port {port} already in use?", file=sys.stderr)
                    raise SystemExit(1)
                if time.monotonic() > deadline:
                    print(f"error: the dashboard did not answer on {url} within "
                          f"{START_TIMEOUT_S:.0f} s", file=sys.stderr)
                    raise SystemExit(1)
                time.sleep(0.2)
            print(f"Dashboard on {url} — Ctrl-C to stop", flush=True)
            child.wait()
        except KeyboardInterrupt:
            pass
        finally:
            restore()
            if child.poll() is None:
                child.terminate()
                try:
                    child.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    child.kill()
                    child.wait()
