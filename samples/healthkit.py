"""Apple Health "Export All Health Data" zip, written as a stream (never one big string).

Layout: ``apple_health_export/export.xml`` (inline DTD, Records, Workouts, ActivitySummary),
``apple_health_export/export_cda.xml`` and ``apple_health_export/workout-routes/*.gpx``.
"""

from __future__ import annotations

import datetime as dt
import math
import random
import zipfile
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from samples.gpx_tcx import xml_escape
from samples.hk_dtd import HEALTHKIT_DTD
from samples.simulate import Activity, HealthDay, RunnerSim
from samples.timeutil import TzTimeline, iso_utc
from samples.zipio import DEFAULT_ZIP_TIME, stream_member, write_member

ROOT = "apple_health_export"
Q = "HKQuantityTypeIdentifier"
SLEEP = "HKCategoryTypeIdentifierSleepAnalysis"
SLEEP_VALUES = {
    "InBed": "HKCategoryValueSleepAnalysisInBed",
    "Core": "HKCategoryValueSleepAnalysisAsleepCore",
    "Deep": "HKCategoryValueSleepAnalysisAsleepDeep",
    "REM": "HKCategoryValueSleepAnalysisAsleepREM",
    "Awake": "HKCategoryValueSleepAnalysisAwake",
}
WORKOUT_TYPES = {
    "run": "HKWorkoutActivityTypeRunning",
    "ride": "HKWorkoutActivityTypeCycling",
    "walk": "HKWorkoutActivityTypeWalking",
    "swim": "HKWorkoutActivityTypeSwimming",
    "strength": "HKWorkoutActivityTypeTraditionalStrengthTraining",
    "workout": "HKWorkoutActivityTypeHighIntensityIntervalTraining",
}


@dataclass
class HealthTruth:
    """What was written to one Apple Health export zip (ground truth for loaders)."""

    record_counts: Counter = field(default_factory=Counter)  # Record@type -> count
    record_counts_by_source: Counter = field(default_factory=Counter)  # (type, sourceName)
    workout_count: int = 0
    workouts_by_type: Counter = field(default_factory=Counter)
    activity_summary_count: int = 0
    route_files: dict[str, int] = field(default_factory=dict)  # zip member -> trkpt count
    daily_steps: dict[dt.date, int] = field(default_factory=dict)  # Watch-preferred totals
    daily_steps_naive: dict[dt.date, int] = field(default_factory=dict)  # iPhone + Watch summed
    daily_distance_km: dict[dt.date, float] = field(default_factory=dict)  # Watch-preferred
    sleep_seconds: dict[dt.date, dict[str, int]] = field(default_factory=dict)
    workout_starts: dict[int, str] = field(default_factory=dict)  # activity id -> startDate
    xml_bytes: int = 0


class _Sources:
    def __init__(self, sim: RunnerSim) -> None:
        p = sim.persona
        self.phone = xml_escape(f"{p.first_name}\u2019s iPhone")
        self.watch = xml_escape(f"{p.first_name}\u2019s Apple Watch")
        self.phone_raw = f"{p.first_name}\u2019s iPhone"
        self.watch_raw = f"{p.first_name}\u2019s Apple Watch"
        self.phone_dev = (
            "&lt;&lt;HKDevice: 0x{addr}&gt;, name:iPhone, manufacturer:Apple Inc., "
            f"model:iPhone, hardware:{p.phone_hardware}, software:17.2.1&gt;"
        )
        self.watch_dev = (
            "&lt;&lt;HKDevice: 0x{addr}&gt;, name:Apple Watch, manufacturer:Apple Inc., "
            f"model:Watch, hardware:{p.watch_hardware}, software:10.2&gt;"
        )
        self.scale = xml_escape(p.scale_app)


