"""Terra and coach assets: load frames, call the pure builders, validate, write."""

import datetime as dt
from collections.abc import Iterator

import dagster as dg
import polars as pl

from assets.ingest import WAREHOUSE_POOL
from assets.resources import CadenceHomeResource
from transforms.coach import activity_efforts, build_coach
from transforms.runner_context import runner_context, runner_facts
from transforms.terra import RawFrames, build_terra
from warehouse.connection import read_raw, read_table, rewrite_tables
from warehouse.contract import TableContract
from warehouse.contracts import contract
from warehouse.runners import RunnerAPI

TERRA_TABLES = (
    "activities",
    "activity_samples",
    "sleep_sessions",
    "body_measurements",
    "daily_summaries",
)
RAW = [dg.AssetKey(["raw_strava"]), dg.AssetKey(["raw_healthkit"])]
PROFILES = dg.AssetKey(["coach", "runner_profiles"])

TERRA_DESCRIPTIONS = {
    "activities": "One row per real run, ride or workout: the same activity from Strava and "
    "Apple Health merged into one, each value from the best source, with HR-zone time, km "
    "splits, session type and training load.",
    "activity_samples": "Second-by-second heart rate, pace, cadence, power and position of "
    "each activity.",
    "sleep_sessions": "Each night (and nap): time asleep by stage, efficiency, wake-ups, and "
    "heart rate, HRV and breathing during sleep.",
    "body_measurements": "Weight, body fat, blood pressure and other body measurements.",
    "daily_summaries": "One line per runner per local day: steps (counted once across watch "
    "and phone), heart rate, sleep, runs, and fitness/fatigue/form (CTL/ATL/TSB).",
}


def column_schema(table: TableContract) -> dg.TableSchema:
    return dg.TableSchema(
        columns=[
            dg.TableColumn(name, str(f.dtype), description=f.comment)
            for name, f in table.columns.items()
        ]
    )


def table_spec(
    schema: str,
    table: str,
    deps: list[dg.AssetKey],
    description: str,
    group: str | None = None,
) -> dg.AssetSpec:
    """An asset writing one contract-backed table (group: its schema unless given)."""
    return dg.AssetSpec(
        key=dg.AssetKey([schema, table]),
        deps=deps,
        group_name=group or schema,
        description=description,
        kinds={"polars", "duckdb"},
        owners=["team:cadence"],
        metadata={"dagster/column_schema": column_schema(contract(f"{schema}.{table}"))},
    )


RUNNERS_PER_PASS = 10
"""Terra and coach are rebuilt this many runners at a time: memory stays bounded by a pass
(a whole fleet in one Polars pass does not fit in memory past a few dozen runner-years)."""


def _passes(runners: pl.DataFrame) -> Iterator[list[str]]:
    ids = runners["runner_id"].sort().to_list()
    for start in range(0, len(ids), RUNNERS_PER_PASS):
        yield ids[start : start + RUNNERS_PER_PASS]


def raw_frames(con, runner_ids: list[str] | None = None) -> RawFrames:
    """Every raw table the terra builder reads (empty frames for sources never loaded)."""
    return RawFrames(
        *(
            read_raw(con, f"raw_strava.{t}", runner_ids)
            for t in ("activities", "activity_files", "laps", "samples")
        ),
        *(
            read_raw(con, f"raw_healthkit.{t}", runner_ids)
            for t in (
                "records",
                "record_metadata",
                "workouts",
                "workout_statistics",
                "workout_route_points",
                "activity_summaries",
            )
        ),
    )


@dg.multi_asset(
    specs=[table_spec("terra", t, [*RAW, PROFILES], TERRA_DESCRIPTIONS[t]) for t in TERRA_TABLES],
    pool=WAREHOUSE_POOL,
    name="terra_layer",
)
def terra_layer(cadence: CadenceHomeResource):
    with cadence.warehouse() as con:
        runners = read_table(con, contract("coach.runners"))

        def passes() -> Iterator[list[pl.DataFrame]]:
            for ids in _passes(runners):
                chosen = runners.filter(pl.col("runner_id").is_in(ids))
                built = build_terra(raw_frames(con, ids), runner_context(chosen))
                yield [getattr(built, t) for t in TERRA_TABLES]

        counts = rewrite_tables(con, [contract(f"terra.{t}") for t in TERRA_TABLES], passes())
    for table in TERRA_TABLES:
        yield dg.MaterializeResult(
            asset_key=dg.AssetKey(["terra", table]),
            metadata={"dagster/row_count": counts[f"terra.{table}"]},
        )


COACH_DESCRIPTIONS = {
    "runner_state": "Each runner's current state in their Runner Object: fitness, fatigue "
    "and form, injury and overtraining risk, readiness, and the running profile inferred from "
    "their data (VDOT, paces, zones) — never overwriting what the runner told us.",
    "weekly_summaries": "Per runner per week: volume by kind of run, pace, rest days, load "
    "and the training state the week ended in.",
    "runner_states": "Every change of training state (Stable, Slump, Probe, Overreach, ...) "
    "with the figures that triggered it and an explanation.",
}
TERRA_DEPS = [dg.AssetKey(["terra", t]) for t in TERRA_TABLES]


@dg.multi_asset(
    specs=[
        table_spec("coach", "weekly_summaries", TERRA_DEPS, COACH_DESCRIPTIONS["weekly_summaries"]),
        table_spec("coach", "runner_states", TERRA_DEPS, COACH_DESCRIPTIONS["runner_states"]),
        dg.AssetSpec(
            key=dg.AssetKey(["coach", "runner_state"]),
            deps=TERRA_DEPS,
            group_name="coach",
            description=COACH_DESCRIPTIONS["runner_state"],
            kinds={"polars", "duckdb"},
            owners=["team:cadence"],
            metadata={"dagster/column_schema": column_schema(contract("coach.runners"))},
        ),
    ],
    pool=WAREHOUSE_POOL,
    name="coach_layer",
)
def coach_layer(cadence: CadenceHomeResource):
    updated: list[str] = []
    with cadence.warehouse() as con:
        runners = read_table(con, contract("coach.runners"))
        api = RunnerAPI(con)
        now = dt.datetime.now(dt.UTC)

        def passes() -> Iterator[list[pl.DataFrame]]:
            for ids in _passes(runners):
                mine = "runner_id IN (SELECT unnest(?))"
                activities = read_table(con, contract("terra.activities"), mine, [ids])
                samples = read_table(con, contract("terra.activity_samples"), mine, [ids])
                built = build_coach(
                    activities,
                    read_table(con, contract("terra.daily_summaries"), mine, [ids]),
                    activity_efforts(activities, samples),
                    runner_facts(runners.filter(pl.col("runner_id").is_in(ids))),
                    now,
                )
                # inside the same transaction as the tables, so a failure undoes both
                for runner_id, inferred in built.runner_updates.items():
                    api.record_inference(runner_id, inferred)
                    updated.append(runner_id)
                yield [built.weekly_summaries, built.runner_states]

        counts = rewrite_tables(
            con, [contract("coach.weekly_summaries"), contract("coach.runner_states")], passes()
        )
    yield dg.MaterializeResult(
        asset_key=dg.AssetKey(["coach", "weekly_summaries"]),
        metadata={"dagster/row_count": counts["coach.weekly_summaries"]},
    )
    yield dg.MaterializeResult(
        asset_key=dg.AssetKey(["coach", "runner_states"]),
        metadata={"dagster/row_count": counts["coach.runner_states"]},
    )
    yield dg.MaterializeResult(
        asset_key=dg.AssetKey(["coach", "runner_state"]),
        metadata={"runners_updated": len(updated)},
    )
