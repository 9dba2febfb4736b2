"""Start-up time of the command and the size of the core install, measured in one run.

    .venv/bin/python benchmarks/package.py [--repeats 5]

Builds the wheel, installs its core (no extras) into a fresh venv and reports:
the number of distributions and the MiB of site-packages of that core install, and the wall
time of ``thuisplus --help`` and ``thuisplus pair --help`` (median of ``--repeats``) in the
core venv and in the project's dev venv. Nothing here is asserted; the checks are in
``scripts/check_package.py`` (``make test-package``).
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _check_package():
    """scripts/check_package.py as a module (its build, venv and size helpers)."""
    spec = importlib.util.spec_from_file_location("check_package",
                                                  ROOT / "scripts" / "check_package.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def wall(cmd: list[str], repeats: int, env: dict[str, str]) -> float:
    """Median wall time of ``cmd`` over ``repeats`` runs (one warm-up run first)."""
    subprocess.run(cmd, capture_output=True, check=True, env=env)
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        subprocess.run(cmd, capture_output=True, check=True, env=env)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()
    cp = _check_package()
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    with tempfile.TemporaryDirectory(prefix="thuisplus-bench-") as tmp:
        work = Path(tmp)
        _, wheel = cp.build(work / "dist")
        bin_ = cp.venv(work / "core")
        cp.run([str(bin_ / "python"), "-m", "pip", "install", "--quiet", str(wheel)], env=env)
        dists = cp.distributions(bin_)
        size = cp.site_size(bin_) / 2**20
        rows = []
        for where, exe in (("core venv", bin_ / "thuisplus"),
                           ("dev venv", ROOT / ".venv" / "bin" / "thuisplus")):
            for cmd in (["--help"], ["pair", "--help"]):
                rows.append((where, " ".join(cmd), wall([str(exe), *cmd], args.repeats, env)))
    print(f"core install: {len(dists)} distributions, {size:.0f} MiB of site-packages")
    for where, cmd, s in rows:
        print(f"thuisplus {cmd:12} ({where}): {s:.2f} s (median of {args.repeats})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
