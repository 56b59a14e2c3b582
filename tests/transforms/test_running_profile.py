import datetime as dt

import polars as pl
import pytest

from transforms.physiology import RACE_METERS, vdot
from transforms.running_profile import infer_running_profile

AS_OF = dt.date(2026, 11, 1)


def runs(n_weeks=12, per_week=4, km=8.0, pace=330.0, hr=130.0):
    rows = []
    for w in range(n_weeks):
        for r in range(per_week):
            day = AS_OF - dt.timedelta(days=7 * w + r * 2)
            rows.append(
                {
                    "activity_id": f"a{w}-{r}",
                    "local_date": day,
                    "distance_meters": km * 1000 * (1.6 if r == 0 else 1),
                    "duration_seconds": km * pace * (1.6 if r == 0 else 1),
                    "avg_heart_rate_bpm": hr,
                    "max_heart_rate_bpm": 178.0,
                    "session_type": "easy",
                    "is_race": False,
                }
            )
    return pl.DataFrame(rows)


EFFORTS = pl.DataFrame(
    [
        {
            "activity_id": "a1-0",
            "local_date": AS_OF - dt.timedelta(days=10),
            "effort": "five_k",
            "distance_meters": 5000.0,
            "seconds": 1320.0,
        },
        {
            "activity_id": "old",
            "local_date": AS_OF - dt.timedelta(days=400),
            "effort": "five_k",
            "distance_meters": 5000.0,
            "seconds": 1200.0,
        },
    ]
)


def test_profile_from_regular_training():
    inferred = infer_running_profile(runs(), EFFORTS, {"age": 41, "rest_hr": 50}, AS_OF)
    running, physical = inferred["running"], inferred["physical"]
    assert running["actual_weekly_volume_km"] == pytest.approx((8 * 1.6 + 24) * 4 / 4, abs=0.1)
    assert running["actual_easy_pace_sec_per_km"] == pytest.approx(330)
    assert running["long_run_distance_km"] == pytest.approx(12.8)
    assert running["training_consistency"] == "very_high"
    # the only efforts are stretches of easy runs (the 22:00 5K of a 12.8 km run): not maximal
    assert "vdot" not in running and "pace_zones" not in running
    assert running["personal_bests"]["five_k"] == {
        "time": 1200.0,
        "date": AS_OF - dt.timedelta(days=400),
        "source": "inferred",
        "activity_id": "old",
    }
    assert physical == {
        "max_hr_bpm": 178.0,
        "max_hr_source": "observed",
        "observed_max_hr_bpm": 178.0,
    }
    assert running["hr_zones_source"] == "karvonen"


def test_without_heart_rate_max_comes_from_age():
    data = runs().with_columns(
        pl.lit(None, pl.Float64).alias("max_heart_rate_bpm"),
        pl.lit(None, pl.Float64).alias("avg_heart_rate_bpm"),
    )
    inferred = infer_running_profile(data, EFFORTS.head(0), {"age": 40, "rest_hr": None}, AS_OF)
    assert inferred["physical"] == {"max_hr_bpm": 180.0, "max_hr_source": "tanaka"}
    told = infer_running_profile(data, EFFORTS.head(0), {"age": 40, "max_hr": 191}, AS_OF)
    assert told["physical"] == {"max_hr_bpm": 191.0, "max_hr_source": "user"}
    assert "vdot" not in inferred["running"]
    assert inferred["running"]["hr_zones_source"] == "percent_max"


MAX_HR = 180.0


def run(activity_id, days_ago, km, seconds, hr, session_type="easy", is_race=False):
    return {
        "activity_id": activity_id,
        "local_date": AS_OF - dt.timedelta(days=days_ago),
        "distance_meters": km * 1000,
        "duration_seconds": float(seconds),
        "avg_heart_rate_bpm": float(hr),
        "max_heart_rate_bpm": MAX_HR,
        "session_type": session_type,
        "is_race": is_race,
    }


def effort(activity_id, days_ago, name, seconds):
    return {
        "activity_id": activity_id,
        "local_date": AS_OF - dt.timedelta(days=days_ago),
        "effort": name,
        "distance_meters": RACE_METERS[name],
        "seconds": float(seconds),
    }


def profile(run_rows, effort_rows=(), personal_bests=None):
    runner = {"age": 50, "rest_hr": 50, "max_hr": MAX_HR, "personal_bests": personal_bests}
    efforts = pl.DataFrame(list(effort_rows), schema=EFFORTS.schema)
    return infer_running_profile(pl.DataFrame(run_rows), efforts, runner, AS_OF)["running"]


LONG_RUN = run("long", 5, 21.0, 21 * 400, 150, session_type="long")
LONG_RUN_FAST_FINISH = effort("long", 5, "five_k", 21 * 60)  # VDOT 47.0


