"""A coach's rules for a generated plan (issue 11), checked from the rows the plan stores.

Each checker is a pure function of the plan row, its session rows and the runner the plan
was made for, and returns human-readable violations (an empty list when the rule holds).
It is an independent checker: it never calls the generator's measuring helpers
(`transforms.plan_sessions` and friends). Everything is recomputed here from the sessions'
`scheduled_date`, `session_type`, `is_key_session`, `distance_km`, `duration_seconds` and
`structure_segments` (each segment with its own pace and heart-rate targets), the plan's
`target_paces` and `hr_zones`, and the runner's own facts (goals, volumes, health).

| rule | checker | holds |
|---|---|---|
| 1 | `race_day_violations` | one race session, on the race date (blocked or not) |
| 1 | `taper_volume_violations` | last 7 days <= 70 % / 60 % of peak; taper opens below peak |
| 1 | `race_eve_violations` | no key session 2 days out; no long run 7 / 10 / 14 days out |
| 2 | `long_run_violations` | long run = week's longest; 3+ run weeks >= 15 km have one |
| 3 | `start_volume_violations` | week 1 within 15 % of current volume; decision log agrees |
| 3 | `build_violations` | race plans of 8+ weeks without pain peak above week 1 |
| 3 | `recovery_week_violations` | lighter weeks 20-30 % (beginners 20-50 %) below the last |
| 5 | `weekly_row_violations` | volume, session count, change %, long run from sessions |
| 5 | `intensity_violations` | easy / moderate (M, T) / hard (I, R) by time from segments |
| 5 | `session_measure_violations` | duration and distance from segments at their own paces |
| 5 | `session_text_violations` | texts name only durations / distances the structure holds |
| 6 | `watch_target_violations` | race and reps < 3 min by pace; HR only on >= 10 min, in zone |

Distances in km, times in seconds, paces in s/km; dates are `datetime.date`.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from typing import Any

Row = Mapping[str, Any]

HARD_TYPES = ("tempo", "threshold", "interval", "repetition", "hills", "fartlek")
KEY_TYPES = (*HARD_TYPES, "long")
"""Sessions that count as key sessions whatever their `is_key_session` flag says."""
EASY_FAMILY = ("easy", "recovery", "long", "strides")
"""Sessions whose named pace and heart-rate zone describe their steady running."""
MODERATE_ZONES = ("M", "T")
HARD_ZONES = ("I", "R")
RACE_LABEL_KM = {"5k": 5.0, "10k": 10.0, "half_marathon": 21.0975, "marathon": 42.195}

START_TOLERANCE = 0.15
"""Week 1 lies within 15 % of what the runner runs now."""
MIN_START_KM = 8.0
ACWR_SPIKE = 1.5
"""Above this acute:chronic ratio a cut in week 1 is expected: the lower bound on week 1 drops
to `ACWR_FLOOR` of the start volume (kb_acwr / sg_acwr_spike)."""
ACWR_FLOOR = 0.70
SMALL_WEEK_KM = 15.0
"""A pre-taper week under 15 km may go without a long run (too small for a distinct one)."""
RECOVERY_CUT = (0.20, 0.30)
RECOVERY_CUT_BEGINNER = (0.20, 0.50)
"""kb_recovery_weeks: about 20-30 % less than the week before; beginners often run 50-60 % of
the hard week, so their lighter week may be up to 50 % below it."""
CUT_SLACK = 0.01
"""One percentage point of slack on the cut bands (weekly volumes round to 0.1 km)."""
DROP_IS_LIGHTER_WEEK = 0.10
"""A pre-taper week more than 10 % below the week before is a lighter week, flagged or not."""
BUILD_PLAN_DAYS = 49
"""A race at least 49 days after the plan's first Monday is in week 8 or later."""
BUILD_MARGIN_KM = 0.5
VOLUME_SLACK_KM = 0.1 + 1e-6
CHANGE_SLACK = 0.06
"""Percentage points for the stored change's own rounding to 0.1; on top of it the spread
that weekly volumes rounded to 0.1 km allow (`change_slack`)."""
LONG_SLACK_KM = 0.05
SHARE_SLACK = 1.0
"""Percentage points between a stored intensity share and the one recomputed by time."""
SHARE_SUM_SLACK = 0.5
TIME_SLACK = 0.02
"""A session's stored duration and distance lie within 2 % of its segments'."""
TEXT_EXACT = 0.02
"""Relative slack for a segment's own duration or distance named in a text."""
TEXT_TOTAL = 0.05
"""Relative slack for a total named in a text ("about 12.3 km")."""
JOG_PACE_SLOWER = (0.0, 30.0)
"""Repeat recoveries given by time or distance alone are jogged from the slow end of the
easy range to 30 s/km slower than it (the range a recovery jog may take)."""
SHORT_REP_SECONDS = 180.0
STEADY_HR_SECONDS = 600.0
HR_SLACK = 0.5


