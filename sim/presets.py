"""Presets: named TOML files that configure the Thuisplusflat arm (shipped with the package).

Each file's first line is a comment describing it in one line; a second line
``# base: NAME`` makes it apply on top of another preset; the rest overrides the defaults
(or a given base parameter set). ``baseline`` switches the Thuisplusflat off, so
a pair run with it compares the baseline with itself.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from importlib import resources
from typing import Any

from sim.params import ParameterError, Parameters, from_sampler, load_parameters

__all__ = ["list_presets", "load_preset", "preset_path", "run_parameters"]


def _files() -> dict[str, object]:
    folder = resources.files("sim") / "presets"
    return {f.name.removesuffix(".toml"): f for f in folder.iterdir()
            if f.name.endswith(".toml")}


def list_presets() -> dict[str, str]:
    """Preset name → one-line description."""
    out = {}
    for name, f in sorted(_files().items()):
        first = f.read_text(encoding="utf-8").splitlines()[0]
        out[name] = first.lstrip("#").strip()
    return out


def preset_path(name: str):
    """Path of a preset file; unknown names raise ParameterError with a suggestion."""
    files = _files()
    if name not in files:
        close = difflib.get_close_matches(name, list(files), n=1)
        hint = f"did you mean '{close[0]}'? " if close else ""
        raise ParameterError([("preset", name, f"unknown preset; {hint}allowed: "
                               + ", ".join(sorted(files)))], origin="preset")
    return files[name]


def load_preset(name: str, base: Parameters | None = None) -> Parameters:
    """Parameters of preset ``name`` applied on top of ``base`` (defaults if omitted)."""
    path = preset_path(name)
    lines = path.read_text(encoding="utf-8").splitlines()
    if len(lines) > 1 and lines[1].startswith("# base:"):
        base = load_preset(lines[1].removeprefix("# base:").strip(), base)
    with resources.as_file(path) as file:
        return load_parameters(file, base=base)


def run_parameters(params: Parameters | None = None, preset: str | None = None,
                   overrides: Mapping[str, Any] | None = None, *,
                   origin: str = "overrides") -> Parameters:
    """The parameters of a run: ``params`` (defaults), ``preset`` on top, then ``overrides``.

    ``overrides`` are dotted keys (``{"building.dwellings": 60}``) whose values may come
    from an outside sampler: numpy scalars and integer parameters given as floats are cast
    as the experiment designs cast them (:func:`sim.params.from_sampler`). Bad keys and
    values raise :class:`ParameterError` naming them.
    """
    if params is not None and not isinstance(params, Parameters):
        raise ParameterError([("params", params, "expected a Parameters object (or None "
                               "for the defaults); give parameters by dotted name as "
                               "keywords or overrides")], origin=origin)
    if preset is not None:
        params = load_preset(preset, params)
    elif params is None:
        params = Parameters()
    if overrides:
        params = params.with_overrides(
            {k: from_sampler(k, v) for k, v in overrides.items()}, origin=origin)
    return params
