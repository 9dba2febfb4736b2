"""The dashboard's figures, drawn with matplotlib from an :class:`Outcome`.

Figures are built with ``matplotlib.figure.Figure`` (no pyplot state), so they can be
drawn in Solara's render threads. The building is a Mesa model of its own
(:class:`BuildingModel`): one ``CellAgent`` per dwelling on a Mesa grid of positions ×
floors, drawn by Mesa's space component with a legend added afterwards.
"""

from __future__ import annotations

import io
import threading

import mesa
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from mesa.discrete_space import CellAgent, OrthogonalMooreGrid
from mesa.visualization.components import AgentPortrayalStyle
from mesa.visualization.mpl_space_drawing import draw_space

from thuisplus.dashboard.compute import (
    BUILDING_VIEWS,
    CLIENT_MARKS,
    LAW_NAMES,
    STAKEHOLDER_NAMES,
    Outcome,
    Snapshot,
    cumulative_avoided,
    law_series,
    share_series,
)
from thuisplus.sim.care import LAWS

__all__ = [
    "PLOTS",
    "BuildingModel",
    "building_legend",
    "building_png",
    "building_portrayal",
    "care_per_law",
    "cumulative",
    "plot_images",
    "png",
    "provider_books",
    "stakeholders",
    "wellbeing",
]

WITH, WITHOUT = "#1b7837", "#878787"  # Thuisplusflat arm, baseline arm
LAW_COLOURS = {"wmo": "#2166ac", "zvw": "#b2182b", "wlz": "#e08214", "total": "#000000"}
DPI = 90
PLOTS = ("stakeholders", "provider_books", "care_per_law", "cumulative", "wellbeing")
ARMS = (("thuisplus", "with the Thuisplusflat", WITH), ("baseline", "without", WITHOUT))


def _figure(width: float = 6.4, height: float = 3.4, **margins: float) -> Figure:
    # Fixed margins, not a layout engine: constrained layout costs a third more time and
    # the page redraws every figure after each slider move.
    fig = Figure(figsize=(width, height), dpi=DPI)
    fig.subplots_adjust(**{"left": 0.12, "right": 0.98, "bottom": 0.14, "top": 0.97,
                           **margins})
    return fig


