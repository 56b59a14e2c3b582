"""The deterministic plan generator: a Runner Object and a date in, a plan and its sessions out.

The same runner, reference data and date always give the same plan. Every figure comes from
the runner's data, the knowledge base or the safeguards (which the engine reads from
`reference.safeguards`); every choice is recorded in `decisions` and every safeguard check in
`safeguard_applications`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from transforms import plan_text as text
from transforms.completeness import not_ready_reason
from transforms.feasibility import Feasibility, goal_feasibility
from transforms.physiology import TrainingPaces, training_paces
from transforms.plan_calendar import (
    PHASE_FOCUS,
    Phase,
    effective_goal,
    growth_rate,
    peak_volume,
    phase_layout,
    plan_start,
    recovery_cut,
    recovery_every,
    taper_weeks,
    total_weeks,
)
from transforms.plan_inputs import MINIMUM_START_KM, PlanInputs, plan_inputs
from transforms.plan_season import GENERATOR_VERSION, SeasonView
from transforms.plan_sessions import (
    MIN_EASY_RUN_KM,
    DayPlan,
    ZoneTargets,
    cap_main_work,
    circular_gap,
    instantiate,
    longest_consecutive_run,
    main_work_km,
    min_easy_days_between,
    recovery_targets,
    segment_pace,
    session_fields,
    session_km,
    session_seconds,
    spread_days,
    week_measures,
    zone_km,
)
from transforms.plan_weeks import week_figures
from transforms.race_window import FINAL_VOLUME_FIELD, RaceWindow
from transforms.safeguards import Rule, SafeguardEngine, rules_from_rows

# kb_polarized_80_20 / kb_periodization: quality sessions a week by phase.
HARD_SESSIONS = {"Base": 1, "Build": 2, "Peak": 2, "Taper": 1, "Maintenance": 1, "Recovery": 0}
PEAK_HARD_SESSIONS_STRONG = 3
QUALITY_MENU = {
    "Base": ("hills",),
    "Build": ("threshold", "interval"),
    "Taper": ("threshold",),
    "Maintenance": ("fartlek",),
    "Recovery": (),
}
PEAK_MENU = {  # by race length: short (<= 10 km and speed), half, long
    "short": ("interval", "repetition", "threshold"),
    "half": ("threshold", "interval", "threshold"),
    "long": ("threshold", "threshold", "interval"),
}
KIND_TYPES = {
    "threshold": ("tempo", "threshold"),
    "interval": ("interval",),
    "repetition": ("repetition",),
    "hills": ("hills",),
    "fartlek": ("fartlek",),
}
# kb_long_run_share: proposed long-run share by phase (the safeguards cap it).
LONG_RUN_SHARE = {"Base": 0.28, "Build": 0.3, "Peak": 0.33, "Taper": 0.25}
LONG_RUN_SHARE_DEFAULT = 0.28
EASY_RUN_TYPES = ("easy", "recovery", "strides")
STRIDE_PHASES = ("Base", "Build", "Recovery", "Maintenance", "Taper")
MARATHON_FINISH_FROM_KM = 21.0
MARATHON_FINISH_MAX_KM = 12.0
SETTLE_ATTEMPTS = 20
PACE_FIELDS = [f for f in dataclasses.fields(TrainingPaces) if f.name != "vdot"]
RACE_ZONES = ((10.5, "I"), (21.5, "T"), (250.0, "M"))
"""The Daniels zone a race runs closest to, by distance (5K-10K near VO2max, half near
threshold, longer near marathon pace): the intensity bucket the race counts toward."""
QUALITY_MAX_SHARE = 0.5
"""Quality sessions (warm-up and cool-down included) take at most half the week's volume:
the rest stays easy (kb_polarized_80_20)."""


@dataclass(frozen=True)
class PlanReference:
    """The reference tables the generator reads, as plain rows."""

    knowledge: Mapping[str, Mapping[str, Any]]
    rules: tuple[Rule, ...]
    templates: tuple[Mapping[str, Any], ...]

    @classmethod
    def from_frames(
        cls, knowledge: pl.DataFrame, safeguards: pl.DataFrame, templates: pl.DataFrame
    ) -> PlanReference:
        return cls(
            knowledge={r["knowledge_id"]: r for r in knowledge.to_dicts() if r["is_active"]},
            rules=rules_from_rows(safeguards.to_dicts()),
            templates=tuple(sorted(templates.to_dicts(), key=lambda t: t["template_id"])),
        )

    def pick(
        self,
        session_types: tuple[str, ...],
        phase: str,
        experience: str,
        week: int,
        variant: int,
        zone: str | None = None,
    ) -> Mapping[str, Any] | None:
        fitting = [
            t
            for t in self.templates
            if t["session_type"] in session_types
            and phase in t["usable_phases"]
            and experience in t["experience_levels"]
            and t["min_week"] <= week <= t["max_week"]
            and zone in (None, t["intensity_zone"])
        ]
        return fitting[variant % len(fitting)] if fitting else None


@dataclass
class GeneratedPlan:
    plan: dict[str, Any]
    sessions: list[dict[str, Any]]


@dataclass
class _Decisions:
    rows: list[dict[str, Any]] = field(default_factory=list)

    def add(self, what: str, source: str, reasoning: str, knowledge_id: str) -> None:
        self.rows.append(
            {
                "decision_id": f"d{len(self.rows) + 1:02d}",
                "what": what,
                "source": source,
                "reasoning": reasoning,
                "knowledge_id": knowledge_id,
            }
        )


def _floor1(km: float) -> float:
    return math.floor(max(km, 0.0) * 10 + 1e-9) / 10


PLAN_KEY_SECTIONS = {
    "goals": None,
    "schedule": None,
    "health": None,
    "running": ("experience_level", "runs_per_week"),
    "coaching": ("coaching_voice",),
}
"""What a plan is built around: a change here means a new plan; new data alone does not
(the plan keeps running and adherence is tracked against it)."""


def plan_key(runner: Mapping[str, Any], reference: PlanReference) -> str:
    """Hash of the runner's plan-shaping facts, the rules, the templates and the version."""
    facts = {}
    for section, fields in PLAN_KEY_SECTIONS.items():
        values = runner.get(section) or {}
        facts[section] = values if fields is None else {f: values.get(f) for f in fields}
    payload = {
        "runner": facts,
        "rules": [r.__dict__ for r in reference.rules],
        "templates": [t["template_id"] for t in reference.templates],
        "version": GENERATOR_VERSION,
    }
    blob = json.dumps(payload, sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()


@dataclass(frozen=True)
class Replan:
    """Which runners get a new plan, and what becomes of the plans they had."""

    generate: tuple[str, ...]
    retire: Mapping[str, str]
    """plan_id -> new status (completed when it ran its course, abandoned when replaced)."""


def replan(
    runners: list[Mapping[str, Any]],
    plans: pl.DataFrame,
    as_of: dt.date,
    reference: PlanReference,
) -> Replan:
    """A runner gets a new plan when they have no active plan, when it has ended, or when
    what it was built around changed; otherwise the active plan carries on. A runner not
    ready for a plan (a fact it needs was rejected, or profile.yaml does not parse) gets none,
    and the plan they had is abandoned: it would contradict what they told us."""
    active = {
        r["runner_id"]: r
        for r in plans.filter(pl.col("status") == "active")
        .select("runner_id", "plan_id", "end_date", "input_hash")
        .to_dicts()
    }
    generate, retire = [], {}
    for runner in sorted(runners, key=lambda r: r["runner_id"]):
        current = active.get(runner["runner_id"])
        if not_ready_reason(runner.get("conversation_state")) is not None:
            if current is not None:
                retire[current["plan_id"]] = "abandoned"
        elif current is None:
            generate.append(runner["runner_id"])
        elif current["end_date"] < as_of:
            generate.append(runner["runner_id"])
            retire[current["plan_id"]] = "completed"
        elif current["input_hash"] != plan_key(runner, reference):
            generate.append(runner["runner_id"])
            retire[current["plan_id"]] = "abandoned"
    return Replan(tuple(generate), retire)


class _PlanBuilder(SeasonView):
    def __init__(self, runner: Mapping[str, Any], as_of: dt.date, reference: PlanReference):
        self.runner = runner
        self.reference = reference
        self.inputs: PlanInputs = plan_inputs(dict(runner))
        self.start = plan_start(as_of)
        self.goal = effective_goal(self.inputs, self.start)
        self.weeks = total_weeks(self.inputs, self.start, self.goal)
        self.race_km = self.inputs.race_distance_km if self.goal == "race" else None
        # whole seconds, as stored in target_paces: the validator re-measures with those
        exact = training_paces(self.inputs.vdot)
        self.paces = dataclasses.replace(
            exact, **{f.name: float(round(getattr(exact, f.name))) for f in PACE_FIELDS}
        )
        self.targets = ZoneTargets.build(self.paces, self.inputs.hr_zones)
        self.engine = SafeguardEngine(reference.rules, self.inputs.context)
        self.race = (
            RaceWindow.for_race(self.inputs.race_date, self.race_km, self.engine)
            if self.race_km is not None and self.inputs.race_date is not None
            else None
        )
        self.taper = taper_weeks(self.race, self.start, self.weeks) if self.race else 0
        self.phases = phase_layout(
            self.goal, self.weeks, self.taper, restart=self.inputs.is_restarting
        )
        self.decisions = _Decisions()
        self.plan_id = f"{self.inputs.runner_id}_{self.start:%Y%m%d}"
        self.capacity_km = self._weekly_capacity_km()
        self.start_km = min(max(self.inputs.weekly_volume_km, MINIMUM_START_KM), self.capacity_km)
        self.peak_km = min(peak_volume(self.inputs, self.goal, self.start_km), self.capacity_km)
        self.every = recovery_every(self.inputs)
        self.cut = recovery_cut(self.inputs)
        self.week_days: dict[int, dict[int, DayPlan]] = {}
        self.peak_long_km = 0.0
        self.week_kinds: dict[int, tuple[Phase, bool]] = {}
        self.week_rows: list[dict[str, Any]] = []
        self.session_rows: list[dict[str, Any]] = []
        self.warnings: list[str] = []

    def _weekly_capacity_km(self) -> float:
        """The most the runner's schedule holds: every run at the longest a run may last."""
        return _floor1(self.inputs.runs_per_week * self._longest_run_km())

    def _longest_run_km(self) -> float:
        return self._longest_run_seconds() / self.targets.mid_pace("E")

    def _longest_run_seconds(self) -> float:
        """The longest a run may last: the easy-run safeguard or the runner's own limit."""
        minutes = [
            m for m in (self.engine.limit("easy_run_minutes"), self.inputs.max_session_minutes) if m
        ]
        return min(minutes, default=24 * 60) * 60

    # --- the season -----------------------------------------------------------------------

    def phase_of(self, week: int) -> Phase:
        return next(p for p in self.phases if p.start_week <= week <= p.end_week)

    def growth_weeks(self) -> int:
        before_taper = self.weeks - self.taper
        peak = next((p for p in self.phases if p.name == "Peak"), None)
        until = peak.start_week if peak else before_taper
        return max(1, round((until - 1) * (1 - 1 / self.every)))

    def build(self) -> None:
        growth = growth_rate(self.start_km, self.peak_km, self.growth_weeks())
        last_full = self.inputs.weekly_volume_km if self.inputs.weekly_volume_km > 0 else None
        peak_built = 0.0
        streak = 0
        for week in range(1, self.weeks + 1):
            phase = self.phase_of(week)
            next_phase = self.phase_of(week + 1).name if week < self.weeks else None
            wants_recovery = (
                phase.name not in ("Taper", "Recovery")
                and week > 1
                and streak >= self.every - 1
                and next_phase != "Taper"
                and week < self.weeks
            )
            gap = self.engine.check(
                "weeks_since_recovery",
                0 if wants_recovery or phase.name == "Taper" else streak + 1,
                week_number=week,
            )
            is_recovery = wants_recovery or gap.blocked
            target = self._target_volume(week, phase, is_recovery, last_full, growth, peak_built)
            training_km = self._build_week(week, phase, is_recovery, target)
            if phase.name != "Taper":
                peak_built = max(peak_built, training_km)
            self.peak_long_km = max(
                [self.peak_long_km]
                + [
                    session_km(d.segments, self.targets)
                    for d in self.week_days[week].values()
                    if d.session_type == "long"
                ]
            )
            if is_recovery or phase.name == "Taper":
                streak = 0
            else:
                streak += 1
                last_full = training_km
        if self.race is not None and self.race.leaves_room_to_taper(self.start):
            self._hold_final_days(peak_built)
        for week, days in self.week_days.items():
            phase, is_recovery = self.week_kinds[week]
            self._emit_week(week, phase, is_recovery, days)
        self._season_decisions()

    def _week_dates(self, week: int) -> list[dt.date]:
        monday = self.start + dt.timedelta(weeks=week - 1)
        return [monday + dt.timedelta(days=d) for d in range(7)]

    def _target_volume(
        self,
        week: int,
        phase: Phase,
        is_recovery: bool,
        last_full: float | None,
        growth: float,
        peak_built: float,
    ) -> float:
        reference = last_full or self.start_km
        if is_recovery:
            target = reference * (1 - self.cut)
        elif week == 1 or phase.name == "Recovery":
            target = self.start_km if week == 1 else reference
        else:
            target = min(reference * (1 + growth), max(self.peak_km, reference))
        if last_full and not is_recovery and phase.name != "Taper":
            target = self.engine.check(
                "weekly_volume_increase_percent",
                100 * (target / last_full - 1),
                week_number=week,
                subject=target,
                convert=lambda percent: last_full * (1 + percent / 100),
            ).value
        if week == 1:
            target = self.engine.check(
                "acute_chronic_workload_ratio", self.inputs.acwr, week_number=1, subject=target
            ).value
        if self.race is not None:
            target = self._tapered(week, target, peak_built or target)
        return _floor1(target)

    def _tapered(self, week: int, target: float, peak_km: float) -> float:
        """A week's volume with each of its days before the race at the taper's share of the
        peak week (days past the taper keep the week's own target; the race day and the
        days after it hold nothing but the race)."""
        race = self.race
        assert race is not None
        days = [d for d in self._week_dates(week) if d < race.race_date]
        if not any(race.in_taper(d) for d in days):
            return target
        return sum(
            peak_km * race.taper_share(d) / 7 if race.in_taper(d) else target / 7 for d in days
        )

    def _hold_final_days(self, peak_km: float) -> None:
        """The seven days before the race hold at most the safeguard's share of the peak
        week: the easy running in them is shortened, longest run first, until they do."""
        race = self.race
        assert race is not None
        first, last = race.final_days()
        in_window = [
            (days, plan)
            for week, days in self.week_days.items()
            for plan in days.values()
            if first <= self._date_of(week, plan.day) <= last
        ]
        held = sum(session_km(p.segments, self.targets) for _, p in in_window)
        check = self.engine.check(
            FINAL_VOLUME_FIELD,
            100 * held / peak_km if peak_km else None,
            week_number=self.weeks,
            week={"race_distance_km": race.race_km},
            subject=held,
            convert=lambda percent: peak_km * percent / 100,
        )
        excess = held - check.value
        easy = sorted(
            ((days, p) for days, p in in_window if p.session_type in EASY_RUN_TYPES),
            key=lambda pair: -session_km(pair[1].segments, self.targets),
        )
        for days, plan in easy:
            if excess <= 0:
                break
            km = session_km(plan.segments, self.targets)
            kept = _floor1(km - excess - 0.05)
            if kept < MIN_EASY_RUN_KM:
                del days[plan.day]
                excess -= km
                continue
            steady = next(s for s in plan.segments if s["segment_type"] == "steady")
            steady["distance_km"] = _floor1(steady["distance_km"] - (km - kept))
            plan.safeguard_ids += [r.safeguard_id for r in check.applied_rules]
            excess -= km - kept
        # smaller weeks: the shares of quality work the safeguards bound are measured again
        for week, days in self.week_days.items():
            if any(days is trimmed for trimmed, _ in in_window):
                self._settle_week(week, days, first=False)

    def _date_of(self, week: int, day: int) -> dt.date:
        return self.start + dt.timedelta(weeks=week - 1, days=day)

    # --- one week -------------------------------------------------------------------------

    def _build_week(self, week: int, phase: Phase, is_recovery: bool, target: float) -> float:
        """Build one week's running days to `target` km; returns the km it holds besides the
        race."""
        inputs = self.inputs
        dates = self._week_dates(week)
        race = self.race
        race_day = next((d for d in range(7) if race and dates[d] == race.race_date), None)
        if race_day is not None:
            # the day before the race is a rest day, and nothing follows the race
            open_days = [d for d in inputs.allowed_days if d < race_day - 1]
        else:
            open_days = list(inputs.allowed_days)
        long_day = self._long_run_day(open_days, dates) if race_day is None else None
        fixed = [d for d in (race_day, long_day) if d is not None]
        context = {"planned_volume_km": target}
        runs = int(
            self.engine.check(
                "running_days_per_week", float(inputs.runs_per_week), week_number=week, week=context
            ).value
        )
        run_days = [*fixed, *spread_days(open_days, fixed, runs - len(fixed))]
        days = {d: DayPlan(d, "easy") for d in run_days}
        if race_day is not None:
            days[race_day].session_type = "race"
        if long_day is not None:
            days[long_day].session_type = "long"
        context["runs_per_week"] = len(days)

        kinds = self._quality_kinds(phase)
        wanted = min(
            HARD_SESSIONS[phase.name]
            if not (phase.name == "Peak" and self._strong(runs))
            else PEAK_HARD_SESSIONS_STRONG,
            max(0, runs - 2) if race_day is None else 1,
            len(kinds),
        )
        if is_recovery:
            wanted = min(wanted, 1)
        if phase.name == "Base" and phase.progress(week) < 0.5:
            wanted = 0
        # the race is the race week's hard session: quality work comes on top only where the
        # runner may hold two hard sessions a week
        racing = int(race_day is not None)
        allowed = (
            int(
                self.engine.check(
                    "hard_sessions_per_week", float(wanted + racing), week_number=week, week=context
                ).value
            )
            - racing
        )
        key_days = [
            d
            for d in run_days
            if d not in fixed and (race is None or race.allows_key_session(dates[d]))
        ]
        for slot, day in enumerate(spread_days(key_days, fixed, allowed)):
            days[day].session_type = kinds[slot]
        self._enforce_spacing(week, days, context)
        self._choose_templates(week, phase, is_recovery, days)
        self._size_week(week, phase, target, days, context)
        self._label_easy_days(phase, long_day, days)
        for _attempt in range(SETTLE_ATTEMPTS):
            settled = self._settle_week(week, days, first=False)
            shortened = self._keep_long_run_longest(days)
            if not (self._top_up(week, days, target) or settled or shortened):
                break
        # whatever the last top-up added, the week ends within its shares: cuts only now
        for _attempt in range(SETTLE_ATTEMPTS):
            settled = self._settle_week(week, days, first=False)
            if not (self._keep_long_run_longest(days) or settled):
                break
        measures = week_measures(days.values(), self.targets, reference_km=None)
        self.engine.check(
            "easy_session_share_percent",
            measures["easy_session_share_percent"],
            week_number=week,
            week=context,
        )
        self.week_days[week] = days
        self.week_kinds[week] = (phase, is_recovery)
        return sum(
            session_km(d.segments, self.targets) for d in days.values() if d.session_type != "race"
        )

    def _long_run_day(self, open_days: list[int], dates: list[dt.date]) -> int | None:
        """The runner's long-run day; in the days before a race that forbid a long run, the
        nearest earlier open day that allows one, else none (the week is a taper week)."""
        race = self.race
        wanted = self.inputs.long_run_day
        if race is None or race.allows_long_run(dates[wanted]):
            return wanted if wanted in open_days else None
        earlier = [d for d in open_days if d < wanted and race.allows_long_run(dates[d])]
        return max(earlier, default=None)

    def _keep_long_run_longest(self, days: dict[int, DayPlan]) -> bool:
        """The long run is the longest run of its week (kb_long_run_share): any run longer is
        cut to its length (an easy run's steady running, a session's main work); True if any
        run changed."""
        long_day = next((d for d in days.values() if d.session_type == "long"), None)
        if long_day is None:
            return False
        long_km = session_km(long_day.segments, self.targets)
        changed = False
        for plan in days.values():
            if plan is long_day or plan.session_type == "race":
                continue
            excess = session_km(plan.segments, self.targets) - long_km
            if excess <= 1e-9:
                continue
            changed = True
            if plan.is_hard:
                main = main_work_km(plan.segments, self.targets)
                cap_main_work(plan.segments, main - excess, self.targets)
                if session_km(plan.segments, self.targets) > long_km + 1e-9:
                    self._make_easy(plan, "it would be longer than the long run")
            if not plan.is_hard:
                steady = next(s for s in plan.segments if s["segment_type"] == "steady")
                over = session_km(plan.segments, self.targets) - long_km
                steady["distance_km"] = _floor1(steady["distance_km"] - over - 1e-9)
        return changed

    def feasibility(self) -> Feasibility:
        return goal_feasibility(
            self.inputs.goal_type,
            self.goal,
            self.race_km,
            self.inputs.target_time_seconds,
            self.weeks,
            self.taper,
            self.inputs.vdot,
        )

    def race_time(self) -> float:
        """Goal time when the goal is within reach (never slower than easy pace), else the
        time current fitness predicts."""
        judged = self.feasibility()
        if self.inputs.target_time_seconds and not judged.unrealistic:
            return min(self.inputs.target_time_seconds, self.paces.easy_slow * self.race_km)
        return judged.predicted_seconds

    def _strong(self, runs: int) -> bool:
        return self.inputs.experience in ("advanced", "elite") and runs >= 6

    def _quality_kinds(self, phase: Phase) -> tuple[str, ...]:
        if phase.name != "Peak":
            return QUALITY_MENU[phase.name]
        distance = self.race_km or 5.0
        bucket = "short" if distance <= 10.5 else "half" if distance <= 21.5 else "long"
        return PEAK_MENU[bucket]

    def _enforce_spacing(self, week: int, days: dict[int, DayPlan], context: dict) -> None:
        """Downgrade hard days the spacing safeguards block, latest first, until none fire."""
        spacing = {
            "consecutive_hard_days": lambda: float(
                longest_consecutive_run(d.day for d in days.values() if d.is_spaced)
            ),
            "min_easy_days_between_hard": lambda: min_easy_days_between(
                d.day for d in days.values() if d.is_hard
            ),
        }
        for field_name, measure in spacing.items():
            while True:
                check = self.engine.check(field_name, measure(), week_number=week, week=context)
                if not check.blocked:
                    break
                hard = sorted(
                    (d for d in days.values() if d.is_hard and d.session_type != "race"),
                    key=lambda d: -d.day,
                )
                if not hard:
                    break
                crowded = max(hard, key=lambda d: -self._nearest_spaced_gap(d, days))
                crowded.session_type = "easy"
                crowded.safeguard_ids += [r.safeguard_id for r in check.applied_rules]

    @staticmethod
    def _nearest_spaced_gap(day: DayPlan, days: dict[int, DayPlan]) -> int:
        gaps = [circular_gap(day.day, o.day) for o in days.values() if o.is_spaced and o is not day]
        return min(gaps, default=7)

    def _choose_templates(
        self, week: int, phase: Phase, is_recovery: bool, days: dict[int, DayPlan]
    ) -> None:
        experience = self.inputs.experience
        for slot, plan in enumerate(sorted(days.values(), key=lambda d: d.day)):
            kind = plan.session_type
            if kind in KIND_TYPES:
                template = self.reference.pick(
                    KIND_TYPES[kind], phase.name, experience, week, week + slot
                )
                if template is None:
                    plan.session_type = "easy"
                    plan.notes.append(f"no {kind} template suits week {week}; easy run instead")
                    continue
                plan.session_type = template["session_type"]
                plan.template = template
            elif kind == "long":
                marathon_finish = (
                    phase.name == "Peak"
                    and not is_recovery
                    and (self.race_km or 0) >= MARATHON_FINISH_FROM_KM
                )
                finish = (
                    self.reference.pick(("long",), phase.name, experience, week, 0, zone="M")
                    if marathon_finish
                    else None
                )
                plan.template = finish or self._template_for("long")
            else:
                plan.template = self._template_for(kind)

    def _template_for(self, session_type: str) -> Mapping[str, Any]:
        return next(
            t
            for t in self.reference.templates
            if t["session_type"] == session_type and t["intensity_zone"] != "M"
        )

    def _size_week(
        self,
        week: int,
        phase: Phase,
        target: float,
        days: dict[int, DayPlan],
        context: dict,
    ) -> None:
        progress = phase.progress(week)
        max_minutes = self.inputs.max_session_minutes
        quality = [d for d in days.values() if d.is_hard and d.session_type != "race"]
        for plan in quality:
            plan.segments = instantiate(
                plan.template,
                self.targets,
                progress=progress,
            )
            if max_minutes and session_seconds(plan.segments, self.targets) > max_minutes * 60:
                self._fit_time(plan, max_minutes)
        self._settle_week(week, days, first=True, volume=target)
        race = next((d for d in days.values() if d.session_type == "race"), None)
        if race is not None:
            race.template = self._template_for("race")
            race.segments = instantiate(
                race.template,
                self.targets,
                progress=0,
                race_km=self.race_km,
                race_pace=self.race_time() / self.race_km,
                race_zone=next(z for km, z in RACE_ZONES if self.race_km <= km),
            )
        quality = [d for d in quality if d.is_hard]
        while quality and self._quality_km(quality) > QUALITY_MAX_SHARE * target:
            dropped = quality.pop()
            dropped.session_type, dropped.template, dropped.segments = "easy", None, []
            dropped.notes.append("the week is too small for this quality session")
        quality_km = self._quality_km(quality)
        long_day = next((d for d in days.values() if d.session_type == "long"), None)
        easy_days = [d for d in days.values() if d.session_type == "easy"]
        long_km = 0.0
        if long_day is not None:
            long_km = self._long_run_km(
                week, phase, target, quality_km, len(easy_days), context, long_day
            )
        easy_days = [d for d in days.values() if d.session_type == "easy"]
        remaining = target - quality_km - long_km
        while easy_days and remaining / len(easy_days) < MIN_EASY_RUN_KM:
            dropped = min(easy_days, key=lambda d: (self._nearest_spaced_gap(d, days), d.day))
            easy_days.remove(dropped)
            del days[dropped.day]
        each = remaining / len(easy_days) if easy_days else 0.0
        for plan in easy_days:
            km = self._cap_easy_km(week, each, plan, context)
            plan.template = self._template_for("easy")
            plan.segments = instantiate(plan.template, self.targets, progress=0, steady_km=km)

    def _settle_long_share(
        self, week: int, days: dict[int, DayPlan], long_day: DayPlan, *, first: bool
    ) -> bool:
        """The long run was capped against the week's target; the sized week can come out
        smaller (easy runs round down or drop), so the share is checked on the real week, in
        the sessions' stored distances (to 0.01 km) as the validator measures it: a week at
        63.996 km is a 64 km week to the rules that start at 64."""
        long_km = round(session_km(long_day.segments, self.targets), 2)
        others = sum(
            round(session_km(d.segments, self.targets), 2)
            for d in days.values()
            if d is not long_day and d.session_type != "race"
        )
        total = others + long_km
        check = self.engine.check(
            "long_run_share_percent",
            100 * long_km / total if total else None,
            week_number=week,
            week={"planned_volume_km": total, "runs_per_week": len(days)},
            subject=long_km,
            convert=lambda percent: percent / 100 * others / (1 - percent / 100),
            record_unapplied=first,
        )
        if check.value >= long_km:
            return False
        steady = next(s for s in long_day.segments if s["segment_type"] == "steady")
        steady["distance_km"] = _floor1(steady["distance_km"] - (long_km - check.value))
        long_day.safeguard_ids += [r.safeguard_id for r in check.applied_rules]
        return True

    def _quality_km(self, quality: list[DayPlan]) -> float:
        return sum(session_km(d.segments, self.targets) for d in quality)

    def _fit_time(self, plan: DayPlan, max_minutes: float) -> None:
        """Shorten the main work until the session fits the runner's longest session."""
        spare = max_minutes * 60 - session_seconds(
            [s for s in plan.segments if s["segment_type"] not in ("work", "repeat")], self.targets
        )
        work_km = main_work_km(plan.segments, self.targets)
        total_work_s = session_seconds(
            [s for s in plan.segments if s["segment_type"] in ("work", "repeat")], self.targets
        )
        if spare <= 0 or total_work_s <= 0:
            plan.session_type, plan.template, plan.segments = "easy", None, []
            plan.notes.append("too long for the runner's longest session; easy run instead")
            return
        cap_main_work(plan.segments, work_km * spare / total_work_s, self.targets)

    def _settle_week(
        self,
        week: int,
        days: dict[int, DayPlan],
        *,
        first: bool,
        volume: float | None = None,
    ) -> bool:
        """Check the shares the safeguards bound (zone work per session and per week, the
        long run) against `volume`, or the week as built, cutting what breaks them; True if
        anything changed. Cuts shrink the week, so the caller tops it up and repeats."""
        sessions = [d for d in days.values() if d.session_type != "race"]
        if volume is None:
            volume = sum(session_km(d.segments, self.targets) for d in sessions)
        if volume <= 0:
            return False
        context = {"planned_volume_km": volume}
        changed = False
        for plan in (d for d in sessions if d.is_hard or d.session_type == "long"):
            for zone, field_name in (
                ("T", "threshold_session_share_percent"),
                ("M", "marathon_pace_share_percent"),
            ):
                km = zone_km(plan.segments, self.targets).get(zone, 0.0)
                if km:
                    changed |= self._cap_zone(
                        week,
                        [plan],
                        zone,
                        field_name,
                        100 * km / volume,
                        volume,
                        context,
                        share=True,
                        first=first,
                    )
        for zone, field_name in (
            ("I", "interval_share_percent"),
            ("I", "interval_km_per_week"),
            ("R", "repetition_share_percent"),
        ):
            holders = [p for p in sessions if zone_km(p.segments, self.targets).get(zone, 0.0)]
            if holders:
                total = sum(zone_km(p.segments, self.targets)[zone] for p in holders)
                share = field_name.endswith("percent")
                changed |= self._cap_zone(
                    week,
                    holders,
                    zone,
                    field_name,
                    100 * total / volume if share else total,
                    volume,
                    context,
                    share=share,
                    first=first,
                )
        long_day = next((d for d in days.values() if d.session_type == "long"), None)
        if long_day is not None and long_day.segments:
            changed |= self._settle_long_share(week, days, long_day, first=first)
        return changed

    def _top_up(self, week: int, days: dict[int, DayPlan], target: float) -> bool:
        """Give the km the week is short of (cut from quality work or the long run, or never
        placed) to the easy runs and then to the quality sessions' cool-downs, each up to the
        longest a run may last and never past the long run; True if any run grew."""
        built = sum(
            session_km(d.segments, self.targets) for d in days.values() if d.session_type != "race"
        )
        deficit = target - built
        long_day = next((d for d in days.values() if d.session_type == "long"), None)
        longest = session_km(long_day.segments, self.targets) if long_day else math.inf
        grown = False
        for growable in (
            [(d, "steady") for d in days.values() if d.session_type in EASY_RUN_TYPES],
            [(d, "cooldown") for d in days.values() if d.is_hard and d.session_type != "race"],
        ):
            for plan, part in growable:
                if deficit < 0.1:
                    return grown
                segment = next((s for s in plan.segments if s["segment_type"] == part), None)
                if segment is None:
                    continue
                pace = segment_pace(segment, self.targets)
                seconds = session_seconds(plan.segments, self.targets)
                km = session_km(plan.segments, self.targets)
                room_km = min(
                    (self._longest_run_seconds() - seconds) / pace,
                    longest - km,
                    self._tapered_run_km(week, plan.day) - km,
                    deficit / len(growable),
                )
                if room_km < 0.1:
                    continue
                if segment.get("distance_km") is not None:
                    add = _floor1(room_km)
                    segment["distance_km"] = round(segment["distance_km"] + add, 1)
                else:
                    minutes = math.floor(room_km * pace / 60 + 1e-9)
                    segment["duration_seconds"] = float(segment["duration_seconds"] + minutes * 60)
                    add = minutes * 60 / pace
                if add >= 0.1:
                    deficit -= add
                    grown = True
        return grown

    def _cap_zone(
        self,
        week: int,
        holders: list[DayPlan],
        zone: str,
        field_name: str,
        value: float,
        target: float,
        context: dict,
        *,
        share: bool,
        first: bool,
    ) -> bool:
        check = self.engine.check(
            field_name, value, week_number=week, week=context, record_unapplied=first
        )
        if check.value >= value - 1e-9:
            return False
        allowed_km = check.value * target / 100 if share else check.value
        per_holder = allowed_km / len(holders)
        for plan in holders:
            others = sum(
                zone_km([s], self.targets).get(zone, 0.0)
                for s in plan.segments
                if s["segment_type"] not in ("work", "repeat")
            )
            allowed = max(per_holder - others, 0.0)
            cap_main_work(plan.segments, allowed, self.targets)
            plan.safeguard_ids += [r.safeguard_id for r in check.applied_rules]
            if main_work_km(plan.segments, self.targets) > allowed + 1e-9:
                self._make_easy(plan, f"even one repetition breaks {check.applied_rules[0].name}")
        return True

    def _make_easy(self, plan: DayPlan, why: str) -> None:
        """Turn a session into an easy run of the same distance (the week keeps its size)."""
        km = _floor1(session_km(plan.segments, self.targets))
        plan.session_type, plan.template = "easy", self._template_for("easy")
        plan.segments = instantiate(plan.template, self.targets, progress=0, steady_km=km)
        plan.notes.append(f"easy run instead: {why}")

    def _long_run_km(
        self,
        week: int,
        phase: Phase,
        target: float,
        quality_km: float,
        easy_runs: int,
        context: dict,
        plan: DayPlan,
    ) -> float:
        share = LONG_RUN_SHARE.get(phase.name, LONG_RUN_SHARE_DEFAULT)
        left = max(target - quality_km, 0.0)
        # at least an even share of the easy running, so that it is the week's longest run
        proposed = min(max(target * share, left / (easy_runs + 1)), left)
        checked = self.engine.check(
            "long_run_share_percent",
            100 * proposed / target if target else None,
            week_number=week,
            week=context,
            subject=proposed,
            convert=lambda percent: target * percent / 100,
        )
        km = checked.value
        plan.safeguard_ids += [r.safeguard_id for r in checked.applied_rules]
        km = self._cap_easy_km(week, km, plan, context)
        template = plan.template or self._template_for("long")
        if km < template["min_distance_km"] and template["intensity_zone"] == "M":
            template = self._template_for("long")  # too short for a marathon-pace finish
        if km < template["min_distance_km"]:
            plan.session_type, plan.template = "easy", None
            plan.notes.append("the week is too small for a long run")
            return 0.0
        km = _floor1(km)
        if template["intensity_zone"] == "M":
            marathon_km = min(
                MARATHON_FINISH_MAX_KM,
                3 + phase.progress(week) * (MARATHON_FINISH_MAX_KM - 3),
                km / 2,
            )
            plan.segments = instantiate(
                template, self.targets, progress=0, steady_km=km - _floor1(marathon_km)
            )
            main = next(s for s in plan.segments if s["segment_type"] == "work")
            main["distance_km"] = _floor1(marathon_km)
            steady = next(s for s in plan.segments if s["segment_type"] == "steady")
            steady["distance_km"] = _floor1(km - main["distance_km"])
        else:
            plan.template = template
            plan.segments = instantiate(template, self.targets, progress=0, steady_km=km)
        return session_km(plan.segments, self.targets)

    def _cap_easy_km(self, week: int, km: float, plan: DayPlan, context: dict) -> float:
        pace = self.targets.mid_pace("E")
        checked = self.engine.check(
            "easy_run_minutes",
            km * pace / 60,
            week_number=week,
            week=context,
            subject=km,
            convert=lambda minutes: minutes * 60 / pace,
        )
        plan.safeguard_ids += [r.safeguard_id for r in checked.applied_rules]
        km = min(checked.value, self._tapered_run_km(week, plan.day))
        if self.inputs.max_session_minutes:
            km = min(km, self.inputs.max_session_minutes * 60 / pace)
        return _floor1(km)

    def _tapered_run_km(self, week: int, day: int) -> float:
        """The longest run a taper day holds: the peak's long run at the day's taper share,
        so the taper's lower volume comes with shorter runs, not the same runs fewer."""
        date = self._date_of(week, day)
        if self.race is None or not self.race.in_taper(date) or not self.peak_long_km:
            return math.inf
        return self.peak_long_km * self.race.taper_share(date)

    def _label_easy_days(
        self, phase: Phase, long_day: int | None, days: dict[int, DayPlan]
    ) -> None:
        is_race_week = any(d.session_type == "race" for d in days.values())
        after_long = days.get((long_day + 1) % 7) if long_day is not None else None
        if (
            phase.name in ("Build", "Peak")
            and after_long is not None
            and after_long.session_type == "easy"
        ):
            after_long.session_type = "recovery"
            recovery_targets(after_long.segments, self.targets)
            # slower running takes longer: keep the run within the longest a run may last
            steady = next(s for s in after_long.segments if s["segment_type"] == "steady")
            over = session_seconds(after_long.segments, self.targets) - self._longest_run_seconds()
            if over > 0:
                pace = segment_pace(steady, self.targets)
                steady["distance_km"] = _floor1(steady["distance_km"] - over / pace - 0.05)
        easy = [d for d in days.values() if d.session_type == "easy"]
        if phase.name in STRIDE_PHASES and len(easy) >= 2 - is_race_week:
            strides_day = max(easy, key=lambda d: (self._nearest_spaced_gap(d, days), -d.day))
            km = session_km(strides_day.segments, self.targets)
            template = self._template_for("strides")
            segments = instantiate(template, self.targets, progress=0, steady_km=0)
            strides_km = session_km(segments, self.targets)
            if km - strides_km >= MIN_EASY_RUN_KM - 1:
                segments[0]["distance_km"] = _floor1(km - strides_km)
                strides_day.session_type, strides_day.template = "strides", template
                strides_day.segments = segments

    # --- rows -----------------------------------------------------------------------------

    def _emit_week(
        self, week: int, phase: Phase, is_recovery: bool, days: dict[int, DayPlan]
    ) -> None:
        week_start = self.start + dt.timedelta(weeks=week - 1)
        sessions = [
            self._session_row(week, week_start, phase, is_recovery, d, days) for d in range(7)
        ]
        self.session_rows.extend(sessions)
        previous = (
            self.week_rows[-1]["planned_volume_km"]
            if self.week_rows
            else self.inputs.weekly_volume_km
        )
        figures = week_figures(sessions, previous, self.targets)
        is_race_week = any(s["session_type"] == "race" for s in sessions)
        warnings = [
            a["reason"]
            for a in self.engine.applications
            if a["week_number"] == week and a["applied"]
        ]
        self.week_rows.append(
            {
                "week_number": week,
                "start_date": week_start,
                "end_date": week_start + dt.timedelta(days=6),
                "phase": phase.name,
                "is_recovery_week": is_recovery,
                **figures,
                "key_sessions": [
                    f"{s['day_of_week'].capitalize()}: {s['display_type']}"
                    for s in sessions
                    if s["is_key_session"]
                ],
                "focus": PHASE_FOCUS[phase.name]
                if not is_recovery
                else "Absorb the training: lighter week",
                "notes": text.week_notes(
                    phase.name, is_recovery, is_race_week, figures["volume_change_percent"]
                ),
                "warning_signals": [*text.WARNING_SIGNALS, *dict.fromkeys(warnings)],
            }
        )

    def _session_row(
        self,
        week: int,
        week_start: dt.date,
        phase: Phase,
        is_recovery: bool,
        day: int,
        days: dict[int, DayPlan],
    ) -> dict[str, Any]:
        date = week_start + dt.timedelta(days=day)
        plan = days.get(day)
        kind = plan.session_type if plan else "rest"
        segments = [
            {**s, "segment_index": i} for i, s in enumerate(plan.segments if plan else [], start=1)
        ]
        fields = session_fields(kind, segments, self.targets)
        template = plan.template if plan else None
        knowledge = [
            k
            for k in dict.fromkeys(
                [
                    template["knowledge_id"] if template else "kb_rest_day",
                    "kb_no_consecutive_hard_days" if plan and plan.is_spaced else None,
                    "kb_schedule_constraints",
                ]
            )
            if k
        ]
        safeguard_ids = list(dict.fromkeys(plan.safeguard_ids)) if plan else []
        gap = self._nearest_spaced_gap(plan, days) if plan and plan.is_hard else None
        return {
            "session_id": f"{self.plan_id}_{date:%Y%m%d}",
            "plan_id": self.plan_id,
            "runner_id": self.inputs.runner_id,
            "user_id": self.inputs.user_id,
            "week_number": week,
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
                kind, phase.name, week, is_recovery, PHASE_FOCUS[phase.name]
            )
            + "".join(f" Note: {n}." for n in (plan.notes if plan else [])),
            "placement_rationale": text.placement_rationale(kind, day, gap),
            "related_knowledge_ids": knowledge,
            "related_safeguard_ids": safeguard_ids,
            "is_moveable": kind not in ("race", "rest"),
            "is_splittable": kind in ("easy", "long") and fields["duration_seconds"] > 3600,
            "status": "planned",
        }


