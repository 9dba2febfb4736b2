"""Whether a folder is the project's source tree (a checkout or an unpacked sdist).

One answer for the three places that ask: the package's own ``__init__`` (search the tree's
root for the parts), the compiled code's cache (kept beside the sources in a tree, in the
user's cache when installed) and the provenance of results (a git commit only for a tree).
Standard library only: the package's ``__init__`` imports it.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

#: The parts whose folders sit at the tree's root.
PARTS = ("sim", "experiments", "calibration")


def is_source_tree(root: Path) -> bool:
    """``root`` holds the parts' folders and a pyproject.toml naming thuisplus.

    An installed copy (site-packages/thuisplus) has no pyproject.toml; another project's
    folder names another project.
    """
    if not all((root / part / "__init__.py").is_file() for part in PARTS):
        return False
    try:
        project = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return False
    name = project.get("project", {}).get("name", "")
    return isinstance(name, str) and re.sub(r"[-_.]+", "-", name).lower() == "thuisplus"
