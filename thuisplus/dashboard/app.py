"""The Solara page: controls in the sidebar, the answer in words, the building and plots.

``solara run thuisplus.dashboard.app`` serves :func:`Page`, which reads its starting parameters
from the file named by ``THUISPLUS_DASHBOARD_PARAMS`` (written by ``thuisplus dashboard``)
and renders :func:`Dashboard`. Every change of a control recomputes the pairs in a
background thread (``solara.use_thread``) while the page shows a busy bar and keeps the
previous results; a setting out of range is explained on the page, not computed.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

import reacton.ipyvuetify as rv
import reacton.ipywidgets as rw
import solara
import solara.util

from thuisplus.dashboard import views
from thuisplus.dashboard.compute import (
    Outcome,
    compute,
    headline,
    key_figures,
    results_csv,
)
from thuisplus.dashboard.controls import CONTROLS, SECTIONS, Control, apply_controls, control_values
from thuisplus.sim.params import ParameterError, Parameters, load_parameters
from thuisplus.sim.presets import list_presets, load_preset

__all__ = ["ENV_LABEL", "ENV_PARAMS", "Dashboard", "Page", "startup"]

ENV_PARAMS = "THUISPLUS_DASHBOARD_PARAMS"  # TOML file with the starting parameters
ENV_LABEL = "THUISPLUS_DASHBOARD_LABEL"    # where they came from, shown on the page
AS_STARTED = "as started"
TITLE = "Thuisplusflat: what does it avoid, who pays, who gains?"
BUILDING_MODES = {"vitality": "vitality", "loneliness": "loneliness",
                  "provider": "care provider"}
CSS = """
.tp-label { font-size: 0.85rem; font-weight: 500; margin-top: 6px; }
.tp-value { float: right; font-weight: 600; color: #1b7837; }
.tp-help { font-size: 0.72rem; color: #666; line-height: 1.2; margin-bottom: 2px; }
.tp-section { font-size: 0.95rem; font-weight: 700; margin-top: 14px;
              border-bottom: 1px solid #ddd; }
.tp-figure-value { font-size: 1.4rem; font-weight: 700; }
.tp-figure-label { font-size: 0.8rem; color: #555; }
.tp-headline p { margin-bottom: 0.5em; }
"""


def startup() -> tuple[Parameters, str]:
    """The starting parameters and their label, from the environment (defaults if unset)."""
    path = os.environ.get(ENV_PARAMS)
    label = os.environ.get(ENV_LABEL, "default parameters")
    if not path:
        return Parameters(), label
    return load_parameters(Path(path)), label


def _start_for(start: Parameters, preset: str) -> Parameters:
    return start if preset == AS_STARTED else load_preset(preset, base=start)


def _freeze(values: dict[str, Any]) -> tuple:
    return tuple((k, tuple(v) if isinstance(v, list) else v) for k, v in sorted(values.items()))


@solara.component
def LabelledSlider(control: Control, value: Any, on_value) -> None:
    """A slider with its plain-language label, the value in its unit and one line of help."""
    lo, hi = control.bounds(value)
    with solara.Column(gap="0px", classes=[f"tp-control tp-{control.ref}"]):
        rv.Html(tag="div", class_="tp-label", children=[
            control.label, rv.Html(tag="span", class_="tp-value",
                                   children=[control.show(value)])]).meta(ref=f"{control.ref}-label")
        rv.Slider(v_model=value, on_v_model=lambda v: on_value(control, v), min=lo,
                        max=hi, step=control.step, thumb_label=True, hide_details=True,
                        dense=True, class_=f"tp-slider tp-slider-{control.ref}"
                        ).meta(ref=control.ref)
        solara.HTML(tag="div", unsafe_innerHTML=control.help, classes=["tp-help"])


@solara.component
def ChoiceControl(control: Control, value: Any, on_value) -> None:
    """A switch between options (one, or several for ``multi``) with label and help."""
    rv.Html(tag="div", class_="tp-label", children=[control.label]).meta(
        ref=f"{control.ref}-label")
    labels = [label for _, label in control.options]
    to_value = {label: v for v, label in control.options}
    if control.kind == "choice":
        solara.ToggleButtonsSingle(
            value=dict(control.options).get(value, labels[0]), values=labels,
            on_value=lambda label: on_value(control, to_value[label]),
        ).meta(ref=control.ref)
    else:
        chosen = set(value)
        with solara.Column(gap="0px").meta(ref=control.ref):
            for v, label in control.options:
                def toggle(on: bool, v: str = v) -> None:
                    keep = [x for x, _ in control.options
                            if (x in chosen and x != v) or (x == v and on)]
                    on_value(control, keep)

                rv.Checkbox(label=label, v_model=v in chosen, on_v_model=toggle, dense=True,
                            hide_details=True, class_=f"mt-0 tp-check-{v}")
    solara.HTML(tag="div", unsafe_innerHTML=control.help, classes=["tp-help"])


@solara.component
def KeyFigure(label: str, value: str) -> None:
    """One number above the plots, with its label."""
    with solara.Card(margin=0, classes=["tp-figure"]):
        rv.Html(tag="div", class_="tp-figure-value", children=[value]).meta(ref=label)
        rv.Html(tag="div", class_="tp-figure-label", children=[label])


@solara.component
def Plot(name: str, images: dict[str, bytes], title: str, note: str = "") -> None:
    """A card with one plot, drawn in the background thread with the outcome."""
    with solara.Card(title, margin=0, classes=[f"tp-card tp-{name}"]).meta(ref=name):
        if note:
            solara.HTML(tag="div", unsafe_innerHTML=note, classes=["tp-help"])
        if name in images:
            rw.Image(value=images[name], format="png")
        else:
            solara.Warning("This figure could not be drawn for this setting.")


@solara.component
def Building(outcome: Outcome) -> None:
    """The building at the end of the first run, as Mesa's space component."""
    mode, set_mode = solara.use_state("vitality")
    arm, set_arm = solara.use_state("thuisplus")
    snap = outcome.building[arm]
    image = solara.use_memo(lambda: views.building_png(snap, mode), [id(outcome), arm, mode])
    with solara.Card("The building", margin=0,
                     classes=["tp-card tp-building"]).meta(ref="building"):
        solara.HTML(tag="div", classes=["tp-help"], unsafe_innerHTML=(
            f"Each square is a dwelling, floors from the ground up, on {snap.date:%d %B %Y} "
            "(the end of the first run). A dwelling takes the colour of its frailest or "
            "loneliest resident."))
        with solara.Row():
            solara.ToggleButtonsSingle(
                value=BUILDING_MODES[mode], values=list(BUILDING_MODES.values()),
                on_value=lambda v: set_mode({b: a for a, b in BUILDING_MODES.items()}[v]))
            solara.ToggleButtonsSingle(
                value="with the Thuisplusflat" if arm == "thuisplus" else "without",
                values=["with the Thuisplusflat", "without"],
                on_value=lambda v: set_arm("thuisplus" if v.startswith("with ") else
                                           "baseline"))
        rw.Image(value=image, format="png")


@solara.component
def Results(outcome: Outcome, images: dict[str, bytes]) -> None:
    """The answer in words, the key figures, the building and the plots."""
    text = solara.use_memo(lambda: headline(outcome), [id(outcome)])
    figures = solara.use_memo(lambda: key_figures(outcome), [id(outcome)])
    with solara.Card("The answer", margin=0,
                     classes=["tp-card tp-headline"]).meta(ref="headline"):
        solara.Markdown(text)
    with solara.Row(classes=["tp-figures"]):
        for label, value in figures.items():
            KeyFigure(label, value)
    with solara.Columns([1, 1]):
        Plot("stakeholders", images, "Who pays, who gains",
               "Costs (red) and gains (blue) of each party over the whole period, "
               "discounted to today's money; the diamond is the net.")
        Plot("provider_books", images, "The provider's books against its client numbers",
               "Yearly income from the contract minus the team it must run. The marks: "
               "40 clients (where most flats got stuck) and 100 (the target).")
    Building(outcome)
    Plot("care_per_law", images, "Care cost per law, with and without the Thuisplusflat",
           "Yearly cost of the care residents use, per payer (same residents, same chance "
           "events; the difference is the flat's effect).")
    with solara.Columns([1, 1]):
        Plot("cumulative", images, "Care cost avoided so far, per law",
               "Cumulative difference between without and with (not discounted).")
        Plot("wellbeing", images, "Loneliness and carers",
               "Share of residents who are severely lonely, and of informal carers who are "
               "overburdened.")


@solara.component
def Dashboard(start: Parameters, label: str = "default parameters", runs: int = 3) -> None:
    """The whole page for starting parameters ``start`` (``label`` says where from).

    ``runs`` is the number of pairs the page starts with: one run of one complex can be
    an outlier (chance events weigh heavily), so the first answer averages three.
    """
    preset, set_preset = solara.use_state(AS_STARTED)
    initial = solara.use_memo(lambda: control_values(start), [id(start)])
    values, set_values = solara.use_state(initial)
    replications, set_replications = solara.use_state(runs)
    seed, set_seed = solara.use_state(1)
    preset_error, set_preset_error = solara.use_state(None)

    def choose_preset(name: str) -> None:
        try:
            base = _start_for(start, name)
        except ParameterError as exc:
            set_preset_error(exc.format())
            return
        set_preset_error(None)
        set_preset(name)
        set_values(control_values(base))

    def set_control(control: Control, value: Any) -> None:
        set_values(lambda old: {**old, control.key: value})

    key = (preset, _freeze(values))

    def make_params() -> Parameters | ParameterError:
        try:
            return apply_controls(_start_for(start, preset), values)
        except ParameterError as exc:
            return exc

    params = solara.use_memo(make_params, [key])

    def work(cancel: threading.Event) -> tuple[Outcome, dict[str, bytes]] | None:
        if isinstance(params, ParameterError):
            return None
        try:
            outcome = compute(params, replications=replications, seed=seed, cancel=cancel)
            return outcome, views.plot_images(outcome, cancel)
        except Exception:
            if cancel.is_set():  # superseded by a newer setting: not an error
                raise solara.util.CancelledError() from None
            raise

    result = solara.use_thread(work, dependencies=[key, replications, seed],
                               intrusive_cancel=False)

    solara.Style(CSS)
    solara.Title("Thuisplusflat dashboard")
    with solara.AppBarTitle():
        solara.Text(TITLE)
    with solara.Sidebar():
        with solara.Column(gap="2px"):
            solara.HTML(tag="div", classes=["tp-help"], unsafe_innerHTML=(
                f"Started with: <b>{label}</b>"))
            presets = list_presets()
            solara.Select("Starting point", values=[AS_STARTED, *presets], value=preset,
                          on_value=choose_preset).meta(ref="preset")
            solara.HTML(tag="div", classes=["tp-help"], unsafe_innerHTML=(
                presets.get(preset, "The parameters the dashboard was started with.")))
            if preset_error:
                solara.Warning(preset_error)
            for section in SECTIONS:
                solara.HTML(tag="div", unsafe_innerHTML=section, classes=["tp-section"])
                for c in CONTROLS:
                    if c.section != section:
                        continue
                    if c.kind == "slider":
                        LabelledSlider(c, values[c.key], set_control)
                    else:
                        ChoiceControl(c, values[c.key], set_control)
            solara.HTML(tag="div", unsafe_innerHTML=(
                f"Runs<span class='tp-value'>{replications}</span>"), classes=["tp-label"])
            rv.Slider(v_model=replications, on_v_model=lambda v: set_replications(int(v)),
                            min=1, max=20, step=1, thumb_label=True, hide_details=True,
                            dense=True, class_="tp-slider tp-slider-runs").meta(ref="runs")
            solara.HTML(tag="div", classes=["tp-help"], unsafe_innerHTML=(
                "More runs (each with other chance events) show how sure the answer is: "
                "the plots get bands. Each run takes about half a second."))
            solara.InputInt("Random seed", value=seed,
                            on_value=lambda v: set_seed(int(v)) if v is not None else None)

    with solara.Column(classes=["tp-main"]):
        busy = result.state in (solara.ResultState.STARTING, solara.ResultState.WAITING,
                                solara.ResultState.RUNNING)
        out_of_range = isinstance(params, ParameterError)
        # Messages live in one fixed slot: inserting them above the results would shift
        # every widget below, and Solara would rebuild them all (half a second).
        with solara.Column(gap="4px", classes=["tp-status"]):
            if out_of_range:
                with solara.Card("This combination is out of range", margin=0,
                                 classes=["tp-out-of-range"]).meta(ref="out-of-range"):
                    solara.Markdown("The settings cannot be simulated as they are. What is "
                                    "wrong, and what is allowed:")
                    solara.Preformatted(params.format())
                    solara.Markdown("Move the slider back into range, or pick another "
                                    "starting point.")
            elif busy:
                solara.ProgressLinear(True).meta(ref="busy")
                solara.Text(f"Recomputing {replications} run(s) of "
                            f"{params.simulation.weeks // 52} years… the results below are "
                            "from the previous setting.", classes=["tp-busy-text"])
            elif result.state == solara.ResultState.ERROR:
                err = result.error
                solara.Error(f"The simulation stopped with an error: {type(err).__name__}: "
                             f"{err}. Change a setting to try again.", classes=["tp-error"])
            elif result.value is None:
                solara.Info("Choose the settings in the sidebar.")
        if out_of_range or result.value is None:
            return
        outcome, images = result.value
        with solara.Row():
            solara.FileDownload(lambda: results_csv(outcome),
                                filename="thuisplusflat_results.csv",
                                label="Download results (CSV)")
            solara.Text(f"{len(outcome.seeds)} run(s), {outcome.params.building.dwellings} "
                        f"dwellings, computed in {outcome.seconds:.1f} s",
                        classes=["tp-done"]).meta(ref="done")
        Results(outcome, images).key("results")


@solara.component
def Page() -> None:
    """The page ``solara run`` serves: the dashboard for the parameters it was started with."""
    try:
        start, label = startup()
    except ParameterError as exc:
        solara.Error("The parameter file could not be used:")
        solara.Preformatted(exc.format())
        return
    Dashboard(start, label)

