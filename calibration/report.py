"""The fit report: data against posterior-predictive bands, marginals, correlations, convergence.

Posterior-predictive simulations draw parameter sets from the posterior (ABC, by weight)
or take the best trial (Optuna) and simulate them with fresh seeds; each observation is
then compared with the band of its simulated values. An observation **fits badly** when
the predictive mean is more than two of the observation's σ away from the data.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from thuisplus.calibration.config import CalibrationConfig
from thuisplus.calibration.data import EvaluationData
from thuisplus.calibration.simulate import Simulator
from thuisplus.experiments.executors import Executor, make_executor
from thuisplus.experiments.plots import figure

__all__ = ["fit_table", "misfit_reason", "posterior_predictive", "write_fit_report"]

PREDICTIVE_DRAWS = 40
BAD_Z = 2.0
#: Below this |Spearman ρ| between a free parameter and an observation's simulated value
#: over every evaluation, the parameter is said not to move the observation.
WEAK_RHO = 0.2


def posterior_predictive(result: Any, cfg: CalibrationConfig, sim: Simulator,
                         executor: Executor, draws: int = PREDICTIVE_DRAWS) -> pd.DataFrame:
    """Simulated value of every observation for ``draws`` parameter sets (fresh seeds)."""
    rng = np.random.default_rng(np.random.SeedSequence(cfg.model.seed, spawn_key=(7,)))
    if result.posterior is not None:
        post = result.posterior
        w = post["weight"].to_numpy(float)
        idx = rng.choice(len(post), size=draws, p=w / w.sum())
        thetas = [{k: cfg.cast(k, float(post[k].iloc[i])) for k in cfg.free} for i in idx]
    else:
        thetas = [dict(result.point) for _ in range(draws)]
    # one fresh simulator seed per draw, no journal: these are new simulations
    sims = [dataclasses.replace(sim, seed=int(s), cache_dir=None) for s in
            rng.integers(0, 2**31, size=draws)]
    stats_ = executor.map(_Predict(), list(zip(sims, thetas, strict=True)))
    return pd.DataFrame(stats_)


class _Predict:
    def __call__(self, item: tuple[Simulator, dict[str, Any]]) -> dict[str, float]:
        sim, theta = item
        return sim(theta)


def fit_table(sim: Simulator, pred: pd.DataFrame) -> pd.DataFrame:
    """Per observation: data, σ, predictive mean, 5-95% band, z and a verdict."""
    rows = []
    for o in sim.observations:
        v = pred[o.key].to_numpy(float)
        v = v[np.isfinite(v)]
        mean = float(v.mean()) if len(v) else np.nan
        z = (mean - o.value) / o.sigma if len(v) else np.nan
        rows.append({"observation": o.key, "indicator": o.indicator, "date": o.date,
                     "complex": o.complex, "value": o.value, "sigma": o.sigma,
                     "weight": o.weight, "predicted_mean": mean,
                     "predicted_p5": float(np.percentile(v, 5)) if len(v) else np.nan,
                     "predicted_p95": float(np.percentile(v, 95)) if len(v) else np.nan,
                     "z": z, "fits": bool(abs(z) <= BAD_Z) if np.isfinite(z) else False})
    return pd.DataFrame(rows)


def misfit_reason(value: float, simulated: np.ndarray, thetas: pd.DataFrame) -> str:
    """Why an observation fits badly, read off every evaluation of the fit.

    ``simulated``: its simulated value in each evaluation; ``thetas``: the free
    parameters of those evaluations (one column each). Three answers, in this order:
    the data lie outside everything the priors produced (**out of reach**); no free
    parameter moves it (|Spearman ρ| < ``WEAK_RHO`` for each: **nothing moves it**); or
    the parameters that move it are held by the other observations (**a compromise**).
    """
    ok = np.isfinite(simulated)
    v = simulated[ok]
    if len(v) < 3:
        return "too few finite simulations to say why"
    lo, hi = float(v.min()), float(v.max())
    if not lo <= value <= hi:
        return (f"out of reach: the {len(v)} evaluations over the priors simulated "
                f"{lo:.3g}-{hi:.3g}; widen a prior or free what drives it")
    rho = {}
    for k in thetas.columns:
        x = thetas[k].to_numpy(float)[ok]
        if np.ptp(x) > 0 and np.ptp(v) > 0:
            r = stats.spearmanr(x, v).statistic
            rho[k] = float(r) if np.isfinite(r) else 0.0
    if not rho:
        return "nothing moves it: the simulated value is the same in every evaluation"
    best = max(rho, key=lambda k: abs(rho[k]))
    if abs(rho[best]) < WEAK_RHO:
        return (f"nothing moves it: no free parameter has |ρ| ≥ {WEAK_RHO:g} with it "
                f"(strongest {best}, ρ = {rho[best]:+.2f}); its causes are fixed parameters")
    return (f"a compromise: {best} moves it most (ρ = {rho[best]:+.2f}) and the other "
            "observations hold that parameter where it is")


def _weighted_quantile(x: np.ndarray, w: np.ndarray, q: float) -> float:
    order = np.argsort(x)
    cw = np.cumsum(w[order]) / w.sum()
    return float(np.interp(q, cw, x[order]))


def parameter_table(result: Any, cfg: CalibrationConfig) -> pd.DataFrame:
    """Per free parameter: prior, point estimate, posterior mean and 90% credible interval."""
    rows = []
    for k in cfg.free:
        p = cfg.priors[k]
        row = {"parameter": k, "prior": p.prior, "lower": p.lower, "upper": p.upper,
               "default": cfg.base_params.get(k), "point": result.point[k]}
        if result.posterior is not None:
            x = result.posterior[k].to_numpy(float)
            w = result.posterior["weight"].to_numpy(float)
            row.update(mean=float(np.sum(x * w) / w.sum()),
                       ci5=_weighted_quantile(x, w, 0.05), ci95=_weighted_quantile(x, w, 0.95))
        rows.append(row)
    return pd.DataFrame(rows)


def _plot_fit(table: pd.DataFrame, path: Path) -> None:
    inds = list(dict.fromkeys(table["indicator"]))
    n = len(inds)
    cols = min(3, n)
    rows = int(np.ceil(n / cols))
    fig = figure(figsize=(4.6 * cols, 3.3 * rows))
    axes = fig.subplots(rows, cols, squeeze=False)
    for ax, ind in zip(axes.flat, inds, strict=False):
        sub = table[table["indicator"] == ind].reset_index(drop=True)
        x = np.arange(len(sub))
        ax.vlines(x, sub["predicted_p5"], sub["predicted_p95"], lw=8, color="#9bbb59",
                  alpha=0.6, label="predicted 5-95%")
        ax.plot(x, sub["predicted_mean"], "_", ms=16, color="#4f6228", label="predicted mean")
        ax.errorbar(x, sub["value"], yerr=1.645 * sub["sigma"], fmt="o", color="#c0504d",
                    capsize=3, label="data (±1.645σ)")
        bad = ~sub["fits"]
        if bad.any():
            ax.plot(x[bad], sub.loc[bad, "value"], "x", color="black", ms=10,
                    label="fits badly")
        ax.set_xticks(x, [f"{d[:7]}\n{c}" for d, c in zip(sub["date"], sub["complex"],
                                                            strict=True)], fontsize=7)
        ax.set_title(ind.replace("_", " "), fontsize=9)
    for ax in list(axes.flat)[n:]:
        ax.axis("off")
    axes.flat[0].legend(fontsize=7)
    fig.suptitle("Evaluation data against posterior-predictive simulations", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def _plot_marginals(result: Any, cfg: CalibrationConfig, path: Path) -> None:
    k = len(cfg.free)
    fig = figure(figsize=(3.4 * k, 3))
    axes = fig.subplots(1, k, squeeze=False)
    for ax, key in zip(axes.flat, cfg.free, strict=True):
        p = cfg.priors[key]
        grid = np.linspace(p.lower, p.upper, 200)
        if p.prior == "uniform":
            dens = np.full_like(grid, 1 / (p.upper - p.lower))
        else:
            a, b = (p.lower - p.loc) / p.scale, (p.upper - p.loc) / p.scale
            dens = stats.truncnorm.pdf(grid, a, b, p.loc, p.scale)
        ax.plot(grid, dens, color="grey", ls="--", label="prior")
        if result.posterior is not None:
            ax.hist(result.posterior[key], bins=20, range=(p.lower, p.upper), density=True,
                    weights=result.posterior["weight"], color="#4f81bd", alpha=0.7,
                    label="posterior")
        ax.axvline(result.point[key], color="#c0504d", label="point estimate")
        ax.set_title(key.rsplit(".", 1)[-1].replace("_", " "), fontsize=9)
    axes.flat[0].legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def _plot_pairs(result: Any, cfg: CalibrationConfig, path: Path) -> None:
    keys = cfg.free
    k = len(keys)
    post = result.posterior
    w = post["weight"].to_numpy(float)
    w = w / w.sum()
    fig = figure(figsize=(2.2 * k + 1, 2.2 * k + 1))
    axes = fig.subplots(k, k, squeeze=False)
    for i, a in enumerate(keys):
        for j, b in enumerate(keys):
            ax = axes[i, j]
            if i == j:
                ax.hist(post[a], bins=15, weights=w, color="#4f81bd")
            elif i > j:
                ax.scatter(post[b], post[a], s=6, alpha=np.clip(w / w.max(), 0.1, 1),
                           color="#4f81bd")
            else:
                xa, xb = post[a].to_numpy(float), post[b].to_numpy(float)
                ma, mb = np.sum(w * xa), np.sum(w * xb)
                cov = np.sum(w * (xa - ma) * (xb - mb))
                sd = np.sqrt(np.sum(w * (xa - ma) ** 2) * np.sum(w * (xb - mb) ** 2))
                r = cov / sd if sd > 0 else np.nan
                ax.text(0.5, 0.5, f"r = {r:.2f}", ha="center", va="center",
                        fontsize=11 if abs(r) < 0.5 else 13,
                        color="#c0504d" if abs(r) >= 0.5 else "black")
                ax.set_xticks([])
                ax.set_yticks([])
            if j == 0:
                ax.set_ylabel(a.rsplit(".", 1)[-1], fontsize=7)
            if i == k - 1:
                ax.set_xlabel(b.rsplit(".", 1)[-1], fontsize=7)
            ax.tick_params(labelsize=6)
    fig.suptitle("Posterior: pairs and weighted correlations", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def _plot_convergence(result: Any, path: Path) -> None:
    fig = figure(figsize=(12, 3.2))
    axes = fig.subplots(1, 3)
    if result.generations is not None:
        g = result.generations
        axes[0].semilogy(g["generation"], g["epsilon"], marker="o")
        axes[0].set_title("acceptance threshold ε")
        axes[1].bar(g["generation"], g["samples"])
        axes[1].set_title("simulations per generation")
        axes[2].plot(g["generation"], g["ess"], marker="o")
        axes[2].set_title("effective sample size")
        for ax in axes:
            ax.set_xlabel("generation")
    else:
        t = result.trials.sort_values("trial")
        axes[0].plot(t["trial"], t["distance"], ".", alpha=0.5)
        axes[0].plot(t["trial"], t["distance"].cummin(), color="#c0504d")
        axes[0].set_yscale("log")
        axes[0].set_title("distance per trial (best so far)")
        axes[0].set_xlabel("trial")
        axes[1].axis("off")
        axes[2].axis("off")
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def write_fit_report(result: Any, cfg: CalibrationConfig, data: EvaluationData,
                     sim: Simulator, executor: Executor | None = None,
                     draws: int = PREDICTIVE_DRAWS) -> dict[str, Path]:
    """Write fit.csv, parameters.csv, four plots and fit_report.md into ``result.out``."""
    out = result.out
    own = executor is None
    ex = make_executor("serial") if own else executor
    try:
        pred = posterior_predictive(result, cfg, sim, ex, draws)
    finally:
        if own:
            ex.close()
    table = fit_table(sim, pred)
    table["reason"] = ""
    evaluations = out / "simulations.parquet"
    if evaluations.exists() and (~table["fits"]).any():
        every = pd.read_parquet(evaluations)
        thetas = every[[k for k in cfg.free if k in every.columns]]
        for i in table.index[~table["fits"]]:
            col = f"sim:{table.at[i, 'observation']}"
            if col in every.columns:
                table.at[i, "reason"] = misfit_reason(
                    float(table.at[i, "value"]), every[col].to_numpy(float), thetas)
    params = parameter_table(result, cfg)
    paths = {"fit": out / "fit.csv", "parameters": out / "parameters.csv",
             "plot_fit": out / "fit.png", "plot_marginals": out / "marginals.png",
             "plot_convergence": out / "convergence.png", "report": out / "fit_report.md"}
    table.to_csv(paths["fit"], index=False)
    params.to_csv(paths["parameters"], index=False)
    pred.to_parquet(out / "predictive.parquet", index=False)
    _plot_fit(table, paths["plot_fit"])
    _plot_marginals(result, cfg, paths["plot_marginals"])
    _plot_convergence(result, paths["plot_convergence"])
    if result.posterior is not None and len(cfg.free) > 1:
        paths["plot_pairs"] = out / "pairs.png"
        _plot_pairs(result, cfg, paths["plot_pairs"])
    bad = table[~table["fits"]]
    method = "ABC-SMC, pyabc" if result.method == "abc" else "Optuna TPE"
    lines = [f"# Calibration `{cfg.name}` ({method})",
             "", cfg.model.description or "", "",
             f"Data: `{data.path}` ({len(sim.observations)} observations used, "
             f"{len(sim.complexes)} complexes simulated for {sim.weeks} weeks, "
             f"{sim.replications} replication(s) each). {result.simulations} evaluations in "
             f"{result.seconds:.0f} s. Point estimate ("
             + ("weighted posterior mean" if result.posterior is not None else "best trial")
             + ") in `calibrated.toml`"
             + ("; the posterior sample in `posterior.toml` (use it as `--params` of an "
                "experiment to carry the uncertainty forward)." if result.posterior is not None
                else "; Optuna gives no posterior: use method abc for uncertainty."),
             "", "## Parameters", "",
             "| parameter | prior | default | point | posterior mean | 90% credible interval |",
             "|---|---|---:|---:|---:|---:|"]
    for r in params.itertuples():
        mean = f"{r.mean:.3g}" if hasattr(r, "mean") else "—"
        ci = f"{r.ci5:.3g} – {r.ci95:.3g}" if hasattr(r, "ci5") else "—"
        lines.append(f"| `{r.parameter}` | {r.prior} [{r.lower:g}, {r.upper:g}] | "
                     f"{r.default:g} | {r.point:.3g} | {mean} | {ci} |")
    if result.generations is not None and len(result.generations):
        g = result.generations.iloc[-1]
        lines += ["", f"Final generation {int(g['generation'])}: ε = {g['epsilon']:.3g}, "
                  f"effective sample size {g['ess']:.0f} of {int(g['particles'])} particles"
                  + (" — the weights are concentrated on a few particles; raise "
                     "`[abc] population` for a smoother posterior."
                     if g["ess"] < 0.3 * g["particles"] else ".")]
    lines += ["", "## Fit per observation", "",
              f"Predicted: {draws} posterior-predictive simulations. **Fits badly**: the "
              f"predicted mean is more than {BAD_Z:g} σ from the data.", "",
              "| observation | data | σ | predicted mean | predicted 5–95% | z | |",
              "|---|---:|---:|---:|---:|---:|---|"]
    for r in table.itertuples():
        lines.append(f"| {r.indicator} {r.date} {r.complex} | {r.value:.3g} | {r.sigma:.2g} | "
                     f"{r.predicted_mean:.3g} | {r.predicted_p5:.3g} – {r.predicted_p95:.3g} | "
                     f"{r.z:+.1f} | {'' if r.fits else '**fits badly**'} |")
    lines += ["", (f"{len(bad)} of {len(table)} observations fit badly: "
                   + ", ".join(sorted(set(bad['indicator']))) + "."
                   if len(bad) else "Every observation fits within 2 σ."), ""]
    for r in table[~table["fits"]].itertuples():
        lines.append(f"- **{r.indicator} {r.date} {r.complex}**: "
                     + (r.reason or "no evaluations to say why") + ".")
    lines += ["", "![fit](fit.png)", "", "![marginals](marginals.png)", ""]
    if "plot_pairs" in paths:
        lines += ["![pairs](pairs.png)", ""]
    lines += ["![convergence](convergence.png)", ""]
    paths["report"].write_text("\n".join(lines), encoding="utf-8")
    return paths
