"""``profile.yaml``: the runner's self-reported profile, consistent with the simulation."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import yaml

from samples.personas import WEEKDAYS, Persona
from samples.simulate import RunnerSim


def build_profile(sim: RunnerSim) -> dict:
    p: Persona = sim.persona
    end = sim.end_date
    observed_max = max(
        (a.summary().get("max_hr", 0) for a in sim.activities if a.has_hr), default=0
    )
    max_hr = max(p.max_hr, observed_max)
    pbs = {}
    for key, pb in p.personal_bests.items():
        pbs[key] = {
            "time": int(pb["time"]),
            "date": end - dt.timedelta(days=int(pb["days_before_end"])),
            "source": pb["source"],
        }
    goal: dict = {"goal_type": p.goal["goal_type"]}
    if p.goal["goal_type"] == "race":
        goal.update(
            race_distance=p.goal["race_distance"],
            race_date=end + dt.timedelta(days=int(p.goal["race_offset_days"])),
            target_time=int(p.goal["target_time"]),
            race_name=p.goal["race_name"],
        )
    runs = [a for a in sim.activities if a.sport == "run"]
    weeks = max(1.0, len(sim.days) / 7.0)
    volume = round(sum(a.summary()["distance_m"] for a in runs) / 1000.0 / weeks)
    blocked = [d for d in p.blocked_days if d not in p.preferred_days]
    return {
        "identity": {
            "name": p.name,
            "email": p.email,
            "timezone": p.timezone,
            "locale": p.locale,
            "country": p.country,
        },
        "physical": {
            "age": p.age,
            "biological_sex": p.biological_sex,
            "height_cm": float(p.height_cm),
            "weight_kg": float(p.weight_kg),
            "resting_hr_bpm": p.resting_hr,
            "max_hr_bpm": int(max_hr),
        },
        "running": {
            "experience_level": p.experience_level,
            "years_running": p.years_running,
            "current_volume": volume if runs else p.weekly_km,
            "runs_per_week": p.runs_per_week,
            "personal_bests": pbs,
        },
        "goals": goal,
        "schedule": {
            "available_days": len(p.preferred_days),
            "preferred_days": sorted(p.preferred_days, key=WEEKDAYS.index),
            "blocked_days": blocked,
            "long_run_day": p.long_run_day,
            "max_session_minutes": p.max_session_minutes,
            "preferred_time_of_day": p.time_of_day,
        },
        "health": {
            "past_injuries": list(p.past_injuries),
            "current_injuries": list(p.current_injuries),
            "medical_conditions": list(p.medical_conditions),
        },
        "coaching": {"coaching_voice": p.coaching_voice, "units": p.units},
    }


def dump_profile(profile: dict) -> str:
    return yaml.safe_dump(
        profile, sort_keys=False, allow_unicode=True, default_flow_style=False, width=100
    )


def write_profile(path: Path, profile: dict) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(dump_profile(profile), encoding="utf-8")
