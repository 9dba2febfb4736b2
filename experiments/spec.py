"""Experiment specs: scenarios × design points × replications, read from TOML and validated.

A spec names a base parameter set (defaults, a preset, a parameter file, ``[set]``
overrides), named **scenarios** (more overrides), a **design** over parameter ranges
(grid, Latin hypercube, Sobol/Saltelli or Morris, sampled with SALib) and a number of
**replications**. :meth:`Experiment.runs` expands it into :class:`RunTask`s, each a pair
with its own seed derived from the experiment seed by ``numpy.random.SeedSequence``.

Every problem is reported as a :class:`SpecError` naming the file, the key, the value and
what is allowed; the CLI turns it into exit code 2.
"""

from __future__ import annotations

import difflib
import hashlib
import itertools
import json
import math
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from thuisplus.sim.params import (
    ParameterError,
    Parameters,
    from_sampler,
    iter_fields,
    load_parameters,
)

__all__ = ["DESIGN_METHODS", "THUISPLUS_MODEL", "Experiment", "RunTask", "SpecError"]

THUISPLUS_MODEL = "thuisplus"
DESIGN_METHODS = ("none", "grid", "lhs", "sobol", "morris", "prior")
_PARAMETER_KEYS = frozenset(key for key, _ in iter_fields())


class SpecError(ValueError):
    """A problem in an experiment spec: where it is, what the value was, what is allowed."""

    def __init__(self, source: str, key: str, message: str):
        self.source, self.key, self.message = source, key, message
        where = f"{source}: " if source else ""
        super().__init__(f"{where}{key}: {message}" if key else f"{where}{message}")


class ParamRange(BaseModel):
    """One design parameter: a numeric ``range = [low, high]`` or explicit ``values``.

    ``range = "prior"`` takes the bounds of the parameter's declared prior (an
    ``uncertainty`` of the parameter tree), so designs do not restate them.
    """

    model_config = ConfigDict(extra="forbid")
    range: tuple[float, float] | Literal["prior"] | None = None
    values: list[Any] | None = None


class Design(BaseModel):
    """How design points are drawn over the design parameters."""

    model_config = ConfigDict(extra="forbid")
    method: str = Field("none", description="one of none, grid, lhs, sobol, morris, prior "
                                            "(the probabilistic analysis: draws from the "
                                            "priors, docs/evidence.md)")
    samples: int = Field(
        16, ge=1, le=1_000_000,
        description="lhs: points; sobol: base samples N (a power of 2); morris: trajectories; "
                    "prior: draws")
    groups: list[str] | None = Field(
        None, description="prior: draw the uncertainties of these groups [default: every "
                          "group but 'calibrated', which a posterior file supplies]")
    levels: int = Field(4, ge=2, le=1000, description="grid: points per range; morris: levels")
    second_order: bool = Field(False, description="sobol: also second-order indices")
    seed: int | None = Field(None, ge=0, description="sampler seed [default: the experiment's]")
    parameters: dict[str, ParamRange] = Field(default_factory=dict)

    @field_validator("method")
    @classmethod
    def _known_method(cls, v: str) -> str:
        if v not in DESIGN_METHODS:
            hint = difflib.get_close_matches(v, DESIGN_METHODS, n=1)
            raise ValueError(f"unknown design {v!r}; allowed: {', '.join(DESIGN_METHODS)}"
                             + (f" (did you mean {hint[0]!r}?)" if hint else ""))
        return v


class _SpecModel(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=80, pattern=r"^[A-Za-z0-9_.-]+$")
    description: str = ""
    seed: int = Field(1, ge=0, strict=True)
    replications: int = Field(1, ge=1, le=1_000_000, strict=True)
    weeks: int | None = Field(None, ge=1, le=5200, strict=True)
    preset: str | None = None
    params: str | None = None
    model: str = THUISPLUS_MODEL
    draws: Literal["streams", "keyed"] = Field(
        "streams", description="the engine: 'streams' (the reference) or 'keyed' (faster, "
        "statistically equivalent; thuisplus.sim.model.DRAWS)")
    common_seeds: bool = True
    set: dict[str, Any] = Field(default_factory=dict)
    scenarios: dict[str, dict[str, Any]] = Field(default_factory=dict)
    design: Design = Field(default_factory=Design)
    outcomes: list[str] = Field(default_factory=list)
    flush_every: int = Field(200, ge=1, le=100_000, strict=True)
    max_runs: int = Field(1_000_000, ge=1, strict=True,
                          description="refuse a spec with more runs than this")


