"""Strava bulk-export reader: 1,000 one-hour FIT activities (1 Hz), end to end."""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

from benchmarks.harness import Result
from pipelines.ingest import run_ingest
from pipelines.strava import read_strava_export
from samples import benchmark_fit_activities, write_strava_export
from warehouse.settings import CadenceHome

SUITE = "strava"
ACTIVITIES = int(os.environ.get("CADENCE_BENCH_STRAVA_ACTIVITIES", "1000"))


def _read(export: Path, workers: int) -> tuple[float, int, int, int]:
    """(seconds, files decoded, sample rows, rejections) for one full read."""
    started = time.perf_counter()
    read = read_strava_export(export, "bench", workers=workers)
    samples = files = 0
    for batch in read.batches():
        if batch.table.name == "samples":
            samples += batch.rows.num_rows
        elif batch.table.name == "activity_files":
            files += batch.rows.num_rows
    return time.perf_counter() - started, files, samples, len(read.rejections)


def run() -> list[Result]:
    results = []
    with tempfile.TemporaryDirectory() as scratch:
        export = Path(scratch) / "export_bench.zip"
        started = time.perf_counter()
        truth = write_strava_export(export, benchmark_fit_activities(ACTIVITIES))
        generated = time.perf_counter() - started
        size_mb = export.stat().st_size / 1e6
        results.append(
            Result(
                SUITE,
                f"generate export ({ACTIVITIES} x 1 h FIT)",
                generated,
                "s",
                1,
                f"{size_mb:.0f} MB zip, {sum(truth.samples_per_file.values()):,} records",
            )
        )
        for workers in (2, 1):
            seconds, files, samples, rejected = _read(export, workers)
            note = f"workers={workers}, {files} files, {samples:,} samples, {rejected} rejected"
            results.append(Result(SUITE, f"read export, workers={workers}", seconds, "s", 1, note))
            if workers == 2:
                results.append(
                    Result(SUITE, "read throughput (files)", files / seconds, "files/s", 1, note)
                )
                results.append(
                    Result(SUITE, "read throughput (records)", samples / seconds, "records/s", 1)
                )
        results.append(_full_ingest(export, scratch))
    return results


def _full_ingest(export: Path, scratch: str) -> Result:
    """The issue's target: reading plus the dlt load into DuckDB, under 2 minutes."""
    home = CadenceHome(Path(scratch) / "home").create()
    runner = home.inbox / "bench" / "strava"
    runner.mkdir(parents=True)
    export.rename(runner / export.name)
    started = time.perf_counter()
    report = run_ingest(home)
    seconds = time.perf_counter() - started
    samples = report.rows_by_table.get("raw_strava.samples", 0)
    return Result(
        SUITE,
        "full ingest (read + dlt load), target < 120 s",
        seconds,
        "s",
        1,
        f"{samples:,} sample rows into DuckDB",
    )
