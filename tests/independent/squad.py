"""Who the independent squad is and what each runner did, day by day.

Everything random is drawn from a generator seeded by (seed, runner, day), so a longer
window repeats the shorter one's days exactly: a newer export is a true superset.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from dataclasses import dataclass
from zoneinfo import ZoneInfo

SAMPLE_INTERVAL_S = 5
"""Smart recording: one point every few seconds, as watches write by default."""
EARTH_RADIUS_M = 6_371_000.0


@dataclass(frozen=True)
class Stay:
    """From `since` (local date at home) the runner lives in `zone`."""

    since: dt.date
    zone: str


@dataclass(frozen=True)
class Runner:
    runner_id: str
    name: str
    stays: tuple[Stay, ...]
    home: tuple[float, float]
    run_weekdays: frozenset[int]  # Monday = 0
    easy_pace_s_per_km: float
    morning_hour: int
    profile: dict

    def zone_at(self, instant: dt.datetime) -> ZoneInfo:
        """The zone the runner was in at `instant` (a stay begins at midnight, local)."""
        zone = self.stays[0].zone
        for stay in self.stays:
            since = dt.datetime.combine(stay.since, dt.time(), ZoneInfo(stay.zone))
            if since <= instant:
                zone = stay.zone
        return ZoneInfo(zone)

    def zone_on(self, day: dt.date) -> ZoneInfo:
        zone = self.stays[0].zone
        for stay in self.stays:
            if stay.since <= day:
                zone = stay.zone
        return ZoneInfo(zone)


@dataclass(frozen=True)
class Point:
    """One recorded instant of a run: seconds since the start, metres, position, heart rate."""

    elapsed_s: int
    distance_m: float
    lat: float
    lon: float
    altitude_m: float
    heart_rate: int


@dataclass(frozen=True)
class Run:
    runner_id: str
    number: int  # 1.. in time order, per runner
    start: dt.datetime  # aware, in the zone the runner was in
    points: tuple[Point, ...]
    strava_format: str | None  # "fit", "fit.gz", "gpx", "gpx.gz"; None: not on Strava
    in_apple_health: bool
    repeated_instants: int  # sample timestamps written twice in the Strava file

    @property
    def duration_s(self) -> int:
        return self.points[-1].elapsed_s

    @property
    def distance_m(self) -> float:
        return self.points[-1].distance_m

    @property
    def end(self) -> dt.datetime:
        return self.start + dt.timedelta(seconds=self.duration_s)

    @property
    def local_date(self) -> dt.date:
        return self.start.date()


def _profile(
    name: str, zone: str, race_km: float, race_day: dt.date, target_s: int, blocked: list[str]
) -> dict:
    """A profile.yaml under the Runner Object's sections, with the seed's own field names."""
    return {
        "identity": {"name": name, "timezone": zone},
        "physical": {"age": 34, "weight": 63.5, "height": 171},
        "running": {
            "experience_level": "serious",
            "months_running": 60,
            "current_frequency": 4,
            "current_volume": 38,
            "easy_pace": "5:40/km",
            "training_consistency": "high",
        },
        "goals": {
            "goal_type": "race",
            "race_distance": race_km,
            "race_date": race_day.isoformat(),
            "target_time": target_s,
        },
        "schedule": {
            "available_days": 4,
            "blocked_days": blocked,
            "preferred_time": "morning",
        },
        "health": {
            "past_injuries": ["shin_splints"],
            "current_pain": [],
            "recovery_style": "quick",
            "sleep_quality": "solid",
            "stress_level": "moderate",
        },
        "coaching": {"coaching_voice": "analytical", "data_orientation": "data_driven"},
    }


def squad(start: dt.date, race_day: dt.date) -> tuple[Runner, ...]:
    """Berlin across the end of summer time, a New Yorker who flies to Tokyo and back (and
    crosses the US change too), and a runner in Kolkata (+05:30, no DST)."""
    return (
        Runner(
            runner_id="lena-berlin",
            name="Lena",
            stays=(Stay(start, "Europe/Berlin"),),
            home=(52.5145, 13.3501),
            run_weekdays=frozenset({1, 3, 5, 6}),
            easy_pace_s_per_km=335.0,
            morning_hour=6,
            profile=_profile("Lena", "Europe/Berlin", 21.0975, race_day, 6_300, ["monday"]),
        ),
        Runner(
            runner_id="marcus_travels",
            name="Marcus",
            stays=(
                Stay(start, "America/New_York"),
                Stay(start + dt.timedelta(days=17), "Asia/Tokyo"),
                Stay(start + dt.timedelta(days=27), "America/New_York"),
            ),
            home=(40.7812, -73.9665),
            run_weekdays=frozenset({0, 2, 5, 6}),
            easy_pace_s_per_km=350.0,
            morning_hour=7,
            profile=_profile("Marcus", "America/New_York", 42.195, race_day, 12_600, ["friday"]),
        ),
        Runner(
            runner_id="priya",
            name="Priya",
            stays=(Stay(start, "Asia/Kolkata"),),
            home=(12.9716, 77.5946),
            run_weekdays=frozenset({0, 2, 3, 5}),
            easy_pace_s_per_km=365.0,
            morning_hour=5,
            profile=_profile("Priya", "Asia/Kolkata", 10.0, race_day, 3_000, ["sunday"]),
        ),
    )


def day_random(seed: int, runner: Runner, day: dt.date, purpose: str) -> random.Random:
    return random.Random(f"{seed}/{runner.runner_id}/{day.isoformat()}/{purpose}")


def _course(runner: Runner, rng: random.Random, duration_s: int, distance_m: float) -> list[Point]:
    """One lap of a circle through home whose circumference is the run's distance, so the
    GPS track measures what the watch says; steady pace, HR rises then settles."""
    bearing = rng.uniform(0, 2 * math.pi)
    radius = distance_m / (2 * math.pi)
    lat0, lon0 = runner.home
    metres_per_degree_lon = math.radians(1) * EARTH_RADIUS_M * math.cos(math.radians(lat0))
    metres_per_degree_lat = math.radians(1) * EARTH_RADIUS_M
    points = []
    for elapsed in [*range(0, duration_s, SAMPLE_INTERVAL_S), duration_s]:
        travelled = distance_m * elapsed / duration_s
        angle = bearing + 2 * math.pi * travelled / distance_m
        north = radius * (math.cos(angle) - math.cos(bearing))
        east = radius * (math.sin(angle) - math.sin(bearing))
        warmup = min(1.0, elapsed / 600)
        heart = round(110 + 42 * warmup + rng.uniform(-3, 3))
        points.append(
            Point(
                elapsed,
                round(travelled, 2),
                lat0 + north / metres_per_degree_lat,
                lon0 + east / metres_per_degree_lon,
                round(40 + 6 * math.sin(travelled / 700), 1),
                heart,
            )
        )
    return points


STRAVA_FORMATS = ("gpx", "fit.gz", "gpx.gz", "gpx", "gpx.gz", "fit")


def runs_of(runner: Runner, seed: int, days: list[dt.date], strava_until: dt.date) -> list[Run]:
    """The runner's runs, every one recorded by the Watch (Apple Health) and uploaded to
    Strava (until `strava_until`), except a few on one side only. The first run (a FIT file)
    ends a few metres past a whole kilometre; every fourth Strava file repeats two sample
    instants."""
    runs: list[Run] = []
    for day in days:
        if day.weekday() not in runner.run_weekdays:
            continue
        rng = day_random(seed, runner, day, "run")
        number = len(runs) + 1
        long_run = day.weekday() in (5, 6)
        minutes = rng.randint(70, 95) if long_run else rng.randint(32, 55)
        duration = minutes * 60 + rng.randint(0, 59)
        distance = round(duration / runner.easy_pace_s_per_km * 1000 * rng.uniform(0.96, 1.04))
        if number == 1:
            distance = (distance // 1000) * 1000 + 4  # the last km split is 4 m
        start_minute = rng.randint(0, 50)
        start = dt.datetime(
            day.year,
            day.month,
            day.day,
            runner.morning_hour,
            start_minute,
            rng.randint(0, 59),
            tzinfo=runner.zone_on(day),
        )
        on_strava = day <= strava_until and number % 9 != 5
        runs.append(
            Run(
                runner_id=runner.runner_id,
                number=number,
                start=start,
                points=tuple(_course(runner, rng, duration, float(distance))),
                strava_format=STRAVA_FORMATS[number % len(STRAVA_FORMATS)] if on_strava else None,
                in_apple_health=number % 11 != 7,
                repeated_instants=2 if number % 4 == 0 else 0,
            )
        )
    return runs


def local_days(start: dt.date, count: int) -> list[dt.date]:
    return [start + dt.timedelta(days=i) for i in range(count)]
