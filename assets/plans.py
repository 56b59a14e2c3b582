"""Plan assets: reference data from the repo, then plans, sessions and adherence per runner."""

import datetime as dt

import dagster as dg
import polars as pl

from assets.ingest import WAREHOUSE_POOL
from assets.layers import table_spec
from assets.narrator import Narrator
from assets.resources import CadenceHomeResource
from transforms.adherence import match_sessions, weekly_compliance
from transforms.plan_validation import validate_plan
from transforms.plans import PlanReference, apply_replan, generate_plan, replan
from warehouse.connection import read_table, transaction, upsert
from warehouse.contracts import contract
from warehouse.reference import SEED_FILES, seed_reference
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


@dg.multi_asset(
    specs=[table_spec("plans", t, PLAN_DEPS, d) for t, d in PLAN_DESCRIPTIONS.items()],
    pool=WAREHOUSE_POOL,
    name="plan_layer",
)
def plan_layer(cadence: CadenceHomeResource):
    # New plans are made as of the plan date; runs are matched to sessions up to today (the
    # plan date may be set in the past to replay, e.g. by the demo).
    as_of, now = plan_date(), dt.datetime.now(dt.UTC)
    today = max(as_of, now.date())
    plans_table = contract("plans.training_plans")
    sessions_table = contract("plans.planned_sessions")
    weekly_table = contract("coach.weekly_summaries")
    narrator = Narrator.from_environment(cadence.home.narrative_cache)
    with cadence.warehouse() as con:
        reference = PlanReference.from_frames(
            *(read_table(con, contract(name)) for name in SEED_FILES)
        )
        runners = read_table(con, contract("coach.runners")).to_dicts()
        plans = read_table(con, plans_table)
        decision = replan(runners, plans, as_of, reference)
        checked_plans, fresh_sessions = [], []
        for runner in (r for r in runners if r["runner_id"] in decision.generate):
            generated = generate_plan(runner, as_of, reference, now)
            checked = validate_plan(
                generated.plan, generated.sessions, reference.rules, runner, now=now
            )
            checked_plans.append((checked.plan, runner))
            fresh_sessions.extend(checked.sessions)
        narrated = narrator.narrate_all(checked_plans, list(reference.knowledge.values()))
        fresh_plans = [result.plan for result in narrated]
        narration = {
            runner["runner_id"]: result.reason
            for (_, runner), result in zip(checked_plans, narrated, strict=True)
        }
        fresh = plans_table.conform(
            pl.from_dicts(fresh_plans, schema=plans_table.polars_schema, strict=False)
        )
        every_plan = apply_replan(plans, fresh, decision.retire, today, now)
        active = every_plan.filter(pl.col("status") == "active")["plan_id"].implode()
        sessions = pl.concat(
            [
                read_table(con, sessions_table).filter(
                    ~pl.col("plan_id").is_in(fresh["plan_id"].implode())
                ),
                sessions_table.conform(
                    pl.from_dicts(fresh_sessions, schema=sessions_table.polars_schema, strict=False)
                ),
            ]
        )
        followed = match_sessions(
            sessions.filter(pl.col("plan_id").is_in(active)),
            read_table(con, contract("terra.activities")),
            today,
        )
        every_session = pl.concat([sessions.filter(~pl.col("plan_id").is_in(active)), followed])
        weekly = weekly_compliance(read_table(con, weekly_table), every_plan, every_session)
        with transaction(con):
            con.execute(f"DELETE FROM {sessions_table.qualified_name}")
            con.execute(f"DELETE FROM {plans_table.qualified_name}")
            upsert(con, plans_table, every_plan)
            upsert(con, sessions_table, every_session)
            upsert(con, weekly_table, weekly)
    statuses = followed["status"].value_counts().rows()
    yield dg.MaterializeResult(
        asset_key=dg.AssetKey(["plans", "training_plans"]),
        metadata={
            "dagster/row_count": every_plan.height,
            "plan_date": as_of.isoformat(),
            "followed_until": today.isoformat(),
            "plans_generated": len(fresh_plans),
            "plans_retired": len(decision.retire),
            "validation": ", ".join(
                f"{s}: {n}"
                for s, n in fresh["validation_status"]
                .value_counts()
                .sort("validation_status")
                .rows()
            )
            or "no new plans",
            "narratives": dg.MetadataValue.md(
                "\n".join(f"- {r}: {why}" for r, why in narration.items()) or "no new plans"
            ),
        },
    )
    yield dg.MaterializeResult(
        asset_key=dg.AssetKey(["plans", "planned_sessions"]),
        metadata={
            "dagster/row_count": every_session.height,
            "active_sessions_by_status": ", ".join(f"{s}: {n}" for s, n in sorted(statuses)),
            "weeks_with_compliance": weekly["compliance_percentage"].is_not_null().sum(),
        },
    )
