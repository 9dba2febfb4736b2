"""The Solara page: controls in the sidebar, the verdict in words, options A and B, plots.

``solara run thuisplus.dashboard.app`` serves :func:`Page`, which reads its starting
parameters from the file named by ``THUISPLUS_DASHBOARD_PARAMS`` (written by ``thuisplus
dashboard``) and renders :func:`Dashboard`. Every change of a control recomputes the pairs
in a background thread (``solara.use_thread`` over :func:`compute_steps`): the first pair
is shown at once, marked as a first answer, and the rest fill in; results of a previous
setting stay on the page, marked as such, until new ones arrive. A setting out of range
is explained on the page, not computed; a figure that cannot be drawn says so.

The figures are SVG built in Python (:mod:`thuisplus.dashboard.charts`) and drawn by the
browser, which also turns them into PNG for download (``figure.vue``); the page speaks
Dutch or English (:mod:`thuisplus.dashboard.i18n`).
"""

from __future__ import annotations

import html
import os
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import reacton.ipyvuetify as rv
import solara
import solara.util

from thuisplus.dashboard import charts, export
from thuisplus.dashboard.compute import (
    KEY_FIGURES,
    MAX_RUNS,
    MIN_VERDICT_RUNS,
    Outcome,
    comparison_table,
    compute_steps,
    headline,
    held_uncertainties,
    key_figures,
    results_csv,
    shipped_posterior,
)
from thuisplus.dashboard.controls import (
    CONTROLS,
    SECTIONS,
    Control,
    apply_controls,
    control_values,
)
from thuisplus.dashboard.i18n import LANGS, number, tr
from thuisplus.sim.params import ParameterError, Parameters, load_parameters
from thuisplus.sim.presets import list_presets, load_preset

if TYPE_CHECKING:
    from thuisplus.experiments.posterior import Posterior

__all__ = ["DEFAULT_RUNS", "ENV_LABEL", "ENV_LANG", "ENV_PARAMS", "Dashboard", "Layout",
           "Page", "startup"]

ENV_PARAMS = "THUISPLUS_DASHBOARD_PARAMS"  # TOML file with the starting parameters
ENV_LABEL = "THUISPLUS_DASHBOARD_LABEL"    # where they came from, shown on the page
ENV_LANG = "THUISPLUS_DASHBOARD_LANG"      # the page's first language (nl or en)
ENV_POSTERIOR = "THUISPLUS_DASHBOARD_POSTERIOR"  # a posterior file the parameters came from
AS_STARTED = "as started"
DEFAULT_LABEL = "default parameters"  # the label when no parameter file was given
#: Runs the page starts with: enough possible worlds that the verdict's probability is
#: within about ±12 points (90 %) and its words rarely change with the seed.
DEFAULT_RUNS = 40
BUILDING_MODES = ("vitality", "loneliness", "provider")
MODE_LABELS = {"vitality": "vitality", "loneliness": "loneliness",
               "provider": "care provider"}
CSS = """
.tp-label { font-size: 0.85rem; font-weight: 500; margin-top: 6px; }
.tp-value { float: right; font-weight: 600; color: #1b7837; }
.tp-help { font-size: 0.72rem; color: #666; line-height: 1.2; margin-bottom: 2px; }
.tp-section { font-size: 0.95rem; font-weight: 700; margin-top: 14px;
              border-bottom: 1px solid #ddd; }
.tp-figures { display: flex; flex-wrap: wrap; gap: 8px; }
.tp-figures > * { flex: 1 1 150px; }
.tp-figure-value { font-size: 1.4rem; font-weight: 700; }
.tp-figure-label { font-size: 0.8rem; color: #555; }
.tp-headline p { margin-bottom: 0.5em; }
.tp-svg svg { width: 100%; max-width: 760px; height: auto; display: block; margin: 0 auto; }
.tp-svg-building svg { max-width: 620px; }
.tp-figure-actions { text-align: right; }
.tp-partial { color: #8c510a; font-weight: 600; }
.tp-stale { opacity: 0.55; }
.tp-compare table { border-collapse: collapse; width: 100%; font-size: 0.85rem; }
.tp-compare td, .tp-compare th { border-bottom: 1px solid #ddd; padding: 3px 6px;
                                 text-align: right; }
.tp-compare td:first-child, .tp-compare th:first-child { text-align: left; }
.tp-exports { display: flex; flex-wrap: wrap; gap: 4px; align-items: center; }
@media (max-width: 600px) {
  .tp-figure-value { font-size: 1.1rem; }
  .tp-main { padding: 0 !important; }
  .tp-compare { overflow-x: auto; }
}
"""


