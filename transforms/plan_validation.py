"""Weekly validation of a finished plan: `valid`, `repaired` (with the repairs) or `invalid`.

Each week is measured again from its sessions (the same measures the generator checked while
building) and tested against every hard safeguard; a broken rule is repaired where a safe
repair exists (shorten, downgrade to easy, rest) and the plan is `invalid` when one remains.
Structural problems (pace or HR ranges upside down, sessions without a reason, sessions on
blocked days) cannot be repaired. Only valid or repaired plans become active.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from transforms import plan_text as text
from transforms.physiology import TrainingPaces
from transforms.plan_inputs import plan_inputs
from transforms.plan_sessions import (
    EASY_TYPES,
    ZONE_HR,
    DayPlan,
    ZoneTargets,
    cap_main_work,
    session_fields,
    session_km,
    session_seconds,
    week_measures,
    zone_km,
)
from transforms.plan_weeks import week_figures
from transforms.race_window import (
    FINAL_VOLUME_FIELD,
    KEY_SESSION_FIELD,
    LONG_RUN_FIELD,
    RaceWindow,
)
from transforms.safeguards import Rule, SafeguardEngine
from warehouse.vocabulary import HARD_SESSION_TYPES, WEEKDAYS

ZONE_FIELDS = {
    "threshold_session_share_percent": "T",
    "interval_share_percent": "I",
    "interval_km_per_week": "I",
    "repetition_share_percent": "R",
    "marathon_pace_share_percent": "M",
}
DISTANCE_SLACK_KM = 0.05
REPAIR_ORDER = (
    "running_days_per_week",
    "consecutive_hard_days",
    "min_easy_days_between_hard",
    "hard_sessions_per_week",
    "threshold_session_share_percent",
    "marathon_pace_share_percent",
    "interval_share_percent",
    "interval_km_per_week",
    "repetition_share_percent",
    "easy_run_minutes",
    "long_run_share_percent",
    "weekly_volume_increase_percent",
    "weeks_since_recovery",
)
"""Session-level problems first, the week's total last: fixing a long run or a session
often fixes the week's volume too."""
HARD_COUNT_FIELDS = (
    "hard_sessions_per_week",
    "consecutive_hard_days",
    "min_easy_days_between_hard",
)


@dataclass
class PlanValidation:
    status: str
    errors: list[str]
    repairs: list[str]
    plan: dict[str, Any]
    sessions: list[dict[str, Any]]


def plan_targets(plan: Mapping[str, Any]) -> ZoneTargets:
    p = plan["target_paces"]
    paces = TrainingPaces(
        p["vdot"],
        p["easy_min_sec_per_km"],
        p["easy_max_sec_per_km"],
        p["marathon_sec_per_km"],
        p["threshold_sec_per_km"],
        p["interval_sec_per_km"],
        p["repetition_sec_per_km"],
    )
    return ZoneTargets.build(paces, plan["hr_zones"])


def _structural_errors(sessions: list[dict[str, Any]], blocked: set[str]) -> list[str]:
    errors = []
    for s in sessions:
        where = f"{s['scheduled_date']} ({s['session_type']})"
        if s["is_rest_day"]:
            continue
        if not (s.get("justification") or "").strip():
            errors.append(f"{where}: no justification")
        if not s["structure_segments"]:
            errors.append(f"{where}: no structure")
        if s["day_of_week"] in blocked and s["session_type"] != "race":  # the race sets its day
            errors.append(f"{where}: on a blocked day")
        for low, high in (
            ("pace_min_sec_per_km", "pace_max_sec_per_km"),
            ("hr_min_bpm", "hr_max_bpm"),
        ):
            if s.get(low) is not None and s.get(high) is not None and s[low] > s[high]:
                errors.append(f"{where}: {low} above {high}")
        for segment in s["structure_segments"]:
            fast, slow = segment.get("pace_min_sec_per_km"), segment.get("pace_max_sec_per_km")
            if fast is not None and slow is not None and fast > slow:
                errors.append(f"{where}: segment {segment['segment_index']} pace range reversed")
    return errors


