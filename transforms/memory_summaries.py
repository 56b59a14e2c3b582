"""Weekly memory summaries (seed 003): one short text per runner per complete ISO week, every
number read from the tables.

From `coach.weekly_summaries` (volume, plan, compliance, runs, long run, load, form, state,
health issues), `plans.planned_sessions` (the week's key sessions and what became of them),
`coach.runner_states` (state changes) and the Runner Object (personal bests dated in the
week). The template's text is the fallback and the reference: a reworded text may state
no number the template does not (`reworded_problems`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

import polars as pl

from transforms.narratives import stated_numbers
from transforms.units import clock

SUMMARY_TYPE = "weekly_training"
DONE = ("completed", "modified")
PB_NAMES = {
    "five_k": "5 km",
    "ten_k": "10 km",
    "half_marathon": "half marathon",
    "marathon": "marathon",
}
MAX_CHARS = 1200
"""A reworded summary longer than this is refused (the template is a few sentences)."""


def complete_weeks(weekly: pl.DataFrame, today: dt.date) -> pl.DataFrame:
    """The weekly-summary rows whose Sunday is before today."""
    return weekly.filter(pl.col("week_start_date") + pl.duration(days=6) < today)


def weekly_memory_summaries(
    weekly: pl.DataFrame,
    sessions: pl.DataFrame,
    states: pl.DataFrame,
    runners: Sequence[Mapping[str, Any]],
    today: dt.date,
) -> list[dict[str, Any]]:
    """One `coach.memory_summaries` row (template wording) per runner per complete week."""
    bests = {
        r["runner_id"]: _bests((r.get("running") or {}).get("personal_bests")) for r in runners
    }
    users = {r["runner_id"]: r.get("user_id") for r in runners}
    rows = []
    for week in (
        complete_weeks(weekly, today).sort("runner_id", "week_start_date").iter_rows(named=True)
    ):
        runner_id, start = week["runner_id"], week["week_start_date"]
        end = start + dt.timedelta(days=6)
        keys = sessions.filter(
            (pl.col("runner_id") == runner_id)
            & pl.col("scheduled_date").is_between(start, end)
            & pl.col("is_key_session").fill_null(False)
        ).sort("scheduled_date")
        changes = states.filter(
            (pl.col("runner_id") == runner_id) & pl.col("effective_date").is_between(start, end)
        ).sort("effective_date")
        week_bests = [(n, t, d) for n, t, d in bests.get(runner_id, []) if start <= d <= end]
        figures = {
            "actual_volume_km": week["actual_volume_km"],
            "planned_volume_km": week["planned_volume_km"],
            "compliance_percentage": week["compliance_percentage"],
            "run_count": week["run_count"],
            "long_run_km": week["long_run_km"],
            "training_load": week["training_load"],
            "key_sessions_planned": keys.height,
            "key_sessions_done": keys.filter(pl.col("status").is_in(DONE)).height,
            "ending_tsb": week["ending_tsb"],
            "ending_state": week["ending_state"],
        }
        text = summary_text(start, figures, keys, changes, week["health_issues"] or [], week_bests)
        rows.append(
            {
                "memory_summary_id": f"{runner_id}:{SUMMARY_TYPE}:{start.isoformat()}",
                "runner_id": runner_id,
                "user_id": users.get(runner_id),
                "summary_type": SUMMARY_TYPE,
                "source_date_range_start": start,
                "source_date_range_end": end,
                "content": text,
                "template_content": text,
                "narrative_source": "template",
                "llm_model": None,
                "figures": figures,
            }
        )
    return rows


def _bests(personal_bests: Mapping[str, Any] | None) -> list[tuple[str, float, dt.date]]:
    found = []
    for key, name in PB_NAMES.items():
        best = (personal_bests or {}).get(key) or {}
        if best.get("time") is not None and best.get("date") is not None:
            found.append((name, float(best["time"]), best["date"]))
    return found


def summary_text(
    start: dt.date,
    figures: Mapping[str, Any],
    keys: pl.DataFrame,
    changes: pl.DataFrame,
    health: Sequence[str],
    bests: Sequence[tuple[str, float, dt.date]],
) -> str:
    """The week in a few sentences; each number is one of `figures` or a row's own value."""
    sentences = [f"Week of {start.isoformat()}:"]
    ran = f"ran {figures['actual_volume_km'] or 0:.1f} km in {figures['run_count'] or 0} run(s)"
    if figures["planned_volume_km"] is not None:
        ran += f" against {figures['planned_volume_km']:.1f} km planned"
        if figures["compliance_percentage"] is not None:
            ran += f" ({figures['compliance_percentage']:.0f} % of the planned work done)"
    else:
        ran += " with no plan"
    sentences.append(ran + ".")
    if figures["long_run_km"]:
        sentences.append(f"Longest run {figures['long_run_km']:.1f} km.")
    if keys.height:
        parts = []
        for s in keys.iter_rows(named=True):
            what = s["display_type"] or s["session_type"]
            if s["status"] in DONE and s["actual_distance_km"] is not None:
                parts.append(f"{what} {s['status']} ({s['actual_distance_km']:.1f} km)")
            else:
                parts.append(f"{what} {s['status']}")
        sentences.append(
            f"Key sessions: {figures['key_sessions_done']} of {figures['key_sessions_planned']} "
            f"done - {'; '.join(parts)}."
        )
    for change in changes.iter_rows(named=True):
        sentences.append(
            f"State moved from {change['from_state']} to {change['to_state']} on "
            f"{change['effective_date'].isoformat()}"
            + (f" ({change['trigger_reason']})" if change["trigger_reason"] else "")
            + "."
        )
    if health:
        sentences.append(f"Health: {', '.join(health)}.")
    for name, seconds, day in bests:
        sentences.append(f"Personal best over {name}: {clock(seconds)} on {day.isoformat()}.")
    if figures["training_load"] is not None:
        load = f"Load {round(figures['training_load'])} load units"
        if figures["ending_tsb"] is not None:
            load += f"; form (TSB) {round(figures['ending_tsb'])} at week end"
        if figures["ending_state"]:
            load += f", state {figures['ending_state']}"
        sentences.append(load + ".")
    return " ".join(sentences)


def reworded_problems(template: str, reworded: str) -> list[str]:
    """Why a reworded summary cannot replace the template: empty, too long, or stating a
    number the template does not state."""
    if not reworded.strip():
        return ["the text is empty"]
    if len(reworded) > MAX_CHARS:
        return [f"the text is longer than {MAX_CHARS} characters"]
    allowed = set(stated_numbers(template))
    invented = [n for n in stated_numbers(reworded) if n not in allowed]
    return [f"states {n}, which the week's figures do not" for n in invented]
