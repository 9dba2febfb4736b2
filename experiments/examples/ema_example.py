"""Example: the EMA workbench on the Thuisplusflat (PRIM and feature scoring).

Wraps :func:`thuisplus.sim.evaluate` in an EMA ``ReplicatorModel``: uncertainties from the parameter
tree's priors (a central interval of each, sampled uniformly), levers from the tree's
``lever`` parameters (their range, or one given here), and ``npv`` plus every
stakeholder's ``net_*`` as outcomes, each the mean over the model's seeds (the
replications). It then asks two questions of the experiments:

* **PRIM** (scenario discovery): in which box of the sampled space does the target
  outcome exceed the threshold? By default: where does the preferred provider gain
  (``net_provider > 0``); ``--target npv``: where does the flat pay for society. The box
  describes where this happens *among the sampled runs*; with few runs it is mostly noise.
* **Feature scoring** (extra trees): which uncertainties and levers move each outcome.

    python experiments/examples/ema_example.py --quick           # seconds: small complex
    python experiments/examples/ema_example.py                   # ~2.5 minutes, 1 core
    python experiments/examples/ema_example.py --all-uncertainties --combine sample
        --scenarios 500 --policies 500 --seeds 4 --workers 4     # (one line) a study
    python experiments/examples/ema_example.py --help

Needs the optional extra: ``pip install -e ".[ema]"`` (docs/examples/ema.md).
"""

from __future__ import annotations

import argparse
import difflib
import math
import typing
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

try:
    with warnings.catch_warnings():  # "ipyparallel not installed": not used here
        warnings.simplefilter("ignore", UserWarning)
        from ema_workbench import (
            BooleanParameter,
            CategoricalParameter,
            IntegerParameter,
            MultiprocessingEvaluator,
            RealParameter,
            ReplicatorModel,
            ScalarOutcome,
            SequentialEvaluator,
            perform_experiments,
        )
        from ema_workbench.analysis import feature_scoring, prim
except ImportError as exc:  # the optional extra is not installed
    raise SystemExit('this example needs the EMA workbench: pip install -e ".[ema]" '
                     "(docs/examples/ema.md)") from exc

from thuisplus.experiments.spec import derived_seed
from thuisplus.sim import EVALUATE_OUTCOMES, ParameterError, evaluate
from thuisplus.sim.business_case import STAKEHOLDERS
from thuisplus.sim.params import (
    iter_fields,
    parameter_bounds,
    parameter_kind,
    uncertainties,
    uncertainty_groups,
)
from thuisplus.sim.presets import run_parameters

#: A small, short complex (40 dwellings, 2 years, 2 years' follow-up): ~0.05 s a pair.
QUICK = {"building.dwellings": 40, "building.floors": 4, "simulation.weeks": 104,
         "simulation.follow_up_years": 2}
#: The default uncertainties: the one group whose value of information stands clear of
#: its noise floor in the probabilistic analysis (docs/evidence.md §11a).
DEFAULT_GROUPS = ("prices",)
#: The default levers: the funding form, the weekly plus (the tree allows 0-1000 € per
#: client per week; 0-30 brackets the contract's 15) and how open the common room is.
DEFAULT_LEVERS = ("thuisplus.contract.funding", "money.plus_per_client_week=0:30",
                  "thuisplus.contract.open_room")
#: The outcomes: society's NPV and each stakeholder's net (€ PV; thuisplus.sim.EVALUATE_OUTCOMES).
DEFAULT_OUTCOMES = ("npv", *(f"net_{s}" for s in STAKEHOLDERS))

_FIELDS = dict(iter_fields())


def ema_name(key: str) -> str:
    """The EMA name of a parameter: EMA 3 wants identifiers, so dots become ``__``."""
    return key.replace(".", "__")


def tree_key(name: str) -> str:
    """The dotted parameter key of an EMA name (the inverse of :func:`ema_name`)."""
    return name.replace("__", ".")


def replication_seeds(seed: int, n: int) -> list[int]:
    """The seeds of the replications, the same in every EMA experiment.

    Replication *r* gets the seed an experiment of the project with ``seed`` and common
    seeds gives it (``thuisplus.experiments.spec.Experiment.seed_of``): common random numbers.
    """
    return [derived_seed(seed, (r,)) for r in range(n)]