class _Writer:
    """Formats elements and counts what it wrote."""

    def __init__(self, sim: RunnerSim, rng: random.Random, truth: HealthTruth) -> None:
        self.sim = sim
        self.tl: TzTimeline = sim.timeline
        self.rng = rng
        self.truth = truth
        self.src = _Sources(sim)
        self.imperial = sim.persona.units == "imperial"

    def device(self, which: str) -> str:
        tmpl = self.src.watch_dev if which == "watch" else self.src.phone_dev
        return tmpl.replace("{addr}", f"{0x280000000 + self.rng.getrandbits(28):09x}")

    def record(
        self,
        rtype: str,
        which: str,
        unit: str | None,
        value: str,
        start: int,
        end: int,
        creation: int | None = None,
        meta: tuple[tuple[str, str], ...] = (),
        children: str = "",
    ) -> str:
        tl = self.tl
        if which == "watch":
            src, ver, dev = self.src.watch, "10.2", self.device("watch")
            raw = self.src.watch_raw
        elif which == "phone":
            src, ver, dev = self.src.phone, "17.2.1", self.device("phone")
            raw = self.src.phone_raw
        else:
            src, ver, dev, raw = self.src.scale, "6.12.1", "", self.sim.persona.scale_app
        self.truth.record_counts[rtype] += 1
        self.truth.record_counts_by_source[(rtype, raw)] += 1
        c = creation if creation is not None else end + 30
        s = f' <Record type="{rtype}" sourceName="{src}" sourceVersion="{ver}"'
        if dev:
            s += f' device="{dev}"'
        if unit is not None:
            s += f' unit="{unit}"'
        s += (
            f' creationDate="{tl.hk(c)}" startDate="{tl.hk(start)}" endDate="{tl.hk(end)}"'
            f' value="{value}"'
        )
        if not meta and not children:
            return s + "/>\n"
        s += ">\n"
        for k, v in meta:
            s += f'  <MetadataEntry key="{k}" value="{v}"/>\n'
        return s + children + " </Record>\n"


def _day_bounds(tl: TzTimeline, day: dt.date) -> tuple[int, int]:
    from samples.timeutil import local_to_epoch

    tz = tl.tz_for_day(day)
    return local_to_epoch(day, 0, tz), local_to_epoch(day + dt.timedelta(days=1), 0, tz)


def _hrv_time(epoch: float, tl: TzTimeline, locale: str) -> str:
    d = tl.local(int(epoch))
    hundredths = int((epoch - int(epoch)) * 100)
    if locale.startswith("en_US"):
        h12 = d.hour % 12 or 12
        return (
            f"{h12}:{d.minute:02d}:{d.second:02d}.{hundredths:02d} {'AM' if d.hour < 12 else 'PM'}"
        )
    return f"{d.hour:02d}:{d.minute:02d}:{d.second:02d},{hundredths:02d}"


