"""The plan row: season view, runner snapshot, phases, load parameters, paces and decisions,
written from the weeks and sessions the generator built and the context it built them from
(the last step of `plans.generate_plan`; it reads the built rows and changes nothing)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from transforms import plan_text as text
from transforms.feasibility import Feasibility
from transforms.physiology import race_seconds
from transforms.plan_calendar import PHASE_FOCUS, Phase
from transforms.plan_context import PlanContext
from transforms.plan_decisions import decision_rows, feasibility_decision, season_decisions
from transforms.plan_inputs import PlanInputs
from transforms.plan_snapshot import runner_snapshot
from transforms.units import clock

GENERATOR_VERSION = "cadence-plans 1.0"


def plan_row(
    ctx: PlanContext,
    weeks: list[dict[str, Any]],
    sessions: list[dict[str, Any]],
    generated_at: dt.datetime,
    input_hash: str,
) -> dict[str, Any]:
    """The coach.plans row of a built plan: its weekly-plan entries `weeks` and session rows
    `sessions`, the season view, snapshot, phases, load parameters, paces and decisions."""
    inputs, paces = ctx.inputs, ctx.paces
    feasibility = ctx.feasibility()
    full = [w for w in weeks if not w["is_recovery_week"] and w["phase"] != "Taper"]
    peak_week = max(weeks, key=lambda w: (w["planned_volume_km"], -w["week_number"]))
    caps = ctx.engine.limit("weekly_volume_increase_percent") or 100.0
    long_cap = ctx.engine.limit(
        "long_run_share_percent", {"planned_volume_km": peak_week["planned_volume_km"]}
    )
    phases = [
        {
            "name": p.name,
            "start_week": p.start_week,
            "end_week": p.end_week,
            "focus": PHASE_FOCUS[p.name],
            "intensity_distribution": _mean_distribution(
                [w for w in weeks if p.start_week <= w["week_number"] <= p.end_week]
            ),
            "justification": _phase_justification(p, ctx.goal, ctx.race_km),
        }
        for p in ctx.phases
    ]
    return {
        "plan_id": ctx.plan_id,
        "runner_id": inputs.runner_id,
        "user_id": inputs.user_id,
        "name": _plan_name(inputs, ctx.goal, ctx.race_km, ctx.weeks),
        "status": "draft",
        "goal_type": inputs.goal_type,
        "race_distance_km": ctx.race_km,
        "race_date": inputs.race_date if ctx.goal == "race" else None,
        "target_time_seconds": inputs.target_time_seconds if ctx.goal == "race" else None,
        "predicted_time_seconds": feasibility.predicted_seconds,
        "goal_feasibility": feasibility.verdict,
        "goal_feasibility_reason": feasibility.reason,
        "start_date": ctx.start,
        "end_date": ctx.start + dt.timedelta(weeks=ctx.weeks, days=-1),
        "total_weeks": ctx.weeks,
        "current_week": 1,
        "season_view": _season_view(ctx, weeks, sessions, feasibility, peak_week, full),
        "weekly_plan": weeks,
        "runner_snapshot": runner_snapshot(ctx, weeks, feasibility),
        "phases": phases,
        "load_parameters": {
            "starting_volume_km": weeks[0]["planned_volume_km"],
            "peak_volume_km": peak_week["planned_volume_km"],
            "max_weekly_increase_percentage": caps,
            "recovery_week_frequency": ctx.recovery_every,
            "recovery_week_reduction_percentage": round(ctx.recovery_cut * 100, 1),
            "long_run_max_share_percentage": long_cap or 30.0,
            "taper_weeks": ctx.taper,
            "hard_sessions_per_week": max(
                sum(
                    1
                    for s in sessions
                    if s["week_number"] == w["week_number"]
                    and s["session_type"] in KIND_SESSION_TYPES
                )
                for w in weeks
            ),
        },
        "target_paces": {
            "vdot": round(inputs.vdot, 1),
            "easy_min_sec_per_km": round(paces.easy_fast),
            "easy_max_sec_per_km": round(paces.easy_slow),
            "marathon_sec_per_km": round(paces.marathon),
            "threshold_sec_per_km": round(paces.threshold),
            "interval_sec_per_km": round(paces.interval),
            "repetition_sec_per_km": round(paces.repetition),
        },
        "hr_zones": [dict(z) for z in inputs.hr_zones],
        "decisions": decision_rows(
            [*season_decisions(ctx, weeks), feasibility_decision(ctx, feasibility)]
        ),
        "safeguard_applications": ctx.engine.applications,
        "validation_status": None,
        "validation_errors": [],
        "repair_actions": [],
        "generator_version": GENERATOR_VERSION,
        "generated_at": generated_at,
        "narrative_source": "template",
        "llm_model": None,
        "input_hash": input_hash,
        "activated_at": None,
        "created_at": generated_at,
        "updated_at": generated_at,
    }


HOLDING_RISE = 0.03
"""A plan whose peak week is at most this much above week 1 holds its volume, not builds it."""


def _volume_words(ctx: PlanContext, first: float, peak_km: float, holds: bool) -> str:
    if not holds:
        return f"Volume goes from {first:.1f} km to a peak of {peak_km:.1f} km a week"
    words = f"Volume holds at about {first:.1f} km a week"
    if ctx.peak_km >= ctx.capacity_km:
        # the schedule, not the runner's fitness, sets the ceiling: say so
        minutes = ctx.longest_run_seconds / 60
        words += (
            f" (as much as {ctx.inputs.runs_per_week} runs of at most {minutes:.0f} minutes "
            "can hold)"
        )
    return words


def _lighter_weeks_words(weeks: list[int]) -> str:
    if not weeks:
        return "lighter weeks as needed"
    if len(weeks) == 1:
        return f"a lighter week in week {weeks[0]}"
    return f"lighter weeks in weeks {', '.join(map(str, weeks[:-1]))} and {weeks[-1]}"


def _season_view(
    ctx: PlanContext,
    weeks: list[dict[str, Any]],
    sessions: list[dict[str, Any]],
    feasibility: Feasibility,
    peak_week: dict[str, Any],
    full: list[dict[str, Any]],
) -> dict[str, Any]:
    inputs = ctx.inputs
    first, peak_km = weeks[0]["planned_volume_km"], peak_week["planned_volume_km"]
    holds = peak_km <= first * (1 + HOLDING_RISE)
    recovery_weeks = [w["week_number"] for w in weeks if w["is_recovery_week"]]
    milestones = [{"week_number": 1, "date": ctx.start, "description": f"Start at {first:.1f} km"}]
    if not holds:
        milestones.append(
            {
                "week_number": peak_week["week_number"],
                "date": peak_week["start_date"],
                "description": f"Peak week: {peak_km:.1f} km",
            }
        )
    quality = next((s for s in sessions if s["session_type"] in KIND_SESSION_TYPES), None)
    if quality is not None:
        milestones.append(
            {
                "week_number": quality["week_number"],
                "date": quality["scheduled_date"],
                "description": f"First quality session: {quality['display_type']}",
            }
        )
    taper = next((w for w in weeks if w["phase"] == "Taper"), None)
    if taper is not None:
        milestones.append(
            {
                "week_number": taper["week_number"],
                "date": taper["start_date"],
                "description": "Taper begins",
            }
        )
    if ctx.goal == "race":
        milestones.append(
            {
                "week_number": ctx.weeks,
                "date": inputs.race_date,
                "description": f"Race day: {inputs.race_name or f'{ctx.race_km:g} km'}",
            }
        )
    milestones.sort(key=lambda m: (m["date"], m["week_number"]))
    voice_open = {
        "encouraging": f"{inputs.name}, this is a plan you can grow into.",
        "direct": f"{inputs.name}: here is the plan.",
        "analytical": f"{inputs.name}, the plan below follows from your data.",
        "gentle": f"{inputs.name}, we will build this gradually, together.",
        "tough_love": f"{inputs.name}, you asked for this: here is the work it takes.",
        "minimalist": f"{inputs.name}: the plan.",
    }.get(inputs.coaching_voice, f"{inputs.name}, here is your plan.")
    goal_line = (
        f"It leads to {inputs.race_name or f'your {ctx.race_km:g} km race'} on "
        f"{inputs.race_date:%d %B %Y} over {ctx.weeks} weeks; the goal looks "
        f"{feasibility.verdict.replace('_', ' ')}."
        if ctx.goal == "race"
        else f"It runs {ctx.weeks} weeks toward your {_goal_words(inputs.goal_type)} goal."
    )
    easy_range = text.pace_display(ctx.paces.easy_fast, ctx.paces.easy_slow)
    summary = (
        f"{voice_open} {goal_line} {_volume_words(ctx, first, peak_km, holds)}, with "
        + _lighter_weeks_words(recovery_weeks)
        + f". Easy running stays in the {easy_range} range."
    )
    growth = [w["volume_change_percent"] for w in full if w["volume_change_percent"] is not None]
    return {
        "coach_summary": summary,
        "periodization_justification": " ".join(
            _phase_justification(p, ctx.goal, ctx.race_km) for p in ctx.phases
        ),
        "volume_strategy_justification": (
            f"Week 1 starts at {first:.1f} km, from your volume "
            f"({inputs.volume_source}). Build weeks rise by at most "
            f"{ctx.engine.limit('weekly_volume_increase_percent') or 0:.0f} % "
            f"(largest planned rise {max(growth, default=0.0):.1f} %), a lighter week comes "
            f"every {ctx.recovery_every} weeks, and the week after it is compared with the last "
            "full week before it."
        ),
        "key_milestones": milestones,
        "identified_risks": _risks(ctx, feasibility),
        "expected_outcomes": _outcomes(ctx, feasibility, peak_km),
    }


def _risks(ctx: PlanContext, feasibility: Feasibility) -> list[dict[str, Any]]:
    inputs = ctx.inputs
    risks = []
    if inputs.has_injury_history:
        risks.append(
            {
                "risk": "Recurrence of past injury: "
                + ", ".join(inputs.past_injuries).replace("_", " "),
                "severity": "warning",
                "mitigation": "Slower volume increases and more frequent recovery weeks.",
                "monitoring_signals": ["Pain at the old site", "Changes in stride"],
            }
        )
    if inputs.pain_severity:
        risks.append(
            {
                "risk": f"Current pain ({inputs.pain_location or 'unspecified'})",
                "severity": "critical" if inputs.pain_severity >= 4 else "warning",
                "mitigation": "No hard sessions until pain is below 4/10.",
                "monitoring_signals": ["Pain during or after runs", "Morning stiffness"],
            }
        )
    if inputs.acwr is not None and inputs.acwr > 1.3:
        risks.append(
            {
                "risk": "Recent spike in training load",
                "severity": "warning",
                "mitigation": "A conservative first week.",
                "monitoring_signals": ["Heavy legs", "Elevated resting heart rate"],
            }
        )
    if inputs.is_masters:
        risks.append(
            {
                "risk": "Slower recovery at 50+",
                "severity": "info",
                "mitigation": "At most two hard sessions a week, well spaced.",
                "monitoring_signals": ["Soreness lasting more than two days"],
            }
        )
    if feasibility.unrealistic:
        risks.append(
            {
                "risk": "Goal may be out of reach",
                "severity": "warning",
                "mitigation": "Race by effort; revisit the target after the build phase.",
                "monitoring_signals": ["Threshold pace not improving by mid-plan"],
            }
        )
    if inputs.volume_uncertain or inputs.vdot_uncertain:
        risks.append(
            {
                "risk": "Plan built on estimates (little recorded data)",
                "severity": "info",
                "mitigation": "Paces and volume are conservative defaults for the level.",
                "monitoring_signals": ["Easy runs feeling hard", "Sessions not completed"],
            }
        )
    if not risks:
        risks.append(
            {
                "risk": "Overuse from doing more than planned",
                "severity": "info",
                "mitigation": "Keep easy days easy and respect recovery weeks.",
                "monitoring_signals": list(text.WARNING_SIGNALS[:2]),
            }
        )
    return risks


def _outcomes(ctx: PlanContext, feasibility: Feasibility, peak_km: float) -> list[dict[str, Any]]:
    outcomes = [
        {
            "outcome": f"Reach {peak_km:.1f} km in the peak week",
            "confidence": 0.8 if not ctx.inputs.volume_uncertain else 0.6,
            "predicted_value": peak_km,
        },
        {
            "outcome": "VDOT gain from consistent training",
            "confidence": 0.5,
            "predicted_value": round(ctx.inputs.vdot + feasibility.expected_gain, 1),
        },
    ]
    if feasibility.predicted_seconds is not None and ctx.race_km:
        improved = race_seconds(ctx.inputs.vdot + feasibility.expected_gain, ctx.race_km * 1000)
        outcomes.append(
            {
                "outcome": f"Race time around {clock(improved)}",
                "confidence": 0.5 if not ctx.inputs.vdot_uncertain else 0.3,
                "predicted_value": float(round(improved)),
            }
        )
    return outcomes


KIND_SESSION_TYPES = ("tempo", "threshold", "interval", "repetition", "hills", "fartlek")


def _mean_distribution(weeks: list[dict[str, Any]]) -> dict[str, float]:
    keys = ("easy_percentage", "moderate_percentage", "hard_percentage")
    return {
        k: round(sum(w["intensity_distribution"][k] for w in weeks) / max(len(weeks), 1), 1)
        for k in keys
    }


def _phase_justification(phase: Phase, goal: str, race_km: float | None) -> str:
    reasons = {
        "Base": "builds the aerobic engine with easy volume before harder work",
        "Build": "adds threshold and interval sessions once the base can carry them",
        "Peak": "brings race-specific work at the highest volume",
        "Taper": f"cuts volume but keeps intensity so you arrive fresh for {race_km or 0:g} km",
        "Recovery": "recovers from the A race with easy running, building back to the volume "
        "before it"
        if goal == "race"
        else "restarts running gently after a break",
        "Maintenance": "keeps running enjoyable and regular",
    }
    return f"{phase.name} (weeks {phase.start_week}-{phase.end_week}) {reasons[phase.name]}."


def _goal_words(goal: str) -> str:
    return goal.replace("_", " ")


def _plan_name(inputs: PlanInputs, goal: str, race_km: float | None, weeks: int) -> str:
    if goal == "race":
        return f"{inputs.race_name or f'{race_km:g} km race'}: {weeks}-week plan"
    return f"{goal.replace('_', ' ').capitalize()}: {weeks}-week plan"
