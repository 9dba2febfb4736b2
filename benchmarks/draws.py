"""What a random number costs in compiled code: the streams of today against keyed draws.

The evidence behind the engine's next step (issue 11's "faster engine", issue 12's draws
keyed by person). Measured per value, in numba, best of several repeats:

* the engine's streams today: PCG64 blocks, ``g.random(n)`` and ``g.standard_normal(n)``
  (numpy's ziggurat), as each process's ``draw`` makes them (n = 500 seats);
* keyed draws: a uniform as SplitMix64 of (key, counter), the kind a counter-based
  engine would draw for (seed, process, week, person); a normal from it by the inverse
  normal the engine already uses (``thuisplus.sim.processes.common.inverse_normal``, AS241).

Then the week's draws of the default complex both ways: today 12,692 values a week
(every seat, used or not); keyed, only what residents use (about 13 uniforms and two
normals per resident a week, 264 residents). Printed, never asserted.

    .venv/bin/python benchmarks/draws.py [--repeats 5]
"""

from __future__ import annotations

import argparse
import time

import numba
import numpy as np

from thuisplus.sim.processes.common import _splitmix64, inverse_normal, unit_uniform

SEATS, REPS = 500, 2000
WEEKLY_DRAWS_TODAY = 12_692
RESIDENTS, USED_UNIFORMS, USED_NORMALS = 264, 13, 2


@numba.njit
def _stream_uniforms(g, n, reps):
    s = 0.0
    for _ in range(reps):
        s += g.random(n)[0]
    return s


@numba.njit
def _stream_normals(g, n, reps):
    s = 0.0
    for _ in range(reps):
        s += g.standard_normal(n)[0]
    return s


@numba.njit
def _keyed_uniforms(key, n, reps, out):
    for r in range(reps):
        base = _splitmix64(key ^ np.uint64(r))
        for i in range(n):
            out[i] = unit_uniform(_splitmix64(base + np.uint64(i)))
    return out[0]


@numba.njit
def _keyed_normals(key, n, reps, out):
    for r in range(reps):
        base = _splitmix64(key ^ np.uint64(r))
        for i in range(n):
            out[i] = inverse_normal(unit_uniform(_splitmix64(base + np.uint64(i))) + 2.0**-54)
    return out[0]


def per_value(f, args, repeats: int) -> float:
    """Best nanoseconds per value of ``f(*args)`` after a warm-up."""
    f(*args)
    best = min(_timed(f, args) for _ in range(repeats))
    return best / (SEATS * REPS) * 1e9


def _timed(f, args) -> float:
    t0 = time.perf_counter()
    f(*args)
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeats", type=int, default=5)
    a = ap.parse_args()
    g, out = np.random.default_rng(1), np.zeros(SEATS)
    ns = {
        "stream uniform (PCG64 block)": per_value(_stream_uniforms, (g, SEATS, REPS), a.repeats),
        "stream normal (ziggurat block)": per_value(_stream_normals, (g, SEATS, REPS),
                                                    a.repeats),
        "keyed uniform (SplitMix64)": per_value(_keyed_uniforms, (np.uint64(7), SEATS, REPS,
                                                                  out), a.repeats),
        "keyed normal (SplitMix64 + AS241)": per_value(_keyed_normals, (np.uint64(7), SEATS,
                                                                        REPS, out), a.repeats),
    }
    print(f"numba {numba.__version__}; nanoseconds per value, best of {a.repeats}")
    for k, v in ns.items():
        print(f"  {k:36s} {v:6.2f} ns")
    # today: every seat, the week's blocks (about 1,000 of them normals)
    normals_today = 2 * SEATS
    today = ((WEEKLY_DRAWS_TODAY - normals_today) * ns["stream uniform (PCG64 block)"]
             + normals_today * ns["stream normal (ziggurat block)"]) * 520 / 1e6
    keyed = RESIDENTS * (USED_UNIFORMS * ns["keyed uniform (SplitMix64)"]
                         + USED_NORMALS * ns["keyed normal (SplitMix64 + AS241)"]) * 520 / 1e6
    print(f"draws of a 520-week run: today ~{today:.1f} ms; keyed, only the values used "
          f"~{keyed:.1f} ms (the engine measures ~12 ms for today's draws)")
    print("figures are measured, never asserted")


if __name__ == "__main__":
    main()
