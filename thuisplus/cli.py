"""The ``thuisplus`` command line: the one composition root of sim, experiments, calibration.

Conventions every command follows (issue 16):

- bad input (parameter files, values, options) ends with a message naming the key, the
  value and what is allowed, and exit code 2 — never a traceback; so does a command whose
  optional dependencies (an extra, :mod:`thuisplus.extras`) are not installed;
- every option's help shows its default, or what leaving it out means;
- ``--json`` prints a command's results as one JSON document on stdout and nothing else
  there: progress, warnings and notes go to stderr;
- a batch whose runs partly failed keeps what finished, says where the failures are
  listed and exits with 3 (:data:`EXIT_RUNS_FAILED`);
- messages that are not results go through the ``thuisplus`` logger (``-v``/``-q``).

This module imports only typer and rich when loaded; each command imports what it needs
(numpy, pandas, the engine, ...) when it runs, so ``thuisplus --help`` is quick.
"""

from __future__ import annotations

import contextlib
import difflib
import enum
import functools
import json
import logging
import math
import signal
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

if TYPE_CHECKING:
    from thuisplus.sim.params import Parameters

EXIT_BAD_INPUT = 2
#: Some runs of a batch failed; what finished is kept (the failures are listed on disk).
EXIT_RUNS_FAILED = 3
EXIT_INTERRUPTED = 130

#: --weeks of simulate and pair: what leaving it out means.
WEEKS_DEFAULT = ("the programme and the follow-up, simulation.weeks + 52 × "
                 "simulation.follow_up_years: every person followed until death")
#: The shown default of an on/off flag given only by its on-name (--json, --resume, ...).
OFF = "off"

app = typer.Typer(
    name="thuisplus",
    help="Agent-based simulator of Rotterdam's Thuisplusflats (Wmo, Zvw and Wlz care use).",
    epilog="Exit codes: 0 done; 1 an error (e.g. a disk full); 2 bad input, or a missing "
           "optional dependency (the message says what to install); 3 some runs of a batch "
           "failed (the others are kept; the message says where the failures are listed); "
           "130 interrupted.",
    pretty_exceptions_enable=False,
    no_args_is_help=True,
    add_completion=False,
)
out_console = Console()
err_console = Console(stderr=True)

# --- messages: the thuisplus logger ---------------------------------------------------------
#: Messages that are not results (notes, warnings) go here; -v/-q set its level.
log = logging.getLogger("thuisplus")


#: The prefix (and its style) of a message at a level; none below WARNING.
_PREFIX = {logging.WARNING: ("warning: ", "yellow"), logging.ERROR: ("error: ", "bold red"),
           logging.CRITICAL: ("error: ", "bold red")}


class ConsoleHandler(logging.Handler):
    """Log records on stderr (the stderr of the moment: test runners swap it), one a line."""

    def emit(self, record: logging.LogRecord) -> None:
        """Print the record, prefixed by 'warning: ' or 'error: ' at those levels."""
        try:
            prefix, style = _PREFIX.get(record.levelno, ("", ""))
            text = Text(prefix, style=style) + Text(self.format(record),
                                                    style="dim" if record.levelno < logging.INFO
                                                    else "")
            err_console.print(text, highlight=False, soft_wrap=True)
        except Exception:  # pragma: no cover - logging must never raise
            self.handleError(record)


def log_level(verbose: int = 0, quiet: bool = False) -> int:
    """The logger's level for ``-v`` given ``verbose`` times, or ``-q``.

    WARNING without either; -v INFO (notes on what is being done), -vv DEBUG; -q ERROR
    (only errors; progress bars are hidden too).
    """
    if quiet:
        return logging.ERROR
    return {0: logging.WARNING, 1: logging.INFO}.get(verbose, logging.DEBUG)


def configure_logging(level: int) -> None:
    """Give the ``thuisplus`` logger ``level`` and one stderr handler (once per process)."""
    log.setLevel(level)
    if not any(isinstance(h, ConsoleHandler) for h in log.handlers):
        log.addHandler(ConsoleHandler())
    log.propagate = False  # the command's own messages, once, whatever the root logger does


def _quiet() -> bool:
    """-q: no progress bars either."""
    return log.getEffectiveLevel() > logging.WARNING


def _print_version(value: bool) -> None:
    if value:
        from importlib.metadata import PackageNotFoundError, version

        try:
            v = version("thuisplus")
        except PackageNotFoundError:  # pragma: no cover - a checkout not installed
            v = "unknown (not installed)"
        out_console.print(f"thuisplus {v}")
        raise typer.Exit()


@app.callback()
def _options(
    version: Annotated[bool, typer.Option(
        "--version", callback=_print_version, is_eager=True,
        help="Print the version and exit.")] = False,
    verbose: Annotated[int, typer.Option(
        "--verbose", "-v", count=True,
        help="More messages on stderr: -v notes on what is done (INFO), -vv debugging "
             "(DEBUG). Give it before the command: thuisplus -v simulate.")] = 0,
    quiet: Annotated[bool, typer.Option(
        "--quiet", "-q", show_default=OFF,
        help="Only errors on stderr: no warnings, notes or progress bars.")] = False,
) -> None:
    """Agent-based simulator of Rotterdam's Thuisplusflats (Wmo, Zvw and Wlz care use)."""
    if quiet and verbose:
        err_console.print(Text("error: ", style="bold red")
                          + Text("--quiet and --verbose contradict each other: give one"))
        raise typer.Exit(EXIT_BAD_INPUT)
    configure_logging(log_level(verbose, quiet))


# --- errors and results ---------------------------------------------------------------------
class InputError(ValueError):
    """A command-line input that is not a parameter value (paths, options)."""


@contextlib.contextmanager
def user_errors() -> Iterator[None]:
    """Turn input errors (and a missing extra) into a clear message on stderr and exit 2."""
    from thuisplus.experiments.export import CsvDialectError
    from thuisplus.experiments.spec import SpecError
    from thuisplus.experiments.store import CodeMismatch
    from thuisplus.extras import MissingExtra
    from thuisplus.sim.params import ParameterError

    try:
        yield
    except (ParameterError, InputError, SpecError, CodeMismatch, MissingExtra,
            CsvDialectError) as exc:
        text = exc.format() if isinstance(exc, ParameterError) else str(exc)
        err_console.print(Text("error: ", style="bold red") + Text(text), highlight=False,
                          soft_wrap=True)
        raise typer.Exit(EXIT_BAD_INPUT) from None


def require_extra(extra: str, *, modules: list[str] | None = None,
                  what: str | None = None) -> None:
    """Exit 2 with what to install unless the optional dependencies of ``extra`` are there.

    The check (:func:`thuisplus.extras.require`) looks for the modules without importing
    them, and imports nothing heavy itself: call it first thing in a command.
    """
    from thuisplus.extras import MissingExtra, require

    try:
        require(extra, modules=modules, what=what)
    except MissingExtra as exc:
        err_console.print(Text("error: ", style="bold red") + Text(str(exc)), highlight=False,
                          soft_wrap=True)
        raise typer.Exit(EXIT_BAD_INPUT) from None