# --- shared readings ----------------------------------------------------------------------


def race_of(runner: Row, plan: Row) -> tuple[dt.date, float] | None:
    """The runner's race (date, km) when the goal is a race on or after the plan's start."""
    goals = runner.get("goals") or {}
    if goals.get("goal_type") != "race":
        return None
    date = goals.get("race_date")
    km = goals.get("race_distance")
    if km is None:
        km = RACE_LABEL_KM.get(str(goals.get("race_distance_label") or "").lower())
    if date is None or km is None or date < plan["start_date"]:
        return None
    return date, float(km)


def race_band(race_km: float) -> tuple[int, int, float]:
    """(shortest taper in days, days before the race free of long runs, largest share of the
    peak week in the last 7 days) by distance, as kb_taper_length_by_distance and kb_taper
    give them: up to 10.5 km 7 days, 7 days, 70 %; up to 21.5 km (half, 15 km) 10 days,
    10 days, 60 %; longer (marathon and anything over a half) 14 days, 14 days, 60 %."""
    if race_km <= 10.5:
        return 7, 7, 0.70
    if race_km <= 21.5:
        return 10, 10, 0.60
    return 14, 14, 0.60


def longest_taper_days(race_km: float) -> int:
    """The longest taper kb_taper_length_by_distance allows: 10 days up to 10.5 km, 14 up to
    21.5 km, 21 beyond. A drop in volume inside it may be the taper opening, not a lighter
    week."""
    if race_km <= 10.5:
        return 10
    if race_km <= 21.5:
        return 14
    return 21


def runs(sessions: Iterable[Row]) -> list[Row]:
    return [s for s in sessions if not s.get("is_rest_day") and s["session_type"] != "rest"]


def km_between(sessions: Iterable[Row], first: dt.date, last: dt.date) -> float:
    """Planned km of the runs dated `first`..`last` (both included), races left out."""
    return sum(
        s["distance_km"] or 0.0
        for s in runs(sessions)
        if first <= s["scheduled_date"] <= last and s["session_type"] != "race"
    )


def weeks_of(sessions: Iterable[Row]) -> dict[int, list[Row]]:
    weeks: dict[int, list[Row]] = defaultdict(list)
    for s in sessions:
        weeks[s["week_number"]].append(s)
    return dict(sorted(weeks.items()))


def week_km(week: Iterable[Row]) -> float:
    """A week's planned km (every run, the race included: it is what the week holds)."""
    return sum(s["distance_km"] or 0.0 for s in runs(week))


def pre_taper_weeks(
    sessions: Iterable[Row], runner: Row, plan: Row, *, longest: bool = False
) -> dict[int, list[Row]]:
    """Calendar weeks wholly before the taper: before the race's shortest taper window
    (`race_band`), or its longest (`longest_taper_days`) when `longest`, for a race plan;
    every week otherwise."""
    weeks = weeks_of(sessions)
    race = race_of(runner, plan)
    if race is None:
        return weeks
    days = longest_taper_days(race[1]) if longest else race_band(race[1])[0]
    taper_start = race[0] - dt.timedelta(days=days)
    return {
        n: week for n, week in weeks.items() if max(s["scheduled_date"] for s in week) < taper_start
    }


def start_volume(runner: Row) -> float | None:
    """What the runner runs now: the measured weekly volume (running.actual_weekly_volume_km)
    when known, else the declared one (running.current_volume); with current pain the lower
    of the two; raised to the 8 km minimum. None when the runner gave neither."""
    running = runner.get("running") or {}
    measured, declared = running.get("actual_weekly_volume_km"), running.get("current_volume")
    known = [float(v) for v in (measured, declared) if v is not None]
    if not known:
        return None
    volume = min(known) if has_pain(runner) else known[0]
    return max(volume, MIN_START_KM)


def start_candidates(runner: Row) -> list[float]:
    """Every figure a week-1 change may be measured against (measured, declared, the lower
    of the two, each as given and raised to 8 km)."""
    running = runner.get("running") or {}
    known = [
        float(v)
        for v in (running.get("actual_weekly_volume_km"), running.get("current_volume"))
        if v is not None
    ]
    return sorted({*known, *(max(v, MIN_START_KM) for v in known)})


def has_pain(runner: Row) -> bool:
    pain = (runner.get("health") or {}).get("current_pain") or {}
    return bool(pain.get("has_pain"))


def is_beginner(runner: Row) -> bool:
    level = (runner.get("running") or {}).get("experience_level")
    return level in ("beginner", "returning")


def where(session: Row) -> str:
    date = session["scheduled_date"]
    return f"{date:%a} {date} ({session['session_type']})"


# --- segment arithmetic ---------------------------------------------------------------------


