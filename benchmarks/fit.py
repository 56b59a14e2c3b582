"""FIT workout export: files per second to encode, and to export to disk, 2,000 sessions.

The sessions are a realistic mix (easy and long runs, tempo runs with warm-up and cool-down,
interval sessions with repeats and recoveries) for 20 runners x 100 days. Target: at least
1,000 files/s for the export.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path
from typing import Any

import polars as pl

from assets.fit_export import export_workouts
from benchmarks.harness import Result, median_seconds
from tests.plan_rows import structure_segment
from transforms.fit_workouts import encode_workout
from warehouse.contracts import contract

SUITE = "fit"
RUNNERS = 20
DAYS = 100
START = dt.date(2026, 9, 7)


def _segment(index: int, segment_type: str, description: str, **values: Any) -> dict[str, Any]:
    return structure_segment(index, segment_type, description=description, **values)


def _structure(session_type: str, day: int) -> list[dict[str, Any]]:
    easy = {"pace_min_sec_per_km": 340.0, "pace_max_sec_per_km": 375.0, "intensity_zone": "E"}
    warmup = _segment(1, "warmup", "Easy jog, loosen up", duration_seconds=900.0, **easy)
    if session_type == "easy":
        return [_segment(1, "steady", "Conversational pace", distance_km=6.0 + day % 4, **easy)]
    if session_type == "long":
        return [
            _segment(
                1, "steady", "Steady long run", distance_km=14.0, hr_min_bpm=130.0, hr_max_bpm=148.0
            )
        ]
    if session_type == "tempo":
        return [
            warmup,
            _segment(
                2,
                "work",
                "Comfortably hard, even effort",
                duration_seconds=1200.0,
                pace_min_sec_per_km=290.0,
                pace_max_sec_per_km=300.0,
                intensity_zone="T",
            ),
            _segment(3, "cooldown", "Easy jog home", duration_seconds=600.0),
        ]
    return [
        warmup,
        _segment(
            2,
            "repeat",
            "800 m at interval pace",
            distance_km=0.8,
            repetitions=5 + day % 3,
            pace_min_sec_per_km=262.0,
            pace_max_sec_per_km=272.0,
            intensity_zone="I",
            recovery_duration_seconds=120.0,
        ),
        _segment(3, "repeat", "Strides", duration_seconds=20.0, repetitions=4),
        _segment(4, "cooldown", "Easy jog, then stretch"),
    ]


WEEK = ("easy", "interval", "easy", "tempo", "easy", "long", "easy")
DISPLAY = {"easy": "Easy Run", "interval": "Intervals", "tempo": "Tempo Run", "long": "Long Run"}


def sessions() -> pl.DataFrame:
    """RUNNERS x DAYS planned runs (no rest days: every row becomes a file)."""
    rows = []
    for runner in range(RUNNERS):
        for day in range(DAYS):
            kind = WEEK[day % 7]
            date = START + dt.timedelta(days=day)
            rows.append(
                {
                    "session_id": f"runner-{runner:02d}-{date.isoformat()}",
                    "plan_id": f"plan-{runner:02d}",
                    "runner_id": f"runner-{runner:02d}",
                    "scheduled_date": date,
                    "session_type": kind,
                    "display_type": DISPLAY[kind],
                    "is_rest_day": False,
                    "structure_segments": _structure(kind, day),
                }
            )
    return contract("plans.planned_sessions").conform(pl.DataFrame(rows))


def run() -> list[Result]:
    frame = sessions()
    dicts = frame.to_dicts()
    steps = sum(encode_workout(s).step_count for s in dicts)
    results = [
        Result(
            SUITE,
            f"encode {len(dicts):,} workouts",
            len(dicts) / median_seconds(lambda: [encode_workout(s) for s in dicts]),
            "files/s",
            5,
            f"{steps / len(dicts):.1f} steps per file, one process",
        )
    ]
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        counter = iter(range(1_000))
        results.append(
            Result(
                SUITE,
                f"export {frame.height:,} workouts to disk",
                frame.height
                / median_seconds(lambda: export_workouts(root / str(next(counter)), frame)),
                "files/s",
                5,
                "fresh folder: encode, atomic write, README, plans.fit_files rows; target >= 1,000",
            )
        )
        again = root / "again"
        export_workouts(again, frame)
        results.append(
            Result(
                SUITE,
                f"re-export {frame.height:,} unchanged workouts",
                frame.height / median_seconds(lambda: export_workouts(again, frame)),
                "files/s",
                5,
                "every file already up to date",
            )
        )
    return results
