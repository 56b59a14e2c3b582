"""Simulate a runner's days: activities (with per-second streams) and daily health data."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from samples.personas import WEEKDAYS, Persona
from samples.streams import Segment, Streams, generate_streams
from samples.timeutil import Travel, TzTimeline, local_to_epoch, offset_seconds

STRAVA_TYPES = {
    "run": "Run",
    "ride": "Ride",
    "walk": "Walk",
    "swim": "Swim",
    "strength": "Weight Training",
    "workout": "Workout",
}
FILE_FORMATS = ("fit.gz", "fit", "gpx", "gpx.gz", "tcx", "tcx.gz")
_FORMAT_WEIGHTS = (62, 10, 9, 5, 7, 7)


@dataclass
class Activity:
    activity_id: int
    upload_id: int
    sport: str  # run ride walk swim strength workout
    kind: str  # easy long tempo intervals race recovery steady
    local_date: dt.date
    start_epoch: int
    tz_name: str
    utc_offset_s: int
    segments: list[Segment]
    pause: tuple[int, int] | None
    recorder: str  # watch (Strava file + Apple Health), phone (Strava only), manual, apple_only
    file_format: str | None  # None: no file in the Strava export
    has_gps: bool
    has_hr: bool
    has_power: bool
    name: str
    description: str
    seed: int
    threshold_speed: float
    resting_hr: int
    max_hr: int
    weight_kg: float
    start_lat: float
    start_lon: float
    base_alt: float
    hk_start_jitter_s: int = 0
    hk_distance_factor: float = 1.0
    hk_old_style: bool = False
    perceived_exertion: int | None = None
    _streams: Streams | None = field(default=None, repr=False)

    @property
    def strava_type(self) -> str:
        return STRAVA_TYPES[self.sport]

    @property
    def in_strava(self) -> bool:
        return self.recorder in ("watch", "phone", "manual")

    @property
    def in_healthkit(self) -> bool:
        return self.recorder in ("watch", "apple_only")

    @property
    def moving_s(self) -> int:
        return sum(s.seconds for s in self.segments)

    @property
    def elapsed_s(self) -> int:
        return self.moving_s + (self.pause[1] if self.pause else 0)

    @property
    def end_epoch(self) -> int:
        return self.start_epoch + self.elapsed_s

    def streams(self) -> Streams:
        if self._streams is None:
            self._streams = generate_streams(
                seed=self.seed,
                segments=self.segments,
                pause=self.pause,
                sport=self.sport,
                start_lat=self.start_lat,
                start_lon=self.start_lon,
                base_alt=self.base_alt,
                resting_hr=self.resting_hr,
                max_hr=self.max_hr,
                threshold_speed=self.threshold_speed,
                weight_kg=self.weight_kg,
                has_gps=self.has_gps,
                has_hr=self.has_hr,
                has_power=self.has_power,
            )
        return self._streams

    def release(self) -> None:
        """Drop the cached streams (they are regenerated on demand, identically)."""
        self._streams = None

    def laps(self) -> list[tuple[int, int, str]]:
        """Lap index ranges ``[i0, i1)`` into the streams with an intensity label."""
        st = self.streams()
        n = len(st)
        if n == 0:
            return []
        if any(s.lap for s in self.segments):
            out = []
            i = 0
            for s in self.segments:
                if s.seconds > 0:
                    out.append((i, i + s.seconds, s.label))
                i += s.seconds
            return out
        if self.sport in ("strength", "workout", "swim"):
            return [(0, n, "active")]
        split = 5000.0 if self.sport == "ride" else 1000.0
        out = []
        i0 = 0
        nxt = split
        dist = st.dist
        for i in range(n):
            if dist[i] >= nxt:
                out.append((i0, i + 1, "active"))
                i0 = i + 1
                nxt += split
        if i0 < n:
            out.append((i0, n, "active"))
        return out

    def summary(self) -> dict:
        st = self.streams()
        n = len(st)
        s: dict = {"distance_m": st.dist[-1] if n else 0.0, "moving_s": n}
        s["max_speed"] = max(st.speed) if n else 0.0
        if st.hr is not None and n:
            s["avg_hr"] = sum(st.hr) / n
            s["max_hr"] = max(st.hr)
            s["min_hr"] = min(st.hr)
        if st.cad is not None and n:
            moving = [c for c in st.cad if c > 0]
            s["avg_cad"] = sum(moving) / len(moving) if moving else 0.0
            s["max_cad"] = max(st.cad)
        if st.power is not None and n:
            s["avg_power"] = sum(st.power) / n
            s["max_power"] = max(st.power)
        if st.alt is not None and n:
            gain = loss = 0.0
            prev = st.alt[0]
            for a in st.alt:
                if a > prev:
                    gain += a - prev
                else:
                    loss += prev - a
                prev = a
            s.update(elev_gain=gain, elev_loss=loss, elev_low=min(st.alt), elev_high=max(st.alt))
        km = s["distance_m"] / 1000.0
        per_min = {"strength": 6.0, "workout": 7.0, "swim": 9.0}
        if self.sport in per_min:
            s["calories"] = per_min[self.sport] * n / 60.0
        elif self.sport == "ride":
            s["calories"] = 0.28 * self.weight_kg * km
        else:
            s["calories"] = 1.0 * self.weight_kg * km
        return s


@dataclass
class StepBout:
    start: int
    seconds: int
    steps: int
    distance_m: float
    watch: bool
    phone: bool
    phone_steps: int
    phone_distance_m: float
    running: bool = False


@dataclass
class SleepNight:
    wake_date: dt.date
    in_bed: tuple[int, int]
    stages: list[tuple[str, int, int]]  # (Core|Deep|REM|Awake, start, end) from the Watch
    nap: tuple[int, int] | None = None


@dataclass
class HealthDay:
    date: dt.date
    tz_name: str
    wake: int
    bed: int
    bouts: list[StepBout]
    sleep: SleepNight | None
    resting_hr: int
    hrv_ms: float
    weight_kg: float | None
    body_fat: float | None
    flights: int
    stand_hours: int


@dataclass
class RunnerSim:
    persona: Persona
    start_date: dt.date
    end_date: dt.date
    timeline: TzTimeline
    activities: list[Activity]
    days: list[HealthDay]


def _segments_for(
    kind: str,
    sport: str,
    minutes: float,
    easy: float,
    thr: float,
    rng: random.Random,
    race_km: float = 5.0,
) -> list[Segment]:
    sec = int(minutes * 60)
    if sport != "run":
        speed = {"ride": 7.2, "walk": 1.45, "swim": 0.85, "strength": 0.0, "workout": 0.0}[sport]
        return [Segment(sec, speed, "active", lap=False)]
    if kind == "intervals":
        reps = rng.choice((5, 6, 8))
        rep_s = rng.choice((120, 180, 240))
        segs = [Segment(600, easy * 0.95, "warmup")]
        for _ in range(reps):
            segs.append(Segment(rep_s, thr * 1.12, "active"))
            segs.append(Segment(90, easy * 0.7, "rest"))
        segs.append(Segment(480, easy * 0.9, "cooldown"))
        return segs
    if kind == "tempo":
        core = max(900, sec - 1200)
        return [
            Segment(600, easy, "warmup"),
            Segment(core, thr, "active"),
            Segment(600, easy * 0.95, "cooldown"),
        ]
    if kind == "race":
        v = thr * (1.06 if race_km <= 5 else 1.0)
        return [Segment(int(race_km * 1000 / v), v, "active", lap=False)]
    factor = {"long": 0.96, "recovery": 0.9}.get(kind, 1.0)
    return [Segment(sec, easy * factor, "active", lap=False)]


_RUN_NAMES = {
    "tempo": ['Tempo, 20" @ threshold', "Tempo Tuesday 💪", "Steady tempo, windy"],
    "intervals": ['6 x 3\' "hard" 🔥', "Track: 400s, 800s, and a 1k", "Intervals 🏃 (felt good)"],
    "long": ["Long run 🏃‍♀️ with friends, coffee after", "Sunday long run", "LSD"],
    "recovery": ["Recovery jog", "Shakeout"],
}
_DESCRIPTIONS = [
    'Legs felt heavy, but "easy" means easy.\nNext time: earlier start.',
    "Windy along the river, 2nd half faster.\n\nShoes: new pair 👟",
    'Great weather ☀️, ran with Marta, Joao, and "the dog"',
    "Stomach issues at km 6, walked 30s, then fine",
    "",
    "",
    "",
    "",
]


def _strava_default_name(local_hour: int, sport: str) -> str:
    if 4 <= local_hour < 11:
        part = "Morning"
    elif 11 <= local_hour < 14:
        part = "Lunch"
    elif 14 <= local_hour < 17:
        part = "Afternoon"
    elif 17 <= local_hour < 21:
        part = "Evening"
    else:
        part = "Night"
    noun = {
        "run": "Run",
        "ride": "Ride",
        "walk": "Walk",
        "swim": "Swim",
        "strength": "Weight Training",
        "workout": "Workout",
    }[sport]
    return f"{part} {noun}"


def make_travel(p: Persona, start: dt.date, days: int) -> Travel | None:
    if p.travel_timezone is None or days < 14:
        return None
    t0 = start + dt.timedelta(days=days // 2 - 3)
    t1 = t0 + dt.timedelta(days=8)
    return Travel(
        timezone=p.travel_timezone,
        start_date=t0,
        end_date=t1,
        start_epoch=local_to_epoch(t0, 12 * 3600, p.timezone),
        end_epoch=local_to_epoch(t1, 12 * 3600, p.travel_timezone),
    )


def simulate_runner(p: Persona, index: int, days: int, end_date: dt.date, seed: int) -> RunnerSim:
    rng = random.Random(f"sim-{seed}-{p.runner_id}")
    start = end_date - dt.timedelta(days=days - 1)
    travel = make_travel(p, start, days)
    timeline = TzTimeline(p.timezone, travel)
    easy = 1000.0 / p.easy_pace_s_per_km
    thr = 1000.0 / p.threshold_pace_s_per_km
    activities: list[Activity] = []
    next_id = 11_000_000_000 + index * 150_000_000 + rng.randrange(1_000_000)
    next_upload = next_id + 780_000_000 + rng.randrange(1_000_000)
    forced_formats = list(FILE_FORMATS)
    rng.shuffle(forced_formats)
    race_day = None
    if days >= 28:
        race_day = start + dt.timedelta(days=(days * 2) // 3)
        while WEEKDAYS[race_day.weekday()] != p.long_run_day:
            race_day += dt.timedelta(days=1)
    week_km = float(p.weekly_km)
    quality_day = p.preferred_days[1] if len(p.preferred_days) > 2 else None
    run_count = 0

    def add(
        day: dt.date,
        sport: str,
        kind: str,
        minutes: float,
        sod: int,
        name: str = "",
        race_km: float = 5.0,
    ) -> None:
        nonlocal next_id, next_upload, run_count
        tz = timeline.tz_for_day(day)
        epoch = local_to_epoch(day, sod, tz)
        segs = _segments_for(kind, sport, minutes, easy, thr, rng, race_km)
        r = rng.random()
        if sport == "run":
            recorder = (
                "watch"
                if r < 0.78
                else "phone"
                if r < 0.88
                else "apple_only"
                if r < 0.95
                else "manual"
            )
            if kind in ("race", "intervals", "tempo") and recorder != "watch":
                recorder = "watch"
        elif sport in ("ride", "swim"):
            recorder = "watch"
        elif sport == "walk":
            recorder = "apple_only" if r < 0.7 else "watch"
        elif sport == "strength":
            recorder = "manual" if r < 0.4 else "watch"
        else:
            recorder = "watch" if r < 0.6 else "apple_only"
        fmt: str | None = None
        if recorder == "watch":
            if sport in ("swim", "strength", "workout"):
                fmt = "fit.gz"
            elif sport == "run" and forced_formats:
                fmt = forced_formats.pop()
            else:
                fmt = rng.choices(FILE_FORMATS, _FORMAT_WEIGHTS)[0]
        elif recorder == "phone":
            fmt = rng.choice(("gpx", "fit.gz"))
        gps = sport in ("run", "ride", "walk")
        has_hr = recorder != "phone"
        pause = None
        moving = sum(s.seconds for s in segs)
        if sport in ("run", "walk") and kind not in ("race",) and rng.random() < 0.25:
            pause = (rng.randrange(moving // 4, moving // 2), rng.randint(20, 140))
        local_hour = sod // 3600
        label = name or _strava_default_name(local_hour, sport)
        if not name and sport == "run" and kind in _RUN_NAMES and rng.random() < 0.6:
            label = rng.choice(_RUN_NAMES[kind])
        desc = rng.choice(_DESCRIPTIONS) if sport == "run" else ""
        activity_id = next_id
        next_id += rng.randint(20_000_000, 90_000_000) // 10
        upload = 0
        if fmt is not None:
            upload = next_upload
            next_upload += rng.randint(2_000_000, 9_000_000) // 10
        run_count += sport == "run"
        activities.append(
            Activity(
                activity_id=activity_id,
                upload_id=upload,
                sport=sport,
                kind=kind,
                local_date=day,
                start_epoch=epoch,
                tz_name=tz,
                utc_offset_s=offset_seconds(epoch, tz),
                segments=segs,
                pause=pause,
                recorder=recorder,
                file_format=fmt,
                has_gps=gps,
                has_hr=has_hr,
                has_power=p.has_power_meter and sport == "run" and recorder == "watch",
                name=label,
                description=desc,
                seed=rng.getrandbits(48),
                threshold_speed=thr
                if sport == "run"
                else {"ride": 9.0, "walk": 2.6}.get(sport, 1.0),
                resting_hr=p.resting_hr,
                max_hr=p.max_hr,
                weight_kg=p.weight_kg,
                start_lat=(p.home_lat if tz == p.timezone else 52.52) + rng.uniform(-0.01, 0.01),
                start_lon=(p.home_lon if tz == p.timezone else 13.405) + rng.uniform(-0.01, 0.01),
                base_alt=p.home_alt if tz == p.timezone else 40.0,
                hk_start_jitter_s=rng.randint(0, 4),
                hk_distance_factor=1.0 + rng.uniform(-0.015, 0.015),
                hk_old_style=rng.random() < 0.1,
                perceived_exertion=rng.randint(2, 9) if recorder == "manual" else None,
            )
        )

    for di in range(days):
        day = start + dt.timedelta(days=di)
        wd = WEEKDAYS[day.weekday()]
        week = di // 7
        if di % 7 == 0:
            week_km = p.weekly_km * (1.0 + 0.06 * (week % 4) if week % 4 < 3 else 0.8)
        if travel is not None and day in (travel.start_date, travel.end_date):
            continue
        weekend = wd in ("saturday", "sunday")
        if p.time_of_day == "morning":
            run_sod = (8 * 3600 if weekend else 6 * 3600 + 900) + rng.randint(0, 4500)
            other_sod = 18 * 3600 + rng.randint(0, 5400)
        else:
            run_sod = (9 * 3600 if weekend else 17 * 3600 + 1800) + rng.randint(0, 5400)
            other_sod = 7 * 3600 + rng.randint(0, 3600)
        ran = False
        if wd in p.preferred_days and rng.random() > 0.08:
            ran = True
            n_runs = p.runs_per_week
            if race_day is not None and day == race_day:
                km = float(p.goal.get("race_distance", 5)) if p.goal["goal_type"] == "race" else 5
                km = 5.0 if km > 10 else km
                name = "Corrida de Sao Joao 5K 🏅" if p.country == "PT" else "Parkrun, 5K (PB?)"
                add(day, "run", "race", 0, run_sod, name=name, race_km=km)
            elif wd == p.long_run_day:
                km = week_km * (0.32 if n_runs <= 4 else 0.26)
                mins = min(p.max_session_minutes, km * p.easy_pace_s_per_km / 60 / 0.96)
                add(day, "run", "long", mins, run_sod)
            elif wd == quality_day and p.experience_level != "beginner":
                kind = "intervals" if week % 2 == 0 else "tempo"
                add(day, "run", kind, 45 if kind == "tempo" else 0, run_sod)
            else:
                km = week_km * (0.68 if n_runs <= 4 else 0.74) / max(1, n_runs - 2)
                kind = "recovery" if rng.random() < 0.15 else "easy"
                add(day, "run", kind, km * p.easy_pace_s_per_km / 60, run_sod)
        for ct in p.cross_training:
            if ct.weekday == wd and rng.random() < ct.probability:
                sport = {
                    "Ride": "ride",
                    "Walk": "walk",
                    "Swim": "swim",
                    "WeightTraining": "strength",
                    "Workout": "workout",
                }[ct.sport]
                sod = other_sod if ran else run_sod
                add(day, sport, "steady", ct.minutes * rng.uniform(0.8, 1.2), sod)
    activities.sort(key=lambda a: a.start_epoch)
    health = [
        _health_day(p, timeline, start + dt.timedelta(days=i), rng, activities) for i in range(days)
    ]
    return RunnerSim(p, start, end_date, timeline, activities, health)


_STAGE_CYCLE = (("Core", 0.45), ("Deep", 0.2), ("Core", 0.15), ("REM", 0.2))


def _health_day(
    p: Persona, tl: TzTimeline, day: dt.date, rng: random.Random, activities: list[Activity]
) -> HealthDay:
    tz = tl.tz_for_day(day)
    morning = p.time_of_day == "morning"
    wake_sod = (5 * 3600 + 2700 if morning else 6 * 3600 + 2400) + rng.randint(0, 1800)
    if day.weekday() >= 5:
        wake_sod += 3600
    wake = local_to_epoch(day, wake_sod, tz)
    bed = local_to_epoch(day, 22 * 3600 + rng.randint(0, 3000), tz)
    # the night that ends this morning
    in_bed_start = wake - rng.randint(6 * 3600 + 1800, 8 * 3600 + 600)
    asleep = in_bed_start + rng.randint(300, 1500)
    stages: list[tuple[str, int, int]] = []
    cur = asleep
    end_sleep = wake - rng.randint(120, 900)
    while cur < end_sleep - 600:
        for stage, frac in _STAGE_CYCLE:
            length = int(5400 * frac * rng.uniform(0.7, 1.3))
            nxt = min(cur + length, end_sleep)
            if nxt - cur >= 60:
                stages.append((stage, cur, nxt))
            cur = nxt
            if cur >= end_sleep:
                break
        if cur < end_sleep and rng.random() < 0.4:
            aw = min(cur + rng.randint(60, 400), end_sleep)
            stages.append(("Awake", cur, aw))
            cur = aw
    nap = None
    if rng.random() < 0.08:
        ns = local_to_epoch(day, 14 * 3600 + rng.randint(0, 3600), tz)
        nap = (ns, ns + rng.randint(900, 2400))
    sleep = SleepNight(day, (in_bed_start, wake), stages, nap)

    todays = [a for a in activities if a.local_date == day]
    bouts: list[StepBout] = []
    for a in todays:
        if a.sport in ("run", "walk"):
            cad = 170 if a.sport == "run" else 108
            stride = 1.1 if a.sport == "run" else 0.75
            steps = int(a.moving_s / 60 * cad)
            phone = a.recorder == "phone" or rng.random() < 0.3
            bouts.append(
                StepBout(
                    a.start_epoch,
                    a.elapsed_s,
                    steps,
                    steps * stride,
                    True,
                    phone,
                    int(steps * rng.uniform(0.96, 1.04)),
                    steps * stride * rng.uniform(0.95, 1.05),
                    running=True,
                )
            )
    busy = [(a.start_epoch - 600, a.end_epoch + 600) for a in todays]
    charging = None
    if rng.random() < 0.3:
        cs = local_to_epoch(day, 19 * 3600 + rng.randint(0, 3600), tz)
        charging = (cs, cs + 2700)
    cur = wake + rng.randint(300, 1200)
    while cur < bed - 900:
        dur = rng.randint(120, 900)
        if any(s <= cur + dur and cur <= e for s, e in busy):
            cur += 900
            continue
        steps = int(dur / 60 * rng.uniform(60, 112))
        worn = not (charging and charging[0] <= cur < charging[1])
        phone = (not worn) or rng.random() < 0.65
        dist = steps * rng.uniform(0.68, 0.8)
        bouts.append(
            StepBout(
                cur,
                dur,
                steps,
                dist,
                worn,
                phone,
                int(steps * rng.uniform(0.95, 1.05)),
                dist * rng.uniform(0.94, 1.06),
            )
        )
        cur += dur + rng.randint(600, 3600)
    bouts.sort(key=lambda b: b.start)
    weight = None
    body_fat = None
    if day.weekday() == 0 or rng.random() < 0.05:
        weight = round(p.weight_kg + rng.uniform(-0.8, 0.8), 1)
        if rng.random() < 0.4:
            body_fat = round(
                (0.24 if p.biological_sex == "female" else 0.15) + rng.uniform(-0.01, 0.01), 3
            )
    return HealthDay(
        date=day,
        tz_name=tz,
        wake=wake,
        bed=bed,
        bouts=bouts,
        sleep=sleep,
        resting_hr=p.resting_hr + rng.randint(-2, 3),
        hrv_ms=round(rng.uniform(30, 75) * (1.3 if p.age < 35 else 1.0), 3),
        weight_kg=weight,
        body_fat=body_fat,
        flights=rng.randint(2, 14),
        stand_hours=rng.randint(8, 14),
    )
