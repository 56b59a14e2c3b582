import datetime as dt
import math

import polars as pl
import pytest

from tests.plan_rows import PLANNED_SESSIONS, RACE_DATE, daily_rows, plan_row, session_rows
from transforms.physiology import performance_management
from transforms.site_charts import (
    activity_figure,
    activity_streams,
    form_zone,
    plan_season_figure,
    planned_loads,
    pmc_figure,
    profile_figure,
    project_pmc,
    route_figure,
    weekly_figure,
    zone_weeks,
)


@pytest.mark.parametrize(
    ("tsb", "zone"),
    [
        (-31.0, "High risk"),
        (-30.0, "Optimal (productive)"),
        (-15.0, "Optimal (productive)"),
        (-10.0, "Grey zone"),
        (0.0, "Grey zone"),
        (5.0, "Fresh"),
        (24.9, "Fresh"),
        (25.0, "Transition"),
    ],
)
def test_form_zones_are_trainingpeaks_not_every_negative_red(tsb, zone):
    assert form_zone(tsb) == zone


def test_the_projection_carries_the_warehouses_pmc_forward_exactly():
    """PMC over 60 days computed at once equals the PMC of the first 40 days projected over
    the last 20 from day 40's CTL and ATL."""
    start = dt.date(2026, 1, 1)
    loads = [float((i * 37) % 90) if i % 6 else 0.0 for i in range(60)]
    daily = pl.DataFrame(
        {
            "runner_id": ["a"] * 60,
            "date": [start + dt.timedelta(days=i) for i in range(60)],
            "training_load": loads,
        }
    )
    whole = performance_management(daily).sort("date")
    at = whole.row(39, named=True)
    future = daily.slice(40).select("date", "training_load")
    projected = project_pmc(at["ctl"], at["atl"], future)
    assert projected.height == 20
    for column in ("ctl", "atl", "tsb"):
        assert projected[column].to_list() == pytest.approx(whole.slice(40)[column].to_list())


def test_the_projection_counts_missing_days_as_rest():
    loads = pl.DataFrame(
        {"date": [dt.date(2026, 1, 1), dt.date(2026, 1, 3)], "training_load": [100.0, 0.0]}
    )
    projected = project_pmc(50.0, 50.0, loads)
    assert projected["date"].to_list() == [dt.date(2026, 1, d) for d in (1, 2, 3)]
    keep = math.exp(-1 / 42)
    ctl_day1 = 50 * keep + 100 * (1 - keep)
    assert projected["ctl"].to_list() == pytest.approx(
        [ctl_day1, ctl_day1 * keep, ctl_day1 * keep * keep]
    )


def test_planned_load_is_planned_minutes_at_the_runners_own_load_per_minute():
    plan = plan_row()
    sessions = pl.DataFrame(session_rows(plan), schema=PLANNED_SESSIONS.polars_schema)
    activities = pl.DataFrame(
        {
            "session_type": ["easy", "easy", "easy", "tempo"],
            "training_load": [60.0, 80.0, 200.0, 150.0],
            "moving_time_seconds": [3600.0, 3600.0, 3600.0, 3000.0],
        }
    )
    loads = planned_loads(sessions, activities, plan["start_date"])
    by_day = dict(loads.iter_rows())
    first_easy = plan["start_date"] + dt.timedelta(days=1)  # 6 km at 360 s/km: 36 minutes
    tempo = plan["start_date"] + dt.timedelta(days=3)  # 8 km: 48 minutes
    long_day = plan["start_date"] + dt.timedelta(days=6)  # 12 km: 72 minutes, kind never run
    assert by_day[first_easy] == pytest.approx(36 * (80 / 60))  # median of 1.0, 1.33, 3.33
    assert by_day[tempo] == pytest.approx(48 * 3.0)
    # median of every run per minute: 1.0, 1.33, 3.0 and 3.33
    assert by_day[long_day] == pytest.approx(72 * (80 / 60 + 3.0) / 2)
    assert by_day[plan["start_date"] + dt.timedelta(days=2)] == 0.0  # rest
    assert plan["start_date"] not in by_day  # only days after `after`


