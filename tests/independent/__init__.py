"""A second, independent generator of Cadence inboxes, shaped like real exports.

Built from the formats' documentation and the real files in ../shared/fixtures/real, with
none of `samples/`' code or constants, so the pipeline also meets data it was not written
against: three runners over 45 days (a DST change in Berlin, a trip New York -> Tokyo ->
New York, Kolkata without DST), background and workout heart rates from one Watch at one
second, iPhone and Watch counting the same walks, FIT and GPX (some gzipped) with repeated
instants, and a run whose last km split is a few metres.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import yaml

from tests.independent.apple_health import HealthTruth, write_apple_health_zip
from tests.independent.squad import Run, Runner, local_days, runs_of, squad
from tests.independent.strava import write_strava_zip

END = dt.date(2026, 11, 15)
DAYS = 45
SATURDAY = 5


@dataclass(frozen=True)
class WrittenRunner:
    """One runner's inbox folder and what its exports hold."""

    runner: Runner
    folder: Path
    runs: tuple[Run, ...]
    strava_ids: dict[int, int]  # run number -> Strava activity id
    health: HealthTruth
    days: tuple[dt.date, ...]

    @property
    def runner_id(self) -> str:
        return self.runner.runner_id

    @property
    def healthkit_zip(self) -> Path:
        return self.folder / "healthkit" / "export.zip"


def race_day(end: dt.date) -> dt.date:
    """A Saturday about sixteen weeks on (no runner blocks Saturdays; races are fixed days)."""
    day = end + dt.timedelta(days=110)
    return day + dt.timedelta(days=(SATURDAY - day.weekday()) % 7)


def write_runner(
    inbox: Path,
    runner: Runner,
    *,
    seed: int,
    end: dt.date = END,
    days: int = DAYS,
    health_days: int | None = None,
) -> WrittenRunner:
    """The runner's profile, Strava export (`days` up to `end`) and Apple Health export
    (`health_days` up to `end + health_days - days`, default the same window)."""
    first = end - dt.timedelta(days=days - 1)
    calendar = local_days(first, health_days or days)
    runs = runs_of(runner, seed, calendar, strava_until=end)
    folder = inbox / runner.runner_id
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "profile.yaml").write_text(
        yaml.safe_dump(runner.profile, sort_keys=False), encoding="utf-8"
    )
    athlete = 510 + sum(map(ord, runner.runner_id)) % 400
    strava_ids = write_strava_zip(folder / "strava" / f"export_{athlete}.zip", runs, athlete)
    health = write_apple_health_zip(
        folder / "healthkit" / "export.zip", runner, calendar, runs, seed
    )
    return WrittenRunner(runner, folder, tuple(runs), strava_ids, health, tuple(calendar))


def write_independent_inbox(
    inbox: Path, *, seed: int = 2026, end: dt.date = END, days: int = DAYS
) -> list[WrittenRunner]:
    """`inbox/<runner_id>/{profile.yaml, strava/export_<n>.zip, healthkit/export.zip}`."""
    first = end - dt.timedelta(days=days - 1)
    return [
        write_runner(inbox, runner, seed=seed, end=end, days=days)
        for runner in squad(first, race_day(end))
    ]
