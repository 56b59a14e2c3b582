"""Allowed values shared by several contracts (each spelled once, here)."""

import zoneinfo

SOURCES = ("manual", "garmin", "apple_watch", "strava", "healthkit", "profile", "inferred")
"""Where a row came from. `garmin`/`apple_watch` are primary wearables (a FIT file or the
watch's own records); `strava`/`healthkit` are the sync paths they reach us through."""

ACTIVITY_TYPES = (
    "running",
    "trail_running",
    "treadmill_running",
    "track_running",
    "walking",
    "hiking",
    "cycling",
    "indoor_cycling",
    "swimming",
    "strength_training",
    "cross_training",
    "yoga",
    "rowing",
    "elliptical",
    "skiing",
    "golf",
    "workout",
    "other",
)
RUNNING_TYPES = ("running", "trail_running", "treadmill_running", "track_running")

RUN_SESSION_TYPES = ("easy", "tempo", "interval", "long", "recovery", "race", "other")
SESSION_TYPE_SOURCES = ("inferred", "device", "strava_workout_type", "manual", "plan")
TRAINING_LOAD_METHODS = ("trimp_banister", "rtss_pace", "duration_rpe", "duration")

PLANNED_SESSION_TYPES = (
    "easy",
    "long",
    "tempo",
    "threshold",
    "interval",
    "repetition",
    "recovery",
    "progression",
    "fartlek",
    "hills",
    "strides",
    "race",
    "cross_training",
    "rest",
)
HARD_SESSION_TYPES = (
    "tempo",
    "threshold",
    "interval",
    "repetition",
    "progression",
    "fartlek",
    "hills",
    "race",
)
"""Quality sessions: never on consecutive days, counted by the hard-session safeguards."""
SEGMENT_TYPES = ("warmup", "work", "recovery", "cooldown", "steady", "rest", "repeat")
SESSION_STATUSES = ("planned", "completed", "skipped", "modified", "moved")
PLAN_STATUSES = ("draft", "active", "paused", "completed", "abandoned")
PHASES = ("Base", "Build", "Peak", "Taper", "Recovery", "Maintenance")
ROADMAP_PHASES = ("Base", "Build", "Peak", "Taper", "Mini-taper", "Recovery")
"""A roadmap's phases: a B race closes its block with a Mini-taper, an A race with a Taper."""
MILESTONE_METRICS = ("long_run_km", "weekly_volume_km", "time_trial_seconds", "race_seconds")
GOAL_RACE_PRIORITIES = {1: "A", 2: "B", 3: "C"}
"""A long-term goal's priority: 1 the A race (full taper), 2 a B race (mini-taper), 3 a C race
(trained through)."""
GOAL_TYPES = ("race", "speed", "base_building", "return_to_fitness", "general_health")
GOAL_FEASIBILITY = ("achievable", "ambitious", "unlikely", "needs_adjustment")
VALIDATION_STATUSES = ("valid", "repaired", "invalid")
NARRATIVE_SOURCES = ("template", "llm")
MEMORY_SUMMARY_TYPES = ("weekly_training",)

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
TIMES_OF_DAY = ("morning", "midday", "afternoon", "evening", "varies", "any")
TRAINING_LEVELS = ("beginner", "casual", "intermediate", "advanced", "elite")
"""The levels plans are built for: workout templates, default VDOT, peak volumes."""
PLANNED_AS = {"returning": "beginner", "serious": "intermediate", "competitive": "advanced"}
"""The seed's other self-described levels, and the training level each is planned as: a
runner returning after a break builds up as a beginner does; a serious runner trains at
intermediate volume, a competitive one at advanced."""
EXPERIENCE_LEVELS = (*TRAINING_LEVELS, *PLANNED_AS)
"""Every level a runner may call themselves (the seed's five and the training levels)."""
BIOLOGICAL_SEXES = ("female", "male", "other", "unknown")
COACHING_VOICES = ("encouraging", "direct", "analytical", "gentle", "tough_love", "minimalist")
UNIT_SYSTEMS = ("metric", "imperial")
MAX_HR_SOURCES = ("user", "observed", "lab_test", "tanaka", "fox", "gellish")
CONSISTENCY_LEVELS = ("very_low", "low", "moderate", "high", "very_high")
LOAD_TRENDS = ("building", "maintaining", "declining", "erratic")
RISK_LEVELS = ("low", "moderate", "high", "very_high")
TRAINING_STATES = (
    "Stable",
    "Slump",
    "Probe",
    "Rebuild",
    "Overreach",
    "Injury Watch",
    "Injury Protection",
    "Override Active",
    "Taper",
)
PB_SOURCES = ("race", "time_trial", "training", "user", "inferred")
ONBOARDING_STEPS = ("welcome", "profile", "goals", "schedule", "health", "connections", "done")
CONVERSATION_PHASES = (
    "intro",
    "data_bridge",
    "profile",
    "goals",
    "schedule",
    "health",
    "coaching",
    "analysis",
)
IANA_TIMEZONES = tuple(sorted(zoneinfo.available_timezones()))
"""Every IANA timezone name this machine's tz database knows (Europe/Lisbon, UTC, ...)."""

# The Runner Object's self-reported answers, as the seed's onboarding offers them.
RUNNING_BACKGROUNDS = ("never", "youth_sports", "college", "adult_hobby")
GOAL_PRIORITIES = ("finish", "time_goal", "pr", "qualify")
GOAL_STATUSES = ("current", "past")
WEARABLES = ("garmin", "apple_watch", "coros", "polar", "whoop", "none")
CALENDAR_PROVIDERS = ("google", "apple", "outlook")
INJURY_SEVERITIES = ("minor", "moderate", "severe")
RECOVERY_STYLES = ("quick", "slow", "push_through", "no_injuries")
SLEEP_QUALITIES = ("solid", "inconsistent", "poor")
STRESS_LEVELS = ("low", "moderate", "high", "survival")
NUTRITION_QUALITIES = ("dialed", "decent", "chaotic")
ALCOHOL_FREQUENCIES = ("never", "rarely", "weekly", "daily")
CYCLE_PHASES = ("menstrual", "follicular", "ovulation", "luteal")
DATA_ORIENTATIONS = ("data_driven", "curious", "feel_based")
FEEDBACK_FREQUENCIES = ("daily", "after_runs", "weekly", "minimal")

SLEEP_LEVELS = ("unknown", "awake", "sleeping", "out_of_bed", "light", "deep", "rem")
"""Terra's SleepLevel enum (0-6), by name."""
SLEEP_UPLOAD_TYPES = ("unknown", "manual", "automatic", "tentative", "indeterminate")
UPLOAD_TYPES = ("unknown", "automatic", "manual", "update", "delete", "pending", "third_party")

KNOWLEDGE_CATEGORIES = (
    "volume_progression",
    "intensity_distribution",
    "heart_rate_zones",
    "pace_zones",
    "long_run",
    "taper",
    "recovery",
    "injury_prevention",
    "age",
    "periodization",
    "workout_design",
    "race_prediction",
    "training_load",
    "sleep",
    "general",
)
SAFEGUARD_OPERATORS = (">", ">=", "<", "<=", "==", "!=", "in", "not_in")
SAFEGUARD_ACTIONS = ("cap", "reduce", "block", "warn", "require_confirmation")
SEVERITIES = ("info", "warning", "critical")
INTENSITY_ZONES = ("E", "M", "T", "I", "R")
FIT_INTENSITIES = ("warmup", "active", "recovery", "cooldown", "rest", "interval", "other")
