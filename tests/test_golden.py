"""The golden baseline: today's engine reproduces its stored outputs bit for bit.

Any change of results fails here. If the change is intended, re-record
(``python -m tests.golden.record --write``) and add a CHANGELOG entry saying what moved,
by how much and why.
"""

import numpy as np
import pytest

from tests.golden import record


@pytest.fixture(scope="module")
def stored():
    return record.load()


@pytest.mark.parametrize("case", [c[0] for c in record.CASES])
def test_engine_reproduces_the_golden_baseline(case, stored):
    diff = record.differences(record.run_case(case), stored[case])
    assert not diff, f"{case} changed:\n" + "\n".join(diff[:30])


def test_the_golden_comparison_can_fail(stored):
    want = stored["baseline-s1"]
    got = {k: v.copy() for k, v in want.items()}
    got["weekly"][100, 5] = np.nextafter(got["weekly"][100, 5], np.inf)
    got["res.ids"][3] += 1
    diff = record.differences(got, want)
    assert any("first differs in week 100" in d for d in diff)
    assert any(d.startswith("res.ids") for d in diff)


def test_golden_cases_reach_the_rare_branches(stored):
    churn = stored["small-churn-s7"]
    assert churn["lettings"].max() >= 5            # many newcomers in one dwelling
    assert churn["nh.rows"].size > 0               # persons alive in a nursing home
    grown = stored["small-staff-growth-s8"]
    assert len(grown["staff.active"]) > 120        # the staff pool grew past its first room
    life = stored["lifetime-small-s9"]
    assert len(life["weekly"]) > 260               # the follow-up after the programme ran
    appeared = life["res.person"] >= 0
    assert (life["res.died_week"][appeared] >= 0).mean() > 0.95  # nearly all followed to death
    assert (life["app.state"] == 2).any() and (life["app.state"] == 1).any()
