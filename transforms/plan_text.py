"""Deterministic wording for plans and sessions (what Claude may later rephrase, never the
numbers): every text is built from the plan's own figures."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from transforms.units import clock
from warehouse.vocabulary import WEEKDAYS

DISPLAY = {
    "easy": "Easy Run",
    "recovery": "Recovery Run",
    "long": "Long Run",
    "strides": "Easy Run + Strides",
    "hills": "Hill Repeats",
    "tempo": "Tempo Run",
    "threshold": "Cruise Intervals",
    "interval": "Intervals",
    "repetition": "Repetitions",
    "fartlek": "Fartlek",
    "race": "Race",
    "rest": "Rest Day",
}
EFFORT = {
    "rest": None,
    "recovery": 2,
    "easy": 3,
    "strides": 4,
    "long": 5,
    "fartlek": 6,
    "tempo": 7,
    "threshold": 7,
    "hills": 7,
    "interval": 8,
    "repetition": 8,
    "race": 10,
}
TARGET = {
    "easy": "Aerobic base: capillaries, mitochondria and economy at low cost",
    "recovery": "Blood flow and recovery while keeping the running habit",
    "long": "Endurance: fat use, glycogen storage and durable legs",
    "strides": "Running economy and leg speed without fatigue",
    "hills": "Leg strength and power, and economy on the flat",
    "tempo": "Lactate threshold: holding a strong pace for longer",
    "threshold": "Lactate threshold, with short rests to extend time at pace",
    "interval": "VO2max: the ceiling of aerobic power",
    "repetition": "Speed and economy at fast paces",
    "fartlek": "Changing pace comfortably; a taste of threshold effort",
    "race": "The goal race",
    "rest": "Absorbing the training: adaptation happens at rest",
}
KEY_POINTS = {
    "easy": ["Conversational: you could speak in full sentences", "Slow down on hills"],
    "recovery": ["Slower than feels necessary", "Cut it short if legs feel heavy"],
    "long": ["Start slower than easy pace", "Drink and fuel after the first hour"],
    "strides": ["Strides are quick but relaxed, not sprints", "Walk or jog back fully"],
    "hills": ["Drive with the arms, tall posture", "Jog down easily; never race the descent"],
    "tempo": ["Comfortably hard, not a race", "Even pace from start to finish"],
    "threshold": ["Each repeat at the same pace", "Keep the rests short and moving"],
    "interval": ["Hard but controlled: the last rep as fast as the first", "Jog the recoveries"],
    "repetition": ["Fast and relaxed; good form first", "Full recoveries between reps"],
    "fartlek": ["Pickups by feel, no watch-staring", "Back to truly easy between them"],
    "race": ["Start at goal pace, not faster", "Use the first kilometre to settle"],
    "rest": ["No running today; a walk or mobility is fine", "Sleep well"],
}
ZONE_WORDS = {"E": "easy", "M": "marathon pace", "T": "threshold", "I": "interval pace"}
ZONE_WORDS["R"] = "repetition pace"
SEGMENT_WORDS = {"warmup": "warm-up", "cooldown": "cool-down", "steady": "easy"}


def pace_display(fast: float | None, slow: float | None) -> str | None:
    if fast is None or slow is None:
        return None
    return f"{clock(fast)}-{clock(slow)}/km"


def duration_words(seconds: float) -> str:
    """A step's time as the watch will count it: `20 s`, `90 s`, `3 min`, `2 min 30 s`."""
    seconds = round(seconds)
    minutes, secs = divmod(seconds, 60)
    if minutes and not secs:
        return f"{minutes} min"
    if minutes < 2:
        return f"{seconds} s"
    return f"{minutes} min {secs} s"


def distance_words(km: float) -> str:
    return f"{round(km * 1000)} m" if km < 1 else f"{round(km, 2):g} km"


def _length(seconds: float | None, km: float | None) -> str:
    if km is not None:
        return distance_words(km)
    return duration_words(seconds or 0)


def _mid_pace(segment: Mapping[str, Any]) -> float | None:
    fast, slow = segment.get("pace_min_sec_per_km"), segment.get("pace_max_sec_per_km")
    return None if fast is None or slow is None else (fast + slow) / 2


def structure_display(segments: Sequence[Mapping[str, Any]], kind: str | None = None) -> str:
    """The session in one line, every number read from its segments (what the watch file
    holds): `10 min warm-up -> 6 x 1 min uphill at interval pace (90 s jog) -> ...`."""
    parts = []
    for s in segments:
        zone = ZONE_WORDS.get(s.get("intensity_zone") or "E", "easy")
        length = _length(s.get("duration_seconds"), s.get("distance_km"))
        if s["segment_type"] == "repeat":
            recovery = s.get("recovery_duration_seconds"), s.get("recovery_distance_km")
            rest = f" ({_length(*recovery)} jog)" if any(v is not None for v in recovery) else ""
            where = " uphill" if kind == "hills" else ""
            parts.append(f"{s['repetitions']} x {length}{where} at {zone}{rest}")
        elif s["segment_type"] == "work" and kind == "race":
            pace = _mid_pace(s)
            parts.append(f"{length} race" + (f" at {clock(pace)}/km" if pace else ""))
        elif s["segment_type"] == "work":
            parts.append(f"{length} {zone}")
        elif s["segment_type"] == "steady" and kind == "recovery":
            parts.append(f"{length} very easy")
        else:
            parts.append(f"{length} {SEGMENT_WORDS.get(s['segment_type'], zone)}")
    return " -> ".join(parts)


