"""Calibration configs: free parameters with priors, indicators with weights, method, budget.

A config is a TOML file (``calibration/configs/*.toml``)::

    name = "contract-2021"
    preset = "contract-2021"            # base parameters (or params = "file.toml")
    seed = 1
    replications = 1                    # runs per complex per evaluation, averaged
    budget = 3000                       # at most this many evaluations (parameter sets)
    method = "abc"                      # or "optuna"

    [parameters."thuisplus.contract.transfer_acceptance"]
    prior = "uniform"                   # or "normal" (truncated to [lower, upper])
    lower = 0.05
    upper = 0.95

    [indicators]
    wmo_clients_preferred = 1.0         # weight in the distance
    severely_lonely_share = 0.5

    [abc]
    population = 100
    generations = 8

Every problem is a :class:`~thuisplus.experiments.spec.SpecError` naming the file, key, value and
what is allowed (exit code 2 in the CLI).
"""

from __future__ import annotations

import difflib
import hashlib
import json
import math
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from thuisplus.experiments.spec import (
    SpecError,
    build_base_parameters,
    check_parameter_keys,
    flatten_keys,
    resolve_toml,
)
from thuisplus.sim.param_base import Prior
from thuisplus.sim.params import ParameterError, Parameters

__all__ = ["CalibrationConfig", "Prior"]

class ABCSettings(BaseModel):
    """Settings of ABC-SMC (pyabc)."""

    model_config = ConfigDict(extra="forbid")
    population: int = Field(100, ge=10, le=100_000, description="particles per generation")
    generations: int = Field(8, ge=1, le=100, description="at most this many generations")
    min_epsilon: float = Field(0.0, ge=0, description="stop when epsilon falls below")
    min_acceptance_rate: float = Field(0.01, ge=0, le=1, description="stop below this rate")


class OptunaSettings(BaseModel):
    """Settings of the Optuna TPE point estimate."""

    model_config = ConfigDict(extra="forbid")
    trials: int = Field(300, ge=1, le=1_000_000, description="trials (capped by budget)")
    startup_trials: int = Field(20, ge=1, description="random trials before TPE")


class _ConfigModel(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=80, pattern=r"^[A-Za-z0-9_.-]+$")
    description: str = ""
    preset: str | None = None
    params: str | None = None
    set: dict[str, Any] = Field(default_factory=dict)
    seed: int = Field(1, ge=0)
    replications: int = Field(1, ge=1, le=100)
    budget: int = Field(3000, ge=1, le=10_000_000)
    method: Literal["abc", "optuna"] = "abc"
    parameters: dict[str, Prior]
    indicators: dict[str, float] = Field(default_factory=dict)
    abc: ABCSettings = Field(default_factory=ABCSettings)
    optuna: OptunaSettings = Field(default_factory=OptunaSettings)


def _parameters_table(data: Mapping[str, Any]) -> dict[str, Any]:
    """``[parameters."a.b"]`` and ``[parameters.a.b]`` both give ``{"a.b": {...}}``."""
    out: dict[str, Any] = {}

    def walk(node: Mapping[str, Any], prefix: str) -> None:
        for k, v in node.items():
            key = f"{prefix}{k}"
            if isinstance(v, Mapping) and ("lower" in v or "upper" in v or "prior" in v):
                out[key] = dict(v)
            elif isinstance(v, Mapping):
                walk(v, key + ".")
            else:
                out[key] = v
    walk(data, "")
    return out


def _declared(key: str, source: str) -> dict[str, Any]:
    """The declared prior of ``key`` as a config table (``"key" = "prior"`` in a config)."""
    from thuisplus.sim.params import declared_prior, parameter_kind

    check_parameter_keys({key: None}, "parameters", source)
    prior = declared_prior(key)
    if prior is None:
        raise SpecError(source, f"parameters.{key}", f"= \"prior\": {key} has no prior (it is "
                        f"a {parameter_kind(key)}, not an uncertainty); give lower and upper")
    return prior.model_dump(exclude_none=True)


