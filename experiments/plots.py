"""Quick-look plots of one run and of one pair (written next to the Parquet output)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from matplotlib.figure import Figure

__all__ = ["figure", "plot_pair", "plot_run"]


def figure(**kwargs: object) -> Figure:
    """A figure of its own, outside pyplot, for a file.

    Reports draw on these: importing or running them neither switches a notebook's backend
    nor leaves figures for it to show, and they need no display (saving picks the format's
    canvas, e.g. Agg for PNG).
    """
    return Figure(**kwargs)

LAWS = (("cost_wmo", "Wmo (municipality)"), ("cost_zvw", "Zvw (health insurer)"),
        ("cost_wlz", "Wlz (care office)"))


def _yearly(weekly: pd.DataFrame, columns: list[str], how: str = "sum") -> pd.DataFrame:
    return getattr(weekly.groupby("year")[columns], how)()


def plot_run(weekly: pd.DataFrame, path: Path, title: str) -> Path:
    """Four panels: population, Wmo clients, loneliness and frailty, cost per law per year."""
    fig = figure(figsize=(11, 7))
    ax = fig.subplots(2, 2)
    d = weekly["date"]
    ax[0, 0].plot(d, weekly["residents"], label="residents")
    ax[0, 0].plot(d, weekly["wmo_clients"], label="Wmo clients")
    ax[0, 0].plot(d, weekly["wmo_clients_preferred"], label="of the preferred provider")
    ax[0, 0].set_title("Residents and clients")
    ax[0, 0].legend()
    ax[0, 1].plot(d, weekly["severely_lonely_share"], label="severely lonely (DJG ≥ 9)")
    ax[0, 1].plot(d, weekly["frail_share"], label="frail")
    ax[0, 1].set_title("Shares of residents")
    ax[0, 1].legend()
    ax[1, 0].plot(d, weekly["carers_overburdened"], label="overburdened carers")
    ax[1, 0].plot(d, weekly["unmet_care_hours"], label="unmet care hours / week")
    ax[1, 0].set_title("Carers and unmet care")
    ax[1, 0].legend()
    costs = _yearly(weekly, [c for c, _ in LAWS]) / 1e3
    costs.columns = [label for _, label in LAWS]
    costs.plot(kind="bar", stacked=True, ax=ax[1, 1])
    ax[1, 1].set_title("Care cost per year (€ thousand)")
    ax[1, 1].set_xlabel("")
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    return path


def plot_pair(baseline: pd.DataFrame, thuisplus: pd.DataFrame, path: Path, title: str) -> Path:
    """Cost per law per year in both arms, and the cumulative avoided cost per law."""
    fig = figure(figsize=(12, 4.5))
    ax = fig.subplots(1, 2)
    b = _yearly(baseline, [c for c, _ in LAWS]) / 1e3
    t = _yearly(thuisplus, [c for c, _ in LAWS]) / 1e3
    for (col, label), colour in zip(LAWS, ("#4f81bd", "#9bbb59", "#c0504d"), strict=True):
        ax[0].plot(b.index, b[col], color=colour, ls="--", label=f"{label}, without")
        ax[0].plot(t.index, t[col], color=colour, label=f"{label}, Thuisplusflat")
        ax[1].plot(b.index, (b[col] - t[col]).cumsum(), color=colour, marker="o", label=label)
    ax[0].set_title("Care cost per year (€ thousand)")
    ax[0].legend(fontsize=7)
    ax[1].axhline(0, color="black", lw=0.8)
    ax[1].set_title("Cumulative avoided cost (€ thousand, not discounted)")
    ax[1].legend(fontsize=8)
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    return path
