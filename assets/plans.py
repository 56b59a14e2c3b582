"""Plan assets: reference data from the repo, then plans, sessions and adherence per runner."""

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

import dagster as dg
import duckdb
import polars as pl

from assets.ingest import WAREHOUSE_POOL
from assets.layers import runners_built_result, runners_built_spec, table_spec
from assets.narrator import Narrator
from assets.resources import CadenceHomeResource
from transforms.adherence import match_sessions, weekly_compliance
from transforms.plan_validation import validate_plan
from transforms.plans import PlanReference, apply_replan, generate_plan, replan
from transforms.roadmaps import runner_for_block, runner_roadmap
from warehouse.connection import read_table
from warehouse.contracts import contract
from warehouse.reference import SEED_FILES, seed_reference
from warehouse.runner_builds import in_passes, rebuild_runners
from warehouse.settings import plan_date

REFERENCE_DESCRIPTIONS = {
    "knowledge_base": "Coaching knowledge (with sources) that every plan decision cites.",
    "safeguards": "Safety rules the plan engine applies: volume caps, long-run share, hard "
    "days apart, rest days, limits for injuries, pain and age.",
    "workout_templates": "Session templates (easy, long, tempo, intervals, ...) plans are "
    "built from.",
}
REFERENCE_KEYS = [dg.AssetKey(["reference", t]) for t in REFERENCE_DESCRIPTIONS]


@dg.multi_asset(
    specs=[
        table_spec("reference", table, [], description, group="plans")
        for table, description in REFERENCE_DESCRIPTIONS.items()
    ],
    pool=WAREHOUSE_POOL,
    name="reference_data",
)
def reference_data(cadence: CadenceHomeResource):
    with cadence.warehouse() as con:
        counts = seed_reference(con)
    for name, file_name in SEED_FILES.items():
        yield dg.MaterializeResult(
            asset_key=dg.AssetKey(name.split(".")),
            metadata={
                "dagster/row_count": counts[name],
                "seed_file": f"warehouse/seeds/{file_name}",
            },
        )


PLAN_DEPS = [
    dg.AssetKey(["coach", "runner_state"]),
    dg.AssetKey(["coach", "weekly_summaries"]),
    dg.AssetKey(["terra", "activities"]),
    *REFERENCE_KEYS,
]
PLAN_DESCRIPTIONS = {
    "training_plans": "Each runner's periodized training plan: the season at a glance, every "
    "week, a snapshot of the runner, the safeguards checked and the reasons for each choice. "
    "Only plans that pass validation become active.",
    "planned_sessions": "Every day of each plan (rest days too): what to run, at what pace "
    "and heart rate, why, and whether the runner did it. Also fills planned volume and "
    "compliance in coach.weekly_summaries.",
}


ROADMAP_DESCRIPTIONS = {
    ("coach", "long_term_goals"): "Each runner's races up to 24 months out (profile.yaml's "
    "goals.long_term_goals, or the single race goal), each goal's feasibility rechecked "
    "against current fitness on every run.",
    ("plans", "roadmaps"): "One roadmap per runner from the plan date to the last goal: "
    "consecutive phases, a taper sized by priority closing each goal, recovery after each A "
    "race, target weekly volumes within the safeguards. Rebuilt when the goals change; the "
    "active training plan is its current block.",
    ("plans", "milestones"): "Checkpoints in every roadmap phase (long run, weekly volume, "
    "time trial, tune-up and goal races timed from VDOT), marked achieved from the runner's "
    "activities, with the day, on every run.",
}
PLANS_KEY = dg.AssetKey(["plans", "training_plans"])
RECENT_WEEKS = 3
"""The runner's latest weekly memory summaries Claude is given as context for a new plan."""


def recent_weeks(
    con: duckdb.DuckDBPyConnection, runner_ids: list[str], before: dt.date
) -> dict[str, list[str]]:
    """Each runner's latest `RECENT_WEEKS` memory summaries of weeks ended before `before`
    (as the last run wrote them), newest first."""
    if not runner_ids:
        return {}
    return dict(
        con.execute(
            "SELECT runner_id, list(content ORDER BY source_date_range_start DESC)"
            f"[1:{RECENT_WEEKS}] FROM coach.memory_summaries "
            "WHERE runner_id IN (SELECT unnest(?)) AND source_date_range_end < ? "
            "GROUP BY runner_id",
            [runner_ids, before],
        ).fetchall()
    )


