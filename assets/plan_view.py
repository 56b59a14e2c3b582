"""`cadence plan show`: a runner's active plan in the terminal at three zoom levels — the
season, one week (`--week N`) and one day (`--day DATE`) — with distances, paces and the
template texts in the runner's units (coaching.units), and how each week went against it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Any

import polars as pl
import typer
from rich.console import Console, Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from transforms.adherence import week_compliance_sentence
from transforms.completeness import not_ready_reason
from transforms.units import (
    clock,
    distance_in,
    distance_text,
    distance_unit,
    pace_range_text,
    pace_text,
    runner_units,
    text_in_units,
)
from warehouse.active_plans import active_plans, plan_sessions
from warehouse.connection import open_warehouse, read_table, table_exists
from warehouse.contracts import contract
from warehouse.runners import RunnerAPI
from warehouse.settings import CadenceHome, plan_date, require_runner_id

plan_app = typer.Typer(help="Show a runner's training plan.", no_args_is_help=True)
console = Console(width=max(Console().width, 110))

BAR_WIDTH = 32
BLOCKS = " ▏▎▍▌▋▊▉█"
SPARKS = "▁▂▃▄▅▆▇█"
NONE = "-"


@plan_app.command("show")
def show(
    runner_id: str,
    week: Annotated[int | None, typer.Option(help="Zoom into plan week N.")] = None,
    day: Annotated[str | None, typer.Option(help="Zoom into one day (YYYY-MM-DD).")] = None,
    roadmap: Annotated[
        bool, typer.Option("--roadmap", help="The roadmap across all goals, with milestones.")
    ] = False,
) -> None:
    """The runner's active plan: the season, one week (--week N) or one day (--day DATE); or
    the roadmap to every long-term goal (--roadmap)."""
    if week is not None and day is not None:
        raise ValueError("give --week or --day, not both")
    if roadmap and (week is not None or day is not None):
        raise ValueError("--roadmap shows every goal's phases: give it without --week or --day")
    if roadmap:
        console.print(Group(*roadmap_view(load_roadmap(CadenceHome.from_env(), runner_id))))
        return
    zoom_day = _date(day) if day is not None else None  # a bad date is named before any read
    shown = load_active_plan(CadenceHome.from_env(), runner_id)
    if week is not None:
        view = week_view(shown, week)
    elif zoom_day is not None:
        view = day_view(shown, zoom_day)
    else:
        view = season_view(shown)
    console.print(Group(*view))


@dataclass(frozen=True)
class ShownPlan:
    """What `plan show` reads: the runner's active plan, its days and the weeks run so far."""

    runner_name: str
    units: str | None
    """The runner's coaching.units (None: not said, shown in km)."""
    plan: dict[str, Any]
    sessions: pl.DataFrame
    weeks_run: dict[dt.date, dict[str, Any]]
    """The runner's coach.weekly_summaries rows by week_start_date."""


def load_active_plan(home: CadenceHome, runner_id: str) -> ShownPlan:
    """The runner's active plan, its sessions and weekly summaries, read-only."""
    require_runner_id(runner_id)
    if not home.warehouse.exists():
        raise ValueError(f"no warehouse at {home.warehouse}; run `cadence materialize` first")
    with open_warehouse(home.warehouse, read_only=True) as con:
        runner = RunnerAPI(con).get_runner(runner_id)
        plans = active_plans(con, [runner_id]).to_dicts()
        if not plans:
            not_ready = not_ready_reason(runner["conversation_state"])
            if not_ready is not None:
                raise ValueError(f"runner {runner_id!r} has {not_ready}")
            raise ValueError(
                f"runner {runner_id!r} has no active plan; `cadence materialize` makes one"
            )
        sessions = plan_sessions(con, plans[0]["plan_id"])
        weeks_run = read_table(
            con, contract("coach.weekly_summaries"), "runner_id = ?", [runner_id]
        )
    return ShownPlan(
        (runner["identity"] or {}).get("name") or runner_id,
        runner_units(runner),
        plans[0],
        sessions,
        {week["week_start_date"]: week for week in weeks_run.to_dicts()},
    )


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"--day {text!r} is not a date like 2026-09-08") from None


