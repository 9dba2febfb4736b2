"""Record (or check) the golden baseline: the engine's outputs on fixed cases, bit for bit.

Each case is a preset, a seed, a number of weeks and optional overrides. Stored per case:
the weekly table (every column, float64), the final state of the three populations (every
field over the rows ever used, the active mask, the Mesa ``unique_id`` of each row), the
nursing-home pool, the dwelling bookkeeping, the random streams' final states and a SHA-256
of the tie matrix. ``tests/test_golden.py`` compares a fresh run with the file.

A change of results is a deliberate act: re-record with

    .venv/bin/python -m tests.golden.record --write

and add a CHANGELOG entry that says what moved, by how much and why
(``--diff`` prints the largest changes per case first).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np

from thuisplus.sim import Parameters, ThuisplusModel
from thuisplus.sim.presets import load_preset

HERE = Path(__file__).parent
FILE = HERE / "baseline.npz"

# (name, preset, seed, weeks, overrides). Small-complex cases reach rare branches: staff
# pools that grow, many lettings of one dwelling, extreme turnover.
CASES: tuple[tuple[str, str, int, int | None, dict[str, Any]], ...] = (
    ("baseline-s1", "baseline", 1, 520, {}),
    ("baseline-s2", "baseline", 2, 520, {}),
    ("contract-2021-s1", "contract-2021", 1, 520, {}),
    ("contract-2021-s2", "contract-2021", 2, 520, {}),
    ("broad-transfer-s3", "broad-transfer", 3, 520, {}),
    ("lump-sum-s4", "lump-sum", 4, 520, {}),
    ("open-room-s5", "open-room", 5, 520, {}),
    ("vital-mix-s6", "vital-mix", 6, 520, {}),
    ("small-churn-s7", "contract-2021", 7, 780, {
        "building.dwellings": 60, "building.floors": 4, "inflow.vacancy_weeks": 1.0,
        "staffing.turnover_payroll": 0.9, "staffing.turnover_pnil": 0.99,
        "staffing.target_utilisation": 0.3, "demography.move_out_rate": 0.2}),
    ("small-staff-growth-s8", "contract-2021", 8, 260, {
        "building.dwellings": 60, "building.floors": 4, "staffing.target_utilisation": 0.05}),
    # the default length: the programme and the follow-up until (nearly) all have died
    ("lifetime-small-s9", "contract-2021", 9, None, {
        "building.dwellings": 40, "building.floors": 3, "simulation.weeks": 260,
        "simulation.follow_up_years": 40}),
)


def case_params(preset: str, overrides: dict[str, Any]) -> Parameters:
    """Parameters of a golden case."""
    p = load_preset(preset)
    return p.with_overrides(overrides) if overrides else p


def outputs(m: ThuisplusModel) -> dict[str, np.ndarray]:
    """Everything the golden baseline stores of one finished run."""
    out: dict[str, np.ndarray] = {"weekly": m._rec[: m.week].copy(),
                                  "columns": np.array(list(m._cols))}
    for pop_name, pop in (("res", m.res), ("car", m.carers), ("staff", m.staff)):
        h = pop.high
        out[f"{pop_name}.active"] = pop.active[:h].copy()
        out[f"{pop_name}.ids"] = np.array(
            [-1 if a is None else a.unique_id for a in pop.agents[:h]], dtype=np.int64)
        for f in pop.fields:
            out[f"{pop_name}.{f}"] = np.asarray(getattr(pop, f))[:h].copy()
    out["nh.rows"] = m.nursing_home.rows
    for f in m.applicants._fields:
        out[f"app.{f}"] = np.asarray(getattr(m.applicants, f)).copy()
    out["occupants"] = m.occupants.copy()
    out["vacated_week"] = m.vacated_week.copy()
    out["lettings"] = m.lettings.copy()
    out["network.row_sum"] = m.network.row_sum.copy()
    out["network.scale"] = np.array([m.network.scale])
    out["network.sha256"] = np.array([hashlib.sha256(m.network.stored.tobytes()).hexdigest()])
    states = {k: g.bit_generator.state["state"] for k, g in m.streams.items()}
    out["streams"] = np.array([json.dumps(states, sort_keys=True, default=str)])
    out["n_agents"] = np.array([len(m.agents)])
    rows, years, values = m.ledger_arrays()
    out["ledger.row"], out["ledger.year"], out["ledger.values"] = rows, years, values
    return out


def run_case(name: str) -> dict[str, np.ndarray]:
    """Run one golden case and return its outputs."""
    _, preset, seed, weeks, overrides = next(c for c in CASES if c[0] == name)
    return outputs(ThuisplusModel(case_params(preset, overrides), seed=seed).run(weeks))


def load() -> dict[str, dict[str, np.ndarray]]:
    """The stored golden outputs: case name → key → array."""
    with np.load(FILE, allow_pickle=False) as z:
        stored: dict[str, dict[str, np.ndarray]] = {}
        for k in z.files:
            case, _, key = k.partition("/")
            stored.setdefault(case, {})[key] = z[k]
    return stored


def differences(got: dict[str, np.ndarray], want: dict[str, np.ndarray]) -> list[str]:
    """What differs between two outputs of a case, largest first (empty if identical)."""
    out: list[str] = []
    for key in sorted(set(got) | set(want)):
        if key not in got or key not in want:
            out.append(f"{key}: only in {'stored' if key in want else 'new'} outputs")
            continue
        a, b = got[key], want[key]
        if a.shape != b.shape:
            out.append(f"{key}: shape {a.shape} != stored {b.shape}")
        elif a.dtype.kind in "fc" and b.dtype.kind in "fc":
            bad = ~((a == b) | (np.isnan(a) & np.isnan(b)))
            if bad.any():
                if key == "weekly":
                    cols = want["columns"]
                    for j in np.flatnonzero(bad.any(axis=0)):
                        w = int(np.flatnonzero(bad[:, j])[0])
                        d = float(np.max(np.abs(a[:, j] - b[:, j])))
                        out.append(f"weekly[{cols[j]}]: first differs in week {w}, "
                                   f"max |diff| {d:.3g}")
                else:
                    d = float(np.max(np.abs(a[bad] - b[bad])))
                    out.append(f"{key}: {int(bad.sum())} values differ, max |diff| {d:.3g}")
        elif not np.array_equal(a, b):
            out.append(f"{key}: {int(np.sum(a != b))} values differ")
    return out


def main(argv: list[str] | None = None) -> int:
    """Write the golden file (``--write``) or check the engine against it."""
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--write", action="store_true", help="re-record the golden file")
    ap.add_argument("--case", action="append", help="only these cases (default: all)")
    args = ap.parse_args(argv)
    names = args.case or [c[0] for c in CASES]
    if args.write:
        arrays = {}
        for n in names:
            arrays.update({f"{n}/{k}": v for k, v in run_case(n).items()})
            print(f"recorded {n}")
        if args.case and FILE.exists():
            arrays = {**{f"{c}/{k}": v for c, d in load().items() for k, v in d.items()},
                      **arrays}
        np.savez_compressed(FILE, **arrays)
        print(f"wrote {FILE} ({FILE.stat().st_size / 1e6:.1f} MB)")
        return 0
    stored = load()
    bad = 0
    for n in names:
        diff = differences(run_case(n), stored[n])
        bad += bool(diff)
        print(f"{n}: {'identical' if not diff else 'DIFFERS'}")
        for line in diff[:40]:
            print("   ", line)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