class Paces:
    """Pace of a segment from its own targets (the middle of its range); the plan's pace for
    its zone when it has none (a heart-rate-only effort); the jog range for repeat
    recoveries."""

    def __init__(self, plan: Row):
        target = plan.get("target_paces") or {}
        self.easy_slow = float(target.get("easy_max_sec_per_km") or 420.0)
        easy_fast = float(target.get("easy_min_sec_per_km") or self.easy_slow)
        self.zone = {
            "E": (easy_fast + self.easy_slow) / 2,
            "M": target.get("marathon_sec_per_km"),
            "T": target.get("threshold_sec_per_km"),
            "I": target.get("interval_sec_per_km"),
            "R": target.get("repetition_sec_per_km"),
        }
        self.jog = tuple(self.easy_slow + d for d in JOG_PACE_SLOWER)

    def of(self, segment: Row) -> float:
        fast, slow = segment.get("pace_min_sec_per_km"), segment.get("pace_max_sec_per_km")
        if fast is not None and slow is not None:
            return (fast + slow) / 2
        return float(self.zone.get(segment.get("intensity_zone") or "E") or self.zone["E"])


def bout_seconds(segment: Row, paces: Paces) -> float:
    """One bout of a segment (one repetition of a repeat), in seconds."""
    if segment.get("duration_seconds") is not None:
        return float(segment["duration_seconds"])
    return float(segment.get("distance_km") or 0.0) * paces.of(segment)


def bout_km(segment: Row, paces: Paces) -> float:
    if segment.get("distance_km") is not None:
        return float(segment["distance_km"])
    return float(segment.get("duration_seconds") or 0.0) / paces.of(segment)


def segment_parts(segment: Row, paces: Paces, jog_pace: float) -> tuple[float, float, float, float]:
    """(work seconds, jog seconds, work km, jog km) of a segment, repeats multiplied out."""
    work_s, work_km = bout_seconds(segment, paces), bout_km(segment, paces)
    if segment["segment_type"] != "repeat":
        return work_s, 0.0, work_km, 0.0
    reps = segment.get("repetitions") or 1
    rec_s, rec_km = segment.get("recovery_duration_seconds"), segment.get("recovery_distance_km")
    if rec_s is None:
        rec_s = float(rec_km or 0.0) * jog_pace
    if rec_km is None:
        rec_km = float(rec_s or 0.0) / jog_pace
    return reps * work_s, reps * float(rec_s), reps * work_km, reps * float(rec_km)


def session_measures(segments: Iterable[Row], paces: Paces) -> tuple[float, float, float, float]:
    """(fewest seconds, most seconds, fewest km, most km) the segments take over the jog
    range."""
    segments = list(segments)
    seconds, kms = [], []
    for jog in paces.jog:
        parts = [segment_parts(s, paces, jog) for s in segments]
        seconds.append(sum(p[0] + p[1] for p in parts))
        kms.append(sum(p[2] + p[3] for p in parts))
    return min(seconds), max(seconds), min(kms), max(kms)


# --- rule 1: the taper is anchored to the race ------------------------------------------------


def race_day_violations(plan: Row, sessions: list[Row], runner: Row) -> list[str]:
    """Exactly one race session, dated the race date, even when that weekday is blocked,
    covering at least the race distance."""
    race = race_of(runner, plan)
    if race is None:
        return []
    date, km = race
    races = [s for s in runs(sessions) if s["session_type"] == "race"]
    problems = []
    if [s["scheduled_date"] for s in races] != [date]:
        dates = ", ".join(where(s) for s in races) or "no day"
        problems.append(f"the {km:g} km race is on {date:%a} {date}; race sessions: {dates}")
    for s in races:
        if (s["distance_km"] or 0.0) < km - LONG_SLACK_KM:
            problems.append(f"{where(s)}: {s['distance_km']} km, shorter than the {km:g} km race")
    return problems


