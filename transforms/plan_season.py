"""The plan's explanations: season view, runner snapshot, phases, load parameters, paces and
decisions, written from the weeks and sessions the generator built (a mixin of the builder:
it reads the builder's state and adds nothing to it but decisions)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from transforms import plan_text as text
from transforms.feasibility import Feasibility
from transforms.physiology import race_seconds
from transforms.plan_calendar import PHASE_FOCUS, Phase
from transforms.plan_inputs import MINIMUM_START_KM, PlanInputs
from transforms.units import clock

GENERATOR_VERSION = "cadence-plans 1.0"


class SeasonView:
    """Plan-level rows of a built plan (see transforms.plans._PlanBuilder)."""

    def _season_decisions(self) -> None:
        """Decisions stated with the figures the built weeks hold."""
        inputs, add = self.inputs, self.decisions.add
        first = self.week_rows[0]["planned_volume_km"]
        peak = max(
            (w["planned_volume_km"] for w in self.week_rows if w["phase"] != "Taper"),
            default=first,
        )
        held = []
        if inputs.weekly_volume_km < MINIMUM_START_KM:
            held.append(f"raised to the {MINIMUM_START_KM:g} km minimum")
        if self.capacity_km < max(inputs.weekly_volume_km, MINIMUM_START_KM):
            held.append(
                f"held to the {self.capacity_km:.1f} km that {inputs.runs_per_week} runs of "
                "the longest allowed length hold"
            )
        add(
            f"Start at {first:.1f} km/week",
            f"weekly volume {inputs.weekly_volume_km:.1f} km, {inputs.volume_source}",
            "The first week starts from what the runner actually runs"
            + (f" ({'; '.join(held)})" if held else "")
            + ".",
            "kb_start_from_current_volume",
        )
        add(
            f"Peak at {peak:.1f} km/week",
            f"goal {self.goal}, experience {inputs.experience}",
            f"The plan aims at {self.peak_km:.1f} km for the goal and level; the safeguards "
            "(weekly rise, long-run share, run length) decide how far the weeks climb toward it.",
            "kb_peak_volume_by_distance",
        )
        add(
            "Phases " + ", ".join(f"{p.name} {p.weeks} wk" for p in self.phases),
            f"{self.weeks} weeks until the goal",
            "Base, then quality work, then race-specific work and a taper; goals without a race "
            "stay in base or maintenance.",
            "kb_periodization" if self.goal != "return_to_fitness" else "kb_return_to_fitness",
        )
        if self.race is not None:
            race = self.race
            add(
                f"Taper over the {race.taper_days} days before the race",
                f"race distance {self.race_km:g} km on {race.race_date:%A %d %B}",
                "Taper length follows the race distance and counts back from race day; the "
                f"last seven days hold at most {race.final_share * 100:.0f} % of the peak week, "
                f"no key session falls in the last {race.key_session_gap} days and no long run "
                f"in the last {race.long_run_gap}.",
                "kb_taper_length_by_distance",
            )
        add(
            f"A recovery week every {self.every} weeks, {self.cut * 100:.0f} % lighter",
            "age, injury history and experience",
            "Cautious runners (50+, past injuries, beginners) recover every third week.",
            "kb_recovery_weeks"
            if self.every == 4
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

    def plan_row(
        self, feasibility: Feasibility, generated_at: dt.datetime, hash_: str
    ) -> dict[str, Any]:
        inputs, paces = self.inputs, self.paces
        weeks = self.week_rows
        full = [w for w in weeks if not w["is_recovery_week"] and w["phase"] != "Taper"]
        peak_week = max(weeks, key=lambda w: (w["planned_volume_km"], -w["week_number"]))
        caps = self.engine.limit("weekly_volume_increase_percent") or 100.0
        long_cap = self.engine.limit(
            "long_run_share_percent", {"planned_volume_km": peak_week["planned_volume_km"]}
        )
        self.decisions.add(
            f"Goal judged {feasibility.verdict}",
            "VDOT-predicted time and weeks available",
            feasibility.reason,
            "kb_goal_feasibility" if self.goal == "race" else "kb_vdot_paces",
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
                "justification": _phase_justification(p, self.goal, self.race_km),
            }
            for p in self.phases
        ]
        return {
            "plan_id": self.plan_id,
            "runner_id": inputs.runner_id,
            "user_id": inputs.user_id,
            "name": _plan_name(inputs, self.goal, self.race_km, self.weeks),
            "status": "draft",
            "goal_type": inputs.goal_type,
            "race_distance_km": self.race_km,
            "race_date": inputs.race_date if self.goal == "race" else None,
            "target_time_seconds": inputs.target_time_seconds if self.goal == "race" else None,
            "predicted_time_seconds": feasibility.predicted_seconds,
            "goal_feasibility": feasibility.verdict,
            "goal_feasibility_reason": feasibility.reason,
            "start_date": self.start,
            "end_date": self.start + dt.timedelta(weeks=self.weeks, days=-1),
            "total_weeks": self.weeks,
            "current_week": 1,
            "season_view": self._season_view(feasibility, peak_week, full),
            "weekly_plan": weeks,
            "runner_snapshot": self._snapshot(feasibility),
            "phases": phases,
            "load_parameters": {
                "starting_volume_km": weeks[0]["planned_volume_km"],
                "peak_volume_km": peak_week["planned_volume_km"],
                "max_weekly_increase_percentage": caps,
                "recovery_week_frequency": self.every,
                "recovery_week_reduction_percentage": round(self.cut * 100, 1),
                "long_run_max_share_percentage": long_cap or 30.0,
                "taper_weeks": self.taper,
                "hard_sessions_per_week": max(
                    sum(
                        1
                        for s in self.session_rows
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
            "decisions": self.decisions.rows,
            "safeguard_applications": self.engine.applications,
            "validation_status": None,
            "validation_errors": [],
            "repair_actions": [],
            "generator_version": GENERATOR_VERSION,
            "generated_at": generated_at,
            "narrative_source": "template",
            "llm_model": None,
            "input_hash": hash_,
            "activated_at": None,
            "created_at": generated_at,
            "updated_at": generated_at,
        }

    def _season_view(
        self, feasibility: Feasibility, peak_week: dict[str, Any], full: list[dict[str, Any]]
    ) -> dict[str, Any]:
        inputs = self.inputs
        weeks = self.week_rows
        first, peak_km = weeks[0]["planned_volume_km"], peak_week["planned_volume_km"]
        recovery_weeks = [w["week_number"] for w in weeks if w["is_recovery_week"]]
        milestones = [
            {"week_number": 1, "date": self.start, "description": f"Start at {first:.1f} km"},
            {
                "week_number": peak_week["week_number"],
                "date": peak_week["start_date"],
                "description": f"Peak week: {peak_km:.1f} km",
            },
        ]
        quality = next(
            (s for s in self.session_rows if s["session_type"] in KIND_SESSION_TYPES), None
        )
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
        if self.goal == "race":
            milestones.append(
                {
                    "week_number": self.weeks,
                    "date": inputs.race_date,
                    "description": f"Race day: {inputs.race_name or f'{self.race_km:g} km'}",
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
            f"It leads to {inputs.race_name or f'your {self.race_km:g} km race'} on "
            f"{inputs.race_date:%d %B %Y} over {self.weeks} weeks; the goal looks "
            f"{feasibility.verdict.replace('_', ' ')}."
            if self.goal == "race"
            else f"It runs {self.weeks} weeks toward your {_goal_words(inputs.goal_type)} goal."
        )
        easy_range = text.pace_display(self.paces.easy_fast, self.paces.easy_slow)
        summary = (
            f"{voice_open} {goal_line} Volume goes from {first:.1f} km to a peak of "
            f"{peak_km:.1f} km a week, with lighter weeks"
            + (
                f" in weeks {', '.join(map(str, recovery_weeks))}"
                if recovery_weeks
                else " as needed"
            )
            + f". Easy running stays in the {easy_range} range."
        )
        growth = [
            w["volume_change_percent"] for w in full if w["volume_change_percent"] is not None
        ]
        return {
            "coach_summary": summary,
            "periodization_justification": " ".join(
                _phase_justification(p, self.goal, self.race_km) for p in self.phases
            ),
            "volume_strategy_justification": (
                f"Week 1 starts at {first:.1f} km, from your volume "
                f"({inputs.volume_source}). Build weeks rise by at most "
                f"{self.engine.limit('weekly_volume_increase_percent') or 0:.0f} % "
                f"(largest planned rise {max(growth, default=0.0):.1f} %), a lighter week comes "
                f"every {self.every} weeks, and the week after it is compared with the last full "
                "week before it."
            ),
            "key_milestones": milestones,
            "identified_risks": self._risks(feasibility),
            "expected_outcomes": self._outcomes(feasibility, peak_km),
        }

    def _risks(self, feasibility: Feasibility) -> list[dict[str, Any]]:
        inputs = self.inputs
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

    def _outcomes(self, feasibility: Feasibility, peak_km: float) -> list[dict[str, Any]]:
        outcomes = [
            {
                "outcome": f"Reach {peak_km:.1f} km in the peak week",
                "confidence": 0.8 if not self.inputs.volume_uncertain else 0.6,
                "predicted_value": peak_km,
            },
            {
                "outcome": "VDOT gain from consistent training",
                "confidence": 0.5,
                "predicted_value": round(self.inputs.vdot + feasibility.expected_gain, 1),
            },
        ]
        if feasibility.predicted_seconds is not None and self.race_km:
            improved = race_seconds(
                self.inputs.vdot + feasibility.expected_gain, self.race_km * 1000
            )
            outcomes.append(
                {
                    "outcome": f"Race time around {clock(improved)}",
                    "confidence": 0.5 if not self.inputs.vdot_uncertain else 0.3,
                    "predicted_value": float(round(improved)),
                }
            )
        return outcomes

    def _snapshot(self, feasibility: Feasibility) -> dict[str, Any]:
        inputs = self.inputs
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
            "plan_influencers": self._influencers(),
        }

    def _influencers(self) -> list[dict[str, str]]:
        inputs = self.inputs
        found = [
            {
                "factor": f"Goal: {self.goal.replace('_', ' ')}",
                "effect": "Phases " + ", ".join(p.name for p in self.phases),
            },
            {
                "factor": f"Experience: {inputs.experience}",
                "effect": "Peak volume "
                f"{max(w['planned_volume_km'] for w in self.week_rows):.0f} km",
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


KIND_SESSION_TYPES = ("tempo", "threshold", "interval", "repetition", "hills", "fartlek")


def _axis(score: float, uncertain: bool, basis: str) -> dict[str, Any]:
    return {"score": round(min(100.0, max(0.0, score)), 1), "uncertain": uncertain, "basis": basis}


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
        "Recovery": "restarts running gently after a break",
        "Maintenance": "keeps running enjoyable and regular",
    }
    return f"{phase.name} (weeks {phase.start_week}-{phase.end_week}) {reasons[phase.name]}."


def _goal_words(goal: str) -> str:
    return goal.replace("_", " ")


def _plan_name(inputs: PlanInputs, goal: str, race_km: float | None, weeks: int) -> str:
    if goal == "race":
        return f"{inputs.race_name or f'{race_km:g} km race'}: {weeks}-week plan"
    return f"{goal.replace('_', ' ').capitalize()}: {weeks}-week plan"