# -- formatting ---------------------------------------------------------------------------


def _distance(km: float | None, units: str | None) -> str:
    return NONE if km is None else distance_text(km, units)


def _text(text: str | None, units: str | None) -> str | None:
    return None if text is None else text_in_units(text, units)


def _percent(value: float | None, signed: bool = False) -> str:
    if value is None:
        return NONE
    return f"{round(value):+d}%" if signed else f"{value:.0f}%"


def _duration(seconds: float | None) -> str:
    return NONE if seconds is None else clock(seconds)


def _single_pace(sec_per_km: float | None, units: str | None) -> str:
    return NONE if sec_per_km is None else pace_text(sec_per_km, units)


def _pace_range(item: Mapping[str, Any], units: str | None) -> str:
    """A session's or segment's pace target (pace_min/max_sec_per_km) in the units."""
    return (
        pace_range_text(item.get("pace_min_sec_per_km"), item.get("pace_max_sec_per_km"), units)
        or NONE
    )


def _intensity(distribution: Mapping[str, Any] | None) -> str:
    if not distribution:
        return NONE
    return " · ".join(
        f"{kind} {_percent(distribution.get(f'{kind}_percentage'))}"
        for kind in ("easy", "moderate", "hard")
    )


def _bar(value: float, peak: float) -> str:
    eighths = round(BAR_WIDTH * 8 * value / peak) if peak > 0 else 0
    full, part = divmod(eighths, 8)
    return "█" * full + (BLOCKS[part] if part else "")


def _sparkline(weeks: Sequence[Mapping[str, Any]]) -> Text:
    peak = max((w.get("planned_volume_km") or 0 for w in weeks), default=0) or 1
    line = Text()
    for w in weeks:
        level = round((len(SPARKS) - 1) * (w.get("planned_volume_km") or 0) / peak)
        line.append(SPARKS[level], style="yellow" if w.get("is_recovery_week") else "cyan")
    return line


def _facts(rows: Iterable[tuple[str, Any]]) -> Table:
    """Label/value lines, leaving out the empty ones."""
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold")
    grid.add_column()
    for label, value in rows:
        if value not in (None, "", []):
            grid.add_row(label, value if isinstance(value, Text) else str(value))
    return grid


def _bullets(items: Iterable[str] | None, units: str | None = None) -> str | None:
    lines = [f"• {text_in_units(item, units)}" for item in items or [] if item]
    return "\n".join(lines) or None


def _table(title: str, columns: Sequence[str]) -> Table:
    table = Table(title=title, title_justify="left", title_style="bold")
    for column in columns:
        table.add_column(column)
    return table


# -- season -------------------------------------------------------------------------------


def _goal(plan: Mapping[str, Any], units: str | None) -> str:
    parts = [(plan.get("goal_type") or "").replace("_", " ")]
    if plan.get("race_distance_km"):
        parts.append(distance_text(plan["race_distance_km"], units, whole_without_decimal=True))
    if plan.get("race_date"):
        parts.append(f"on {plan['race_date']}")
    if plan.get("target_time_seconds"):
        parts.append(f"in {clock(plan['target_time_seconds'])}")
    goal = " ".join(p for p in parts if p)
    if plan.get("predicted_time_seconds"):
        goal += f" (predicted now: {clock(plan['predicted_time_seconds'])})"
    return goal


def _compliance(week_run: Mapping[str, Any] | None) -> str:
    """The share of a week's planned work done, once it has any session due."""
    if week_run is None or week_run.get("compliance_percentage") is None:
        return ""
    return _percent(week_run["compliance_percentage"])


