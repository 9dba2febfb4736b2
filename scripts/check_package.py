"""Build the wheel and the sdist and try them as a user would, in fresh virtual environments.

Run from the repository (``make test-package``; CI runs it after ``make test``)::

    .venv/bin/python scripts/check_package.py [--keep DIR] [--skip-browser]

What it checks, in order (each step prints its time; the first failure stops with exit 1):

1. ``python -m build`` makes an sdist and a wheel; the wheel holds the ``thuisplus``
   namespace with its shipped files and no tests; the sdist holds the tests (with
   ``tests/conftest.py``), the docs and the benchmarks, and its tests run from the
   unpacked sdist (a source tree is the package: ``thuisplus/__init__.py``; the
   project's dev venv supplies pytest and the dependencies).
2. A fresh venv with the wheel's core only: no solara, pyabc, optuna or dask is installed;
   ``thuisplus --version``, ``thuisplus --help`` (start-up time), ``thuisplus pair`` (the
   cold compile of the engine, stated), ``thuisplus experiment`` on a small spec;
   ``thuisplus dashboard`` and ``thuisplus calibrate`` say which extra to install (exit 2).
   The installed size of the core is reported.
3. The ``[dashboard]`` extra added: ``thuisplus dashboard --fetch-assets`` fetches the
   front-end files (from the npm registry, hashes pinned), and the page the wheel serves
   loads in Debian's chromium with nothing leaving the machine (the served-page browser
   test, pointed at this venv's ``thuisplus`` by ``THUISPLUS_EXE``).

The numbers (start-up time, core size, compile time) are printed for the benchmark notes;
nothing here asserts a speed.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOT_IN_CORE = ("solara", "pyabc", "optuna", "dask", "distributed", "ema-workbench", "duckdb")


class Failed(RuntimeError):
    """A check that did not pass; the message says which and what was seen."""


def step(title: str):
    """Print a step's title; returns a function that prints its time."""
    print(f"\n== {title}", flush=True)
    t0 = time.monotonic()
    return lambda: print(f"   ({time.monotonic() - t0:.1f} s)", flush=True)


def run(cmd: list[str], *, env: dict[str, str] | None = None, cwd: Path | None = None,
        expect: int | None = 0, timeout: float = 1800) -> subprocess.CompletedProcess:
    """Run a command; fail with its output unless it exits with ``expect``."""
    r = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=cwd, timeout=timeout)
    if expect is not None and r.returncode != expect:
        raise Failed(f"{' '.join(map(str, cmd))} exited {r.returncode} (expected {expect})\n"
                     f"--- stdout\n{r.stdout[-3000:]}\n--- stderr\n{r.stderr[-3000:]}")
    return r


def build(dist: Path) -> tuple[Path, Path]:
    """The sdist and the wheel, built from the checkout."""
    run([sys.executable, "-m", "build", "--outdir", str(dist), str(ROOT)], timeout=900)
    wheel = next(dist.glob("thuisplus-*.whl"))
    sdist = next(dist.glob("thuisplus-*.tar.gz"))
    return sdist, wheel


def check_contents(sdist: Path, wheel: Path) -> None:
    """What each archive must (and must not) hold."""
    names = zipfile.ZipFile(wheel).namelist()
    need = ["thuisplus/__init__.py", "thuisplus/cli.py", "thuisplus/sim/model.py",
            "thuisplus/sim/presets/contract-2021.toml", "thuisplus/experiments/specs/main.toml",
            "thuisplus/calibration/configs/contract-2021.toml",
            "thuisplus/dashboard/app.py"]
    missing = [n for n in need if n not in names]
    stray = sorted({n.split("/")[0] for n in names} - {"thuisplus"}
                   - {n.split("/")[0] for n in names if ".dist-info/" in n})
    if missing or stray:
        raise Failed(f"wheel {wheel.name}: missing {missing}, stray top-level names {stray}")
    with tarfile.open(sdist) as tf:
        snames = {n.split("/", 1)[1] for n in tf.getnames() if "/" in n}
    need_s = ["tests/conftest.py", "tests/test_model.py", "README.md", "LICENSE",
              "CHANGELOG.md", "CITATION.cff", "docs/ODD.md", "benchmarks/engine.py",
              "sim/model.py", "thuisplus/cli.py", "pyproject.toml"]
    missing_s = [n for n in need_s if n not in snames]
    if missing_s:
        raise Failed(f"sdist {sdist.name}: missing {missing_s}")
    print(f"   wheel: {len(names)} files; sdist: {len(snames)} files")


def venv(path: Path) -> Path:
    """A fresh venv with this interpreter; returns its bin folder."""
    run([sys.executable, "-m", "venv", "--clear", str(path)])
    return path / "bin"


def distributions(bin_: Path) -> dict[str, str]:
    """Installed distributions of a venv, name (normalised) → version."""
    r = run([str(bin_ / "python"), "-m", "pip", "list", "--format", "json"])
    return {d["name"].lower().replace("_", "-"): d["version"] for d in json.loads(r.stdout)}


def site_size(bin_: Path) -> int:
    """Bytes under the venv's site-packages."""
    site = next((bin_.parent / "lib").glob("python*/site-packages"))
    return sum(f.stat().st_size for f in site.rglob("*") if f.is_file())