RUNNERS_PER_PASS = 10
"""Plans are made this many runners at a time (their narratives are asked for together)."""


@dataclass
class RunnerPlanLog:
    """What the plan layer did for one runner, for the run's metadata."""

    validation: str | None = None
    """Validation status of the plan made in this run (None: the plan carried on)."""
    narration: str | None = None
    retired: int = 0
    statuses: Counter[str] = field(default_factory=Counter)
    """Their active plan's sessions counted by status."""
    weeks_with_compliance: int = 0


@dg.multi_asset(
    specs=[
        *(table_spec("plans", t, PLAN_DEPS, d) for t, d in PLAN_DESCRIPTIONS.items()),
        *(
            table_spec(schema, t, PLAN_DEPS, d, group="plans")
            for (schema, t), d in ROADMAP_DESCRIPTIONS.items()
        ),
    ],
    check_specs=[runners_built_spec(PLANS_KEY, "plans")],
    pool=WAREHOUSE_POOL,
    name="plan_layer",
)
def plan_layer(context: dg.AssetExecutionContext, cadence: CadenceHomeResource):
    # New plans are made as of the plan date; runs are matched to sessions up to today (the
    # plan date may be set in the past to replay, e.g. by the demo).
    as_of, now = plan_date(), dt.datetime.now(dt.UTC)
    today = max(as_of, now.date())
    plans_table = contract("plans.training_plans")
    sessions_table = contract("plans.planned_sessions")
    weekly_table = contract("coach.weekly_summaries")
    roadmap_tables = [contract(f"{schema}.{t}") for schema, t in ROADMAP_DESCRIPTIONS]
    narrator = Narrator.from_environment(cadence.home.narrative_cache)
    log: dict[str, RunnerPlanLog] = {}
    with cadence.warehouse() as con:
        reference = PlanReference.from_frames(
            *(read_table(con, contract(name)) for name in SEED_FILES)
        )
        runners = read_table(con, contract("coach.runners"))

        def build(ids: list[str]) -> list[pl.DataFrame]:
            mine = "runner_id IN (SELECT unnest(?))"
            as_stored = runners.filter(pl.col("runner_id").is_in(ids)).to_dicts()
            activities = read_table(con, contract("terra.activities"), mine, [ids])
            roadmaps = roadmap_frames(con, as_stored, reference, activities, as_of, now)
            # the plan is the roadmap's current block: it ends with the next goal's race
            chosen = [runner_for_block(runner, as_of) for runner in as_stored]
            plans = read_table(con, plans_table, mine, [ids])
            decision = replan(chosen, plans, as_of, reference)
            checked_plans, fresh_sessions = [], []
            for runner in (r for r in chosen if r["runner_id"] in decision.generate):
                generated = generate_plan(runner, as_of, reference, now)
                checked = validate_plan(
                    generated.plan, generated.sessions, reference.rules, runner, now=now
                )
                checked_plans.append((checked.plan, runner))
                fresh_sessions.extend(checked.sessions)
            ids_narrated = [runner["runner_id"] for _, runner in checked_plans]
            recent = recent_weeks(con, ids_narrated, as_of) if narrator.enabled else {}
            narrated = narrator.narrate_all(
                checked_plans, list(reference.knowledge.values()), recent
            )
            fresh = plans_table.conform(
                pl.from_dicts(
                    [result.plan for result in narrated],
                    schema=plans_table.polars_schema,
                    strict=False,
                )
            )
            every_plan = apply_replan(plans, fresh, decision.retire, today, now)
            active = every_plan.filter(pl.col("status") == "active")["plan_id"].implode()
            sessions = pl.concat(
                [
                    read_table(con, sessions_table, mine, [ids]).filter(
                        ~pl.col("plan_id").is_in(fresh["plan_id"].implode())
                    ),
                    sessions_table.conform(
                        pl.from_dicts(
                            fresh_sessions, schema=sessions_table.polars_schema, strict=False
                        )
                    ),
                ]
            )
            followed = match_sessions(
                sessions.filter(pl.col("plan_id").is_in(active)), activities, today
            )
            every_session = pl.concat([sessions.filter(~pl.col("plan_id").is_in(active)), followed])
            weekly = weekly_compliance(
                read_table(con, weekly_table, mine, [ids]), every_plan, every_session
            )
            retiring = plans.filter(pl.col("plan_id").is_in(list(decision.retire)))
            for runner_id in ids:  # a runner rebuilt alone after a failed pass starts afresh
                log[runner_id] = RunnerPlanLog(
                    retired=retiring.filter(pl.col("runner_id") == runner_id).height,
                    statuses=Counter(
                        followed.filter(pl.col("runner_id") == runner_id)["status"].to_list()
                    ),
                    weeks_with_compliance=weekly.filter(pl.col("runner_id") == runner_id)[
                        "compliance_percentage"
                    ]
                    .is_not_null()
                    .sum(),
                )
            for (plan, runner), result in zip(checked_plans, narrated, strict=True):
                log[runner["runner_id"]].validation = plan["validation_status"]
                log[runner["runner_id"]].narration = result.reason
            return [every_plan, every_session, weekly, *roadmaps]

        rebuild = rebuild_runners(
            con,
            [plans_table, sessions_table, weekly_table, *roadmap_tables],
            in_passes(runners["runner_id"].to_list(), RUNNERS_PER_PASS),
            build,
            "plans",
        )
        check = runners_built_result(
            con, PLANS_KEY, len(rebuild.built), rebuild.failures, context.run_id
        )
    done = [log[runner_id] for runner_id in rebuild.built]
    made = {r: log[r] for r in rebuild.built if log[r].validation is not None}
    statuses = sum((d.statuses for d in done), Counter())
    yield dg.MaterializeResult(
        asset_key=PLANS_KEY,
        metadata={
            "dagster/row_count": rebuild.rows[plans_table.qualified_name],
            "plan_date": as_of.isoformat(),
            "followed_until": today.isoformat(),
            "plans_generated": len(made),
            "plans_retired": sum(d.retired for d in done),
            "validation": ", ".join(
                f"{s}: {n}" for s, n in sorted(Counter(m.validation for m in made.values()).items())
            )
            or "no new plans",
            "narratives": dg.MetadataValue.md(
                "\n".join(f"- {r}: {m.narration}" for r, m in made.items()) or "no new plans"
            ),
        },
    )
    yield dg.MaterializeResult(
        asset_key=dg.AssetKey(["plans", "planned_sessions"]),
        metadata={
            "dagster/row_count": rebuild.rows[sessions_table.qualified_name],
            "active_sessions_by_status": ", ".join(
                f"{s}: {n}" for s, n in sorted(statuses.items())
            ),
            "weeks_with_compliance": sum(d.weeks_with_compliance for d in done),
        },
    )
    for (schema, t), table in zip(ROADMAP_DESCRIPTIONS, roadmap_tables, strict=True):
        yield dg.MaterializeResult(
            asset_key=dg.AssetKey([schema, t]),
            metadata={"dagster/row_count": rebuild.rows[table.qualified_name]},
        )
    yield check


