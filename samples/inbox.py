"""``write_sample_inbox``: profile.yaml + Strava export + Apple Health export per runner."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from samples.healthkit import HealthTruth, write_healthkit_export
from samples.personas import Persona, personas_for
from samples.profile import build_profile, write_profile
from samples.simulate import Activity, RunnerSim, simulate_runner
from samples.strava import FORMAT_KEYS, StravaTruth, write_strava_export
from samples.timeutil import iso_utc

RUNNER_ID_RE = re.compile(r"^[a-z0-9_-]{1,64}$")


@dataclass(frozen=True)
class ActivityTruth:
    """One simulated activity and where it ended up."""

    activity_id: int
    sport: str
    kind: str
    start_utc: str  # ISO-8601 Z
    tz_name: str
    utc_offset_s: int
    elapsed_s: int
    moving_s: int
    distance_m: float
    strava_filename: str | None  # "activities/<upload id>.<ext>", None if not a file
    in_strava: bool
    in_healthkit: bool
    healthkit_start: str | None  # Apple Health startDate when in_healthkit
    healthkit_distance_m: float | None


@dataclass(frozen=True)
class SampleRunner:
    runner_id: str
    profile: Mapping = field(compare=False, hash=False)
    root: Path
    profile_path: Path
    strava_zip: Path
    healthkit_zip: Path
    # Strava ground truth
    strava_activity_count: int
    strava_files_by_format: Mapping[str, int]  # fit, fit.gz, gpx, gpx.gz, tcx, tcx.gz, none
    strava_activity_types: Mapping[str, int]  # Activity Type column -> rows
    strava_samples_per_file: Mapping[str, int]  # zip member -> records/trackpoints
    # Apple Health ground truth
    healthkit_record_counts: Mapping[str, int]  # Record@type -> count
    healthkit_record_counts_by_source: Mapping[tuple[str, str], int]
    healthkit_workout_count: int
    healthkit_workouts_by_type: Mapping[str, int]
    activity_summary_count: int
    route_files: Mapping[str, int]  # zip member -> trkpt count
    daily_steps: Mapping[dt.date, int]  # Watch-preferred (no double counting)
    daily_steps_naive: Mapping[dt.date, int]  # iPhone + Watch summed (double counted)
    daily_distance_km: Mapping[dt.date, float]
    sleep_seconds: Mapping[dt.date, Mapping[str, int]]  # wake date -> stage -> seconds
    # cross-source
    shared_activity_count: int  # in both Strava and Apple Health (dedup target)
    activities: tuple[ActivityTruth, ...]
    travel: tuple[str, dt.date, dt.date] | None  # (timezone, leave date, return date)

    @property
    def strava_sample_count(self) -> int:
        return sum(self.strava_samples_per_file.values())

    @property
    def route_trackpoint_count(self) -> int:
        return sum(self.route_files.values())


def _activity_truth(a: Activity, hk: HealthTruth) -> ActivityTruth:
    s = a.summary()
    return ActivityTruth(
        activity_id=a.activity_id,
        sport=a.sport,
        kind=a.kind,
        start_utc=iso_utc(a.start_epoch),
        tz_name=a.tz_name,
        utc_offset_s=a.utc_offset_s,
        elapsed_s=a.elapsed_s,
        moving_s=a.moving_s,
        distance_m=round(s["distance_m"], 3),
        strava_filename=(
            f"activities/{a.upload_id}.{a.file_format}" if a.in_strava and a.file_format else None
        ),
        in_strava=a.in_strava,
        in_healthkit=a.in_healthkit,
        healthkit_start=hk.workout_starts.get(a.activity_id),
        healthkit_distance_m=round(s["distance_m"] * a.hk_distance_factor, 3)
        if a.in_healthkit
        else None,
    )


def write_runner(root: Path, sim: RunnerSim, seed: int) -> SampleRunner:
    p = sim.persona
    if not RUNNER_ID_RE.match(p.runner_id):
        raise ValueError(f"invalid runner_id {p.runner_id!r}")
    rdir = Path(root) / p.runner_id
    zip_time = (sim.end_date.year, sim.end_date.month, sim.end_date.day, 23, 59, 58)
    profile = build_profile(sim)
    profile_path = rdir / "profile.yaml"
    write_profile(profile_path, profile)
    athlete = 40_000_000 + sum(map(ord, p.runner_id)) * 9_973 + seed
    strava_zip = rdir / "strava" / f"export_{athlete}.zip"
    st: StravaTruth = write_strava_export(
        strava_zip,
        sim.activities,
        product=p.garmin_product,
        serial_number=3_300_000_000 + athlete % 100_000_000,
        zip_date_time=zip_time,
    )
    hk_zip = rdir / "healthkit" / "export.zip"
    hk = write_healthkit_export(hk_zip, sim, seed=seed, zip_date_time=zip_time)
    acts = tuple(_activity_truth(a, hk) for a in sim.activities)
    for a in sim.activities:
        a.release()
    travel = None
    if sim.timeline.travel is not None:
        t = sim.timeline.travel
        travel = (t.timezone, t.start_date, t.end_date)
    return SampleRunner(
        runner_id=p.runner_id,
        profile=profile,
        root=rdir,
        profile_path=profile_path,
        strava_zip=strava_zip,
        healthkit_zip=hk_zip,
        strava_activity_count=st.activity_count,
        strava_files_by_format={k: st.by_format.get(k, 0) for k in FORMAT_KEYS},
        strava_activity_types=dict(st.by_type),
        strava_samples_per_file=dict(st.samples_per_file),
        healthkit_record_counts=dict(hk.record_counts),
        healthkit_record_counts_by_source=dict(hk.record_counts_by_source),
        healthkit_workout_count=hk.workout_count,
        healthkit_workouts_by_type=dict(hk.workouts_by_type),
        activity_summary_count=hk.activity_summary_count,
        route_files=dict(hk.route_files),
        daily_steps=dict(hk.daily_steps),
        daily_steps_naive=dict(hk.daily_steps_naive),
        daily_distance_km=dict(hk.daily_distance_km),
        sleep_seconds={k: dict(v) for k, v in hk.sleep_seconds.items()},
        shared_activity_count=sum(1 for a in sim.activities if a.in_strava and a.in_healthkit),
        activities=acts,
        travel=travel,
    )


def write_sample_inbox(
    inbox: Path, runners: int = 3, days: int = 120, seed: int = 7, end_date: dt.date | None = None
) -> list[SampleRunner]:
    """Write ``inbox/<runner_id>/{profile.yaml,strava/export_<n>.zip,healthkit/export.zip}``.

    Same arguments give byte-identical files. ``end_date`` defaults to today.
    """
    if runners < 1 or days < 1:
        raise ValueError("runners and days must be >= 1")
    end = end_date if end_date is not None else dt.date.today()
    out = []
    for i, persona in enumerate(personas_for(runners, seed)):
        sim = simulate_runner(persona, i, days, end, seed)
        out.append(write_runner(Path(inbox), sim, seed))
    return out


def benchmark_fit_activities(
    count: int = 1000,
    minutes: int = 60,
    seed: int = 7,
    end_date: dt.date = dt.date(2026, 1, 1),
    persona: Persona | None = None,
) -> Iterator[Activity]:
    """Lazily yield ``count`` one-hour (by default) easy runs recorded as ``.fit.gz``.

    Feed to ``write_strava_export`` to build a large export with bounded memory.
    """
    import random

    from samples.personas import DEFAULT_PERSONAS
    from samples.streams import Segment
    from samples.timeutil import local_to_epoch, offset_seconds

    p = persona or DEFAULT_PERSONAS[0]
    rng = random.Random(f"bench-{seed}")
    speed = 1000.0 / p.easy_pace_s_per_km
    for k in range(count):
        day = end_date - dt.timedelta(days=count - k)
        epoch = local_to_epoch(day, 7 * 3600 + rng.randint(0, 3600), p.timezone)
        yield Activity(
            activity_id=12_000_000_000 + k * 1_117,
            upload_id=13_000_000_000 + k * 1_213,
            sport="run",
            kind="easy",
            local_date=day,
            start_epoch=epoch,
            tz_name=p.timezone,
            utc_offset_s=offset_seconds(epoch, p.timezone),
            segments=[Segment(minutes * 60, speed, "active", lap=False)],
            pause=None,
            recorder="watch",
            file_format="fit.gz",
            has_gps=True,
            has_hr=True,
            has_power=False,
            name="Morning Run",
            description="",
            seed=rng.getrandbits(48),
            threshold_speed=1000.0 / p.threshold_pace_s_per_km,
            resting_hr=p.resting_hr,
            max_hr=p.max_hr,
            weight_kg=p.weight_kg,
            start_lat=p.home_lat,
            start_lon=p.home_lon,
            base_alt=p.home_alt,
        )