def taper_volume_violations(plan: Row, sessions: list[Row], runner: Row) -> list[str]:
    """The peak week is the calendar week (Monday-Sunday, by `week_number`) with the most
    planned km among those wholly before the taper window (the shortest taper for the distance,
    `race_band`: 7 / 10 / 14 days). The 7 days before the race (race day excluded) hold at most
    70 % (race <= 10.5 km) or 60 % (longer) of it, and the first 7 days of the taper window
    hold less than it (volume falls from the peak into the race over at least the taper's
    length). Plans with no whole week before the taper (a race within about 2 weeks) are
    exempt: there is no peak to fall from."""
    race = race_of(runner, plan)
    if race is None:
        return []
    date, km = race
    taper_days, _, share = race_band(km)
    before = pre_taper_weeks(sessions, runner, plan)
    if not before:
        return []
    peak_week, peak = max(((n, week_km(w)) for n, w in before.items()), key=lambda p: p[1])
    problems = []
    last7 = km_between(sessions, date - dt.timedelta(days=7), date - dt.timedelta(days=1))
    if last7 > share * peak + VOLUME_SLACK_KM:
        problems.append(
            f"{km:g} km race on {date:%a} {date}: the 7 days before it hold {last7:.1f} km, "
            f"{100 * last7 / peak if peak else float('inf'):.0f} % of the peak week "
            f"(week {peak_week}, {peak:.1f} km); at most {100 * share:.0f} % "
            f"({share * peak:.1f} km)"
        )
    first = date - dt.timedelta(days=taper_days)
    opening = km_between(sessions, first, first + dt.timedelta(days=6))
    if opening >= peak - VOLUME_SLACK_KM:
        problems.append(
            f"{km:g} km race on {date:%a} {date}: the taper's first 7 days "
            f"({first}..{first + dt.timedelta(days=6)}) hold {opening:.1f} km, not below the "
            f"peak week (week {peak_week}, {peak:.1f} km): the taper is shorter than "
            f"{taper_days} days"
        )
    return problems


def race_eve_violations(plan: Row, sessions: list[Row], runner: Row) -> list[str]:
    """No key session (flagged `is_key_session`, or a quality type or the long run) on the
    two days before the race, and no long run in the last 7 (<= 10.5 km), 10 (<= 21.5 km) or
    14 (longer) days before it. Holds for every plan, however short."""
    race = race_of(runner, plan)
    if race is None:
        return []
    date, km = race
    _, long_free, _ = race_band(km)
    problems = []
    for s in runs(sessions):
        days_out = (date - s["scheduled_date"]).days
        if s["session_type"] == "race" or days_out <= 0:
            continue
        if days_out <= 2 and (s.get("is_key_session") or s["session_type"] in KEY_TYPES):
            problems.append(f"{where(s)}: a key session {days_out} day(s) before the race")
        if days_out <= long_free and s["session_type"] == "long":
            problems.append(
                f"{where(s)}: a long run {days_out} day(s) before the {km:g} km race "
                f"(none in the last {long_free} days)"
            )
    return problems


# --- rule 2: the long run is the week's longest ----------------------------------------------


def long_run_violations(plan: Row, sessions: list[Row], runner: Row) -> list[str]:
    """In every week that holds a `long` session, it is at least as long as every other run
    of the week but the race (0.05 km slack). Every week wholly before the taper (its longest
    window: a taper may open that early and drop the long run) with 3 or more runs holds a
    long run, unless the week is under 15 km (too small for a run that stands out)."""
    problems = []
    for n, week in weeks_of(sessions).items():
        longs = [s for s in runs(week) if s["session_type"] == "long"]
        others = [s for s in runs(week) if s["session_type"] not in ("long", "race")]
        for long in longs:
            longer = [o for o in others if o["distance_km"] > long["distance_km"] + LONG_SLACK_KM]
            problems += [
                f"week {n}: {where(o)} {o['distance_km']:.1f} km is longer than the long run "
                f"({where(long)} {long['distance_km']:.1f} km)"
                for o in longer
            ]
    for n, week in pre_taper_weeks(sessions, runner, plan, longest=True).items():
        count, volume = len(runs(week)), week_km(week)
        if (
            count >= 3
            and volume >= SMALL_WEEK_KM
            and not any(s["session_type"] == "long" for s in week)
        ):
            problems.append(f"week {n}: {count} runs, {volume:.1f} km and no long run")
    return problems


# --- rule 3: start from what the runner runs, then build -------------------------------------


def start_volume_violations(plan: Row, sessions: list[Row], runner: Row) -> list[str]:
    """Week 1's planned km lies within 15 % of `start_volume` (only its upper bound holds
    when the runner's acute:chronic ratio is above 1.5: a cut is expected then, down to 70 %),
    and the decision log's "Start at X km/week" names week 1's planned km (±0.1)."""
    weeks = weeks_of(sessions)
    first = week_km(weeks[min(weeks)]) if weeks else 0.0
    problems = []
    start = start_volume(runner)
    if start is not None:
        acwr = (runner.get("current_state") or {}).get("acute_chronic_workload_ratio")
        low = ACWR_FLOOR if acwr is not None and acwr > ACWR_SPIKE else 1 - START_TOLERANCE
        if (
            not low * start - VOLUME_SLACK_KM
            <= first
            <= (1 + START_TOLERANCE) * start + (VOLUME_SLACK_KM)
        ):
            problems.append(
                f"week 1 holds {first:.1f} km; the runner runs {start:.1f} km/week "
                f"(allowed {low * start:.1f}-{(1 + START_TOLERANCE) * start:.1f})"
            )
    stated = [
        float(m.group(1))
        for d in plan.get("decisions") or []
        if (m := re.search(r"Start at (\d+(?:\.\d+)?) km/week", d.get("what") or ""))
    ]
    if not stated:
        problems.append("no 'Start at X km/week' decision")
    elif any(abs(x - first) > VOLUME_SLACK_KM for x in stated):
        problems.append(f"the decision log starts at {stated} km/week; week 1 holds {first:.1f}")
    return problems


