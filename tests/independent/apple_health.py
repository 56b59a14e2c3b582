"""An Apple Health "Export All Health Data" zip, shaped like the real ones in
../shared/fixtures/real/healthkit (iOS 16+: WorkoutStatistics children, sleep stages).

Every date carries the offset of the zone the runner was in at that instant, as the phone
writes it; the inline DTD is copied from a real export's at generation time.
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import quoteattr

from tests.independent.squad import Run, Runner, day_random
from tests.independent.zipped import add_member
from tests.real_fixtures import REAL_FIXTURES

DTD_SOURCE = REAL_FIXTURES / "healthkit" / "k0rventen_test-export.zip"
HK = "HKQuantityTypeIdentifier"
STEPS = f"{HK}StepCount"
WATCH_SOFTWARE = "11.1"
PHONE_SOFTWARE = "18.1"
COLLIDING_BACKGROUND_BPM = 87
"""A background reading the Watch took at the very second of a workout sample."""


def real_doctype() -> str:
    """The `<!DOCTYPE HealthData [...]>` block of a real iOS export (HealthKit version 13)."""
    with zipfile.ZipFile(DTD_SOURCE) as archive:
        member = next(n for n in archive.namelist() if n.endswith("export.xml"))
        head = archive.read(member)[:20_000].decode("utf-8")
    found = re.search(r"<!DOCTYPE HealthData \[.*?\]>", head, re.S)
    if found is None:
        raise ValueError(f"no DOCTYPE in {DTD_SOURCE}")
    return found.group(0)


def stamp(instant: dt.datetime, runner: Runner) -> str:
    """`2026-10-20 07:12:03 -0400`: local time where the runner was, with its offset."""
    return instant.astimezone(runner.zone_at(instant)).strftime("%Y-%m-%d %H:%M:%S %z")


def _device(kind: str, address: int) -> str:
    if kind == "watch":
        return (
            f"<<HKDevice: 0x{address:09x}>, name:Apple Watch, manufacturer:Apple Inc., "
            f"model:Watch, hardware:Watch7,2, software:{WATCH_SOFTWARE}>"
        )
    return (
        f"<<HKDevice: 0x{address:09x}>, name:iPhone, manufacturer:Apple Inc., "
        f"model:iPhone, hardware:iPhone15,2, software:{PHONE_SOFTWARE}>"
    )


@dataclass
class HealthTruth:
    """What the export holds, for the tests' expectations."""

    records_by_type: Counter[str] = field(default_factory=Counter)
    workouts: int = 0
    steps_by_device: Counter[tuple[dt.date, str]] = field(default_factory=Counter)
    """(local date of the start as stamped, "watch" | "iphone") -> steps"""
    colliding_instants: list[dt.datetime] = field(default_factory=list)


class _Writer:
    def __init__(self, runner: Runner, truth: HealthTruth) -> None:
        self.runner = runner
        self.truth = truth
        self.records: list[tuple[str, dt.datetime, str]] = []  # (type, start, xml)
        self.addresses = 0x2_8000_0000

    def sources(self, kind: str) -> tuple[str, str]:
        owner = self.runner.name
        if kind == "watch":
            return f"{owner}\u2019s Apple Watch", WATCH_SOFTWARE
        return f"{owner}\u2019s iPhone", PHONE_SOFTWARE

    def record(
        self,
        kind: str,
        device: str,
        unit: str,
        start: dt.datetime,
        end: dt.datetime,
        value: str,
        children: str = "",
    ) -> None:
        name, version = self.sources(device)
        self.addresses += 0x1_40
        attrs = (
            f'type="{kind}" sourceName={quoteattr(name)} sourceVersion="{version}" '
            f"device={quoteattr(_device(device, self.addresses))} "
            # category records (sleep) have no unit attribute at all
            + (f'unit="{unit}" ' if unit else "")
            + f'creationDate="{stamp(end + dt.timedelta(seconds=41), self.runner)}" '
            f'startDate="{stamp(start, self.runner)}" endDate="{stamp(end, self.runner)}" '
            f'value="{value}"'
        )
        xml = f" <Record {attrs}>\n{children} </Record>\n" if children else f" <Record {attrs}/>\n"
        self.records.append((kind, start, xml))
        self.truth.records_by_type[kind] += 1
        if kind == STEPS:
            local_day = start.astimezone(self.runner.zone_at(start)).date()
            self.truth.steps_by_device[(local_day, device)] += int(value)


SEDENTARY, ACTIVE = 1, 2
"""HKMetadataKeyHeartRateMotionContext values."""


def _heart(w: _Writer, instant: dt.datetime, bpm: int, motion_context: int) -> None:
    """One Watch heart-rate reading (an instant: start equals end)."""
    context = (
        f'  <MetadataEntry key="HKMetadataKeyHeartRateMotionContext" value="{motion_context}"/>\n'
    )
    w.record(f"{HK}HeartRate", "watch", "count/min", instant, instant, str(bpm), context)