def startup() -> tuple[Parameters, str, str]:
    """The starting parameters, their label and the first language, from the environment."""
    path = os.environ.get(ENV_PARAMS)
    label = os.environ.get(ENV_LABEL, DEFAULT_LABEL)
    lang = os.environ.get(ENV_LANG, "nl")
    lang = lang if lang in LANGS else "nl"
    if not path:
        return Parameters(), label, lang
    return load_parameters(Path(path)), label, lang


def starting_posterior() -> Posterior | None:
    """The calibration's posterior the page draws the calibrated uncertainties from.

    The file ``thuisplus dashboard --params`` named, if it holds a posterior sample; else
    the shipped fit, whose point estimates the model's defaults are.
    """
    path = os.environ.get(ENV_POSTERIOR)
    if path:
        from thuisplus.experiments.posterior import read_posterior

        return read_posterior(path)
    return shipped_posterior()


def _start_for(start: Parameters, preset: str) -> Parameters:
    return start if preset == AS_STARTED else load_preset(preset, base=start)


def _freeze(values: dict[str, Any]) -> tuple:
    return tuple((k, tuple(v) if isinstance(v, list) else v) for k, v in sorted(values.items()))


#: Seconds between updates of a partial answer (each re-render holds the GIL the pairs
#: need, so a faster cadence slows the whole answer down).
PROGRESS_SECONDS = 1.5
#: Below this window width (px) the sidebar covers the page (Vuetify's mobile drawer),
#: so the page starts with it closed; the menu button opens it.
NARROW_PX = 960
#: The browser window's width in px, as the page last heard it (one per browser tab).
WINDOW_WIDTH = solara.reactive(0)


@solara.component_vue("viewport.vue")
def Viewport(width: int, event_width_changed: Callable[[int], None]) -> None:
    """Reports the browser window's width (on load and on resize)."""


@solara.component
def Layout(children: list | None = None) -> solara.Element:
    """The page's frame: Solara's app layout, the sidebar closed at first on a phone.

    ``solara run`` frames a module's pages with its ``Layout``.
    """
    narrow = 0 < WINDOW_WIDTH.value < NARROW_PX
    return solara.AppLayout(children=children or [], sidebar_open=not narrow)


@solara.component_vue("figure.vue")
def SvgFigure(svg: str, name: str, filename: str, label: str) -> None:
    """An SVG figure drawn by the browser, with a button that downloads it as PNG."""


@solara.component
def LabelledSlider(control: Control, value: Any, on_value, lang: str) -> None:
    """A slider with its plain-language label, the value in its unit and one line of help."""
    lo, hi = control.bounds(value)
    with solara.Column(gap="0px", classes=[f"tp-control tp-{control.ref}"]):
        rv.Html(tag="div", class_="tp-label", children=[
            tr(lang, control.label), rv.Html(tag="span", class_="tp-value",
                                             children=[control.show(value, lang)])]
                ).meta(ref=f"{control.ref}-label")
        rv.Slider(v_model=value, on_v_model=lambda v: on_value(control, v), min=lo,
                  max=hi, step=control.step, thumb_label=True, hide_details=True,
                  dense=True, class_=f"tp-slider tp-slider-{control.ref}"
                  ).meta(ref=control.ref)
        solara.HTML(tag="div", unsafe_innerHTML=tr(lang, control.help), classes=["tp-help"])