def build_violations(plan: Row, sessions: list[Row], runner: Row) -> list[str]:
    """A race plan whose race is in week 8 or later, for a runner without current pain (no
    injury block), peaks above week 1: some week before the taper holds more than week 1
    (by more than 0.5 km)."""
    race = race_of(runner, plan)
    if race is None or has_pain(runner) or (race[0] - plan["start_date"]).days < BUILD_PLAN_DAYS:
        return []
    weeks = weeks_of(sessions)
    first = week_km(weeks[min(weeks)])
    peak = max((week_km(w) for w in pre_taper_weeks(sessions, runner, plan).values()), default=0)
    if peak <= first + BUILD_MARGIN_KM:
        return [f"{len(weeks)}-week race plan never builds: peak {peak:.1f} km, week 1 {first:.1f}"]
    return []


def recovery_week_violations(plan: Row, sessions: list[Row], runner: Row) -> list[str]:
    """A lighter week (flagged `is_recovery_week`, or any week wholly before the longest taper
    the race allows more than 10 % below the week before) is 20-30 % below the week before
    (beginners and returning runners 20-50 %: kb_recovery_weeks), with one point of slack.
    A marathon taper may open 21 days out: its first week's drop is the taper's."""
    weeks = {n: week_km(w) for n, w in weeks_of(sessions).items()}
    flagged = {w["week_number"] for w in plan.get("weekly_plan") or [] if w["is_recovery_week"]}
    before_taper = set(pre_taper_weeks(sessions, runner, plan, longest=True))
    low, high = RECOVERY_CUT_BEGINNER if is_beginner(runner) else RECOVERY_CUT
    problems = []
    for n, volume in weeks.items():
        previous = weeks.get(n - 1)
        if not previous:
            continue
        cut = 1 - volume / previous
        lighter = n in flagged or (n in before_taper and cut > DROP_IS_LIGHTER_WEEK)
        if lighter and not low - CUT_SLACK <= cut <= high + CUT_SLACK:
            problems.append(
                f"week {n} ({'recovery' if n in flagged else 'unflagged drop'}): "
                f"{volume:.1f} km is {100 * cut:.0f} % below week {n - 1} ({previous:.1f} km); "
                f"a lighter week is {100 * low:.0f}-{100 * high:.0f} % below"
            )
    return problems


# --- rule 5: every reported number comes from the sessions -----------------------------------


def change_slack(this: float, previous: float) -> float:
    """How far a change computed from unrounded volumes may sit from one computed from the
    volumes as stored (each within 0.05 km), plus the change's own rounding."""
    return CHANGE_SLACK + 100 * 0.05 * (1 / previous + this / previous**2)


def weekly_row_violations(plan: Row, sessions: list[Row], runner: Row) -> list[str]:
    """Each weekly_plan row against its sessions (same `week_number`):
    - `planned_volume_km` is the sum of their `distance_km` (±0.1), the race included;
    - `session_count` is the number of runs (rest days excluded);
    - `volume_change_percent` is 100 * (this / previous - 1) of the rows' planned volumes
      (`change_slack`, never clamped); week 1's is null or measured against the runner's
      start volume (measured, declared or the lower of the two, as given or raised to 8 km;
      any positive figure when the runner gave none);
    - `long_run_km` is the week's `long` session distance (±0.05), or 0 / null in a week
      without one (a race week without a long run reports 0: the race is not a long run)."""
    weeks = weeks_of(sessions)
    problems = []
    rows = sorted(plan.get("weekly_plan") or [], key=lambda w: w["week_number"])
    if [w["week_number"] for w in rows] != list(weeks):
        problems.append(f"weekly_plan weeks {[w['week_number'] for w in rows]} != {list(weeks)}")
    previous = None
    for row in rows:
        n, week = row["week_number"], weeks.get(row["week_number"], [])
        volume, reported = week_km(week), row["planned_volume_km"]
        if abs(volume - reported) > VOLUME_SLACK_KM:
            problems.append(
                f"week {n}: planned_volume_km {reported} but its sessions hold {volume:.2f}"
            )
        if row.get("session_count") is not None and row["session_count"] != len(runs(week)):
            problems.append(
                f"week {n}: session_count {row['session_count']}, runs {len(runs(week))}"
            )
        change = row.get("volume_change_percent")
        if previous is None:
            starts = [s for s in start_candidates(runner) if s >= 0.1]
            fits = (
                change is None
                or any(
                    abs(change - 100 * (reported / s - 1)) <= change_slack(reported, s)
                    for s in starts
                )
                # no figure from the runner: any start volume will do, but a week with km in it
                # is never 100 % below it
                or (not starts and reported > 0 and change > -100 + CHANGE_SLACK)
            )
            if not fits:
                problems.append(
                    f"week 1: volume_change_percent {change} fits no start volume "
                    f"{start_candidates(runner)} for {reported} km"
                )
        else:
            expected = 100 * (reported / previous - 1) if previous > 0 else None
            if (change is None) != (expected is None) or (
                expected is not None and abs(change - expected) > change_slack(reported, previous)
            ):
                problems.append(
                    f"week {n}: volume_change_percent {change}, but {reported} km after "
                    f"{previous} km is {expected if expected is None else f'{expected:+.1f}'} %"
                )
        previous = reported
        longs = [s["distance_km"] for s in runs(week) if s["session_type"] == "long"]
        long_reported = row.get("long_run_km")
        if longs:
            if long_reported is None or abs(long_reported - max(longs)) > LONG_SLACK_KM:
                problems.append(f"week {n}: long_run_km {long_reported}, long run {max(longs)} km")
        elif long_reported not in (None, 0, 0.0):
            problems.append(f"week {n}: long_run_km {long_reported} in a week without a long run")
    return problems


