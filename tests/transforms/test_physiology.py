import datetime as dt
import math

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from transforms.physiology import (
    PUBLISHED_PACES,
    acute_chronic_workload_ratio,
    banister_trimp,
    heart_rate_zones,
    max_hr_for_age,
    performance_management,
    race_seconds,
    training_paces,
    vdot,
)

DISTANCES = {"5k": 5000, "10k": 10000, "half": 21097.5, "marathon": 42195}
# Daniels' Running Formula race-equivalent rows (reference 1.2), in seconds.
RACE_TABLE = {
    30: (30 * 60 + 40, 63 * 60 + 46, 2 * 3600 + 21 * 60 + 4, 4 * 3600 + 49 * 60 + 17),
    40: (24 * 60 + 8, 50 * 60 + 3, 3600 + 50 * 60 + 59, 3 * 3600 + 49 * 60 + 45),
    45: (21 * 60 + 50, 45 * 60 + 16, 3600 + 40 * 60 + 20, 3 * 3600 + 28 * 60 + 26),
    50: (19 * 60 + 57, 41 * 60 + 21, 3600 + 31 * 60 + 35, 3 * 3600 + 10 * 60 + 49),
    60: (17 * 60 + 3, 35 * 60 + 22, 3600 + 18 * 60 + 9, 2 * 3600 + 43 * 60 + 25),
    70: (14 * 60 + 55, 31 * 60, 3600 + 8 * 60 + 21, 2 * 3600 + 23 * 60 + 10),
    80: (13 * 60 + 17, 27 * 60 + 41, 3600 + 54, 2 * 3600 + 7 * 60 + 38),
}
CASES = [
    (row, name, meters, times[i])
    for row, times in RACE_TABLE.items()
    for i, (name, meters) in enumerate(DISTANCES.items())
]


@pytest.mark.parametrize(("row", "name", "meters", "seconds"), CASES)
def test_vdot_reproduces_the_published_table(row, name, meters, seconds):
    assert abs(vdot(meters, seconds) - row) <= 0.15


@pytest.mark.parametrize(("row", "name", "meters", "seconds"), CASES)
def test_equivalent_race_time_within_a_quarter_percent(row, name, meters, seconds):
    assert abs(race_seconds(row, meters) - seconds) <= 0.0025 * seconds


@pytest.mark.parametrize("row", sorted(PUBLISHED_PACES))
def test_training_paces_within_two_seconds_per_km(row):
    paces = training_paces(row)
    computed = (
        paces.easy_fast,
        paces.easy_slow,
        paces.marathon,
        paces.threshold,
        paces.interval,
        paces.repetition,
    )
    for got, expected in zip(computed, PUBLISHED_PACES[row], strict=True):
        assert abs(got - expected) <= 2


def test_paces_between_rows_are_ordered_and_monotonic():
    previous = None
    for tenth in range(300, 801, 5):
        p = training_paces(tenth / 10)
        assert p.easy_slow > p.easy_fast > p.marathon > p.threshold > p.interval > p.repetition
        if previous is not None:
            assert p.threshold < previous.threshold
        previous = p


def test_vdot_rejects_nonsense():
    with pytest.raises(ValueError):
        vdot(0, 1200)


def _daily(loads: list[float]) -> pl.DataFrame:
    start = dt.date(2026, 1, 1)
    return pl.DataFrame(
        {
            "runner_id": ["r"] * len(loads),
            "date": [start + dt.timedelta(days=i) for i in range(len(loads))],
            "training_load": loads,
        }
    )


def _pmc(loads: list[float], **kwargs) -> pl.DataFrame:
    return performance_management(_daily(loads), **kwargs)


def test_pmc_constant_load_matches_reference_vectors():
    # the reference vectors start from zero
    pmc = _pmc([100.0] * 42, seed_days=0)
    day7, day42 = pmc.row(6, named=True), pmc.row(41, named=True)
    assert day7["ctl"] == pytest.approx(15.35, abs=0.01)
    assert day7["atl"] == pytest.approx(63.21, abs=0.01)
    assert day42["ctl"] == pytest.approx(63.21, abs=0.01)
    assert day42["atl"] == pytest.approx(99.75, abs=0.01)


def test_pmc_single_load_and_tsb_from_yesterday():
    pmc = _pmc([100.0] + [0.0] * 7, seed_days=0)
    first = pmc.row(0, named=True)
    assert first["ctl"] == pytest.approx(2.353, abs=0.001)
    assert first["atl"] == pytest.approx(13.312, abs=0.001)
    assert first["tsb"] == 0
    assert pmc.row(1, named=True)["tsb"] == pytest.approx(-10.959, abs=0.001)
    last = pmc.row(7, named=True)
    assert last["ctl"] == pytest.approx(1.992, abs=0.001)
    assert last["atl"] == pytest.approx(4.897, abs=0.001)


