"""Numba settings shared by the compiled code, and a cache that cannot go stale.

Kernels are compiled once and cached on disk (``cache=True``), so worker processes of a
batch and later runs reuse the compiled code. Numba keys each function's cache on its
own source file only: a function that calls a kernel from another file would keep the
old kernel's machine code after that file changed. The cache therefore lives in a folder
named after a hash of every source file of the compiled engine; any change to any of
them starts a fresh cache (``NUMBA_CACHE_DIR``, if set, is the parent folder; else the
package's ``__pycache__`` in a checkout, the user's cache folder for an installed package).
Each such folder takes ~8 MB; when a new one starts, the others not used for a day are
deleted, but for the three most recently used (:func:`prune_caches`).
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import re
import shutil
import tempfile
import time
from pathlib import Path

import numba

from thuisplus._tree import is_source_tree

__all__ = ["CACHE_DIR", "glue", "kernel", "plain"]

_SIM = Path(__file__).resolve().parent.parent
# Every module with compiled code (kernels or functions that call them), and those that
# define the layouts (NamedTuples) the compiled code is typed on.
_COMPILED = sorted([*_SIM.glob("processes/*.py"), *_SIM.glob("interventions/*.py"),
                    _SIM / "engine.py", _SIM / "effects.py", _SIM / "population.py"])
# Environment variable naming plugin intervention modules (thuisplus.sim.interventions.PLUGINS_ENV).
_PLUGINS_ENV = "THUISPLUS_INTERVENTIONS"


def _plugin_files() -> list[Path]:
    """Source files of the plugin intervention modules (found, not imported)."""
    files = []
    for name in os.environ.get(_PLUGINS_ENV, "").split(","):
        if name.strip():
            try:
                spec = importlib.util.find_spec(name.strip())
            except (ImportError, ValueError):
                spec = None
            if spec is not None and spec.origin and Path(spec.origin).is_file():
                files.append(Path(spec.origin))
    return files


def _cache_dir() -> Path:
    digest = hashlib.sha256()
    for f in [*_COMPILED, *_plugin_files()]:
        digest.update(f.name.encode())
        digest.update(f.read_bytes())
    digest.update(numba.__version__.encode())
    name = f"thuisplus-{digest.hexdigest()[:16]}"
    if os.environ.get("NUMBA_CACHE_DIR"):
        return Path(os.environ["NUMBA_CACHE_DIR"]) / name
    user = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "thuisplus"
    package = _SIM / "processes" / "__pycache__"
    # A source tree (checkout, unpacked sdist) keeps its cache with its sources; an
    # installed package does not write into site-packages but into the user's cache.
    first = (package, user) if is_source_tree(_SIM.parent) else (user, package)
    for parent in (*first, Path(tempfile.gettempdir()) / "thuisplus"):
        try:
            parent.mkdir(parents=True, exist_ok=True)
            probe = parent / ".write-probe"
            probe.touch()
            probe.unlink()
            return parent / name
        except OSError:
            continue
    return Path(tempfile.gettempdir()) / name  # pragma: no cover - nothing writable


#: Caches of other versions of the sources kept beside the current one (~8 MB each), and
#: how long any other is kept after its last use (a process that started long ago may
#: still load functions from it).
KEEP_OLD_CACHES = 3
KEEP_UNUSED_SECONDS = 24 * 3600
_CACHE_NAME = re.compile(r"thuisplus-[0-9a-f]{16}")


def prune_caches(current: Path, keep: int = KEEP_OLD_CACHES,
                 grace: float = KEEP_UNUSED_SECONDS) -> list[Path]:
    """Mark ``current`` used; if it is new, delete old caches of other versions.

    The others are this package's cache folders beside it (``thuisplus-`` and 16 hex
    digits, nothing else). Every process marks its own folder (its time) when it starts;
    the ``keep`` most recently used others stay, and so does any used in the last
    ``grace`` seconds. Numba writes into subfolders without marking the folder, so a
    process running for longer than ``grace`` beside several newer versions may lose
    its folder: numba then compiles what it has not loaded yet again. Returns the
    folders deleted; one that cannot be read or deleted is left alone.
    """
    if current.is_dir():
        try:
            os.utime(current)
        except OSError:
            pass
        return []
    try:
        others = [(d.stat().st_mtime, d) for d in current.parent.iterdir()
                  if d != current and d.is_dir() and _CACHE_NAME.fullmatch(d.name)]
    except OSError:
        return []
    others.sort(reverse=True)
    now = time.time()
    gone = []
    for used, d in others[keep:]:
        if now - used >= grace:
            shutil.rmtree(d, ignore_errors=True)
            if not d.exists():
                gone.append(d)
    return gone


CACHE_DIR = _cache_dir()
prune_caches(CACHE_DIR)
numba.config.CACHE_DIR = str(CACHE_DIR)

#: A compiled loop over arrays.
kernel = numba.njit(cache=True, nogil=True, fastmath=False, error_model="numpy")
#: Compiled glue that takes the engine's state (a large tree of NamedTuples): inlined into
#: its caller, since compiling each such function on its own costs seconds (it cut the
#: cold compile of the engine several-fold) and a call that passes the state costs ~0.5 µs
#: (numba flattens its ~140 arrays into ~1,000 scalar arguments; docs/dev/engine.md).
glue = numba.njit(cache=True, nogil=True, fastmath=False, error_model="numpy",
                  inline="always")
#: A compiled function with explicit signatures (compiled at import, or loaded from the
#: cache): its result has the plain type of its signature even for a constant argument.
plain = numba.njit(["boolean(boolean)", "int64(int64)"], cache=True, nogil=True)