def week_zone_seconds(week: Iterable[Row], paces: Paces) -> dict[str, float]:
    """Seconds per bucket: easy (E work and every repeat recovery), moderate (M and T work),
    hard (I and R work); each segment timed at the middle of its own pace range, recoveries at
    the middle of the jog range."""
    jog = sum(paces.jog) / 2
    seconds = {"easy": 0.0, "moderate": 0.0, "hard": 0.0}
    for s in runs(week):
        for seg in s["structure_segments"] or []:
            work, rest, _, _ = segment_parts(seg, paces, jog)
            zone = seg.get("intensity_zone") or "E"
            bucket = (
                "moderate" if zone in MODERATE_ZONES else "hard" if zone in HARD_ZONES else "easy"
            )
            seconds[bucket] += work
            seconds["easy"] += rest
    return seconds


def intensity_violations(plan: Row, sessions: list[Row], runner: Row) -> list[str]:
    """Each week's `intensity_distribution` shares (easy / moderate / hard, percent of running
    time) sum to 100 ± 0.5, each is within 1 point of the share recomputed by time from the
    week's segments (`week_zone_seconds`: the race counts by its own zone), and moderate is
    above 0 whenever the week holds threshold (T) or marathon-pace (M) work."""
    paces = Paces(plan)
    weeks = weeks_of(sessions)
    problems = []
    for row in plan.get("weekly_plan") or []:
        n, shares = row["week_number"], row.get("intensity_distribution") or {}
        reported = {k: shares.get(f"{k}_percentage") for k in ("easy", "moderate", "hard")}
        week = weeks.get(n, [])
        seconds = week_zone_seconds(week, paces)
        total = sum(seconds.values())
        if total <= 0:
            continue
        if any(v is None for v in reported.values()):
            problems.append(f"week {n}: intensity shares missing: {reported}")
            continue
        if abs(sum(reported.values()) - 100) > SHARE_SUM_SLACK:
            problems.append(f"week {n}: intensity shares sum to {sum(reported.values()):.1f}")
        computed = {k: 100 * v / total for k, v in seconds.items()}
        off = {k: (reported[k], round(computed[k], 1)) for k in computed}
        if any(abs(a - b) > SHARE_SLACK for a, b in off.values()):
            problems.append(f"week {n}: intensity shares (stored, by time) {off}")
        holds_moderate = any(
            (seg.get("intensity_zone") or "E") in MODERATE_ZONES
            for s in runs(week)
            for seg in s["structure_segments"] or []
        )
        if holds_moderate and not reported["moderate"] > 0:
            problems.append(f"week {n}: T/M work but moderate share {reported['moderate']}")
    return problems


def session_measure_violations(plan: Row, sessions: list[Row], runner: Row) -> list[str]:
    """Each run's `duration_seconds` and `distance_km` are what its own segments take, every
    segment at the middle of its own pace target (so a recovery run at its recovery pace, a
    race at its race pace) or, without one, at the plan's pace for its zone; repeat
    recoveries at the jog range. 2 % slack (plus 1 s / 0.05 km)."""
    paces = Paces(plan)
    problems = []
    for s in runs(sessions):
        if not s["structure_segments"]:
            continue
        low_s, high_s, low_km, high_km = session_measures(s["structure_segments"], paces)
        duration, distance = s["duration_seconds"] or 0.0, s["distance_km"] or 0.0
        if not low_s * (1 - TIME_SLACK) - 1 <= duration <= high_s * (1 + TIME_SLACK) + 1:
            problems.append(
                f"{where(s)}: duration {duration:.0f} s, its segments take "
                f"{low_s:.0f}-{high_s:.0f} s at their own paces"
            )
        if not low_km * (1 - TIME_SLACK) - 0.05 <= distance <= high_km * (1 + TIME_SLACK) + 0.05:
            problems.append(
                f"{where(s)}: distance {distance} km, its segments cover {low_km:.2f}-{high_km:.2f}"
            )
    return problems


