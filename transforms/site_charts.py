"""Interactive charts of the coach's site, as Plotly figures (frames and dicts in, figures out).

Plotly renders in the browser from a figure's JSON with the plotly.js the site bundles once,
so the pages open from file:// with no network. Each function raises `ValueError` saying what
is missing when it has nothing to draw, instead of drawing an empty chart.

What the charts mean (issue 15):
- load units: the warehouse's training load, TRIMP-equivalent (Banister TRIMP from heart rate,
  or pace- or duration-based where there is none; `terra.activities.training_load_method`).
  CTL and ATL are load units per day.
- form (TSB) zones as TrainingPeaks draws them: above +25 transition (fitness being lost),
  +5 to +25 fresh, -10 to +5 grey zone, -30 to -10 optimal (productive training),
  below -30 high risk. Negative form is not all red.
- the PMC's start-up: CTL and ATL start from the mean load of the first 28 days
  (`physiology.performance_management`), so those first days are shaded as estimated.
- the radar shows strengths only; injury risk (lower is better) and race readiness (only with
  a race) are drawn apart as bars.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from typing import Any

import plotly.graph_objects as go
import polars as pl
from plotly.subplots import make_subplots

from transforms.physiology import ATL_DAYS, CTL_DAYS, SEED_DAYS, decay
from transforms.units import (
    clock,
    distance_in,
    distance_unit,
    elevation_in,
    elevation_unit,
    pace_in,
)
from warehouse.vocabulary import PHASES

CTL_COLOUR, ATL_COLOUR, FORM_COLOUR, LOAD_COLOUR = "#1f5fa8", "#d9480f", "#343a40", "#adb5bd"
PLANNED_COLOUR, DONE_COLOUR, RACE_COLOUR, TODAY_COLOUR = "#a5d8ff", "#1f5fa8", "#c92a2a", "#495057"
LOAD_UNITS = (
    "load units: TRIMP-equivalent training load (heart-rate TRIMP, or pace/duration based "
    "when a run has no heart rate)"
)

FORM_ZONES = (
    ("High risk", -math.inf, -30.0, "#ffc9c9"),
    ("Optimal (productive)", -30.0, -10.0, "#b2f2bb"),
    ("Grey zone", -10.0, 5.0, "#e9ecef"),
    ("Fresh", 5.0, 25.0, "#a5d8ff"),
    ("Transition", 25.0, math.inf, "#ffec99"),
)
"""TrainingPeaks' form (TSB) zones: name, lower and upper bound (load units/day), colour."""

PHASE_COLOURS = dict(
    zip(PHASES, ("#74c0fc", "#ffa94d", "#f03e3e", "#69db7c", "#adb5bd", "#b197fc"), strict=True)
)
STRENGTH_AXES = (
    ("endurance", "Endurance"),
    ("speed", "Speed"),
    ("recovery", "Recovery"),
    ("consistency", "Consistency"),
)
"""Runner-snapshot axes where more is better: the radar."""
ZONE_COLOURS = ("#d0ebff", "#74c0fc", "#ffd43b", "#ff922b", "#e03131")
EASY_ZONES = (1, 2)
"""Zones counted as easy in the 80/20 share."""
SLOWEST_PACE = 900.0
"""s/km: slower than 15:00/km is standing or walking, not drawn on a pace chart."""
CONFIG = {"displaylogo": False, "responsive": True}
"""Options given to Plotly.newPlot for every chart."""


def form_zone(tsb: float) -> str:
    """The TrainingPeaks form zone a TSB value falls in."""
    for name, low, high, _ in FORM_ZONES:
        if low <= tsb < high:
            return name
    raise ValueError(f"TSB {tsb!r} is not a number")


def _layout(figure: go.Figure, title: str, height: int = 420) -> go.Figure:
    figure.update_layout(
        title={"text": title, "x": 0, "xanchor": "left"},
        height=height,
        margin={"l": 60, "r": 30, "t": 60, "b": 40},
        template="plotly_white",
        legend={"orientation": "h", "y": -0.15},
        hovermode="x unified",
    )
    return figure


# --- fitness, fatigue and form ------------------------------------------------------------


