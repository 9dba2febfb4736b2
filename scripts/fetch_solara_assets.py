"""Fill Solara's asset cache from the npm registry, so the dashboard needs no CDN.

Run with the project's Python after ``pip install`` (``scripts/setup.sh`` does)::

    .venv/bin/python scripts/fetch_solara_assets.py          # fetch what is missing
    .venv/bin/python scripts/fetch_solara_assets.py --check  # only report, exit 1 if missing
    .venv/bin/python scripts/fetch_solara_assets.py --force  # fetch everything again

Each package named in ``thuisplus.dashboard.assets.NPM_PACKAGES`` is fetched with ``npm pack``
and unpacked into ``<cache>/<package>@<version>/``, the path under which the page asks
for it (``/_solara/cdn/...``). The cache is Solara's ``assets.proxy_cache_dir``:
``$SOLARA_ASSETS_PROXY_CACHE_DIR`` or ``<venv>/share/solara/cdn`` (about 100 MB, inside the
venv, never committed). Packages already unpacked are skipped, so a rerun costs nothing
and needs no npm. See docs/dev/solara-offline.md.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

from thuisplus.dashboard.assets import (
    NPM_PACKAGES,
    SOLARA_VERSION,
    cache_dir,
    missing_files,
)


def fetch(spec: str, root: Path, npm: str) -> None:
    """``npm pack`` one package and unpack it to ``root/spec`` (replacing what is there)."""
    target = root / spec
    with tempfile.TemporaryDirectory() as tmp:
        out = subprocess.run([npm, "pack", spec, "--json", "--pack-destination", tmp],
                             check=True, capture_output=True, text=True).stdout
        info = json.loads(out)[0]
        with tarfile.open(Path(tmp) / info["filename"]) as tf:
            tf.extractall(tmp, filter="data")
        tops = [p for p in Path(tmp).iterdir() if p.is_dir()]
        if len(tops) != 1:
            raise RuntimeError(f"unexpected tarball layout for {spec}: {tops}")
        if target.exists():
            shutil.rmtree(target)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(tops[0]), str(target))
    print(f"  fetched {spec} (npm {info['version']})")


def main() -> int:
    """Fetch the missing packages; exit 1 with a clear message when it cannot."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="only check; exit 1 if files miss")
    ap.add_argument("--force", action="store_true", help="fetch every package again")
    args = ap.parse_args()

    import solara

    if solara.__version__ != SOLARA_VERSION:
        print(f"ERROR: solara {solara.__version__} is installed, but the asset list in "
              f"thuisplus/dashboard/assets.py is for solara {SOLARA_VERSION}; re-check it "
              "(docs/dev/solara-offline.md) before changing the pin.", file=sys.stderr)
        return 1
    root = cache_dir()
    missing = missing_files(root)
    if args.check:
        for f in missing:
            print(f"missing: {root / f}")
        return 1 if missing else 0
    todo = list(NPM_PACKAGES) if args.force else [
        spec for spec in NPM_PACKAGES if any(f.startswith(spec + "/") for f in missing)]
    if not todo:
        print(f"Solara front-end assets: complete in {root}")
        return 0
    npm = shutil.which("npm")
    if npm is None:
        print("ERROR: the dashboard's front-end files are missing from " f"{root}\n"
              "       and npm is not on PATH to fetch them from the npm registry.\n"
              "       Install Node.js with npm (e.g. 'apt-get install -y npm') and rerun "
              "'bash scripts/setup.sh'.", file=sys.stderr)
        return 1
    print(f"Solara front-end assets: fetching {len(todo)} package(s) into {root}")
    root.mkdir(parents=True, exist_ok=True)
    for spec in todo:
        try:
            fetch(spec, root, npm)
        except (subprocess.CalledProcessError, RuntimeError, OSError) as exc:
            detail = getattr(exc, "stderr", "") or str(exc)
            print(f"ERROR: could not fetch {spec} with npm: {detail.strip()}", file=sys.stderr)
            return 1
    still = missing_files(root)
    if still:
        print("ERROR: after fetching, still missing: " + ", ".join(still), file=sys.stderr)
        return 1
    print(f"Solara front-end assets: complete in {root}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
