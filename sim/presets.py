"""Presets: named TOML files that configure the Thuisplusflat arm (shipped with the package).

Names are hyphenated (``contract-2021``, ``lump-sum``); ``contract_2021`` is an alias.

Each file's first line is a comment describing it in one line; a second line
``# base: NAME`` makes it apply on top of another preset; the rest overrides the defaults
(or a given base parameter set). ``baseline`` switches the Thuisplusflat off, so
a pair run with it compares the baseline with itself.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from thuisplus.sim.params import (
    _MISSING,
    ParameterError,
    Parameters,
    from_sampler,
    load_parameters,
)
from thuisplus.sim.shipped import closest_name, find_shipped, shipped_files

__all__ = ["build_parameters", "list_presets", "load_preset", "parse_override",
           "preset_path", "run_parameters"]


def list_presets() -> dict[str, str]:
    """Preset name → one-line description."""
    out = {}
    for name, f in sorted(shipped_files("preset").items()):
        first = f.read_text(encoding="utf-8").splitlines()[0]
        out[name] = first.lstrip("#").strip()
    return out


def preset_path(name: str) -> Path:
    """Path of a preset file; unknown names raise ParameterError with a suggestion.

    Names are hyphenated (``contract-2021``); the underscore spelling is an alias
    (:mod:`thuisplus.sim.shipped`).
    """
    path = find_shipped(name, "preset")
    if path is None:
        files = shipped_files("preset")
        close = closest_name(name, files)
        hint = f"did you mean '{close}'? " if close else ""
        raise ParameterError([("preset", name, f"unknown preset; {hint}allowed: "
                               + ", ".join(sorted(files)))], origin="preset")
    return path


def load_preset(name: str, base: Parameters | None = None) -> Parameters:
    """Parameters of preset ``name`` applied on top of ``base`` (defaults if omitted)."""
    path = preset_path(name)
    lines = path.read_text(encoding="utf-8").splitlines()
    if len(lines) > 1 and lines[1].startswith("# base:"):
        base = load_preset(lines[1].removeprefix("# base:").strip(), base)
    return load_parameters(path, base=base)


def run_parameters(params: Parameters | None = None, preset: str | None = None,
                   overrides: Mapping[str, Any] | None = None, *,
                   origin: str = "overrides") -> Parameters:
    """The parameters of a run: ``params`` (defaults), ``preset`` on top, then ``overrides``.

    ``overrides`` are dotted keys (``{"building.dwellings": 60}``) whose values may come
    from an outside sampler: numpy scalars and integer parameters given as floats are cast
    as the experiment designs cast them (:func:`thuisplus.sim.params.from_sampler`). Bad keys and
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


def parse_override(item: str) -> tuple[str, Any]:
    """``KEY=VALUE`` → (key, value), the value parsed as a TOML literal.

    Numbers, booleans, dates and quoted strings are parsed; anything else stays the raw
    string. A malformed item is a :class:`ParameterError`.
    """
    key, sep, value = item.partition("=")
    if not sep or not key.strip():
        raise ParameterError([(f"--set {item!r}", _MISSING, "expected KEY=VALUE, e.g. --set "
                               "care.hh_hours_base=2")], origin="--set override")
    try:
        parsed = tomllib.loads(f"v = {value.strip()}")["v"]
    except tomllib.TOMLDecodeError:
        parsed = value.strip()
    return key.strip(), parsed


def build_parameters(params_file: str | Path | None = None, preset: str | None = None,
                     overrides: Iterable[str] = ()) -> Parameters:
    """Defaults, then a TOML file, then a preset, then ``KEY=VALUE`` overrides (in order).

    What the command line's ``--params``, ``--preset`` and ``--set`` build; bad input of
    any of them is a :class:`ParameterError` naming the file, key and value.
    """
    params = load_parameters(params_file) if params_file else Parameters()
    if preset:
        params = load_preset(preset, base=params)
    pairs = dict(parse_override(item) for item in overrides)
    if pairs:
        params = params.with_overrides(pairs, origin="--set overrides")
    return params
