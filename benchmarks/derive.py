"""Rebuilding terra and coach from raw tables: seconds per runner-year at 10 and 100.

One runner-year of full-density sample exports is generated and ingested for real, then
its raw frames are replicated under other runner ids (in memory) to 10 and 100 runner-years,
and the pure builders are timed on them. Target: under 1 s per runner-year, and linear
(100 runner-years at most 12x the time of 10).
"""

from __future__ import annotations

import datetime as dt
import os
import statistics
import tempfile
import time
from dataclasses import fields
from pathlib import Path

import polars as pl

from assets.layers import RUNNERS_PER_PASS, raw_frames
from benchmarks.harness import Result
from pipelines.ingest import run_ingest
from samples import write_sample_inbox
from transforms.coach import activity_efforts, build_coach
from transforms.terra import RawFrames, RunnerContext, build_terra
from warehouse.connection import open_warehouse
from warehouse.settings import CadenceHome

SUITE = "derive"
SCALES = tuple(int(n) for n in os.environ.get("CADENCE_BENCH_RUNNER_YEARS", "10,100").split(","))
REPEATS = int(os.environ.get("CADENCE_BENCH_REPEATS", "3"))
"""Runs of each scale; the median is reported (on this VM single runs vary by 1.5x)."""
END = dt.date(2026, 11, 1)


def _one_runner_year(scratch: Path) -> RawFrames:
    home = CadenceHome(scratch / "home").create()
    write_sample_inbox(home.inbox, runners=1, days=365, seed=21, end_date=END)
    run_ingest(home)
    with open_warehouse(home.warehouse) as con:
        return raw_frames(con)


def _replicate(raw: RawFrames, first: int, copies: int) -> RawFrames:
    def many(frame: pl.DataFrame) -> pl.DataFrame:
        if frame.width == 0:
            return frame
        # the runner ids chunked like the other columns, as frames read from DuckDB are:
        # a frame with one column chunked otherwise is copied whole by its first operation
        lengths = frame.to_series(0).chunk_lengths()
        return pl.concat(
            frame.with_columns(
                pl.concat(
                    [pl.repeat(f"runner-{k:03d}", n, dtype=pl.String, eager=True) for n in lengths],
                    rechunk=False,
                ).alias("runner_id")
            )
            for k in range(first, first + copies)
        )

    return RawFrames(*(many(getattr(raw, f.name)) for f in fields(RawFrames)))


def _context(first: int, copies: int) -> tuple[RunnerContext, pl.DataFrame]:
    runners = pl.DataFrame(
        {
            "runner_id": [f"runner-{k:03d}" for k in range(first, first + copies)],
            "timezone": ["Europe/Lisbon"] * copies,
            "age": [41] * copies,
            "biological_sex": ["female"] * copies,
            "rest_hr_bpm": [52.0] * copies,
            "max_hr_bpm": [183.0] * copies,
            "threshold_pace_sec_per_km": [290.0] * copies,
            "personal_bests": [None] * copies,
            "has_injury_history": [False] * copies,
            "current_pain_severity": [None] * copies,
            "race_date": [None] * copies,
        },
        schema_overrides={"current_pain_severity": pl.Float64, "race_date": pl.Date},
    )
    priorities = pl.DataFrame(
        schema={"runner_id": pl.String, "source": pl.String, "priority": pl.Int64}
    )
    return RunnerContext(runners, priorities), runners


def _rebuild_seconds(base: RawFrames, years: int) -> float:
    """Seconds to build terra and coach for `years` copies of the runner-year, in the same
    passes the terra and coach assets make (RUNNERS_PER_PASS runners at a time)."""
    total = 0.0
    for first in range(0, years, RUNNERS_PER_PASS):
        copies = min(RUNNERS_PER_PASS, years - first)
        raw = _replicate(base, first, copies)
        context, runners = _context(first, copies)
        started = time.perf_counter()
        terra = build_terra(raw, context)
        efforts = activity_efforts(terra.activities, terra.activity_samples)
        build_coach(
            terra.activities,
            terra.daily_summaries,
            efforts,
            terra.body_measurements,
            runners,
            dt.datetime.now(dt.UTC),
        )
        total += time.perf_counter() - started
        del raw, terra
    return total


def run() -> list[Result]:
    results = []
    with tempfile.TemporaryDirectory() as scratch:
        started = time.perf_counter()
        base = _one_runner_year(Path(scratch))
        results.append(
            Result(
                SUITE,
                "generate + ingest 1 runner-year",
                time.perf_counter() - started,
                "s",
                1,
                f"{base.strava_samples.height:,} Strava "
                f"samples, {base.hk_records.height:,} Apple Health records",
            )
        )
    seconds = {}
    for years in SCALES:
        timings = [_rebuild_seconds(base, years) for _ in range(REPEATS)]
        seconds[years] = statistics.median(timings)
        result = Result(
            SUITE,
            f"rebuild terra + coach, {years} runner-years",
            seconds[years] / years,
            "s/runner-year",
            REPEATS,
            f"median {seconds[years]:.1f} s (runs {min(timings):.1f}-{max(timings):.1f} s) in "
            f"passes of {RUNNERS_PER_PASS}; target < 1 s/runner-year",
        )
        print(result, flush=True)
        results.append(result)
    if len(SCALES) == 2:
        small, large = SCALES
        results.append(
            Result(
                SUITE,
                f"scaling {large} vs {small} runner-years",
                seconds[large] / seconds[small],
                "x",
                REPEATS,
                f"ratio of the medians; linear would be {large / small:.0f}x, target <= 12x",
            )
        )
    return results