@solara.component
def ChoiceControl(control: Control, value: Any, on_value, lang: str) -> None:
    """A switch between options (one, or several for ``multi``) with label and help."""
    rv.Html(tag="div", class_="tp-label", children=[tr(lang, control.label)]).meta(
        ref=f"{control.ref}-label")
    labels = [tr(lang, label) for _, label in control.options]
    to_value = {tr(lang, label): v for v, label in control.options}
    if control.kind == "choice":
        solara.ToggleButtonsSingle(
            value=tr(lang, dict(control.options).get(value, control.options[0][1])),
            values=labels, on_value=lambda label: on_value(control, to_value[label]),
            classes=[f"tp-{control.ref}"]).meta(ref=control.ref)
    else:
        chosen = set(value)
        with solara.Column(gap="0px", classes=[f"tp-{control.ref}"]).meta(ref=control.ref):
            for v, label in control.options:
                def toggle(on: bool, v: str = v) -> None:
                    keep = [x for x, _ in control.options
                            if (x in chosen and x != v) or (x == v and on)]
                    on_value(control, keep)

                rv.Checkbox(label=tr(lang, label), v_model=v in chosen, on_v_model=toggle,
                            dense=True, hide_details=True, class_=f"mt-0 tp-check-{v}")
    solara.HTML(tag="div", unsafe_innerHTML=tr(lang, control.help), classes=["tp-help"])


@solara.component
def KeyFigure(label: str, value: str, ref: str) -> None:
    """One number above the plots, with its label (``ref``: its English name, for tests)."""
    with solara.Card(margin=0, classes=["tp-figure"]):
        rv.Html(tag="div", class_="tp-figure-value", children=[value]).meta(ref=ref)
        rv.Html(tag="div", class_="tp-figure-label", children=[label]).meta(
            ref=f"{ref}-label")


def _draw(make: Callable[[], str]) -> tuple[str, str]:
    """(svg, "") or ("", the error) — a figure that fails must say so on the page."""
    try:
        return make(), ""
    except Exception as exc:  # shown on the page, not swallowed
        return "", f"{type(exc).__name__}: {exc}"


@solara.component
def Drawn(name: str, svg: str, error: str, lang: str) -> None:
    """The figure ``name`` with its PNG button, or the reason it could not be drawn."""
    if error:
        solara.Warning(tr(lang, "This figure could not be drawn for this setting: {error}",
                          error=error), classes=["tp-figure-error"])
    else:
        SvgFigure(svg=svg, name=name, label="PNG", filename=export.file_name(name, lang))


@solara.component
def Figure(name: str, outcome: Outcome, other: Outcome | None, lang: str, title: str,
           note: str = "") -> None:
    """A card with one figure, or the reason it could not be drawn."""
    svg, error = solara.use_memo(
        lambda: _draw(lambda: charts.draw(name, outcome, lang, other=other)),
        [outcome.serial, other.serial if other else None, lang, name])
    with solara.Card(tr(lang, title), margin=0, classes=[f"tp-card tp-{name}"]).meta(ref=name):
        if note:
            solara.HTML(tag="div", unsafe_innerHTML=tr(lang, note), classes=["tp-help"])
        Drawn(name, svg, error, lang)


@solara.component
def Building(outcome: Outcome, lang: str) -> None:
    """The building at the end of the programme in the first run, both arms."""
    mode, set_mode = solara.use_state("vitality")
    arm, set_arm = solara.use_state("thuisplus")
    snap = outcome.building.get(arm)
    svg, error = solara.use_memo(
        lambda: _draw(lambda: charts.building(snap, mode, lang)) if snap else ("", "—"),
        [outcome.serial, arm, mode, lang])
    with solara.Card(tr(lang, "The building"), margin=0,
                     classes=["tp-card tp-building"]).meta(ref="building"):
        if snap is not None:
            solara.HTML(tag="div", classes=["tp-help"], unsafe_innerHTML=tr(
                lang, "Each square is a dwelling, floors from the ground up, on {date} (the "
                "end of the programme in the first run). A dwelling takes the colour of its "
                "frailest or loneliest resident.", date=snap.date.isoformat()))
        labels = {m: tr(lang, MODE_LABELS[m]) for m in BUILDING_MODES}
        arms = {"thuisplus": tr(lang, "with the Thuisplusflat"), "baseline": tr(lang, "without")}
        with solara.Row(style={"flex-wrap": "wrap"}):
            solara.ToggleButtonsSingle(
                value=labels[mode], values=list(labels.values()),
                on_value=lambda v: set_mode({b: a for a, b in labels.items()}[v]))
            solara.ToggleButtonsSingle(
                value=arms[arm], values=list(arms.values()),
                on_value=lambda v: set_arm({b: a for a, b in arms.items()}[v]))
        Drawn("building", svg, error, lang)