def roadmap_frames(
    con: duckdb.DuckDBPyConnection,
    runners: list[dict],
    reference: PlanReference,
    activities: pl.DataFrame,
    as_of: dt.date,
    now: dt.datetime,
) -> list[pl.DataFrame]:
    """coach.long_term_goals, plans.roadmaps and plans.milestones for these runners."""
    goals_table, phases_table, milestones_table = (
        contract(f"{schema}.{t}") for schema, t in ROADMAP_DESCRIPTIONS
    )
    ids = [runner["runner_id"] for runner in runners]
    mine = "runner_id IN (SELECT unnest(?))"
    stored_phases = read_table(con, phases_table, mine, [ids])
    stored_milestones = read_table(con, milestones_table, mine, [ids])
    rows: tuple[list[dict], list[dict], list[dict]] = ([], [], [])
    for runner in runners:
        runner_id = runner["runner_id"]
        made = runner_roadmap(
            runner,
            reference.rules,
            stored_phases.filter(pl.col("runner_id") == runner_id).to_dicts(),
            stored_milestones.filter(pl.col("runner_id") == runner_id).to_dicts(),
            activities.filter(pl.col("runner_id") == runner_id),
            as_of,
            now,
        )
        for found, made_rows in zip(rows, (made.goals, made.phases, made.milestones), strict=True):
            found.extend(made_rows)
    return [
        table.conform(pl.from_dicts(found, schema=table.polars_schema, strict=False))
        for table, found in zip((goals_table, phases_table, milestones_table), rows, strict=True)
    ]
