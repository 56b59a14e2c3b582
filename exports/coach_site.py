"""The coach's static site under `$CADENCE_HOME/site/`: the squad, a page per runner and a page
per activity, opened from file:// with no network.

Every chart is a Plotly figure (transforms/site_charts.py) embedded as JSON and drawn by the
plotly.js that the plotly package bundles, written once to `site/assets/`; nothing is loaded
from a CDN. The site is built in a folder beside the old one and swapped in when whole, so a
reader never sees half a site and a failed build leaves the last one in place.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import os
import shutil
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import plotly.graph_objects as go
import polars as pl
from plotly.offline import get_plotlyjs

from transforms.site_charts import (
    CONFIG,
    LOAD_UNITS,
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
    wellness_figure,
    zones_figure,
)
from transforms.site_pages import (
    CalendarDay,
    Flag,
    calendar_months,
    month_calendar,
    runner_flags,
    splits_in_units,
    todays_session,
    week_progress,
)
from transforms.units import (
    clock,
    distance_in,
    distance_unit,
    elevation_in,
    elevation_unit,
    pace_text,
    runner_units,
    text_in_units,
)
from warehouse.active_plans import active_plans, plan_sessions
from warehouse.connection import open_warehouse, read_table
from warehouse.contract import TableContract
from warehouse.contracts import contract
from warehouse.runner_builds import RunnerFailure, runner_failure
from warehouse.settings import CadenceHome
from warehouse.vocabulary import RUNNING_TYPES

RUNNERS = contract("coach.runners")
ROADMAPS = contract("plans.roadmaps")
MILESTONES = contract("plans.milestones")
DAILY = contract("terra.daily_summaries")
WEEKLY = contract("coach.weekly_summaries")
ACTIVITY_COLUMNS = (
    "activity_id",
    "runner_id",
    "name",
    "activity_type",
    "session_type",
    "start_time",
    "local_date",
    "distance_meters",
    "duration_seconds",
    "moving_time_seconds",
    "avg_pace_seconds_per_km",
    "avg_heart_rate_bpm",
    "max_heart_rate_bpm",
    "avg_cadence_spm",
    "elevation_gain_meters",
    "training_load",
    "training_load_method",
    "hr_zone_seconds",
    "laps",
    "splits_km",
    "device_name",
)
SAMPLE_COLUMNS = (
    "activity_id",
    "source",
    "timestamp",
    "elapsed_seconds",
    "speed_meters_per_second",
    "heart_rate_bpm",
    "altitude_meters",
    "cadence_spm",
    "lat_deg",
    "lon_deg",
    "distance_meters",
)
PLOTLY_FILE = "plotly.min.js"


@dataclass
class SiteReport:
    folder: Path
    pages: list[Path] = field(default_factory=list)
    charts: int = 0
    failures: list[RunnerFailure] = field(default_factory=list)
    runners: int = 0
    seconds: float = 0.0

    @property
    def index(self) -> Path:
        return self.folder / "index.html"

    @property
    def size_bytes(self) -> int:
        return sum(p.stat().st_size for p in self.folder.rglob("*") if p.is_file())


@dataclass
class Page:
    """One HTML page being put together: its charts and the way back to the site's root."""

    title: str
    root: str
    """Relative path from the page to the site's root ("", "../../", ...)."""
    parts: list[str] = field(default_factory=list)
    charts: int = 0

    def add(self, markup: str) -> None:
        self.parts.append(markup)

    def chart(self, name: str, draw: Callable[[], go.Figure]) -> None:
        """Embed the figure `draw` makes, or say why there is none."""
        try:
            figure = draw()
        except ValueError as error:
            self.add(f'<p class="empty">{_e(str(error))}.</p>')
            return
        self.charts += 1
        target = f"chart-{self.charts}"
        data = figure.to_json().replace("</", "<\\/")
        self.add(
            f'<div class="chart" id="{target}" data-name="{_e(name)}"></div>'
            f'<script type="application/json" class="figure" data-target="{target}">{data}'
            "</script>"
        )

    def html(self) -> str:
        """The page; plotly.js (4.8 MB) is loaded only by pages with a chart."""
        body = "\n".join(self.parts)
        plotly = f'<script src="{self.root}assets/{PLOTLY_FILE}"></script>' if self.charts else ""
        draw = f'<script src="{self.root}assets/site.js"></script>' if self.charts else ""
        return (
            '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{_e(self.title)} · Cadence</title>"
            f'<link rel="stylesheet" href="{self.root}assets/site.css">{plotly}</head>\n<body>'
            f'<nav><a href="{self.root}index.html">Squad</a></nav><main>\n{body}\n</main>'
            f"{draw}</body></html>\n"
        )


