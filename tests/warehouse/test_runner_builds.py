"""One runner's bad rows or failing build never stop another: rebuild_runners on a real
DuckDB warehouse."""

from __future__ import annotations

import datetime as dt

import duckdb
import polars as pl
import pytest

from warehouse.connection import read_table
from warehouse.contracts import contract
from warehouse.runner_builds import EveryRunnerFailed, in_passes, rebuild_runners

BODY = contract("terra.body_measurements")
MEASURED = dt.datetime(2026, 11, 1, 7, tzinfo=dt.UTC)


def weigh_ins(runner_id: str, *weights: float) -> pl.DataFrame:
    return BODY.conform(
        pl.DataFrame(
            {
                "body_measurement_id": [f"{runner_id}-{i}" for i in range(len(weights))],
                "runner_id": [runner_id] * len(weights),
                "user_id": [runner_id] * len(weights),
                "source": ["healthkit"] * len(weights),
                "measured_at": [MEASURED + dt.timedelta(days=i) for i in range(len(weights))],
                "weight_kg": list(weights),
            }
        )
    )


def stored(con: duckdb.DuckDBPyConnection) -> dict[str, list[float]]:
    frame = read_table(con, BODY).sort("body_measurement_id")
    return {
        runner: group["weight_kg"].to_list()
        for (runner,), group in frame.group_by("runner_id", maintain_order=True)
    }


@pytest.fixture
def with_old_rows(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """Last good rows of three runners: 60 kg each."""
    rebuild_runners(
        con,
        [BODY],
        [["ana", "ben", "cat"]],
        lambda ids: [pl.concat(weigh_ins(r, 60.0) for r in ids)],
        "terra",
    )
    return con


def test_a_runner_whose_rows_break_a_contract_keeps_its_old_rows_and_the_others_are_rebuilt(
    with_old_rows: duckdb.DuckDBPyConnection,
):
    new = {
        "ana": weigh_ins("ana", 61.0, 62.0),
        "ben": weigh_ins("ben", 0.0),
        "cat": weigh_ins("cat", 59.0),
    }

    result = rebuild_runners(
        with_old_rows,
        [BODY],
        [["ana", "ben", "cat"]],
        lambda ids: [pl.concat(new[r] for r in ids)],
        "terra",
    )

    assert stored(with_old_rows) == {"ana": [61.0, 62.0], "ben": [60.0], "cat": [59.0]}
    assert result.built == ["ana", "cat"]
    assert result.rows == {"terra.body_measurements": 3}
    [failure] = result.failures
    assert (failure.runner_id, failure.layer, failure.table) == (
        "ben",
        "terra",
        BODY.qualified_name,
    )
    assert failure.check == "weight_kg: in_range(20, 300)"
    assert "first values: 0.0" in failure.sentence
    assert failure.sentence.startswith("Runner ben was not rebuilt in terra")
    rejection = failure.rejection()
    assert (rejection.runner_id, rejection.target_table, rejection.source) == (
        "ben",
        BODY.qualified_name,
        "terra",
    )


def test_a_runner_whose_build_raises_fails_alone_with_the_errors_first_line(
    with_old_rows: duckdb.DuckDBPyConnection,
):
    def build(ids: list[str]) -> list[pl.DataFrame]:
        if "cat" in ids:
            raise ZeroDivisionError("float division by zero\n  deep inside a transform")
        return [pl.concat(weigh_ins(r, 70.0) for r in ids)]

    result = rebuild_runners(
        with_old_rows, [BODY], in_passes(["cat", "ana", "ben"], 2), build, "coach"
    )

    assert stored(with_old_rows) == {"ana": [70.0], "ben": [70.0], "cat": [60.0]}
    [failure] = result.failures
    assert failure.runner_id == "cat"
    assert failure.check == "ZeroDivisionError"
    assert "ZeroDivisionError: float division by zero" in failure.sentence
    assert "deep inside" not in failure.sentence


def test_a_failure_in_what_goes_with_a_runners_rows_fails_that_runner_and_writes_none_of_them(
    with_old_rows: duckdb.DuckDBPyConnection,
):
    recorded = []

    def record(runner_id: str) -> None:
        if runner_id == "ana":
            raise ValueError("current_state.vdot: must be at most 85")
        recorded.append(runner_id)

    result = rebuild_runners(
        with_old_rows,
        [BODY],
        [["ana", "ben", "cat"]],
        lambda ids: [pl.concat(weigh_ins(r, 65.0) for r in ids)],
        "coach",
        on_built=record,
    )

    assert stored(with_old_rows) == {"ana": [60.0], "ben": [65.0], "cat": [65.0]}
    assert recorded == ["ben", "cat"]
    assert [f.runner_id for f in result.failures] == ["ana"]


def test_a_runner_rebuilt_to_nothing_loses_its_rows_and_a_failure_half_way_writes_nothing(
    with_old_rows: duckdb.DuckDBPyConnection,
):
    rebuild_runners(with_old_rows, [BODY], [["ana"]], lambda ids: [BODY.empty_frame()], "terra")
    assert stored(with_old_rows) == {"ben": [60.0], "cat": [60.0]}

    def interrupted(ids: list[str]) -> list[pl.DataFrame]:
        if ids == ["cat"]:
            raise KeyboardInterrupt  # not a runner's fault: the whole layer stops, undone
        return [pl.concat(weigh_ins(r, 80.0) for r in ids)]

    with pytest.raises(KeyboardInterrupt):
        rebuild_runners(with_old_rows, [BODY], [["ben"], ["cat"]], interrupted, "terra")
    assert stored(with_old_rows) == {"ben": [60.0], "cat": [60.0]}


def test_when_every_runner_fails_the_cause_is_not_their_data_and_nothing_is_written(
    with_old_rows: duckdb.DuckDBPyConnection,
):
    def unreadable(ids: list[str]) -> list[pl.DataFrame]:
        raise OSError("No space left on device")

    with pytest.raises(EveryRunnerFailed, match=r"Every runner failed in terra.*No space left"):
        rebuild_runners(with_old_rows, [BODY], [["ana", "ben"], ["cat"]], unreadable, "terra")
    assert stored(with_old_rows) == {"ana": [60.0], "ben": [60.0], "cat": [60.0]}
