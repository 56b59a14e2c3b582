"""Realistic, seeded, reproducible sample exports (Strava bulk export + Apple Health export).

``write_sample_inbox`` is the entry point; the lower-level writers are for benchmarks.
"""

from samples.healthkit import HealthTruth, write_healthkit_export
from samples.inbox import (
    ActivityTruth,
    SampleRunner,
    benchmark_fit_activities,
    write_runner,
    write_sample_inbox,
)
from samples.personas import DEFAULT_PERSONAS, Persona, personas_for
from samples.simulate import Activity, RunnerSim, simulate_runner
from samples.strava import ACTIVITIES_CSV_HEADER, StravaTruth, write_strava_export

__all__ = [
    "ACTIVITIES_CSV_HEADER",
    "DEFAULT_PERSONAS",
    "Activity",
    "ActivityTruth",
    "HealthTruth",
    "Persona",
    "RunnerSim",
    "SampleRunner",
    "StravaTruth",
    "benchmark_fit_activities",
    "personas_for",
    "simulate_runner",
    "write_healthkit_export",
    "write_runner",
    "write_sample_inbox",
    "write_strava_export",
]
