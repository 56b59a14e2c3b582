"""The built weeks as rows: one planned session a day (rest days included) and one weekly-plan
entry a week, each figure measured from the sessions it describes (`plan_weeks.week_figures`,
`plan_sessions.session_fields`), each text from `plan_text`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from transforms import plan_text as text
from transforms.plan_calendar import PHASE_FOCUS
from transforms.plan_context import PlanContext
from transforms.plan_sessions import DayPlan, session_fields
from transforms.plan_volumes import WeekTarget
from transforms.plan_week_sessions import BuiltWeek
from transforms.plan_week_settle import nearest_spaced_gap
from transforms.plan_weeks import week_figures
from transforms.safeguards import WARNING_ACTIONS

LIGHTER_WEEK_FOCUS = "Absorb the training: lighter week"


def plan_rows(
    ctx: PlanContext, weeks: Sequence[BuiltWeek]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The weekly-plan entries and the session rows of the built weeks (a week's volume
    change is measured on the week before it, week 1's on `PlanInputs.volume_before_km`)."""
    week_rows: list[dict[str, Any]] = []
    sessions: list[dict[str, Any]] = []
    for built in weeks:
        rows = [session_row(ctx, built, day) for day in range(7)]
        previous = week_rows[-1]["planned_volume_km"] if week_rows else ctx.inputs.volume_before_km
        week_rows.append(week_row(ctx, built.target, rows, previous))
        sessions.extend(rows)
    return week_rows, sessions


def week_row(
    ctx: PlanContext, target: WeekTarget, sessions: list[dict[str, Any]], previous_km: float
) -> dict[str, Any]:
    week, phase = target.week, target.phase
    week_start = ctx.date_of(week, 0)
    figures = week_figures(sessions, previous_km, ctx.targets)
    is_race_week = any(s["session_type"] == "race" for s in sessions)
    runs_besides_race = sum(
        1 for s in sessions if not s["is_rest_day"] and s["session_type"] != "race"
    )
    actions = {rule.safeguard_id: rule.action for rule in ctx.engine.rules}
    applied = [a for a in ctx.engine.applications if a["week_number"] == week and a["applied"]]
    # a warning is for the runner to watch; any other action already changed the week
    warnings = [a["reason"] for a in applied if actions[a["safeguard_id"]] in WARNING_ACTIONS]
    adjustments = [
        a["reason"] for a in applied if actions[a["safeguard_id"]] not in WARNING_ACTIONS
    ]
    return {
        "week_number": week,
        "start_date": week_start,
        "end_date": week_start + dt.timedelta(days=6),
        "phase": phase.name,
        "is_recovery_week": target.is_recovery,
        **figures,
        "key_sessions": [
            f"{s['day_of_week'].capitalize()}: {s['display_type']}"
            for s in sessions
            if s["is_key_session"]
        ],
        "focus": LIGHTER_WEEK_FOCUS if target.is_recovery else PHASE_FOCUS[phase.name],
        "notes": text.week_notes(
            phase.name,
            target.is_recovery,
            is_race_week,
            figures["volume_change_percent"],
            runs_besides_race,
        ),
        "warning_signals": [*text.WARNING_SIGNALS, *dict.fromkeys(warnings)],
        "safeguard_adjustments": list(dict.fromkeys(adjustments)),
    }


def _knowledge_ids(plan: DayPlan | None) -> list[str]:
    template = plan.template if plan else None
    ids = [
        template["knowledge_id"] if template else "kb_rest_day",
        "kb_no_consecutive_hard_days" if plan and plan.is_spaced else None,
        "kb_schedule_constraints",
    ]
    return [k for k in dict.fromkeys(ids) if k]


def session_row(ctx: PlanContext, built: BuiltWeek, day: int) -> dict[str, Any]:
    """The planned session of one day of a built week (a rest day when nothing is planned)."""
    target = built.target
    date = ctx.date_of(target.week, day)
    plan = built.days.get(day)
    kind = plan.session_type if plan else "rest"
    segments = [
        {**s, "segment_index": i} for i, s in enumerate(plan.segments if plan else [], start=1)
    ]
    fields = session_fields(kind, segments, ctx.targets)
    template = plan.template if plan else None
    gap = nearest_spaced_gap(plan, built.days) if plan and plan.is_hard else None
    phase = target.phase.name
    return {
        "session_id": f"{ctx.plan_id}_{date:%Y%m%d}",
        "plan_id": ctx.plan_id,
        "runner_id": ctx.inputs.runner_id,
        "user_id": ctx.inputs.user_id,
        "week_number": target.week,
        "day_of_week": text.WEEKDAYS[day],
        "scheduled_date": date,
        "session_type": kind,
        "display_type": template["name"]
        if template and kind not in ("easy", "long", "recovery", "strides")
        else text.DISPLAY[kind],
        "is_key_session": bool(plan and plan.is_spaced),
        "is_rest_day": plan is None,
        **fields,
        "structure_segments": segments,
        "justification": text.session_justification(
            kind, phase, target.week, target.is_recovery, PHASE_FOCUS[phase]
        )
        + "".join(f" Note: {n}." for n in (plan.notes if plan else [])),
        "placement_rationale": text.placement_rationale(kind, day, gap),
        "related_knowledge_ids": _knowledge_ids(plan),
        "related_safeguard_ids": list(dict.fromkeys(plan.safeguard_ids)) if plan else [],
        "is_moveable": kind not in ("race", "rest"),
        "is_splittable": kind in ("easy", "long") and fields["duration_seconds"] > 3600,
        "status": "planned",
    }