def png(fig: Figure) -> bytes:
    """The figure as PNG bytes (what the page shows)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()


def plot_images(o: Outcome, cancel: threading.Event | None = None) -> dict[str, bytes]:
    """PNG of every plot in :data:`PLOTS` (drawn in the background with the outcome).

    A plot that fails is left out, so the page can say so instead of breaking.
    """
    out = {}
    for name in PLOTS:
        if cancel is not None and cancel.is_set():
            break
        try:
            out[name] = png(globals()[name](o))
        except Exception:
            continue
    return out


def _band(ax: Axes, x, mean, low, high, colour: str, label: str, bands: bool) -> None:
    ax.plot(x, mean, color=colour, lw=2, label=label, marker="o", ms=3)
    if bands:
        ax.fill_between(x, low, high, color=colour, alpha=0.2, lw=0)


def _thousands(ax: Axes) -> None:
    ax.yaxis.set_major_formatter(lambda v, _: f"{v / 1e3:,.0f}")


def care_per_law(o: Outcome) -> Figure:
    """Care cost per law and year, with and without the Thuisplusflat (€ thousand)."""
    fig = _figure(9.6, 3.2, left=0.075, right=0.99, bottom=0.1, top=0.9, wspace=0.28)
    axes = fig.subplots(1, 3)
    bands = len(o.seeds) > 1
    for ax, law in zip(axes, LAWS, strict=True):
        s = law_series(o, law)
        for arm, label, colour in ARMS:
            d = s[s["arm"] == arm]
            _band(ax, d["year"], d["mean"], d["low"], d["high"], colour, label, bands)
        ax.set_title(LAW_NAMES[law], fontsize=10)
        _thousands(ax)
        ax.set_ylim(bottom=0)
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("€ thousand per year")
    axes[0].legend(fontsize=8, loc="lower left")
    return fig


def cumulative(o: Outcome) -> Figure:
    """Cumulative avoided care cost per law (€ thousand, undiscounted)."""
    fig = _figure()
    ax = fig.subplots()
    c = cumulative_avoided(o)
    bands = len(o.seeds) > 1
    for law in (*LAWS, "total"):
        d = c[c["law"] == law]
        label = "all three laws" if law == "total" else LAW_NAMES[law]
        _band(ax, d["year"], d["mean"], d["low"], d["high"], LAW_COLOURS[law], label, bands)
    ax.axhline(0, color="black", lw=0.8)
    _thousands(ax)
    ax.set_ylabel("€ thousand avoided, cumulative")
    ax.legend(fontsize=8, loc="upper left")
    ax.grid(alpha=0.3)
    return fig


def stakeholders(o: Outcome) -> Figure:
    """Who pays, who gains: discounted costs and gains per stakeholder, and the net."""
    fig = _figure(left=0.27)
    ax = fig.subplots()
    t = o.stakeholder_table().iloc[::-1]
    y = np.arange(len(t))
    ax.barh(y, -t["pays"] / 1e3, color="#d6604d", label="pays")
    ax.barh(y, t["gains"] / 1e3, color="#4393c3", label="gains")
    err = None
    if len(o.seeds) > 1:
        # a net the same in every run (the housing corporation's) has a band of rounding
        # noise around its mean, which matplotlib refuses as a negative error
        err = [np.maximum(t["net"] - t["net_low"], 0.0) / 1e3,
               np.maximum(t["net_high"] - t["net"], 0.0) / 1e3]
    ax.errorbar(t["net"] / 1e3, y, xerr=err, fmt="D", color="black", ms=6, capsize=3,
                label="net")
    ax.set_yticks(y, [STAKEHOLDER_NAMES[s] for s in t["stakeholder"]])
    ax.axvline(0, color="black", lw=0.8)
    ax.set_xlabel("€ thousand over the whole period, in today's money")
    ax.legend(fontsize=8, loc="lower right")
    ax.grid(axis="x", alpha=0.3)
    return fig


def provider_books(o: Outcome) -> Figure:
    """The provider's yearly Thuisplusflat books against its number of Wmo clients."""
    fig = _figure()
    ax = fig.subplots()
    chosen = o.params.thuisplus.contract.funding
    for funding, label, colour in (("per_client", "funded per client", "#2166ac"),
                                   ("lump_sum", "funded as a lump sum", "#e08214")):
        d = o.pnl[o.pnl["funding"] == funding]
        here = funding == chosen
        ax.plot(d["clients"], d["profit"] / 1e3, color=colour, lw=2.5 if here else 1.2,
                ls="-" if here else "--", label=label + (" (chosen)" if here else ""))
    for mark in CLIENT_MARKS:
        ax.axvline(mark, color="grey", ls=":", lw=1)
        ax.annotate(f"{mark} clients", (mark, 1), xycoords=("data", "axes fraction"),
                    xytext=(3, -12), textcoords="offset points", fontsize=8, color="grey")
    n_end = float(np.nanmean(o.clients["clients_end"]))
    d = o.pnl[o.pnl["funding"] == chosen]
    ax.plot([n_end], [np.interp(n_end, d["clients"], d["profit"]) / 1e3], "o",
            color="black", ms=7, label=f"simulated, at the end ({n_end:.0f})")
    ax.axhline(0, color="black", lw=0.8)
    ax.set_xlabel("Wmo clients of the flat's provider")
    ax.set_ylabel("profit, € thousand per year")
    ax.legend(fontsize=8, loc="lower right")
    ax.grid(alpha=0.3)
    return fig