def jsonable(x: Any) -> Any:
    """``x`` as plain JSON values: tables as lists of records, NaN and infinities as null.

    Knows dicts, sequences, numbers (numpy's too), paths, dates, pandas frames and series;
    anything else becomes its ``str``.
    """
    if x is None or isinstance(x, (str, bool, int)):
        return x
    if isinstance(x, float):
        return x if math.isfinite(x) else None
    if isinstance(x, dict):
        return {str(k): jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple, set, frozenset)):
        return [jsonable(v) for v in x]
    if isinstance(x, Path):
        return str(x)
    if hasattr(x, "columns") and hasattr(x, "to_dict"):  # a DataFrame
        return jsonable(x.to_dict(orient="records"))
    if hasattr(x, "to_dict"):  # a Series
        return jsonable(x.to_dict())
    if hasattr(x, "tolist"):  # numpy scalars and arrays
        return jsonable(x.tolist())
    if hasattr(x, "isoformat"):
        try:
            return x.isoformat()
        except ValueError:  # NaT
            return None
    return str(x)


def emit_json(data: Any) -> None:
    """Print ``data`` on stdout as one JSON document (:func:`jsonable`), and nothing else."""
    sys.stdout.write(json.dumps(jsonable(data), indent=2) + "\n")
    sys.stdout.flush()


def runs_failed(failed: int, total: int, listed: Path | str, what: str = "runs",
                kept: str = "") -> NoReturn:
    """Say how many runs failed and where they are listed; exit 3 (the rest is kept)."""
    err_console.print(Text(f"{failed} of {total} {what} failed", style="red")
                      + Text(f": listed in {listed}" + (f"; {kept}" if kept else "")),
                      highlight=False, soft_wrap=True)
    raise typer.Exit(EXIT_RUNS_FAILED)


def engine_ready() -> None:
    """Compile the engine first if this code version never was, and say so.

    Compiling happens once per code version (minutes); without this a first command
    would seem to hang, and a batch's workers would each compile it.
    """
    from thuisplus.sim.model import compile_engine, engine_is_compiled

    if engine_is_compiled():
        log.debug("the simulation engine is compiled for this code version")
        return
    log.warning("compiling the simulation engine for this code version (once; about "
                "5 minutes on 2 cores) ...")
    seconds = compile_engine()
    log.info(f"engine compiled in {seconds:.0f} s; later runs load it from the cache")


# --- parameters -----------------------------------------------------------------------------
def build_parameters(params_file: Path | None, overrides: list[str] | None,
                     preset: str | None = None) -> Parameters:
    """Defaults, then a TOML file, then a preset, then ``--set key=value`` overrides.

    :func:`thuisplus.sim.presets.build_parameters`, with the sources named in the log.
    """
    from thuisplus.sim.presets import build_parameters as build

    params = build(params_file, preset, overrides or ())
    log.info("parameters: " + " + ".join(
        ["defaults"] + ([str(params_file)] if params_file else [])
        + ([f"preset {preset}"] if preset else [])
        + ([f"{len(overrides)} --set override(s)"] if overrides else [])))
    return params


ParamsOpt = Annotated[
    Path | None,
    typer.Option("--params", "-p", show_default="the model's defaults",
                 help="TOML parameter file (see `thuisplus params --write`)."),
]
PresetOpt = Annotated[
    str | None,
    typer.Option("--preset", show_default="none",
                 help="A shipped preset (see `thuisplus presets`)."),
]
SetOpt = Annotated[
    list[str] | None,
    typer.Option("--set", "-s", show_default="none",
                 help="Override one parameter: KEY=VALUE (repeatable)."),
]
JsonOpt = Annotated[bool, typer.Option(
    "--json", show_default=OFF,
    help="Print the results as one JSON document on stdout (messages go to stderr).")]
XlsxOpt = Annotated[bool, typer.Option(
    "--xlsx", show_default=OFF,
    help="Also write a workbook for spreadsheet users (OUT/report.xlsx; the business case: "
         "business_case.xlsx): read-me, assumptions with sources, stakeholders, cash flows "
         "per year, the PSA.")]
CsvDialectOpt = Annotated[str, typer.Option(
    "--csv-dialect",
    help="The CSV tables' format: 'international' (comma, decimal point), "
         "'international-excel' (the same with a byte-order mark for Excel) or 'nl' "
         "(semicolon, decimal comma: opens in a Dutch-locale Excel).")]


def _export_options(xlsx: bool, csv_dialect: str) -> dict[str, Any]:
    """The report writers' export keywords; an unknown dialect is an input error (exit 2)."""
    from thuisplus.experiments.export import csv_dialect as known

    known(csv_dialect)
    return {"xlsx": True if xlsx else None, "csv_dialect": csv_dialect}


# --- one complex, a pair, the contract, the business case -----------------------------------
def _simulate(params: Parameters, weeks: int | None, seed: int, out: Path | None,
              panel: bool) -> dict[str, Any]:
    from thuisplus.sim.model import ThuisplusModel
    from thuisplus.sim.params import save_parameters
    from thuisplus.sim.summary import summarise

    engine_ready()
    t0 = time.perf_counter()
    model = ThuisplusModel(params, seed=seed, panel=panel)
    model.run(weeks)
    elapsed = time.perf_counter() - t0
    weekly = model.weekly()
    summary = {"seed": seed, **summarise(weekly), "elapsed_seconds": round(elapsed, 3)}
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        weekly.to_parquet(out / "weekly.parquet", index=False)
        if panel:
            model.panel().to_parquet(out / "panel.parquet", index=False)
        (out / "summary.json").write_text(json.dumps(summary, indent=2), encoding="utf-8")
        save_parameters(params, out / "params.toml")
        from thuisplus.experiments.plots import plot_run

        plot_run(weekly, out / "weekly.png", f"One run, seed {seed}")
    return summary


def _print_summary(summary: dict[str, Any], out: Path | None) -> None:
    t = Table(title=f"Simulation {summary['start_date']} – {summary['end_date']} "
                    f"({summary['weeks']} weeks, seed {summary['seed']})")
    t.add_column("figure")
    t.add_column("value", justify="right")
    rows = [
        ("residents at start / end",
         f"{summary['residents_start']:.0f} / {summary['residents_end']:.0f}"),
        ("moved in / died / to nursing home / moved out",
         f"{summary['inflow']:.0f} / {summary['deaths']:.0f} / {summary['admissions']:.0f} / "
         f"{summary['moves_out']:.0f}"),
        ("mortality per 100 residents per year", f"{summary['mortality_per_100_per_year']:.1f}"),
        ("nursing-home admissions per 100 per year",
         f"{summary['nh_admissions_per_100_per_year']:.1f}"),
        ("share of residents with Wmo support", f"{summary['wmo_share']:.0%}"),
        ("Wmo cost per client per week (€)", f"{summary['wmo_cost_per_client_week'] or 0:.0f}"),
        ("severely lonely (DJG >= 9)", f"{summary['severely_lonely_share']:.1%}"),
        ("frail", f"{summary['frail_share']:.1%}"),
        ("informal carers overburdened", f"{summary['carers_overburdened_share']:.1%}"),
        ("unmet care hours per week", f"{summary['unmet_care_hours_per_week']:.1f}"),
    ]
    for law, total in summary["cost_per_law_total"].items():
        rows.append((f"{law.capitalize()} cost, whole run (€)", f"{total:,.0f}"))
    for r in rows:
        t.add_row(*r)
    out_console.print(t)
    if out is not None:
        out_console.print(f"wrote {out / 'weekly.parquet'}, {out / 'summary.json'}, "
                          f"{out / 'params.toml'}, {out / 'weekly.png'}")


