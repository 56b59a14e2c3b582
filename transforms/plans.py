"""The deterministic plan generator: a Runner Object and a date in, a plan and its sessions out.

The same runner, reference data and date always give the same plan. Every figure comes from
the runner's data, the knowledge base or the safeguards (which the engine reads from
`reference.safeguards`); every choice is recorded in `decisions` and every safeguard check in
`safeguard_applications`.

A plan is a pipeline of steps, each a module of its own and testable alone:

1. `plan_context`: the goal, dates, race window, phases, paces and the volumes the season
   starts from, aims at and cannot exceed (`PlanContext`);
2. `plan_volumes`: each week's phase, kind and volume, from the weeks built before it
   (`WeekTarget`);
3. `plan_week_sessions` (with `plan_week_sizing` and `plan_week_settle`): each week's
   sessions, from the running days to the long run, the quality sessions, their spacing and
   sizes, within the shares the safeguards bound (`BuiltWeek`);
4. `plan_final_days`: the seven days before the race within their share of the peak week;
5. `plan_week_rows`: session and weekly rows, their watch targets and texts;
6. `plan_season`: the plan row (season view, snapshot, decisions, load parameters).

The validator (`plan_validation`) checks and repairs the result.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import polars as pl

from transforms.completeness import not_ready_reason
from transforms.plan_context import PlanContext, PlanReference, plan_context
from transforms.plan_final_days import hold_final_days
from transforms.plan_season import GENERATOR_VERSION, plan_row
from transforms.plan_sessions import session_km
from transforms.plan_volumes import progress_after, starting_progress, week_target
from transforms.plan_week_rows import plan_rows
from transforms.plan_week_sessions import BuiltWeek, build_week
from transforms.plan_week_settle import long_run_of, stored_running_km

__all__ = [
    "GeneratedPlan",
    "PlanReference",
    "Replan",
    "apply_replan",
    "generate_plan",
    "plan_key",
    "replan",
]


@dataclass
class GeneratedPlan:
    plan: dict[str, Any]
    sessions: list[dict[str, Any]]


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


def built_weeks(ctx: PlanContext) -> tuple[list[BuiltWeek], float]:
    """Every week of the season built in turn (a week's volume follows from the weeks built
    before it), and the most running a week before the taper held."""
    progress = starting_progress(ctx)
    weeks = []
    for week in range(1, ctx.weeks + 1):
        target = week_target(ctx, week, progress)
        built = build_week(ctx, target)
        long_day = long_run_of(built.days)
        long_km = session_km(long_day.segments, ctx.targets) if long_day else 0.0
        progress = progress_after(progress, target, stored_running_km(ctx, built.days), long_km)
        weeks.append(built)
    return weeks, progress.peak_built_km


def generate_plan(
    runner: Mapping[str, Any],
    as_of: dt.date,
    reference: PlanReference,
    generated_at: dt.datetime,
) -> GeneratedPlan:
    """The plan for one runner as of a date (the plan starts on that week's Monday)."""
    ctx = plan_context(runner, as_of, reference)
    weeks, peak_km = built_weeks(ctx)
    week_rows, sessions = plan_rows(ctx, hold_final_days(ctx, weeks, peak_km))
    row = plan_row(ctx, week_rows, sessions, generated_at, plan_key(runner, reference))
    for session in sessions:
        session["created_at"] = session["updated_at"] = generated_at
    return GeneratedPlan(row, sessions)


def apply_replan(
    plans: pl.DataFrame,
    fresh: pl.DataFrame,
    retire: Mapping[str, str],
    as_of: dt.date,
    now: dt.datetime,
) -> pl.DataFrame:
    """Every plan after a replan: the fresh plans (replacing any with the same id), the
    retired ones with their new status, and each plan's current week as of `as_of`. A plan
    made again in its own first week (a goal edited) has the old one's id: it replaces that
    plan and is not retired with it."""
    kept = plans.filter(~pl.col("plan_id").is_in(fresh["plan_id"].implode()))
    replaced = set(fresh["plan_id"].to_list())
    retire = {plan_id: status for plan_id, status in retire.items() if plan_id not in replaced}
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