@solara.component
def Results(outcome: Outcome, other: Outcome | None, lang: str) -> None:
    """The answer in words, the key figures (A and B side by side), the building and plots."""
    text = solara.use_memo(lambda: headline(outcome, lang), [outcome.serial, lang])
    with solara.Card(tr(lang, "The answer"), margin=0,
                     classes=["tp-card tp-headline"]).meta(ref="headline"):
        solara.Markdown(text)
    figures = solara.use_memo(lambda: key_figures(outcome, lang), [outcome.serial, lang])
    pinned = other.serial if other else None
    table = solara.use_memo(
        lambda: (export.html_table(comparison_table(other, outcome, lang))
                 if other is not None else ""), [outcome.serial, pinned, lang])
    if other is None:
        with solara.Div(classes=["tp-figures"]):
            for ref, (label, value) in zip(KEY_FIGURES, figures.items(), strict=True):
                KeyFigure(label, value, ref)
    else:
        with solara.Card(tr(lang, "Option A (pinned) and option B (the sliders now)"),
                         margin=0, classes=["tp-card tp-compare"]).meta(ref="compare"):
            solara.HTML(tag="div", unsafe_innerHTML=table)
    Figure("npv_distribution", outcome, other, lang, "Does it pay off? One dot per run",
           "Each dot is one run: one possible world of chance events and effect sizes. "
           "Right of the line the flat pays off.")
    with solara.ColumnsResponsive(12, large=6):
        Figure("stakeholders", outcome, other, lang, "Who pays, who gains",
               "Costs (red) and gains (blue) of each party over the whole period, "
               "discounted to today's money; the diamond is the net.")
        Figure("provider_books", outcome, other, lang,
               "The provider's books against its client numbers",
               "Yearly income from the contract minus the team it must run. The marks: "
               "40 clients (where most flats got stuck) and 100 (the target).")
    Building(outcome, lang)
    Figure("care_per_law", outcome, other, lang,
           "Care cost per law, with and without the Thuisplusflat",
           "Yearly cost of the care residents use, per payer (same residents, same chance "
           "events; the difference is the flat's effect).")
    with solara.ColumnsResponsive(12, large=6):
        Figure("cumulative", outcome, other, lang, "Care cost avoided so far, per law",
               "Cumulative difference between without and with (not discounted).")
        Figure("wellbeing", outcome, other, lang, "Loneliness and carers",
               "Share of residents who are severely lonely, and of informal carers who are "
               "overburdened.")


@solara.component
def Exports(outcome: Outcome, other: Outcome | None, lang: str, label: str) -> None:
    """Downloads: the setting as a parameter file, a one-page report, the spreadsheet, CSV."""
    with solara.Div(classes=["tp-exports"]):
        solara.FileDownload(lambda: export.parameters_toml(outcome.params, label=label),
                            filename=export.file_name("settings", lang),
                            label=tr(lang, "Settings (parameter file)"))
        solara.FileDownload(lambda: export.report_html(outcome, lang, other=other,
                                                       label=label),
                            filename=export.file_name("report", lang),
                            label=tr(lang, "Report (to print)"))
        solara.FileDownload(lambda: export.workbook_bytes(outcome, lang, other=other,
                                                          label=label),
                            filename=export.file_name("business-case", lang),
                            label=tr(lang, "Business case (spreadsheet)"))
        solara.FileDownload(lambda: results_csv(outcome),
                            filename=export.file_name("results", lang),
                            label=tr(lang, "All results (CSV)"))


