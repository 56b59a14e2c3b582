"""A template-narrated plan, its runner and knowledge entries, and a faithful Claude reply, for
the narrative tests (pure and through the Messages API stub)."""

import copy
from typing import Any

from tests.plan_rows import plan_row

KNOWLEDGE = [
    {
        "knowledge_id": "kb_volume_10_percent",
        "category": "volume",
        "title": "Raise weekly volume gradually",
        "content": "Increase weekly distance by no more than about 10% a week.",
        "source": "Daniels' Running Formula",
    },
    {
        "knowledge_id": "kb_taper_10k",
        "category": "taper",
        "title": "Short taper for 10 km",
        "content": "Cut volume in the final week before a 10 km race; keep some intensity.",
        "source": "Mujika & Padilla 2003",
    },
    {
        "knowledge_id": "kb_unused",
        "category": "sleep",
        "title": "Not cited by the plan",
        "content": "Never sent to Claude.",
        "source": "Nobody",
    },
]

RUNNER = {
    "runner_id": "ana",
    "identity": {"name": "Ana Sousa", "preferred_name": "Ana", "timezone": "Europe/Lisbon"},
    "physical": {"age": 41},
    "running": {"experience_level": "casual", "current_volume": 25.0},
    "goals": {"goal_type": "race", "race_name": "Lisbon 10K"},
    "health": {"past_injuries": ["plantar_fasciitis"], "current_pain": None},
    "current_state": {"training_state": "Stable", "injury_risk_level": "moderate"},
    "coaching": {"coaching_voice": "direct", "detail_level": "brief", "language": "en"},
}


def template_plan() -> dict[str, Any]:
    """A four-week 10 km plan (tests.plan_rows) with template texts and cited knowledge."""
    plan = plan_row()
    plan["season_view"] = {
        **plan["season_view"],
        "coach_summary": "Four weeks to the 10 km race, from 30 km up to 33 km a week, aiming "
        "at 50:00 against a predicted 52:00.",
        "periodization_justification": "One Base week, two Build weeks (the second a cut-back) "
        "and one Taper week before race day.",
        "volume_strategy_justification": "Volume rises by at most 10% a week, and the race week "
        "drops to 20 km.",
    }
    plan["decisions"] = [
        {
            "decision_id": "d1",
            "what": "Cap weekly increases at 10%",
            "source": "load_parameters",
            "reasoning": "Injury history",
            "knowledge_id": "kb_volume_10_percent",
        },
        {
            "decision_id": "d2",
            "what": "One taper week",
            "source": "race_distance_km",
            "reasoning": "10 km race",
            "knowledge_id": "kb_taper_10k",
        },
    ]
    plan["narrative_source"] = "template"
    plan["llm_model"] = None
    return plan


def faithful_reply(plan: dict[str, Any]) -> dict[str, Any]:
    """A reply in Ana's direct voice that restates only the plan's own numbers."""
    return copy.deepcopy(
        {
            "coach_summary": "Ana, four weeks to the Lisbon 10K. You build from 30 km to 33 km, "
            "cut back, then taper. Target 50:00; current fitness says 52:00, so pace it well.",
            "periodization_justification": "Base first to settle the routine, Build to add "
            "tempo work, a cut-back week to absorb it, then a Taper so you arrive fresh.",
            "volume_strategy_justification": "No week grows more than 10%, which protects the "
            "foot that gave you plantar fasciitis. Race week drops to 20 km.",
            "phase_justifications": {
                phase["name"]: f"The {phase['name']} phase has a job; do that job."
                for phase in plan["phases"]
            },
            "week_notes": {
                str(week["week_number"]): f"Week {week['week_number']}: "
                f"{week['planned_volume_km']:g} km, long run {week['long_run_km']:g} km. "
                "Easy days stay easy."
                for week in plan["weekly_plan"]
            },
        }
    )