def wellbeing(o: Outcome) -> Figure:
    """Shares of severely lonely residents and overburdened carers, with and without."""
    fig = _figure(6.4, 3.4, left=0.1, bottom=0.17, top=0.9, wspace=0.32)
    axes = fig.subplots(1, 2)
    bands = len(o.seeds) > 1
    for ax, col, title in ((axes[0], "severely_lonely_share", "Severely lonely residents"),
                           (axes[1], "carers_overburdened_share",
                            "Overburdened informal carers")):
        s = share_series(o, col)
        for arm, label, colour in ARMS:
            d = s[s["arm"] == arm]
            _band(ax, d["year"], 100 * d["mean"], 100 * d["low"], 100 * d["high"], colour,
                  label, bands)
        ax.set_title(title, fontsize=9)
        ax.set_ylabel("% of them")
        ax.tick_params(axis="x", labelsize=8, rotation=45)
        ax.set_ylim(bottom=0)
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=8, loc="lower left")
    return fig


# --------------------------------------------------------------------------------------
# The building, as a Mesa space
# --------------------------------------------------------------------------------------

class Dwelling(CellAgent):
    """One dwelling of the building view, with its category per colour mode."""

    def __init__(self, model: BuildingModel, cell, categories: dict[str, int]):
        super().__init__(model)
        self.cell = cell
        self.categories = categories


class BuildingModel(mesa.Model):
    """The building at the end of a run as a Mesa model.

    A grid of positions × floors with one :class:`Dwelling` agent per dwelling: what
    Mesa's space component draws.
    """

    def __init__(self, snap: Snapshot, mode: str = "vitality"):
        super().__init__(rng=0)
        self.snap = snap
        self.mode = mode
        self.grid = OrthogonalMooreGrid((snap.per_floor, snap.floors), torus=False,
                                        random=self.random)
        for d in range(snap.dwellings):
            floor, pos = divmod(d, snap.per_floor)
            Dwelling(self, self.grid[(pos, floor)],
                     {m: int(c[d]) for m, c in snap.categories.items()})


BUILDING_WIDTH_PT = 4.6 * 72  # width of the floors in the figure (points)


def building_portrayal(snap: Snapshot, mode: str):
    """Agent portrayal for Mesa's space component: a square coloured by category."""
    colours = [colour for _, colour in BUILDING_VIEWS[mode]]
    side = 0.85 * BUILDING_WIDTH_PT / max(snap.per_floor, 1)
    size = min(side, 22.0) ** 2

    def portray(agent: Dwelling) -> AgentPortrayalStyle:
        return AgentPortrayalStyle(color=colours[agent.categories[mode]], marker="s",
                                   size=size, edgecolors="white", linewidths=0.3)

    return portray


def building_png(snap: Snapshot, mode: str) -> bytes:
    """The building drawn by Mesa's space drawer (``draw_space``) with its legend, as PNG.

    Mesa's ``SpaceMatplotlib`` component draws the same, but again on every re-render of
    the page (about 0.2 s each); the page keeps this PNG per outcome and colour mode.
    """
    fig = Figure(dpi=DPI)
    ax = fig.add_subplot()
    model = BuildingModel(snap, mode)
    draw_space(model.grid, building_portrayal(snap, mode), ax=ax, draw_grid=False)
    building_legend(snap, mode)(ax)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", bbox_inches="tight")
    return buf.getvalue()


def building_legend(snap: Snapshot, mode: str):
    """``post_process`` for Mesa's space component: axis labels and a legend with counts."""
    counts = snap.counts(mode)

    def post(ax: Axes) -> None:
        handles = [Patch(facecolor=colour, label=f"{label} ({counts[label]})")
                   for label, colour in BUILDING_VIEWS[mode]]
        ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0),
                  fontsize=8, frameon=False, title="dwellings", title_fontsize=8)
        ax.set_xticks([])
        ax.set_yticks(range(snap.floors), [str(f + 1) for f in range(snap.floors)],
                      fontsize=7)
        ax.set_ylabel("floor")
        ax.set_aspect("equal")
        ax.figure.set_size_inches(7.0, max(2.2, 0.28 * snap.floors + 0.8))
        for line in ax.lines:  # Mesa's dotted grid lines clutter small squares
            line.set_alpha(0.15)

    return post
