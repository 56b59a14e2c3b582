"""What the coach's site shows, as plain records: a runner's month calendar of planned against
done, this week's planned and done distance, today's session and the flags a coach acts on.

Pure functions over frames of `plans.planned_sessions`, `terra.activities` and the Runner
Object; the HTML is written elsewhere (exports/coach_site.py).
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from transforms.activity_metrics import codes_for, km_splits, primary_streams
from transforms.units import DISTANCE_TO_M, distance_text, distance_unit, text_in_units
from warehouse.vocabulary import RUNNING_TYPES

STALE_AFTER_DAYS = 4
"""Latest data older than this many days before today is flagged stale."""
MISSED_WINDOW_DAYS = 14
"""Skipped sessions are counted over this many days up to today."""
COMPLIANCE_CLASSES = ((0.9, "done"), (0.6, "partial"), (0.0, "missed"))
"""Share of the planned session done -> class of its calendar cell (at least that share)."""
ADAPTED = ("modified", "moved")
"""Planned-session statuses of a session the runner or the loop changed."""


@dataclass(frozen=True)
class CalendarDay:
    day: dt.date
    in_month: bool
    planned: str | None = None
    """What was planned (display type and distance in the runner's units), None on a day
    without a plan."""
    planned_km: float | None = None
    done_km: float = 0.0
    done: tuple[tuple[str, str], ...] = ()
    """(activity_id, label) of each run that day."""
    status: str | None = None
    compliance: str = "none"
    """done, partial, missed, rest, future, unplanned (ran without a plan) or none."""
    adapted: bool = False


@dataclass(frozen=True)
class Flag:
    kind: str
    """injury_risk, overtraining, missed, stale, health, not_ready."""
    text: str
    severity: str = "warn"


@dataclass(frozen=True)
class WeekProgress:
    planned_km: float
    done_km: float
    sessions_planned: int
    sessions_done: int


@dataclass
class Month:
    month: dt.date
    weeks: list[list[CalendarDay]] = field(default_factory=list)


def compliance_class(share: float | None) -> str:
    """The calendar class of a past planned session by the share of it that was done."""
    for least, name in COMPLIANCE_CLASSES:
        if share is not None and share >= least:
            return name
    return "missed"


def month_calendar(
    month: dt.date,
    sessions: pl.DataFrame,
    activities: pl.DataFrame,
    today: dt.date,
    units: str | None = None,
) -> Month:
    """The weeks (Monday first) of `month` with each day's planned session, the runs done
    and how the two compare, distances in `units` (coaching.units; km when unset). A past
    planned run is classed by its `completed_share`; a rest day stays rest; a run on a day
    with nothing planned is `unplanned`."""
    first = month.replace(day=1)
    runs_by_day: dict[dt.date, list[dict[str, Any]]] = {}
    for run in activities.sort("start_time").iter_rows(named=True):
        runs_by_day.setdefault(run["local_date"], []).append(run)
    plan_by_day = {row["scheduled_date"]: row for row in sessions.iter_rows(named=True)}
    result = Month(first)
    for week in calendar.Calendar(firstweekday=0).monthdatescalendar(first.year, first.month):
        days = []
        for day in week:
            everything = runs_by_day.get(day, [])
            runs = [r for r in everything if r["activity_type"] in RUNNING_TYPES]
            done_km = sum((r["distance_meters"] or 0.0) for r in runs) / 1000
            done = tuple((r["activity_id"], _label(r, units)) for r in everything)
            plan = plan_by_day.get(day)
            if plan is None:
                kind = "unplanned" if runs else "none"
                days.append(
                    CalendarDay(
                        day, day.month == first.month, None, None, done_km, done, None, kind
                    )
                )
                continue
            rest = bool(plan["is_rest_day"])
            km = plan["distance_km"]
            label = plan["display_type"] or plan["session_type"] or "Session"
            planned = label if rest or km is None else f"{label} {distance_text(km, units)}"
            if rest:
                kind = "unplanned" if runs else "rest"
            elif day > today:
                kind = "future"
            elif day == today and plan["status"] == "planned":
                kind = "future"
            else:
                share = plan["completed_share"]
                kind = compliance_class(share if share is not None else (1.0 if runs else 0.0))
            days.append(
                CalendarDay(
                    day,
                    day.month == first.month,
                    planned,
                    km,
                    done_km,
                    done,
                    plan["status"],
                    kind,
                    plan["status"] in ADAPTED,
                )
            )
        result.weeks.append(days)
    return result


def _label(activity: Mapping[str, Any], units: str | None) -> str:
    """`8.3 km easy` (`5.2 mi easy`) for a run, `strength training` (and its distance when it
    has some) otherwise."""
    kind = activity["session_type"] or (activity["activity_type"] or "").replace("_", " ")
    if activity["activity_type"] in RUNNING_TYPES or (activity["distance_meters"] or 0) > 0:
        return f"{distance_text((activity['distance_meters'] or 0) / 1000, units)} {kind}".strip()
    return kind


def splits_in_units(
    splits_km: list[dict[str, Any]] | None, samples: pl.DataFrame, units: str | None
) -> list[dict[str, Any]]:
    """An activity's splits as its runner reads them: the warehouse's per-kilometre splits,
    or per mile cut from its samples the way the warehouse cuts kilometres (`km_splits` on
    the richest source). Each split keeps `km` (its number) and its pace in s/km."""
    unit = distance_unit(units)
    if unit == "km":
        return list(splits_km or [])
    if samples.is_empty():
        return []
    streams = primary_streams(
        samples.with_columns(pl.col("activity_id").cast(codes_for(samples["activity_id"]))),
        ("timestamp", "distance_meters", "altitude_meters", "heart_rate_bpm"),
    )
    splits = km_splits(streams, split_meters=DISTANCE_TO_M[unit])
    return list(splits["splits_km"][0]) if splits.height else []


def calendar_months(
    sessions: pl.DataFrame, activities: pl.DataFrame, today: dt.date
) -> list[dt.date]:
    """First days of the months worth a calendar: from the earlier of the plan's start and
    the month before today, to the later of the plan's end and today's month."""
    start = (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    end = today.replace(day=1)
    if not sessions.is_empty():
        first: dt.date = sessions.select(pl.col("scheduled_date").min()).item()
        last: dt.date = sessions.select(pl.col("scheduled_date").max()).item()
        start, end = min(start, first.replace(day=1)), max(end, last.replace(day=1))
    months = []
    month = start
    while month <= end:
        months.append(month)
        month = (month + dt.timedelta(days=32)).replace(day=1)
    return months


def week_progress(sessions: pl.DataFrame, activities: pl.DataFrame, today: dt.date) -> WeekProgress:
    """Today's ISO week: the distance planned for the whole week and run so far, and the
    number of (non-rest) sessions planned and done so far."""
    monday = today - dt.timedelta(days=today.weekday())
    sunday = monday + dt.timedelta(days=6)
    week = sessions.filter(
        pl.col("scheduled_date").is_between(monday, sunday)
        & ~pl.col("is_rest_day").fill_null(False)
    )
    runs = activities.filter(pl.col("local_date").is_between(monday, today))
    return WeekProgress(
        planned_km=float(week["distance_km"].fill_null(0).sum()),
        done_km=float(runs["distance_meters"].fill_null(0).sum()) / 1000,
        sessions_planned=week.height,
        sessions_done=week.filter(pl.col("status").is_in(("completed", *ADAPTED))).height,
    )


def todays_session(sessions: pl.DataFrame, today: dt.date, units: str | None = None) -> str:
    """Today's planned session in words (in `units`): rest, the session, or no plan today."""
    row = sessions.filter(pl.col("scheduled_date") == today)
    if row.is_empty():
        return "no plan today"
    session = row.row(0, named=True)
    if session["is_rest_day"]:
        return "rest day"
    text = session["display_type"] or session["session_type"] or "session"
    if session["distance_km"] is not None:
        text += f", {distance_text(session['distance_km'], units)}"
    if session["pace_display"]:
        text += f" at {text_in_units(session['pace_display'], units)}"
    return text


def runner_flags(
    runner: Mapping[str, Any],
    sessions: pl.DataFrame,
    latest_data: dt.date | None,
    today: dt.date,
    health_issues: list[str] | None = None,
) -> list[Flag]:
    """What a coach should look at: injury and overtraining risk, skipped sessions in the last
    two weeks, data older than `STALE_AFTER_DAYS`, health issues noted this week, a profile
    that blocks a plan."""
    state = runner.get("current_state") or {}
    flags = []
    risk = state.get("injury_risk_level")
    if risk in ("moderate", "high", "very_high"):
        factors = ", ".join(state.get("injury_risk_factors") or [])
        flags.append(
            Flag(
                "injury_risk",
                f"injury risk {risk}" + (f" ({factors})" if factors else ""),
                "alert" if risk != "moderate" else "warn",
            )
        )
    over = state.get("overtraining_risk")
    if over in ("moderate", "high", "very_high"):
        flags.append(Flag("overtraining", f"overtraining risk {over}"))
    window = sessions.filter(
        pl.col("scheduled_date").is_between(today - dt.timedelta(days=MISSED_WINDOW_DAYS), today)
        & (pl.col("status") == "skipped")
    )
    if window.height:
        flags.append(
            Flag("missed", f"{window.height} session(s) skipped in {MISSED_WINDOW_DAYS} days")
        )
    if latest_data is None:
        flags.append(Flag("stale", "no data yet", "alert"))
    elif (today - latest_data).days > STALE_AFTER_DAYS:
        flags.append(Flag("stale", f"no data since {latest_data.isoformat()}"))
    for issue in health_issues or []:
        flags.append(Flag("health", f"health: {issue}", "alert"))
    conversation = runner.get("conversation_state") or {}
    if conversation.get("ready_for_plan") is False:
        missing = ", ".join(conversation.get("fields_to_confirm") or []) or "profile"
        flags.append(Flag("not_ready", f"no plan until fixed: {missing}", "alert"))
    return flags
