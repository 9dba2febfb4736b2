"""Fetch the dashboard's front-end files from the npm registry, so the page needs no CDN.

Run with the project's Python after ``pip install`` (``scripts/setup.sh`` does)::

    .venv/bin/python scripts/fetch_solara_assets.py          # fetch what is missing
    .venv/bin/python scripts/fetch_solara_assets.py --check  # only report, exit 1 if missing
    .venv/bin/python scripts/fetch_solara_assets.py --force  # fetch everything again

A thin wrapper around :func:`thuisplus.dashboard.assets.fetch_assets` (what
``thuisplus dashboard --fetch-assets`` runs): it downloads the pinned npm tarballs over
https, checks their sha512 and unpacks them; no Node.js or npm needed. The folder is
``$THUISPLUS_ASSETS_DIR`` or the user cache (``~/.cache/thuisplus/solara-cdn/solara-<version>``
on Linux, about 100 MB unpacked); a complete Solara cache in the venv
(``<venv>/share/solara/cdn``, from older setups) is used as it is. Complete packages are
skipped, so a rerun costs nothing and needs no network. See docs/dev/solara-offline.md.
"""

from __future__ import annotations

import argparse
import sys

from thuisplus.dashboard.assets import (
    SOLARA_VERSION,
    AssetError,
    cache_dir,
    fetch_assets,
    missing_files,
)


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
    if args.check:
        root = cache_dir()
        missing = missing_files(root)
        for f in missing:
            print(f"missing: {root / f}")
        if not missing:
            print(f"Solara front-end assets: complete in {root}")
        return 1 if missing else 0
    try:
        fetch_assets(force=args.force, progress=lambda msg: print(msg, flush=True))
    except AssetError as exc:
        print(f"ERROR: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