class _WeekRepair:
    """Repairs one week's sessions in place, recording what it did."""

    def __init__(self, rows: list[dict[str, Any]], targets: ZoneTargets, repairs: list[str]):
        self.rows = rows
        self.targets = targets
        self.repairs = repairs

    def days(self) -> list[DayPlan]:
        return [
            DayPlan(
                WEEKDAYS.index(r["day_of_week"]),
                r["session_type"],
                segments=r["structure_segments"],
            )
            for r in self.rows
            if not r["is_rest_day"]
        ]

    def _runs(self) -> list[dict[str, Any]]:
        return [r for r in self.rows if not r["is_rest_day"]]

    def repair(self, field_name: str, limit: float, volume: float, reference: float | None) -> bool:
        runs = self._runs()
        if field_name == "weekly_volume_increase_percent" and reference:
            return self._scale_easy(runs, volume - reference * (1 + limit / 100))
        if field_name == "long_run_share_percent":
            long_run = next((r for r in runs if r["session_type"] == "long"), None)
            if long_run is None:
                return False
            long_km = session_km(long_run["structure_segments"], self.targets)
            share = limit / 100  # of the week as it will be once the long run is shorter
            return self._shorten(long_run, long_km - share * (volume - long_km) / (1 - share))
        if field_name == "easy_run_minutes":
            pace = self.targets.mid_pace("E")
            changed = False
            for r in runs:
                if r["session_type"] in EASY_TYPES:
                    excess = (
                        (session_seconds(r["structure_segments"], self.targets) / 60 - limit)
                        * 60
                        / pace
                    )
                    changed |= excess > 0 and self._shorten(r, excess)
            return changed
        if field_name == "running_days_per_week":
            easy = [r for r in runs if r["session_type"] in ("easy", "recovery", "strides")]
            if not easy:
                return False
            self._rest(min(easy, key=lambda r: r["distance_km"]))
            return True
        if field_name in HARD_COUNT_FIELDS:
            hard = [
                r
                for r in runs
                if r["session_type"] in HARD_SESSION_TYPES and r["session_type"] != "race"
            ]
            if not hard:
                return False
            self._downgrade(max(hard, key=lambda r: r["scheduled_date"]), field_name)
            return True
        if field_name in ZONE_FIELDS:
            zone = ZONE_FIELDS[field_name]
            holders = [r for r in runs if zone_km(r["structure_segments"], self.targets).get(zone)]
            share = field_name.endswith("percent")
            allowed = (limit * volume / 100 if share else limit) / max(len(holders), 1)
            for r in holders:
                cap_main_work(r["structure_segments"], allowed, self.targets)
                self.refresh(r)
            if holders:
                first = holders[0]["scheduled_date"]
                self.repairs.append(f"{first}: {zone}-pace work cut to the {field_name} limit")
            return bool(holders)
        return False

    def _scale_easy(self, runs: list[dict[str, Any]], excess: float) -> bool:
        """Cut the easy running (long run included) in proportion to each run's length, so
        the long run's share of the week stays what it was."""
        easy = [r for r in runs if r["session_type"] in EASY_TYPES]
        easy_km = sum(r["distance_km"] for r in easy)
        if excess <= 0 or easy_km <= 0:
            return False
        return any([self._shorten(r, excess * r["distance_km"] / easy_km + 0.05) for r in easy])

    def _shorten(self, row: dict[str, Any], km: float) -> bool:
        steady = next((s for s in row["structure_segments"] if s["segment_type"] == "steady"), None)
        if steady is None or km <= 0:
            return False
        before = steady["distance_km"]
        steady["distance_km"] = max(0.0, int((before - km) * 10 - 1e-6) / 10)
        self.refresh(row)
        cut = before - steady["distance_km"]
        self.repairs.append(f"{row['scheduled_date']}: {row['display_type']} {cut:.1f} km shorter")
        return True

    def _downgrade(self, row: dict[str, Any], reason: str) -> None:
        fast, slow = self.targets.paces["E"]
        low, high = self.targets.heart_rates[ZONE_HR["E"]]
        easy = {
            "segment_index": 1,
            "segment_type": "steady",
            "distance_km": round(session_km(row["structure_segments"], self.targets), 1),
            "intensity_zone": "E",
            "pace_min_sec_per_km": round(fast),
            "pace_max_sec_per_km": round(slow),
            "hr_min_bpm": low,
            "hr_max_bpm": high,
            "description": "Easy running",
        }
        row.update(
            session_type="easy",
            display_type=text.DISPLAY["easy"],
            is_key_session=False,
            structure_segments=[easy],
        )
        row["justification"] += f" Repaired: made an easy run ({reason})."
        self.refresh(row)
        self.repairs.append(f"{row['scheduled_date']}: hard session made an easy run ({reason})")

    def _rest(self, row: dict[str, Any]) -> None:
        self.repairs.append(f"{row['scheduled_date']}: {row['display_type']} made a rest day")
        row.update(
            session_type="rest",
            display_type=text.DISPLAY["rest"],
            is_rest_day=True,
            is_key_session=False,
            structure_segments=[],
        )
        self.refresh(row)

    def refresh(self, row: dict[str, Any]) -> None:
        row.update(session_fields(row["session_type"], row["structure_segments"], self.targets))


