"""Terra and coach assets: load frames, call the pure builders, validate, write."""

import datetime as dt

import dagster as dg
import duckdb
import polars as pl

from assets.ingest import WAREHOUSE_POOL
from assets.resources import CadenceHomeResource
from transforms.coach import activity_efforts, build_coach
from transforms.runner_context import runner_context, runner_facts
from transforms.terra import RawFrames, build_terra
from warehouse.connection import read_raw, read_table
from warehouse.contract import TableContract
from warehouse.contracts import contract
from warehouse.quarantine import record_rejections
from warehouse.runner_builds import RunnerFailure, in_passes, rebuild_runners
from warehouse.runners import RunnerAPI

TERRA_TABLES = (
    "activities",
    "activity_samples",
    "sleep_sessions",
    "body_measurements",
    "daily_summaries",
)
RAW = [dg.AssetKey(["raw_strava"]), dg.AssetKey(["raw_healthkit"]), dg.AssetKey(["raw_strava_api"])]
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

EVERY_RUNNER_BUILT = "every_runner_built"
RUNNER_FAILURES = "runner_failures"
"""The check metadata listing each failed runner's sentence (the CLI prints them)."""


def runners_built_spec(key: dg.AssetKey, layer: str) -> dg.AssetCheckSpec:
    """The check that shows, in the run, the runners a layer could not rebuild."""
    return dg.AssetCheckSpec(
        EVERY_RUNNER_BUILT,
        asset=key,
        description=f"Every runner's {layer} rows were rebuilt. A runner whose data broke a "
        "contract or the build fails alone: it keeps its last good rows, gets a "
        "quarantine.rejected row naming the table, check and values, and is listed here.",
    )


def runners_built_result(
    con: duckdb.DuckDBPyConnection,
    key: dg.AssetKey,
    built: int,
    failures: list[RunnerFailure],
    run_id: str,
) -> dg.AssetCheckResult:
    """Quarantine each failure and report them as the layer's check (failing, not blocking:
    the other runners go on to the next layer)."""
    record_rejections(con, [f.rejection() for f in failures], run_id)
    return dg.AssetCheckResult(
        asset_key=key,
        check_name=EVERY_RUNNER_BUILT,
        passed=not failures,
        severity=dg.AssetCheckSeverity.ERROR,
        metadata={
            "runners_built": built,
            "runners_failed": len(failures),
            "threshold": 0,
            RUNNER_FAILURES: dg.MetadataValue.json([f.sentence for f in failures]),
        },
    )


def runner_ids(runners: pl.DataFrame) -> list[str]:
    return runners["runner_id"].to_list()


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
        *(
            read_raw(con, f"raw_strava_api.{t}", runner_ids)
            for t in ("activities", "laps", "samples")
        ),
    )


TERRA_KEY = dg.AssetKey(["terra", "activities"])


@dg.multi_asset(
    specs=[table_spec("terra", t, [*RAW, PROFILES], TERRA_DESCRIPTIONS[t]) for t in TERRA_TABLES],
    check_specs=[runners_built_spec(TERRA_KEY, "terra")],
    pool=WAREHOUSE_POOL,
    name="terra_layer",
)
def terra_layer(context: dg.AssetExecutionContext, cadence: CadenceHomeResource):
    with cadence.warehouse() as con:
        runners = read_table(con, contract("coach.runners"))

        def build(ids: list[str]) -> list[pl.DataFrame]:
            chosen = runners.filter(pl.col("runner_id").is_in(ids))
            built = build_terra(raw_frames(con, ids), runner_context(chosen))
            return [getattr(built, t) for t in TERRA_TABLES]

        rebuild = rebuild_runners(
            con,
            [contract(f"terra.{t}") for t in TERRA_TABLES],
            in_passes(runner_ids(runners), RUNNERS_PER_PASS),
            build,
            "terra",
        )
        check = runners_built_result(
            con, TERRA_KEY, len(rebuild.built), rebuild.failures, context.run_id
        )
    for table in TERRA_TABLES:
        yield dg.MaterializeResult(
            asset_key=dg.AssetKey(["terra", table]),
            metadata={"dagster/row_count": rebuild.rows[f"terra.{table}"]},
        )
    yield check


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


COACH_KEY = dg.AssetKey(["coach", "runner_state"])


@dg.multi_asset(
    specs=[
        table_spec("coach", "weekly_summaries", TERRA_DEPS, COACH_DESCRIPTIONS["weekly_summaries"]),
        table_spec("coach", "runner_states", TERRA_DEPS, COACH_DESCRIPTIONS["runner_states"]),
        dg.AssetSpec(
            key=COACH_KEY,
            deps=TERRA_DEPS,
            group_name="coach",
            description=COACH_DESCRIPTIONS["runner_state"],
            kinds={"polars", "duckdb"},
            owners=["team:cadence"],
            metadata={"dagster/column_schema": column_schema(contract("coach.runners"))},
        ),
    ],
    check_specs=[runners_built_spec(COACH_KEY, "coach")],
    pool=WAREHOUSE_POOL,
    name="coach_layer",
)
def coach_layer(context: dg.AssetExecutionContext, cadence: CadenceHomeResource):
    with cadence.warehouse() as con:
        runners = read_table(con, contract("coach.runners"))
        api = RunnerAPI(con)
        now = dt.datetime.now(dt.UTC)
        inferred: dict[str, dict] = {}

        def build(ids: list[str]) -> list[pl.DataFrame]:
            mine = "runner_id IN (SELECT unnest(?))"
            activities = read_table(con, contract("terra.activities"), mine, [ids])
            samples = read_table(con, contract("terra.activity_samples"), mine, [ids])
            built = build_coach(
                activities,
                read_table(con, contract("terra.daily_summaries"), mine, [ids]),
                activity_efforts(activities, samples),
                read_table(con, contract("terra.body_measurements"), mine, [ids]),
                runner_facts(runners.filter(pl.col("runner_id").is_in(ids))),
                now,
            )
            inferred.update(built.runner_updates)
            return [built.weekly_summaries, built.runner_states]

        def record_inference(runner_id: str) -> None:
            # inside the same transaction as the tables, so a failure undoes both
            if runner_id in inferred:
                api.record_inference(runner_id, inferred[runner_id])

        rebuild = rebuild_runners(
            con,
            [contract("coach.weekly_summaries"), contract("coach.runner_states")],
            in_passes(runner_ids(runners), RUNNERS_PER_PASS),
            build,
            "coach",
            on_built=record_inference,
        )
        check = runners_built_result(
            con, COACH_KEY, len(rebuild.built), rebuild.failures, context.run_id
        )
    yield dg.MaterializeResult(
        asset_key=dg.AssetKey(["coach", "weekly_summaries"]),
        metadata={"dagster/row_count": rebuild.rows["coach.weekly_summaries"]},
    )
    yield dg.MaterializeResult(
        asset_key=dg.AssetKey(["coach", "runner_states"]),
        metadata={"dagster/row_count": rebuild.rows["coach.runner_states"]},
    )
    yield dg.MaterializeResult(
        asset_key=COACH_KEY,
        metadata={"runners_updated": len([r for r in rebuild.built if r in inferred])},
    )
    yield check
