import datetime as dt

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from transforms.device_dedup import deduplicated_values, device_class
from transforms.intervals import covered_seconds, union_intervals

T0 = dt.datetime(2026, 3, 1, 8, tzinfo=dt.UTC)


def sample(device, start_s, end_s, value, runner="ana"):
    return {
        "runner_id": runner,
        "device": device,
        "start_time": T0 + dt.timedelta(seconds=start_s),
        "end_time": T0 + dt.timedelta(seconds=end_s),
        "value": float(value),
    }


def counted(*rows):
    frame = pl.DataFrame(list(rows))
    return deduplicated_values(frame, ["runner_id"])["counted_value"].to_list()


def test_watch_wins_where_both_recorded():
    # phone 0-600 s, 600 steps; watch 300-600 s, 320 steps: phone keeps its first half
    assert counted(
        sample("iphone", 0, 600, 600), sample("apple_watch", 300, 600, 320)
    ) == pytest.approx([300, 320])


def test_phone_alone_counts_fully_and_runners_do_not_mix():
    assert counted(
        sample("iphone", 0, 600, 600), sample("apple_watch", 0, 600, 500, runner="ben")
    ) == [600, 500]


def test_instant_samples_are_one_second_long():
    assert counted(
        sample("apple_watch", 0, 60, 60), sample("iphone", 30, 30, 5), sample("iphone", 90, 90, 5)
    ) == [60, 0, 5]


def test_device_class():
    frame = pl.DataFrame(
        {
            "source": ["Ana\u2019s Apple Watch", "Ana\u2019s iPhone", "Withings", None],
            "hardware": [None, "iPhone14,2", None, "Watch6,7"],
        }
    )
    classes = frame.select(device_class(pl.col("source"), pl.col("hardware")).alias("device"))
    assert classes["device"].to_list() == ["apple_watch", "iphone", "other", "apple_watch"]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 3000), st.integers(1, 900)), min_size=1, max_size=12),
    st.lists(st.tuples(st.integers(0, 3000), st.integers(1, 900)), min_size=1, max_size=12),
)
def test_covered_seconds_matches_brute_force(cover, probes):
    def frame(spans):
        return pl.DataFrame(
            [
                {
                    "k": "r",
                    "start_time": T0 + dt.timedelta(seconds=a),
                    "end_time": T0 + dt.timedelta(seconds=a + n),
                }
                for a, n in spans
            ]
        )

    covered = covered_seconds(frame(probes), frame(cover), ["k"]).to_list()
    seconds = {s for a, n in cover for s in range(a, a + n)}
    expected = [sum(1 for s in range(a, a + n) if s in seconds) for a, n in probes]
    assert covered == pytest.approx(expected)
    assert union_intervals(frame(cover), ["k"]).height <= len(cover)