def season_view(shown: ShownPlan) -> list[RenderableType]:
    plan, units = shown.plan, shown.units
    weeks = sorted(plan.get("weekly_plan") or [], key=lambda w: w["week_number"])
    season = plan.get("season_view") or {}
    feasibility = plan.get("goal_feasibility")
    reason = _text(plan.get("goal_feasibility_reason"), units)
    summary = _facts(
        [
            ("Runner", f"{shown.runner_name} ({plan['runner_id']})"),
            ("Goal", _goal(plan, units)),
            (
                "Feasibility",
                f"{feasibility}: {reason or ''}".rstrip(": ") if feasibility else None,
            ),
            (
                "Dates",
                f"{plan.get('start_date')} to {plan.get('end_date')}, "
                f"{plan.get('total_weeks')} weeks, now in week {plan.get('current_week')}",
            ),
            ("Volume", _sparkline(weeks) if weeks else None),
            (
                "Status",
                ", validation ".join(
                    str(v) for v in (plan.get("status"), plan.get("validation_status")) if v
                ),
            ),
        ]
    )
    view: list[RenderableType] = [
        Panel(summary, title=f"[bold]{plan.get('name') or plan['plan_id']}[/]", expand=False)
    ]
    if season.get("coach_summary"):
        view.append(Text(text_in_units(season["coach_summary"], units)))

    phases = _table("Phases", ("phase", "weeks", "focus", "intensity"))
    for p in plan.get("phases") or []:
        phases.add_row(
            p.get("name") or NONE,
            f"{p.get('start_week')}-{p.get('end_week')}",
            _text(p.get("focus"), units) or NONE,
            _intensity(p.get("intensity_distribution")),
        )
    view.append(phases)

    peak = max((w.get("planned_volume_km") or 0 for w in weeks), default=0)
    volume = _table(
        "Weekly volume",
        (
            "week",
            "starts",
            "phase",
            "planned",
            distance_unit(units),
            "change",
            "long run",
            "run",
            "",
        ),
    )
    for w in weeks:
        km = w.get("planned_volume_km") or 0
        recovery = bool(w.get("is_recovery_week"))
        marks = ["recovery"] if recovery else []
        week_run = shown.weeks_run.get(w.get("start_date"))
        if week_run is not None and week_run.get("recovery_week_overrun"):
            marks.append("over-run")
        if w["week_number"] == plan.get("current_week"):
            marks.append("◀ now")
        volume.add_row(
            str(w["week_number"]),
            str(w.get("start_date") or NONE),
            w.get("phase") or NONE,
            Text(_bar(km, peak), style="yellow" if recovery else "cyan"),
            f"{distance_in(km, units):.1f}",
            _percent(w.get("volume_change_percent"), signed=True),
            _distance(w.get("long_run_km"), units),
            _compliance(week_run),
            ", ".join(marks),
        )
    view.append(volume)

    milestones = season.get("key_milestones") or []
    if milestones:
        table = _table("Milestones", ("week", "date", "milestone"))
        for m in milestones:
            table.add_row(
                str(m.get("week_number")),
                str(m.get("date") or NONE),
                text_in_units(m["description"], units),
            )
        view.append(table)
    risks = season.get("identified_risks") or []
    if risks:
        table = _table("Risks", ("risk", "severity", "mitigation", "watch for"))
        for r in risks:
            table.add_row(
                _text(r.get("risk"), units) or NONE,
                r.get("severity") or NONE,
                _text(r.get("mitigation"), units) or NONE,
                _text("; ".join(r.get("monitoring_signals") or []), units) or NONE,
            )
        view.append(table)
    paces = plan.get("target_paces") or {}
    if paces:
        vdot = paces.get("vdot")
        table = _table(
            f"Target paces (VDOT {vdot:.1f})" if vdot else "Target paces", ("zone", "pace")
        )
        table.add_row(
            "Easy",
            pace_range_text(
                paces.get("easy_min_sec_per_km"), paces.get("easy_max_sec_per_km"), units
            )
            or NONE,
        )
        for label, key in (
            ("Marathon", "marathon"),
            ("Threshold", "threshold"),
            ("Interval", "interval"),
            ("Repetition", "repetition"),
        ):
            table.add_row(label, _single_pace(paces.get(f"{key}_sec_per_km"), units))
        view.append(table)
    view.append(Text("Zoom in: --week N for one week, --day YYYY-MM-DD for one day.", style="dim"))
    return view


