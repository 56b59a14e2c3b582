"""Foundation: sample-export generation, DDL, contract validation, runner API."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

from benchmarks.harness import Result, median_seconds
from samples import write_sample_inbox
from tests.contract_values import valid_frame
from warehouse.connection import connect, open_warehouse
from warehouse.contracts import contract
from warehouse.ddl import apply_ddl
from warehouse.runners import RunnerAPI

SUITE = "foundation"
END = dt.date(2026, 11, 1)


def run() -> list[Result]:
    results = []
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)

        def write_inbox() -> None:
            target = Path(tempfile.mkdtemp(dir=root))
            write_sample_inbox(target, runners=3, days=120, seed=7, end_date=END)

        seconds = median_seconds(write_inbox, runs=3)
        size = sum(p.stat().st_size for p in root.rglob("*") if p.is_file()) / 3 / 1e6
        results.append(
            Result(
                SUITE,
                "sample inbox 3 runners x 120 days",
                seconds,
                "s",
                3,
                f"{size:.0f} MB of exports per inbox",
            )
        )

        def fresh_ddl() -> None:
            con = connect(Path(tempfile.mkdtemp(dir=root)) / "w.duckdb")
            apply_ddl(con)
            con.close()

        results.append(
            Result(
                SUITE,
                "create every schema/table/comment",
                median_seconds(fresh_ddl),
                "s",
                5,
                "fresh warehouse",
            )
        )

        activities = contract("terra.activities")
        frame = valid_frame(activities, rows=7)
        big = frame.sample(100_000, with_replacement=True, seed=1).with_row_index("i")
        big = big.with_columns(big["i"].cast(str).alias("activity_id")).drop("i")
        seconds = median_seconds(lambda: activities.validate(big), runs=3)
        results.append(
            Result(
                SUITE,
                "validate terra.activities (all checks)",
                big.height / seconds,
                "rows/s",
                3,
                "100k rows, nested laps",
            )
        )

        with open_warehouse(root / "runners.duckdb") as con:
            api = RunnerAPI(con)
            counter = iter(range(10**6))
            seconds = median_seconds(lambda: api.create_runner(f"u{next(counter)}", "Ana"), 20)
            results.append(Result(SUITE, "create_runner", seconds * 1000, "ms", 20))
            runner_id = api.create_runner("bench", "Bench")["runner_id"]
            seconds = median_seconds(lambda: api.update_runner(runner_id, {"physical.age": 40}), 20)
            results.append(Result(SUITE, "update_runner (validated)", seconds * 1000, "ms", 20))
    return results
