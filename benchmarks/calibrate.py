"""Calibration benchmark: the shipped calibration (6 free parameters, ABC-SMC) on 2 workers.

Prints the wall time, the evaluations used, the number of generations, the effective
sample size of the final population, the width of each 90% credible interval relative to
its prior range (a "usable" posterior is clearly narrower than the prior for the
parameters the data speak to) and which observations fit badly. Target: ≤ 20 minutes on
2 cores. Figures are printed (``--json`` writes them), never asserted.

    python benchmarks/calibrate.py                 # the shipped config as it is
    python benchmarks/calibrate.py --budget 400    # a quick look
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
import time
from pathlib import Path

import pandas as pd

from thuisplus.calibration import CalibrationConfig, load_evaluation, run_calibration

REPO = Path(__file__).resolve().parents[1]


def main() -> None:
    """Run the shipped calibration and print its figures."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--budget", type=int, default=None)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--keep", type=Path, default=None, help="keep the output folder here")
    ap.add_argument("--json", type=str, default=None)
    args = ap.parse_args()
    cfg = CalibrationConfig.from_toml(REPO / "calibration" / "configs" / "contract-2021.toml")
    data = load_evaluation(REPO / "calibration" / "data" / "evaluation.csv",
                           REPO / "calibration" / "data" / "complexes.csv")
    out = args.keep or Path(tempfile.mkdtemp(prefix="thuisplus-calib-")) / "fit"
    if out.exists():
        shutil.rmtree(out)
    t0 = time.perf_counter()
    res = run_calibration(cfg, data, out, workers=args.workers, budget=args.budget)
    seconds = time.perf_counter() - t0
    params = pd.read_csv(out / "parameters.csv")
    fit = pd.read_csv(out / "fit.csv")
    g = res.generations
    params["ci_share_of_prior"] = (params["ci95"] - params["ci5"]) / (
        params["upper"] - params["lower"])
    figures = {
        "seconds_total": seconds, "seconds_fit": res.seconds, "evaluations": res.simulations,
        "generations": len(g), "final_epsilon": float(g["epsilon"].iloc[-1]),
        "final_ess": float(g["ess"].iloc[-1]),
        "ci_share_of_prior": dict(zip(params["parameter"], params["ci_share_of_prior"],
                                      strict=True)),
        "fits_badly": fit.loc[~fit["fits"], "observation"].tolist(),
    }
    print(f"shipped calibration (6 free parameters, ABC-SMC, {args.workers} workers): "
          f"{seconds / 60:.1f} min in all ({res.seconds / 60:.1f} min fitting, the rest the "
          f"report's predictive simulations) = {seconds / 1200:.2f}× the 20-minute target; "
          f"{res.simulations} evaluations, {len(g)} generations, final ε "
          f"{figures['final_epsilon']:.3g}, ESS {figures['final_ess']:.0f}")
    for r in params.itertuples():
        print(f"  {r.parameter}: {r.mean:.3g} (90% {r.ci5:.3g} – {r.ci95:.3g}), interval = "
              f"{r.ci_share_of_prior:.0%} of the prior range")
    print(f"  fit badly (> 2σ): {', '.join(figures['fits_badly']) or 'none'}")
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