# -- week ---------------------------------------------------------------------------------


def week_view(shown: ShownPlan, week_number: int) -> list[RenderableType]:
    plan, units = shown.plan, shown.units
    weeks = {w["week_number"]: w for w in plan.get("weekly_plan") or []}
    if week_number not in weeks:
        raise ValueError(
            f"week {week_number} is outside the plan, which has weeks 1-{plan.get('total_weeks')}"
        )
    week = weeks[week_number]
    title = (
        f"Week {week_number} of {plan.get('total_weeks')} · {week.get('phase')} · "
        f"{week.get('start_date')} to {week.get('end_date')}"
        + (" · recovery week" if week.get("is_recovery_week") else "")
    )
    change = week.get("volume_change_percent")
    facts = _facts(
        [
            ("Focus", _text(week.get("focus"), units)),
            (
                "Volume",
                f"{_distance(week.get('planned_volume_km'), units)}"
                + (f" ({_percent(change, signed=True)} vs reference week)" if change else ""),
            ),
            ("Long run", _distance(week.get("long_run_km"), units)),
            ("Sessions", week.get("session_count")),
            ("Intensity", _intensity(week.get("intensity_distribution"))),
            ("Key sessions", _text(", ".join(week.get("key_sessions") or []), units)),
            ("Notes", _text(week.get("notes"), units)),
            ("Adjusted", _bullets(week.get("safeguard_adjustments"), units)),
            ("Warning signs", _bullets(week.get("warning_signals"), units)),
            ("So far", _so_far(shown, week)),
        ]
    )
    days = _table(
        "Days", ("date", "day", "session", "distance", "time", "pace", "effort", "key", "status")
    )
    for s in shown.sessions.filter(pl.col("week_number") == week_number).to_dicts():
        rest = s.get("is_rest_day")
        days.add_row(
            str(s["scheduled_date"]),
            (s.get("day_of_week") or "").capitalize(),
            Text(
                s.get("display_type") or s.get("session_type") or NONE, style="dim" if rest else ""
            ),
            NONE if rest else _distance(s.get("distance_km"), units),
            NONE if rest else _duration(s.get("duration_seconds")),
            _pace_range(s, units),
            s.get("effort_display") or NONE,
            "★" if s.get("is_key_session") else "",
            s.get("status") or "planned",
        )
    return [Panel(facts, title=f"[bold]{title}[/]", expand=False), days]


def _so_far(shown: ShownPlan, week: Mapping[str, Any]) -> str | None:
    """The week against the plan in a sentence, once the week has a summary."""
    week_run = shown.weeks_run.get(week.get("start_date"))
    return None if week_run is None else week_compliance_sentence(week_run, shown.units)


# -- day ----------------------------------------------------------------------------------


def _segments(segments: Sequence[Mapping[str, Any]], units: str | None) -> Table:
    table = _table(
        "Structure",
        ("#", "step", "time", "distance", "reps", "pace", "heart rate", "zone", "recovery", "what"),
    )
    for s in segments:
        hr = (
            f"{s['hr_min_bpm']:.0f}-{s['hr_max_bpm']:.0f} bpm"
            if s.get("hr_min_bpm") is not None and s.get("hr_max_bpm") is not None
            else NONE
        )
        recovery = [
            _duration(s.get("recovery_duration_seconds"))
            if s.get("recovery_duration_seconds") is not None
            else None,
            _distance(s.get("recovery_distance_km"), units)
            if s.get("recovery_distance_km") is not None
            else None,
        ]
        table.add_row(
            str(s.get("segment_index") or NONE),
            s.get("segment_type") or NONE,
            _duration(s.get("duration_seconds")),
            _distance(s.get("distance_km"), units),
            str(s.get("repetitions") or ""),
            _pace_range(s, units),
            hr,
            s.get("intensity_zone") or NONE,
            " / ".join(r for r in recovery if r) or NONE,
            _text(s.get("description"), units) or "",
        )
    return table