def uncertainty_parameters(groups: Iterable[str] | None = DEFAULT_GROUPS,
                           level: float = 0.9) -> list[Any]:
    """EMA parameters for the tree's uncertainties, sampled uniformly by EMA.

    Each spans the central ``level`` interval of its prior (``level`` 1: the whole
    support).

    ``groups``: value-of-information groups (``thuisplus.sim.params.uncertainty_groups()``); None:
    every uncertainty.
    """
    if groups is None:
        priors = uncertainties()
    else:
        priors = {}
        for group in groups:
            if group not in uncertainty_groups():
                raise ValueError(f"unknown group {group!r}; groups: {uncertainty_groups()}")
            priors.update(uncertainties(group))
    out: list[Any] = []
    for key, prior in priors.items():
        lo, hi = prior.interval(level)
        if _FIELDS[key].annotation is int:
            out.append(IntegerParameter(ema_name(key), math.ceil(lo), math.floor(hi),
                                        variable_name=key))
        else:
            out.append(RealParameter(ema_name(key), lo, hi, variable_name=key))
    return out


def lever_parameter(spec: str) -> Any:
    """An EMA parameter for a lever.

    ``spec``: ``KEY`` (the tree's range or choices), ``KEY=LO:HI`` (a numeric range) or
    ``KEY=A,B`` (some of a choice's values).
    """
    key, _, given = spec.partition("=")
    key = key.strip()
    if key not in _FIELDS:
        raise ValueError(f"{key!r} is not a parameter (see `thuisplus params`)")
    if parameter_kind(key) != "lever":
        raise ValueError(f"{key} is an {parameter_kind(key)}, not a lever; uncertainties "
                         "come from --group / --all-uncertainties")
    ann = _FIELDS[key].annotation
    name = ema_name(key)
    if typing.get_origin(ann) is typing.Literal:
        choices = [c.strip() for c in given.split(",")] if given else list(typing.get_args(ann))
        return CategoricalParameter(name, choices, variable_name=key)
    if ann is bool:
        return BooleanParameter(name, variable_name=key)
    if ann not in (int, float):
        raise ValueError(f"{key} ({ann}) is not a number, a choice or a switch: this "
                         "example cannot vary it")
    if given:
        lo_text, _, hi_text = given.partition(":")
        lo, hi = float(lo_text), float(hi_text)
    else:
        lo, hi = parameter_bounds(key)
        if lo is None or hi is None:
            raise ValueError(f"{key} has no range in the tree; give one: {key}=LO:HI")
    if ann is int:
        return IntegerParameter(name, math.ceil(lo), math.floor(hi), variable_name=key)
    return RealParameter(name, lo, hi, variable_name=key)


def _seed_sd(values: Sequence[float]) -> float:
    """Standard deviation over the seeds of one experiment (NaN with one seed)."""
    return float(np.std(values, ddof=1)) if len(values) > 1 else math.nan


class ThuisplusFunction:
    """The model's function: one pair by :func:`thuisplus.sim.evaluate` per call (one seed).

    EMA calls it with the replication's ``seed`` and the sampled parameters by dotted key
    (numpy numbers, a category's value). ``evaluate`` casts them as the project's designs
    do; an integer parameter given as a float (a ``RealParameter``, a design read back
    from CSV) is rounded. A class rather than a closure so that it pickles to
    ``MultiprocessingEvaluator``'s workers.
    """

    def __init__(self, preset: str | None, fixed: dict[str, Any], outputs: Sequence[str]):
        self.preset = preset
        self.fixed = dict(fixed)
        self.outputs = tuple(outputs)

    def __call__(self, seed: int, **params: Any) -> dict[str, float]:
        """One pair's outcomes (those the model asks for)."""
        out = evaluate({**self.fixed, **params}, seed=seed, preset=self.preset)
        return {k: out[k] for k in self.outputs}


def build_model(*, preset: str | None = "contract-2021", fixed: dict[str, Any] | None = None,
                uncertainty_params: Sequence[Any], lever_params: Sequence[Any],
                outcomes: Sequence[str] = DEFAULT_OUTCOMES, seeds: Sequence[int],
                noise_of: str | None = None) -> ReplicatorModel:
    """The EMA model: every experiment runs one pair per seed; outcomes are seed means.

    ``noise_of``: also record that outcome's standard deviation over the seeds
    (``<outcome>_seed_sd``), to compare chance with the spread between experiments.
    """
    unknown = [o for o in outcomes if o not in EVALUATE_OUTCOMES]
    if unknown:
        raise ValueError(f"unknown outcomes {unknown}; see thuisplus.sim.EVALUATE_OUTCOMES")
    model = ReplicatorModel("thuisplus", function=ThuisplusFunction(preset, fixed or {},
                                                                    outcomes))
    model.uncertainties = list(uncertainty_params)
    model.levers = list(lever_params)
    model.outcomes = [ScalarOutcome(o, function=np.mean) for o in outcomes]
    if noise_of is not None:
        model.outcomes += [ScalarOutcome(f"{noise_of}_seed_sd", variable_name=noise_of,
                                         function=_seed_sd)]
    model.replications = [{"seed": int(s)} for s in seeds]
    return model