def test_pmc_figure_marks_today_race_projection_start_up_and_form_zones():
    daily = daily_rows("ana", 60, start=dt.date(2026, 8, 1))
    projection = project_pmc(
        40.0,
        45.0,
        pl.DataFrame({"date": [dt.date(2026, 10, 5)], "training_load": [50.0]}),
    )
    today, race = dt.date(2026, 9, 29), dt.date(2026, 10, 10)
    figure = pmc_figure(daily, today=today, races=[(race, "race day")], projection=projection)
    names = [trace.name for trace in figure.data]
    assert names[:4] == ["Daily load", "Fitness (CTL, 42 d)", "Fatigue (ATL, 7 d)", "Form (TSB)"]
    assert {"Fitness, planned", "Fatigue, planned", "Form, planned"} <= set(names)
    lines = [s for s in figure.layout.shapes if s.type == "line"]
    assert {s.x0 for s in lines} == {today.isoformat(), race.isoformat()}
    texts = {a.text for a in figure.layout.annotations}
    assert {"today", "race day", "Optimal (productive)", "High risk", "Transition"} <= texts
    assert any("seeded from the first 28 days" in t for t in texts)
    # the axis reaches race day, after the data and the projection end
    assert figure.layout.xaxis.range[1] >= race
    with pytest.raises(ValueError, match="no daily summaries"):
        pmc_figure(daily.head(0), today=today)


def test_the_radar_holds_strengths_only_and_risk_reads_lower_is_better():
    snapshot = plan_row()["runner_snapshot"]
    with_race = profile_figure(snapshot, has_race=True)
    radar, bars = with_race.data
    assert not any("Risk" in label or "Race" in label for label in radar.theta)
    assert list(bars.y) == ["Injury risk (lower is better)", "Race readiness"]
    no_race = profile_figure(snapshot, has_race=False)
    assert list(no_race.data[1].y) == ["Injury risk (lower is better)"]
    assert "no race set" in no_race.layout.title.text
    with pytest.raises(ValueError, match="no strength scores"):
        profile_figure({"injury_risk": {"score": 80}}, has_race=False)


def test_the_season_chart_names_recovery_phase_and_lighter_weeks_once_each():
    plan = plan_row()
    weeks = [dict(w) for w in plan["weekly_plan"]]
    weeks[1]["phase"] = "Recovery"
    figure = plan_season_figure(weeks, RACE_DATE, plan["start_date"] + dt.timedelta(days=9))
    names = [t.name for t in figure.data]
    assert len(names) == len(set(names))
    assert "Recovery phase" in names and "Lighter (recovery) week" in names
    assert {a.text for a in figure.layout.annotations} == {"today", "race day"}


def _weeks() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "week_start_date": [dt.date(2026, 9, 7), dt.date(2026, 9, 14)],
            "planned_volume_km": [40.0, 16.09344],
            "actual_volume_km": [32.18688, None],
            "training_load": [300.0, 120.0],
            "ending_ctl": [40.0, 42.0],
        }
    )


def test_a_miles_runner_reads_weekly_volume_in_miles_and_a_km_runner_in_km():
    km = weekly_figure(_weeks(), "metric")
    planned, run = km.data[0], km.data[1]
    assert (planned.name, run.name) == ("Planned (km)", "Run (km)")
    assert list(planned.y) == [40.0, 16.09344] and list(run.y) == [32.18688, None]
    assert km.layout.yaxis.title.text == "km"
    assert weekly_figure(_weeks()).to_json() == km.to_json()  # unset units read km

    miles = weekly_figure(_weeks(), "imperial")
    planned, run = miles.data[0], miles.data[1]
    assert (planned.name, run.name) == ("Planned (mi)", "Run (mi)")
    assert list(planned.y) == pytest.approx([40.0 / 1.609344, 10.0])
    assert run.y[0] == pytest.approx(32.18688 / 1.609344) == 20.0
    assert run.y[1] is None
    assert "mi" in miles.layout.yaxis.title.text and "km" not in miles.layout.yaxis.title.text
    assert list(miles.data[2].y) == [300.0, 120.0]  # load is not a distance