def planned_loads(sessions: pl.DataFrame, activities: pl.DataFrame, after: dt.date) -> pl.DataFrame:
    """Projected load per planned day after `after`: the session's planned minutes times the
    runner's own median load per moving minute for that kind of session (all runs when the
    kind was never run; 1 load unit per minute, the load of an easy minute, with no runs).
    Columns date, training_load; rest days are 0."""
    runs = activities.filter(
        pl.col("training_load").is_not_null() & (pl.col("moving_time_seconds") > 0)
    ).with_columns(per_minute=pl.col("training_load") / (pl.col("moving_time_seconds") / 60))
    overall = runs["per_minute"].median() if runs.height else None
    by_kind = dict(
        runs.group_by("session_type")
        .agg(pl.col("per_minute").median())
        .filter(pl.col("session_type").is_not_null())
        .iter_rows()
    )
    days = sessions.filter(pl.col("scheduled_date") > after).sort("scheduled_date")
    loads = []
    for row in days.iter_rows(named=True):
        minutes = 0.0 if row["is_rest_day"] else (row["duration_seconds"] or 0.0) / 60
        rate = by_kind.get(row["session_type"], overall if overall is not None else 1.0)
        loads.append({"date": row["scheduled_date"], "training_load": minutes * float(rate)})
    frame = pl.DataFrame(loads, schema={"date": pl.Date, "training_load": pl.Float64})
    return frame.group_by("date").agg(pl.col("training_load").sum()).sort("date")


def project_pmc(ctl: float, atl: float, loads: pl.DataFrame) -> pl.DataFrame:
    """CTL, ATL and TSB carried forward day by day over `loads` (date, training_load; missing
    days count as rest) with the warehouse's decay (`physiology.decay`), from today's values."""
    if loads.is_empty():
        return pl.DataFrame(
            schema={"date": pl.Date, "ctl": pl.Float64, "atl": pl.Float64, "tsb": pl.Float64}
        )
    first, last = loads["date"].min(), loads["date"].max()
    by_day = dict(loads.select("date", "training_load").iter_rows())
    ctl_keep, atl_keep = decay(CTL_DAYS), decay(ATL_DAYS)
    rows = []
    day = first
    while day <= last:  # type: ignore[operator]
        tsb = ctl - atl
        load = by_day.get(day, 0.0)
        ctl = ctl * ctl_keep + load * (1 - ctl_keep)
        atl = atl * atl_keep + load * (1 - atl_keep)
        rows.append({"date": day, "ctl": ctl, "atl": atl, "tsb": tsb})
        day += dt.timedelta(days=1)  # type: ignore[operator]
    return pl.DataFrame(rows)