@app.command()
def simulate(
    weeks: Annotated[int | None, typer.Option(min=1, max=5200, show_default=WEEKS_DEFAULT,
                                              help="Weeks to simulate.")] = None,
    seed: Annotated[int, typer.Option(min=0, help="Random seed.")] = 1,
    out: Annotated[Path | None, typer.Option(
        show_default="no files, only the summary",
        help="Folder for weekly.parquet, summary.json, params.toml and weekly.png.")] = None,
    params: ParamsOpt = None,
    preset: PresetOpt = None,
    set_: SetOpt = None,
    baseline: Annotated[bool, typer.Option(
        "--baseline", show_default=OFF,
        help="Simulate the complex without the Thuisplusflat.")] = False,
    panel: Annotated[bool, typer.Option(help="Also write a per-resident weekly panel.")] = False,
    json_out: Annotated[bool, typer.Option(
        "--json", show_default=OFF,
        help="Print the summary as JSON on stdout (the files are written all the same).")
                        ] = False,
) -> None:
    """Simulate one complex (a Thuisplusflat unless --baseline) and print a summary."""
    with user_errors():
        p = build_parameters(params, set_, preset)
        if baseline:
            p = p.baseline()
        summary = _simulate(p, weeks, seed, out, panel)
    if json_out:
        emit_json(summary)
    else:
        _print_summary(summary, out)


@app.command()
def pair(
    seed: Annotated[int, typer.Option(min=0, help="Random seed shared by both arms.")] = 1,
    weeks: Annotated[int | None, typer.Option(min=1, max=5200, show_default=WEEKS_DEFAULT,
                                              help="Weeks to simulate.")] = None,
    preset: PresetOpt = None,
    params: ParamsOpt = None,
    set_: SetOpt = None,
    out: Annotated[Path | None, typer.Option(
        show_default="no files, only the table",
        help="Folder for avoided.parquet, the person ledger (ledger.parquet: person × "
             "year, both arms and avoided) and both arms' weekly tables.")] = None,
    draws: Annotated[str, typer.Option(
        help="Engine: 'streams' (the reference) or 'keyed' (faster, statistically "
             "equivalent, other numbers; docs/dev/engine.md).")] = "streams",
    json_out: Annotated[bool, typer.Option(
        "--json", show_default=OFF,
        help="Print every outcome of the pair as JSON (thuisplus.sim.evaluate's dict: "
             "thuisplus.sim.EVALUATE_OUTCOMES).")] = False,
) -> None:
    """Run the baseline and the Thuisplusflat on the same random numbers; print avoided €."""
    from thuisplus.sim.model import DRAWS
    from thuisplus.sim.pair import avoided_per_law, run_pair
    from thuisplus.sim.params import save_parameters

    with user_errors():
        if draws not in DRAWS:
            hint = difflib.get_close_matches(draws, DRAWS, n=1)
            raise InputError(f"--draws {draws!r}: allowed: {', '.join(DRAWS)}"
                             + (f" (did you mean {hint[0]!r}?)" if hint else ""))
        p = build_parameters(params, set_, preset)
    engine_ready()
    with user_errors():
        result = run_pair(p, seed=seed, weeks=weeks, draws=draws)
    avoided = result.avoided
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        avoided.to_parquet(out / "avoided.parquet", index=False)
        result.ledger().to_parquet(out / "ledger.parquet", index=False)
        result.baseline.weekly().to_parquet(out / "baseline_weekly.parquet", index=False)
        result.thuisplus.weekly().to_parquet(out / "thuisplus_weekly.parquet", index=False)
        save_parameters(p, out / "params.toml")
        from thuisplus.experiments.plots import plot_pair

        plot_pair(result.baseline.weekly(), result.thuisplus.weekly(), out / "pair.png",
                  f"Baseline vs Thuisplusflat, seed {seed}" + (f", {preset}" if preset else ""))
    if json_out:  # the files above are written all the same
        emit_json(result.outcomes())
        return
    per_law = avoided_per_law(avoided)
    t = Table(title=f"Avoided care cost (€, baseline − Thuisplusflat), seed {seed}"
                    + (f", preset {preset}" if preset else "")
                    + (f", {draws} draws" if draws != "streams" else ""))
    t.add_column("year")
    for col in ("Wmo", "Zvw", "Wlz", "total"):
        t.add_column(col, justify="right")

    def euros(x: float) -> str:
        return f"{round(x) + 0:,.0f}"  # no "-0"

    laws = ("wmo", "zvw", "wlz", "total")
    # the years after the last person followed has died are all zero: one row for them
    live = per_law[(per_law[list(laws)].abs() > 0.5).any(axis=1)]
    last = int(live.index.max()) if len(live) else int(per_law.index.min())
    for year, row in per_law.loc[:last].iterrows():
        t.add_row(str(year), *(euros(row[c]) for c in laws))
    if per_law.index.max() > last:
        t.add_row(f"{last + 1}-{per_law.index.max()}", *("0" for _ in laws), style="dim")
    total = per_law.sum()
    t.add_row("all", *(euros(total[c]) for c in laws), style="bold")
    out_console.print(t)
    from thuisplus.sim.model import horizon_weeks

    ran = result.thuisplus.week
    weeks_programme = min(p.simulation.weeks, ran)  # the complex's figures: the programme's
    tw = result.thuisplus.weekly().iloc[:weeks_programme]
    bw = result.baseline.weekly().iloc[:weeks_programme]
    span = (f"over their lives (the programme's {p.simulation.weeks} weeks and "
            f"{p.simulation.follow_up_years} years of follow-up)" if ran >= horizon_weeks(p)
            else f"over the first {ran} weeks only (not their lives: --weeks is shorter than "
                 f"the programme and the follow-up, {horizon_weeks(p)} weeks)")
    out_console.print(
        f"Avoided care of every person who lived in the complex, {span}. At week "
        f"{weeks_programme} the preferred provider has "
        f"{tw['wmo_clients_preferred'].iloc[-1]:.0f} Wmo "
        f"clients (baseline {bw['wmo_clients_preferred'].iloc[-1]:.0f}); severely lonely "
        f"during the programme {tw['severely_lonely_share'].mean():.1%} (baseline "
        f"{bw['severely_lonely_share'].mean():.1%}). One seed is one draw: use replications "
        f"for intervals.")
    if out is not None:
        out_console.print(f"wrote {out}/avoided.parquet, baseline_weekly.parquet, "
                          "thuisplus_weekly.parquet, params.toml, pair.png")


