"""The `coach/memory_summaries` asset: one short text per runner per complete week
(transforms/memory_summaries.py), in the plans group because it reads what became of the
planned sessions."""

import datetime as dt

import dagster as dg
import polars as pl

from assets.ingest import WAREHOUSE_POOL
from assets.layers import table_spec
from assets.resources import CadenceHomeResource
from exports.memory_wording import SummaryWording, voices
from transforms.memory_summaries import weekly_memory_summaries
from warehouse.connection import read_table, rewrite_tables
from warehouse.contracts import contract

MEMORY_KEY = dg.AssetKey(["coach", "memory_summaries"])
MEMORY_DEPS = [
    dg.AssetKey(["coach", "weekly_summaries"]),
    dg.AssetKey(["coach", "runner_states"]),
    dg.AssetKey(["plans", "planned_sessions"]),
]


@dg.multi_asset(
    specs=[
        table_spec(
            "coach",
            "memory_summaries",
            MEMORY_DEPS,
            "Long-term memory: each runner's complete weeks in a few sentences (volume against "
            "plan, key sessions, state changes, health, personal bests), every number read from "
            "the tables; the last weeks are context for the plan narratives and the weekly "
            "digest.",
            group="plans",
        )
    ],
    pool=WAREHOUSE_POOL,
    name="memory_summaries",
)
def memory_summaries(context: dg.AssetExecutionContext, cadence: CadenceHomeResource):
    table = contract("coach.memory_summaries")
    now = dt.datetime.now(dt.UTC)
    with cadence.warehouse() as con:
        runners = read_table(con, contract("coach.runners")).to_dicts()
        rows = weekly_memory_summaries(
            read_table(con, contract("coach.weekly_summaries")),
            read_table(con, contract("plans.planned_sessions")),
            read_table(con, contract("coach.runner_states")),
            runners,
            now.date(),
        )
    # Claude is asked with the warehouse closed: a slow reply never holds the writers' file.
    wording = SummaryWording.from_environment(cadence.home.root / "cache" / "memory_summaries")
    rows = wording.reword_all(rows, voices(runners))
    frame = pl.from_dicts(rows, schema=table.polars_schema, strict=False).with_columns(
        created_at=pl.lit(now), updated_at=pl.lit(now)
    )
    with cadence.warehouse() as con:
        counts = rewrite_tables(con, [table], [[frame]])
    reworded = sum(1 for r in rows if r["narrative_source"] == "llm")
    yield dg.MaterializeResult(
        asset_key=MEMORY_KEY,
        metadata={
            "dagster/row_count": counts[table.qualified_name],
            "reworded_by_claude": reworded,
            "kept_template": dg.MetadataValue.md(
                "\n".join(f"- {reason}" for reason in wording.reasons[:20]) or "none"
            ),
        },
    )