def pmc_figure(
    daily: pl.DataFrame,
    *,
    today: dt.date,
    races: Sequence[tuple[dt.date, str]] = (),
    projection: pl.DataFrame | None = None,
) -> go.Figure:
    """CTL, ATL and daily load above; TSB over TrainingPeaks' form zones below; today and race
    days marked; the plan's projection dashed; the seeded start-up shaded."""
    days = daily.drop_nulls(["date", "ctl", "atl"]).sort("date")
    if days.is_empty():
        raise ValueError("no daily summaries with CTL and ATL to draw fitness and form from")
    figure = make_subplots(
        rows=2, cols=1, shared_xaxes=True, row_heights=(0.62, 0.38), vertical_spacing=0.06
    )
    dates = days["date"].to_list()
    figure.add_bar(
        x=dates,
        y=days["training_load"].fill_null(0).to_list(),
        name="Daily load",
        marker_color=LOAD_COLOUR,
        opacity=0.55,
        row=1,
        col=1,
    )
    figure.add_scatter(
        x=dates,
        y=days["ctl"].to_list(),
        name="Fitness (CTL, 42 d)",
        line={"color": CTL_COLOUR, "width": 2.5},
        row=1,
        col=1,
    )
    figure.add_scatter(
        x=dates,
        y=days["atl"].to_list(),
        name="Fatigue (ATL, 7 d)",
        line={"color": ATL_COLOUR, "width": 1.5},
        row=1,
        col=1,
    )
    figure.add_scatter(
        x=dates,
        y=days["tsb"].to_list(),
        name="Form (TSB)",
        line={"color": FORM_COLOUR, "width": 1.5},
        row=2,
        col=1,
    )
    end = dates[-1]
    if projection is not None and not projection.is_empty():
        ahead = projection.sort("date")
        future = ahead["date"].to_list()
        end = max(end, future[-1])
        for column, name, colour, row in (
            ("ctl", "Fitness, planned", CTL_COLOUR, 1),
            ("atl", "Fatigue, planned", ATL_COLOUR, 1),
            ("tsb", "Form, planned", FORM_COLOUR, 2),
        ):
            figure.add_scatter(
                x=future,
                y=ahead[column].to_list(),
                name=name,
                line={"color": colour, "width": 1.5, "dash": "dash"},
                row=row,
                col=1,
            )
    low = min(-35.0, float(days["tsb"].min() or 0.0) - 5)  # type: ignore[arg-type]
    high = max(30.0, float(days["tsb"].max() or 0.0) + 5)  # type: ignore[arg-type]
    if projection is not None and not projection.is_empty():
        low = min(low, float(projection["tsb"].min()) - 5)  # type: ignore[arg-type]
        high = max(high, float(projection["tsb"].max()) + 5)  # type: ignore[arg-type]
    for name, bottom, top, colour in FORM_ZONES:
        figure.add_hrect(
            y0=max(bottom, low),
            y1=min(top, high),
            fillcolor=colour,
            opacity=0.5,
            line_width=0,
            layer="below",
            row=2,
            col=1,
            annotation_text=name,
            annotation_position="right",
            annotation_font={"size": 10, "color": "#495057"},
        )
    seed_end = dates[0] + dt.timedelta(days=SEED_DAYS - 1)
    figure.add_vrect(
        x0=dates[0],
        x1=min(seed_end, dates[-1]),
        fillcolor="#f1f3f5",
        opacity=0.6,
        line_width=0,
        layer="below",
        row=1,
        col=1,
        annotation_text=f"start-up: CTL/ATL seeded from the first {SEED_DAYS} days' mean load",
        annotation_position="top left",
        annotation_font={"size": 10},
    )
    _mark_day(figure, today, "today", TODAY_COLOUR, "dot")
    for race_day, label in races:
        _mark_day(figure, race_day, label, RACE_COLOUR, "dash")
        end = max(end, race_day)
    figure.update_yaxes(title_text="CTL / ATL (load units/day)", row=1, col=1)
    figure.update_yaxes(title_text="TSB (load units/day)", range=[low, high], row=2, col=1)
    figure.update_xaxes(range=[dates[0], end + dt.timedelta(days=3)])
    _layout(figure, "Fitness, fatigue and form", height=560)
    return figure


def _mark_day(figure: go.Figure, day: dt.date, label: str, colour: str, dash: str) -> None:
    # add_vline with annotations fails on date axes; a shape plus an annotation does not.
    stamp = day.isoformat()
    figure.add_shape(
        type="line",
        x0=stamp,
        x1=stamp,
        xref="x",
        yref="paper",
        y0=0,
        y1=1,
        line={"color": colour, "dash": dash, "width": 1.5},
    )
    figure.add_annotation(
        x=stamp,
        xref="x",
        yref="paper",
        y=1.02,
        text=label,
        showarrow=False,
        font={"color": colour, "size": 11},
        yanchor="bottom",
    )


# --- weeks ---------------------------------------------------------------------------------


def weekly_figure(weeks: pl.DataFrame, units: str | None = None) -> go.Figure:
    """Distance run against planned per ISO week in the runner's units (km or mi), weekly
    load, and the ramp rate: the change of CTL over the week (load units/day per week), from
    `coach.weekly_summaries` rows."""
    rows = weeks.sort("week_start_date")
    if rows.is_empty():
        raise ValueError("no weekly summaries to draw weekly volume from")
    rows = rows.with_columns(ramp=pl.col("ending_ctl").diff())
    starts = rows["week_start_date"].to_list()
    unit = distance_unit(units)
    figure = make_subplots(
        rows=2,
        cols=1,
        shared_xaxes=True,
        row_heights=(0.65, 0.35),
        vertical_spacing=0.08,
        specs=[[{"secondary_y": True}], [{}]],
    )
    figure.add_bar(
        x=starts,
        y=_distances(rows["planned_volume_km"].to_list(), units),
        name=f"Planned ({unit})",
        marker_color=PLANNED_COLOUR,
        row=1,
        col=1,
    )
    figure.add_bar(
        x=starts,
        y=_distances(rows["actual_volume_km"].to_list(), units),
        name=f"Run ({unit})",
        marker_color=DONE_COLOUR,
        row=1,
        col=1,
    )
    figure.add_scatter(
        x=starts,
        y=rows["training_load"].to_list(),
        name="Load (load units)",
        line={"color": ATL_COLOUR},
        mode="lines+markers",
        row=1,
        col=1,
        secondary_y=True,
    )
    ramp = rows["ramp"].to_list()
    figure.add_bar(
        x=starts,
        y=ramp,
        name="Ramp rate (CTL change/week)",
        marker_color=["#e03131" if (r or 0) > 8 else "#868e96" for r in ramp],
        row=2,
        col=1,
    )
    figure.add_hline(
        y=8,
        line={"color": "#e03131", "dash": "dot", "width": 1},
        row=2,
        col=1,
        annotation_text="+8/week: steep",
        annotation_position="top left",
    )
    figure.update_layout(barmode="group")
    figure.update_yaxes(title_text=unit, row=1, col=1, secondary_y=False)
    figure.update_yaxes(title_text="load units", rangemode="tozero", row=1, col=1, secondary_y=True)
    figure.update_yaxes(title_text="CTL change", row=2, col=1)
    return _layout(figure, "Weekly volume, load and ramp rate", height=480)


