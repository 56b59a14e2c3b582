"""The coach's site on a small sample squad: what the exports/coach_site asset wrote, checked
against the warehouse, opened page by page in a real headless Chromium, and served by
`cadence site`."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from typing import Any

import pytest

from exports.coach_site import activity_href, write_coach_site
from tests.exports.conftest import artefacts_folder, report_line
from transforms.units import distance_in, distance_unit
from warehouse.connection import open_warehouse
from warehouse.settings import CadenceHome

CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
"""As root in a closed network: no sandbox, and none of Chromium's own calls home."""
RENDERED = """() => Array.from(document.querySelectorAll('div.chart')).map(div => ({
    name: div.dataset.name,
    plotted: div.classList.contains('js-plotly-plot'),
    marks: div.querySelectorAll('svg.main-svg .trace').length,
    width: div.getBoundingClientRect().width,
}))"""
"""Each chart div: did Plotly take it, how many drawn marks (traces, bars, lines) its svg holds."""


def rows(home: CadenceHome, sql: str, params: list[object] | None = None) -> list[tuple]:
    with open_warehouse(home.warehouse, read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def test_the_asset_wrote_a_page_for_the_squad_each_runner_and_each_activity(built_home):
    home = built_home.home
    site = home.site
    assert (site / "index.html").is_file()
    assert (site / "assets" / "plotly.min.js").stat().st_size > 1_000_000
    activities = rows(home, "SELECT runner_id, activity_id FROM terra.activities")
    assert len(activities) > 20
    for runner_id, activity_id in activities:
        assert (site / "runners" / runner_id / activity_href(activity_id)).is_file()
    pages = sorted(site.rglob("*.html"))
    assert len(pages) == 1 + len(built_home.runner_ids) + len(activities)
    for page in pages:
        text = page.read_text()
        # nothing from the network: every script and style is a relative path in the site
        assert not re.search(r"""(src|href)=["']?(https?:)?//""", text), page
        for linked in re.findall(r"""(?:src|href)="([^"#]+)\"""", text):
            assert (page.parent / linked).resolve().is_file(), (page, linked)
    assert not (site.parent / "site.building").exists()


def test_the_squad_page_shows_each_runners_week_and_latest_data_from_the_tables(built_home):
    home, today = built_home.home, built_home.today
    index = (home.site / "index.html").read_text()
    monday = today - dt.timedelta(days=today.weekday())
    shown_in = set()
    for runner_id in built_home.runner_ids:
        [(units,)] = rows(
            home, "SELECT coaching.units FROM coach.runners WHERE runner_id = ?", [runner_id]
        )
        unit = distance_unit(units)
        shown_in.add(unit)
        row = re.search(rf'<tr data-runner="{runner_id}">(.*?)</tr>', index, re.S)
        assert row, runner_id
        cells = re.findall(r"<td>(.*?)</td>", row.group(1), re.S)
        [(planned,)] = rows(
            home,
            "SELECT coalesce(sum(s.distance_km), 0) FROM plans.planned_sessions s "
            "JOIN plans.training_plans p USING (plan_id) WHERE p.status = 'active' "
            "AND s.runner_id = ? AND s.scheduled_date BETWEEN ? AND ? AND NOT s.is_rest_day",
            [runner_id, monday, monday + dt.timedelta(days=6)],
        )
        [(done,)] = rows(
            home,
            "SELECT coalesce(sum(distance_meters), 0) / 1000 FROM terra.activities WHERE "
            "runner_id = ? AND local_date BETWEEN ? AND ? AND activity_type LIKE '%running'",
            [runner_id, monday, today],
        )
        # each runner's row in that runner's units (ben-chicago reads miles)
        expected = f"{distance_in(planned, units):.1f} / {distance_in(done, units):.1f} {unit}"
        assert cells[6].startswith(expected), (runner_id, cells[6], expected)
        [(latest,)] = rows(
            home, "SELECT max(date) FROM terra.daily_summaries WHERE runner_id = ?", [runner_id]
        )
        assert cells[9] == latest.isoformat()
        [(tsb,)] = rows(
            home,
            "SELECT tsb FROM terra.daily_summaries WHERE runner_id = ? AND date = ?",
            [runner_id, latest],
        )
        assert cells[3].startswith(f"{tsb:.0f} ")
    assert shown_in == {"km", "mi"}


def test_a_runner_who_reads_miles_sees_miles_and_min_per_mile_on_their_pages(built_home):
    """ben-chicago's Runner Object says imperial: his weekly chart, plan and activity pages
    read miles, min/mi, mile splits and feet (as Strava shows imperial users); the other
    runner's read km."""
    site = built_home.home.site
    units = dict(rows(built_home.home, "SELECT runner_id, coaching.units FROM coach.runners"))
    assert "imperial" in units.values() and "metric" in units.values()
    for runner_id, system in units.items():
        unit, other = ("mi", "km") if system == "imperial" else ("km", "mi")
        page = (site / "runners" / runner_id / "index.html").read_text()
        assert f'"name":"Planned ({unit})"' in page and f'"name":"Planned ({other})"' not in page
        assert f'"text":"planned {unit}"' in page
        [(activity_id,)] = rows(
            built_home.home,
            "SELECT activity_id FROM terra.activities WHERE runner_id = ? AND "
            "activity_type LIKE '%running' AND distance_meters > 3000 ORDER BY start_time "
            "DESC LIMIT 1",
            [runner_id],
        )
        activity = (site / "runners" / runner_id / activity_href(activity_id)).read_text()
        splits = "Mile splits" if unit == "mi" else "Kilometre splits"
        assert f"<h2>{splits}</h2>\n<table><tr><th>{unit}</th>" in activity
        assert f"/{unit}</td>" in activity and f"/{other}</td>" not in activity
        assert f'"text":"Pace (\\u002f{unit})"' in activity  # Plotly's JSON escapes "/"
        assert (" ft</td>" in activity) == (unit == "mi")


def test_the_calendar_colours_each_past_session_by_how_much_of_it_was_done(built_home):
    home, today = built_home.home, built_home.today
    checked = {"done": 0, "missed": 0, "rest": 0, "future": 0}
    for runner_id in built_home.runner_ids:
        page = (home.site / "runners" / runner_id / "index.html").read_text()
        cells = {
            day: css.split()[0]
            for css, day in re.findall(r'<td class="([a-z ]+)" data-date="([0-9-]+)"', page)
        }
        sessions = rows(
            home,
            "SELECT s.scheduled_date, s.is_rest_day, s.status, s.completed_share "
            "FROM plans.planned_sessions s JOIN plans.training_plans p USING (plan_id) "
            "WHERE p.status = 'active' AND s.runner_id = ?",
            [runner_id],
        )
        for day, rest, status, share in sessions:
            shown = cells[day.isoformat()]
            if rest:
                assert shown in ("rest", "unplanned"), (day, shown)
                checked["rest"] += 1
            elif day > today:
                assert shown == "future"
                checked["future"] += 1
            elif status == "skipped":
                assert shown == "missed", day
                checked["missed"] += 1
            elif share is not None and share >= 0.9:
                assert shown == "done", (day, share)
                checked["done"] += 1
    assert checked["done"] and checked["rest"] and checked["future"]


def test_a_build_that_cannot_start_leaves_the_last_site_in_place(built_home, tmp_path):
    home = built_home.home
    before = (home.site / "index.html").read_bytes()
    missing = CadenceHome(home.root, str(tmp_path / "no-such.duckdb"))
    with pytest.raises(ValueError, match="no warehouse at"):
        write_coach_site(missing)
    assert (home.site / "index.html").read_bytes() == before


def _chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    assert found, "headless Chromium is needed: apt-get install -y chromium (.ci/run does)"
    return found


def test_every_page_opens_offline_in_chromium_and_every_chart_renders(built_home, request):
    from playwright.sync_api import sync_playwright

    site = built_home.home.site
    pages = sorted(site.rglob("*.html"))
    artefacts = artefacts_folder()
    first_runner = site / "runners" / built_home.runner_ids[0] / "index.html"
    figures: list[dict[str, object]] = []
    drawn: dict[str, set[str]] = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=_chromium(), args=CHROMIUM_FLAGS)
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        outside: list[str] = []
        context.on(
            "request", lambda r: None if r.url.startswith("file://") else outside.append(r.url)
        )
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(f"{page.url}: {error}"))
        page.on(
            "console",
            lambda message: (
                errors.append(f"{page.url}: {message.text}") if message.type == "error" else None
            ),
        )
        for path in pages:
            started = time.perf_counter()
            page.goto(path.as_uri(), wait_until="load")
            charts = page.evaluate(RENDERED)
            seconds = time.perf_counter() - started
            assert all(c["plotted"] and c["marks"] > 0 and c["width"] > 100 for c in charts), (
                path,
                charts,
            )
            expected = len(re.findall(r'<div class="chart"', path.read_text()))
            assert len(charts) == expected
            if path.parent.name == "activities":
                drawn[path.name] = {c["name"] for c in charts}
            weight = path.stat().st_size + sum(
                (path.parent / src).stat().st_size
                for src in re.findall(r'(?:src|href)="([^"#]+\.(?:js|css))"', path.read_text())
            )
            figures.append(
                {
                    "page": str(path.relative_to(site)),
                    "charts": len(charts),
                    "seconds": seconds,
                    "bytes": weight,
                }
            )
            if path in (site / "index.html", first_runner):
                name = "squad" if path == site / "index.html" else "runner"
                page.screenshot(path=str(artefacts / f"site_{name}.png"), full_page=True)
        browser.close()
    assert not errors, errors[:5]
    # an activity page charts its streams when it has samples, its route when it has positions
    recorded = rows(
        built_home.home,
        "SELECT a.runner_id, a.activity_id, count(s.activity_id) > 0, count(s.lat_deg) > 1 "
        "FROM terra.activities a LEFT JOIN terra.activity_samples s USING (activity_id) "
        "GROUP BY ALL",
    )
    for _, activity_id, sampled, positioned in recorded:
        charts = drawn[activity_href(activity_id).split("/")[1]]
        assert ("streams" in charts) == sampled and ("route" in charts) == positioned
    assert sum(1 for r in recorded if r[3]) > 20
    assert not outside, outside[:5]
    runner_charts = next(
        f for f in figures if f["page"].endswith(f"{built_home.runner_ids[0]}/index.html")
    )
    assert runner_charts["charts"] >= 5  # calendar is HTML; PMC, weekly, zones, wellness, plan
    assert (artefacts / "site_squad.png").stat().st_size > 10_000
    assert (artefacts / "site_runner.png").stat().st_size > 50_000
    times = [f["seconds"] for f in figures]
    html_bytes = [f["bytes"] for f in figures]
    summary = {
        "pages": len(figures),
        "charts": sum(f["charts"] for f in figures),
        "render_seconds_median": statistics.median(times),
        "render_seconds_max": max(times),
        "page_bytes_median": statistics.median(html_bytes),
        "page_bytes_max": max(html_bytes),
        "pages_detail": figures,
    }
    (artefacts / "site_browser.json").write_text(json.dumps(summary, indent=2))
    render = f"median {statistics.median(times):.2f} s, max {max(times):.2f} s"
    weight = (
        f"median {statistics.median(html_bytes) / 1e6:.2f} MB, max {max(html_bytes) / 1e6:.2f} MB"
    )
    report_line(
        request.config,
        f"coach site in Chromium: {summary['pages']} pages, {summary['charts']} charts; render "
        f"{render}; page weight (HTML + its scripts and styles) {weight}; screenshots and "
        f"figures in {artefacts}",
    )


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _cadence(home: CadenceHome, *args: str, **popen: Any) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", "from assets.cli import main; main()", *args],
        env={**os.environ, "CADENCE_HOME": str(home.root), "COLUMNS": "200"},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        **popen,
    )


