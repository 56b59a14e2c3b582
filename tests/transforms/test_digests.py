import datetime as dt

import polars as pl
import pytest

from tests.plan_rows import PLAN_START, PLANNED_SESSIONS, plan_row, session_rows
from transforms.digests import key_sessions, latest_complete_week, runner_digest, squad_digest
from transforms.site_pages import Flag


@pytest.mark.parametrize(
    ("today", "monday"),
    [
        (dt.date(2026, 12, 5), dt.date(2026, 11, 23)),  # a Saturday: last week is complete
        (dt.date(2026, 12, 6), dt.date(2026, 11, 23)),  # Sunday: this week is not over
        (dt.date(2026, 12, 7), dt.date(2026, 11, 30)),  # Monday: yesterday ended a week
    ],
)
def test_the_latest_complete_week_ended_before_today(today, monday):
    assert latest_complete_week(today) == (monday, monday + dt.timedelta(days=6))


def test_next_weeks_key_sessions_one_line_each():
    sessions = pl.DataFrame(session_rows(plan_row()), schema=PLANNED_SESSIONS.polars_schema)
    assert key_sessions(sessions, PLAN_START) == [
        f"{PLAN_START + dt.timedelta(days=3):%a %d %b}: Tempo Run, 8.0 km at 5:40-6:15/km",
        f"{PLAN_START + dt.timedelta(days=6):%a %d %b}: Long Run, 12.0 km at 5:40-6:15/km",
    ]
    assert key_sessions(sessions, dt.date(2030, 1, 7)) == []


def test_digests_say_the_same_in_text_and_html_and_escape_names():
    flags = [Flag("missed", "2 session(s) skipped in 14 days")]
    digest = runner_digest("Ana <A&B>", PLAN_START, "Ran 20.0 km.", ["Thu: Tempo"], flags)
    assert digest.subject == f"Your week {PLAN_START:%d %b} - 13 Sep 2026"
    for part in ("Ran 20.0 km.", "Thu: Tempo", "2 session(s) skipped in 14 days"):
        assert part in digest.text and part in digest.html
    assert "Ana <A&B>" in digest.text and "Ana &lt;A&amp;B&gt;" in digest.html
    empty = runner_digest("Ben", PLAN_START, None, [], [])
    assert "no training was recorded" in empty.text and "nothing flagged" in empty.text
    squad = squad_digest(PLAN_START, [{"name": "Ana", "summary": "Ran.", "flags": flags}])
    assert squad.subject.endswith(": 1 runner(s)")
    assert "Ana: Ran.\n  Flags: 2 session(s) skipped in 14 days" in squad.text


def test_a_runner_who_reads_miles_gets_the_digest_in_miles():
    digest = runner_digest(
        "Ben",
        PLAN_START,
        "Week of 2026-09-07: ran 32.2 km in 4 run(s). Longest run 16.1 km.",
        ["Sun 13 Sep: Long Run, 16.1 km at 5:00-5:30/km"],
        [],
        "imperial",
    )
    assert "ran 20.0 mi in 4 run(s). Longest run 10.0 mi." in digest.text
    assert "Long Run, 10.0 mi at 8:03-8:51/mi" in digest.text
    assert " km" not in digest.text and " km" not in digest.html