def _distances(kms: Sequence[float | None], units: str | None) -> list[float | None]:
    """Kilometres in the runner's distance unit, missing ones kept missing."""
    return [None if km is None else distance_in(km, units) for km in kms]


def zone_weeks(activities: pl.DataFrame) -> pl.DataFrame:
    """Hours in each heart-rate zone per ISO week (Monday) and the easy share (zones 1-2),
    from activities' `hr_zone_seconds`. Columns week_start_date, zone, hours, easy_share."""
    rows = (
        activities.filter(pl.col("hr_zone_seconds").list.len() > 0)
        .select(
            (pl.col("local_date") - pl.duration(days=pl.col("local_date").dt.weekday() - 1)).alias(
                "week_start_date"
            ),
            "hr_zone_seconds",
        )
        .explode("hr_zone_seconds")
        .unnest("hr_zone_seconds")
        .group_by("week_start_date", "zone")
        .agg((pl.col("duration_seconds").sum() / 3600).alias("hours"))
    )
    totals = rows.group_by("week_start_date").agg(
        (
            pl.col("hours").filter(pl.col("zone").is_in(EASY_ZONES)).sum() / pl.col("hours").sum()
        ).alias("easy_share")
    )
    return rows.join(totals, on="week_start_date").sort("week_start_date", "zone")


def zones_figure(activities: pl.DataFrame) -> go.Figure:
    """Time in heart-rate zones per week, stacked, with the easy share against 80 %."""
    weeks = zone_weeks(activities)
    if weeks.is_empty():
        raise ValueError("no runs with heart-rate zones to draw time in zones from")
    figure = make_subplots(specs=[[{"secondary_y": True}]])
    for zone in range(1, 6):
        part = weeks.filter(pl.col("zone") == zone)
        figure.add_bar(
            x=part["week_start_date"].to_list(),
            y=part["hours"].to_list(),
            name=f"Zone {zone}",
            marker_color=ZONE_COLOURS[zone - 1],
        )
    share = weeks.unique("week_start_date").sort("week_start_date")
    figure.add_scatter(
        x=share["week_start_date"].to_list(),
        y=(share["easy_share"] * 100).to_list(),
        name="Easy share (zones 1-2, %)",
        mode="lines+markers",
        line={"color": "#212529"},
        secondary_y=True,
    )
    starts = share["week_start_date"].to_list()
    figure.add_scatter(
        x=[starts[0], starts[-1]],
        y=[80, 80],
        name="80 % easy (80/20)",
        mode="lines",
        line={"dash": "dot", "color": "#2f9e44"},
        secondary_y=True,
    )
    figure.update_layout(barmode="stack")
    figure.update_yaxes(title_text="hours", secondary_y=False)
    figure.update_yaxes(title_text="easy share (%)", range=[0, 105], secondary_y=True)
    return _layout(figure, "Time in heart-rate zones per week (80/20)")


