import datetime as dt

import polars as pl
import pytest

from transforms.activities import label_samples, match_activities, merge_activities

T0 = dt.datetime(2026, 10, 5, 6, 30, tzinfo=dt.UTC)
SCHEMA = {
    "runner_id": pl.String,
    "source": pl.String,
    "external_id": pl.String,
    "source_file": pl.String,
    "start_time": pl.Datetime("us", "UTC"),
    "end_time": pl.Datetime("us", "UTC"),
    "activity_type": pl.String,
    "distance_meters": pl.Float64,
    "avg_heart_rate_bpm": pl.Float64,
    "has_heart_rate": pl.Boolean,
    "has_gps": pl.Boolean,
    "name": pl.String,
    "calories_kcal": pl.Float64,
}


def candidate(
    source,
    ext,
    start_min,
    minutes,
    km,
    *,
    hr=None,
    gps=True,
    runner="ana",
    kind="running",
    name=None,
    kcal=None,
):
    start = T0 + dt.timedelta(minutes=start_min)
    return {
        "runner_id": runner,
        "source": source,
        "external_id": ext,
        "source_file": f"{source}/{ext}",
        "start_time": start,
        "end_time": start + dt.timedelta(minutes=minutes),
        "activity_type": kind,
        "distance_meters": None if km is None else km * 1000,
        "avg_heart_rate_bpm": hr,
        "has_heart_rate": hr is not None,
        "has_gps": gps,
        "name": name,
        "calories_kcal": kcal,
    }


def frame(*rows):
    return pl.DataFrame(list(rows), schema=SCHEMA)


def test_same_run_in_strava_and_apple_health_is_one_activity():
    rows = frame(
        candidate("strava", "111", 0, 50, 10.02, hr=151, name="Morning Run"),
        candidate("healthkit", "hk-1", 0.2, 49.8, 9.95, hr=150, gps=False, kcal=640),
        candidate("strava", "222", 24 * 60, 30, 5.0),
    )
    merged = merge_activities(match_activities(rows))
    assert merged.height == 2
    first = merged.row(0, named=True)
    assert {m["source"] for m in first["merged_from"]} == {"strava", "healthkit"}
    assert first["name"] == "Morning Run"
    assert first["calories_kcal"] == 640  # only Apple Health had it
    assert first["distance_meters"] == 10020  # GPS recording preferred for distance


def test_heart_rate_prefers_the_recording_with_the_sensor():
    rows = frame(
        candidate("strava", "1", 0, 40, 8.0, hr=None),
        candidate("healthkit", "2", 0, 40, 8.1, hr=148, gps=False),
    )
    merged = merge_activities(match_activities(rows))
    assert merged["avg_heart_rate_bpm"].to_list() == [148]


def test_three_copies_match_transitively():
    rows = frame(
        candidate("strava", "1", 0, 60, 12.0),
        candidate("healthkit", "2", 1, 59, 11.9),
        candidate("garmin", "3", 0.5, 59.5, 12.05),
    )
    merged = merge_activities(match_activities(rows))
    assert merged.height == 1
    assert merged["source"].to_list() == ["garmin"]  # primary wearable outranks sync paths
    assert len(merged["merged_from"][0]) == 3


@pytest.mark.parametrize(
    ("other", "why"),
    [
        (candidate("healthkit", "x", 0, 90, 10.0), "duration differs"),
        (candidate("healthkit", "x", 0, 50, 14.0), "distance differs"),
        (candidate("healthkit", "x", 45, 50, 10.0), "little overlap"),
        (candidate("healthkit", "x", 0, 50, 10.0, runner="ben"), "other runner"),
        (candidate("healthkit", "x", 0, 50, 10.0, kind="cycling"), "other sport"),
        (candidate("strava", "x", 0, 50, 10.0), "same source"),
    ],
)
def test_non_matches_stay_apart(other, why):
    rows = frame(candidate("strava", "1", 0, 50, 10.0), other)
    assert match_activities(rows)["activity_id"].n_unique() == 2, why


def test_custom_priority_per_runner_wins():
    rows = frame(
        candidate("strava", "1", 0, 50, 10.0, name="From Strava"),
        candidate("healthkit", "2", 0, 50, 10.0, name="From Health"),
    )
    custom = pl.DataFrame({"runner_id": ["ana"], "source": ["healthkit"], "priority": [0]})
    merged = merge_activities(match_activities(rows), runner_priorities=custom)
    assert merged["name"].to_list() == ["From Health"]
    default = merge_activities(match_activities(rows))
    assert default["name"].to_list() == ["From Health"]  # equal priority: alphabetical source


def test_ids_are_stable_and_independent_of_row_order():
    rows = frame(
        candidate("strava", "1", 0, 50, 10.0),
        candidate("healthkit", "2", 0.1, 50, 10.0),
        candidate("strava", "3", 300, 20, 4.0),
    )
    a = merge_activities(match_activities(rows))
    b = merge_activities(match_activities(rows.reverse()))
    assert a.drop("merged_from").equals(b.drop("merged_from"))
    assert a["activity_id"].to_list() == ["ana:20261005T063000Z", "ana:20261005T113000Z"]


def test_a_late_run_in_utc_minus_5_belongs_to_its_local_day():
    from transforms.terra import local_day

    frame = pl.DataFrame(
        {
            "start_time": [dt.datetime(2026, 10, 6, 4, 30, tzinfo=dt.UTC)],  # 23:30 local
            "utc_offset_seconds": [-5 * 3600],
        }
    )
    assert frame.select(local_day())["local_date"].to_list() == [dt.date(2026, 10, 5)]


def test_samples_are_labelled_like_an_inner_join_in_their_own_order():
    samples = pl.DataFrame(
        {
            "runner_id": ["ana", "ana", "ana", "ben", "ana", "ana"],
            "external_id": ["1", "1", "2", "1", "9", "1"],
            "value": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0],
        }
    )
    recordings = pl.DataFrame(
        {
            "runner_id": ["ana", "ana", "ben"],
            "external_id": ["1", "2", "1"],
            "activity_id": ["a", "b", "c"],
        }
    )
    labelled = label_samples(samples, recordings)
    assert labelled.rows() == [
        ("ana", "1", 1.0, "a"),
        ("ana", "1", 2.0, "a"),
        ("ana", "2", 3.0, "b"),
        ("ben", "1", 4.0, "c"),
        ("ana", "1", 6.0, "a"),  # the unknown recording 9 is dropped, order kept
    ]
    joined = samples.join(recordings, on=["runner_id", "external_id"], maintain_order="left")
    assert labelled.equals(joined)
    twice = pl.concat([recordings, recordings.head(1)])
    assert label_samples(samples, twice).height == joined.height + 3  # a join, as promised


def test_labels_are_cut_into_the_samples_own_chunks():
    part = pl.DataFrame({"runner_id": ["ana"] * 3, "external_id": ["1", "1", "2"]})
    samples = pl.concat([part, part.head(2)], rechunk=False)
    recordings = pl.DataFrame(
        {"runner_id": ["ana", "ana"], "external_id": ["1", "2"], "activity_id": ["a", "b"]}
    )
    labelled = label_samples(samples, recordings)
    assert labelled["activity_id"].to_list() == ["a", "a", "b", "a", "a"]
    # chunked alike, the frame is never copied whole to line its columns up
    assert {tuple(c.chunk_lengths()) for c in labelled.get_columns()} == {(3, 2)}