def _day_bounds(runner: Runner, day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    zone = runner.zone_on(day)
    start = dt.datetime(day.year, day.month, day.day, tzinfo=zone).astimezone(dt.UTC)
    after = day + dt.timedelta(days=1)
    end = dt.datetime(after.year, after.month, after.day, tzinfo=zone).astimezone(dt.UTC)
    return start, end


def _background_heart(w: _Writer, day: dt.date, seed: int) -> None:
    rng = day_random(seed, w.runner, day, "background-hr")
    start, end = _day_bounds(w.runner, day)
    instant = start + dt.timedelta(seconds=rng.randint(0, 300))
    while instant < end:
        _heart(w, instant, rng.randint(52, 78), SEDENTARY)
        instant += dt.timedelta(seconds=900 + rng.randint(-40, 40))


def _walks_and_steps(w: _Writer, day: dt.date, seed: int) -> None:
    """Walks both devices count (iPhone in long chunks, the Watch in short ones): a naive
    sum double counts them."""
    rng = day_random(seed, w.runner, day, "steps")
    day_start, _ = _day_bounds(w.runner, day)
    for hour in sorted(rng.sample(range(9, 21), 4)):
        walk_start = day_start + dt.timedelta(hours=hour, minutes=rng.randint(0, 30))
        minutes = rng.randint(12, 28)
        cadence = rng.uniform(95, 112)
        for chunk in range(0, minutes, 6):
            chunk_start = walk_start + dt.timedelta(minutes=chunk)
            length = min(6, minutes - chunk)
            steps = round(cadence * length)
            chunk_end = chunk_start + dt.timedelta(minutes=length)
            w.record(STEPS, "watch", "count", chunk_start, chunk_end, str(steps))
            w.record(
                f"{HK}DistanceWalkingRunning",
                "watch",
                "km",
                chunk_start,
                chunk_end,
                f"{steps * 0.00074:.5f}",
            )
        phone_start = walk_start - dt.timedelta(minutes=2)
        phone_end = walk_start + dt.timedelta(minutes=minutes + 1)
        steps = round(cadence * minutes * 0.97)
        w.record(STEPS, "iphone", "count", phone_start, phone_end, str(steps))
        w.record(
            f"{HK}DistanceWalkingRunning",
            "iphone",
            "km",
            phone_start,
            phone_end,
            f"{steps * 0.00071:.5f}",
        )


SLEEP = "HKCategoryTypeIdentifierSleepAnalysis"
STAGES = ("AsleepCore", "AsleepDeep", "AsleepCore", "AsleepREM", "Awake")


def _night(w: _Writer, day: dt.date, seed: int) -> None:
    """The night that ends on `day`'s morning: iPhone in bed, Watch stages."""
    rng = day_random(seed, w.runner, day, "sleep")
    day_start, _ = _day_bounds(w.runner, day)
    wake = day_start + dt.timedelta(hours=w.runner.morning_hour, minutes=-rng.randint(25, 50))
    bed = wake - dt.timedelta(hours=7, minutes=rng.randint(0, 60))
    w.record(SLEEP, "iphone", "", bed, wake, "HKCategoryValueSleepAnalysisInBed")
    instant = bed + dt.timedelta(minutes=rng.randint(5, 15))
    stage = 0
    while instant < wake:
        end = min(wake, instant + dt.timedelta(minutes=rng.randint(15, 55)))
        value = f"HKCategoryValueSleepAnalysis{STAGES[stage % len(STAGES)]}"
        w.record(SLEEP, "watch", "", instant, end, value)
        instant, stage = end, stage + 1


def _daily_vitals(w: _Writer, day: dt.date, seed: int) -> None:
    rng = day_random(seed, w.runner, day, "vitals")
    day_start, _ = _day_bounds(w.runner, day)
    morning = day_start + dt.timedelta(hours=w.runner.morning_hour - 1, seconds=rng.randint(0, 900))
    beats = "".join(
        f'   <InstantaneousBeatsPerMinute bpm="{rng.randint(50, 62)}" '
        f'time="{(morning + dt.timedelta(seconds=i)).astimezone(w.runner.zone_on(day)):%-I:%M:%S}'
        f'.{rng.randint(10, 99)} AM"/>\n'
        for i in range(3)
    )
    w.record(
        f"{HK}HeartRateVariabilitySDNN",
        "watch",
        "ms",
        morning,
        morning + dt.timedelta(minutes=1),
        f"{rng.uniform(35, 70):.4f}",
        f"  <HeartRateVariabilityMetadataList>\n{beats}  </HeartRateVariabilityMetadataList>\n",
    )
    evening = day_start + dt.timedelta(hours=21)
    w.record(
        f"{HK}RestingHeartRate", "watch", "count/min", day_start, evening, str(rng.randint(48, 56))
    )
    if day.weekday() == 0:
        w.record(
            f"{HK}BodyMass", "iphone", "kg", morning, morning, f"{rng.uniform(62.5, 64.5):.1f}"
        )


def _workout(w: _Writer, run: Run, seed: int) -> str:
    """The run's heart-rate records and its Workout element (returned)."""
    day = run.local_date
    for point in run.points:
        instant = run.start + dt.timedelta(seconds=point.elapsed_s)
        _heart(w, instant, point.heart_rate, ACTIVE)
    collision = run.start + dt.timedelta(seconds=run.points[len(run.points) // 2].elapsed_s)
    _heart(w, collision, COLLIDING_BACKGROUND_BPM, SEDENTARY)
    w.truth.colliding_instants.append(collision.astimezone(dt.UTC))
    rng = day_random(seed, w.runner, day, "workout")
    name, version = w.sources("watch")
    start, end = stamp(run.start, w.runner), stamp(run.end, w.runner)
    beats = [p.heart_rate for p in run.points]
    kilometres = run.distance_m * 0.996 / 1000
    statistics = (
        f'  <WorkoutStatistics type="{HK}ActiveEnergyBurned" startDate="{start}" '
        f'endDate="{end}" sum="{run.duration_s * 0.19:.3f}" unit="kcal"/>\n'
        f'  <WorkoutStatistics type="{HK}DistanceWalkingRunning" startDate="{start}" '
        f'endDate="{end}" sum="{kilometres:.5f}" unit="km"/>\n'
        f'  <WorkoutStatistics type="{HK}HeartRate" startDate="{start}" endDate="{end}" '
        f'average="{sum(beats) / len(beats):.3f}" minimum="{min(beats)}" maximum="{max(beats)}" '
        f'unit="count/min"/>\n'
    )
    zone = run.start.tzinfo
    w.truth.workouts += 1
    return (
        f' <Workout workoutActivityType="HKWorkoutActivityTypeRunning" '
        f'duration="{run.duration_s / 60:.6f}" durationUnit="min" sourceName={quoteattr(name)} '
        f'sourceVersion="{version}" device={quoteattr(_device("watch", 0x2_9000_0000))} '
        f'creationDate="{stamp(run.end + dt.timedelta(seconds=12), w.runner)}" '
        f'startDate="{start}" endDate="{end}">\n'
        f'  <MetadataEntry key="HKIndoorWorkout" value="0"/>\n'
        f'  <MetadataEntry key="HKTimeZone" value="{zone}"/>\n'
        f'  <MetadataEntry key="HKWeatherTemperature" value="{rng.randint(38, 75)} degF"/>\n'
        f'  <MetadataEntry key="HKAverageMETs" value="9.8 kcal/hr\u00b7kg"/>\n'
        f'  <WorkoutEvent type="HKWorkoutEventTypeSegment" date="{start}" '
        f'duration="{min(run.duration_s, 330) / 60:.6f}" durationUnit="min"/>\n'
        f"{statistics}"
        f" </Workout>\n"
    )


def _activity_summary(day: dt.date, seed: int, runner: Runner) -> str:
    rng = day_random(seed, runner, day, "rings")
    return (
        f' <ActivitySummary dateComponents="{day.isoformat()}" '
        f'activeEnergyBurned="{rng.uniform(300, 900):.3f}" activeEnergyBurnedGoal="600" '
        f'activeEnergyBurnedUnit="kcal" appleMoveTime="0" appleMoveTimeGoal="0" '
        f'appleExerciseTime="{rng.randint(10, 90)}" appleExerciseTimeGoal="30" '
        f'appleStandHours="{rng.randint(8, 14)}" appleStandHoursGoal="12"/>\n'
    )


def write_apple_health_zip(
    path: Path, runner: Runner, days: list[dt.date], runs: list[Run], seed: int
) -> HealthTruth:
    truth = HealthTruth()
    w = _Writer(runner, truth)
    for day in days:
        _background_heart(w, day, seed)
        _walks_and_steps(w, day, seed)
        _night(w, day, seed)
        _daily_vitals(w, day, seed)
    workouts = [_workout(w, run, seed) for run in runs if run.in_apple_health]
    # the app writes records grouped by type, each type in time order
    w.records.sort(key=lambda record: (record[0], record[1]))
    exported = dt.datetime.combine(days[-1], dt.time(22, 5), runner.zone_on(days[-1]))
    body = "".join(
        [
            '<?xml version="1.0" encoding="UTF-8"?>\n',
            real_doctype(),
            '\n<HealthData locale="en_US">\n',
            f' <ExportDate value="{stamp(exported, runner)}"/>\n',
            ' <Me HKCharacteristicTypeIdentifierDateOfBirth="1992-03-14" '
            'HKCharacteristicTypeIdentifierBiologicalSex="HKBiologicalSexFemale" '
            'HKCharacteristicTypeIdentifierBloodType="HKBloodTypeNotSet" '
            'HKCharacteristicTypeIdentifierFitzpatrickSkinType="HKFitzpatrickSkinTypeNotSet" '
            'HKCharacteristicTypeIdentifierCardioFitnessMedicationsUse="None"/>\n',
            *(xml for _, _, xml in w.records),
            *workouts,
            *(_activity_summary(day, seed, runner) for day in days),
            "</HealthData>\n",
        ]
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        add_member(archive, "apple_health_export/export.xml", body)
        add_member(
            archive,
            "apple_health_export/export_cda.xml",
            '<?xml version="1.0" encoding="UTF-8"?>\n<ClinicalDocument/>\n',
        )
    return truth