@solara.component
def Dashboard(start: Parameters, label: str = DEFAULT_LABEL, runs: int = DEFAULT_RUNS,
              lang: str = "nl", posterior: Posterior | None = None) -> None:
    """The whole page for starting parameters ``start`` (``label`` says where from).

    ``runs`` is the number of pairs the page starts with (each a possible world: a seed
    and, with uncertain effects on, a draw of the uncertain parameters, the calibrated
    ones from ``posterior``, by default the shipped fit); ``lang`` the first language.
    """
    fit = solara.use_memo(lambda: posterior if posterior is not None else shipped_posterior(),
                          [id(posterior)])
    language, set_language = solara.use_state(lang)
    preset, set_preset = solara.use_state(AS_STARTED)
    initial = solara.use_memo(lambda: control_values(start), [id(start)])
    values, set_values = solara.use_state(initial)
    replications, set_replications = solara.use_state(runs)
    seed, set_seed = solara.use_state(1)
    uncertain, set_uncertain = solara.use_state(True)
    preset_error, set_preset_error = solara.use_state(None)
    pinned, set_pinned = solara.use_state(None)  # (outcome, values, preset) of option A
    lg = language

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

    key = (preset, _freeze(values), replications, seed, uncertain)

    def make_params() -> Parameters | ParameterError:
        try:
            return apply_controls(_start_for(start, preset), values)
        except ParameterError as exc:
            return exc

    params = solara.use_memo(make_params, [key[:2]])
    # what the starting point chose (its file, its preset) is kept, not drawn; a preset
    # is set only once it has loaded (choose_preset)
    held = solara.use_memo(lambda: held_uncertainties(
        _start_for(start, preset), [c.key for c in CONTROLS]), [id(start), preset])

    def work(cancel: threading.Event) -> Iterator[tuple[tuple, Outcome] | None]:
        if isinstance(params, ParameterError):
            yield None
            return
        try:
            for outcome in compute_steps(params, replications, seed, cancel,
                                         uncertain=uncertain, held=held, posterior=fit,
                                         progress_every=PROGRESS_SECONDS):
                yield key, outcome
        except Exception:
            if cancel.is_set():  # superseded by a newer setting: not an error
                raise solara.util.CancelledError() from None
            raise

    result = solara.use_thread(work, dependencies=[key], intrusive_cancel=False)

    solara.Style(CSS)
    Viewport(width=WINDOW_WIDTH.value, event_width_changed=WINDOW_WIDTH.set)
    solara.Title(tr(lg, "Thuisplusflat dashboard"))
    with solara.AppBarTitle():
        solara.Text(tr(lg, "Thuisplusflat: what does it avoid, who pays, who gains?"))
    with solara.Sidebar():
        with solara.Column(gap="2px"):
            solara.HTML(tag="div", classes=["tp-help"], unsafe_innerHTML=tr(
                lg, "Started with: <b>{label}</b>", label=html.escape(
                    tr(lg, DEFAULT_LABEL) if label == DEFAULT_LABEL else label)))
            presets = list_presets()
            shown = {AS_STARTED: tr(lg, AS_STARTED), **{p: p for p in presets}}
            solara.Select(tr(lg, "Starting point"), values=list(shown.values()),
                          value=shown[preset],
                          on_value=lambda v: choose_preset(
                              {b: a for a, b in shown.items()}[v])).meta(ref="preset")
            solara.HTML(tag="div", classes=["tp-help"], unsafe_innerHTML=(
                tr(lg, presets[preset]) if preset in presets else
                tr(lg, "The parameters the dashboard was started with.")))
            if preset_error:
                solara.Warning(preset_error)
            for section in SECTIONS:
                solara.HTML(tag="div", unsafe_innerHTML=tr(lg, section),
                            classes=["tp-section"])
                for c in CONTROLS:
                    if c.section != section:
                        continue
                    if c.kind == "slider":
                        LabelledSlider(c, values[c.key], set_control, lg)
                    else:
                        ChoiceControl(c, values[c.key], set_control, lg)
            rv.Html(tag="div", class_="tp-label", children=[
                tr(lg, "Runs"), rv.Html(tag="span", class_="tp-value",
                                        children=[str(replications)])])
            rv.Slider(v_model=replications, on_v_model=lambda v: set_replications(int(v)),
                      min=1, max=MAX_RUNS, step=1, thumb_label=True, hide_details=True,
                      dense=True, class_="tp-slider tp-slider-runs").meta(ref="runs")
            solara.HTML(tag="div", classes=["tp-help"], unsafe_innerHTML=tr(
                lg, "Each run is one possible world. From {m} runs the page states the chance "
                "that the flat pays off; more runs make it firmer.", m=MIN_VERDICT_RUNS))
            rv.Checkbox(label=tr(lg, "Uncertain effects"), v_model=uncertain,
                        on_v_model=set_uncertain, dense=True, hide_details=True,
                        class_="tp-uncertain").meta(ref="uncertain")
            solara.HTML(tag="div", classes=["tp-help"], unsafe_innerHTML=tr(
                lg, "On: each run draws the effect sizes and other uncertain figures from "
                "their ranges (as the probabilistic analysis does). Off: they stay at their "
                "central values and the runs differ only by chance."))
            solara.InputInt(tr(lg, "Random seed"), value=seed,
                            on_value=lambda v: set_seed(int(v)) if v is not None else None)

    value = result.value  # (key, outcome) of the last setting computed, or None
    current = value is not None and value[0] == key
    outcome = value[1] if value is not None else None
    with solara.Column(classes=["tp-main"]):
        with solara.Row(justify="end", classes=["tp-top"]):
            solara.ToggleButtonsSingle(value=LANGS[lg], values=list(LANGS.values()),
                                       on_value=lambda v: set_language(
                                           {b: a for a, b in LANGS.items()}[v]),
                                       dense=True, classes=["tp-language"]
                                       ).meta(ref="language")
        running = result.state in (solara.ResultState.STARTING, solara.ResultState.WAITING,
                                   solara.ResultState.RUNNING)
        out_of_range = isinstance(params, ParameterError)
        # Messages live in one fixed slot: inserting them above the results would shift
        # every widget below, and Solara would rebuild them all.
        with solara.Column(gap="4px", classes=["tp-status"]):
            if out_of_range:
                with solara.Card(tr(lg, "This combination is out of range"), margin=0,
                                 classes=["tp-out-of-range"]).meta(ref="out-of-range"):
                    solara.Markdown(tr(lg, "The settings cannot be simulated as they are. "
                                       "What is wrong, and what is allowed:"))
                    solara.Preformatted(params.format())
                    solara.Markdown(tr(lg, "Move the slider back into range, or pick another "
                                       "starting point."))
            elif result.state == solara.ResultState.ERROR:
                err = result.error
                solara.Error(tr(lg, "The simulation stopped with an error: {error}. Change a "
                                "setting to try again.",
                                error=f"{type(err).__name__}: {err}"), classes=["tp-error"])
            elif running and not current:
                solara.ProgressLinear(True).meta(ref="busy")
                solara.Text(tr(lg, "Recomputing {n} run(s)… the results below are from the "
                               "previous setting.", n=replications),
                            classes=["tp-busy-text"])
            elif outcome is not None and not outcome.complete:
                solara.ProgressLinear(value=100 * len(outcome.seeds) / outcome.asked)
                solara.Text(tr(lg, "First answer: {k} of {n} runs so far; the numbers and "
                               "bands firm up as the rest arrive.", k=len(outcome.seeds),
                               n=outcome.asked), classes=["tp-partial"]).meta(ref="partial")
            elif outcome is None:
                solara.Info(tr(lg, "Choose the settings in the sidebar."))
        if out_of_range or outcome is None:
            return
        other = pinned[0] if pinned is not None else None
        with solara.Row(style={"flex-wrap": "wrap", "align-items": "center"}):
            if pinned is None:
                solara.Button(tr(lg, "Pin as option A"), on_click=lambda: set_pinned(
                    (outcome, dict(values), preset)), disabled=not (current and
                                                                   outcome.complete),
                              classes=["tp-pin"], outlined=True).meta(ref="pin")
            else:
                solara.Button(tr(lg, "Back to option A"), on_click=lambda: (
                    set_preset(pinned[2]), set_values(pinned[1])), classes=["tp-back"],
                    outlined=True).meta(ref="back")
                solara.Button(tr(lg, "Unpin A"), on_click=lambda: set_pinned(None),
                              classes=["tp-unpin"], text=True).meta(ref="unpin")
            solara.Text(tr(lg, "{n} run(s), {d} dwellings, computed in {s} s",
                           n=len(outcome.seeds), d=outcome.params.building.dwellings,
                           s=number(outcome.seconds, lg, 1)),
                        classes=["tp-done" if current and outcome.complete else "tp-working"]
                        ).meta(ref="done" if current and outcome.complete else "working")
        Exports(outcome, other, lg, label)
        with solara.Div(classes=[] if current else ["tp-stale"]):
            Results(outcome, other, lg).key("results")


@solara.component
def Page() -> None:
    """The page ``solara run`` serves: the dashboard for the parameters it was started with."""
    try:
        start, label, lang = startup()
    except ParameterError as exc:
        solara.Error("The parameter file could not be used:")
        solara.Preformatted(exc.format())
        return
    Dashboard(start, label, lang=lang, posterior=starting_posterior())

