import datetime as dt

import polars as pl
import pytest

from transforms.terra_sources import healthkit_samples

T0 = dt.datetime(2026, 5, 3, 7, tzinfo=dt.UTC)
HR = "HKQuantityTypeIdentifierHeartRate"


def at(seconds: float) -> dt.datetime:
    return T0 + dt.timedelta(seconds=seconds)


def workouts() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "runner_id": ["ana", "ana"],
            "workout_id": ["w2", "w1"],
            "start_time": [at(1000), at(0)],
            "end_time": [at(1100), at(100)],
        }
    )


def route(points: list[tuple[str, float]]) -> pl.DataFrame:
    return pl.DataFrame(
        schema={
            "runner_id": pl.String,
            "workout_id": pl.String,
            "time": pl.Datetime("us", "UTC"),
            **dict.fromkeys(("speed_mps", "latitude", "longitude", "altitude_meters"), pl.Float64),
        },
        data={
            "runner_id": ["ana"] * len(points),
            "workout_id": [w for w, _ in points],
            "time": [at(s) for _, s in points],
            "speed_mps": [3.0] * len(points),
            "latitude": [38.7 + s * 1e-5 for _, s in points],
            "longitude": [-9.1] * len(points),
            "altitude_meters": [10.0] * len(points),
        },
    )


def heart(times: list[float]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "runner_id": ["ana"] * len(times),
            "type": [HR] * len(times),
            "record_id": [f"r{i}" for i in range(len(times))],
            "start_time": [at(s) for s in times],
            "value": [140.0 + s for s in times],
        }
    )


def expected(points, times) -> pl.DataFrame:
    """What an outer join on workout and instant, sorted, gives."""
    spans = workouts().select(
        "runner_id", pl.col("workout_id").alias("external_id"), "start_time", "end_time"
    )
    rows = (
        route(points)
        .select("runner_id", pl.col("workout_id").alias("external_id"), pl.col("time").alias("t"))
        .unique()
    )
    beats = (
        heart(times)
        .join(spans, on="runner_id")
        .filter(pl.col("start_time").is_between(pl.col("start_time_right"), pl.col("end_time")))
        .group_by("runner_id", "external_id", pl.col("start_time").alias("t"))
        .agg(pl.col("value").mean())
    )
    return rows.join(beats, on=["runner_id", "external_id", "t"], how="full", coalesce=True).sort(
        "external_id", "t"
    )


@pytest.mark.parametrize(
    ("points", "times"),
    [
        # heart rates at the instants of points, between them, before the first, in both
        ([("w1", 0), ("w1", 10), ("w2", 1000), ("w2", 1010)], [0, 5, 10, 1005, 1010, 1050]),
        # two heart rates at one instant: one sample, paired with the point
        ([("w1", 0), ("w1", 10), ("w2", 1000)], [10, 10, 1000]),
        # a point twice at one instant: one point
        ([("w1", 0), ("w1", 10), ("w1", 10)], [10, 20]),
        # heart rates only (an indoor run), two at one instant
        ([], [10, 10, 20]),
    ],
)
def test_points_and_heart_rates_share_rows_like_an_outer_join(points, times):
    """One row per workout and instant, as an outer join of the deduplicated sides gives."""
    samples = healthkit_samples(workouts(), route(points), heart(times))
    got = samples.select("external_id", "timestamp", "heart_rate_bpm", "lat_deg")
    want = expected(points, times)
    assert got.select("external_id", "timestamp").rows() == want.select("external_id", "t").rows()
    assert sorted(got["heart_rate_bpm"].drop_nulls().to_list()) == sorted(
        want["value"].drop_nulls().to_list()
    )
    paired = got.filter(pl.col("heart_rate_bpm").is_not_null() & pl.col("lat_deg").is_not_null())
    points_at = {(w, at(s)) for w, s in points}
    assert set(paired.select("external_id", "timestamp").rows()) <= points_at
    assert samples["elapsed_seconds"].min() >= 0
    for _, workout in samples.drop_nulls("distance_meters").group_by("external_id"):
        assert workout["distance_meters"].is_sorted() and workout["distance_meters"][0] == 0