@dataclass
class PrimResult:
    """A PRIM box: where in the sampled space the target outcome exceeds the threshold."""

    target: str
    threshold: float
    cases: int                  # experiments above the threshold
    box: Any                    # ema_workbench PrimBox (the selected box is box.inspect()'s)
    selected: int               # the chosen step of the peeling trajectory
    trajectory: pd.DataFrame    # coverage, density, mass, res_dim per step
    limits: pd.DataFrame        # the selected box's restricted dimensions: min, max, qp


@dataclass
class Result:
    """What :func:`run` did: the experiments, their outcomes and the two analyses."""

    experiments: pd.DataFrame   # one row per experiment (uncertainties, levers, ids)
    outcomes: dict[str, np.ndarray]  # seed means (and <target>_seed_sd)
    uncertainties: list[str]    # the EMA names of the uncertainties sampled
    levers: list[str]           # and of the levers (columns of experiments)
    seeds: list[int]
    feature_scores: pd.DataFrame
    prim: PrimResult | None
    out: Path
    files: list[Path] = field(default_factory=list)


def prim_analysis(x: pd.DataFrame, y: np.ndarray, *, target: str, threshold: float,
                  min_coverage: float = 0.5, mass_min: float = 0.05) -> PrimResult | None:
    """PRIM on ``y > threshold``; None when no or every experiment is above it.

    Of the peeling trajectory it selects the densest box that still covers at least
    ``min_coverage`` of the cases of interest.
    """
    interest = np.asarray(y) > threshold
    if not 0 < interest.sum() < len(interest):
        return None
    # Integer columns as floats: EMA 3.0's pasting writes a quantile such as 41.5 into an
    # int64 box limit, which pandas 3 refuses (EMAworkbench issue #448).
    x = x.reset_index(drop=True)
    x = x.astype({c: float for c in x.columns if pd.api.types.is_integer_dtype(x[c])})
    p = prim.Prim(x, interest, mass_min=mass_min)
    box = p.find_box()
    traj = box.peeling_trajectory
    ok = traj[traj["coverage"] >= min_coverage]
    selected = int(ok["density"].idxmax()) if len(ok) else 0
    box.select(selected)
    return PrimResult(target, threshold, int(interest.sum()), box, selected, traj,
                      box_limits(box, selected))


def box_limits(box: Any, i: int) -> pd.DataFrame:
    """The restricted dimensions of step ``i`` of a PRIM box: lower, upper, quasi-p values.

    A categorical dimension's lower and upper are the same: its values in the box. (EMA
    3.0's ``box.inspect(style="data")`` fails on a restricted categorical dimension under
    pandas 3, so the table is built here.)
    """
    lims, init = box.box_lims[i], box.box_lims[0]
    rows = {}
    for name in lims.columns:
        lo, hi = lims[name].iloc[0], lims[name].iloc[1]
        if isinstance(lo, set):
            if lo == init[name].iloc[0]:
                continue
            lo = hi = ",".join(sorted(map(str, lo)))
        elif lo == init[name].iloc[0] and hi == init[name].iloc[1]:
            continue
        qp = [np.nan if v == -1 else v for v in box.p_values[i].get(name, [np.nan, np.nan])]
        rows[tree_key(name)] = {"lower": lo, "upper": hi, "qp_lower": qp[0], "qp_upper": qp[1]}
    return pd.DataFrame.from_dict(rows, orient="index",
                                  columns=["lower", "upper", "qp_lower", "qp_upper"])


def scores(x: pd.DataFrame, outcomes: dict[str, np.ndarray], names: Sequence[str],
           seed: int) -> pd.DataFrame:
    """Extra-trees feature scores: parameter × outcome; a column sums to 1 (0: constant)."""
    fs = feature_scoring.get_feature_scores_all(
        x, {k: outcomes[k] for k in names}, alg="extra trees",
        mode=feature_scoring.RuleInductionType.REGRESSION, random_state=seed)
    fs.index = [tree_key(str(i)) for i in fs.index]
    return fs[list(names)]