def _e(text: Any) -> str:
    return html.escape("" if text is None else str(text))


NONE = "-"
"""What a table cell shows for a missing value."""


def _num(value: float | None, digits: int = 0, unit: str = "") -> str:
    if value is None:
        return NONE
    return f"{value:.{digits}f}{unit}"


def _distance(meters: float | None, units: str | None, digits: int = 2) -> str:
    """A distance in metres in the runner's unit (`8.31 km`, `5.16 mi`)."""
    return _distance_km(None if meters is None else meters / 1000, units, digits)


def _distance_km(km: float | None, units: str | None, digits: int = 1, per: str = "") -> str:
    """A distance in km in the runner's unit (`8.3 km`, `5.2 mi/week` with `per="/week"`)."""
    value = None if km is None else distance_in(km, units)
    return _num(value, digits, f" {distance_unit(units)}{per}")


def _climb(meters: float | None, units: str | None) -> str:
    """A climb in metres, or in feet for imperial units (as Strava shows it)."""
    value = None if meters is None else elevation_in(meters, units)
    return _num(value, 0, f" {elevation_unit(units)}")


def _pace(seconds_per_km: float | None, units: str | None) -> str:
    return pace_text(seconds_per_km, units) if seconds_per_km else NONE


def _t(text: str | None, units: str | None) -> str:
    """A plan text, its km distances and per-km paces in the runner's units, escaped."""
    return _e(text_in_units(text, units)) if text else ""


def _time(*seconds: float | None) -> str:
    """The first of `seconds` that is known, as a clock."""
    known = [s for s in seconds if s]
    return clock(known[0]) if known else NONE


def _row(*cells: str, css: str = "") -> str:
    """A table row of cells already in HTML."""
    opening = f'<tr class="{css}">' if css else "<tr>"
    return opening + "".join(f"<td>{c}</td>" for c in cells) + "</tr>"


def _head(*names: str) -> str:
    return "<tr>" + "".join(f"<th>{_e(n)}</th>" for n in names) + "</tr>"


SITE_JS = f"""// Draws every figure embedded in the page with the bundled plotly.js.
document.querySelectorAll('script.figure').forEach(function (holder) {{
  var figure = JSON.parse(holder.textContent);
  Plotly.newPlot(holder.dataset.target, figure.data, figure.layout, {json.dumps(CONFIG)});
}});
"""

SITE_CSS = """
body { font: 15px/1.45 system-ui, sans-serif; margin: 0; color: #212529; background: #f8f9fa; }
nav { background: #1f5fa8; padding: .5rem 1rem; } nav a { color: white; font-weight: 600; }
main { max-width: 1200px; margin: 0 auto; padding: 1rem; }
section { background: white; border-radius: 6px; padding: .5rem 1rem 1rem; margin: 1rem 0;
  box-shadow: 0 1px 2px rgba(0,0,0,.08); }
table { border-collapse: collapse; width: 100%; font-size: 14px; }
th, td { border-bottom: 1px solid #dee2e6; padding: .3rem .4rem; text-align: left;
  vertical-align: top; }
th { background: #f1f3f5; }
.flag { display: inline-block; border-radius: 3px; padding: 0 .35rem; margin: 1px;
  font-size: 12px; }
.flag.warn { background: #fff3bf; } .flag.alert { background: #ffc9c9; }
.calendar td { width: 14%; height: 4.2rem; font-size: 12px; }
.calendar .out { opacity: .35; }
.done { background: #d3f9d8; } .partial { background: #fff3bf; }
.missed { background: #ffc9c9; } .rest { background: #f1f3f5; }
.future { background: #e7f5ff; } .unplanned { background: #e5dbff; }
.calendar .today { outline: 2px solid #1f5fa8; }
.adapted { font-weight: 600; color: #862e9c; }
.legend span { display: inline-block; padding: 0 .4rem; margin-right: .3rem; font-size: 12px; }
.chart { min-height: 300px; }
.empty { color: #868e96; font-style: italic; }
.note { color: #495057; font-size: 13px; }
details { margin: .3rem 0; } summary { cursor: pointer; }
.current { background: #e7f5ff; }
"""