@app.command()
def contract(
    clients: Annotated[float, typer.Option(min=0, max=10_000,
                                           help="Wmo clients of the preferred provider.")
                       ] = 100,
    year: Annotated[int | None, typer.Option(min=2000, max=2100,
                                             show_default="money.contract_year",
                                             help="First year.")] = None,
    years: Annotated[int, typer.Option(min=1, max=50, help="Number of years to show.")] = 3,
    params: ParamsOpt = None,
    preset: PresetOpt = None,
    set_: SetOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """The contract arithmetic for one flat: plus, regular Wmo and variable contract size."""
    from thuisplus.sim.business_case import contract_arithmetic

    with user_errors():
        p = build_parameters(params, set_, preset)
    first = p.money.contract_year if year is None else year
    rows = [contract_arithmetic(clients, y, p) for y in range(first, first + years)]
    if json_out:
        emit_json({"clients": clients, "start_amount": p.money.start_amount,
                   "years": [r.as_dict() for r in rows]})
        return
    t = Table(title=f"Contract arithmetic for one flat at {clients:g} Wmo clients (€ per year)")
    for col in ("year", "plus / client / week", "plus income", "regular Wmo",
                "variable contract", "team run", "team cost", "plus − team"):
        t.add_column(col, justify="right")
    for r in rows:
        t.add_row(str(r.year), f"{r.plus_per_client_week:.2f}", f"{r.plus_income:,.0f}",
                  f"{r.regular_wmo_income:,.0f}", f"{r.variable_contract:,.0f}",
                  f"{r.team_share:.0%}", f"{r.team_cost:,.0f}", f"{r.plus_minus_team:,.0f}")
    out_console.print(t)
    out_console.print(f"one-time start amount: € {p.money.start_amount:,.0f}; the plus was "
                      f"sized for {p.money.coordinator_fte:g} FTE coordinator, "
                      f"{p.money.activities_fte:g} FTE activities and "
                      f"{p.thuisplus.informal_support.support_fte:g} FTE carer support "
                      "(EVAL §2); below the target volume a provider paid per client runs "
                      "part of that team (at least thuisplus.contract.min_team_share).")



@app.command("business-case")
def business_case(
    preset: Annotated[str | None, typer.Option(
        "--preset", help="A shipped preset (see `thuisplus presets`).")] = "contract-2021",
    replications: Annotated[int, typer.Option(min=1, max=10_000,
                                              help="Paired replications.")] = 20,
    seed: Annotated[int, typer.Option(min=0, help="Seed the replications derive from.")] = 1,
    params: ParamsOpt = None,
    set_: SetOpt = None,
    out: Annotated[Path, typer.Option(help="Output folder.")] = Path("results/business_case"),
    xlsx: XlsxOpt = False,
    csv_dialect: CsvDialectOpt = "international",
    json_out: JsonOpt = False,
) -> None:
    """Costs and benefits per stakeholder over paired replications; tables, plots, report."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    from thuisplus.experiments.business_case_report import run_business_case, write_report

    with user_errors():
        p = build_parameters(params, set_, preset)
        export = _export_options(xlsx, csv_dialect)
    engine_ready()
    with Progress(TextColumn("pairs"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
                  TimeRemainingColumn(), console=err_console, disable=_quiet()) as bar, \
            user_errors():  # every pair failed on a parameter: the first one's message
        task = bar.add_task("pairs", total=replications)
        bc = run_business_case(p, replications, seed,
                               progress=lambda _s, done, _t, _f: bar.update(task, completed=done))
    paths = write_report(bc, out, preset or "custom parameters", **export)
    if bc.failures:
        import pandas as pd

        from thuisplus.experiments.export import write_csv

        paths["failures"] = out / "failures.csv"
        write_csv(pd.DataFrame(bc.failures), paths["failures"], csv_dialect)
    st = bc.stakeholders()
    v = bc.views()
    if json_out:
        emit_json({"preset": preset, "replications": replications, "seed": seed,
                   "price_year": p.costs.price_year, "discounting": p.money.discounting,
                   "nursing_home_view": p.money.nursing_home_view, "views": v,
                   "stakeholders": st, "out": out, "files": paths,
                   "failed": len(bc.failures)})
        if bc.failures:
            runs_failed(len(bc.failures), replications, paths["failures"], what="pairs",
                        kept="the figures are over the pairs that finished")
        return
    t = Table(title=f"Business case, {replications} pairs ({preset or 'custom'}), € PV")
    t.add_column("stakeholder")
    for col in ("pays", "gains", "net (90% interval)"):
        t.add_column(col, justify="right")
    for s in st["stakeholder"].unique():
        sub = st[st["stakeholder"] == s].set_index("measure")
        if s == "society":
            net = sub.loc["npv"]
            pays, gains = sub.loc["pv_costs", "mean"], sub.loc["pv_benefits", "mean"]
        elif s == "residents and carers":
            continue
        else:
            net = sub.loc["net"]
            pays, gains = sub.loc["pays", "mean"], sub.loc["gains", "mean"]
        t.add_row(s.replace("_", " "), f"{pays:,.0f}", f"{gains:,.0f}",
                  f"{net['mean']:,.0f} ({net['p5']:,.0f} – {net['p95']:,.0f})")
    out_console.print(t)
    out_console.print(
        f"Constant {p.costs.price_year} prices, discounting '{p.money.discounting}'. "
        f"Headline: the {p.money.nursing_home_view} view of freed nursing-home places. "
        + "; ".join(f"{name} view: NPV € {r['npv']:,.0f}, benefit-cost ratio "
                    f"{r['benefit_cost_ratio']:.2f}, care office € {r['net_care_office']:,.0f}"
                    for name, r in v.items()) + ".")
    out_console.print(f"wrote {', '.join(str(v) for v in paths.values())}")
    if bc.failures:
        runs_failed(len(bc.failures), replications, paths["failures"], what="pairs",
                    kept="the figures are over the pairs that finished")


@app.command()
def presets(json_out: JsonOpt = False) -> None:
    """List the shipped presets, one line each."""
    from thuisplus.sim.presets import list_presets

    found = list_presets()
    if json_out:
        emit_json(found)
        return
    t = Table(title="Presets (use with --preset NAME)")
    t.add_column("name", style="bold", no_wrap=True)
    t.add_column("what it sets")
    for name, text in found.items():
        t.add_row(name, text)
    out_console.print(t)


@app.command("params")
def params_cmd(
    show: Annotated[bool, typer.Option(
        "--show", show_default="on unless --write, --markdown or --json is given",
        help="Print every parameter as a table.")] = False,
    write: Annotated[Path | None, typer.Option(
        show_default="none", help="Write all parameters to a TOML file.")] = None,
    markdown: Annotated[Path | None, typer.Option(
        show_default="none", help="Write the parameter reference (Markdown).")] = None,
    json_out: Annotated[bool, typer.Option(
        "--json", show_default=OFF,
        help="Print every parameter as JSON (value, unit, range, kind, prior with "
             "its 90% interval, group, evidence, source) for scripts.")] = False,
    kind: Annotated[str | None, typer.Option(
        show_default="every kind",
        help="Only parameters of this kind: uncertainty, lever or constant.")] = None,
    params: ParamsOpt = None,
    preset: PresetOpt = None,
    set_: SetOpt = None,
) -> None:
    """Show, write or document the parameter tree (value, unit, range, kind, prior, source)."""
    from thuisplus.sim.param_base import KINDS
    from thuisplus.sim.params import parameter_table, parameters_markdown, save_parameters

    with user_errors():
        p = build_parameters(params, set_, preset)
        if kind is not None and kind not in KINDS:
            close = difflib.get_close_matches(kind, KINDS, n=1)
            raise InputError(f"--kind {kind!r}: not a kind of parameter"
                             + (f"; did you mean {close[0]!r}?" if close else "")
                             + f"; allowed: {', '.join(KINDS)}")
    rows = [r for r in parameter_table(p) if kind is None or r["kind"] == kind]
    # with --json the files are written all the same, and said so on stderr
    wrote = (lambda msg: log.info(msg)) if json_out else out_console.print
    if write:
        save_parameters(p, write)
        wrote(f"wrote {write}")
    if markdown:
        markdown.write_text(parameters_markdown(p), encoding="utf-8")
        wrote(f"wrote {markdown}")
    if json_out:
        emit_json([{**{k: v for k, v in r.items() if k not in ("prior", "prior_spec")},
                    "prior": r["prior_spec"]} for r in rows])
        return
    if show or not (write or markdown):
        t = Table(title="Thuisplusflat parameters", show_lines=False)
        t.add_column("key", style="bold", no_wrap=True)
        t.add_column("value", style="cyan", no_wrap=True)
        t.add_column("range (unit)", overflow="fold", max_width=40)
        t.add_column("kind", no_wrap=True)
        t.add_column("prior", overflow="fold", max_width=28)
        t.add_column("source", style="dim", overflow="fold", min_width=30)
        for row in rows:
            t.add_row(row["key"], row["value"], row["range"], row["kind"], row["prior"],
                      row["source"])
        Console(width=max(out_console.width, 150)).print(t)


# --- batch experiments ----------------------------------------------------------------------
ExecutorOpt = Annotated[str, typer.Option(
    "--executor", "-e", help="Where runs are computed: local (processes), dask (the "
                             "thuisplus\\[dask] extra) or serial.")]
WorkersOpt = Annotated[int | None, typer.Option(
    min=1, max=1024, show_default="all cores",
    help="Local worker processes (or LocalCluster workers).")]
SchedulerOpt = Annotated[str | None, typer.Option(
    show_default="a LocalCluster on this machine",
    help="Dask scheduler address, e.g. tcp://host:8786 (with --executor dask).")]
ResumeOpt = Annotated[bool, typer.Option(
    "--resume", show_default=OFF,
    help="Finish an interrupted experiment in --out: skip finished runs, retry failed ones.")]
ReplicationsOpt = Annotated[int | None, typer.Option(
    min=1, max=1_000_000, show_default="the spec's",
    help="Override the spec's number of replications.")]
SpecParamsOpt = Annotated[Path | None, typer.Option(
    "--params", "-p", show_default="the spec's",
    help="TOML parameter file the scenarios start from (see `thuisplus params --write`).")]
OutOpt = Annotated[Path | None, typer.Option(
    show_default="results/NAME, NAME the spec's name", help="Output folder.")]
AllowCodeOpt = Annotated[bool, typer.Option(
    "--allow-code", show_default=OFF,
    help="Let the spec's `model` name code outside the project's models (it runs on every "
         "worker: trust the spec like code).")]
AllowMixedOpt = Annotated[bool, typer.Option(
    "--allow-mixed", show_default=OFF,
    help="With --resume: accept runs computed by other code (another version, or workers "
         "with other code); recorded in the manifest.")]


def _load_experiment(spec: str, replications: int | None, params: Path | None,
                     allow_code: bool = False):
    from thuisplus.experiments.spec import TRUSTED_MODEL_MODULES, Experiment

    exp = Experiment.from_toml(spec, allow_code=allow_code)  # a file or a shipped name
    for warning in exp.warnings:
        log.warning(warning)
    if ":" in exp.spec.model and exp.spec.model.partition(":")[0] not in TRUSTED_MODEL_MODULES:
        log.warning(f"{spec} names code to run on every worker ({exp.spec.model}); "
                    "--allow-code trusts it")
    changes: dict[str, Any] = {}
    if replications is not None:
        changes["replications"] = replications
    if params is not None:
        if not params.is_file():
            raise InputError(f"--params {params}: no such file")
        changes["params"] = str(params.resolve())
    return exp.with_changes(**changes) if changes else exp


def _check_executor(executor: str, scheduler: str | None) -> None:
    """--executor must be known and installed, and --scheduler goes with --executor dask."""
    from thuisplus.experiments.executors import EXECUTORS
    from thuisplus.extras import require

    if executor not in EXECUTORS:
        raise InputError(f"--executor {executor!r}: allowed are {', '.join(EXECUTORS)}")
    if scheduler and executor != "dask":
        raise InputError(f"--scheduler {scheduler!r} needs --executor dask")
    if executor == "dask":
        require("dask")  # MissingExtra: user_errors says what to install, exit 2


def _run_batch(exp, out: Path, workers: int | None, executor: str, scheduler: str | None,
               resume: bool, allow_mixed: bool = False):
    """Run an experiment with a progress bar; exit 130 on Ctrl-C with what is saved."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    from thuisplus.experiments.runner import run_experiment

    _check_executor(executor, scheduler)
    engine_ready()
    log.info(f"{exp.name}: {exp.n_runs} runs on the {executor} executor into {out}"
             + (" (resuming)" if resume else ""))
    columns = (TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
               TextColumn("runs · [red]{task.fields[failed]} failed[/red]"),
               TimeElapsedColumn(), TextColumn("left"), TimeRemainingColumn())
    with Progress(*columns, console=err_console, transient=False, disable=_quiet()) as bar:
        task = bar.add_task(exp.name, total=exp.n_runs, failed=0)

        def progress(stage: str, done: int, total: int, failed: int) -> None:
            bar.update(task, completed=done + failed, failed=failed)

        try:
            result = run_experiment(exp, out, workers=workers, executor=executor,
                                    scheduler=scheduler, resume=resume, progress=progress,
                                    allow_mixed=allow_mixed)
        except KeyboardInterrupt:
            bar.stop()
            from thuisplus.experiments.store import load_manifest

            c = load_manifest(out)["counts"]
            err_console.print(f"interrupted: {c['done']} of {c['runs']} runs are saved in "
                              f"{out}; finish with --resume")
            raise typer.Exit(EXIT_INTERRUPTED) from None
        except ConnectionError as exc:
            raise InputError(str(exc)) from None
        except OSError as exc:  # disk full, folder gone: not bad input, but no traceback
            bar.stop()
            err_console.print(f"error: cannot write results to {out}: {exc}; the runs "
                              "finished before it are kept: fix it and --resume")
            raise typer.Exit(1) from None
    for line in result.damaged:
        log.warning(f"damaged: {line}")
    msg = (f"{result.done} of {result.total} runs done ({result.skipped} from before, "
           f"{result.ran} now) in {result.seconds:.0f} s on {result.workers} "
           f"{result.executor} worker(s)")
    if result.failed:
        msg += f"; [red]{result.failed} failed[/red]: see {out / 'failures.parquet'}"
    if not _quiet():
        err_console.print(msg)
    return result


def _runs(result: Any) -> dict[str, Any]:
    """The counts of a batch (a RunSummary) for --json."""
    return {"total": result.total, "done": result.done, "failed": result.failed,
            "skipped": result.skipped, "ran": result.ran, "seconds": round(result.seconds, 1),
            "executor": result.executor, "workers": result.workers}


def _batch_failed(result: Any, out: Path, kept: str = "") -> NoReturn:
    """Exit 3: some runs of the batch in ``out`` failed (listed in failures.parquet)."""
    runs_failed(result.failed, result.total, out / "failures.parquet",
                kept=kept or f"the {result.done} finished runs are kept in {out} (--resume "
                             "retries the failed ones)")


def _print_paths(paths: dict[str, Any], out: Path) -> None:
    shown = [str(Path(v).relative_to(out)) for v in paths.values()]
    out_console.print(f"wrote {out}/: {', '.join(shown)}")


@app.command()
def experiment(
    spec: Annotated[str, typer.Argument(help="Spec file (TOML) or a shipped spec name, e.g. "
                                             "funding.")],
    out: OutOpt = None,
    workers: WorkersOpt = None,
    executor: ExecutorOpt = "local",
    scheduler: SchedulerOpt = None,
    resume: ResumeOpt = False,
    replications: ReplicationsOpt = None,
    params: SpecParamsOpt = None,
    report: Annotated[bool, typer.Option(help="Write report.md, tables and plots at the end.")
                      ] = True,
    allow_mixed: AllowMixedOpt = False,
    allow_code: AllowCodeOpt = False,
    xlsx: XlsxOpt = False,
    csv_dialect: CsvDialectOpt = "international",
    json_out: JsonOpt = False,
) -> None:
    """Run an experiment spec: scenarios × design × replications, results to Parquet.

    Exit code 3 when runs failed (they are listed in failures.parquet).
    """
    from thuisplus.experiments.report import write_report

    with user_errors():
        _check_executor(executor, scheduler)
        export = _export_options(xlsx, csv_dialect)
        exp = _load_experiment(spec, replications, params, allow_code)
        out = out or Path("results") / exp.name
        result = _run_batch(exp, out, workers, executor, scheduler, resume, allow_mixed)
    paths = write_report(out, **export) if report and result.done else {}
    if json_out:
        emit_json({"experiment": exp.name, "out": out, "runs": _runs(result),
                   "failures": _failures(result, out),
                   "files": paths})
    elif paths:
        _print_paths(paths, out)
    if result.failed:
        _batch_failed(result, out)


@app.command()
def sensitivity(
    spec: Annotated[str, typer.Argument(help="Spec with a sobol or morris design (file or "
                                             "shipped name).")],
    out: OutOpt = None,
    workers: WorkersOpt = None,
    executor: ExecutorOpt = "local",
    scheduler: SchedulerOpt = None,
    resume: ResumeOpt = False,
    replications: ReplicationsOpt = None,
    params: SpecParamsOpt = None,
    allow_mixed: AllowMixedOpt = False,
    allow_code: AllowCodeOpt = False,
    xlsx: XlsxOpt = False,
    csv_dialect: CsvDialectOpt = "international",
    json_out: JsonOpt = False,
) -> None:
    """Global sensitivity analysis: run a Sobol or Morris design, print and plot indices.

    Exit code 3 when runs failed (they are listed in failures.parquet): the indices need
    every design point, so none are computed; --resume retries the failed runs.
    """
    from thuisplus.experiments.analysis import sensitivity_indices
    from thuisplus.experiments.report import write_report
    from thuisplus.experiments.store import load_results

    with user_errors():
        _check_executor(executor, scheduler)
        export = _export_options(xlsx, csv_dialect)
        exp = _load_experiment(spec, replications, params, allow_code)
        if exp.spec.design.method not in ("sobol", "morris"):
            raise InputError(f"{spec}: design method is {exp.spec.design.method!r}; "
                             "sensitivity needs 'sobol' or 'morris' (use `thuisplus "
                             "experiment` for other designs)")
        out = out or Path("results") / exp.name
        result = _run_batch(exp, out, workers, executor, scheduler, resume, allow_mixed)
    method = exp.spec.design.method
    if not result.complete:
        if json_out:
            emit_json({"experiment": exp.name, "out": out, "method": method,
                       "runs": _runs(result), "failures": out / "failures.parquet",
                       "indices": None, "files": {}})
        if result.failed:
            _batch_failed(result, out, kept=f"the {result.done} finished runs are kept in "
                          f"{out}; the indices need every design point: rerun with --resume")
        err_console.print("not all design points finished: indices need every point; "
                          "rerun with --resume")
        raise typer.Exit(1)
    ind = sensitivity_indices(exp, load_results(out))
    if json_out:
        emit_json({"experiment": exp.name, "out": out, "method": method,
                   "runs": _runs(result), "failures": None, "indices": ind,
                   "files": write_report(out, **export)})
        return
    for (scenario, outcome), g in ind.groupby(["scenario", "outcome"], sort=False):
        t = Table(title=f"{method.capitalize()} indices of {outcome} ({scenario})")
        t.add_column("parameter")
        if method == "sobol":
            t.add_column("S1 (± 90% CI)", justify="right")
            t.add_column("ST (± 90% CI)", justify="right")
            for r in g.sort_values("ST", ascending=False).itertuples():
                t.add_row(r.parameter, f"{r.S1:.3f} ± {r.S1_conf:.3f}",
                          f"{r.ST:.3f} ± {r.ST_conf:.3f}")
        else:
            t.add_column("μ* (± 90% CI)", justify="right")
            t.add_column("σ", justify="right")
            for r in g.sort_values("mu_star", ascending=False).itertuples():
                t.add_row(r.parameter, f"{r.mu_star:,.4g} ± {r.mu_star_conf:,.3g}",
                          f"{r.sigma:,.4g}")
        out_console.print(t)
    _print_paths(write_report(out, **export), out)


@app.command("report")
def report_cmd(
    folder: Annotated[Path, typer.Argument(help="An experiment's output folder.")],
    xlsx: XlsxOpt = False,
    csv_dialect: CsvDialectOpt = "international",
    json_out: JsonOpt = False,
) -> None:
    """(Re)write report.md, CSV tables and PNG plots of an experiment folder."""
    from thuisplus.experiments.report import write_report

    with user_errors():
        if not (folder / "manifest.json").is_file():
            raise InputError(f"{folder}: not an experiment folder (no manifest.json); "
                             "give the --out folder of `thuisplus experiment`")
        paths = write_report(folder, **_export_options(xlsx, csv_dialect))
    if json_out:
        emit_json({"out": folder, "files": paths})
    else:
        _print_paths(paths, folder)


@app.command()
def run(
    out: Annotated[Path, typer.Option(help="Output folder.")] = Path("results/main"),
    workers: WorkersOpt = None,
    executor: ExecutorOpt = "local",
    scheduler: SchedulerOpt = None,
    replications: ReplicationsOpt = None,
    draws: Annotated[int | None, typer.Option(
        min=2, max=100_000, show_default="the spec's, 128",
        help="Draws of the uncertainties; fewer is quicker and rougher.")] = None,
    fresh: Annotated[bool, typer.Option(
        "--fresh", show_default=OFF,
        help="Discard earlier results in --out and start again.")] = False,
    xlsx: XlsxOpt = False,
    csv_dialect: CsvDialectOpt = "international",
    json_out: JsonOpt = False,
) -> None:
    """THE main job: the probabilistic analysis of the 2021 contract and its alternatives.

    Runs the shipped spec experiments/specs/main.toml: every uncertainty drawn from its
    prior (docs/evidence.md), each contract option on each draw, Thuisplusflat vs baseline;
    prints how likely each option pays off and writes the report ("How sure are we?").
    An interrupted run continues where it stopped when started again. Exit code 3 when
    runs failed (they are listed in failures.parquet).
    """
    from thuisplus.experiments.analysis import headline
    from thuisplus.experiments.report import format_value, write_report
    from thuisplus.experiments.runner import continue_or_start
    from thuisplus.experiments.store import load_results

    with user_errors():
        _check_executor(executor, scheduler)
        export = _export_options(xlsx, csv_dialect)
        exp = _load_experiment("main", replications, None)
        if draws is not None:
            design = exp.spec.design.model_dump()
            design["samples"] = draws
            exp = exp.with_changes(design=design)
        resume = continue_or_start(out, exp, fresh=fresh)
        result = _run_batch(exp, out, workers, executor, scheduler, resume)
    df = load_results(out)
    if df.empty:
        err_console.print(f"no run finished: see {out / 'failures.parquet'}")
        raise typer.Exit(EXIT_RUNS_FAILED)
    money = exp.base_params.money if exp.base_params is not None else None
    view = money.nursing_home_view if money is not None else None
    method = exp.spec.design.method
    if method == "prior":
        res = _psa(df, exp)
        paths = write_report(out, **export)
        if json_out:
            emit_json({"experiment": exp.name, "out": out, "method": method,
                       "runs": _runs(result), "failures": _failures(result, out),
                       "draws": res.draws, "replications": res.replications,
                       "decision": res.decision, "summary": res.summary, "files": paths})
        else:
            _print_psa(res)
            _print_paths(paths, out)
        if result.failed:
            _batch_failed(result, out, kept="the analysis leaves their draws out only if "
                                             f"every option failed; the rest is in {out}")
        return
    head = headline(df, view)
    if json_out:
        emit_json({"experiment": exp.name, "out": out, "method": method,
                   "runs": _runs(result), "failures": _failures(result, out),
                   "nursing_home_view": view, "headline": head,
                   "files": write_report(out, **export)})
        if result.failed:
            _batch_failed(result, out, kept="the table leaves them out")
        return
    from thuisplus.experiments.analysis import spread_labels

    # the columns say what the figures span: a CI of the mean only over replications
    lab = spread_labels(head["over"].iloc[0], int(head["n"].max()), exp.spec.replications)
    t = Table(title=f"Thuisplusflat vs baseline: {exp.spec.description or exp.name} "
                    f"({len(df)} pairs)")
    spans = [x for x in ("ci", "range") if lab[x]]
    for col, just in (("measure", "left"), ("unit", "left"), (lab["mean"], "right"),
                      *((lab[x], "right") for x in spans)):
        t.add_column(col, justify=just)
    for r in head.itertuples():
        f = functools.partial(format_value, unit=r.unit)
        cells = {"ci": f"{f(r.ci_low)} – {f(r.ci_high)}", "range": f"{f(r.p5)} – {f(r.p95)}"}
        t.add_row(r.measure, r.unit, f(r.mean), *(cells[x] for x in spans))
    Console(width=max(out_console.width, 110)).print(t)
    out_console.print("€ PV: constant prices of costs.price_year, discounted to the first "
                      "year. A stakeholder's benefit-cost ratio is mean gains / mean pays "
                      "('—': it pays nothing)."
                      + (f" The headline values freed nursing-home places in the {view} "
                         "view; the rows 'budget view' and 'capacity view' show both."
                         if view else ""))
    _print_paths(write_report(out, **export), out)
    if result.failed:
        _batch_failed(result, out, kept="the table leaves them out")


def _failures(result: Any, out: Path) -> Path | None:
    """Where a batch's failed runs are listed, if any failed."""
    return out / "failures.parquet" if result.failed else None


def _psa(df: Any, exp: Any) -> Any:
    """The PSA of the main job's results (without the value of information: the report's)."""
    from thuisplus.experiments.psa import analyse_psa

    return analyse_psa(df, options=list(exp.scenarios), voi=False)


def _print_psa(res: Any) -> None:
    """The PSA's answer on the console: each option's chance to pay off, and for whom."""
    from thuisplus.experiments.psa import HEADLINE_OUTCOMES, NOTHING, eur, pct

    t = Table(title=f"How sure are we? {res.draws} draws of the uncertainties × "
                    f"{res.replications} seed(s), per complex")
    for col in ("option", "expected society NPV", "90% of draws", "P(NPV > 0)",
                "P(best option)"):
        t.add_column(col, justify="left" if col == "option" else "right")
    s = res.summary.set_index(["option", "outcome"])
    for r in res.decision.itertuples():
        if r.option == NOTHING:
            t.add_row(r.option, "€0", "", "", pct(r.p_best))
            continue
        npv = s.loc[(r.option, "npv")]
        t.add_row(r.option, eur(r.expected), f"{eur(npv['p05'])} to {eur(npv['p95'])}",
                  pct(r.p_positive), pct(r.p_best))
    Console(width=max(out_console.width, 110)).print(t)
    main = res.options[0]
    t2 = Table(title=f"Who gains under {main}: P(net > 0) over the draws")
    t2.add_column("stakeholder")
    t2.add_column("mean", justify="right")
    t2.add_column("90% of draws", justify="right")
    t2.add_column("P(gains)", justify="right")
    for key, name in HEADLINE_OUTCOMES.items():
        if key.startswith("net_") and (main, key) in s.index:
            r = s.loc[(main, key)]
            t2.add_row(name.removesuffix(" (€)"), eur(r["mean"]),
                       f"{eur(r['p05'])} to {eur(r['p95'])}", pct(r["p_positive"]))
    Console(width=max(out_console.width, 110)).print(t2)
    out_console.print("€ PV per complex: constant prices, discounted 2.25%; the capacity "
                      "view of freed nursing-home places. The report adds the value of "
                      "information (which evidence gap to close first) and the plots.")


# --- calibration ----------------------------------------------------------------------------
@app.command()
def calibrate(
    data: Annotated[Path | None, typer.Option(
        show_default="the shipped calibration/data/evaluation.csv",
        help="Evaluation data (CSV; docs/calibration-data.md).")] = None,
    config: Annotated[str, typer.Option(
        help="Calibration config (TOML), or the name of a shipped one.")] = "contract-2021",
    complexes: Annotated[Path | None, typer.Option(
        show_default="complexes.csv beside --data, if there",
        help="Complex table (CSV).")] = None,
    out: Annotated[Path, typer.Option(help="Output folder.")] = Path("results/calib"),
    method: Annotated[str | None, typer.Option(
        show_default="the config's",
        help="abc (ABC-SMC posterior, needs pyabc) or optuna (fast point estimate, TPE, "
             "needs optuna); both come with thuisplus\\[calibrate].")] = None,
    budget: Annotated[int | None, typer.Option(
        min=1, max=10_000_000, show_default="the config's",
        help="Evaluations to spend. Optuna stops exactly there; ABC checks it between "
             "generations, so the last generation may overshoot.")] = None,
    resume: Annotated[bool, typer.Option("--resume", show_default=OFF,
                                         help="Continue an interrupted fit.")] = False,
    workers: WorkersOpt = None,
    executor: ExecutorOpt = "local",
    scheduler: SchedulerOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Fit free parameters to evaluation data: posterior, calibrated.toml, fit report.

    Exit code 3 when some Optuna trials failed (the model gave no value for their
    parameter sets; listed in trials.parquet with distance 1e12) or every evaluation did.
    """
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

    from thuisplus.calibration.config import CalibrationConfig
    from thuisplus.calibration.data import DataError, load_evaluation
    from thuisplus.calibration.fit import run_calibration
    from thuisplus.calibration.optimize import FAILED_DISTANCE, FitFailed
    from thuisplus.extras import require_calibration

    with user_errors():
        _check_executor(executor, scheduler)
        if method is not None and method not in ("abc", "optuna"):
            raise InputError(f"--method {method!r}: allowed are abc, optuna")
        from thuisplus.calibration.data import SHIPPED_EVALUATION

        cfg = CalibrationConfig.from_toml(config)  # a file or a shipped name
        if method is not None:
            cfg = cfg.with_changes(method=method)
        # pyabc or optuna (MissingExtra, exit 2) before the user mends anything else
        require_calibration(cfg.model.method)
        data = data or SHIPPED_EVALUATION
        if complexes is None and (data.parent / "complexes.csv").is_file():
            complexes = data.parent / "complexes.csv"
        try:
            evaluation = load_evaluation(data, complexes)
        except DataError as exc:
            raise InputError(str(exc)) from None
        total = cfg.model.abc.generations if cfg.model.method == "abc" else \
            min(cfg.model.optuna.trials, budget or cfg.model.budget)
        engine_ready()
        columns = (TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                   TextColumn("{task.fields[info]}"), TimeElapsedColumn())
        with Progress(*columns, console=err_console, disable=_quiet()) as bar:
            main = bar.add_task("ABC generations" if cfg.model.method == "abc" else "trials",
                                total=total, info="")
            sub = bar.add_task("  particles", total=1, info="", visible=False)
            generation = 0

            def progress(stage: str, done: int, n: int, failed: int) -> None:
                nonlocal generation
                if stage == "generations":
                    generation = done
                    bar.update(main, completed=done)
                elif stage in ("prior sample", "particles"):
                    if done == 0:
                        label = stage if stage == "prior sample" else \
                            f"generation {generation + 1}"
                        bar.reset(sub, total=n, visible=True,
                                  description=f"  {label}: accepted")
                    else:
                        bar.update(sub, completed=done)
                elif stage == "evaluations":
                    bar.update(sub, info=f"{done} evaluations")
                elif stage == "trials":
                    bar.update(main, completed=done + failed, total=n)
                elif stage == "report" and done == 0:
                    bar.update(main, completed=bar.tasks[main].total)
                    bar.update(sub, visible=False)
                    log.info("posterior-predictive simulations for the report ...")

            try:
                result = run_calibration(cfg, evaluation, out, executor=executor,
                                         workers=workers, scheduler=scheduler, resume=resume,
                                         budget=budget, progress=progress)
            except KeyboardInterrupt:
                bar.stop()
                err_console.print(f"interrupted: finished simulations are kept in {out}; "
                                  "continue with --resume")
                raise typer.Exit(EXIT_INTERRUPTED) from None
            except FitFailed as exc:
                bar.stop()
                err_console.print(f"error: {exc}")
                raise typer.Exit(EXIT_RUNS_FAILED) from None
            except ConnectionError as exc:
                raise InputError(str(exc)) from None
    import pandas as pd

    params_table = pd.read_csv(out / "parameters.csv")
    fit = pd.read_csv(out / "fit.csv")
    bad = fit[~fit["fits"]]
    files = (["calibrated.toml"]
             + (["posterior.toml", "posterior.parquet"] if result.method == "abc"
                else ["trials.parquet"])
             + ["fit_report.md", "fit.png", "marginals.png", "convergence.png"])
    trials = result.trials
    failed = 0 if trials is None else int((trials["distance"] >= FAILED_DISTANCE).sum())
    if json_out:
        emit_json({"config": cfg.name, "method": result.method, "out": out,
                   "simulations": result.simulations, "seconds": round(result.seconds, 1),
                   "point": result.point, "parameters": params_table,
                   "observations": len(fit), "fit_badly": bad,
                   "failed_trials": failed if trials is not None else None,
                   "files": [out / f for f in files]})
    else:
        t = Table(title=f"Calibration {cfg.name} ({result.method}): {result.simulations} "
                        f"evaluations, {result.seconds:.0f} s")
        t.add_column("parameter")
        t.add_column("default", justify="right")
        t.add_column("estimate", justify="right")
        t.add_column("90% credible interval", justify="right")
        for r in params_table.itertuples():
            ci = f"{r.ci5:.3g} – {r.ci95:.3g}" if "ci5" in params_table else "—"
            t.add_row(r.parameter, f"{r.default:.3g}", f"{r.point:.3g}", ci)
        out_console.print(t)
        if len(bad):
            out_console.print(f"[yellow]{len(bad)} of {len(fit)} observations fit badly"
                              f"[/yellow] (> 2 σ): "
                              + ", ".join(f"{r.indicator} {r.date} {r.complex} (z {r.z:+.1f})"
                                          for r in bad.itertuples()))
        else:
            out_console.print(f"all {len(fit)} observations fit within 2 σ")
        out_console.print(f"wrote {out}/: {', '.join(files)}")
    if failed:
        runs_failed(failed, len(trials), out / "trials.parquet", what="trials",
                    kept=f"distance {FAILED_DISTANCE:g}: the model gave no value for their "
                         "parameter sets; the estimate is the best of the others")


# --- the dashboard --------------------------------------------------------------------------
class PageLanguage(enum.StrEnum):
    """The dashboard's languages (thuisplus.dashboard.i18n.LANGS)."""

    nl = "nl"
    en = "en"


@app.command()
def dashboard(
    params: ParamsOpt = None,
    preset: PresetOpt = None,
    set_: SetOpt = None,
    host: Annotated[str, typer.Option(
        help="Interface to bind; 127.0.0.1 keeps the page on this machine.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to serve on.")] = 8765,
    fetch_assets: Annotated[bool, typer.Option(
        "--fetch-assets", show_default=OFF,
        help="Fetch the page's front-end files (JavaScript, CSS, fonts: ~24 MB from the npm "
             "registry, hashes pinned) into the user cache and exit; needed once. "
             "THUISPLUS_ASSETS_DIR chooses another folder.")] = False,
    lang: Annotated[PageLanguage, typer.Option(
        "--lang", case_sensitive=False,
        help="The page's first language (a switch on the page changes it): nl (Dutch, "
             "Dutch number format) or en (English).")] = PageLanguage.nl,
) -> None:
    r"""Serve the policymakers' dashboard (Solara) on http://HOST:PORT.

    Needs the optional dependencies of thuisplus\[dashboard] (Solara, Mesa's visualisation)
    and, once, its front-end files (--fetch-assets).
    """
    require_extra("dashboard")
    if fetch_assets:
        from thuisplus.dashboard.assets import AssetError
        from thuisplus.dashboard.assets import fetch_assets as fetch

        try:
            folder = fetch(progress=(lambda _line: None) if _quiet() else err_console.print)
        except AssetError as exc:
            err_console.print(Text("error: ", style="bold red") + Text(str(exc)),
                              highlight=False, soft_wrap=True)
            raise typer.Exit(1) from None
        out_console.print(f"the dashboard's front-end files are complete in {folder}")
        return
    from thuisplus.dashboard import serve

    with user_errors():
        p = build_parameters(params, set_, preset)
        # a calibration's file: its posterior sample feeds the page's draws (checked
        # before the engine compiles, which can take minutes on a fresh install)
        posterior = params if params and _posterior_of(params) is not None else None
    label = str(params) if params else (preset or "default parameters")
    if host not in ("127.0.0.1", "localhost", "::1"):
        log.warning(f"--host {host} serves the dashboard beyond this machine, to anyone who "
                    "can reach the port, without a password or encryption; use it only on a "
                    "network you trust (or keep 127.0.0.1 and an SSH tunnel)")
    engine_ready()
    serve(p, host=host, port=port, label=label, lang=PageLanguage(lang).value,
          posterior=posterior)


def _posterior_of(path: Path) -> Any:
    """The ``[posterior]`` sample of parameter file ``path`` (None if it has none).

    A damaged table, or one naming a key that is not a parameter, is an input error
    (exit 2), said before the page starts rather than in its first computation.
    """
    from thuisplus.experiments.posterior import read_posterior
    from thuisplus.experiments.spec import check_parameter_keys

    try:
        sample = read_posterior(path)
    except ValueError as exc:
        raise InputError(str(exc)) from None
    if sample is not None:
        check_parameter_keys(dict.fromkeys(sample.keys), "[posterior] parameters", str(path))
    return sample


def _stop_on_signal(signum: int, frame: Any) -> None:
    """SIGTERM or SIGHUP: stop as Ctrl-C does (finished runs kept, workers stopped)."""
    raise KeyboardInterrupt


def main() -> None:
    """Console-script entry point."""
    for name in ("SIGTERM", "SIGHUP"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), _stop_on_signal)
    try:
        app()
    except KeyboardInterrupt:
        err_console.print("interrupted")
        sys.exit(EXIT_INTERRUPTED)


if __name__ == "__main__":
    main()