def validate_plan(
    plan: Mapping[str, Any],
    sessions: list[Mapping[str, Any]],
    rules: tuple[Rule, ...],
    runner: Mapping[str, Any],
    *,
    now: dt.datetime | None = None,
) -> PlanValidation:
    """Validate (and where safe, repair) a generated plan week by week."""
    # copies of what repairs may change (rows, their segments, the weeks), not deep copies:
    # validation runs once per plan and must stay cheap
    plan = {**plan, "weekly_plan": [dict(w) for w in plan["weekly_plan"]]}
    rows = [
        {**s, "structure_segments": [dict(seg) for seg in s["structure_segments"]]}
        for s in sessions
    ]
    inputs = plan_inputs(dict(runner))
    engine = SafeguardEngine(rules, inputs.context)
    targets = plan_targets(plan)
    blocked = set((runner.get("schedule") or {}).get("blocked_days") or [])
    errors = _structural_errors(rows, blocked)
    repairs: list[str] = []
    last_full = inputs.volume_before_km
    previous_km = last_full
    for row in rows:
        if (
            row["structure_segments"]
            and abs(session_km(row["structure_segments"], targets) - row["distance_km"])
            > DISTANCE_SLACK_KM
        ):
            _WeekRepair([row], targets, repairs).refresh(row)
            repairs.append(f"{row['scheduled_date']}: distance recomputed from the structure")
    for week in plan["weekly_plan"]:
        week_rows = [r for r in rows if r["week_number"] == week["week_number"]]
        fixer = _WeekRepair(week_rows, targets, repairs)
        # a race plan's Recovery weeks follow an A race: the volume before it stays the
        # reference, as the generator keeps it (plan_volumes.after_race)
        after_race = week["phase"] == "Recovery" and plan.get("race_distance_km") is not None
        is_full = not (week["is_recovery_week"] or week["phase"] == "Taper" or after_race)
        reference = last_full if is_full else None
        for _attempt in range(len(week_rows) + 3):
            race_km = sum(r["distance_km"] for r in week_rows if r["session_type"] == "race")
            measures = week_measures(fixer.days(), targets, reference_km=reference, race_km=race_km)
            volume = sum(r["distance_km"] for r in week_rows) - race_km
            broken = engine.violations(
                measures, {"planned_volume_km": volume, "runs_per_week": len(fixer.days())}
            )
            if not broken:
                break
            rule, _value = min(broken, key=lambda b: REPAIR_ORDER.index(b[0].field))
            limit = rule.bound
            if limit is None or not fixer.repair(rule.field, limit, volume, reference):
                errors.append(f"week {week['week_number']}: {rule.name} ({rule.describe()}) broken")
                break
        else:
            errors.append(f"week {week['week_number']}: could not be repaired")
        _refresh_week(week, week_rows, previous_km, targets)
        previous_km = week["planned_volume_km"]
        if is_full:
            last_full = sum(r["distance_km"] for r in week_rows if r["session_type"] != "race")
    errors += _race_window_errors(plan, rows, engine)
    status = "invalid" if errors else "repaired" if repairs else "valid"
    plan.update(
        validation_status=status,
        validation_errors=errors,
        repair_actions=repairs,
        status="draft" if errors else "active",
        activated_at=None if errors else (now or plan["generated_at"]),
    )
    return PlanValidation(status, errors, repairs, plan, rows)


def _refresh_week(
    week: dict[str, Any],
    rows: list[dict[str, Any]],
    previous_km: float | None,
    targets: ZoneTargets,
) -> None:
    week.update(week_figures(rows, previous_km, targets))


def _race_window_errors(
    plan: Mapping[str, Any], rows: list[dict[str, Any]], engine: SafeguardEngine
) -> list[str]:
    """The hard taper rules, measured on the whole plan: they span calendar weeks."""
    race_date = plan.get("race_date")
    if race_date is None or plan.get("race_distance_km") is None:
        return []
    race = {"race_distance_km": plan["race_distance_km"]}
    window = RaceWindow.for_race(race_date, plan["race_distance_km"], engine)
    before_taper = [w["planned_volume_km"] for w in plan["weekly_plan"] if w["phase"] != "Taper"]
    peak = max(before_taper, default=0.0)
    runs = [r for r in rows if not r["is_rest_day"] and r["session_type"] != "race"]
    final = sum(r["distance_km"] for r in runs if 1 <= (race_date - r["scheduled_date"]).days <= 7)
    key_days = [(race_date - r["scheduled_date"]).days for r in runs if r["is_key_session"]]
    long_days = [
        (race_date - r["scheduled_date"]).days for r in runs if r["session_type"] == "long"
    ]
    measures = {
        FINAL_VOLUME_FIELD: 100 * final / peak
        if peak and window.leaves_room_to_taper(plan["start_date"])
        else None,
        KEY_SESSION_FIELD: float(min((d for d in key_days if d > 0), default=99)),
        LONG_RUN_FIELD: float(min((d for d in long_days if d > 0), default=99)),
    }
    return [
        f"race {race_date}: {rule.name} ({rule.describe()}) broken"
        for rule, _value in engine.violations(measures, race)
    ]