def write_coach_site(
    home: CadenceHome, today: dt.date | None = None, runner_ids: list[str] | None = None
) -> SiteReport:
    """Build the whole site from the warehouse (read-only) and swap it in for the old one.
    A runner whose pages fail is listed on the squad page and in the report; the others are
    written."""
    if not home.warehouse.exists():
        raise ValueError(f"no warehouse at {home.warehouse}; run `cadence materialize` first")
    today = today or dt.date.today()
    started = time.perf_counter()
    target = home.site
    building = target.with_name(target.name + ".building")
    shutil.rmtree(building, ignore_errors=True)
    (building / "assets").mkdir(parents=True)
    (building / "assets" / PLOTLY_FILE).write_text(get_plotlyjs(), encoding="utf-8")
    (building / "assets" / "site.js").write_text(SITE_JS, encoding="utf-8")
    (building / "assets" / "site.css").write_text(SITE_CSS, encoding="utf-8")
    report = SiteReport(target)
    squad: list[dict[str, Any]] = []
    with open_warehouse(home.warehouse, read_only=True) as con:
        where = (
            "runner_id IN (SELECT unnest(?)) ORDER BY runner_id"
            if runner_ids
            else "true ORDER BY runner_id"
        )
        runners = read_table(con, RUNNERS, where, [runner_ids] if runner_ids else None).to_dicts()
        plans = {p["runner_id"]: p for p in active_plans(con).to_dicts()}
        for runner in runners:
            runner_id = runner["runner_id"]
            try:
                row, pages, charts = _runner_pages(
                    con, building, runner, plans.get(runner_id), today
                )
            except Exception as error:
                report.failures.append(runner_failure(runner_id, "site", error))
                shutil.rmtree(building / "runners" / runner_id, ignore_errors=True)
                continue
            squad.append(row)
            report.pages += pages
            report.charts += charts
    report.runners = len(squad)
    index = _squad_page(squad, report.failures, today)
    (building / "index.html").write_text(index.html(), encoding="utf-8")
    report.pages.insert(0, building / "index.html")
    report.charts += index.charts
    _swap(building, target)
    report.pages = [target / p.relative_to(building) for p in report.pages]
    report.seconds = time.perf_counter() - started
    return report


def _swap(building: Path, target: Path) -> None:
    old = target.with_name(target.name + ".old")
    shutil.rmtree(old, ignore_errors=True)
    if target.exists():
        os.replace(target, old)
    os.replace(building, target)
    shutil.rmtree(old, ignore_errors=True)