class CalibrationConfig:
    """A validated calibration config; build with :meth:`from_toml` or :meth:`from_dict`."""

    def __init__(self, model: _ConfigModel, *, source: str, base_dir: Path):
        self.model = model
        self.source = source
        self.base_dir = base_dir
        try:
            self.set = flatten_keys(model.set)
        except ValueError as exc:  # a key given twice
            raise SpecError(source, getattr(exc, "key", "set"), str(exc)) from None
        self.base_params = self._build_base()
        self._check_parameters()

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, source: str = "config",
                  base_dir: Path | None = None) -> CalibrationConfig:
        """Validate a config given as a mapping (e.g. parsed TOML)."""
        data = dict(data)
        if isinstance(data.get("parameters"), Mapping):
            data["parameters"] = _parameters_table(data["parameters"])
            for key, value in data["parameters"].items():
                if value == "prior":  # the prior the parameter tree declares
                    data["parameters"][key] = _declared(key, source)
        if isinstance(data.get("indicators"), Mapping):
            data["indicators"] = {k: (v.get("weight", 1.0) if isinstance(v, Mapping) else v)
                                  for k, v in data["indicators"].items()}
        try:
            model = _ConfigModel.model_validate(data)
        except ValidationError as exc:
            err = exc.errors()[0]
            loc = ".".join(str(p) for p in err["loc"])
            if err["type"] == "extra_forbidden":
                names = list(_ConfigModel.model_fields)
                hint = difflib.get_close_matches(str(err["loc"][-1]), names, n=1)
                msg = "unknown key" + (f" (did you mean {hint[0]!r}?)" if hint else "")
            elif err["type"] == "missing" and loc == "parameters":
                msg = "no free parameters: add [parameters.\"dotted.key\"] tables"
            else:
                value = err.get("input")
                msg = err["msg"] + ("" if isinstance(value, dict) else f" (got {value!r})")
            raise SpecError(source, loc, msg) from None
        return cls(model, source=source, base_dir=base_dir or Path.cwd())

    @classmethod
    def from_toml(cls, path: str | Path) -> CalibrationConfig:
        """Read and validate a config: a file, or a shipped config's name (``"contract-2021"``).

        Shipped names are hyphenated; the underscore spelling is an alias
        (:mod:`thuisplus.sim.shipped`).
        """
        path = resolve_toml(path, "calibration config")
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise SpecError(str(path), "", f"not valid TOML: {exc}") from None
        return cls.from_dict(data, source=str(path), base_dir=path.parent)

    def with_changes(self, **changes: Any) -> CalibrationConfig:
        """A copy with top-level fields replaced (``budget=500``, ``method="optuna"``)."""
        data = self.model.model_dump()
        data.update(changes)
        return CalibrationConfig.from_dict(data, source=self.source, base_dir=self.base_dir)

    # --- properties ---------------------------------------------------------------------
    @property
    def name(self) -> str:
        """The config's name."""
        return self.model.name

    @property
    def free(self) -> list[str]:
        """The free parameters (dotted keys), in config order."""
        return list(self.model.parameters)

    @property
    def priors(self) -> dict[str, Prior]:
        """Prior of each free parameter."""
        return dict(self.model.parameters)

    def fingerprint(self, data_fingerprint: str = "") -> str:
        """A hash of everything that determines the fit (for --resume)."""
        d = self.model.model_dump(mode="json")
        d.pop("description", None)
        d["_base"] = self.base_params.model_dump(mode="json")
        d["_data"] = data_fingerprint
        d.pop("budget")  # a resumed fit may be given a larger budget
        return hashlib.sha256(json.dumps(d, sort_keys=True, default=str).encode()
                              ).hexdigest()[:16]

    # --- validation ---------------------------------------------------------------------
    def _err(self, key: str, msg: str) -> SpecError:
        return SpecError(self.source, key, msg)

    def _build_base(self) -> Parameters:
        m = self.model
        params, _ = build_base_parameters(m.params, m.preset, self.set, source=self.source,
                                          base_dir=self.base_dir)
        return params

    def _check_key(self, key: str, where: str) -> None:
        check_parameter_keys({key: None}, where, self.source)

    def _check_parameters(self) -> None:
        if not self.model.parameters:
            raise self._err("parameters", "no free parameters")
        for key, prior in self.model.parameters.items():
            where = f"parameters.{key}"
            self._check_key(key, "parameters")
            default = self.base_params.get(key)
            if isinstance(default, bool) or not isinstance(default, int | float):
                raise self._err(where, f"only numeric parameters can be free ({key} is "
                                       f"{type(default).__name__})")
            if not (math.isfinite(prior.lower) and math.isfinite(prior.upper)) or \
                    prior.lower >= prior.upper:
                raise self._err(where, f"lower = {prior.lower:g} must be below upper = "
                                       f"{prior.upper:g}")
            for bound in (prior.lower, prior.upper):
                try:
                    self.base_params.with_overrides({key: self.cast(key, bound)},
                                                    origin=f"{self.source} [{where}]")
                except ParameterError as exc:
                    raise SpecError("", "", exc.format()) from None

    def cast(self, key: str, value: float) -> Any:
        """Round values of integer parameters."""
        default = self.base_params.get(key)
        return round(value) if isinstance(default, int) and not isinstance(default, bool) \
            else float(value)

    def check_indicators(self, available: list[str], observed: list[str]) -> dict[str, float]:
        """Weights of the indicators that count; errors for unknown or unobserved ones.

        With no ``[indicators]`` table every observed indicator counts with weight 1.
        """
        weights = dict(self.model.indicators) or {name: 1.0 for name in observed}
        for name, w in weights.items():
            if name not in available:
                hint = difflib.get_close_matches(name, available, n=1)
                raise self._err(f"indicators.{name}", "the model cannot produce this "
                                f"indicator; known: {', '.join(sorted(available))}"
                                + (f" (did you mean {hint[0]!r}?)" if hint else ""))
            if name not in observed:
                raise self._err(f"indicators.{name}", "not in the evaluation data (observed: "
                                f"{', '.join(sorted(set(observed)))})")
            if not (math.isfinite(w) and w >= 0):
                raise self._err(f"indicators.{name}", f"weight {w!r}: need a number >= 0")
        if not any(w > 0 for w in weights.values()):
            raise self._err("indicators", "every weight is 0: nothing to fit")
        return weights
