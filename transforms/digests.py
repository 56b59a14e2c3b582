"""The weekly digest's words: for a runner, the week's memory summary, next week's key sessions
and the flags; for the coach, the squad's week. Plain text and HTML from the same records,
every number read from the tables (pure; exports/digest.py writes and sends them)."""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import polars as pl

from transforms.site_pages import Flag
from transforms.units import text_in_units


@dataclass(frozen=True)
class DigestText:
    subject: str
    text: str
    html: str


def latest_complete_week(today: dt.date) -> tuple[dt.date, dt.date]:
    """Monday and Sunday of the last ISO week that ended before today."""
    sunday = today - dt.timedelta(days=today.weekday() + 1)
    return sunday - dt.timedelta(days=6), sunday


def key_sessions(sessions: pl.DataFrame, monday: dt.date) -> list[str]:
    """The key sessions of the week starting `monday`, one line each."""
    week = sessions.filter(
        pl.col("scheduled_date").is_between(monday, monday + dt.timedelta(days=6))
        & pl.col("is_key_session").fill_null(False)
    ).sort("scheduled_date")
    lines = []
    for s in week.iter_rows(named=True):
        line = f"{s['scheduled_date']:%a %d %b}: {s['display_type'] or s['session_type']}"
        if s["distance_km"] is not None:
            line += f", {s['distance_km']:.1f} km"
        if s["pace_display"]:
            line += f" at {s['pace_display']}"
        lines.append(line)
    return lines


def _section(title: str, lines: Sequence[str]) -> tuple[str, str]:
    text = f"{title}\n" + "\n".join(f"- {line}" for line in lines)
    items = "".join(f"<li>{html.escape(line)}</li>" for line in lines)
    return text, f"<h3>{html.escape(title)}</h3><ul>{items}</ul>"


def runner_digest(
    name: str,
    monday: dt.date,
    summary: str | None,
    next_keys: Sequence[str],
    flags: Sequence[Flag],
    units: str | None = None,
) -> DigestText:
    """One runner's digest for the week starting `monday`, its distances and paces in the
    runner's units (coaching.units: the tables' km, converted for a runner who reads miles)."""
    summary = text_in_units(summary, units) if summary else summary
    next_keys = [text_in_units(line, units) for line in next_keys]
    sunday = monday + dt.timedelta(days=6)
    subject = f"Your week {monday:%d %b} - {sunday:%d %b %Y}"
    intro = f"Hello {name},"
    week = summary or "No summary of this week: no training was recorded."
    parts = [
        _section("Next week's key sessions", next_keys or ["none planned"]),
        _section("To watch", [f.text for f in flags] or ["nothing flagged"]),
    ]
    text = "\n\n".join([intro, "Your week", week, *(p[0] for p in parts), "- Cadence"]) + "\n"
    body = "".join(p[1] for p in parts)
    page = (
        f"<html><body><p>{html.escape(intro)}</p><h3>Your week</h3><p>{html.escape(week)}</p>"
        f"{body}<p>- Cadence</p></body></html>"
    )
    return DigestText(subject, text, page)


def squad_digest(monday: dt.date, rows: Sequence[Mapping[str, Any]]) -> DigestText:
    """The coach's digest: each runner's week in one line, then their flags.
    `rows`: name, summary (or None), flags."""
    sunday = monday + dt.timedelta(days=6)
    subject = f"Squad week {monday:%d %b} - {sunday:%d %b %Y}: {len(rows)} runner(s)"
    texts, pages = [], []
    for row in rows:
        flags = [f.text for f in row["flags"]]
        summary = row["summary"] or "no training recorded."
        texts.append(
            f"{row['name']}: {summary}" + (f"\n  Flags: {'; '.join(flags)}" if flags else "")
        )
        pages.append(
            f"<tr><td>{html.escape(row['name'])}</td><td>{html.escape(summary)}</td>"
            f"<td>{html.escape('; '.join(flags) or 'none')}</td></tr>"
        )
    text = f"The squad's week {monday.isoformat()} to {sunday.isoformat()}\n\n" + "\n\n".join(texts)
    page = (
        f'<html><body><h2>{html.escape(subject)}</h2><table border="1" cellpadding="4">'
        "<tr><th>Runner</th><th>Week</th><th>Flags</th></tr>"
        + "".join(pages)
        + "</table></body></html>"
    )
    return DigestText(subject, text + "\n", page)
