import datetime as dt

import polars as pl
import pytest

from transforms.sleep import sleep_sessions

NIGHT = dt.datetime(2026, 3, 1, 22, 30, tzinfo=dt.UTC)


def rec(device, stage, start_min, end_min, runner="ana"):
    return {
        "runner_id": runner,
        "device": device,
        "stage": stage,
        "start_time": NIGHT + dt.timedelta(minutes=start_min),
        "end_time": NIGHT + dt.timedelta(minutes=end_min),
    }


def night():
    return [
        rec("iphone", "in_bed", 0, 480),  # 22:30 - 06:30
        rec("apple_watch", "light", 15, 100),
        rec("apple_watch", "deep", 100, 160),
        rec("apple_watch", "rem", 160, 200),
        rec("apple_watch", "awake", 200, 210),
        rec("apple_watch", "light", 210, 300),
        rec("apple_watch", "rem", 300, 330),
        rec("apple_watch", "light", 330, 470),
    ]


def test_stage_totals_are_exact_and_in_bed_counts_each_second_once():
    session = sleep_sessions(pl.DataFrame(night())).row(0, named=True)
    assert session["duration_in_bed_seconds"] == 480 * 60
    assert session["duration_light_sleep_seconds"] == (85 + 90 + 140) * 60
    assert session["duration_deep_sleep_seconds"] == 60 * 60
    assert session["duration_rem_sleep_seconds"] == 70 * 60
    assert session["duration_asleep_seconds"] == (315 + 60 + 70) * 60
    assert session["duration_awake_seconds"] == 10 * 60
    assert session["sleep_latency_seconds"] == 15 * 60
    assert session["wake_up_latency_seconds"] == 10 * 60
    assert session["num_wakeup_events"] == 1
    assert session["num_rem_events"] == 2
    assert session["sleep_efficiency"] == pytest.approx(100 * 445 / 480, abs=0.05)
    assert not session["is_nap"]
    levels = [h["level"] for h in session["hypnogram"]]
    assert levels[0] == "awake" and "deep" in levels and levels[-1] == "awake"


def test_naps_and_separate_nights_are_separate_sessions():
    rows = [*night(), rec("apple_watch", "light", 15 * 60, 15 * 60 + 40)]
    sessions = sleep_sessions(pl.DataFrame(rows))
    assert sessions["is_nap"].to_list() == [False, True]
    assert sessions["duration_asleep_seconds"].to_list()[1] == 40 * 60


def test_phone_only_night_counts_unspecified_sleep():
    rows = [rec("iphone", "in_bed", 0, 420), rec("iphone", "unspecified", 20, 400)]
    session = sleep_sessions(pl.DataFrame(rows)).row(0, named=True)
    assert session["duration_unspecified_sleep_seconds"] == 380 * 60
    assert session["duration_in_bed_seconds"] == 420 * 60


def test_watch_stage_beats_phone_stage_for_the_same_second():
    rows = [rec("iphone", "unspecified", 0, 60), rec("apple_watch", "deep", 10, 40)]
    session = sleep_sessions(pl.DataFrame(rows)).row(0, named=True)
    assert session["duration_deep_sleep_seconds"] == 30 * 60
    assert session["duration_unspecified_sleep_seconds"] == 30 * 60
    assert session["duration_in_bed_seconds"] == 60 * 60