def _ignoring_sigterm() -> None:
    """What a child inherits from a parent that ignores SIGTERM (as a test runner can)."""
    signal.signal(signal.SIGTERM, signal.SIG_IGN)


def test_cadence_site_prints_the_path_and_serves_the_site_on_loopback(built_home):
    home = built_home.home
    port = _free_port()
    # SIGTERM stops the server even when it was started with SIGTERM ignored
    server = _cadence(home, "site", "--port", str(port), preexec_fn=_ignoring_sigterm)
    try:
        assert server.stdout is not None
        lines = [server.stdout.readline(), server.stdout.readline()]
        assert lines[0].strip() == f"Site: {home.site / 'index.html'}"
        assert lines[1].startswith(f"Serving on http://127.0.0.1:{port}/")
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10) as reply:
            assert reply.status == 200
            assert '<table id="squad">' in reply.read().decode()
        runner = built_home.runner_ids[0]
        with urllib.request.urlopen(
            f"http://127.0.0.1:{port}/runners/{runner}/index.html", timeout=10
        ) as reply:
            assert 'id="calendar"' in reply.read().decode()
        taken = _cadence(home, "site", "--port", str(port))
        output, _ = taken.communicate(timeout=60)
        assert taken.returncode == 1
        assert f"cannot serve the site on 127.0.0.1:{port}" in output
    finally:
        server.terminate()
        server.wait(timeout=30)
        if server.stdout is not None:
            server.stdout.close()