@dataclass(frozen=True)
class RunTask:
    """One run of an experiment: a pair at one scenario, design point and replication."""

    run_id: int
    scenario: str
    point: int
    replication: int
    seed: int
    overrides: dict[str, Any]
    model: str = THUISPLUS_MODEL
    base: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)
    weeks: int | None = None
    drawn: dict[str, Any] = field(default_factory=dict)  # posterior draw (post.* columns)
    draws: str = "streams"  # the engine (thuisplus.sim.model.DRAWS)


class DuplicateKey(ValueError):
    """A key given twice (``{"a.b": 1, "a": {"b": 2}}``); ``key`` names it."""

    def __init__(self, key: str):
        super().__init__(f"{key} is given twice (once dotted, once nested); give it once")
        self.key = key


def flatten_keys(data: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """``{"a": {"b": 1}}`` and ``{"a.b": 1}`` both become ``{"a.b": 1}``.

    Raises :class:`DuplicateKey` when both forms name the same key.
    """
    out: dict[str, Any] = {}
    for k, v in data.items():
        key = f"{prefix}{k}"
        items = flatten_keys(v, key + ".") if isinstance(v, Mapping) else {key: v}
        for kk, vv in items.items():
            if kk in out:
                raise DuplicateKey(kk)
            out[kk] = vv
    return out


def _pydantic_problem(exc: ValidationError) -> tuple[str, str]:
    err = exc.errors()[0]
    loc = ".".join(str(p) for p in err["loc"])
    value = err.get("input")
    msg = err["msg"]
    if err["type"] == "extra_forbidden":
        top = [n for n in _SpecModel.model_fields if n != "flush_every"]
        parent = err["loc"][:-1]
        names = list(Design.model_fields) if parent == ("design",) else (
            list(ParamRange.model_fields) if parent[:1] == ("design",) else top)
        hint = difflib.get_close_matches(str(err["loc"][-1]), names, n=1)
        return loc, ("unknown key; allowed: " + ", ".join(names)
                     + (f" (did you mean {hint[0]!r}?)" if hint else ""))
    shown = "" if isinstance(value, dict) else f" (got {value!r})"
    return loc, f"{msg}{shown}"


def check_parameter_keys(overrides: Mapping[str, Any], where: str, source: str) -> None:
    """Every key must be a parameter of the tree (with a "did you mean" when it is not)."""
    for key in overrides:
        if key not in _PARAMETER_KEYS:
            hint = difflib.get_close_matches(key, _PARAMETER_KEYS, n=1)
            raise SpecError(source, f"{where}.{key}" if where else key,
                            "not a parameter (see `thuisplus params --show`)"
                            + (f"; did you mean {hint[0]!r}?" if hint else ""))


def build_base_parameters(params_file: str | None, preset: str | None,
                          overrides: Mapping[str, Any], *, source: str, base_dir: Path
                          ) -> tuple[Parameters, Any]:
    """Defaults, then a parameter file, then a preset, then ``[set]`` overrides.

    Returns the parameters and the file's posterior sample (or None). Shared by experiment
    specs and calibration configs; problems are :class:`SpecError`.
    """
    params = Parameters()
    posterior = None
    if params_file:
        path = Path(params_file)
        if not path.is_absolute():
            path = base_dir / path
        if not path.is_file():
            from thuisplus.sim.shipped import alias_in_shipped_folder

            path = alias_in_shipped_folder(path, "posterior") or path  # contract_2021.toml
        if not path.is_file():
            raise SpecError(source, "params", f"{params_file!r}: no such parameter file "
                                              f"({path})")
        try:
            params = load_parameters(path)
        except ParameterError as exc:
            raise SpecError(source, "params", exc.format()) from None
        from thuisplus.experiments.posterior import read_posterior

        try:
            posterior = read_posterior(path)
        except ValueError as exc:
            raise SpecError(source, "params", str(exc)) from None
        if posterior is not None:
            check_parameter_keys(dict.fromkeys(posterior.keys), "params [posterior]", source)
    if preset:
        from thuisplus.sim.presets import load_preset, preset_path

        try:
            preset_path(preset)  # the presets' own lookup, with its "did you mean"
        except ParameterError as exc:
            _, value, allowed = exc.problems[0]
            raise SpecError(source, "preset", f"{value!r}: {allowed}") from None
        params = load_preset(preset, base=params)
    check_parameter_keys(overrides, "set", source)
    try:
        params = params.with_overrides(overrides, origin=f"{source} [set]")
    except ParameterError as exc:
        raise SpecError("", "", exc.format()) from None
    return params, posterior


def resolve_toml(ref: str | Path, kind: str) -> Path:
    """A file path, or else the name of a shipped file of ``kind`` (:mod:`thuisplus.sim.shipped`).

    ``kind`` is ``"spec"`` or ``"calibration config"``; neither a file nor a shipped name
    is a :class:`SpecError` suggesting the closest shipped name. The one resolver of specs
    and configs, for Python and the command line alike.
    """
    from thuisplus.sim.shipped import NotShipped, resolve_file

    try:
        return resolve_file(ref, kind)
    except NotShipped as exc:
        raise SpecError(exc.ref, "", exc.message) from None


#: Modules whose functions a spec may name as its ``model`` without ``allow_code``.
TRUSTED_MODEL_MODULES = ("thuisplus.experiments.testfunctions",)


def derived_seed(seed: int, key: tuple[int, ...]) -> int:
    """The seed of the run ``key`` of an experiment seeded ``seed`` (SeedSequence spawn key).

    ``(replication,)`` is replication *r* with common seeds: the seed an outside sampler
    (the EMA example) uses for replication *r* to match the project's own runs.
    """
    return int(np.random.SeedSequence(seed, spawn_key=key).generate_state(1)[0])


class Experiment:
    """A validated experiment spec; build with :meth:`from_toml` or :meth:`from_dict`."""

    def __init__(self, spec: _SpecModel, *, source: str = "spec", base_dir: Path | None = None,
                 allow_code: bool = False):
        self.spec = spec
        self.source = source
        self.base_dir = base_dir or Path.cwd()
        self.allow_code = allow_code
        try:
            self.set = flatten_keys(spec.set)
            self.scenarios: dict[str, dict[str, Any]] = (
                {k: flatten_keys(v) for k, v in spec.scenarios.items()} or {"default": {}})
        except DuplicateKey as exc:
            raise SpecError(source, exc.key, str(exc)) from None
        self.base_params: Parameters | None = None
        self.posterior = None
        #: remarks that do not stop the experiment (e.g. a constant varied by the design)
        self.warnings: list[str] = []
        self._validate()
        self._points = self._sample_design()

    # --- construction ---------------------------------------------------------------
    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, source: str = "spec",
                  base_dir: Path | None = None, allow_code: bool = False) -> Experiment:
        """Validate a spec given as a (nested) mapping, e.g. parsed TOML.

        ``allow_code``: accept a ``model`` outside the project's own (any importable
        ``package.module:function``): the spec is then code, to be trusted like code.
        """
        try:
            spec = _SpecModel.model_validate(dict(data))
        except ValidationError as exc:
            key, msg = _pydantic_problem(exc)
            raise SpecError(source, key, msg) from None
        return cls(spec, source=source, base_dir=base_dir, allow_code=allow_code)

    @classmethod
    def from_toml(cls, path: str | Path, *, allow_code: bool = False) -> Experiment:
        """Read and validate a spec: a file, or the name of a shipped spec (``"funding"``).

        Shipped names are hyphenated (``base-case``; ``base_case`` is an alias; see
        :mod:`thuisplus.sim.shipped`). Relative ``params`` paths are relative to the spec file.
        """
        path = resolve_toml(path, "spec")
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise SpecError(str(path), "", f"not valid TOML: {exc}") from None
        return cls.from_dict(data, source=str(path), base_dir=path.parent,
                             allow_code=allow_code)

    def with_changes(self, **changes: Any) -> Experiment:
        """A copy with top-level spec fields replaced (e.g. ``replications=4``)."""
        data = self.spec.model_dump()
        data.update(changes)
        return Experiment.from_dict(data, source=self.source, base_dir=self.base_dir,
                                    allow_code=self.allow_code)

    def to_dict(self) -> dict[str, Any]:
        """The spec as plain data (what the manifest stores)."""
        return self.spec.model_dump(mode="json", exclude_defaults=False)

    def fingerprint(self) -> str:
        """A hash of everything that determines the runs and their results."""
        data = self.to_dict()
        data.pop("flush_every", None)
        data.pop("max_runs", None)
        data.pop("description", None)
        if data.get("draws") == "streams":
            data.pop("draws")  # the default: folders from before the option still resume
        if self.base_params is not None:
            data["_base"] = self.base_params.model_dump(mode="json")
        if self.posterior is not None:
            data["_posterior"] = self.posterior.as_data()
        text = json.dumps(data, sort_keys=True, default=str)
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    # --- properties -------------------------------------------------------------------
    @property
    def name(self) -> str:
        """The experiment's name (folder names, report titles)."""
        return self.spec.name

    @property
    def is_thuisplus(self) -> bool:
        """True when runs are pairs of the Thuisplusflat model (not a test function)."""
        return self.spec.model == THUISPLUS_MODEL

    @property
    def design_keys(self) -> list[str]:
        """The design parameters in spec order (prior: the drawn uncertainties)."""
        if self.spec.design.method == "prior":
            return list(self._prior_keys)
        return list(self.spec.design.parameters)

    @property
    def points(self) -> list[dict[str, Any]]:
        """Design points (one empty point when there is no design)."""
        return self._points

    @property
    def n_runs(self) -> int:
        """Number of runs: scenarios × design points × replications."""
        return len(self.scenarios) * len(self._points) * self.spec.replications

    def salib_problem(self) -> dict[str, Any]:
        """The SALib problem dict of the design parameters."""
        d = self.spec.design.parameters
        return {"num_vars": len(d), "names": list(d),
                "bounds": [list(d[k].range) for k in d]}

    # --- validation -------------------------------------------------------------------
    def _err(self, key: str, message: str) -> SpecError:
        return SpecError(self.source, key, message)

    def _validate(self) -> None:
        s = self.spec
        design = s.design
        if self.is_thuisplus:
            self.base_params = self._build_base()
            for name, over in self.scenarios.items():
                self._check_keys(over, f"scenarios.{name}")
                self._apply(self.base_params, over, f"scenarios.{name}")
        else:
            if ":" not in s.model:
                raise self._err("model", f"{s.model!r}: expected {THUISPLUS_MODEL!r} or "
                                         "'package.module:function'")
            module, _, name = s.model.partition(":")
            if module not in TRUSTED_MODEL_MODULES and not self.allow_code:
                raise self._err("model", f"{s.model!r}: a spec may name the project's models "
                                f"only ({THUISPLUS_MODEL!r}, or a function of "
                                f"{', '.join(TRUSTED_MODEL_MODULES)}); a spec that names other "
                                "code runs it on every worker, so that needs --allow-code "
                                "(Python: allow_code=True) and a spec you trust like code")
            if module in TRUSTED_MODEL_MODULES:
                import importlib

                if not callable(getattr(importlib.import_module(module), name, None)):
                    raise self._err("model", f"{s.model!r}: {module} has no function "
                                             f"{name!r}")
            if s.preset or s.params:
                raise self._err("preset" if s.preset else "params",
                                "only the thuisplus model takes a preset or parameter file")
        if design.method == "prior":
            self._check_prior_design(design)
            return
        if design.method == "none":
            if design.parameters:
                raise self._err("design.method", "design parameters are given but method is "
                                                 "'none'; choose grid, lhs, sobol or morris")
            return
        if not design.parameters:
            raise self._err("design.parameters",
                            f"design method {design.method!r} needs at least one parameter")
        for name, over in self.scenarios.items():
            both = sorted(set(over) & set(design.parameters))
            if both:
                raise self._err(f"scenarios.{name}.{both[0]}",
                                "is also a design parameter; the design would overrule the "
                                "scenario: set it in one place only")
        n = self._design_size() * len(self.scenarios) * s.replications
        if n > s.max_runs:
            raise self._err("max_runs", f"the spec asks for {n:,} runs (design points × "
                            f"scenarios × replications); the limit is {s.max_runs:,}: make "
                            "the design smaller, or raise max_runs in the spec if you mean it")
        for key, pr in design.parameters.items():
            where = f"design.parameters.{key}"
            if self.is_thuisplus:
                self._check_keys({key: None}, "design.parameters")
            if pr.values is not None and pr.range is not None:
                raise self._err(where, "give either range = [low, high] or values = [...]")
            if self.is_thuisplus:
                self._check_kind(key, pr, where)
            if pr.values is not None:
                if design.method != "grid":
                    raise self._err(where, f"explicit values only work with method 'grid' "
                                           f"(method is {design.method!r}); give a range")
                if not pr.values:
                    raise self._err(where, "values = [] is empty; give at least one value")
                candidates = pr.values
            elif isinstance(pr.range, str):
                raise self._err(where, 'range = "prior" works only for the thuisplus model '
                                       "(its parameters declare priors); give [low, high]")
            elif pr.range is not None:
                lo, hi = pr.range
                if not (math.isfinite(lo) and math.isfinite(hi)) or not lo < hi:
                    raise self._err(where, f"range = [{lo:g}, {hi:g}] is empty; need low < high")
                candidates = [lo, hi]
            else:
                raise self._err(where, "give range = [low, high] or values = [...]")
            if self.is_thuisplus:
                assert self.base_params is not None
                for v in candidates:
                    self._apply(self.base_params, {key: self._cast(key, v)}, where)
        if design.method == "sobol" and design.samples & (design.samples - 1):
            raise self._err("design.samples", f"{design.samples}: Sobol (Saltelli) sampling "
                                              "needs a power of 2 (e.g. 256, 512, 1024)")
        if design.method == "morris" and len(design.parameters) < 2:
            raise self._err("design.parameters", "Morris screening needs at least 2 parameters")
        if design.method == "sobol" and len(design.parameters) < 2:
            raise self._err("design.parameters", "Sobol analysis needs at least 2 parameters")

    def _check_prior_design(self, design: Design) -> None:
        """A PSA design: which uncertainties are drawn, and that the options can share them.

        Seeds and draws are keyed by (draw, replication), the same for every scenario (the
        contract options), so options are compared on the same parameters and seeds.
        """
        from thuisplus.sim.params import uncertainties, uncertainty_groups

        if not self.is_thuisplus:
            raise self._err("design.method", "method 'prior' draws the thuisplus model's "
                                             "uncertainties; other models have no priors")
        if design.samples < 2:
            raise self._err("design.samples", f"{design.samples}: a probabilistic analysis "
                                              "needs at least 2 draws (a few hundred to read "
                                              "its tails)")
        known = uncertainty_groups()
        groups = design.groups
        if groups is not None:
            for g in groups:
                if g not in known:
                    hint = difflib.get_close_matches(g, known, n=1)
                    raise self._err("design.groups", f"{g!r} is not a group of "
                                    "uncertainties" + (f" (did you mean {hint[0]!r}?)"
                                                       if hint else "")
                                    + f"; groups: {', '.join(known)}")
        chosen = set(groups) if groups is not None else set(known) - {"calibrated"}
        keys = [k for g in known if g in chosen for k in uncertainties(g)]
        for key, pr in design.parameters.items():
            where = f"design.parameters.{key}"
            self._check_keys({key: None}, "design.parameters")
            if pr.values is not None or pr.range != "prior":
                raise self._err(where, "method 'prior' draws from the declared prior: give "
                                       "range = \"prior\" (or leave the table out)")
            if key not in uncertainties():
                from thuisplus.sim.params import parameter_kind

                raise self._err(where, f"{key} has no prior (it is a "
                                       f"{parameter_kind(key)}, not an uncertainty)")
            if key not in keys:
                keys.append(key)
        if design.parameters and groups is None:  # the listed parameters only
            keys = list(design.parameters)
        drawn_by_posterior = set(self.posterior.keys) if self.posterior is not None else set()
        self._prior_keys = [k for k in keys if k not in drawn_by_posterior]
        for name, over in self.scenarios.items():
            both = sorted(set(over) & (set(self._prior_keys) | drawn_by_posterior))
            if both:
                source = ("the posterior in params" if both[0] in drawn_by_posterior
                          else "its prior")
                raise self._err(f"scenarios.{name}.{both[0]}",
                                f"is an uncertainty the probabilistic analysis draws (from "
                                f"{source}); a scenario sets levers (or leave it out of "
                                "design.groups)")
        n = design.samples * len(self.scenarios) * self.spec.replications
        if n > self.spec.max_runs:
            raise self._err("max_runs", f"the spec asks for {n:,} runs (draws × scenarios × "
                            f"replications); the limit is {self.spec.max_runs:,}")

    def _check_kind(self, key: str, pr: ParamRange, where: str) -> None:
        """Resolve ``range = "prior"``; note a design that varies a constant."""
        from thuisplus.sim.params import declared_prior, parameter_kind

        kind = parameter_kind(key)
        if pr.range == "prior":
            prior = declared_prior(key)
            if prior is None:
                raise self._err(where, f"range = \"prior\": {key} has no prior (it is a "
                                       f"{kind}, not an uncertainty); give range = [low, high]")
            pr.range = (prior.lower, prior.upper)
        if kind == "constant":
            self.warnings.append(
                f"{self.source}: {where}: {key} is a constant of the analysis (held fixed: "
                "docs/parameters.md); varying it explores the model, not an uncertainty")

    def _build_base(self) -> Parameters:
        s = self.spec
        params, self.posterior = build_base_parameters(
            s.params, s.preset, self.set, source=self.source, base_dir=self.base_dir)
        return params

    def _check_keys(self, overrides: Mapping[str, Any], where: str) -> None:
        check_parameter_keys(overrides, where, self.source)

    def _apply(self, params: Parameters, overrides: Mapping[str, Any], where: str
               ) -> Parameters:
        try:
            return params.with_overrides(overrides, origin=f"{self.source} [{where}]")
        except ParameterError as exc:
            raise SpecError("", "", exc.format()) from None

    def _cast(self, key: str, value: Any) -> Any:
        """A sampled value in its parameter's type (integers rounded), as ``evaluate`` does."""
        return from_sampler(key, value) if self.base_params is not None else value

    # --- design ---------------------------------------------------------------------
    def _design_size(self) -> int:
        """Design points the spec asks for, computed without sampling them."""
        d = self.spec.design
        k = len(d.parameters)
        if d.method == "grid":
            return math.prod(len(pr.values) if pr.values is not None else d.levels
                             for pr in d.parameters.values())
        if d.method == "sobol":
            return d.samples * (2 * k + 2 if d.second_order else k + 2)
        if d.method == "morris":
            return d.samples * (k + 1)
        return d.samples

    def _sample_design(self) -> list[dict[str, Any]]:
        d = self.spec.design
        if d.method == "none":
            return [{}]
        keys = self.design_keys
        seed = self.spec.seed if d.seed is None else d.seed
        if d.method == "prior":
            from thuisplus.sim.uncertainty import draw_priors

            table = draw_priors(d.samples, seed, keys)
            return [{k: self._cast(k, v) for k, v in row.items()}
                    for row in table.to_dict(orient="records")]
        if d.method == "grid":
            axes = []
            for k in keys:
                pr = d.parameters[k]
                if pr.values is not None:
                    axes.append(list(pr.values))
                else:
                    axes.append([float(x) for x in np.linspace(*pr.range, d.levels)])
            rows = [dict(zip(keys, combo, strict=True)) for combo in itertools.product(*axes)]
        else:
            problem = self.salib_problem()
            if d.method == "lhs":
                from SALib.sample import latin

                x = latin.sample(problem, d.samples, seed=seed)
            elif d.method == "sobol":
                from SALib.sample import sobol

                x = sobol.sample(problem, d.samples, calc_second_order=d.second_order,
                                 scramble=True, seed=seed)
            else:
                from SALib.sample import morris

                x = morris.sample(problem, d.samples, num_levels=d.levels, seed=seed)
            rows = [dict(zip(keys, (float(v) for v in row), strict=True)) for row in x]
        return [{k: self._cast(k, v) for k, v in row.items()} for row in rows]

    def design_matrix(self) -> np.ndarray:
        """The design points as an (n_points × n_parameters) float array (SALib's X)."""
        return np.array([[float(p[k]) for k in self.design_keys] for p in self._points])

    # --- runs -------------------------------------------------------------------------
    def seed_of(self, scenario_index: int, point: int, replication: int) -> int:
        """The run's seed, from the experiment seed by SeedSequence.

        With ``common_seeds`` (default) replication *r* uses the same seed in every
        scenario and design point: common random numbers across the whole experiment, so
        differences between scenarios are not noise. Otherwise each run gets its own.
        """
        if self.spec.design.method == "prior":  # a PSA: the options share draw and seeds
            key: tuple[int, ...] = (point, replication)
        else:
            key = ((replication,) if self.spec.common_seeds
                   else (scenario_index, point, replication))
        return derived_seed(self.spec.seed, key)

    def posterior_draw(self, scenario_index: int, point: int, replication: int
                       ) -> dict[str, Any]:
        """The parameter set a run takes from the posterior sample of its parameter file.

        Like seeds: with ``common_seeds`` replication *r* draws the same set in every
        scenario and design point; scenarios and design values override drawn keys.
        """
        if self.posterior is None:
            return {}
        if self.spec.design.method == "prior":  # one calibrated set per draw of a PSA
            key: tuple[int, ...] = (point, 1)
        else:
            key = ((replication, 1) if self.spec.common_seeds
                   else (scenario_index, point, replication, 1))
        return {k: self._cast(k, v) for k, v in self.posterior.draw(self.spec.seed, key).items()}

    def runs(self) -> list[RunTask]:
        """Every run, in a fixed order: scenario, then design point, then replication.

        A PSA (method ``prior``) orders by draw, then replication, then scenario.
        """
        base = (self.base_params.model_dump(mode="json") if self.base_params is not None
                else {})
        scenarios = list(enumerate(self.scenarios.items()))
        cells = [(s, pi, r) for s in scenarios for pi in range(len(self._points))
                 for r in range(self.spec.replications)]
        if self.spec.design.method == "prior":
            # a PSA: the options of one draw and seed next to each other, so that a
            # worker's baseline cache (the options share the baseline arm) hits
            cells = [(s, pi, r) for pi in range(len(self._points))
                     for r in range(self.spec.replications) for s in scenarios]
        tasks = []
        for run_id, ((si, (name, over)), pi, r) in enumerate(cells):
            point = self._points[pi]
            drawn = self.posterior_draw(si, pi, r)
            overrides = {**({} if self.is_thuisplus else self.set), **drawn, **over, **point}
            tasks.append(RunTask(
                run_id=run_id, scenario=name, point=pi, replication=r,
                seed=self.seed_of(si, pi, r), overrides=overrides,
                model=self.spec.model, base=base, weeks=self.spec.weeks,
                drawn=drawn, draws=self.spec.draws))
        return tasks