def _runner_pages(
    con: duckdb.DuckDBPyConnection,
    site: Path,
    runner: dict[str, Any],
    plan: dict[str, Any] | None,
    today: dt.date,
) -> tuple[dict[str, Any], list[Path], int]:
    runner_id = runner["runner_id"]
    name = (runner.get("identity") or {}).get("name") or runner_id
    daily = read_table(con, DAILY, "runner_id = ? ORDER BY date", [runner_id])
    weekly = read_table(con, WEEKLY, "runner_id = ? ORDER BY week_start_date", [runner_id])
    activities = con.sql(
        f"SELECT {', '.join(ACTIVITY_COLUMNS)} FROM terra.activities WHERE runner_id = ? "
        "ORDER BY start_time",
        params=[runner_id],
    ).pl()
    runs = activities.filter(pl.col("activity_type").is_in(RUNNING_TYPES))
    sessions = plan_sessions(con, plan["plan_id"]) if plan else _no_sessions(con)
    latest = daily.filter(pl.col("activity_count").fill_null(0) + pl.col("steps").fill_null(0) > 0)
    latest_day = latest["date"].max() if latest.height else None
    monday = today - dt.timedelta(days=today.weekday())
    this_week = weekly.filter(pl.col("week_start_date") == monday)["health_issues"].to_list()
    issues = [issue for noted in this_week for issue in noted or []]
    flags = runner_flags(runner, sessions, latest_day, today, issues)
    folder = site / "runners" / runner_id
    (folder / "activities").mkdir(parents=True)
    pages = []
    charts = 0
    for activity in activities.iter_rows(named=True):
        samples = con.sql(
            f"SELECT {', '.join(SAMPLE_COLUMNS)} FROM terra.activity_samples "
            "WHERE activity_id = ? ORDER BY elapsed_seconds",
            params=[activity["activity_id"]],
        ).pl()
        page = _activity_page(activity, samples, name, runner_units(runner))
        path = folder / "activities" / f"{_file_id(activity['activity_id'])}.html"
        path.write_text(page.html(), encoding="utf-8")
        pages.append(path)
        charts += page.charts
    page = _runner_page(
        runner, name, plan, sessions, daily, weekly, activities, runs, flags, today, latest_day
    )
    if has_tables(con, ROADMAPS, MILESTONES):  # a warehouse from before roadmaps has none
        _roadmap_section(
            page,
            read_table(con, ROADMAPS, "runner_id = ? ORDER BY phase_number", [runner_id]),
            read_table(con, MILESTONES, "runner_id = ? ORDER BY target_date", [runner_id]),
            today,
            runner_units(runner),
        )
    (folder / "index.html").write_text(page.html(), encoding="utf-8")
    pages.insert(0, folder / "index.html")
    charts += page.charts
    state = runner.get("current_state") or {}
    last = daily.filter(pl.col("date") <= today).tail(1).to_dicts()
    row = {
        "runner_id": runner_id,
        "name": name,
        "day": last[0] if last else {},
        "state": state,
        "week": week_progress(sessions, runs, today),
        "today": todays_session(sessions, today, runner_units(runner)),
        "flags": flags,
        "latest": latest_day,
        "plan": plan,
        "units": runner_units(runner),
    }
    return row, pages, charts


def has_tables(con: duckdb.DuckDBPyConnection, *tables: TableContract) -> bool:
    """Whether the warehouse holds these tables (one opened read-only is not upgraded)."""
    [(found,)] = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE schema_name || '.' || table_name "
        "IN (SELECT unnest(?))",
        [[t.qualified_name for t in tables]],
    ).fetchall()
    return bool(found == len(tables))


def _no_sessions(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    return read_table(con, contract("plans.planned_sessions"), "false")


def _file_id(activity_id: str) -> str:
    """A file name for an activity id (ids hold ':' as in `runner:20261205T081941Z`)."""
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in activity_id)


def activity_href(activity_id: str) -> str:
    return f"activities/{_file_id(activity_id)}.html"


# --- the squad -----------------------------------------------------------------------------


def _flags_html(flags: Sequence[Flag]) -> str:
    if not flags:
        return '<span class="note">none</span>'
    return "".join(
        f'<span class="flag {f.severity}" data-kind="{f.kind}">{_e(f.text)}</span>' for f in flags
    )


def _squad_page(rows: list[dict[str, Any]], failures: list[RunnerFailure], today: dt.date) -> Page:
    page = Page("Squad", "")
    page.add(
        f'<h1>Squad</h1><p class="note">As of {today.isoformat()}. Form is TSB '
        f"(CTL - ATL, load units/day) with its TrainingPeaks zone; {_e(LOAD_UNITS)}.</p>"
    )
    page.add(
        '<section><table id="squad"><thead><tr><th>Runner</th><th>Fitness CTL</th>'
        "<th>Fatigue ATL</th><th>Form TSB</th><th>Readiness</th><th>State</th>"
        "<th>This week (planned / done)</th><th>Today</th><th>Flags</th><th>Latest data</th>"
        "</tr></thead><tbody>"
    )
    for row in rows:
        day, state, week = row["day"], row["state"], row["week"]
        tsb = day.get("tsb")
        zone = f' <span class="note">{form_zone(tsb)}</span>' if tsb is not None else ""
        sessions = f"{week.sessions_done}/{week.sessions_planned} sessions"
        link = f'<a href="runners/{_e(row["runner_id"])}/index.html">{_e(row["name"])}</a>'
        page.add(
            _row(
                link,
                _num(day.get("ctl")),
                _num(day.get("atl")),
                _num(tsb) + zone,
                _num(state.get("readiness_score")),
                _e(state.get("training_state")),
                f"{distance_in(week.planned_km, row['units']):.1f} / "
                f"{_distance_km(week.done_km, row['units'])} "
                f'<span class="note">({sessions})</span>',
                _e(row["today"]),
                _flags_html(row["flags"]),
                _e(row["latest"].isoformat() if row["latest"] else "none"),
            ).replace("<tr>", f'<tr data-runner="{_e(row["runner_id"])}">', 1)
        )
    page.add("</tbody></table></section>")
    if failures:
        page.add("<section><h2>Runners not drawn</h2><ul>")
        page.add("".join(f"<li>{_e(f.runner_id)}: {_e(f.cause)}</li>" for f in failures))
        page.add("</ul></section>")
    return page