PACE_TEXT = re.compile(
    r"\d+:\d{2}(?:\s*[-\u2013]\s*\d+:\d{2})?\s*/\s*(?:km|mi)"
    r"|\d+(?:\.\d+)?\s*(?:min|s|sec)\s*/\s*(?:km|mi)"
    r"|\d+(?:\.\d+)?\s*km\s*/\s*(?:week|wk)"
)
"""Paces and weekly volumes, which are not durations or distances of the session."""
QUANTITY_TEXT = re.compile(
    r"(?<![\d.:])(\d+(?:\.\d+)?)[\s-]*"
    r"(km|kilometres?|kilometers?|minutes?|mins?|seconds?|secs?|s|m|metres?|meters?|hours?|hrs?|h)\b"
    r"|(?<![\d.:])(\d+):(\d{2})(?::(\d{2}))?(?![\d/])"
)
UNIT_SECONDS = {"min": 60, "s": 1, "sec": 1, "second": 1, "h": 3600, "hr": 3600, "hour": 3600}
UNIT_KM = {"km": 1.0, "kilometre": 1.0, "kilometer": 1.0, "m": 0.001, "metre": 0.001}
UNIT_KM["meter"] = 0.001


def _unit(word: str) -> str:
    word = word.lower()
    for full in ("minute", "kilometre", "kilometer", "second", "metre", "meter", "hour"):
        if word.startswith(full):
            return {"minute": "min"}.get(full, full)
    return word.rstrip("s") if word not in ("s", "min") else word


def text_quantities(text: str) -> list[tuple[str, str, float]]:
    """(what was written, 'time' or 'km', value in s or km) for each duration or distance a
    text names (paces and weekly volumes left out)."""
    found = []
    for m in QUANTITY_TEXT.finditer(PACE_TEXT.sub(" ", text)):
        if m.group(1) is not None:
            value, unit = float(m.group(1)), _unit(m.group(2))
            if unit in UNIT_SECONDS:
                found.append((m.group(0), "time", value * UNIT_SECONDS[unit]))
            elif unit in UNIT_KM:
                found.append((m.group(0), "km", value * UNIT_KM[unit]))
        else:
            parts = [int(p) for p in m.groups()[2:] if p is not None]
            seconds = (
                parts[0] * 3600 + parts[1] * 60 + parts[2]
                if len(parts) == 3
                else (parts[0] * 60 + parts[1])
            )
            found.append((m.group(0), "time", float(seconds)))
    return found


def _named(session: Row, paces: Paces) -> tuple[list[float], list[float], list[float], list[float]]:
    """(exact times, exact km, total times, total km) a session's texts may name."""
    times, kms, total_times, total_kms = [], [], [], []
    for seg in session["structure_segments"] or []:
        for key, into in (
            ("duration_seconds", times),
            ("recovery_duration_seconds", times),
            ("distance_km", kms),
            ("recovery_distance_km", kms),
        ):
            if seg.get(key) is not None:
                into.append(float(seg[key]))
        reps = seg.get("repetitions") or 1
        total_times += [bout_seconds(seg, paces), reps * bout_seconds(seg, paces)]
        total_kms += [bout_km(seg, paces), reps * bout_km(seg, paces)]
    total_times.append(float(session["duration_seconds"] or 0.0))
    total_kms.append(float(session["distance_km"] or 0.0))
    return times, kms, total_times, total_kms


def session_text_violations(plan: Row, sessions: list[Row], runner: Row) -> list[str]:
    """Every duration or distance named in a run's `description`, `structure_display` or a
    segment's `description` is one its structure holds: a segment's (or repeat recovery's)
    own duration or distance within 2 % (so "2 min jog" for a 90 s recovery is wrong), or a
    total within 5 % (the session's duration or distance, one bout or all repetitions of a
    segment, timed at its own pace). Paces ("4:55/km") and weekly volumes are not checked."""
    paces = Paces(plan)
    problems = []
    for s in runs(sessions):
        texts = [s.get("description"), s.get("structure_display")]
        texts += [seg.get("description") for seg in s["structure_segments"] or []]
        times, kms, total_times, total_kms = _named(s, paces)
        for text in (t for t in texts if t):
            for written, kind, value in text_quantities(text):
                exact, totals = (times, total_times) if kind == "time" else (kms, total_kms)
                slack = 1.0 if kind == "time" else 0.01
                if not any(abs(value - q) <= TEXT_EXACT * q + slack for q in exact) and not any(
                    abs(value - q) <= TEXT_TOTAL * q + slack for q in totals
                ):
                    shown = sorted({round(q, 3) for q in exact})
                    problems.append(
                        f"{where(s)}: text names {written!r}, which the structure does not "
                        f"hold ({'s' if kind == 'time' else 'km'} in it: {shown}): {text!r}"
                    )
    return problems