def wellness_figure(daily: pl.DataFrame) -> go.Figure:
    """Resting heart rate, HRV and sleep against daily load, from daily summaries."""
    days = daily.sort("date")
    measured = [
        c
        for c in ("resting_heart_rate_bpm", "hrv_sdnn_ms", "sleep_duration_seconds")
        if days[c].drop_nulls().len() > 0
    ]
    if not measured:
        raise ValueError("no resting heart rate, HRV or sleep to draw wellness from")
    figure = make_subplots(
        rows=3,
        cols=1,
        shared_xaxes=True,
        vertical_spacing=0.05,
        specs=[[{"secondary_y": True}], [{"secondary_y": True}], [{"secondary_y": True}]],
    )
    dates = days["date"].to_list()
    series = (
        ("resting_heart_rate_bpm", "Resting HR (bpm)", "#c2255c", 1.0),
        ("hrv_sdnn_ms", "HRV SDNN (ms)", "#5f3dc4", 1.0),
        ("sleep_duration_seconds", "Sleep (h)", "#1971c2", 1 / 3600),
    )
    for row, (column, name, colour, scale) in enumerate(series, start=1):
        figure.add_bar(
            x=dates,
            y=days["training_load"].fill_null(0).to_list(),
            name="Daily load",
            marker_color=LOAD_COLOUR,
            opacity=0.35,
            showlegend=row == 1,
            legendgroup="load",
            row=row,
            col=1,
            secondary_y=True,
        )
        figure.add_scatter(
            x=dates,
            y=(days[column] * scale).to_list(),
            name=name,
            mode="lines+markers",
            marker={"size": 4},
            line={"color": colour},
            connectgaps=False,
            row=row,
            col=1,
        )
        figure.update_yaxes(title_text=name, row=row, col=1, secondary_y=False)
        figure.update_yaxes(title_text="load", row=row, col=1, secondary_y=True, showgrid=False)
    return _layout(figure, "Wellness against load", height=620)


# --- the plan ------------------------------------------------------------------------------


def plan_season_figure(
    weekly_plan: Sequence[Mapping[str, Any]],
    race_date: dt.date | None,
    today: dt.date,
    units: str | None = None,
) -> go.Figure:
    """Planned distance (km or mi, the runner's units) per week coloured by phase, lighter
    weeks outlined (the legend names each phase once and lighter weeks apart from the
    Recovery phase), the hard share of running time as a line, today's week and race day
    marked."""
    weeks = sorted(
        (w for w in weekly_plan if w.get("week_number") is not None),
        key=lambda w: w["week_number"],
    )
    if not weeks:
        raise ValueError("the plan has no weeks to draw")
    unit = distance_unit(units)
    figure = make_subplots(specs=[[{"secondary_y": True}]])
    for phase in PHASES:
        part = [w for w in weeks if w.get("phase") == phase]
        if not part:
            continue
        figure.add_bar(
            x=[w["week_number"] for w in part],
            y=_distances([w.get("planned_volume_km") for w in part], units),
            name=f"{phase} phase",
            marker_color=PHASE_COLOURS[phase],
            marker_line={
                "color": [
                    "#212529" if w.get("is_recovery_week") else "rgba(0,0,0,0)" for w in part
                ],
                "width": 2.5,
            },
            marker_pattern_shape=["/" if w.get("is_recovery_week") else "" for w in part],
            customdata=[[w.get("start_date"), w.get("focus") or ""] for w in part],
            hovertemplate=f"Week %{{x}} from %{{customdata[0]}}: %{{y:.1f}} {unit}"
            "<br>%{customdata[1]}",
        )
    if any(w.get("is_recovery_week") for w in weeks):
        figure.add_bar(
            x=[None],
            y=[None],
            name="Lighter (recovery) week",
            marker_color="white",
            marker_line={"color": "#212529", "width": 2.5},
            marker_pattern_shape="/",
        )
    hard = [
        (w["week_number"], (w.get("intensity_distribution") or {}).get("hard_percentage"))
        for w in weeks
    ]
    figure.add_scatter(
        x=[n for n, h in hard if h is not None],
        y=[h for _, h in hard if h is not None],
        name="Hard share of time (%)",
        mode="lines+markers",
        line={"color": "#212529"},
        secondary_y=True,
    )
    for day, label, colour in (
        (today, "today", TODAY_COLOUR),
        (race_date, "race day", RACE_COLOUR),
    ):
        week = _week_of(weeks, day)
        if week is not None:
            figure.add_vline(x=week, line={"color": colour, "dash": "dash"})
            figure.add_annotation(
                x=week,
                y=1.02,
                yref="paper",
                text=label,
                showarrow=False,
                font={"color": colour},
            )
    figure.update_layout(barmode="overlay")
    figure.update_xaxes(title_text="plan week", dtick=1)
    figure.update_yaxes(title_text=f"planned {unit}", secondary_y=False)
    figure.update_yaxes(title_text="hard share (%)", range=[0, 100], secondary_y=True)
    return _layout(figure, "Season: weekly volume by phase")


