"""Base rates of the baseline arm by age band, and the fit of mortality's reference vitality.

Issue 13: the Thuisplusflat's effects act on base rates, so those must match public
figures age band by age band. :func:`measure` runs the baseline arm on several seeds with
the person panel on and counts, for people living at home (in the complex or elsewhere),
deaths and nursing-home admissions per 100 person-years by age band, the share of the
complex's residents with household help, and nursing-home stays (deaths per 100
nursing-home years, mean stay, share > 4 years). The plausibility tests and
``docs/base_rates.md`` read these figures.

:func:`fit_reference_vitality` sets ``demography.mortality_reference_vitality_80`` and
``_slope`` so that, at every age, a person at home at the reference vitality has the
*average* at-home hazard of that age: then the age-specific death rates are the life
table's, and vitality only spreads them within age. The reference is the vitality ``r``
with ``exp(-b r) = mean(exp(-b v))`` over the persons at home of that age (``b`` the log
hazard ratio), fitted as a line in age by least squares weighted by person-years, and
iterated because the deaths it changes change who is alive.

Run ``python -m thuisplus.calibration.base_rates`` for the table (and ``--fit`` for the reference).
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass

import numpy as np
import pandas as pd

from thuisplus.sim import Parameters, ThuisplusModel
from thuisplus.sim.processes.common import WEEKS_PER_YEAR, WLZ_VPT

#: The population's death hazard (per year) at exact age 80 and its Gompertz slope (per
#: year of age), men and women: CBS 70701ned 2019 (life table of everybody, institutions
#: included) through q80 = 5.16% and 3.37%, read as the mean hazard over age 80-81, and
#: the 10-year survival from 80, 37.24% and 49.67% (docs/base_rates.md).
POPULATION_HAZARD_80 = {"men": 0.04975, "women": 0.03193}
POPULATION_SLOPE = {"men": 0.1244, "women": 0.1407}

#: Age bands (lower bounds, years) of the tables; the last is open.
BANDS = (0, 65, 75, 80, 85, 90)
LABELS = ("<65", "65-74", "75-79", "80-84", "85-89", "90+")


def population_hazard(age: np.ndarray | float, female: np.ndarray | bool) -> np.ndarray:
    """The population's death hazard per year at ``age`` for that sex (CBS 70701ned 2019).

    A band's comparator is this averaged over its person-years at each person's own age
    and sex (:func:`measure`), not taken at the band's mean age: the hazard rises ~13% a
    year of age, so at the mean age it understates the band's rate (at 90+ 22.9 instead
    of 24.9 per 100).
    """
    a = np.asarray(age, dtype=float) - 80.0
    men = POPULATION_HAZARD_80["men"] * np.exp(POPULATION_SLOPE["men"] * a)
    women = POPULATION_HAZARD_80["women"] * np.exp(POPULATION_SLOPE["women"] * a)
    return np.where(female, women, men)


@dataclass
class BaseRates:
    """What :func:`measure` found.

    ``by_age``: one row per age band and one for all ages; ``stays``: nursing-home stays
    of persons admitted and dead within the runs; ``place_of_death``: of the persons who
    died at 80+, the share who died in a nursing home, by age band at death and sex.
    """

    by_age: pd.DataFrame
    stays: dict[str, float]
    place_of_death: pd.DataFrame


#: Age bands at death of CBS's place-of-death table (80+).
DEATH_BANDS = (80, 85, 90, 95)
DEATH_LABELS = ("80-84", "85-89", "90-94", "95+")


def _panel(p: Parameters, seed: int, weeks: int | None
           ) -> tuple[pd.DataFrame, dict, ThuisplusModel]:
    m = ThuisplusModel(p.baseline(), seed=seed, panel=True)
    m.run(weeks)
    pan = m.panel()
    per = m.persons()
    rows = pan["row"].to_numpy()
    died, adm = per["died_week"][rows], per["admitted_week"][rows]
    week = pan["week"].to_numpy()
    # the panel holds each person's state at the end of a week: a death or admission
    # in week w is the event of the person-week recorded at w - 1
    pan["death"] = (died >= 0) & (week == died - 1)
    pan["female"] = m.res.female[rows]
    pan["admit"] = (adm >= 0) & (week == adm - 1)
    return pan, per, m


def measure(p: Parameters | None = None, seeds: int = 8, weeks: int | None = None
            ) -> BaseRates:
    """Base rates of the baseline arm over ``seeds`` runs of ``weeks`` weeks.

    ``weeks`` defaults to the programme and the lifetime follow-up.
    """
    p = Parameters() if p is None else p
    b = p.demography.mortality_vitality_log_hr
    parts, stays, dead = [], [], []
    for s in range(seeds):
        pan, per, m = _panel(p, s, weeks)
        parts.append(pan)
        a, d = per["admitted_week"], per["died_week"]
        gone = d >= 0  # the age of the dead stays at their age at death
        dead.append(pd.DataFrame({"age": m.res.age[gone], "female": m.res.female[gone],
                                  "in_nursing_home": a[gone] >= 0}))
        done = (a >= 0) & (d >= 0)
        stays.append((d[done] - a[done]) / WEEKS_PER_YEAR)
    pan = pd.concat(parts, ignore_index=True)
    pan["band"] = pd.cut(pan["age"], [*BANDS, 200], right=False, labels=LABELS)
    pan["mult"] = np.exp(-b * pan["vitality"])
    pan["population_hazard"] = population_hazard(pan["age"].to_numpy(), pan["female"].to_numpy())
    # household help received: the flag stays set when Wlz care at home (vpt, mpt) takes
    # over, and then no Wmo hours are delivered (care_needs)
    pan["household_help"] = pan["wmo_hh"].astype(bool) & (pan["wlz"] < WLZ_VPT)
    home = pan[pan["where"] != 2]
    inside = pan[pan["where"] == 0]

    def table(h: pd.DataFrame, c: pd.DataFrame, key: str) -> pd.DataFrame:
        g = h.groupby(key, observed=False)
        py = g.size() / WEEKS_PER_YEAR
        out = pd.DataFrame({
            "person_years": py,
            "deaths_per_100": 100 * g["death"].sum() / py,
            "population_deaths_per_100": 100 * g["population_hazard"].mean(),
            "admissions_per_100": 100 * g["admit"].sum() / py,
            "mean_vitality": g["vitality"].mean(),
            "mean_age": g["age"].mean(),
            "reference_vitality": -np.log(g["mult"].mean()) / b,
            "household_help_share": c.groupby(key, observed=False)["household_help"].mean(),
        })
        out.insert(2, "at_home_ratio", out["deaths_per_100"] / out["population_deaths_per_100"])
        return out

    by_age = pd.concat([table(home, inside, "band"),
                        table(home.assign(ages="all"), inside.assign(ages="all"), "ages")])
    nh = pan[pan["where"] == 2]
    st = np.concatenate(stays) if stays else np.zeros(0)
    dd = pd.concat(dead, ignore_index=True)
    dd = dd[dd["age"] >= DEATH_BANDS[0]]
    dd["band"] = pd.cut(dd["age"], [*DEATH_BANDS, 200], right=False, labels=DEATH_LABELS)
    dd["sex"] = np.where(dd["female"], "women", "men")
    place = dd.pivot_table(index="band", columns="sex", values="in_nursing_home",
                           aggfunc="mean", observed=False)
    place["all"] = dd.groupby("band", observed=False)["in_nursing_home"].mean()
    return BaseRates(by_age, {
        "nh_deaths_per_100_years": float(100 * nh["death"].sum() / (len(nh) / WEEKS_PER_YEAR))
        if len(nh) else float("nan"),
        "stays": float(len(st)),
        "mean_stay_years": float(st.mean()) if len(st) else float("nan"),
        "median_stay_years": float(np.median(st)) if len(st) else float("nan"),
        "share_over_4_years": float((st > 4).mean()) if len(st) else float("nan"),
        "share_over_1_year": float((st > 1).mean()) if len(st) else float("nan"),
        # a census of residents on a day: the share who have stayed > 4 years so far
        "residents_over_4_years": float(np.maximum(st - 4, 0).sum() / st.sum())
        if st.sum() else float("nan"),
    }, place)


def fit_reference_vitality(p: Parameters | None = None, seeds: int = 8,
                           iterations: int = 3, weeks: int | None = None
                           ) -> tuple[float, float]:
    """``(reference at 80, slope per year)`` that make the reference the at-home average."""
    p = Parameters() if p is None else p
    v80, slope = (p.demography.mortality_reference_vitality_80,
                  p.demography.mortality_reference_vitality_slope)
    for _ in range(iterations):
        q = p.with_overrides({"demography.mortality_reference_vitality_80": v80,
                              "demography.mortality_reference_vitality_slope": slope})
        t = measure(q, seeds, weeks).by_age.drop(index="all")
        t = t[t["person_years"] > 0]
        w = t["person_years"].to_numpy()
        x = t["mean_age"].to_numpy() - 80.0
        y = t["reference_vitality"].to_numpy()
        slope, v80 = np.polyfit(x, y, 1, w=np.sqrt(w))
        v80, slope = round(float(v80), 3), round(float(slope), 4)
    return v80, slope


def main(argv: list[str] | None = None) -> None:
    """Print the base-rate table of the default baseline (``--fit``: fit the reference)."""
    ap = argparse.ArgumentParser(prog="python -m thuisplus.calibration.base_rates",
                                 description=__doc__.split("\n\n")[0])
    ap.add_argument("--seeds", type=int, default=8, help="baseline runs (default 8)")
    ap.add_argument("--weeks", type=int, default=None,
                    help="weeks per run (default: programme and lifetime follow-up)")
    ap.add_argument("--fit", action="store_true", help="fit mortality's reference vitality")
    a = ap.parse_args(argv)
    if a.seeds < 1:
        ap.error(f"--seeds {a.seeds}: allowed: an integer >= 1")
    if a.weeks is not None and a.weeks < 52:
        ap.error(f"--weeks {a.weeks}: allowed: an integer >= 52 (rates are per year)")
    if a.fit:
        v80, slope = fit_reference_vitality(seeds=a.seeds, weeks=a.weeks)
        print(f"demography.mortality_reference_vitality_80 = {v80}")
        print(f"demography.mortality_reference_vitality_slope = {slope}")
        return
    r = measure(seeds=a.seeds, weeks=a.weeks)
    with pd.option_context("display.width", 160):
        print(r.by_age.round(3).to_string())
    for k, v in r.stays.items():
        print(f"{k}: {v:.3f}")
    print("died in a nursing home, of the deaths at 80+ (by age at death):")
    print(r.place_of_death.round(3).to_string())


if __name__ == "__main__":
    main()
