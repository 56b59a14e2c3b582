"""Rebuilding a layer's tables runner by runner: one runner's bad data never stops another.

A layer is built in passes of a few runners (memory stays bounded by a pass). When a pass
fails, because its build raised or a frame broke its contract, it is built again one runner at
a time, so that exactly the runners at fault fail. A runner that fails keeps its last good
rows: only the rows of runners rebuilt successfully are replaced. Each failure is one
`RunnerFailure` (a sentence for the terminal, a row for `quarantine.rejected`). The whole
layer is written in one transaction, so a run killed half way leaves the warehouse as it was.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field

import duckdb
import pandera.errors
import polars as pl

from warehouse.connection import transaction
from warehouse.contract import TableContract
from warehouse.error_text import exception_sentence
from warehouse.quarantine import Rejection

VALUES_SHOWN = 3
"""Offending values quoted in a failure's sentence."""


@dataclass(frozen=True)
class RunnerFailure:
    """Why one runner's layer was not rebuilt (it keeps its last good rows)."""

    runner_id: str
    layer: str
    cause: str
    """What went wrong, as one sentence fragment: the check and its first offending values,
    or the error's first line."""
    table: str | None = None
    """The table whose contract the rows broke, when a contract is the cause."""
    check: str | None = None
    """The failed check (`column: check`), or the error's type."""

    @property
    def sentence(self) -> str:
        return (
            f"Runner {self.runner_id} was not rebuilt in {self.layer} and keeps its last good "
            f"rows: {self.cause}."
        )

    def rejection(self) -> Rejection:
        return Rejection(
            source=self.layer,
            source_file=self.table or f"{self.layer} layer",
            location=self.check or "build",
            reason=self.sentence,
            runner_id=self.runner_id,
            target_table=self.table,
        )


@dataclass
class RunnerRebuild:
    """What a layer's rebuild wrote and which runners failed."""

    rows: dict[str, int]
    built: list[str] = field(default_factory=list)
    failures: list[RunnerFailure] = field(default_factory=list)


class BrokenContract(Exception):  # noqa: N818 - reads as the fact it reports
    """Rows that broke a table's contract, with the runners they belong to (empty when the
    failure cannot be pinned on rows, e.g. a missing column)."""

    def __init__(self, table: TableContract, cases: pl.DataFrame, runners: dict[str, str]):
        self.table, self.cases, self.runners = table, cases, runners
        super().__init__(f"{table.qualified_name} broke its contract")


class EveryRunnerFailed(RuntimeError):  # noqa: N818 - reads as the fact it reports
    def __init__(self, failures: list[RunnerFailure]):
        self.failures = failures
        super().__init__(
            f"Every runner failed in {failures[0].layer}, so the cause is not one runner's data; "
            f"nothing was written. The first: {failures[0].sentence}"
        )


def _cause(table: TableContract, cases: pl.DataFrame) -> tuple[str, str]:
    """(check, cause) of the first failed check: its column, check and first values."""
    first = cases.row(0, named=True)
    column, check = first["column"] or "the table", first["check"]
    values = (
        cases.filter((pl.col("column") == first["column"]) & (pl.col("check") == check))[
            "failure_case"
        ]
        .drop_nulls()
        .unique(maintain_order=True)
        .head(VALUES_SHOWN)
        .to_list()
    )
    shown = f" (first values: {', '.join(map(str, values))})" if values else ""
    return f"{column}: {check}", f"{table.qualified_name} failed {column}: {check}{shown}"


def validate_runner_rows(table: TableContract, frame: pl.DataFrame) -> pl.DataFrame:
    """The conformed, validated frame; or BrokenContract naming the runners whose rows broke
    it (a row's `runner_id`, found through pandera's row index)."""
    conformed = table.conform(frame)
    try:
        return table.validate(conformed)
    except pandera.errors.SchemaErrors as errors:
        cases = errors.failure_cases
        runners: dict[str, str] = {}
        if "runner_id" in conformed.columns and cases["index"].is_not_null().all():
            owners = conformed["runner_id"].gather(cases["index"].cast(pl.Int64))
            for owner in owners.unique(maintain_order=True).drop_nulls().to_list():
                runners[owner] = _cause(table, cases.filter(owners == owner))[1]
        raise BrokenContract(table, cases, runners) from None


