"""Example for researchers: build an experiment in Python, run it, plot a result.

Question: under per-client funding, from how many Wmo clients does the preferred provider
break even, and what does a lump sum change? The client volume is an outcome of the
transfer, so we vary the share of approached clients who accept and plot the provider's
net present value against the client volume each run reached.

    python experiments/examples/funding_curve.py                # ~2 minutes on 2 cores
    python experiments/examples/funding_curve.py --quick        # seconds: small and short
    python experiments/examples/funding_curve.py --out results/example --workers 2

Rerunning resumes into the same folder (finished runs are kept).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from thuisplus.experiments import Experiment, load_results, run_experiment, summarise_runs


def build(quick: bool) -> Experiment:
    """The experiment: two funding forms × six acceptance rates × replications."""
    spec = {
        "name": "funding-curve",
        "description": "provider NPV against client volume, per client vs lump sum",
        "seed": 42,
        "replications": 2 if quick else 8,
        "preset": "contract-2021",
        "scenarios": {
            "per_client": {"thuisplus.contract.funding": "per_client"},
            "lump_sum": {"thuisplus.contract.funding": "lump_sum"},
        },
        "design": {"method": "grid", "parameters": {
            "thuisplus.contract.transfer_acceptance": {
                "values": [0.2, 0.6] if quick else [0.1, 0.25, 0.4, 0.6, 0.8, 1.0]}}},
    }
    if quick:
        spec["weeks"] = 156
        spec["set"] = {"building.dwellings": 60, "building.floors": 4}
    return Experiment.from_dict(spec)


def plot(out: Path) -> Path:
    """Provider NPV against mean client volume, one colour per funding form."""
    df = load_results(out)
    fig, ax = plt.subplots(figsize=(7, 4))
    for scenario, g in df.groupby("scenario"):
        s = summarise_runs(g, ["point"], ["clients_mean", "net_provider"])
        w = s.pivot(index="point", columns="outcome", values="mean")
        ax.scatter(g["clients_mean"], g["net_provider"] / 1e3, s=10, alpha=0.4)
        ax.plot(w["clients_mean"], w["net_provider"] / 1e3, marker="o",
                label=scenario.replace("_", " "))
    ax.axhline(0, color="black", lw=0.8)
    ax.set_xlabel("Wmo clients of the preferred provider (mean while the contract runs)")
    ax.set_ylabel("provider's net, € thousand PV")
    ax.set_title("Does the flat pay off for the provider?")
    ax.legend()
    fig.tight_layout()
    path = out / "funding_curve.png"
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def main() -> None:
    """Run (or resume) the experiment and write the plot."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=Path("results/example-funding-curve"))
    ap.add_argument("--workers", type=int, default=None)
    ap.add_argument("--quick", action="store_true", help="small complex, 3 years, 2 reps")
    args = ap.parse_args()
    exp = build(args.quick)
    resume = (args.out / "manifest.json").exists()

    def progress(stage: str, done: int, total: int, failed: int) -> None:
        print(f"\r{done + failed}/{total} {stage}", end="")  # thuisplus.experiments.progress

    summary = run_experiment(exp, args.out, workers=args.workers, resume=resume,
                             progress=progress)
    print(f"\n{summary.done} runs in {args.out}; plot: {plot(args.out)}")


if __name__ == "__main__":  # worker processes import this file: keep the run under the guard
    main()