def test_the_season_chart_and_the_pace_axis_follow_the_runners_units():
    plan = plan_row()
    weeks = plan["weekly_plan"]
    km = plan_season_figure(weeks, RACE_DATE, plan["start_date"])
    miles = plan_season_figure(weeks, RACE_DATE, plan["start_date"], "imperial")
    assert miles.layout.yaxis.title.text == "planned mi"
    assert list(miles.data[0].y) == pytest.approx([v / 1.609344 for v in km.data[0].y])
    streams = pl.DataFrame(
        {
            "elapsed_minutes": [0.0, 1.0],
            "pace_seconds_per_km": [300.0, 330.0],
            "heart_rate_bpm": [None, None],
            "altitude_meters": [100.0, 110.0],
            "cadence_spm": [None, None],
        },
        schema_overrides={"heart_rate_bpm": pl.Float64, "cadence_spm": pl.Float64},
    )
    figure = activity_figure(streams, "imperial")
    pace, climb = figure.data[0], figure.data[1]
    assert list(pace.customdata) == ["8:03", "8:51"] and pace.hovertemplate == "%{customdata}/mi"
    assert list(climb.y) == pytest.approx([328.084, 360.892], abs=1e-3)  # feet, as Strava
    titles = [a.text for a in figure.layout.annotations]
    assert titles == ["Pace (/mi)", "Elevation (ft)"]
    assert [a.text for a in activity_figure(streams).layout.annotations] == [
        "Pace (/km)",
        "Elevation (m)",
    ]


def test_streams_average_sources_per_bucket_and_drop_standing_paces():
    samples = pl.DataFrame(
        {
            "elapsed_seconds": [0.0, 1.0, 0.0, 10.0, 12.0],
            "speed_meters_per_second": [4.0, 4.0, None, 0.5, None],
            "heart_rate_bpm": [None, None, 140.0, 150.0, 152.0],
            "altitude_meters": [10.0, 12.0, None, 11.0, None],
            "cadence_spm": [170.0, 172.0, None, None, None],
            "lat_deg": [38.7, 38.7, None, 38.701, None],
            "lon_deg": [-9.1, -9.1, None, -9.1, None],
            "distance_meters": [0.0, 4.0, None, 40.0, None],
        }
    )
    streams = activity_streams(samples, bucket_seconds=10)
    assert streams["elapsed_minutes"].to_list() == pytest.approx([0.0, 10 / 60])
    assert streams["pace_seconds_per_km"].to_list() == [250.0, None]  # 2000 s/km is standing
    assert streams["heart_rate_bpm"].to_list() == [140.0, 151.0]
    assert streams["altitude_meters"].to_list() == [11.0, 11.0]


def test_the_route_is_drawn_to_scale_in_km_from_the_start():
    north = pl.DataFrame(
        {
            "lat_deg": [60.0, 60.0 + 1000 / 110_574],
            "lon_deg": [10.0, 10.0 + 1000 / (111_320 * math.cos(math.radians(60.0)))],
            "distance_km": [0.0, 1.4],
        }
    )
    figure = route_figure(north)
    route = figure.data[0]
    assert route.x[-1] == pytest.approx(1.0, rel=1e-3)
    assert route.y[-1] == pytest.approx(1.0, rel=1e-6)
    assert figure.layout.yaxis.scaleanchor == "x"
    with pytest.raises(ValueError, match="no route"):
        route_figure(north.head(1))


def test_zone_weeks_sum_hours_per_monday_and_the_easy_share():
    zones = [
        {
            "zone": 1,
            "name": "Recovery",
            "min_bpm": 100.0,
            "max_bpm": 120.0,
            "duration_seconds": 1800.0,
        },
        {
            "zone": 2,
            "name": "Aerobic",
            "min_bpm": 120.0,
            "max_bpm": 140.0,
            "duration_seconds": 3600.0,
        },
        {
            "zone": 4,
            "name": "Threshold",
            "min_bpm": 160.0,
            "max_bpm": 175.0,
            "duration_seconds": 1800.0,
        },
    ]
    activities = pl.DataFrame(
        {
            "local_date": [dt.date(2026, 11, 4), dt.date(2026, 11, 8), dt.date(2026, 11, 9)],
            "hr_zone_seconds": [zones, zones[:1], []],
        }
    )
    weeks = zone_weeks(activities)
    assert weeks["week_start_date"].unique().to_list() == [dt.date(2026, 11, 2)]
    assert dict(zip(weeks["zone"], weeks["hours"], strict=True)) == {1: 1.0, 2: 1.0, 4: 0.5}
    assert weeks["easy_share"][0] == pytest.approx(2 / 2.5)