def session_description(session_type: str, distance_km: float, structure: str) -> str:
    if session_type == "rest":
        return "Rest day: no running."
    return f"{DISPLAY[session_type]} of about {distance_km:.1f} km: {structure}."


def alternatives(
    session_type: str, segments: Sequence[Mapping[str, Any]], duration_seconds: float
) -> list[tuple[str, str]]:
    """Substitutes for a session, as (session type, what to do); any number in them is the
    session's own (its duration, its reps)."""
    main = next((s for s in segments if s["segment_type"] in ("work", "repeat")), None)
    count = (main.get("repetitions") or 1) if main and main["segment_type"] == "repeat" else 1
    rep = _length(main.get("duration_seconds"), main.get("distance_km")) if main else "rep"
    work = _work_length(main) if main else "work"
    minutes = round(duration_seconds / 60)
    choices = {
        "easy": [("cross_training", f"About {minutes} min of easy cycling or swimming")],
        "recovery": [
            ("rest", "Take the day off if tired"),
            ("cross_training", f"An easy spin of up to {minutes} min"),
        ],
        "long": [("easy", "Split into two easy runs on the same day if time is short")],
        "strides": [("easy", "The easy run without strides")],
        "hills": [("fartlek", f"The same {count} x {rep} as hard pickups on flat ground")],
        "tempo": [("threshold", f"The same {work} at threshold pace split into 2-3 repeats")],
        "threshold": [("tempo", f"A continuous tempo of {work}")],
        "interval": [("fartlek", "As many hard pickups by feel, each as long as a rep")],
        "repetition": [("strides", f"An easy run with {count} strides")],
        "fartlek": [("easy", "An easy run with a few relaxed pickups")],
        "race": [("tempo", "A time trial at goal pace if the race cannot happen")],
        "rest": [("cross_training", "Gentle mobility or a walk")],
    }
    return choices[session_type]


def _work_length(main: Mapping[str, Any]) -> str:
    """The main segment's work, all reps together."""
    reps = (main.get("repetitions") or 1) if main["segment_type"] == "repeat" else 1
    if main.get("distance_km") is not None:
        return distance_words(reps * main["distance_km"])
    return duration_words(reps * (main.get("duration_seconds") or 0))


def session_justification(
    session_type: str, phase: str, week_number: int, is_recovery_week: bool, focus: str
) -> str:
    week_kind = "recovery week" if is_recovery_week else f"{phase} week"
    reasons = {
        "easy": "Easy running makes up most of the week so the hard days can be hard.",
        "recovery": "A short, slow run the day after the long run speeds recovery.",
        "long": "The long run builds the endurance every race distance relies on.",
        "strides": "Strides keep speed and form sharp without adding fatigue.",
        "hills": "Hill repeats build strength and power with low impact.",
        "tempo": "Tempo running raises the pace you can hold for an hour.",
        "threshold": "Cruise intervals add time at threshold with short rests.",
        "interval": "Intervals at VO2max pace lift the aerobic ceiling.",
        "repetition": "Fast repetitions improve speed and running economy.",
        "fartlek": "Relaxed pickups add variety and a touch of intensity.",
        "race": "Race day: everything in the plan leads here.",
        "rest": "Rest lets the body absorb the training and lowers injury risk.",
    }
    return f"Week {week_number} ({week_kind}; {focus.lower()}). {reasons[session_type]}"


def placement_rationale(session_type: str, day: int, nearest_spaced_gap: int | None) -> str:
    weekday = WEEKDAYS[day].capitalize()
    if session_type == "rest":
        return f"{weekday} is kept free so the week has room to recover."
    if session_type == "race":
        return f"{weekday} is race day."
    if session_type == "long":
        return f"{weekday} is your long-run day, with easier days around it."
    if session_type == "recovery":
        return f"{weekday} follows the long run, so it stays short and slow."
    if session_type in ("easy", "strides"):
        return f"{weekday} sits between harder days to add easy volume."
    gap = f"{nearest_spaced_gap} day(s)" if nearest_spaced_gap is not None else "well"
    return f"{weekday} is {gap} away from the other hard sessions and the long run."


def week_notes(
    phase: str,
    is_recovery: bool,
    is_race_week: bool,
    change_percent: float | None,
    runs_besides_race: int,
) -> str:
    if is_race_week and not runs_besides_race:
        return "Race week: rest before the race and arrive fresh; the race is the week's run."
    if is_race_week:
        return "Race week: short easy runs, stay off your feet, trust the training."
    if is_recovery:
        return "Recovery week: less volume so the last weeks' work turns into fitness."
    if phase == "Taper":
        return "Taper: volume drops, intensity stays; the freshness comes in the last days."
    if change_percent is not None and change_percent > 0:
        return f"A step up of {change_percent:.0f} % on the reference week; keep easy days easy."
    return "Hold steady this week; consistency does the work."


WARNING_SIGNALS = (
    "Resting heart rate 5+ bpm above your normal for two mornings",
    "Pain that changes how you run or lasts into the next day",
    "Unusual fatigue or poor sleep for several nights",
)