def _records(w: _Writer, sim: RunnerSim, hr_interval: int, seed: int) -> Iterator[str]:
    p = sim.persona
    tl = sim.timeline
    truth = w.truth
    days = sim.days
    workouts = [a for a in sim.activities if a.in_healthkit]
    kg_unit, kg = ("lb", 2.20462) if w.imperial else ("kg", 1.0)
    dist_unit, dist_f = ("mi", 1 / 1609.344) if w.imperial else ("km", 1 / 1000.0)
    first_start, _ = _day_bounds(tl, days[0].date)

    # Height (one record from the iPhone's Health profile)
    yield w.record(
        f"{Q}Height", "phone", "cm", f"{p.height_cm:g}", first_start + 3600, first_start + 3600
    )
    # Body mass / fat from the scale app
    for d in days:
        if d.weight_kg is not None:
            t = d.wake + 600
            meta = (("HKWasUserEntered", "0"),) if d.date.day % 2 else ()
            yield w.record(
                f"{Q}BodyMass", "scale", kg_unit, f"{d.weight_kg * kg:.2f}", t, t, meta=meta
            )
    for d in days:
        if d.body_fat is not None:
            t = d.wake + 601
            yield w.record(f"{Q}BodyFatPercentage", "scale", "%", f"{d.body_fat:g}", t, t)

    # Steps and distance from iPhone and Watch (overlapping windows)
    for kind in ("StepCount", "DistanceWalkingRunning"):
        rtype = f"{Q}{kind}"
        for d in days:
            for b in d.bouts:
                if b.watch:
                    chunks = max(1, b.seconds // 300) if b.running else 1
                    step = b.seconds // chunks
                    for ci in range(chunks):
                        s0 = b.start + ci * step
                        s1 = b.start + b.seconds if ci == chunks - 1 else s0 + step
                        if kind == "StepCount":
                            v = b.steps // chunks + (b.steps % chunks if ci == 0 else 0)
                            val = str(v)
                        else:
                            val = f"{b.distance_m / chunks * dist_f:.5f}"
                        yield w.record(
                            rtype,
                            "watch",
                            "count" if kind == "StepCount" else dist_unit,
                            val,
                            s0,
                            s1,
                        )
                if b.phone:
                    shift = (b.start % 17) - 8
                    if kind == "StepCount":
                        val = str(b.phone_steps)
                    else:
                        val = f"{b.phone_distance_m * dist_f:.5f}"
                    yield w.record(
                        rtype,
                        "phone",
                        "count" if kind == "StepCount" else dist_unit,
                        val,
                        b.start + shift,
                        b.start + shift + b.seconds,
                    )
    for d in days:
        tz_day = d.date
        pref = sum(b.steps if b.watch else b.phone_steps for b in d.bouts if b.watch or b.phone)
        naive = sum(b.steps for b in d.bouts if b.watch) + sum(
            b.phone_steps for b in d.bouts if b.phone
        )
        truth.daily_steps[tz_day] = pref
        truth.daily_steps_naive[tz_day] = naive
        truth.daily_distance_km[tz_day] = round(
            sum(
                b.distance_m if b.watch else b.phone_distance_m
                for b in d.bouts
                if b.watch or b.phone
            )
            / 1000.0,
            6,
        )

    # Heart rate: background every ~hr_interval s, dense (5 s) during workouts
    rtype = f"{Q}HeartRate"
    for d in days:
        rng = random.Random(f"hr-{seed}-{d.date}")
        d0, d1 = _day_bounds(tl, d.date)
        day_workouts = [a for a in workouts if d0 <= a.start_epoch < d1]
        busy = [(a.start_epoch, a.end_epoch) for a in day_workouts]
        sleep = d.sleep.in_bed if d.sleep else (0, 0)
        t = d0 + rng.randint(0, 120)
        buf = []
        while t < d1:
            if any(s <= t < e for s, e in busy):
                t += hr_interval
                continue
            asleep = sleep[0] <= t < sleep[1]
            base = d.resting_hr + (2 if asleep else 18)
            v = max(38, round(base + rng.gauss(0, 4 if asleep else 8)))
            ctx = "0" if asleep else "1"
            meta = (("HKMetadataKeyHeartRateMotionContext", ctx),) if t % 5 else ()
            buf.append(
                w.record(rtype, "watch", "count/min", str(v), t, t, creation=t + 300, meta=meta)
            )
            t += hr_interval + rng.randint(-40, 40) * (hr_interval >= 120)
        yield "".join(buf)
        for a in day_workouts:
            st = a.streams()
            if st.hr is None:
                continue
            t0 = a.start_epoch + a.hk_start_jitter_s
            buf = []
            for i in range(0, len(st), 5):
                ts = t0 + st.t[i]
                buf.append(
                    w.record(
                        rtype,
                        "watch",
                        "count/min",
                        str(st.hr[i]),
                        ts,
                        ts,
                        creation=a.end_epoch + 60,
                        meta=(("HKMetadataKeyHeartRateMotionContext", "2"),),
                    )
                )
            yield "".join(buf)
    # Resting HR, HRV (with instantaneous beats), walking HR
    for d in days:
        d0, d1 = _day_bounds(tl, d.date)
        yield w.record(
            f"{Q}RestingHeartRate",
            "watch",
            "count/min",
            str(d.resting_hr),
            d0 + 17,
            d1 - 1200 - (d.resting_hr * 7) % 600,
        )
    for d in days:
        if d.sleep is None:
            continue
        rng = random.Random(f"hrv-{seed}-{d.date}")
        s, e = d.sleep.in_bed
        for k, frac in enumerate((0.35, 0.8)):
            t0 = s + int((e - s) * frac)
            t1 = t0 + 58
            beats = []
            tt = float(t0) + rng.random()
            while tt < t1:
                bpm = d.resting_hr - 3 + rng.randint(-3, 5)
                beats.append(
                    f'   <InstantaneousBeatsPerMinute bpm="{bpm}" '
                    f'time="{_hrv_time(tt, tl, p.locale)}"/>\n'
                )
                tt += 60.0 / bpm
            children = (
                "  <HeartRateVariabilityMetadataList>\n"
                + "".join(beats)
                + "  </HeartRateVariabilityMetadataList>\n"
            )
            yield w.record(
                f"{Q}HeartRateVariabilitySDNN",
                "watch",
                "ms",
                f"{d.hrv_ms * (1.0 + 0.1 * k):.5g}",
                t0,
                t1,
                children=children,
            )
    # VO2 max after every 4th outdoor run recorded by the watch
    runs = [a for a in workouts if a.sport == "run" and a.has_gps]
    vo2 = 58.0 - 0.35 * p.age + (10.0 if p.experience_level in ("advanced", "elite") else 0.0)
    for i, a in enumerate(runs):
        if i % 4 == 3:
            t = a.end_epoch + 120
            yield w.record(
                f"{Q}VO2Max",
                "watch",
                "mL/min\u00b7kg",
                f"{vo2 + (i % 7) * 0.13:.4g}",
                t,
                t,
                meta=(("HKVO2MaxTestType", "2"),),
            )
    # Energy
    for d in days:
        rng = random.Random(f"energy-{seed}-{d.date}")
        buf = []
        t = d.wake
        while t + 1800 <= d.bed:
            buf.append(
                w.record(
                    f"{Q}ActiveEnergyBurned",
                    "watch",
                    "kcal",
                    f"{rng.uniform(4, 25):.3f}",
                    t,
                    t + 1800,
                )
            )
            t += 1800
        yield "".join(buf)
    for a in workouts:
        s = a.summary()
        t0 = a.start_epoch + a.hk_start_jitter_s
        chunks = max(1, a.elapsed_s // 300)
        buf = []
        for ci in range(chunks):
            c0 = t0 + ci * a.elapsed_s // chunks
            c1 = t0 + (ci + 1) * a.elapsed_s // chunks
            buf.append(
                w.record(
                    f"{Q}ActiveEnergyBurned",
                    "watch",
                    "kcal",
                    f"{s['calories'] / chunks:.3f}",
                    c0,
                    c1,
                )
            )
        yield "".join(buf)
    basal_per_hour = (
        10 * p.weight_kg
        + 6.25 * p.height_cm
        - 5 * p.age
        + (5 if p.biological_sex == "male" else -161)
    ) / 24.0
    for d in days:
        d0, d1 = _day_bounds(tl, d.date)
        yield "".join(
            w.record(
                f"{Q}BasalEnergyBurned",
                "watch",
                "kcal",
                f"{basal_per_hour * (1 + ((h * 7919) % 13 - 6) / 200):.3f}",
                t,
                t + 3600,
            )
            for h, t in enumerate(range(d0, d1 - 3599, 3600))
        )
    # Flights climbed (iPhone)
    for d in days:
        rng = random.Random(f"flights-{seed}-{d.date}")
        left = d.flights
        t = d.wake + 1800
        while left > 0:
            n = min(left, rng.randint(1, 5))
            yield w.record(f"{Q}FlightsClimbed", "phone", "count", str(n), t, t + 40 * n)
            left -= n
            t += rng.randint(1800, 7200)
    # Night-time respiratory rate and SpO2 (Watch)
    for d in days:
        if d.sleep is None:
            continue
        s, e = d.sleep.in_bed
        rng = random.Random(f"resp-{seed}-{d.date}")
        for t in range(s + 1800, e - 600, 3600):
            yield w.record(
                f"{Q}RespiratoryRate",
                "watch",
                "count/min",
                f"{rng.uniform(12.5, 16.5):.1f}",
                t,
                t + 480,
            )
        for t in range(s + 3000, e - 600, 7200):
            yield w.record(
                f"{Q}OxygenSaturation",
                "watch",
                "%",
                f"{rng.randint(94, 99) / 100:.2f}",
                t,
                t,
                meta=(("HKMetadataKeyBarometricPressure", "101.4 kPa"),),
            )
    # Sleep: iPhone InBed spanning the night, Watch stages inside it
    for d in days:
        if d.sleep is None:
            continue
        n = d.sleep
        tz = xml_escape(tl.tz_at(n.in_bed[1]))
        meta = (("HKTimeZone", tz),)
        tot = {"InBed": 0, "AsleepCore": 0, "AsleepDeep": 0, "AsleepREM": 0, "Awake": 0}
        creation = n.in_bed[1] + 900
        yield w.record(
            SLEEP,
            "phone",
            None,
            SLEEP_VALUES["InBed"],
            n.in_bed[0],
            n.in_bed[1],
            creation=creation,
            meta=meta,
        )
        tot["InBed"] += n.in_bed[1] - n.in_bed[0]
        for stage, s0, s1 in n.stages:
            yield w.record(
                SLEEP, "watch", None, SLEEP_VALUES[stage], s0, s1, creation=creation, meta=meta
            )
            tot["Awake" if stage == "Awake" else f"Asleep{stage}"] += s1 - s0
        if n.nap is not None:
            yield w.record(
                SLEEP, "watch", None, SLEEP_VALUES["Core"], n.nap[0], n.nap[1], meta=meta
            )
            tot["AsleepCore"] += n.nap[1] - n.nap[0]
        truth.sleep_seconds[d.date] = tot


def _route_name(tl: TzTimeline, epoch: int) -> tuple[str, str]:
    d = tl.local(epoch)
    h12 = d.hour % 12 or 12
    ampm = "am" if d.hour < 12 else "pm"
    return f"{d:%Y-%m-%d}_{h12}.{d.minute:02d}{ampm}", f"{d:%Y-%m-%d} {h12}:{d.minute:02d}{ampm}"


def route_gpx_chunks(a: Activity, tl: TzTimeline, name: str, export_epoch: int) -> Iterator[str]:
    st = a.streams()
    lat, lon, alt, ts, spd = st.lat, st.lon, st.alt, st.t, st.speed
    assert lat is not None and lon is not None and alt is not None
    yield (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<gpx version="1.1" creator="Apple Health Export" '
        'xmlns="http://www.topografix.com/GPX/1/1" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        'xsi:schemaLocation="http://www.topografix.com/GPX/1/1 '
        'http://www.topografix.com/GPX/1/1/gpx.xsd">\n'
        f"  <metadata>\n    <time>{iso_utc(export_epoch)}</time>\n  </metadata>\n"
        f"  <trk>\n    <name>Route {name}</name>\n    <trkseg>\n"
    )
    t0 = a.start_epoch + a.hk_start_jitter_s
    buf = []
    for i in range(len(st)):
        j = i - 1 if i else 0
        course = math.degrees(math.atan2(lon[i] - lon[j], lat[i] - lat[j])) % 360.0
        buf.append(
            f'      <trkpt lon="{lon[i]:.6f}" lat="{lat[i]:.6f}"><ele>{alt[i]:.6f}</ele>'
            f"<time>{iso_utc(t0 + ts[i])}</time><extensions><speed>{spd[i]:.6f}</speed>"
            f"<course>{course:.6f}</course><hAcc>{2.5 + (i * 37 % 50) / 10:.6f}</hAcc>"
            f"<vAcc>{2.0 + (i * 53 % 40) / 10:.6f}</vAcc></extensions></trkpt>\n"
        )
        if len(buf) >= 500:
            yield "".join(buf)
            buf = []
    yield "".join(buf)
    yield "    </trkseg>\n  </trk>\n</gpx>\n"


def _workout(w: _Writer, a: Activity, route_path: str | None, uuid: str) -> str:
    tl = w.tl
    s = a.summary()
    start = a.start_epoch + a.hk_start_jitter_s
    end = start + a.elapsed_s + (a.activity_id % 3)
    duration_min = (end - start - (a.pause[1] if a.pause else 0)) / 60.0
    dist = s["distance_m"] * a.hk_distance_factor
    dist_unit, dist_f = ("mi", 1 / 1609.344) if w.imperial else ("km", 1 / 1000.0)
    wtype = WORKOUT_TYPES[a.sport]
    src = w.src.watch
    dev = w.device("watch")
    creation = end + 5
    head = f' <Workout workoutActivityType="{wtype}" duration="{duration_min!r}" durationUnit="min"'
    if a.hk_old_style:
        head += (
            f' totalDistance="{dist * dist_f!r}" totalDistanceUnit="{dist_unit}"'
            f' totalEnergyBurned="{s["calories"]!r}" totalEnergyBurnedUnit="kcal"'
        )
    head += (
        f' sourceName="{src}" sourceVersion="10.2" device="{dev}"'
        f' creationDate="{tl.hk(creation)}" startDate="{tl.hk(start)}"'
        f' endDate="{tl.hk(end)}">\n'
    )
    indoor = "1" if a.sport in ("strength", "workout", "swim") else "0"
    temp_f = 50 + (a.activity_id // 7) % 35
    mets = 9.5 if a.sport == "run" else 7.0 if a.sport == "ride" else 4.2
    parts = [
        head,
        f'  <MetadataEntry key="HKIndoorWorkout" value="{indoor}"/>\n',
        f'  <MetadataEntry key="HKTimeZone" value="{xml_escape(a.tz_name)}"/>\n',
    ]
    if indoor == "0":
        parts.append(f'  <MetadataEntry key="HKWeatherTemperature" value="{temp_f} degF"/>\n')
        parts.append(
            f'  <MetadataEntry key="HKWeatherHumidity" value="{40 + a.activity_id % 50} %"/>\n'
        )
    parts.append(f'  <MetadataEntry key="HKAverageMETs" value="{mets:.5f} kcal/hr\u00b7kg"/>\n')
    if "elev_gain" in s:
        parts.append(
            f'  <MetadataEntry key="HKElevationAscended" '
            f'value="{round(s["elev_gain"] * 100)} cm"/>\n'
        )
    if a.sport == "swim":
        parts.append('  <MetadataEntry key="HKSwimmingLocationType" value="1"/>\n')
        parts.append('  <MetadataEntry key="HKLapLength" value="2500 cm"/>\n')
    if a.pause:
        st = a.streams()
        p0 = start + st.t[a.pause[0] - 1] + 1
        parts.append(f'  <WorkoutEvent type="HKWorkoutEventTypePause" date="{tl.hk(p0)}"/>\n')
        parts.append(
            f'  <WorkoutEvent type="HKWorkoutEventTypeResume" date="{tl.hk(p0 + a.pause[1])}"/>\n'
        )
    if a.sport == "run":
        st = a.streams()
        nxt, i0 = 1000.0, 0
        for i in range(len(st)):
            if st.dist[i] >= nxt:
                seg_s = st.t[i] - st.t[i0]
                parts.append(
                    f'  <WorkoutEvent type="HKWorkoutEventTypeSegment" '
                    f'date="{tl.hk(start + st.t[i0])}" duration="{seg_s / 60.0!r}" '
                    f'durationUnit="min"/>\n'
                )
                nxt += 1000.0
                i0 = i
    if not a.hk_old_style:
        sd, ed = tl.hk(start), tl.hk(end)
        parts.append(
            f'  <WorkoutStatistics type="{Q}ActiveEnergyBurned" startDate="{sd}" '
            f'endDate="{ed}" sum="{s["calories"]!r}" unit="kcal"/>\n'
        )
        parts.append(
            f'  <WorkoutStatistics type="{Q}BasalEnergyBurned" startDate="{sd}" '
            f'endDate="{ed}" sum="{a.elapsed_s / 3600 * 70.0!r}" unit="kcal"/>\n'
        )
        dist_type = {
            "run": "DistanceWalkingRunning",
            "walk": "DistanceWalkingRunning",
            "ride": "DistanceCycling",
            "swim": "DistanceSwimming",
        }.get(a.sport)
        if dist_type == "DistanceSwimming":
            parts.append(
                f'  <WorkoutStatistics type="{Q}{dist_type}" startDate="{sd}" '
                f'endDate="{ed}" sum="{round(dist)}" unit="m"/>\n'
            )
        elif dist_type:
            parts.append(
                f'  <WorkoutStatistics type="{Q}{dist_type}" startDate="{sd}" '
                f'endDate="{ed}" sum="{dist * dist_f!r}" unit="{dist_unit}"/>\n'
            )
        if "avg_hr" in s:
            parts.append(
                f'  <WorkoutStatistics type="{Q}HeartRate" startDate="{sd}" '
                f'endDate="{ed}" average="{s["avg_hr"]!r}" minimum="{s["min_hr"]}" '
                f'maximum="{s["max_hr"]}" unit="count/min"/>\n'
            )
        if a.sport in ("run", "walk"):
            steps = round(s.get("avg_cad", 55) * 2 * s["moving_s"] / 60)
            parts.append(
                f'  <WorkoutStatistics type="{Q}StepCount" startDate="{sd}" '
                f'endDate="{ed}" sum="{steps}" unit="count"/>\n'
            )
    if route_path is not None:
        parts.append(
            f'  <WorkoutRoute sourceName="{src}" sourceVersion="10.2" device="{dev}" '
            f'creationDate="{tl.hk(creation + 2)}" startDate="{tl.hk(start)}" '
            f'endDate="{tl.hk(end)}">\n'
            '   <MetadataEntry key="HKMetadataKeySyncVersion" value="2"/>\n'
            f'   <MetadataEntry key="HKMetadataKeySyncIdentifier" value="{uuid}"/>\n'
            f'   <FileReference path="{route_path}"/>\n'
            "  </WorkoutRoute>\n"
        )
    parts.append(" </Workout>\n")
    return "".join(parts)


def _summary(d: HealthDay, workouts: list[Activity]) -> str:
    mins = sum(a.elapsed_s for a in workouts if a.local_date == d.date) // 60
    exercise = (
        mins + sum(b.seconds for b in d.bouts if not b.running and b.steps > b.seconds * 1.6) // 60
    )
    energy = 220.0 + exercise * 9.3 + (d.flights * 3.1)
    return (
        f' <ActivitySummary dateComponents="{d.date.isoformat()}" '
        f'activeEnergyBurned="{energy:.3f}" activeEnergyBurnedGoal="450" '
        'activeEnergyBurnedUnit="kcal" appleMoveTime="0" appleMoveTimeGoal="0" '
        f'appleExerciseTime="{exercise}" appleExerciseTimeGoal="30" '
        f'appleStandHours="{d.stand_hours}" appleStandHoursGoal="12"/>\n'
    )


def _uuid(rng: random.Random) -> str:
    h = f"{rng.getrandbits(128):032X}"
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{h[16:20]}-{h[20:]}"


def _cda(sim: RunnerSim, export_epoch: int) -> bytes:
    p = sim.persona
    d = sim.timeline.local(export_epoch)
    birth = dt.date(sim.end_date.year - p.age, 6, 16)
    return (
        '<?xml version="1.0"?>\n<?xml-stylesheet type="text/xsl" href="CDA.xsl"?>\n'
        '<ClinicalDocument xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        'xsi:schemaLocation="urn:hl7-org:v3 ../../../CDA%20R2/cda-schemas-and-samples/'
        'infrastructure/cda/CDA.xsd" xmlns="urn:hl7-org:v3" xmlns:cda="urn:hl7-org:v3" '
        'xmlns:sdtc="urn:l7-org:sdtc" xmlns:fhir="http://hl7.org/fhir/v3">\n'
        f' <realmCode code="{p.country}"/>\n'
        ' <typeId root="2.16.840.1.113883.1.3" extension="POCD_HD000040"/>\n'
        ' <templateId root="2.16.840.1.113883.10.20.22.1.2"/>\n'
        ' <id extension="Health Export CDA" root="1.1.1.1.1.1.1.1.1"/>\n'
        ' <code codeSystem="2.16.840.1.113883.6.1" codeSystemName="LOINC" code="34109-9" '
        'displayName="Note"/>\n <title>Health Data Export</title>\n'
        f' <effectiveTime value="{d:%Y%m%d%H%M%S}{d:%z}"/>\n'
        ' <confidentialityCode code="N" codeSystem="2.16.840.1.113883.5.25"/>\n'
        ' <recordTarget>\n  <patientRole>\n   <id root="2.16.840.1.113883.4.6" '
        'nullFlavor="NA"/>\n   <patient>\n'
        f'    <birthTime value="{birth:%Y%m%d}"/>\n'
        "   </patient>\n  </patientRole>\n </recordTarget>\n</ClinicalDocument>\n"
    ).encode()


def write_healthkit_export(
    path: Path,
    sim: RunnerSim,
    *,
    seed: int = 7,
    background_hr_interval_s: int = 300,
    include_routes: bool = True,
    zip_date_time: tuple[int, int, int, int, int, int] = DEFAULT_ZIP_TIME,
) -> HealthTruth:
    """Write ``export.zip`` for a simulated runner, streaming ``export.xml`` into the zip.

    Scale knobs for benchmarks: simulate more ``days`` and/or lower
    ``background_hr_interval_s`` (e.g. 300 -> 10 s gives ~8,600 HeartRate records per day).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    truth = HealthTruth()
    rng = random.Random(f"hk-{seed}-{sim.persona.runner_id}")
    w = _Writer(sim, rng, truth)
    tl = sim.timeline
    p = sim.persona
    from samples.timeutil import local_to_epoch

    export_epoch = local_to_epoch(
        sim.end_date, 23 * 3600 + 59 * 60 + 30, tl.tz_for_day(sim.end_date)
    )
    workouts = [a for a in sim.activities if a.in_healthkit]
    routes: dict[int, tuple[str, str]] = {}
    used: set[str] = set()
    for a in workouts:
        if a.has_gps and include_routes:
            stem, name = _route_name(tl, a.start_epoch + a.hk_start_jitter_s + a.elapsed_s)
            base, k = stem, 1
            while stem in used:
                stem = f"{base}_{k}"
                k += 1
            used.add(stem)
            routes[a.activity_id] = (stem, name)

    def document() -> Iterator[str]:
        dob = dt.date(sim.end_date.year - p.age, 6, 16)
        sex = "HKBiologicalSexFemale" if p.biological_sex == "female" else "HKBiologicalSexMale"
        yield '<?xml version="1.0" encoding="UTF-8"?>\n'
        yield HEALTHKIT_DTD
        yield f'<HealthData locale="{p.locale}">\n'
        yield f' <ExportDate value="{tl.hk(export_epoch)}"/>\n'
        yield (
            f' <Me HKCharacteristicTypeIdentifierDateOfBirth="{dob.isoformat()}" '
            f'HKCharacteristicTypeIdentifierBiologicalSex="{sex}" '
            'HKCharacteristicTypeIdentifierBloodType="HKBloodTypeNotSet" '
            'HKCharacteristicTypeIdentifierFitzpatrickSkinType="HKFitzpatrickSkinTypeNotSet" '
            'HKCharacteristicTypeIdentifierCardioFitnessMedicationsUse="None"/>\n'
        )
        yield from _records(w, sim, background_hr_interval_s, seed)
        for a in workouts:
            route = routes.get(a.activity_id)
            path_ = f"/workout-routes/route_{route[0]}.gpx" if route else None
            yield _workout(w, a, path_, _uuid(rng))
            truth.workout_count += 1
            truth.workouts_by_type[WORKOUT_TYPES[a.sport]] += 1
            truth.workout_starts[a.activity_id] = tl.hk(a.start_epoch + a.hk_start_jitter_s)
        for d in sim.days:
            yield _summary(d, workouts)
            truth.activity_summary_count += 1
        yield "</HealthData>\n"

    with zipfile.ZipFile(path, "w", allowZip64=True) as zf:
        truth.xml_bytes = stream_member(zf, f"{ROOT}/export.xml", document(), zip_date_time)
        write_member(zf, f"{ROOT}/export_cda.xml", _cda(sim, export_epoch), zip_date_time)
        for a in workouts:
            route = routes.get(a.activity_id)
            if route is None:
                continue
            member = f"{ROOT}/workout-routes/route_{route[0]}.gpx"
            stream_member(
                zf, member, route_gpx_chunks(a, tl, route[1], export_epoch), zip_date_time
            )
            truth.route_files[member] = len(a.streams())
            a.release()
    return truth
