"""How realistic a goal is: the target against the VDOT-predicted time and the weeks left."""

from __future__ import annotations

from dataclasses import dataclass

from transforms.physiology import race_seconds, vdot
from transforms.units import clock

# kb_goal_feasibility: about 1-2 VDOT points per 6-8 weeks of consistent training, less when
# already fit.
VDOT_GAIN_PER_WEEK = 1.5 / 7
VDOT_GAIN_CAP = 5.0
FIT_VDOT = 60.0
AMBITIOUS_MARGIN = 2.0
UNLIKELY_MARGIN = 5.0
MIN_BUILD_WEEKS = 3


@dataclass(frozen=True)
class Feasibility:
    verdict: str
    reason: str
    predicted_seconds: float | None
    required_vdot: float | None
    expected_gain: float

    @property
    def unrealistic(self) -> bool:
        return self.verdict in ("unlikely", "needs_adjustment")


def expected_vdot_gain(weeks: int, current_vdot: float) -> float:
    gain = min(weeks * VDOT_GAIN_PER_WEEK, VDOT_GAIN_CAP)
    return gain / 2 if current_vdot >= FIT_VDOT else gain


def goal_feasibility(
    goal_type: str,
    trained_goal: str,
    race_km: float | None,
    target_seconds: float | None,
    weeks: int,
    taper: int,
    current_vdot: float,
) -> Feasibility:
    gain = expected_vdot_gain(weeks, current_vdot)
    if goal_type == "race" and trained_goal == "general_health":
        return Feasibility(
            "needs_adjustment",
            "The race date has passed; the goal is kept as past and the plan maintains "
            "fitness until a new race date is set.",
            None,
            None,
            gain,
        )
    if goal_type == "race" and trained_goal != "race":
        return Feasibility(
            "needs_adjustment",
            "The race date or distance is missing; the plan builds base until both are set.",
            None,
            None,
            gain,
        )
    if trained_goal != "race" or race_km is None:
        return Feasibility(
            "achievable",
            f"No race: the {goal_type.replace('_', ' ')} goal is judged by steady training, "
            "not a finish time.",
            None,
            None,
            gain,
        )
    predicted = race_seconds(current_vdot, race_km * 1000)
    if not target_seconds:
        return Feasibility(
            "achievable",
            f"No target time: current fitness (VDOT {current_vdot:.1f}) predicts "
            f"{clock(predicted)} for {race_km:g} km.",
            predicted,
            None,
            gain,
        )
    required = vdot(race_km * 1000, target_seconds)
    gap = required - current_vdot
    if gap <= gain:
        verdict = "achievable"
    elif gap <= gain + AMBITIOUS_MARGIN:
        verdict = "ambitious"
    elif gap <= gain + UNLIKELY_MARGIN:
        verdict = "unlikely"
    else:
        verdict = "needs_adjustment"
    short = weeks < taper + MIN_BUILD_WEEKS
    if short and verdict == "achievable" and gap > 0:
        verdict = "ambitious"
    reason = (
        f"The target {clock(target_seconds)} needs VDOT {required:.1f}; current VDOT "
        f"{current_vdot:.1f} predicts {clock(predicted)}, and about {gain:.1f} points are "
        f"realistic in {weeks} weeks"
        + ("; the race is too close for a full build." if short else ".")
    )
    return Feasibility(verdict, reason, predicted, required, gain)