def _safeguards(plan: Mapping[str, Any], session: Mapping[str, Any]) -> str | None:
    """The plan's safeguard checks on this session, then the other safeguards named on it."""
    checks = [
        a
        for a in plan.get("safeguard_applications") or []
        if a.get("session_id") == session["session_id"]
    ]
    lines = [
        f"{a.get('safeguard_id')}: {'applied' if a.get('applied') else 'checked, no change'}"
        + (f" ({a['reason']})" if a.get("reason") else "")
        for a in checks
    ]
    checked = {a.get("safeguard_id") for a in checks}
    lines += [s for s in session.get("related_safeguard_ids") or [] if s not in checked]
    return _bullets(lines)


def _adherence(session: Mapping[str, Any], units: str | None) -> str | None:
    status = session.get("status") or "planned"
    if status == "planned":
        return None
    parts = [status]
    if session.get("completed_activity_id"):
        parts.append(f"activity {session['completed_activity_id']}")
    if session.get("adherence_score") is not None:
        parts.append(f"score {session['adherence_score']:.2f}")
    if session.get("completed_share") is not None:
        parts.append(f"{_percent(100 * session['completed_share'])} of the plan done")
    if session.get("actual_distance_km") is not None:
        parts.append(
            f"ran {_distance(session['actual_distance_km'], units)} of "
            f"{_distance(session.get('distance_km'), units)}"
        )
    if session.get("actual_duration_seconds") is not None:
        parts.append(f"in {_duration(session['actual_duration_seconds'])}")
    return ", ".join(parts)


def day_view(shown: ShownPlan, day: dt.date) -> list[RenderableType]:
    plan, units = shown.plan, shown.units
    start, end = plan.get("start_date"), plan.get("end_date")
    if start is None or end is None or not start <= day <= end:
        raise ValueError(f"{day} is outside the plan, which runs from {start} to {end}")
    today = shown.sessions.filter(pl.col("scheduled_date") == day).to_dicts()
    if not today:
        return [Text(f"Nothing is planned on {day:%A %Y-%m-%d}.")]
    view: list[RenderableType] = []
    for s in today:
        title = (
            f"{day:%A %Y-%m-%d} · week {s.get('week_number')} · "
            f"{s.get('display_type') or s.get('session_type')}"
            + (" · key session" if s.get("is_key_session") else "")
        )
        alternatives = [
            f"{a.get('session_type')}: {a.get('description')}" for a in s.get("alternatives") or []
        ]
        rest = s.get("is_rest_day")
        facts = _facts(
            [
                ("What", _text(s.get("description"), units)),
                ("Structure", _text(s.get("structure_display"), units)),
                ("Distance", None if rest else _distance(s.get("distance_km"), units)),
                ("Time", None if rest else _duration(s.get("duration_seconds"))),
                ("Pace", None if rest else _pace_range(s, units)),
                ("Effort", s.get("effort_display")),
                ("Why", _text(s.get("justification"), units)),
                ("Trains", s.get("physiological_target")),
                ("Why this day", s.get("placement_rationale")),
                ("Key points", _bullets(s.get("key_points"), units)),
                ("Instead", _bullets(alternatives, units)),
                ("Safeguards", _safeguards(plan, s)),
                ("Done", _adherence(s, units)),
            ]
        )
        view.append(Panel(facts, title=f"[bold]{title}[/]", expand=False))
        if s.get("structure_segments"):
            view.append(_segments(s["structure_segments"], units))
    return view


# -- roadmap ------------------------------------------------------------------------------

PRIORITY_LETTERS = {1: "A", 2: "B", 3: "C"}
ROADMAP_TABLES = ("coach.long_term_goals", "plans.roadmaps", "plans.milestones")


@dataclass(frozen=True)
class ShownRoadmap:
    """What `plan show --roadmap` reads: the runner's goals, roadmap phases and milestones."""

    runner_name: str
    units: str | None
    goals: list[dict[str, Any]]
    phases: list[dict[str, Any]]
    milestones: list[dict[str, Any]]
    today: dt.date