# --- rule 6: targets a watch can follow ------------------------------------------------------


def _zone_bounds(plan: Row) -> dict[int, tuple[float, float]]:
    return {int(z["zone"]): (z["min_bpm"], z["max_bpm"]) for z in plan.get("hr_zones") or []}


def watch_target_violations(plan: Row, sessions: list[Row], runner: Row) -> list[str]:
    """Per segment of every run, with a bout's time from its duration or its distance at its
    own pace:
    - the race itself (work/repeat segments of a race session) and work bouts shorter than
      3 minutes carry a pace target (both ends) and no heart-rate target (HR lags short
      efforts; a race is run by pace) — hill repeats included;
    - a heart-rate target sits only on a continuous effort of 10 minutes or more that is not
      the race (a warm-up of 10 min may have one, a 5 min cool-down may not);
    - the session's heart-rate range, and the HR targets of the segments its zone describes
      (steady running of easy, recovery, long and strides runs; the work of every other run),
      lie inside the `hr_zones` entry the session names in `hr_zone` (±0.5 bpm)."""
    paces = Paces(plan)
    zones = _zone_bounds(plan)
    problems = []
    for s in runs(sessions):
        named = zones.get(s.get("hr_zone")) if s.get("hr_zone") is not None else None
        if named is not None:
            for low, high in ((s.get("hr_min_bpm"), s.get("hr_max_bpm")),):
                if low is not None and high is not None and not _inside(low, high, named):
                    problems.append(
                        f"{where(s)}: HR {low}-{high} outside the zone {s['hr_zone']} it names "
                        f"{named}"
                    )
        for seg in s["structure_segments"] or []:
            kind = seg["segment_type"]
            label = f"{where(s)} segment {seg.get('segment_index')} ({kind}"
            label += f" {seg.get('intensity_zone') or 'E'})"
            bout = bout_seconds(seg, paces)
            has_pace = seg.get("pace_min_sec_per_km") is not None and (
                seg.get("pace_max_sec_per_km") is not None
            )
            has_hr = seg.get("hr_min_bpm") is not None or seg.get("hr_max_bpm") is not None
            is_race = s["session_type"] == "race" and kind in ("work", "repeat")
            short = kind in ("work", "repeat") and bout < SHORT_REP_SECONDS
            if (is_race or short) and not has_pace:
                problems.append(f"{label}: no pace target on a {_what(is_race, bout)}")
            if has_hr and (is_race or bout < STEADY_HR_SECONDS):
                problems.append(
                    f"{label}: heart-rate target on a {_what(is_race, bout)} (HR only on "
                    "steady efforts of 10 min or more)"
                )
            describes = (
                (kind == "steady")
                if s["session_type"] in EASY_FAMILY
                else (kind in ("work", "repeat"))
            )
            low, high = seg.get("hr_min_bpm"), seg.get("hr_max_bpm")
            if (
                describes
                and named is not None
                and low is not None
                and high is not None
                and not _inside(low, high, named)
            ):
                problems.append(
                    f"{label}: HR {low}-{high} outside the named zone {s['hr_zone']} {named}"
                )
    return problems


def _inside(low: float, high: float, zone: tuple[float, float]) -> bool:
    return zone[0] - HR_SLACK <= low <= high <= zone[1] + HR_SLACK


def _what(is_race: bool, bout: float) -> str:
    return "race" if is_race else f"{bout:.0f} s effort"


# --- all of them ---------------------------------------------------------------------------

Checker = Callable[[Row, list[Row], Row], list[str]]
RULES: dict[str, tuple[Checker, ...]] = {
    "1 taper anchored to the race": (
        race_day_violations,
        taper_volume_violations,
        race_eve_violations,
    ),
    "2 the long run is the longest": (long_run_violations,),
    "3 start where the runner is, then build": (
        start_volume_violations,
        build_violations,
        recovery_week_violations,
    ),
    "5 reported numbers come from the sessions": (
        weekly_row_violations,
        intensity_violations,
        session_measure_violations,
        session_text_violations,
    ),
    "6 targets a watch can follow": (watch_target_violations,),
}


def all_violations(plan: Row, sessions: list[Row], runner: Row) -> dict[str, list[str]]:
    """Every checker's violations, by checker name (empty lists left out)."""
    found = {}
    for checkers in RULES.values():
        for check in checkers:
            if problems := check(plan, sessions, runner):
                found[check.__name__] = problems
    return found
