"""The plan's decision log: each choice the generator made, with the data it came from, why,
and the knowledge entry behind it, stated with the figures the built weeks hold."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from transforms import plan_text as text
from transforms.feasibility import Feasibility
from transforms.plan_context import PlanContext
from transforms.plan_inputs import MINIMUM_START_KM


@dataclass(frozen=True)
class Decision:
    what: str
    source: str
    reasoning: str
    knowledge_id: str


def decision_rows(decisions: Sequence[Decision]) -> list[dict[str, Any]]:
    """The decisions as the plan stores them, numbered d01, d02, ... in order."""
    return [
        {"decision_id": f"d{number:02d}", **asdict(decision)}
        for number, decision in enumerate(decisions, start=1)
    ]


def _adder(decisions: list[Decision]) -> Callable[[str, str, str, str], None]:
    def add(what: str, source: str, reasoning: str, knowledge_id: str) -> None:
        decisions.append(Decision(what, source, reasoning, knowledge_id))

    return add


def feasibility_decision(ctx: PlanContext, feasibility: Feasibility) -> Decision:
    return Decision(
        f"Goal judged {feasibility.verdict}",
        "VDOT-predicted time and weeks available",
        feasibility.reason,
        "kb_goal_feasibility" if ctx.goal == "race" else "kb_vdot_paces",
    )


def season_decisions(ctx: PlanContext, weeks: Sequence[Mapping[str, Any]]) -> list[Decision]:
    """The season's decisions, stated with the figures the built weeks hold."""
    inputs = ctx.inputs
    decisions: list[Decision] = []
    add = _adder(decisions)
    first = weeks[0]["planned_volume_km"]
    peak = max(
        (w["planned_volume_km"] for w in weeks if w["phase"] != "Taper"),
        default=first,
    )
    held = []
    if inputs.weekly_volume_km < MINIMUM_START_KM:
        held.append(
            f"raised to the {MINIMUM_START_KM:g} km minimum, the smallest week a plan starts "
            "from; week 1's rise and change are measured against it"
        )
    if ctx.capacity_km < max(inputs.weekly_volume_km, MINIMUM_START_KM):
        held.append(
            f"held to the {ctx.capacity_km:.1f} km that {inputs.runs_per_week} runs hold, "
            "each no longer than a run may last and the long run within its share"
        )
    if ctx.goal == "race" and weeks[0]["phase"] == "Recovery":
        held.append("cut for the Recovery week after the A race, kb_post_race_recovery")
    add(
        f"Start at {first:.1f} km/week",
        f"weekly volume {inputs.weekly_volume_km:.1f} km, {inputs.volume_source}",
        "The first week starts from what the runner actually runs"
        + (f" ({'; '.join(held)})" if held else "")
        + ".",
        "kb_minimum_start_volume"
        if inputs.weekly_volume_km < MINIMUM_START_KM
        else "kb_start_from_current_volume",
    )
    add(
        f"Peak at {peak:.1f} km/week",
        f"goal {ctx.goal}, experience {inputs.experience}",
        f"The plan aims at {ctx.peak_km:.1f} km for the goal and level; the safeguards "
        "(weekly rise, long-run share, run length) decide how far the weeks climb toward it.",
        "kb_peak_volume_by_distance",
    )
    add(
        "Phases " + ", ".join(f"{p.name} {p.weeks} wk" for p in ctx.phases),
        f"{ctx.weeks} weeks until the goal",
        "Base, then quality work, then race-specific work and a taper; goals without a race "
        "stay in base or maintenance.",
        "kb_periodization" if ctx.goal != "return_to_fitness" else "kb_return_to_fitness",
    )
    after_race = [w for w in weeks if ctx.goal == "race" and w["phase"] == "Recovery"]
    if after_race and inputs.recovery_until is not None:
        volumes = " then ".join(f"{w['planned_volume_km']:.1f}" for w in after_race)
        add(
            f"Recovery {len(after_race)} wk after the A race: {volumes} km/week",
            f"Recovery phase after the last A race until {inputs.recovery_until:%A %d %B}",
            "The plan opens with what is left of the roadmap's Recovery phase: easy running "
            "at about 60 % of the volume before the race, built back a week at a time (a "
            "reverse taper), before Base starts again.",
            "kb_post_race_recovery",
        )
    if ctx.race is not None:
        race = ctx.race
        add(
            f"Taper over the {race.taper_days} days before the race",
            f"race distance {ctx.race_km:g} km on {race.race_date:%A %d %B}",
            "Taper length follows the race distance and counts back from race day; the "
            f"last seven days hold at most {race.final_share * 100:.0f} % of the peak week, "
            f"no key session falls in the last {race.key_session_gap} days and no long run "
            f"in the last {race.long_run_gap}.",
            "kb_taper_length_by_distance",
        )
    add(
        f"A recovery week every {ctx.recovery_every} weeks, {ctx.recovery_cut * 100:.0f} % lighter",
        "age, injury history and experience",
        "Cautious runners (50+, past injuries, beginners) recover every third week.",
        "kb_recovery_weeks"
        if ctx.recovery_every == 4
        else "kb_age_recovery"
        if inputs.is_masters
        else "kb_recovery_weeks",
    )
    weekdays = ", ".join(text.WEEKDAYS[d] for d in inputs.allowed_days)
    add(
        f"Up to {inputs.runs_per_week} runs a week on {weekdays}",
        "schedule (available, preferred and blocked days)",
        "Sessions go only on days the runner can train.",
        "kb_schedule_constraints",
    )
    add(
        f"Long run on {text.WEEKDAYS[inputs.long_run_day]}",
        "schedule.long_run_day",
        "The long run goes on the runner's long-run day.",
        "kb_long_run_day",
    )
    add(
        f"Paces from VDOT {inputs.vdot:.1f}",
        inputs.vdot_source,
        "Daniels' E, M, T, I and R paces from the runner's VDOT, as ranges.",
        "kb_vdot_paces",
    )
    add(
        f"Heart-rate zones ({inputs.hr_zones_source})",
        "running.hr_zones or max/resting heart rate",
        "Zones from heart-rate reserve when resting HR is known, else % of max HR.",
        "kb_hr_zones",
    )
    add(
        "About 80 % of sessions easy; hard days never back to back",
        "phase intensity targets",
        "Polarized training counted in sessions; quality days are spread across the week.",
        "kb_polarized_80_20",
    )
    return decisions
