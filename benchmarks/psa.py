"""The main job's wall time (part of `make bench`): the probabilistic analysis on 2 cores.

Runs the shipped ``main.toml`` (``thuisplus run``) into a temporary folder, from a compiled
engine, and reports the wall time of the runs, of the analysis and report (value of
information included), and the pairs per second. ``--draws`` runs fewer draws than the
spec's 128 and extrapolates the run time linearly (the analysis time is measured as is).
The README's figure comes from a full run. Figures are printed (and written with
``--json``), never asserted.
"""

from __future__ import annotations

import argparse
import json
import platform
import tempfile
import time
from pathlib import Path

from thuisplus.experiments import Experiment, run_experiment
from thuisplus.experiments.report import write_report

REPO = Path(__file__).resolve().parents[1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--draws", type=int, default=None, help="draws [default: the spec's]")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--json", type=Path, default=None, help="also write the figures here")
    args = ap.parse_args()
    exp = Experiment.from_toml(REPO / "experiments" / "specs" / "main.toml")
    full = exp.spec.design.samples
    if args.draws is not None:
        design = exp.spec.design.model_dump()
        design["samples"] = args.draws
        exp = exp.with_changes(design=design)
    n = exp.n_runs
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "main"
        t0 = time.perf_counter()
        run_experiment(exp, out, workers=args.workers)
        t_runs = time.perf_counter() - t0
        t0 = time.perf_counter()
        write_report(out)
        t_report = time.perf_counter() - t0
    scale = full / exp.spec.design.samples
    figures = {
        "machine": platform.node(), "workers": args.workers,
        "draws": exp.spec.design.samples, "pairs": n, "runs_s": round(t_runs, 1),
        "report_s": round(t_report, 1), "pairs_per_s": round(n / t_runs, 2),
        "full_draws": full, "full_estimate_min": round((t_runs * scale + t_report) / 60, 1),
    }
    print(f"main job (PSA): {n} pairs ({figures['draws']} draws) in {t_runs:.0f} s "
          f"({figures['pairs_per_s']} pairs/s on {args.workers} workers); analysis and "
          f"report {t_report:.0f} s; the full {full} draws: ~{figures['full_estimate_min']} "
          "min" + (" (measured)" if scale == 1 else " (runs extrapolated)"))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
