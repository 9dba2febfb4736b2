"""Speed benchmarks of the core model (one command: `make bench`).

Prints resident-weeks per second and the time of one 520-week run of the default
complex (250 dwellings), best of several repeats after a warm-up run that compiles the
kernels. Figures are measured, never asserted: machines here are noisy, so read the
ratio to the target printed beside each figure.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import time

from sim import Parameters, ThuisplusModel

TARGET_RESIDENT_WEEKS_PER_S = 1_000_000
TARGET_RUN_SECONDS = 0.13


def time_run(params: Parameters, seed: int, weeks: int) -> tuple[float, float]:
    """Seconds of set-up plus run, and resident-weeks simulated."""
    t0 = time.perf_counter()
    m = ThuisplusModel(params, rng=seed).run(weeks)
    elapsed = time.perf_counter() - t0
    return elapsed, float(m.weekly()["residents"].sum())


def main() -> None:
    """Run the benchmark and print (or write) the figures."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--weeks", type=int, default=520)
    ap.add_argument("--json", type=str, default=None, help="also write results to this file")
    args = ap.parse_args()

    params = Parameters()
    time_run(params, 0, args.weeks)  # warm-up: compile / load the cached kernels
    times, rw = [], []
    for seed in range(1, args.repeats + 1):
        t, n = time_run(params, seed, args.weeks)
        times.append(t)
        rw.append(n / t)
    best = min(times)
    result = {
        "python": platform.python_version(),
        "machine": platform.machine(),
        "weeks": args.weeks,
        "dwellings": params.building.dwellings,
        "run_seconds_best": round(best, 4),
        "run_seconds_median": round(statistics.median(times), 4),
        "resident_weeks_per_second_best": round(max(rw)),
        "resident_weeks_per_second_median": round(statistics.median(rw)),
    }
    print(f"one {args.weeks}-week run, {params.building.dwellings} dwellings: "
          f"best {best:.3f} s, median {statistics.median(times):.3f} s "
          f"(target <= {TARGET_RUN_SECONDS} s: best is {TARGET_RUN_SECONDS / best:.2f}x target)")
    print(f"resident-weeks per second: best {max(rw):,.0f}, median {statistics.median(rw):,.0f} "
          f"(target >= {TARGET_RESIDENT_WEEKS_PER_S:,}: best is "
          f"{max(rw) / TARGET_RESIDENT_WEEKS_PER_S:.2f}x target)")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(result, f, indent=2)


if __name__ == "__main__":
    main()