def small_spec(folder: Path) -> Path:
    """A spec of two short pairs (the smallest real experiment)."""
    path = folder / "small.toml"
    path.write_text('name = "small"\nseed = 1\nreplications = 2\npreset = "contract-2021"\n'
                    'weeks = 52\noutcomes = ["npv", "net_municipality"]\n\n[set]\n'
                    '"building.dwellings" = 40\n')
    return path


def main() -> int:
    """Run the checks; exit 0 when all pass, 1 at the first failure."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--keep", type=Path, help="work in this folder and keep it")
    ap.add_argument("--skip-browser", action="store_true",
                    help="stop before the [dashboard] extra and the browser")
    args = ap.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="thuisplus-package-"))
    work.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    env["XDG_CACHE_HOME"] = str(work / "cache")  # a user's own engine and asset caches
    try:
        done = step("build the sdist and the wheel")
        sdist, wheel = build(work / "dist")
        check_contents(sdist, wheel)
        done()

        done = step("the sdist's own tests run from it (imports, parameters)")
        tree = work / "sdist"
        shutil.rmtree(tree, ignore_errors=True)
        with tarfile.open(sdist) as tf:
            tf.extractall(tree, filter="data")
        top = next(tree.iterdir())
        r = run([str(ROOT / ".venv" / "bin" / "python"), "-m", "pytest", "-q", "-p",
                 "no:cacheprovider", "tests/test_imports.py", "tests/test_params.py"],
                env=env, cwd=top, timeout=1200)
        print("   " + r.stdout.strip().splitlines()[-1])
        done()

        done = step("a fresh venv with the core only")
        bin_ = venv(work / "core")
        run([str(bin_ / "python"), "-m", "pip", "install", "--quiet", str(wheel)], env=env,
            timeout=1800)
        dists = distributions(bin_)
        extra = [d for d in NOT_IN_CORE if d in dists]
        if extra:
            raise Failed(f"the core install pulled {extra}")
        size = site_size(bin_)
        print(f"   core: {len(dists)} distributions, {size / 2**20:.0f} MiB of site-packages")
        done()

        exe = str(bin_ / "thuisplus")
        cwd = work  # outside the checkout: nothing of it may be imported
        done = step("thuisplus --version and --help")
        v = run([exe, "--version"], env=env, cwd=cwd).stdout.strip()
        print(f"   {v}")
        t0 = time.monotonic()
        run([exe, "--help"], env=env, cwd=cwd)
        print(f"   thuisplus --help: {time.monotonic() - t0:.2f} s")
        done()

        done = step("thuisplus pair (cold: the engine compiles once)")
        t0 = time.monotonic()
        r = run([exe, "pair", "--preset", "contract-2021", "--weeks", "52", "--seed", "1",
                 "--set", "building.dwellings=40", "--json"], env=env, cwd=cwd)
        out = json.loads(r.stdout)
        print(f"   cold pair: {time.monotonic() - t0:.0f} s; npv {out['npv']:,.0f}")
        t0 = time.monotonic()
        run([exe, "pair", "--preset", "contract-2021", "--weeks", "52", "--seed", "1",
             "--set", "building.dwellings=40", "--json"], env=env, cwd=cwd)
        print(f"   warm pair (a new process): {time.monotonic() - t0:.1f} s")
        done()

        done = step("thuisplus experiment on a small spec")
        spec = small_spec(work)
        shutil.rmtree(work / "small", ignore_errors=True)  # a kept folder's earlier try
        run([exe, "experiment", str(spec), "--out", str(work / "small"), "--workers", "1"],
            env=env, cwd=cwd)
        if not (work / "small" / "manifest.json").is_file():
            raise Failed("the experiment wrote no manifest.json")
        done()

        done = step("commands of missing extras say what to install")
        for cmd, extra_name in ((["dashboard"], "dashboard"),
                                (["calibrate", "--data", str(work / "none.csv")], "calibrate")):
            r = run([exe, *cmd], env=env, cwd=cwd, expect=2)
            if f"thuisplus[{extra_name}]" not in r.stderr:
                raise Failed(f"thuisplus {cmd[0]} without [{extra_name}] said:\n{r.stderr}")
        done()

        if args.skip_browser:
            return 0
        done = step("the [dashboard] extra, its front-end files, the page in chromium")
        run([str(bin_ / "python"), "-m", "pip", "install", "--quiet", f"{wheel}[dashboard]"],
            env=env, timeout=1800)
        run([exe, "dashboard", "--fetch-assets"], env=env, cwd=cwd, timeout=600)
        r = run([str(ROOT / ".venv" / "bin" / "python"), "-m", "pytest", "-q", "-p",
                 "no:cacheprovider", "tests/dashboard/test_browser.py", "-k", "served"],
                env={**env, "THUISPLUS_EXE": exe}, cwd=ROOT, timeout=1200)
        print("   " + r.stdout.strip().splitlines()[-1])
        done()
    except Failed as exc:
        print(f"\nFAILED: {exc}", file=sys.stderr)
        return 1
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    print("\npackage checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