# --- a runner ------------------------------------------------------------------------------


def _runner_page(
    runner: Mapping[str, Any],
    name: str,
    plan: Mapping[str, Any] | None,
    sessions: pl.DataFrame,
    daily: pl.DataFrame,
    weekly: pl.DataFrame,
    activities: pl.DataFrame,
    runs: pl.DataFrame,
    flags: list[Flag],
    today: dt.date,
    latest: dt.date | None,
) -> Page:
    page = Page(name, "../../")
    units = runner_units(runner)
    goals = runner.get("goals") or {}
    state = runner.get("current_state") or {}
    race_day = (plan or {}).get("race_date") or goals.get("race_date")
    page.add(
        f"<h1>{_e(name)}</h1><p>Goal: {_e(goals.get('goal_type') or 'none')}"
        + (f", race on {race_day.isoformat()}" if race_day else "")
        + f" · state {_e(state.get('training_state'))} · readiness "
        f"{_num(state.get('readiness_score'))} · latest data "
        f"{_e(latest.isoformat() if latest else 'none')}</p>"
    )
    page.add(f"<p>Flags: {_flags_html(flags)}</p>")

    page.add('<section id="calendar"><h2>Calendar: planned against done</h2>')
    page.add(
        '<p class="legend"><span class="done">done (90 %+)</span><span class="partial">partly '
        '(60-90 %)</span><span class="missed">missed</span><span class="rest">rest</span>'
        '<span class="future">to come</span><span class="unplanned">run, not planned</span>'
        '<span class="adapted">✎ adapted</span></p>'
    )
    for month in calendar_months(sessions, activities, today):
        page.add(
            _calendar_html(
                month_calendar(month, sessions, activities, today, units).weeks, month, today
            )
        )
    page.add("</section>")

    snapshot = (plan or {}).get("runner_snapshot")
    if snapshot:
        page.add('<section id="profile">')
        page.chart("profile", lambda: profile_figure(snapshot, race_day is not None))
        page.add("</section>")

    projection = None
    if plan is not None and daily.height:
        last = daily.filter(pl.col("date") <= today).sort("date").tail(1)
        if last.height and last["ctl"][0] is not None:
            loads = planned_loads(sessions, runs, last["date"][0])
            projection = project_pmc(last["ctl"][0], last["atl"][0], loads)
    races = [(race_day, "race day")] if race_day else []
    page.add('<section id="pmc">')
    page.chart("pmc", lambda: pmc_figure(daily, today=today, races=races, projection=projection))
    page.add(
        f'<p class="note">{_e(LOAD_UNITS)}. Dashed: the plan\'s projection, each planned '
        "session at its planned minutes times this runner's own load per minute for that "
        "kind of session."
        " Shaded left: the start-up, where CTL and ATL start from the first 28 days' mean "
        "load.</p></section>"
    )
    page.add('<section id="weekly">')
    page.chart("weekly", lambda: weekly_figure(weekly, units))
    page.add('</section><section id="zones">')
    page.chart("zones", lambda: zones_figure(runs))
    page.add('</section><section id="wellness">')
    page.chart("wellness", lambda: wellness_figure(daily))
    page.add("</section>")
    if plan is not None:
        _plan_sections(page, plan, sessions, today, units)
    else:
        page.add('<section id="plan"><h2>Plan</h2><p class="empty">No active plan.</p></section>')
    page.add(
        '<section id="activities"><h2>Activities</h2><table><thead><tr><th>Date</th>'
        "<th>Activity</th><th>Distance</th><th>Time</th><th>Pace</th><th>HR</th>"
        "<th>Load</th></tr></thead><tbody>"
    )
    for a in activities.sort("start_time", descending=True).iter_rows(named=True):
        name = _e(a["name"] or a["activity_type"])
        page.add(
            _row(
                str(a["local_date"]),
                f'<a href="{activity_href(a["activity_id"])}">{name}</a> '
                f'<span class="note">{_e(a["session_type"] or "")}</span>',
                _distance(a["distance_meters"], units),
                _time(a["moving_time_seconds"], a["duration_seconds"]),
                _pace(a["avg_pace_seconds_per_km"], units),
                _num(a["avg_heart_rate_bpm"]),
                _num(a["training_load"]),
            )
        )
    page.add("</tbody></table></section>")
    return page