def runner_failure(runner_id: str, layer: str, error: Exception) -> RunnerFailure:
    """The failure an error makes of one runner's build."""
    if isinstance(error, BrokenContract):
        check, cause = _cause(error.table, error.cases)
        return RunnerFailure(
            runner_id, layer, error.runners.get(runner_id, cause), error.table.qualified_name, check
        )
    return RunnerFailure(runner_id, layer, exception_sentence(error), check=type(error).__name__)


Build = Callable[[list[str]], Sequence[pl.DataFrame]]
"""Builds a pass: the frames of the given runners, one per table, in the tables' order."""


def _build_pass(
    tables: Sequence[TableContract], build: Build, runner_ids: list[str], layer: str
) -> tuple[list[pl.DataFrame], list[str], list[RunnerFailure]]:
    """The validated frames of the runners that built, those runners, and the failures."""
    try:
        frames = [
            validate_runner_rows(t, f) for t, f in zip(tables, build(runner_ids), strict=True)
        ]
        return frames, runner_ids, []
    except Exception as error:
        if len(runner_ids) == 1:
            return [], [], [runner_failure(runner_ids[0], layer, error)]
    frames_by_table: list[list[pl.DataFrame]] = [[] for _ in tables]
    built, failures = [], []
    for runner_id in runner_ids:
        runner_frames, ok, failed = _build_pass(tables, build, [runner_id], layer)
        failures += failed
        built += ok
        for collected, frame in zip(frames_by_table, runner_frames, strict=False):
            collected.append(frame)
    return (
        [
            pl.concat(f) if f else t.empty_frame()
            for t, f in zip(tables, frames_by_table, strict=True)
        ],
        built,
        failures,
    )


def rebuild_runners(
    con: duckdb.DuckDBPyConnection,
    tables: Sequence[TableContract],
    passes: Iterable[list[str]],
    build: Build,
    layer: str,
    on_built: Callable[[str], None] | None = None,
) -> RunnerRebuild:
    """Rebuild `tables` for the runners of every pass, in one transaction: each runner's rows
    are replaced by what `build` made of them if they passed every contract; a runner whose
    build raised or whose rows broke a contract keeps its old rows and is reported.
    `on_built(runner_id)` writes whatever else goes with a runner's new rows (in the same
    transaction, before them); if it raises, that runner fails too. When every runner fails,
    the cause is not a runner's data: EveryRunnerFailed undoes the layer and fails the step."""
    result = RunnerRebuild(rows={t.qualified_name: 0 for t in tables})
    with transaction(con):
        for runner_ids in passes:
            frames, built, failures = _build_pass(tables, build, runner_ids, layer)
            if on_built is not None:
                for runner_id in built:
                    try:
                        on_built(runner_id)
                    except Exception as error:
                        failures.append(runner_failure(runner_id, layer, error))
            failed = {f.runner_id for f in failures}
            built = [r for r in built if r not in failed]
            result.failures += failures
            if not built:
                continue
            for table, frame in zip(tables, frames, strict=True):
                kept = frame.filter(~pl.col("runner_id").is_in(list(failed)))
                _replace_runners(con, table, built, kept)
                result.rows[table.qualified_name] += kept.height
            result.built += built
        if result.failures and not result.built:
            raise EveryRunnerFailed(result.failures)
    return result


def _replace_runners(
    con: duckdb.DuckDBPyConnection, table: TableContract, runner_ids: list[str], rows: pl.DataFrame
) -> None:
    con.execute(
        f"DELETE FROM {table.qualified_name} WHERE runner_id IN (SELECT unnest(?))", [runner_ids]
    )
    con.register("_cadence_rows", rows.to_arrow())
    try:
        con.execute(f"INSERT INTO {table.qualified_name} BY NAME SELECT * FROM _cadence_rows")
    finally:
        con.unregister("_cadence_rows")


def in_passes(runner_ids: Iterable[str], per_pass: int) -> Iterator[list[str]]:
    """The runners in sorted passes of at most `per_pass`."""
    ordered = sorted(runner_ids)
    for start in range(0, len(ordered), per_pass):
        yield ordered[start : start + per_pass]
