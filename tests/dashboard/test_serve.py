"""``thuisplus dashboard`` as a user starts it: a child process that answers on localhost."""

from __future__ import annotations

import psutil
import pytest

from thuisplus.dashboard.assets import missing_files
from thuisplus.dashboard.server import server_command, server_env


def test_dashboard_command_answers_http_200_within_30_s(served_dashboard):
    seconds = served_dashboard.wait_http_200(timeout=30)
    assert seconds <= 30
    # Bound to the loopback interface only, as --host defaults to 127.0.0.1.
    listening = [c for c in psutil.net_connections(kind="tcp")
                 if c.status == psutil.CONN_LISTEN and c.laddr.port == served_dashboard.port]
    assert listening, "nothing listens on the dashboard's port"
    assert {c.laddr.ip for c in listening} == {"127.0.0.1"}


def test_dashboard_command_prints_its_address(served_dashboard):
    import time

    served_dashboard.wait_http_200(timeout=30)
    want = f"Dashboard on http://127.0.0.1:{served_dashboard.port} — Ctrl-C to stop"
    deadline = time.monotonic() + 10
    while want not in served_dashboard.output and time.monotonic() < deadline:
        time.sleep(0.1)
    assert want in served_dashboard.output


def test_server_runs_offline_in_production_mode(tmp_path):
    cmd = server_command("127.0.0.1", 8765)
    for flag in ("--production", "--no-check-version", "--no-open"):
        assert flag in cmd
    assert cmd[cmd.index("--host") + 1] == "127.0.0.1"
    env = server_env(tmp_path / "p.toml", "x")
    assert env["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] == "False"
    assert env["THUISPLUS_DASHBOARD_PARAMS"] == str(tmp_path / "p.toml")


def test_front_end_assets_are_installed():
    assert missing_files() == [], "run scripts/setup.sh (fetches Solara's assets with npm)"


@pytest.mark.parametrize("bad", [["--set", "inflow.vital_share=2"], ["--preset", "nope"]])
def test_dashboard_rejects_bad_parameters_before_serving(bad):
    import subprocess
    import sys
    from pathlib import Path

    exe = Path(sys.executable).with_name("thuisplus")
    r = subprocess.run([str(exe), "dashboard", *bad, "--port", "1"], capture_output=True,
                       text=True, timeout=60)
    assert r.returncode == 2
    assert "Dashboard on" not in r.stdout


def test_stopping_the_command_stops_the_server(start_dashboard):
    import signal

    served = start_dashboard()
    served.wait_http_200(timeout=30)
    children = psutil.Process(served.proc.pid).children(recursive=True)
    assert children, "the dashboard runs its server as a child process"
    served.proc.send_signal(signal.SIGTERM)
    assert served.proc.wait(timeout=20) == 0
    _, alive = psutil.wait_procs(children, timeout=15)
    assert alive == [], f"server processes left behind: {alive}"