def _roadmap_section(
    page: Page,
    phases: pl.DataFrame,
    milestones: pl.DataFrame,
    today: dt.date,
    units: str | None = None,
) -> None:
    """The roadmap's phases to the last goal and its milestones, when the runner has one,
    put before the plan (its current block), volumes in the runner's units."""
    if phases.is_empty():
        return
    before = next(
        (i for i, part in enumerate(page.parts) if part.startswith('<section id="plan"')),
        len(page.parts),
    )
    parts_after = page.parts[before:]
    del page.parts[before:]
    # a roadmap is rebuilt when goals change: show the newest (its first phase starts last)
    newest = (
        phases.group_by("roadmap_id")
        .agg(pl.col("start_date").min())
        .sort("start_date", "roadmap_id")["roadmap_id"][-1]
    )
    latest = phases.filter(pl.col("roadmap_id") == newest)
    page.add('<section id="roadmap"><h2>Roadmap</h2><table>')
    page.add(_head("Phase", "From", "To", "Target volume", "Focus"))
    for phase in latest.iter_rows(named=True):
        current = phase["start_date"] <= today <= (phase["end_date"] or today)
        page.add(
            _row(
                f"{phase['phase_number']}. {_e(phase['phase_name'])}",
                str(phase["start_date"]),
                str(phase["end_date"] or ""),
                _distance_km(phase["target_volume_km"], units, per="/week"),
                _t(phase["focus"], units),
                css="current" if current else "",
            )
        )
    page.add("</table>")
    mine = milestones.filter(pl.col("roadmap_id").is_in(latest["roadmap_id"].unique().to_list()))
    if mine.height:
        page.add('<h3>Milestones</h3><table id="roadmap-milestones">')
        page.add(_head("Milestone", "Due", "Reached"))
        for milestone in mine.iter_rows(named=True):
            reached = NONE
            if milestone["achieved"]:
                reached = f"✓ {milestone['achieved_date'] or ''}".strip()
                if milestone["achieved_activity_id"]:
                    href = activity_href(milestone["achieved_activity_id"])
                    reached = f'<a href="{href}">{reached}</a>'
            page.add(
                _row(_t(milestone["milestone_name"], units), str(milestone["target_date"]), reached)
            )
        page.add("</table>")
    page.add("</section>")
    page.parts.extend(parts_after)