def _week_of(weeks: Sequence[Mapping[str, Any]], day: dt.date | None) -> float | None:
    if day is None:
        return None
    for week in weeks:
        start, end = week.get("start_date"), week.get("end_date")
        if start is not None and end is not None and start <= day <= end:
            return float(week["week_number"]) - 0.5 + ((day - start).days + 0.5) / 7
    return None


def profile_figure(snapshot: Mapping[str, Any], has_race: bool) -> go.Figure:
    """Strengths (more is better) on a radar; injury risk (less is better) and race readiness
    (only with a race) apart, as bars with their own direction in their names."""
    axes = [(label, snapshot.get(name) or {}) for name, label in STRENGTH_AXES]
    if all(a.get("score") is None for _, a in axes):
        raise ValueError("the runner snapshot has no strength scores to draw")
    labels = [
        f"{label} (estimated)" if a.get("uncertain") or a.get("score") is None else label
        for label, a in axes
    ]
    scores = [a.get("score") or 0.0 for _, a in axes]
    figure = make_subplots(
        rows=1,
        cols=2,
        specs=[[{"type": "polar"}, {"type": "xy"}]],
        column_widths=(0.55, 0.45),
        horizontal_spacing=0.15,
    )
    figure.add_scatterpolar(
        r=[*scores, scores[0]],
        theta=[*labels, labels[0]],
        fill="toself",
        name="Strengths",
        line={"color": CTL_COLOUR},
        row=1,
        col=1,
    )
    risk = (snapshot.get("injury_risk") or {}).get("score")
    ready = (snapshot.get("race_ready") or {}).get("score")
    bars = [("Injury risk (lower is better)", risk, "#e03131")]
    if has_race:
        bars.append(("Race readiness", ready, "#2f9e44"))
    figure.add_bar(
        y=[b[0] for b in bars],
        x=[b[1] or 0 for b in bars],
        orientation="h",
        marker_color=[b[2] for b in bars],
        name="Apart from strengths",
        text=["no data" if b[1] is None else f"{b[1]:.0f}" for b in bars],
        textposition="auto",
        row=1,
        col=2,
    )
    figure.update_polars(radialaxis={"range": [0, 100]})
    figure.update_xaxes(range=[0, 100], title_text="score 0-100", row=1, col=2)
    title = "Runner profile: strengths, and risk apart" + ("" if has_race else " (no race set)")
    figure.update_layout(showlegend=False)
    return _layout(figure, title, height=380)


# --- one activity --------------------------------------------------------------------------