def test_pmc_fills_missing_days_with_zero_and_keeps_runners_apart():
    daily = pl.DataFrame(
        {
            "runner_id": ["a", "a", "b"],
            "date": [dt.date(2026, 1, 1), dt.date(2026, 1, 3), dt.date(2026, 1, 1)],
            "training_load": [100.0, 100.0, 50.0],
        }
    )
    pmc = performance_management(daily, seed_days=0)
    assert pmc.filter(pl.col("runner_id") == "a").height == 3
    b = pmc.filter(pl.col("runner_id") == "b").row(0, named=True)
    assert b["atl"] == pytest.approx(50 * (1 - 0.8668778), abs=1e-4)
    # seeded, each runner starts at the mean of their own first days: a (100+0+100)/3
    seeded = performance_management(daily).filter(pl.col("runner_id") == "a")
    keep = math.exp(-1 / 7)
    assert seeded["atl"][0] == pytest.approx(200 / 3 * keep + 100 * (1 - keep), abs=1e-12)


def test_a_steady_runner_starts_in_balance_not_overreached():
    # 60 a day from the first day of data: seeded with the first 28 days' mean (60), CTL and
    # ATL stay at 60 and TSB at 0; started from zero, TSB falls to -34.9 on day 16 and is
    # below -20 from day 5 to day 46
    seeded, from_zero = _pmc([60.0] * 60), _pmc([60.0] * 60, seed_days=0)
    assert seeded["ctl"].to_list() == pytest.approx([60.0] * 60, abs=1e-9)
    assert seeded["tsb"].to_list() == pytest.approx([0.0] * 60, abs=1e-9)
    assert from_zero["tsb"].min() == pytest.approx(-34.94, abs=0.01)
    assert from_zero["tsb"].arg_min() == 15
    assert (from_zero["tsb"] < -20).sum() == 42


def test_acwr_waits_for_28_days_of_history():
    loads = [50.0, 0.0] * 20
    acwr = _daily(loads).select(acute_chronic_workload_ratio(pl.col("training_load")))
    ratios = acwr.to_series().to_list()
    assert ratios[:27] == [None] * 27
    # day 28 (index 27, a rest day): the month holds 14 x 50, its last week 3 x 50
    assert ratios[27] == pytest.approx(150 / (700 / 4))
    assert ratios[28] == pytest.approx(200 / (700 / 4))
    # the naive ratio with whatever history exists reads 4.0 on the first day
    load = pl.col("training_load")
    naive = _daily(loads).select(
        load.rolling_sum(7, min_samples=1) / (load.rolling_sum(28, min_samples=1) / 4)
    )
    assert naive.item(0, 0) == 4.0


def test_acwr_is_null_when_the_month_was_rest():
    loads = [30.0] * 7 + [0.0] * 40
    ratios = _daily(loads).select(acute_chronic_workload_ratio(pl.col("training_load")))
    assert ratios.to_series().to_list()[35:] == [None] * 12


def test_trimp_worked_examples():
    assert banister_trimp(60, 150, 50, 190, "male") == pytest.approx(108.10, abs=0.01)
    assert banister_trimp(60, 150, 50, 190, "female") == pytest.approx(121.50, abs=0.01)
    unknown = banister_trimp(60, 150, 50, 190, None)
    assert 108.10 < unknown < 121.50


def test_heart_rate_zones():
    zones = heart_rate_zones(190, 50)
    assert [z["zone"] for z in zones] == [1, 2, 3, 4, 5]
    assert zones[0]["min_bpm"] == 120 and zones[-1]["max_bpm"] == 190
    assert heart_rate_zones(200)[2]["min_bpm"] == 140
    assert max_hr_for_age(40) == 180 and max_hr_for_age(40, "fox") == 180


@settings(max_examples=50, deadline=None)
@given(st.lists(st.floats(0, 500, allow_nan=False), min_size=1, max_size=120))
def test_pmc_equals_the_recursive_definition(loads):
    pmc = _pmc(loads)
    atl = ctl = sum(loads[:28]) / len(loads[:28])
    previous_balance = 0.0
    for i, load in enumerate(loads):
        atl = atl * math.exp(-1 / 7) + load * (1 - math.exp(-1 / 7))
        ctl = ctl * math.exp(-1 / 42) + load * (1 - math.exp(-1 / 42))
        row = pmc.row(i, named=True)
        assert row["atl"] == pytest.approx(atl, abs=1e-6)
        assert row["ctl"] == pytest.approx(ctl, abs=1e-6)
        assert row["tsb"] == pytest.approx(previous_balance, abs=1e-6)
        previous_balance = ctl - atl