def _plot_scores(fs: pd.DataFrame, path: Path) -> Path:
    fig, ax = plt.subplots(figsize=(1.2 + 0.9 * fs.shape[1], 1.5 + 0.4 * fs.shape[0]))
    im = ax.imshow(fs.to_numpy(), cmap="viridis", vmin=0, aspect="auto")
    ax.set_xticks(range(fs.shape[1]), fs.columns, rotation=45, ha="right")
    ax.set_yticks(range(fs.shape[0]), fs.index)
    for (i, j), v in np.ndenumerate(fs.to_numpy()):
        ax.text(j, i, f"{v:.2f}", ha="center", va="center", fontsize=7,
                color="white" if v < 0.6 * np.nanmax(fs.to_numpy()) else "black")
    fig.colorbar(im, ax=ax, label="extra-trees feature score")
    ax.set_title("What moves each outcome (seed means)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def _threshold(text: str | float, y: np.ndarray) -> float:
    if isinstance(text, str) and text.strip().lower() == "median":
        return float(np.median(y))
    return float(text)


def run(*, preset: str | None = "contract-2021", fixed: dict[str, Any] | None = None,
        groups: Iterable[str] | None = DEFAULT_GROUPS, level: float = 0.9,
        levers: Sequence[str] = DEFAULT_LEVERS, outcomes: Sequence[str] = DEFAULT_OUTCOMES,
        scenarios: int = 16, policies: int = 4, combine: str = "full_factorial",
        n_seeds: int = 2, seed: int = 2026, workers: int = 1, target: str = "net_provider",
        threshold: str | float = 0.0,
        min_coverage: float = 0.5, out: Path | str = "results/ema-example",
        verbose: bool = True) -> Result:
    """Sample, run, analyse; write CSVs and plots to ``out``. See the module docstring."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    outcomes = list(dict.fromkeys(outcomes))
    if target not in outcomes:
        outcomes.append(target)
    seeds = replication_seeds(seed, n_seeds)
    model = build_model(preset=preset, fixed=fixed,
                        uncertainty_params=uncertainty_parameters(groups, level),
                        lever_params=[lever_parameter(s) for s in levers],
                        outcomes=outcomes, seeds=seeds, noise_of=target)
    kwargs = {"uncertainty_sampling_kwargs": {"rng": np.random.default_rng([seed, 1])},
              "lever_sampling_kwargs": {"rng": np.random.default_rng([seed, 2])}}
    evaluator = (MultiprocessingEvaluator(model, n_processes=workers) if workers > 1
                 else SequentialEvaluator(model))
    with evaluator:
        experiments, results = perform_experiments(model, scenarios=scenarios,
                                                   policies=policies, combine=combine,
                                                   evaluator=evaluator, **kwargs)
    unc = [p.name for p in model.uncertainties if p.name in experiments.columns]
    lev = [p.name for p in model.levers if p.name in experiments.columns]
    x = experiments[unc + lev]
    table = pd.concat([experiments.rename(columns=tree_key),
                       pd.DataFrame(results, index=experiments.index)], axis=1)
    files = [out / "experiments.csv"]
    table.to_csv(files[0], index=False)

    fs = scores(x, results, outcomes, seed)
    fs.to_csv(out / "feature_scores.csv", index_label="parameter")
    files += [out / "feature_scores.csv", _plot_scores(fs, out / "feature_scores.png")]

    y = results[target]
    thr = _threshold(threshold, y)
    pr = prim_analysis(x, y, target=target, threshold=thr, min_coverage=min_coverage)
    if pr is not None:
        pr.trajectory.to_csv(out / "prim_trajectory.csv", index_label="step")
        pr.limits.to_csv(out / "prim_box.csv", index_label="parameter")
        fig = pr.box.show_tradeoff()
        fig.savefig(out / "prim_tradeoff.png", dpi=110)
        plt.close(fig)
        fig = pr.box.inspect(pr.selected, style="graph")[0]
        fig.savefig(out / "prim_box.png", dpi=110, bbox_inches="tight")
        plt.close(fig)
        files += [out / f for f in ("prim_trajectory.csv", "prim_box.csv",
                                    "prim_tradeoff.png", "prim_box.png")]
    result = Result(experiments, results, unc, lev, seeds, fs, pr, out, files)
    if verbose:
        _report(result, target, thr, median=isinstance(threshold, str)
                and threshold.strip().lower() == "median")
    return result


def _what(target: str, thr: float, median: bool) -> str:
    """What a PRIM box of ``target > thr`` describes, in words."""
    if median:
        return (f"{target} is above its median {thr:,.0f} (the better half of the sampled "
                "experiments, not where the flat pays)")
    if thr == 0 and target == "npv":
        return "the flat pays for society (npv > 0)"
    if thr == 0 and target.startswith("net_"):
        return f"the {target.removeprefix('net_').replace('_', ' ')} gains ({target} > 0)"
    return f"{target} > {thr:,.0f}"


def _report(r: Result, target: str, thr: float, median: bool = False) -> None:
    n = len(r.experiments)
    y = r.outcomes[target]
    print(f"\n{n} experiments × {len(r.seeds)} seeds = {n * len(r.seeds)} pairs; "
          f"outcomes are means over the seeds {r.seeds}")
    print(f"{target}: mean {y.mean():,.0f}, range {y.min():,.0f} to {y.max():,.0f}")
    sd = r.outcomes.get(f"{target}_seed_sd")
    if sd is not None and np.isfinite(sd).all():
        print(f"chance: within an experiment the seeds' {target} differs by sd "
              f"{np.mean(sd):,.0f} (its mean by ~{np.mean(sd) / math.sqrt(len(r.seeds)):,.0f})"
              f"; between experiments the means differ by sd {np.std(y, ddof=1):,.0f}")
    else:
        print("chance: not measured with one seed; each experiment is one possible complex "
              "(use --seeds 2 or more)")
    print("\nfeature scores (extra trees; a column sums to 1, or is 0 where the outcome "
          "does not vary):")
    print(r.feature_scores.round(3).to_string())
    if r.prim is None:
        print(f"\nPRIM: no box: in {int((y > thr).sum())} of {n} sampled experiments "
              f"{_what(target, thr, median)}; try another --target or --threshold median")
    else:
        p = r.prim
        stats = p.trajectory.iloc[p.selected]
        print(f"\nPRIM: where in the sampled space {_what(target, thr, median)}: "
              f"{p.cases} of {n} experiments")
        print(f"box {p.selected} of the peeling trajectory: coverage {stats['coverage']:.2f},"
              f" density {stats['density']:.2f}, mass {stats['mass']:.2f}")
        print(p.limits.to_string() if len(p.limits) else "(no dimension restricted)")
    n_lever_sets = len(r.experiments[r.levers].drop_duplicates()) if r.levers else 0
    if r.levers and n_lever_sets <= len(r.levers) + 1:
        print(f"\nNOTE: {len(r.levers)} levers take only {n_lever_sets} sets of values: "
              "their effects cannot be told apart (their scores share the policies' "
              "effect). Use more --policies or --combine sample.")
    print(f"\nWARNING: {n} experiments is a demonstration. The box and the scores describe "
          "these sampled runs; with few runs and seeds they are mostly noise (a box "
          "whose quasi-p values are above ~0.05 is not a finding).")
    print(f"written: {', '.join(str(f) for f in r.files)}")


def _set(text: str) -> tuple[str, Any]:
    key, sep, value = text.partition("=")
    if not sep:
        raise argparse.ArgumentTypeError(f"--set wants KEY=VALUE, got {text!r}")
    for cast in (int, float):
        try:
            return key.strip(), cast(value)
        except ValueError:
            pass
    return key.strip(), value


def _threshold_arg(text: str) -> str | float:
    if text.strip().lower() == "median":
        return "median"
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"a number or 'median', not {text!r}") from None


def _check_arguments(ap: argparse.ArgumentParser, args: argparse.Namespace,
                     fixed: dict[str, Any]) -> None:
    """Bad input ends with a message naming it and what is allowed (exit 2), not a traceback."""
    def near(name: str, allowed: Iterable[str]) -> str:
        close = difflib.get_close_matches(name, list(allowed), n=1)
        return f" (did you mean {close[0]!r}?)" if close else ""

    for group in args.group or ():
        if group not in uncertainty_groups():
            ap.error(f"--group {group!r}: not a group{near(group, uncertainty_groups())}; "
                     f"allowed: {', '.join(uncertainty_groups())}")
    for name in [*args.outcome, args.target]:
        if name not in EVALUATE_OUTCOMES:
            ap.error(f"{name!r}: not an outcome of thuisplus.sim.EVALUATE_OUTCOMES"
                     f"{near(name, EVALUATE_OUTCOMES)}")
    for spec in args.lever or ():
        try:
            lever_parameter(spec)
        except ValueError as exc:
            ap.error(f"--lever {spec!r}: {exc}")
    try:
        run_parameters(None, None if args.preset.lower() == "none" else args.preset, fixed,
                       origin="--set")
    except ParameterError as exc:
        ap.error(exc.format())
    for flag, value, low in (("--scenarios", args.scenarios, 1), ("--policies", args.policies, 0),
                             ("--seeds", args.seeds, 1), ("--workers", args.workers, 1)):
        if value < low:
            ap.error(f"{flag} {value}: allowed: an integer >= {low}")
    if not 0 < args.interval <= 1:
        ap.error(f"--interval {args.interval}: allowed: above 0 and at most 1")


def main(argv: Sequence[str] | None = None) -> Result:
    """Parse the command line and :func:`run`."""
    ap = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        epilog="Docs: docs/examples/ema.md. Uncertainty groups: "
               + ", ".join(uncertainty_groups()),
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    ap.add_argument("--preset", default="contract-2021",
                    help="shipped preset the runs start from ('none': the defaults)")
    ap.add_argument("--quick", action="store_true",
                    help="small, short complex (40 dwellings, 2 + 2 years): seconds")
    ap.add_argument("--set", type=_set, action="append", default=[], metavar="KEY=VALUE",
                    help="hold a parameter at a value in every run (repeatable)")
    ap.add_argument("--group", action="append", default=None,
                    help=f"uncertainty group to vary (repeatable) [{', '.join(DEFAULT_GROUPS)}]")
    ap.add_argument("--all-uncertainties", action="store_true",
                    help="vary every uncertainty of the tree")
    ap.add_argument("--interval", type=float, default=0.9,
                    help="central interval of each prior to sample (1: its whole support)")
    ap.add_argument("--lever", action="append", default=None, metavar="KEY[=LO:HI|=A,B]",
                    help=f"lever to vary (repeatable) [{', '.join(DEFAULT_LEVERS)}]")
    ap.add_argument("--outcome", action="append", default=[],
                    help="outcome to add to npv and the stakeholders' nets (repeatable)")
    ap.add_argument("--scenarios", type=int, default=16, help="LHS samples of uncertainties")
    ap.add_argument("--policies", type=int, default=4,
                    help="LHS samples of levers (0: the preset's contract)")
    ap.add_argument("--combine", choices=["full_factorial", "sample"],
                    default="full_factorial",
                    help="every policy in every scenario, or pair the two samples row by "
                         "row (max(scenarios, policies) experiments, each with its own "
                         "levers: better for PRIM and scores over the levers)")
    ap.add_argument("--seeds", type=int, default=2, help="seeds (replications) per experiment")
    ap.add_argument("--seed", type=int, default=2026, help="seed of the samples and the seeds")
    ap.add_argument("--workers", type=int, default=1,
                    help="processes (>1: MultiprocessingEvaluator)")
    ap.add_argument("--target", default="net_provider",
                    help="PRIM: the outcome of interest (npv: society's NPV)")
    ap.add_argument("--threshold", type=_threshold_arg, default=0.0,
                    help="PRIM: cases of interest have target > this (a number or 'median')")
    ap.add_argument("--min-coverage", type=float, default=0.5,
                    help="PRIM: pick the densest box covering at least this share of cases")
    ap.add_argument("--out", type=Path, default=Path("results/ema-example"))
    args = ap.parse_args(argv)
    fixed = {**(QUICK if args.quick else {}), **dict(args.set)}
    _check_arguments(ap, args, fixed)
    return run(preset=None if args.preset.lower() == "none" else args.preset, fixed=fixed,
               groups=None if args.all_uncertainties else (args.group or DEFAULT_GROUPS),
               level=args.interval, levers=DEFAULT_LEVERS if args.lever is None else args.lever,
               outcomes=[*DEFAULT_OUTCOMES, *args.outcome], scenarios=args.scenarios,
               policies=args.policies, combine=args.combine, n_seeds=args.seeds, seed=args.seed,
               workers=args.workers, target=args.target, threshold=args.threshold,
               min_coverage=args.min_coverage, out=args.out)


if __name__ == "__main__":  # worker processes may import this file: keep the run guarded
    main()