def test_a_long_runs_fast_finish_never_sets_vdot_a_race_named_so_does():
    parkrun = run("parkrun", 30, 4.9, 30 * 60 + 40, 165, session_type="race")
    running = profile([LONG_RUN, parkrun], [LONG_RUN_FAST_FINISH])
    assert running["vdot"] == round(vdot(4900, 1840), 1) == 29.3
    assert running["vdot_source"] == "race: 4.90 km in 30:40"
    assert running["vdot_date"] == AS_OF - dt.timedelta(days=30)
    assert running["vdot_activity_id"] == "parkrun"
    # the naive best over every effort would take the long run's stretch
    assert round(vdot(5000, 21 * 60), 1) == 47.0


def test_a_recent_all_out_3k_sets_vdot_without_any_personal_best():
    # 3 km at 94 % of max heart rate, neither flagged nor named a race
    trial = run("trial", 10, 3.0, 15 * 60, 0.94 * MAX_HR, session_type="tempo")
    tempo = run("tempo", 3, 8.0, 8 * 300, 0.89 * MAX_HR, session_type="tempo")
    running = profile([LONG_RUN, trial, tempo], [LONG_RUN_FAST_FINISH])
    assert running["vdot"] == round(vdot(3000, 900), 1) == 37.0
    assert running["vdot_source"] == "all-out run: 3.00 km in 15:00"
    assert running["vdot_activity_id"] == "trial"
    # the tempo run at 89 % of max would give 39.4: it is no all-out effort
    assert round(vdot(8000, 2400), 1) == 39.4
    assert "vdot" not in profile([LONG_RUN, tempo], [LONG_RUN_FAST_FINISH])


def test_a_race_with_its_warm_up_counts_by_its_fastest_stretch():
    race = run("race", 20, 10.1, 3050, 0.93 * MAX_HR, session_type="race")
    running = profile([race], [effort("race", 20, "five_k", 1410)])
    assert running["vdot"] == round(vdot(5000, 1410), 1) == 41.2
    assert running["vdot_source"] == "fastest stretch of race: 5.00 km in 23:30"
    assert round(vdot(10100, 3050), 1) == 39.7  # the whole recording, warm-up included


def test_older_performances_fade_beyond_12_weeks():
    old_race = run("old", 26 * 7, 5.0, 25 * 60, 170, is_race=True)  # VDOT 38.3
    trial = run("trial", 14, 3.0, 15 * 60, 0.94 * MAX_HR)  # VDOT 37.0
    running = profile([old_race, trial])
    # 26 weeks old: 14 weeks beyond the 12th, 7 % less: 35.6 < 37.0
    assert vdot(5000, 1500) * (1 - 0.005 * 14) == pytest.approx(35.63, abs=0.01)
    assert (running["vdot_activity_id"], running["vdot"]) == ("trial", 37.0)
    faster_race = run("old", 26 * 7, 5.0, 23 * 60, 170, is_race=True)  # VDOT 42.3
    running = profile([faster_race, trial])
    assert running["vdot"] == round(vdot(5000, 1380) * 0.93, 1) == 39.3
    assert running["vdot_activity_id"] == "old"
    too_old = run("older", 53 * 7, 5.0, 20 * 60, 175, is_race=True)
    assert profile([too_old, trial])["vdot_activity_id"] == "trial"


def test_a_dated_personal_best_the_runner_told_sets_vdot():
    told = {
        "five_k": {"time": 1500.0, "date": AS_OF - dt.timedelta(days=40), "source": "race"},
        "ten_k": {"time": 2700.0, "date": None, "source": "race"},  # undated: says nothing of now
        "half_marathon": {"time": 5000.0, "date": AS_OF, "source": "inferred"},  # ours, earlier
    }
    running = profile([LONG_RUN], [LONG_RUN_FAST_FINISH], personal_bests=told)
    assert running["vdot"] == round(vdot(5000, 1500), 1) == 38.3
    assert running["vdot_source"] == "personal best: 5.00 km in 25:00"
    assert running["vdot_activity_id"] is None
    # the undated 10K (45.3), our own earlier half (55.7) and the long run's stretch (47.0)
    # would all beat it
    assert round(vdot(10000, 2700), 1) == 45.3 and round(vdot(21097.5, 5000), 1) == 55.7


def test_a_told_personal_best_links_only_to_its_own_activity():
    told = {"five_k": {"time": 1500.0, "date": AS_OF - dt.timedelta(days=40), "source": "race"}}
    faster_elsewhere = effort("other", 5, "five_k", 1400)
    own = effort("own", 40, "five_k", 1512)  # the watch's 5K that day, 0.8 % off the chip time
    ten_k = effort("other", 5, "ten_k", 3000)
    bests = profile([LONG_RUN], [faster_elsewhere, own, ten_k], told)["personal_bests"]
    assert bests["five_k"] == {
        "time": 1500.0,
        "date": AS_OF - dt.timedelta(days=40),
        "source": "race",
        "activity_id": "own",
    }
    assert bests["ten_k"]["activity_id"] == "other"
    unmatched = profile([LONG_RUN], [faster_elsewhere], told)["personal_bests"]
    assert unmatched["five_k"]["activity_id"] is None