def generate_plan(
    runner: Mapping[str, Any],
    as_of: dt.date,
    reference: PlanReference,
    generated_at: dt.datetime,
) -> GeneratedPlan:
    """The plan for one runner as of a date (the plan starts on that week's Monday)."""
    builder = _PlanBuilder(runner, as_of, reference)
    builder.build()
    row = builder.plan_row(builder.feasibility(), generated_at, plan_key(runner, reference))
    for session in builder.session_rows:
        session["created_at"] = session["updated_at"] = generated_at
    return GeneratedPlan(row, builder.session_rows)


def apply_replan(
    plans: pl.DataFrame,
    fresh: pl.DataFrame,
    retire: Mapping[str, str],
    as_of: dt.date,
    now: dt.datetime,
) -> pl.DataFrame:
    """Every plan after a replan: the fresh plans (replacing any with the same id), the
    retired ones with their new status, and each plan's current week as of `as_of`."""
    kept = plans.filter(~pl.col("plan_id").is_in(fresh["plan_id"].implode()))
    retired = pl.DataFrame(
        {"plan_id": list(retire), "_retired": list(retire.values())},
        schema={"plan_id": pl.String, "_retired": pl.String},
    )
    weeks_in = (pl.lit(as_of) - pl.col("start_date")).dt.total_days() // 7 + 1
    return (
        pl.concat([kept, fresh.select(plans.columns)], how="vertical")
        .join(retired, on="plan_id", how="left")
        .with_columns(
            pl.coalesce("_retired", "status").alias("status"),
            pl.when(pl.col("_retired").is_not_null())
            .then(pl.lit(now))
            .otherwise(pl.col("updated_at"))
            .alias("updated_at"),
            pl.when(pl.lit(as_of) < pl.col("start_date"))
            .then(0)
            .otherwise(pl.min_horizontal(weeks_in, pl.col("total_weeks")))
            .alias("current_week"),
        )
        .drop("_retired")
        .sort("runner_id", "start_date", "plan_id")
    )
