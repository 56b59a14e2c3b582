"""The runner snapshot a plan stores: where the runner stands on endurance, speed, recovery,
consistency, injury risk and race readiness, and which of their facts shaped the plan."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from transforms.feasibility import Feasibility
from transforms.plan_context import PlanContext


def runner_snapshot(
    ctx: PlanContext, weeks: Sequence[Mapping[str, Any]], feasibility: Feasibility
) -> dict[str, Any]:
    """The runner as the plan sees them: six scored axes (each with its basis and whether it
    rests on estimates), the fitness figures, and what shaped the plan."""
    inputs = ctx.inputs
    volume, long_run = inputs.weekly_volume_km, inputs.long_run_km or 0.0
    endurance = 100 * (0.5 * min(volume / 80, 1) + 0.5 * min(long_run / 30, 1))
    speed = min(100.0, max(0.0, (inputs.vdot - 25) / 45 * 100))
    risk = {"low": 20.0, "moderate": 45.0, "high": 70.0, "very_high": 90.0}
    injury = risk.get(inputs.injury_risk_level or "", 40.0)
    injury += 10 * inputs.has_injury_history + 20 * bool(inputs.pain_severity)
    if feasibility.required_vdot is not None:
        race_ready = 100 - min(100.0, max(0.0, (feasibility.required_vdot - inputs.vdot) * 10))
        race_basis = "current VDOT against the VDOT the target needs"
    else:
        race_ready = min(100.0, 100 * (inputs.ctl or 0.0) / 60)
        race_basis = "chronic training load (CTL) against 60"
    return {
        "endurance": _axis(
            endurance,
            inputs.volume_uncertain or inputs.long_run_km is None,
            "weekly volume against 80 km and long run against 30 km",
        ),
        "speed": _axis(
            speed, inputs.vdot_uncertain, f"VDOT {inputs.vdot:.1f} ({inputs.vdot_source})"
        ),
        "recovery": _axis(
            inputs.readiness if inputs.readiness is not None else 50.0,
            inputs.readiness is None,
            "readiness score (HRV, resting HR, sleep, TSB)",
        ),
        "consistency": _axis(
            100 * inputs.consistency if inputs.consistency is not None else 50.0,
            inputs.consistency is None,
            "share of recent weeks with regular running",
        ),
        "injury_risk": _axis(
            min(100.0, injury),
            inputs.injury_risk_level is None,
            "injury-risk level, injury history and current pain",
        ),
        "race_ready": _axis(
            race_ready,
            inputs.vdot_uncertain or (feasibility.required_vdot is None and inputs.ctl is None),
            race_basis,
        ),
        "fitness_indicators": {
            "vdot": round(inputs.vdot, 1),
            "ctl": inputs.ctl,
            "atl": inputs.atl,
            "tsb": inputs.tsb,
            "weekly_volume_km": round(volume, 1),
            "resting_hr_bpm": inputs.resting_hr_latest or inputs.rest_hr,
            "hrv_ms": inputs.hrv_latest,
        },
        "plan_influencers": _influencers(ctx, weeks),
    }


def _influencers(ctx: PlanContext, weeks: Sequence[Mapping[str, Any]]) -> list[dict[str, str]]:
    inputs = ctx.inputs
    found = [
        {
            "factor": f"Goal: {ctx.goal.replace('_', ' ')}",
            "effect": "Phases " + ", ".join(p.name for p in ctx.phases),
        },
        {
            "factor": f"Experience: {inputs.experience}",
            "effect": f"Peak volume {max(w['planned_volume_km'] for w in weeks):.0f} km",
        },
        {
            "factor": f"Schedule: {len(inputs.allowed_days)} days available",
            "effect": f"{inputs.runs_per_week} runs a week",
        },
    ]
    if inputs.has_injury_history:
        found.append(
            {
                "factor": "Injury history",
                "effect": "Slower progression, recovery every third week",
            }
        )
    if inputs.is_masters:
        found.append(
            {"factor": f"Age {inputs.age}", "effect": "At most two hard sessions, well spaced"}
        )
    if inputs.pain_severity:
        found.append({"factor": "Current pain", "effect": "Hard sessions limited"})
    return found


def _axis(score: float, uncertain: bool, basis: str) -> dict[str, Any]:
    return {"score": round(min(100.0, max(0.0, score)), 1), "uncertain": uncertain, "basis": basis}
