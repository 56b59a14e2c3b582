import datetime as dt

import polars as pl
import pytest

from transforms.intervals import sorted_by, union_intervals, within_intervals

T0 = dt.datetime(2026, 5, 3, 7, tzinfo=dt.UTC)


def shuffled(keys: list[int], offsets_s: list[float]) -> pl.DataFrame:
    frame = pl.DataFrame(
        {
            "key": pl.Series(keys, dtype=pl.UInt32),
            "at": [T0 + dt.timedelta(seconds=s) for s in offsets_s],
            "value": list(range(len(keys))),
        }
    )
    return frame.sample(fraction=1.0, shuffle=True, seed=3)


def test_sorted_by_key_then_instant_like_a_two_column_sort():
    frame = shuffled([3, 1, 2, 1, 3, 2, 1], [5, 1, 2, 0, -4, 9, 0.5])
    assert sorted_by(frame, "key", "at").equals(frame.sort("key", "at"))


@pytest.mark.parametrize("top_key", [1, 2**20])
def test_sorted_by_ranks_instants_when_their_span_leaves_no_room(top_key):
    # a year in microseconds needs 45 bits: with keys up to 2**20 the two exceed 63 bits
    year = 365 * 86400
    frame = shuffled([top_key, 0, top_key, 0, 0], [year, 0, 1, -year / 2, 0.25])
    assert sorted_by(frame, "key", "at").equals(frame.sort("key", "at"))


def test_sorted_by_enum_key_follows_its_categories():
    frame = pl.DataFrame(
        {
            "key": pl.Series(["b", "a", "b", "a"], dtype=pl.Enum(["a", "b"])),
            "at": [T0 + dt.timedelta(seconds=s) for s in (1, 3, 0, 2)],
        }
    )
    assert sorted_by(frame, "key", "at")["at"].to_list() == [
        T0 + dt.timedelta(seconds=s) for s in (2, 3, 0, 1)
    ]


def test_sorted_by_with_missing_instants_sorts_them_first():
    frame = pl.DataFrame(
        {"key": pl.Series([1, 1, 0], dtype=pl.UInt32), "at": [T0, None, T0]},
        schema_overrides={"at": pl.Datetime("us", "UTC")},
    )
    assert sorted_by(frame, "key", "at").equals(frame.sort("key", "at"))


def test_points_take_the_interval_of_their_own_runner():
    points = pl.DataFrame(
        {
            "runner_id": ["ben", "ana", "ana", "ben"],
            "t": [T0 + dt.timedelta(minutes=m) for m in (5, 5, 50, 30)],
        }
    )
    intervals = pl.DataFrame(
        {
            "runner_id": ["ana", "ben"],
            "name": ["ana-run", "ben-run"],
            "start": [T0, T0 + dt.timedelta(minutes=20)],
            "end": [T0 + dt.timedelta(minutes=40), T0 + dt.timedelta(minutes=60)],
        }
    )
    inside = within_intervals(points, "t", intervals, "start", "end")
    assert inside.select("runner_id", "name").rows() == [("ana", "ana-run"), ("ben", "ben-run")]


@pytest.mark.parametrize("coded", [False, True])
def test_union_merges_overlaps_and_near_gaps_per_key(coded):
    minutes = [(0, 10), (5, 20), (21, 30), (40, 50), (0, 5), (45, 60)]
    frame = pl.DataFrame(
        {
            "runner_id": ["ana", "ana", "ana", "ana", "ben", "ben"],
            "start_time": [T0 + dt.timedelta(minutes=a) for a, _ in minutes],
            "end_time": [T0 + dt.timedelta(minutes=b) for _, b in minutes],
        }
    ).reverse()
    if coded:
        frame = frame.with_columns(pl.col("runner_id").cast(pl.Enum(["ana", "ben"])))
    union = union_intervals(frame, ["runner_id"], gap_seconds=90)
    assert [(r, (s - T0).seconds // 60, (e - T0).seconds // 60) for r, s, e in union.rows()] == [
        ("ana", 0, 30),
        ("ana", 40, 50),
        ("ben", 0, 5),
        ("ben", 45, 60),
    ]
