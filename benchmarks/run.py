"""Speed benchmarks of the core model and of pairs (one command: `make bench`).

Prints resident-weeks per second and the time of one 520-week run of the default
complex (250 dwellings, baseline), the time of one pair (baseline + Thuisplusflat), best
of several repeats after a warm-up that compiles the kernels, and the variance ratio of
paired to unpaired differences (what common random numbers buy), and the time of a
lifetime pair (the programme and the follow-up of every person until death, the default
length of a run) beside the programme's. Figures are measured,
never asserted: machines here are noisy, so read the ratio to the target printed beside
each figure.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import time

from thuisplus.sim import Parameters, ThuisplusModel

TARGET_RESIDENT_WEEKS_PER_S = 1_000_000
TARGET_RUN_SECONDS = 0.13
TARGET_PAIR_SECONDS = 0.25


def time_run(params: Parameters, seed: int, weeks: int) -> tuple[float, float]:
    """Seconds of set-up plus run, and resident-weeks simulated."""
    t0 = time.perf_counter()
    m = ThuisplusModel(params, seed=seed).run(weeks)
    elapsed = time.perf_counter() - t0
    return elapsed, float(m.weekly()["residents"].sum())


def variance_ratio(params: Parameters, seeds: int, weeks: int) -> float:
    """Var over seeds of a pair's avoided cost / var of the difference of unpaired runs."""
    paired, unpaired = [], []
    for s in range(seeds):
        b = ThuisplusModel(params.baseline(), seed=s).run(weeks).weekly()
        t = ThuisplusModel(params, seed=s).run(weeks).weekly()
        t2 = ThuisplusModel(params, seed=10_000 + s).run(weeks).weekly()
        cost = ["cost_wmo", "cost_zvw", "cost_wlz"]
        paired.append(b[cost].to_numpy().sum() - t[cost].to_numpy().sum())
        unpaired.append(b[cost].to_numpy().sum() - t2[cost].to_numpy().sum())
    return statistics.variance(paired) / statistics.variance(unpaired)


def main() -> None:
    """Run the benchmark and print (or write) the figures."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--weeks", type=int, default=520)
    ap.add_argument("--json", type=str, default=None, help="also write results to this file")
    ap.add_argument("--variance-seeds", type=int, default=10)
    args = ap.parse_args()

    from thuisplus.sim import run_pair

    params = Parameters().baseline()
    time_run(params, 0, args.weeks)  # warm-up: compile / load the cached kernels
    run_pair(Parameters(), seed=0, weeks=args.weeks)
    run_pair(Parameters(), seed=0)
    times, rw, pairs, lifetime = [], [], [], []
    for seed in range(1, args.repeats + 1):
        t, n = time_run(params, seed, args.weeks)
        times.append(t)
        rw.append(n / t)
        t0 = time.perf_counter()
        run_pair(Parameters(), seed=seed, weeks=args.weeks)
        pairs.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        life = run_pair(Parameters(), seed=seed)
        lifetime.append(time.perf_counter() - t0)
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
        "pair_seconds_best": round(min(pairs), 4),
        "pair_seconds_median": round(statistics.median(pairs), 4),
        "lifetime_pair_seconds_median": round(statistics.median(lifetime), 4),
        "lifetime_weeks": life.baseline.week,
        "persons": life.baseline.n_persons,
    }
    print(f"one {args.weeks}-week run, {params.building.dwellings} dwellings: "
          f"best {best:.3f} s, median {statistics.median(times):.3f} s "
          f"(target <= {TARGET_RUN_SECONDS} s: best is {TARGET_RUN_SECONDS / best:.2f}x target)")
    print(f"resident-weeks per second: best {max(rw):,.0f}, median {statistics.median(rw):,.0f} "
          f"(target >= {TARGET_RESIDENT_WEEKS_PER_S:,}: best is "
          f"{max(rw) / TARGET_RESIDENT_WEEKS_PER_S:.2f}x target)")
    print(f"one pair (baseline + Thuisplusflat, default parameters): best {min(pairs):.3f} s, "
          f"median {statistics.median(pairs):.3f} s (target <= {TARGET_PAIR_SECONDS} s: best "
          f"is {TARGET_PAIR_SECONDS / min(pairs):.2f}x target)")
    print(f"one lifetime pair ({life.baseline.week} weeks: the programme and the follow-up, "
          f"{life.baseline.n_persons} person rows): best {min(lifetime):.3f} s, median "
          f"{statistics.median(lifetime):.3f} s ({statistics.median(lifetime)
                                                  / statistics.median(pairs):.1f}x the "
          f"{args.weeks}-week pair, same run)")
    ratio = variance_ratio(Parameters(), seeds=args.variance_seeds, weeks=args.weeks)
    result["paired_unpaired_variance_ratio"] = round(ratio, 4)
    print(f"variance of avoided cost over {args.variance_seeds} seeds, paired / unpaired: "
          f"{ratio:.3f} (common random numbers remove {1 - ratio:.0%} of the noise)")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(result, f, indent=2)


if __name__ == "__main__":
    main()
