"""Files shipped with the package, by name: presets, experiment specs, calibration configs.

One naming style: lower case words joined by hyphens (``contract-2021``, ``base-case``),
the file's name without ``.toml``. An underscore spelling is an alias of the same name
(``contract_2021`` is ``contract-2021``), and a trailing ``.toml`` may be given.

Every loader goes through here: :func:`thuisplus.sim.presets.load_preset` (names only),
:meth:`thuisplus.experiments.Experiment.from_toml` and
:meth:`calibration.CalibrationConfig.from_toml` (a file path, or else a shipped name).
The folders are located without importing their packages (sim imports neither
experiments nor calibration).
"""

from __future__ import annotations

import difflib
from importlib.util import find_spec
from pathlib import Path

__all__ = ["FOLDERS", "NotShipped", "alias_in_shipped_folder", "canonical_name",
           "closest_name", "find_shipped", "resolve_file", "shipped_files", "shipped_folder"]

#: (package, folder) of each kind of shipped file
FOLDERS = {"preset": ("thuisplus.sim", "presets"), "spec": ("thuisplus.experiments", "specs"),
           "calibration config": ("thuisplus.calibration", "configs"),
           "posterior": ("thuisplus.calibration", "posteriors")}


class NotShipped(LookupError):
    """Neither an existing file nor a shipped name; the message suggests the closest name."""

    def __init__(self, ref: str, message: str):
        self.ref, self.message = ref, message
        super().__init__(message)


def canonical_name(name: str) -> str:
    """The shipped spelling of a name: no ``.toml``, hyphens for underscores."""
    return name.removesuffix(".toml").replace("_", "-")


def shipped_folder(kind: str) -> Path:
    """The folder of the shipped files of ``kind`` (a key of :data:`FOLDERS`)."""
    package, folder = FOLDERS[kind]
    spec = find_spec(package)  # imports only the light namespace, not the package
    if spec is None or not spec.submodule_search_locations:
        raise LookupError(f"package {package!r} is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / folder


def shipped_files(kind: str) -> dict[str, Path]:
    """Name → file of every shipped file of ``kind`` (a key of :data:`FOLDERS`)."""
    return {f.stem: f for f in sorted(shipped_folder(kind).glob("*.toml"))}


def closest_name(name: str, names: list[str] | dict[str, object]) -> str | None:
    """The shipped name closest to ``name`` (never ``name`` itself), or None."""
    wanted = canonical_name(name)
    close = difflib.get_close_matches(wanted, [n for n in names if n != name], n=1)
    return close[0] if close else None


def find_shipped(name: str, kind: str) -> Path | None:
    """The shipped file ``name`` (or its underscore alias) of ``kind``, or None."""
    return shipped_files(kind).get(canonical_name(name))


def resolve_file(ref: str | Path, kind: str) -> Path:
    """A file path, or else the name of a shipped file of ``kind``; :class:`NotShipped` if neither.

    A missing file in the shipped folder itself under its former underscore spelling
    (``calibration/configs/contract_2021.toml``) is the shipped file.
    """
    path = Path(ref)
    if path.is_file():
        return path
    files = shipped_files(kind)
    text = str(ref)
    is_name = len(path.parts) == 1 and "/" not in text and "\\" not in text
    if is_name and canonical_name(text) in files:
        return files[canonical_name(text)]
    if not is_name:
        moved = alias_in_shipped_folder(path, kind)
        if moved is not None:
            return moved
    names = sorted(files)
    hint = closest_name(path.name, names)
    if is_name:
        raise NotShipped(text, f"no such {kind} file, and not a shipped {kind} "
                               f"({', '.join(names)})"
                               + (f"; did you mean {hint!r}?" if hint else ""))
    near = None
    if path.parent.is_dir():
        siblings = [p.name for p in path.parent.glob("*.toml")]
        close = difflib.get_close_matches(path.name, siblings, n=1)
        near = path.parent / close[0] if close else None
    if near is not None:
        raise NotShipped(text, f"no such {kind} file (did you mean {near}?)")
    raise NotShipped(text, f"no such {kind} file"
                           + (f" (did you mean the shipped {kind} {hint!r}?)" if hint else ""))


def alias_in_shipped_folder(path: Path, kind: str) -> Path | None:
    """The shipped file a missing ``path`` names by an alias spelling in its own folder."""
    if path.is_file() or not path.parent.is_dir():
        return None
    root = shipped_folder(kind)
    try:
        same = path.parent.resolve() == root.resolve()
    except OSError:
        return None
    candidate = root / f"{canonical_name(path.name)}.toml"
    return candidate if same and candidate.is_file() else None