def _motion(contexts: list[str | None]) -> pl.DataFrame:
    rows = [(f"r{i}", c) for i, c in enumerate(contexts) if c is not None]
    return pl.DataFrame(
        {
            "record_id": [r for r, _ in rows],
            "key": ["HKMetadataKeyHeartRateMotionContext"] * len(rows),
            "value": [c for _, c in rows],
        },
        schema={"record_id": pl.String, "key": pl.String, "value": pl.String},
    )


@pytest.mark.parametrize(
    ("contexts", "want"),
    [
        (["1", "2"], 151.0),  # background (sedentary) beside the workout's own: the workout's
        (["0", "2"], 151.0),
        ([None, None], 119.0),  # nothing tells them apart: the mean
        (["2", "2"], 119.0),
    ],
)
def test_same_second_heart_rates_resolve_to_the_workouts_own(contexts, want):
    beats = heart([30, 30]).with_columns(pl.Series("value", [87.0, 151.0]))
    samples = healthkit_samples(workouts(), route([("w1", 0)]), beats, _motion(contexts))
    at_30 = samples.filter(pl.col("timestamp") == at(30))
    assert at_30["heart_rate_bpm"].to_list() == [want]
    assert not samples.select(pl.struct("external_id", "timestamp").is_duplicated().any()).item()


def test_route_distance_per_track_never_steps_across_tracks():
    from transforms.terra_sources import route_distance

    frame = pl.DataFrame(
        {
            "track": [0, 0, 0, 1, 1, 1, 1, 2, 2],
            "lat_deg": [38.700, None, 38.701, None, 10.0, 10.001, 10.002, 38.0, 38.0],
            "lon_deg": [-9.1, None, -9.1, None, 0.0, 0.0, None, None, 1.0],
        }
    )
    meters = frame.select(route_distance().over("track")).to_series().to_list()
    step = 111.19  # 0.001 degree of latitude, in metres
    assert meters[0] == 0 and meters[1] is None and meters[2] == pytest.approx(step, abs=0.01)
    # track 1 starts from nothing, though track 0 had a fix just before it
    assert meters[3] is None and meters[4] == 0
    assert meters[5] == pytest.approx(step, abs=0.01)
    assert meters[6] == meters[5]  # a latitude without longitude adds no step
    # nor from a longitude of another track
    assert meters[7] == 0 and meters[8] == 0


def test_core_locations_unknown_speed_is_no_speed():
    points = route([("w1", 0), ("w1", 10)]).with_columns(pl.Series("speed_mps", [-1.0, 3.2]))
    samples = healthkit_samples(workouts(), points, heart([5]))
    assert samples["speed_meters_per_second"].to_list() == [None, None, 3.2]  # 0 s, 5 s, 10 s


def test_a_track_without_distance_gets_the_distance_along_its_positions():
    """GPX files carry positions but no distance; FIT files' own distance is kept."""
    from transforms.terra_sources import strava_samples

    raw = pl.DataFrame(
        {
            "runner_id": ["ana"] * 5,
            "activity_id": [2, 1, 1, 1, 2],
            "timestamp": [at(0), at(10), at(0), at(5), at(5)],
            "elapsed_seconds": [0.0, 10.0, 0.0, 5.0, 5.0],
            "heart_rate_bpm": [None] * 5,
            "speed_mps": [None] * 5,
            "cadence_spm": [None] * 5,
            "power_watts": [None] * 5,
            "latitude": [38.7, 38.702, 38.7, 38.701, 38.701],
            "longitude": [-9.1] * 5,
            "altitude_meters": [None] * 5,
            "distance_meters": [0.0, None, None, None, 120.0],
            "temperature_celsius": [None] * 5,
        },
        schema_overrides={c: pl.Float64 for c in ("heart_rate_bpm", "speed_mps", "cadence_spm")}
        | {c: pl.Float64 for c in ("power_watts", "altitude_meters", "temperature_celsius")},
    )
    samples = strava_samples(raw).sort("external_id", "timestamp")
    step = 111.19  # 0.001 degree of latitude, in metres
    gpx = samples.filter(pl.col("external_id") == 1)["distance_meters"].to_list()
    assert gpx == [0, pytest.approx(step, abs=0.01), pytest.approx(2 * step, abs=0.02)]
    fit = samples.filter(pl.col("external_id") == 2)["distance_meters"].to_list()
    assert fit == [0.0, 120.0]
