"""Deterministic runner personas (three hand-written ones, then generated ones)."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


@dataclass(frozen=True)
class CrossTraining:
    weekday: str
    sport: str  # Ride, Walk, Swim, WeightTraining, Workout
    probability: float
    minutes: int


@dataclass(frozen=True)
class Persona:
    runner_id: str
    first_name: str
    last_name: str
    email: str
    timezone: str
    locale: str
    country: str
    home_lat: float
    home_lon: float
    home_alt: float
    age: int
    biological_sex: str  # female / male
    height_cm: float
    weight_kg: float
    resting_hr: int
    max_hr: int
    experience_level: str
    years_running: int
    weekly_km: int
    preferred_days: tuple[str, ...]
    blocked_days: tuple[str, ...]
    long_run_day: str
    time_of_day: str  # morning / evening
    max_session_minutes: int
    easy_pace_s_per_km: int
    threshold_pace_s_per_km: int
    goal: dict
    personal_bests: dict
    coaching_voice: str
    units: str  # metric / imperial
    past_injuries: tuple[str, ...] = ()
    current_injuries: tuple[str, ...] = ()
    medical_conditions: tuple[str, ...] = ()
    cross_training: tuple[CrossTraining, ...] = ()
    travel_timezone: str | None = None
    has_power_meter: bool = False
    watch_model: str = "Forerunner 255"
    garmin_product: int = 3992
    phone_hardware: str = "iPhone14,2"
    watch_hardware: str = "Watch6,7"
    scale_app: str = "Withings"
    extra: dict = field(default_factory=dict)

    @property
    def runs_per_week(self) -> int:
        return len(self.preferred_days)

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}"


DEFAULT_PERSONAS: tuple[Persona, ...] = (
    Persona(
        runner_id="ana-lisbon",
        first_name="Ana",
        last_name="Sousa",
        email="ana@example.com",
        timezone="Europe/Lisbon",
        locale="pt_PT",
        country="PT",
        home_lat=38.7139,
        home_lon=-9.1394,
        home_alt=45.0,
        age=41,
        biological_sex="female",
        height_cm=165.0,
        weight_kg=58.5,
        resting_hr=52,
        max_hr=183,
        experience_level="casual",
        years_running=6,
        weekly_km=25,
        preferred_days=("tuesday", "thursday", "saturday", "sunday"),
        blocked_days=("friday",),
        long_run_day="sunday",
        time_of_day="morning",
        max_session_minutes=120,
        easy_pace_s_per_km=375,
        threshold_pace_s_per_km=305,
        goal={
            "goal_type": "race",
            "race_distance": 10,
            "target_time": 3000,
            "race_name": "Lisbon 10K",
            "race_offset_days": 45,
        },
        personal_bests={
            "ten_k": {"time": 3120, "days_before_end": 40, "source": "race"},
            "five_k": {"time": 1500, "days_before_end": 400, "source": "race"},
        },
        coaching_voice="encouraging",
        units="metric",
        past_injuries=("plantar_fasciitis",),
        cross_training=(
            CrossTraining("monday", "WeightTraining", 0.7, 40),
            CrossTraining("wednesday", "Swim", 0.5, 35),
        ),
    ),
    Persona(
        runner_id="ben-chicago",
        first_name="Ben",
        last_name="Carter",
        email="ben.carter@example.com",
        timezone="America/Chicago",
        locale="en_US",
        country="US",
        home_lat=41.8916,
        home_lon=-87.6079,
        home_alt=180.0,
        age=29,
        biological_sex="male",
        height_cm=181.0,
        weight_kg=74.0,
        resting_hr=48,
        max_hr=194,
        experience_level="advanced",
        years_running=11,
        weekly_km=58,
        preferred_days=("monday", "tuesday", "wednesday", "friday", "saturday", "sunday"),
        blocked_days=(),
        long_run_day="sunday",
        time_of_day="evening",
        max_session_minutes=150,
        easy_pace_s_per_km=300,
        threshold_pace_s_per_km=228,
        goal={"goal_type": "base_building"},
        personal_bests={
            "five_k": {"time": 1085, "days_before_end": 200, "source": "race"},
            "half_marathon": {"time": 4980, "days_before_end": 300, "source": "race"},
            "marathon": {"time": 10950, "days_before_end": 500, "source": "race"},
        },
        coaching_voice="analytical",
        units="imperial",
        past_injuries=("it_band_syndrome", "shin_splints"),
        cross_training=(CrossTraining("thursday", "Ride", 0.6, 60),),
        travel_timezone="Europe/Berlin",
        has_power_meter=True,
        watch_model="Forerunner 965",
        garmin_product=4315,
        phone_hardware="iPhone15,3",
        watch_hardware="Watch7,4",
        scale_app="Renpho",
    ),
    Persona(
        runner_id="chen-singapore",
        first_name="Chen",
        last_name="Wei Ling",
        email="chen.weiling@example.com",
        timezone="Asia/Singapore",
        locale="en_SG",
        country="SG",
        home_lat=1.2897,
        home_lon=103.8636,
        home_alt=12.0,
        age=56,
        biological_sex="female",
        height_cm=158.0,
        weight_kg=61.0,
        resting_hr=61,
        max_hr=166,
        experience_level="beginner",
        years_running=1,
        weekly_km=20,
        preferred_days=("tuesday", "friday", "sunday"),
        blocked_days=("monday", "wednesday"),
        long_run_day="sunday",
        time_of_day="morning",
        max_session_minutes=75,
        easy_pace_s_per_km=450,
        threshold_pace_s_per_km=390,
        goal={"goal_type": "return_to_fitness"},
        personal_bests={"five_k": {"time": 2100, "days_before_end": 90, "source": "training"}},
        coaching_voice="gentle",
        units="metric",
        past_injuries=("knee_pain",),
        current_injuries=(),
        medical_conditions=("hypertension",),
        cross_training=(
            CrossTraining("wednesday", "Walk", 0.8, 50),
            CrossTraining("saturday", "Walk", 0.6, 70),
            CrossTraining("thursday", "Workout", 0.4, 45),
        ),
        watch_model="Forerunner 55",
        garmin_product=3869,
        phone_hardware="iPhone13,2",
        watch_hardware="Watch6,2",
    ),
)

_GEN_NAMES = (
    ("dara", "Dara", "Okafor", "Africa/Lagos", "en_NG", "NG", 6.4541, 3.3947),
    ("eli", "Eli", "Navarro", "America/Mexico_City", "es_MX", "MX", 19.4326, -99.1332),
    ("fumi", "Fumiko", "Sato", "Asia/Tokyo", "ja_JP", "JP", 35.6762, 139.6503),
    ("gus", "Gustav", "Lind", "Europe/Stockholm", "sv_SE", "SE", 59.3293, 18.0686),
    ("hana", "Hana", "Novak", "Europe/Prague", "cs_CZ", "CZ", 50.0755, 14.4378),
    ("ivo", "Ivo", "Mendes", "America/Sao_Paulo", "pt_BR", "BR", -23.5505, -46.6333),
    ("jess", "Jess", "Taylor", "Australia/Sydney", "en_AU", "AU", -33.8688, 151.2093),
)
_LEVELS = ("beginner", "casual", "intermediate", "advanced", "elite")
_VOICES = ("encouraging", "direct", "analytical", "gentle")


def generated_persona(index: int, seed: int) -> Persona:
    """Persona number ``index`` (>= 3), derived deterministically from ``seed``."""
    rng = random.Random(f"persona-{seed}-{index}")
    slug, first, last, tz, locale, country, lat, lon = _GEN_NAMES[(index - 3) % len(_GEN_NAMES)]
    runner_id = f"{slug}-{index:03d}"
    level_i = rng.randrange(5)
    level = _LEVELS[level_i]
    age = rng.randint(22, 64)
    sex = rng.choice(("female", "male"))
    max_hr = round(208 - 0.7 * age + rng.randint(-4, 4))
    easy = 460 - level_i * 35 + rng.randint(-15, 15)
    runs = min(6, 3 + level_i // 2 + rng.randint(0, 1))
    days = sorted(rng.sample(range(7), runs))
    if 6 not in days:
        days[-1] = 6
    preferred = tuple(WEEKDAYS[d] for d in sorted(set(days)))
    goal_type = rng.choice(("speed", "base_building", "general_health", "return_to_fitness"))
    return Persona(
        runner_id=runner_id,
        first_name=first,
        last_name=last,
        email=f"{slug}{index}@example.com",
        timezone=tz,
        locale=locale,
        country=country,
        home_lat=lat,
        home_lon=lon,
        home_alt=float(rng.randint(5, 600)),
        age=age,
        biological_sex=sex,
        height_cm=float(rng.randint(155, 192)),
        weight_kg=round(rng.uniform(52, 88), 1),
        resting_hr=rng.randint(45, 66),
        max_hr=max_hr,
        experience_level=level,
        years_running=rng.randint(1, 20),
        weekly_km=20 + level_i * 10 + rng.randint(-3, 3),
        preferred_days=preferred,
        blocked_days=tuple(WEEKDAYS[d] for d in range(7) if WEEKDAYS[d] not in preferred)[:1],
        long_run_day="sunday",
        time_of_day=rng.choice(("morning", "evening")),
        max_session_minutes=rng.choice((60, 90, 120, 150)),
        easy_pace_s_per_km=easy,
        threshold_pace_s_per_km=easy - 70,
        goal={"goal_type": goal_type},
        personal_bests={
            "five_k": {"time": int(easy * 5 * 0.8), "days_before_end": 200, "source": "race"}
        },
        coaching_voice=rng.choice(_VOICES),
        units="metric",
        cross_training=(CrossTraining("thursday", rng.choice(("Ride", "Walk", "Swim")), 0.5, 45),),
    )


def personas_for(runners: int, seed: int) -> list[Persona]:
    out = list(DEFAULT_PERSONAS[: min(runners, len(DEFAULT_PERSONAS))])
    for i in range(len(out), runners):
        out.append(generated_persona(i, seed))
    return out