def _calendar_html(weeks: list[list[CalendarDay]], month: dt.date, today: dt.date) -> str:
    rows = [
        f'<h3>{month:%B %Y}</h3><table class="calendar" data-month="{month:%Y-%m}"><tr>'
        + "".join(f"<th>{d}</th>" for d in ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"))
        + "</tr>"
    ]
    for week in weeks:
        cells = []
        for day in week:
            classes = (
                [day.compliance]
                + ([] if day.in_month else ["out"])
                + (["today"] if day.day == today else [])
            )
            lines = [f"<b>{day.day.day}</b>"]
            if day.planned:
                lines.append(
                    ('<span class="adapted">✎ </span>' if day.adapted else "") + _e(day.planned)
                )
            lines += [f'<a href="{activity_href(a)}">✓ {_e(label)}</a>' for a, label in day.done]
            cells.append(
                f'<td class="{" ".join(classes)}" data-date="{day.day}">'
                + "<br>".join(lines)
                + "</td>"
            )
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return "".join(rows) + "</table>"


def _plan_sections(
    page: Page,
    plan: Mapping[str, Any],
    sessions: pl.DataFrame,
    today: dt.date,
    units: str | None = None,
) -> None:
    """The plan at season, week and day zoom, distances and paces in the runner's units."""
    season = plan.get("season_view") or {}
    page.add(
        f'<section id="plan"><h2>Plan: {_e(plan.get("name"))}</h2>'
        f'<p class="note">{plan.get("start_date")} to {plan.get("end_date")}, '
        f"{plan.get('total_weeks')} weeks.</p>"
    )
    page.add("<h3>Season</h3>")
    page.chart(
        "plan_season",
        lambda: plan_season_figure(
            plan.get("weekly_plan") or [], plan.get("race_date"), today, units
        ),
    )
    for key, title in (
        ("coach_summary", "Summary"),
        ("periodization_justification", "Periodization"),
        ("volume_strategy_justification", "Volume"),
    ):
        if season.get(key):
            page.add(f"<p><b>{title}.</b> {_t(season[key], units)}</p>")
    milestones = season.get("key_milestones") or []
    if milestones:
        items = "".join(
            f"<li>Week {_e(m.get('week_number'))} ({_e(m.get('date'))}): "
            f"{_t(m.get('description'), units)}</li>"
            for m in milestones
        )
        page.add(f'<h4>Milestones</h4><ul id="milestones">{items}</ul>')
    page.add('<h3>Weeks</h3><div id="plan-weeks">')
    by_week = sessions.partition_by("week_number", as_dict=True) if sessions.height else {}
    for week in plan.get("weekly_plan") or []:
        current = week.get("start_date") and week["start_date"] <= today <= week["end_date"]
        label = (
            f"Week {week['week_number']} · {week.get('phase')}"
            + (" · lighter week" if week.get("is_recovery_week") else "")
            + f" · {_distance_km(week.get('planned_volume_km'), units)}"
            + f" · {_t(week.get('focus'), units)}"
        )
        page.add(
            f'<details{" open" if current else ""} class="{"current" if current else ""}">'
            f"<summary>{label}</summary>"
        )
        if week.get("notes"):
            page.add(f'<p class="note">{_t(week["notes"], units)}</p>')
        days = by_week.get((week["week_number"],))
        if days is not None:
            page.add(_days_html(days.sort("scheduled_date"), today, units))
        page.add("</details>")
    page.add("</div>")
    upcoming = sessions.filter(
        (pl.col("scheduled_date") >= today) & ~pl.col("is_rest_day").fill_null(False)
    ).head(1)
    if upcoming.height:
        day = upcoming.row(0, named=True)
        points = "".join(f"<li>{_t(p, units)}</li>" for p in day["key_points"] or [])
        page.add(
            f'<h3>Day: {day["scheduled_date"]:%A %d %B}</h3><div id="plan-day">'
            f"<p><b>{_t(day['display_type'], units)}</b> "
            f"{_distance_km(day['distance_km'], units)} · "
            f"{_t(day['pace_display'], units)} · effort {_e(day['effort_display'] or '')}</p>"
            f"<p>{_t(day['description'], units)}</p>"
            f'<p class="note">{_t(day["structure_display"], units)}</p>'
            f"<p><b>Why:</b> {_t(day['justification'], units)}</p><ul>{points}</ul></div>"
        )
    page.add("</section>")


def _days_html(days: pl.DataFrame, today: dt.date, units: str | None = None) -> str:
    rows = ["<table>", _head("Day", "Session", "Planned", "Pace", "Status", "Done")]
    for day in days.iter_rows(named=True):
        rest = bool(day["is_rest_day"])
        detail = (
            f"<details><summary>{_t(day['display_type'], units)}</summary>"
            f"<p>{_t(day['description'], units)}</p>"
            f'<p class="note">{_t(day["structure_display"], units)}</p>'
            f"<p>{_t(day['justification'], units)}</p></details>"
        )
        actual = day["actual_distance_km"]
        done = _distance_km(actual, units) if actual else ""
        if day["completed_activity_id"]:
            done = f'<a href="{activity_href(day["completed_activity_id"])}">{done or "run"}</a>'
        rows.append(
            _row(
                f"{day['scheduled_date']:%a %d %b}",
                "rest" if rest else detail,
                "" if rest else _distance_km(day["distance_km"], units),
                _t(day["pace_display"], units),
                _e(day["status"]),
                done,
                css="current" if day["scheduled_date"] == today else "",
            )
        )
    return "".join(rows) + "</table>"


# --- an activity ---------------------------------------------------------------------------


def _activity_page(
    activity: Mapping[str, Any],
    samples: pl.DataFrame,
    runner_name: str,
    units: str | None = None,
) -> Page:
    """An activity in the runner's units: distance, pace per km or mile, the climb in metres or
    (imperial, as Strava shows it) feet."""
    title = activity["name"] or activity["activity_type"] or "Activity"
    page = Page(f"{title} · {activity['local_date']}", "../../../")
    page.add(f'<p><a href="../index.html">← {_e(runner_name)}</a></p>')
    pace = activity["avg_pace_seconds_per_km"]
    method = _e(activity["training_load_method"] or "")
    page.add(
        f"<h1>{_e(title)}</h1><p>{activity['local_date']} · "
        f"{_distance(activity['distance_meters'], units)} in "
        f"{_time(activity['moving_time_seconds'], activity['duration_seconds'])}"
        + (f" · {_pace(pace, units)}" if pace else "")
        + f" · HR {_num(activity['avg_heart_rate_bpm'])} avg, "
        f"{_num(activity['max_heart_rate_bpm'])} max"
        f" · ascent {_climb(activity['elevation_gain_meters'], units)} · load "
        f'{_num(activity["training_load"])} <span class="note">({method}; {_e(LOAD_UNITS)})'
        f"</span> · {_e(activity['session_type'] or '')}</p>"
    )
    streams = activity_streams(samples) if samples.height else None
    page.add('<section id="streams">')
    if streams is None:
        page.add('<p class="empty">No samples were recorded for this activity.</p>')
    else:
        page.chart("streams", lambda: activity_figure(streams, units))
    page.add('</section><section id="route">')
    if streams is None:
        page.add('<p class="empty">No route: no positions were recorded.</p>')
    else:
        page.chart("route", lambda: route_figure(streams, units))
    page.add("</section>")
    laps = activity["laps"] or []
    page.add('<section id="laps"><h2>Laps</h2>')
    if laps:
        page.add("<table>" + _head("Lap", "Distance", "Time", "Pace", "HR", "Cadence"))
        for lap in laps:
            speed = lap.get("avg_speed_meters_per_second")
            page.add(
                _row(
                    str(lap.get("lap_index")),
                    _distance(lap.get("distance_meters"), units),
                    _time(lap.get("moving_time_seconds"), lap.get("duration_seconds")),
                    _pace(1000 / speed if speed else None, units),
                    _num(lap.get("avg_heart_rate_bpm")),
                    _num(lap.get("avg_cadence_spm")),
                )
            )
        page.add("</table>")
    else:
        page.add('<p class="empty">The device recorded no laps.</p>')
    unit = distance_unit(units)
    page.add(
        f'</section><section id="splits"><h2>{"Mile" if unit == "mi" else "Kilometre"} splits</h2>'
    )
    splits = splits_in_units(activity["splits_km"], samples, units)
    if splits:
        page.add("<table>" + _head(unit, "Distance", "Time", "Pace", "HR", "Ascent"))
        for split in splits:
            page.add(
                _row(
                    str(split.get("km")),
                    _distance(split.get("distance_meters"), units),
                    _time(split.get("duration_seconds")),
                    _pace(split.get("pace_seconds_per_km"), units),
                    _num(split.get("avg_heart_rate_bpm")),
                    _climb(split.get("elevation_gain_meters"), units),
                )
            )
        page.add("</table>")
    else:
        page.add('<p class="empty">No splits: the activity has no distance samples.</p>')
    page.add("</section>")
    return page