def activity_streams(samples: pl.DataFrame, bucket_seconds: int = 10) -> pl.DataFrame:
    """An activity's samples from every source averaged into `bucket_seconds` buckets of
    elapsed time (null values ignored): elapsed_minutes, pace_seconds_per_km (none slower
    than 15:00/km or when stopped), heart_rate_bpm, altitude_meters, cadence_spm, lat_deg,
    lon_deg, distance_km."""
    if samples.is_empty():
        raise ValueError("the activity has no samples")
    buckets = (
        samples.filter(pl.col("elapsed_seconds").is_not_null())
        .with_columns(bucket=(pl.col("elapsed_seconds") // bucket_seconds).cast(pl.Int64))
        .group_by("bucket")
        .agg(
            pl.col(
                "speed_meters_per_second",
                "heart_rate_bpm",
                "altitude_meters",
                "cadence_spm",
                "lat_deg",
                "lon_deg",
            ).mean(),
            pl.col("distance_meters").max(),
        )
        .sort("bucket")
    )
    pace = 1000 / pl.col("speed_meters_per_second")
    return buckets.select(
        (pl.col("bucket") * bucket_seconds / 60).alias("elapsed_minutes"),
        pl.when(pace <= SLOWEST_PACE).then(pace).alias("pace_seconds_per_km"),
        "heart_rate_bpm",
        "altitude_meters",
        "cadence_spm",
        "lat_deg",
        "lon_deg",
        (pl.col("distance_meters") / 1000).alias("distance_km"),
    )


def _pace_ticks(paces: Sequence[float]) -> tuple[list[float], list[str]]:
    fast, slow = min(paces), max(paces)
    step = 15 if slow - fast <= 120 else 30 if slow - fast <= 300 else 60
    first = math.floor(fast / step) * step
    values = [float(v) for v in range(int(first), int(slow) + step, step)]
    return values, [clock(v) for v in values]


def activity_figure(streams: pl.DataFrame, units: str | None = None) -> go.Figure:
    """Pace (faster up, per km or per mile), heart rate, elevation (m, or ft for imperial
    units as Strava shows it) and cadence over elapsed time."""
    unit = distance_unit(units)
    panels = [
        ("pace_seconds_per_km", f"Pace (/{unit})", "#1f5fa8"),
        ("heart_rate_bpm", "Heart rate (bpm)", "#c2255c"),
        ("altitude_meters", f"Elevation ({elevation_unit(units)})", "#2b8a3e"),
        ("cadence_spm", "Cadence (spm)", "#e8590c"),
    ]
    present = [p for p in panels if streams[p[0]].drop_nulls().len() > 0]
    if not present:
        raise ValueError("the activity has no pace, heart rate, elevation or cadence samples")
    figure = make_subplots(
        rows=len(present),
        cols=1,
        shared_xaxes=True,
        vertical_spacing=0.04,
        subplot_titles=[p[1] for p in present],
    )
    minutes = streams["elapsed_minutes"].to_list()
    for row, (column, name, colour) in enumerate(present, start=1):
        values = streams[column].to_list()
        if column == "pace_seconds_per_km":
            values = [None if v is None else pace_in(v, units) for v in values]
        elif column == "altitude_meters":
            values = [None if v is None else elevation_in(v, units) for v in values]
        trace: dict[str, Any] = {"x": minutes, "y": values, "name": name, "line": {"color": colour}}
        if column == "pace_seconds_per_km":
            trace["customdata"] = [clock(v) if v is not None else None for v in values]
            trace["hovertemplate"] = f"%{{customdata}}/{unit}"
            ticks, texts = _pace_ticks([v for v in values if v is not None])
            figure.update_yaxes(
                autorange="reversed", tickvals=ticks, ticktext=texts, row=row, col=1
            )
        figure.add_scatter(**trace, row=row, col=1)
    figure.update_xaxes(title_text="elapsed minutes", row=len(present), col=1)
    figure.update_layout(showlegend=False)
    return _layout(
        figure, "Pace, heart rate, elevation and cadence", height=190 * len(present) + 80
    )


def route_figure(streams: pl.DataFrame, units: str | None = None) -> go.Figure:
    """The route from its positions, drawn to scale (equal metres on both axes: longitude
    shrunk by the cosine of the latitude), no map tiles; start and finish marked."""
    points = streams.drop_nulls(["lat_deg", "lon_deg"])
    if points.height < 2:
        raise ValueError("the activity has no route (fewer than two positions)")
    lats, lons = points["lat_deg"].to_list(), points["lon_deg"].to_list()
    middle = math.radians(sum(lats) / len(lats))
    unit = distance_unit(units)
    east = [distance_in((lon - lons[0]) * 111.320 * math.cos(middle), units) for lon in lons]
    north = [distance_in((lat - lats[0]) * 110.574, units) for lat in lats]
    figure = go.Figure()
    figure.add_scatter(
        x=east,
        y=north,
        mode="lines",
        name="Route",
        line={"color": "#1f5fa8", "width": 3},
        customdata=_distances(points["distance_km"].to_list(), units),
        hovertemplate=f"%{{customdata:.2f}} {unit}",
    )
    figure.add_scatter(
        x=[east[0]],
        y=[north[0]],
        mode="markers+text",
        name="Start",
        text=["start"],
        textposition="top center",
        marker={"color": "#2f9e44", "size": 12},
    )
    figure.add_scatter(
        x=[east[-1]],
        y=[north[-1]],
        mode="markers+text",
        name="Finish",
        text=["finish"],
        textposition="bottom center",
        marker={"color": "#e03131", "size": 12, "symbol": "square"},
    )
    figure.update_yaxes(scaleanchor="x", scaleratio=1, title_text=f"{unit} north of start")
    figure.update_xaxes(title_text=f"{unit} east of start")
    figure.update_layout(showlegend=False, hovermode="closest")
    return _layout(figure, "Route (drawn from positions, north up)", height=460)
