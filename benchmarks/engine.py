"""Speed of the current engine against today's engine and against idiomatic Mesa, in one run.

Three engines are measured in the same invocation, interleaved seed by seed:

* the *reference* engine: the engine as of a git commit (default ``b1778e7``, the engine
  before the compiled one; the model has changed since, so the figures compare engines
  doing different amounts of work: pass a recent commit, e.g. ``--reference 4d1a4d7
  --weeks 2860``, to compare like with like), extracted with ``git archive`` into a
  temporary folder (the ``sim`` package, or since issue 16 the ``thuisplus`` namespace and
  its parts) and run in its own Python process with its own numba cache folder;
* the *current* engine: ``sim`` of this working tree (uncommitted changes included), in a
  second Python process;
* *idiomatic Mesa*: a ``mesa.Model`` with 275 trivial ``mesa.Agent``s (one uniform draw and
  one float update per step), stepped with ``agents.shuffle_do("step")``, in the current
  engine's process.

For each engine, after a warm-up that compiles the numba kernels (reported as "cold start"),
on seeds 1..R (the same seeds on both sides):

* one run: ``ThuisplusModel(Parameters().baseline(), seed=seed).run(weeks)``, wall time of
  construction plus run;
* one pair: ``run_pair(Parameters(), seed=seed, weeks=weeks)``, and separately the
  post-processing ``pair.avoided``;
* the same run and pair on the opt-in keyed engine (``draws="keyed"``), in the current
  engine's process (its numbers differ from the reference by design: no comparison of
  tables).

Measurements alternate between the two processes (reference first on odd seeds, current
first on even ones), so drift of a shared, noisy machine hits both sides alike; best and
median seconds are printed with the ratios reference / current (> 1: the current engine is
faster). The weekly table of seed 1's baseline run is compared between the two engines:
identical against a commit with the same results (the golden baseline's), else the largest
difference and the columns of one engine only are reported (results changed on purpose
since b1778e7, see CHANGELOG).

Figures are measured, never asserted.

    .venv/bin/python benchmarks/engine.py [--repeats 7] [--weeks 520] [--reference b1778e7]
                                          [--skip-reference] [--skip-keyed] [--json PATH]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parent.parent
MESA_AGENTS = 275

# The measuring process: reads one JSON command a line on stdin, answers one JSON line on
# the original stdout (anything the engine prints goes to stderr).
WORKER = r'''
import json, os, sys, time, traceback
from pathlib import Path

_reply = os.fdopen(os.dup(1), "w", buffering=1)
os.dup2(2, 1)


def answer(**kw):
    _reply.write(json.dumps(kw) + "\n")
    _reply.flush()


try:
    t0 = time.perf_counter()
    if Path("thuisplus", "__init__.py").is_file():  # the one namespace (since issue 16)
        from thuisplus import sim
        from thuisplus.sim import Parameters, ThuisplusModel, run_pair
        from thuisplus.sim import processes as _processes
    else:  # a tree from before: the engine is the top-level package sim
        import sim
        from sim import Parameters, ThuisplusModel, run_pair
        from sim import processes as _processes
    import_seconds = time.perf_counter() - t0
    import mesa
    import numba
    try:
        _jit = __import__(_processes.__name__ + "._jit", fromlist=["_jit"])
        cache_dir = str(getattr(_jit, "CACHE_DIR", None) or numba.config.CACHE_DIR)
    except ImportError:
        cache_dir = str(numba.config.CACHE_DIR)
    cache = Path(cache_dir)
    entries = len(list(cache.rglob("*.nbi"))) if cache.is_dir() else 0
except BaseException:
    answer(ok=False, error=traceback.format_exc())
    raise SystemExit(1)


import inspect

# The model's seed argument: ``seed=`` since issue 15, ``rng=`` before (b1778e7).
_SEED = "seed" if "seed" in inspect.signature(ThuisplusModel.__init__).parameters else "rng"


def model(params, seed, **kw):
    return ThuisplusModel(params, **{_SEED: seed}, **kw)


class TrivialAgent(mesa.Agent):
    def __init__(self, model):
        super().__init__(model)
        self.v = 1.0

    def step(self):
        self.v -= 0.001 * self.model.random.random()


class TrivialModel(mesa.Model):
    def __init__(self, n, rng):
        super().__init__(rng=rng)
        for _ in range(n):
            TrivialAgent(self)

    def step(self):
        self.agents.shuffle_do("step")


def op_warm(weeks):
    t0 = time.perf_counter()
    model(Parameters().baseline(), 0).run(weeks)
    t1 = time.perf_counter()
    pair = run_pair(Parameters(), seed=0, weeks=weeks)
    t2 = time.perf_counter()
    pair.avoided
    t3 = time.perf_counter()
    return {"first_run_seconds": t1 - t0, "first_pair_seconds": t2 - t1,
            "first_avoided_seconds": t3 - t2}


def op_run(seed, weeks, save=None, draws=None):
    params = Parameters().baseline()
    kw = {"draws": draws} if draws else {}
    t0 = time.perf_counter()
    m = model(params, seed, **kw).run(weeks)
    seconds = time.perf_counter() - t0
    w = m.weekly()
    out = {"seconds": seconds, "resident_weeks": float(w["residents"].sum())}
    if save:
        num = w.select_dtypes("number")
        import numpy as np
        np.save(save, num.to_numpy(dtype=float))
        out["columns"] = [str(c) for c in num.columns]
    return out


def op_pair(seed, weeks, draws=None):
    params = Parameters()
    kw = {"draws": draws} if draws else {}
    t0 = time.perf_counter()
    pair = run_pair(params, seed=seed, weeks=weeks, **kw)
    t1 = time.perf_counter()
    avoided = pair.avoided
    t2 = time.perf_counter()
    return {"seconds": t1 - t0, "avoided_seconds": t2 - t1, "avoided_rows": len(avoided)}


def op_mesa(seed, weeks, n):
    t0 = time.perf_counter()
    m = TrivialModel(n, rng=seed)
    for _ in range(weeks):
        m.step()
    seconds = time.perf_counter() - t0
    return {"seconds": seconds, "agent_steps": n * weeks, "agents": len(m.agents)}


OPS = {"warm": op_warm, "run": op_run, "pair": op_pair, "mesa": op_mesa}
answer(ok=True, file=sim.__file__, import_seconds=import_seconds, cache_dir=cache_dir,
       cache_entries=entries, mesa=mesa.__version__, numba=numba.__version__,
       python=sys.version.split()[0])
while True:
    line = sys.stdin.readline()
    if not line:
        break
    cmd = json.loads(line)
    try:
        answer(ok=True, **OPS[cmd["op"]](**cmd["args"]))
    except Exception:
        answer(ok=False, error=traceback.format_exc())
'''


class WorkerError(RuntimeError):
    pass


class Worker:
    """One measuring Python process with ``sim`` imported from ``root``."""

    def __init__(self, name: str, root: Path, env: dict[str, str], log: Path) -> None:
        self.name = name
        self.log = log
        self._err = open(log, "w", encoding="utf-8")
        self.proc = subprocess.Popen(
            [sys.executable, "-c", WORKER], cwd=root, env=env, text=True, bufsize=1,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._err)
        try:
            self.hello = self._read()
        except WorkerError:
            self.close()
            raise
        expected = (root / "sim").resolve()
        if Path(self.hello["file"]).resolve().parent != expected:
            self.close()
            raise WorkerError(f"{name}: `import sim` resolved to {self.hello['file']}, "
                              f"not {expected}")

    def _read(self) -> dict[str, Any]:
        line = self.proc.stdout.readline() if self.proc.stdout else ""
        if not line:
            self.proc.wait()
            raise WorkerError(f"{self.name} process ended (exit {self.proc.returncode}):\n"
                              f"{self.tail()}")
        reply = json.loads(line)
        if not reply.pop("ok"):
            raise WorkerError(f"{self.name}: {reply['error']}")
        return reply

    def call(self, op: str, **args: Any) -> dict[str, Any]:
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps({"op": op, "args": args}) + "\n")
        self.proc.stdin.flush()
        return self._read()

    def tail(self, lines: int = 30) -> str:
        self._err.flush()
        text = self.log.read_text(encoding="utf-8", errors="replace").splitlines()
        return "\n".join(text[-lines:])

    def close(self) -> None:
        if self.proc.stdin and not self.proc.stdin.closed:
            self.proc.stdin.close()
        try:
            self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self._err.close()


def git(*args: str) -> str:
    return subprocess.run(["git", "-C", str(REPO), *args], check=True, text=True,
                          capture_output=True).stdout.strip()


#: What a reference tree needs: the engine, and since issue 16 the namespace package that
#: makes it ``thuisplus.sim`` and the files that mark a source tree (``thuisplus._tree``).
TREE_PATHS = ("sim", "thuisplus", "experiments", "calibration", "pyproject.toml")


def extract(commit: str, dest: Path) -> None:
    """``git archive <commit> <TREE_PATHS it has> | tar -x -C dest``."""
    dest.mkdir(parents=True)
    listed = subprocess.run(["git", "-C", str(REPO), "ls-tree", "--name-only", commit],
                            capture_output=True, text=True, check=True).stdout.split()
    paths = [x for x in TREE_PATHS if x in listed]
    archive = subprocess.Popen(["git", "-C", str(REPO), "archive", commit, *paths],
                               stdout=subprocess.PIPE)
    tar = subprocess.run(["tar", "-x", "-C", str(dest)], stdin=archive.stdout)
    assert archive.stdout is not None
    archive.stdout.close()
    if archive.wait() != 0 or tar.returncode != 0:
        raise WorkerError(f"git archive {commit} sim | tar -x failed")


def summary(seconds: list[float]) -> dict[str, float]:
    return {"best": min(seconds), "median": statistics.median(seconds)}


def compare_weekly(ref: tuple[Path, list[str]], cur: tuple[Path, list[str]]) -> dict[str, Any]:
    """Largest absolute and relative difference of the numeric columns both tables have."""
    a, b = np.load(ref[0]), np.load(cur[0])
    common = [c for c in ref[1] if c in cur[1]]
    out: dict[str, Any] = {
        "rows": [len(a), len(b)], "columns_compared": len(common),
        "only_reference": [c for c in ref[1] if c not in cur[1]],
        "only_current": [c for c in cur[1] if c not in ref[1]],
    }
    if len(a) != len(b):
        out["identical"] = False
        return out
    a = a[:, [ref[1].index(c) for c in common]]
    b = b[:, [cur[1].index(c) for c in common]]
    both_nan = np.isnan(a) & np.isnan(b)
    diff = np.where(both_nan, 0.0, np.abs(a - b))
    diff = np.where(np.isnan(diff), np.inf, diff)  # NaN on one side only
    scale = np.maximum(np.abs(a), np.abs(b))
    rel = np.divide(diff, scale, out=np.where(diff > 0, np.inf, 0.0), where=scale > 0)
    out["identical"] = bool(not diff.any()) and not out["only_reference"] \
        and not out["only_current"]
    out["columns_differing"] = [c for j, c in enumerate(common) if diff[:, j].any()]
    out["max_abs_difference"] = float(diff.max()) if diff.size else 0.0
    out["max_rel_difference"] = float(rel.max()) if rel.size else 0.0
    if rel.size and rel.max() > 0:
        week, col = np.unravel_index(int(np.argmax(rel)), rel.shape)
        out["max_rel_at"] = {"column": common[col], "week": int(week),
                             "reference": float(a[week, col]), "current": float(b[week, col])}
    return out


def fmt_s(x: float | None) -> str:
    return "-" if x is None else f"{x:.3f} s" if x < 100 else f"{x:.0f} s"


def ratio(ref: dict[str, float] | None, cur: dict[str, float], key: str) -> float | None:
    return None if ref is None or cur[key] <= 0 else ref[key] / cur[key]


def fmt_x(x: float | None) -> str:
    return "-" if x is None else f"{x:.2f}x"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeats", type=int, default=7, help="seeds 1..R on each side")
    ap.add_argument("--weeks", type=int, default=520)
    ap.add_argument("--reference", default="b1778e7", help="commit of the reference engine")
    ap.add_argument("--skip-reference", action="store_true",
                    help="measure only the current engine and Mesa")
    ap.add_argument("--skip-keyed", action="store_true",
                    help="do not measure the opt-in keyed engine (draws='keyed')")
    ap.add_argument("--json", type=str, default=None, help="also write all figures here")
    args = ap.parse_args()
    if args.repeats < 1 or args.weeks < 1:
        ap.error("--repeats and --weeks must be >= 1")
    seeds = list(range(1, args.repeats + 1))
    start = time.perf_counter()

    head = git("rev-parse", "--short", "HEAD")
    dirty = bool(git("status", "--porcelain", "--", "sim"))
    result: dict[str, Any] = {
        "python": platform.python_version(), "machine": platform.machine(),
        "platform": platform.platform(), "cpu_count": os.cpu_count(),
        "commit": head, "sim_uncommitted_changes": dirty, "weeks": args.weeks,
        "seeds": seeds, "mesa_agents": MESA_AGENTS,
    }
    print(f"engine benchmark: {args.weeks} weeks, seeds {seeds[0]}..{seeds[-1]}, interleaved")
    print(f"current: {REPO} at {head}" + (" + uncommitted changes in sim/" if dirty else ""))
    print(f"python {result['python']}, {result['machine']}, {result['cpu_count']} CPUs",
          flush=True)

    with tempfile.TemporaryDirectory(prefix="thuisplus-bench-engine-") as tmp_name:
        tmp = Path(tmp_name)
        workers: dict[str, Worker] = {}
        try:
            ref_error = None
            if not args.skip_reference:
                try:
                    full = git("rev-parse", "--verify", f"{args.reference}^{{commit}}")
                    result["reference"] = {"commit": full[:12], "asked": args.reference}
                    print(f"reference: {args.reference} ({full[:12]}), extracted to {tmp}/ref")
                    extract(full, tmp / "ref")
                    env = {**os.environ, "PYTHONPATH": str(tmp / "ref"),
                           "NUMBA_CACHE_DIR": str(tmp / "numba-ref")}
                    workers["reference"] = Worker("reference", tmp / "ref", env,
                                                  tmp / "reference.log")
                except (WorkerError, subprocess.CalledProcessError) as e:
                    ref_error = str(e) if not isinstance(e, subprocess.CalledProcessError) \
                        else f"{e}: {e.stderr}"
            env = {**os.environ, "PYTHONPATH": str(REPO)}
            workers["current"] = Worker("current", REPO, env, tmp / "current.log")
            hello = workers["current"].hello
            result.update(mesa=hello["mesa"], numba=hello["numba"])

            cold: dict[str, dict[str, Any]] = {}
            for name in list(workers):
                w = workers[name]
                entries = w.hello["cache_entries"]
                state = f"{entries} entries" if entries else "empty"
                print(f"{name}: warming up; the first call "
                      + ("compiles the numba code (empty cache: this can take several "
                         "minutes)" if not entries else
                         f"loads the numba cache ({entries} entries) and compiles what is "
                         f"missing (several minutes if the compiled sources changed)")
                      + " ...", flush=True)
                try:
                    cold[name] = {"import_seconds": w.hello["import_seconds"],
                                  "numba_cache": state,
                                  "numba_cache_entries": w.hello["cache_entries"],
                                  **w.call("warm", weeks=args.weeks)}
                except WorkerError as e:
                    if name == "current":
                        raise
                    ref_error = str(e)
                    w.close()
                    del workers[name]
                    continue
                c = cold[name]
                c["total_seconds"] = (c["import_seconds"] + c["first_run_seconds"]
                                      + c["first_pair_seconds"] + c["first_avoided_seconds"])
                print(f"{name}: cold start {c['total_seconds']:.1f} s", flush=True)
            if ref_error:
                print(f"reference engine failed, measuring the current engine only:\n"
                      f"{ref_error}", flush=True)
                result["reference_error"] = ref_error
            result["cold_start"] = cold
            workers["current"].call("mesa", seed=0, weeks=args.weeks, n=MESA_AGENTS)

            raw: dict[str, dict[str, list[Any]]] = {
                n: {"run": [], "pair": [], "avoided": [], "resident_weeks": []} for n in workers}
            raw["mesa"] = {"run": []}
            raw["keyed"] = {"run": [], "pair": []}
            keyed = not args.skip_keyed
            if keyed:  # the opt-in keyed engine, in the current process
                workers["current"].call("pair", seed=0, weeks=args.weeks, draws="keyed")
            saved: dict[str, tuple[Path, list[str]]] = {}
            for i, seed in enumerate(seeds):
                order = list(workers) if i % 2 == 0 else list(reversed(workers))
                print(f"seed {seed}: " + " / ".join(order), end="", flush=True)
                for name in order:
                    save = str(tmp / f"weekly-{name}.npy") if seed == 1 else None
                    r = workers[name].call("run", seed=seed, weeks=args.weeks, save=save)
                    raw[name]["run"].append(r["seconds"])
                    raw[name]["resident_weeks"].append(r["resident_weeks"])
                    if save:
                        saved[name] = (Path(save), r["columns"])
                raw["mesa"]["run"].append(workers["current"].call(
                    "mesa", seed=seed, weeks=args.weeks, n=MESA_AGENTS)["seconds"])
                if keyed:
                    raw["keyed"]["run"].append(workers["current"].call(
                        "run", seed=seed, weeks=args.weeks, draws="keyed")["seconds"])
                    raw["keyed"]["pair"].append(workers["current"].call(
                        "pair", seed=seed, weeks=args.weeks, draws="keyed")["seconds"])
                for name in order:
                    p = workers[name].call("pair", seed=seed, weeks=args.weeks)
                    raw[name]["pair"].append(p["seconds"])
                    raw[name]["avoided"].append(p["avoided_seconds"])
                print(" done", flush=True)
        finally:
            for w in workers.values():
                w.close()
        weekly = (compare_weekly(saved["reference"], saved["current"])
                  if "reference" in saved and "current" in saved else None)

    result["raw_seconds"] = raw
    stats: dict[str, dict[str, dict[str, float]]] = {}
    for name in ("reference", "current"):
        if name not in workers:
            continue
        d = raw[name]
        rws = [n / t for n, t in zip(d["resident_weeks"], d["run"], strict=True)]
        stats[name] = {"run_seconds": summary(d["run"]), "pair_seconds": summary(d["pair"]),
                       "avoided_seconds": summary(d["avoided"]),
                       "resident_weeks_per_second": {"best": max(rws),
                                                     "median": statistics.median(rws)},
                       "residents_per_week": {"mean": statistics.mean(d["resident_weeks"])
                                              / args.weeks}}
    steps = MESA_AGENTS * args.weeks
    mesa_rate = [steps / t for t in raw["mesa"]["run"]]
    stats["mesa"] = {"run_seconds": summary(raw["mesa"]["run"]),
                     "agent_steps_per_second": {"best": max(mesa_rate),
                                                "median": statistics.median(mesa_rate)}}
    if raw["keyed"]["run"]:
        stats["keyed"] = {"run_seconds": summary(raw["keyed"]["run"]),
                          "pair_seconds": summary(raw["keyed"]["pair"])}
    ref, cur = stats.get("reference"), stats["current"]
    ratios: dict[str, Any] = {}
    for key in ("run_seconds", "pair_seconds", "avoided_seconds"):
        ratios[f"{key}_reference_over_current"] = {
            k: ratio(ref and ref[key], cur[key], k) for k in ("best", "median")}
    rw, ms = cur["resident_weeks_per_second"], stats["mesa"]["agent_steps_per_second"]
    ratios["current_resident_weeks_over_mesa_agent_steps_per_second"] = {
        k: rw[k] / ms[k] for k in ("best", "median")}
    if ref:
        rr = ref["resident_weeks_per_second"]
        ratios["reference_resident_weeks_over_mesa_agent_steps_per_second"] = {
            k: rr[k] / ms[k] for k in ("best", "median")}
    result.update(stats=stats, ratios=ratios, weekly_comparison=weekly,
                  benchmark_seconds=time.perf_counter() - start)

    print()
    print("cold start (first calls compile the numba kernels, or load them from the cache)")
    print(f"  {'':34}{'reference':>14}{'current':>14}")
    rows = [("import thuisplus.sim", "import_seconds"),
            ("first run (compile/load)", "first_run_seconds"),
            ("first pair (the rest)", "first_pair_seconds"),
            ("first pair.avoided", "first_avoided_seconds"), ("total", "total_seconds")]
    for label, key in rows:
        print(f"  {label:34}{fmt_s(cold.get('reference', {}).get(key)):>14}"
              f"{fmt_s(cold['current'][key]):>14}")
    print(f"  {'numba cache before':34}{cold.get('reference', {}).get('numba_cache', '-'):>14}"
          f"{cold['current']['numba_cache']:>14}")
    print()
    print(f"warm, {len(seeds)} seed(s) (best / median seconds; ratio = reference / current, "
          f"> 1: current is faster)")
    print(f"  {'':26}{'reference':>20}{'current':>20}{'ratio':>18}")
    for label, key in ((f"one {args.weeks}-week run", "run_seconds"),
                       ("one pair", "pair_seconds"), ("pair.avoided", "avoided_seconds")):
        r = ratios[f"{key}_reference_over_current"]
        rs = f"{fmt_s(ref[key]['best'])} / {fmt_s(ref[key]['median'])}" if ref else "-"
        print(f"  {label:26}{rs:>20}"
              f"{fmt_s(cur[key]['best']) + ' / ' + fmt_s(cur[key]['median']):>20}"
              f"{fmt_x(r['best']) + ' / ' + fmt_x(r['median']):>18}")
    if "keyed" in stats:
        ky = stats["keyed"]
        print("  opt-in keyed engine (draws='keyed', same seeds, in the current process; "
              "ratio = reference / keyed, and current / keyed)")
        for label, key in ((f"one {args.weeks}-week run", "run_seconds"),
                           ("one pair", "pair_seconds")):
            rk = ratio(ref and ref[key], ky[key], "median")
            ck = ratio(cur[key], ky[key], "median")
            print(f"  {label:26}{'':>20}"
                  f"{fmt_s(ky[key]['best']) + ' / ' + fmt_s(ky[key]['median']):>20}"
                  f"{fmt_x(rk) + ' / ' + fmt_x(ck):>18}")
    print()
    print(f"against idiomatic Mesa {result['mesa']} ({MESA_AGENTS} trivial agents, "
          f"shuffle_do('step') x {args.weeks}), best / median")
    print(f"  {'':34}{'best':>12}{'median':>12}")
    print(f"  {'Mesa agent-steps per second':34}{ms['best']:>12,.0f}{ms['median']:>12,.0f}")
    if ref:
        rr = ref["resident_weeks_per_second"]
        print(f"  {'reference resident-weeks per second':34}{rr['best']:>12,.0f}"
              f"{rr['median']:>12,.0f}  ({ref['residents_per_week']['mean']:.0f} residents "
              f"a week)")
    print(f"  {'current resident-weeks per second':34}{rw['best']:>12,.0f}{rw['median']:>12,.0f}"
          f"  ({cur['residents_per_week']['mean']:.0f} residents a week)")
    cm = ratios["current_resident_weeks_over_mesa_agent_steps_per_second"]
    print(f"  {'ratio current / Mesa':34}{fmt_x(cm['best']):>12}{fmt_x(cm['median']):>12}")
    if ref:
        rm = ratios["reference_resident_weeks_over_mesa_agent_steps_per_second"]
        print(f"  {'ratio reference / Mesa':34}{fmt_x(rm['best']):>12}"
              f"{fmt_x(rm['median']):>12}")
    print()
    if weekly is None:
        print("weekly table: not compared (no reference engine)")
    elif weekly["rows"][0] != weekly["rows"][1]:
        print(f"weekly table, seed 1 baseline: DIFFERENT lengths {weekly['rows']}")
    else:
        print(f"weekly table, seed 1 baseline ({weekly['columns_compared']} numeric columns x "
              f"{weekly['rows'][0]} weeks): "
              + ("identical" if weekly["identical"] else
                 f"max relative difference {weekly['max_rel_difference']:.3g}, max absolute "
                 f"{weekly['max_abs_difference']:.3g}, {len(weekly['columns_differing'])} "
                 f"columns differ"))
        if weekly.get("max_rel_at"):
            at = weekly["max_rel_at"]
            print(f"  largest at {at['column']}, week {at['week']}: {at['reference']!r} vs "
                  f"{at['current']!r}")
        for side in ("only_reference", "only_current"):
            if weekly[side]:
                print(f"  columns only in the {side[5:]} engine: {', '.join(weekly[side])}")
        print("  (results changed on purpose since the default reference b1778e7, see "
              "CHANGELOG: the tables are identical only against a commit with the same "
              "results, e.g. a golden-identical one)")
    print("figures are measured, never asserted")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(result, f, indent=2)
        print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