def test_cadence_site_without_a_warehouse_says_what_to_run(tmp_path):
    home = CadenceHome(tmp_path / "empty").create()
    done = _cadence(home, "site", "--no-serve")
    output, _ = done.communicate(timeout=60)
    assert done.returncode == 1
    assert "no warehouse at" in output and "cadence materialize" in output
    assert not home.site.exists()


def test_a_runner_with_a_roadmap_sees_its_phases_and_milestones_before_the_plan(
    built_home, tmp_path
):
    import polars as pl

    from tests.contract_values import valid_value
    from warehouse.connection import upsert
    from warehouse.contracts import contract

    home = CadenceHome(tmp_path / "home").create()
    shutil.copyfile(built_home.home.warehouse, home.warehouse)
    runner_id, today = built_home.runner_ids[0], built_home.today
    [(activity_id,)] = rows(
        home,
        "SELECT activity_id FROM terra.activities WHERE runner_id = ? ORDER BY start_time "
        "DESC LIMIT 1",
        [runner_id],
    )
    roadmaps, milestones = contract("plans.roadmaps"), contract("plans.milestones")

    def frame(table, records):
        defaults = {name: valid_value(f) for name, f in table.columns.items()}
        return pl.DataFrame([{**defaults, **r} for r in records], schema=table.polars_schema)

    phase = {"roadmap_id": f"{runner_id}:abc", "runner_id": runner_id, "user_id": None}
    with open_warehouse(home.warehouse) as con:
        for table in ("plans.milestones", "plans.roadmaps"):  # whatever the build made
            con.execute(f"DELETE FROM {table} WHERE runner_id = ?", [runner_id])
        upsert(con, roadmaps, frame(roadmaps, [
            {**phase, "roadmap_phase_id": f"{runner_id}:abc:1", "phase_number": 1,
             "phase_name": "Base", "start_date": today - dt.timedelta(days=20),
             "end_date": today + dt.timedelta(days=30), "target_volume_km": 41.5,
             "focus": "Aerobic base"},
            {**phase, "roadmap_phase_id": f"{runner_id}:abc:2", "phase_number": 2,
             "phase_name": "Build", "start_date": today + dt.timedelta(days=31),
             "end_date": today + dt.timedelta(days=80), "target_volume_km": 48.0,
             "focus": "Threshold work"},
        ]))  # fmt: skip
        upsert(con, milestones, frame(milestones, [
            {**phase, "milestone_id": f"{runner_id}:abc:1:long", "phase_number": 1,
             "milestone_name": "12 km long run", "target_date": today + dt.timedelta(days=30),
             "achieved": True, "achieved_date": today, "achieved_activity_id": activity_id},
        ]))  # fmt: skip
    write_coach_site(home, today, [runner_id])
    page = (home.site / "runners" / runner_id / "index.html").read_text()
    assert page.index('<section id="roadmap">') < page.index('<section id="plan">')
    roadmap = page[page.index('<section id="roadmap">') : page.index('<section id="plan">')]
    assert '<tr class="current"><td>1. Base</td>' in roadmap and "41.5 km/week" in roadmap
    assert "2. Build" in roadmap and "Threshold work" in roadmap
    assert f'<a href="{activity_href(activity_id)}">✓ {today}</a>' in roadmap
    other = built_home.runner_ids[1]
    assert (
        '<section id="roadmap">'
        not in (built_home.home.site / "runners" / other / "index.html").read_text()
    )