def load_roadmap(home: CadenceHome, runner_id: str) -> ShownRoadmap:
    """The runner's long-term goals, roadmap and milestones, read-only."""
    require_runner_id(runner_id)
    if not home.warehouse.exists():
        raise ValueError(f"no warehouse at {home.warehouse}; run `cadence materialize` first")
    with open_warehouse(home.warehouse, read_only=True) as con:
        runner = RunnerAPI(con).get_runner(runner_id)
        tables = [contract(t) for t in ROADMAP_TABLES]
        if all(table_exists(con, t.qualified_name) for t in tables):
            goals, phases, milestones = (
                read_table(con, table, "runner_id = ?", [runner_id]) for table in tables
            )
        else:  # a warehouse built before roadmaps, opened read-only, is not upgraded
            goals, phases, milestones = (t.empty_frame() for t in tables)
    if phases.is_empty():
        raise ValueError(
            f"runner {runner_id!r} has no roadmap: list races under goals.long_term_goals in "
            "profile.yaml (or set a race goal) and run `cadence materialize`"
        )
    return ShownRoadmap(
        (runner["identity"] or {}).get("name") or runner_id,
        runner_units(runner),
        goals.sort("target_date").to_dicts(),
        phases.sort("phase_number").to_dicts(),
        milestones.sort("target_date", "phase_number", "target_metric").to_dicts(),
        plan_date(),
    )


def _milestone_state(milestone: Mapping[str, Any], today: dt.date) -> Text:
    if milestone["achieved"]:
        return Text(f"✓ {milestone['achieved_date']}", style="green")
    if milestone["target_date"] < today:
        return Text("not reached", style="yellow")
    return Text("ahead")


def roadmap_view(shown: ShownRoadmap) -> list[RenderableType]:
    """Goals with their feasibility, the phases with their weekly volumes, the milestones."""
    units = shown.units
    phases, today = shown.phases, shown.today
    current = next((p for p in phases if p["start_date"] <= today <= p["end_date"]), None)
    achieved = sum(bool(m["achieved"]) for m in shown.milestones)
    header = _facts(
        [
            ("Runner", shown.runner_name),
            ("Roadmap", f"{phases[0]['start_date']} to {phases[-1]['end_date']}"),
            (
                "Now",
                f"phase {current['phase_number']}, {current['phase_name']}" if current else None,
            ),
            ("Milestones", f"{achieved} of {len(shown.milestones)} achieved"),
        ]
    )
    goals = _table("Goals", ("race day", "race", "priority", "target", "feasibility"))
    for goal in shown.goals:
        race = goal["race_name"] or distance_text(goal["distance_km"], units, True)
        target = clock(goal["target_time_seconds"]) if goal["target_time_seconds"] else NONE
        verdict = goal["feasibility"] or goal["goal_status"] or NONE
        if goal["predicted_time_seconds"]:
            verdict += f" (predicted {clock(goal['predicted_time_seconds'])})"
        letter = PRIORITY_LETTERS.get(goal["priority"], "?")
        goals.add_row(str(goal["target_date"]), race, letter, target, verdict)
    peak = max((p["target_volume_km"] or 0 for p in phases), default=0)
    table = _table(
        f"Phases (weekly volume, {distance_unit(units)})",
        ("#", "phase", "from", "to", "weeks", "volume", "", "focus"),
    )
    for phase in phases:
        volume = phase["target_volume_km"] or 0
        weeks = ((phase["end_date"] - phase["start_date"]).days + 1) / 7
        table.add_row(
            str(phase["phase_number"]),
            phase["phase_name"],
            str(phase["start_date"]),
            str(phase["end_date"]),
            f"{weeks:.1f}",
            distance_text(volume, units),
            _bar(volume, peak),
            phase["focus"],
            style="bold" if phase is current else None,
        )
    marks = _table("Milestones", ("due", "#", "milestone", "state"))
    for milestone in shown.milestones:
        marks.add_row(
            str(milestone["target_date"]),
            str(milestone["phase_number"]),
            text_in_units(milestone["milestone_name"], units),
            _milestone_state(milestone, today),
        )
    return [Panel(header, title="Roadmap", title_align="left"), goals, table, marks]
