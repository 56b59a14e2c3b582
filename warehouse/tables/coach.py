"""`coach` schema: the Runner Object, weekly summaries and training-state history."""

from warehouse.contract import (
    day,
    flag,
    instant,
    integer,
    number,
    records,
    struct,
    table,
    text,
    texts,
)
from warehouse.tables.common import audit, bpm, confidence, ownership, percent
from warehouse.vocabulary import (
    BIOLOGICAL_SEXES,
    COACHING_VOICES,
    CONSISTENCY_LEVELS,
    EXPERIENCE_LEVELS,
    GOAL_FEASIBILITY,
    GOAL_TYPES,
    LOAD_TRENDS,
    MAX_HR_SOURCES,
    ONBOARDING_STEPS,
    PB_SOURCES,
    RISK_LEVELS,
    SOURCES,
    TIMES_OF_DAY,
    TRAINING_STATES,
    UNIT_SYSTEMS,
    WEEKDAYS,
)


def _personal_best(distance: str):
    return struct(
        f"Best {distance} result",
        time=number("Finish time", "s", ge=60, le=200000),
        date=day("When it was run"),
        source=text("Where the time comes from", isin=PB_SOURCES),
        activity_id=text("Activity that set it, when found in the data"),
    )


def _pace_zone(name: str):
    return struct(
        f"{name} pace range",
        min_sec_per_km=number("Fast end of the range", "s/km", ge=120, le=1200),
        max_sec_per_km=number("Slow end of the range", "s/km", ge=120, le=1200),
    )


HR_ZONES = records(
    "Heart-rate training zones",
    zone=integer("Zone number", ge=1, le=5),
    name=text("Zone name"),
    min_bpm=number("Lower bound", "bpm", ge=20, le=250),
    max_bpm=number("Upper bound", "bpm", ge=20, le=250),
)

PRIORITIES = records(
    "Source priorities (lower wins)",
    source=text("Source", isin=SOURCES),
    priority=integer("Priority, lower wins", ge=0, le=100),
)

IDENTITY = struct(
    "Who the runner is",
    name=text("Full name"),
    preferred_name=text("Name to address the runner by"),
    email=text("Email address"),
    timezone=text("Home IANA timezone"),
    locale=text("Locale (e.g. pt_PT)"),
    country=text("ISO country code"),
    city=text("City"),
)

PHYSICAL = struct(
    "Body facts the runner told us or we inferred",
    age=integer("Age", "years", ge=10, le=100),
    date_of_birth=day("Date of birth"),
    biological_sex=text("Biological sex", isin=BIOLOGICAL_SEXES),
    height_cm=number("Height", "cm", ge=100, le=250),
    weight_kg=number("Body mass", "kg", ge=25, le=250),
    resting_hr_bpm=number("Resting heart rate", "bpm", ge=25, le=120),
    max_hr_bpm=number("Maximum heart rate", "bpm", ge=100, le=250),
    max_hr_source=text("Where max_hr_bpm comes from", isin=MAX_HR_SOURCES),
    observed_max_hr_bpm=number("Highest heart rate seen in the data", "bpm", ge=100, le=250),
    vo2max_ml_per_kg_min=number("VO2max", "mL/kg/min", ge=10, le=95),
)

RUNNING = struct(
    "Running background (told) and running profile (inferred from data)",
    experience_level=text("Self-described level", isin=EXPERIENCE_LEVELS),
    years_running=number("Years of regular running", "years", ge=0, le=80),
    current_volume=number("Weekly volume as the runner reports it", "km/week", ge=0, le=300),
    runs_per_week=integer("Runs per week as reported", ge=0, le=21),
    longest_recent_run_km=number("Longest run in the last month as reported", "km", ge=0, le=250),
    easy_pace_sec_per_km=number("Easy pace as reported", "s/km", ge=150, le=1200),
    personal_bests=struct(
        "Best times by distance",
        five_k=_personal_best("5 km"),
        ten_k=_personal_best("10 km"),
        half_marathon=_personal_best("half marathon"),
        marathon=_personal_best("marathon"),
    ),
    actual_weekly_volume_km=number(
        "Average weekly volume over the last 4 weeks", "km/week", ge=0, le=300
    ),
    actual_easy_pace_sec_per_km=number(
        "Median pace of runs in the easy HR zone", "s/km", ge=150, le=1200
    ),
    long_run_distance_km=number("Typical long-run distance (last 6 weeks)", "km", ge=0, le=250),
    training_consistency=text("How regularly the runner trains", isin=CONSISTENCY_LEVELS),
    consistency_score=confidence("Share of recent weeks with planned-like training"),
    vdot=number("Daniels VDOT", "ml/kg/min equivalent", ge=15, le=90),
    vdot_source=text("Effort VDOT was computed from (race, best effort, user PB)"),
    vdot_date=day("Date of that effort"),
    pace_zones=struct(
        "Daniels training paces from VDOT",
        easy=_pace_zone("Easy (E)"),
        marathon=_pace_zone("Marathon (M)"),
        threshold=_pace_zone("Threshold (T)"),
        interval=_pace_zone("Interval (I)"),
        repetition=_pace_zone("Repetition (R)"),
    ),
    hr_zones=HR_ZONES,
    hr_zones_source=text("How the HR zones were derived (karvonen, percent_max, user)"),
)

GOALS = struct(
    "What the runner is training for",
    goal_type=text("Kind of goal", isin=GOAL_TYPES),
    race_distance=number("Race distance", "km", ge=0.1, le=250),
    race_date=day("Race day"),
    target_time=number("Target finish time", "s", ge=60, le=200000),
    race_name=text("Race name"),
    secondary_goals=texts("Other goals in the runner's words"),
    goal_feasibility=text("How realistic the goal is", isin=GOAL_FEASIBILITY),
    goal_feasibility_reason=text("Why"),
    predicted_time=number("Finish time predicted from VDOT", "s", ge=60, le=200000),
)

SCHEDULE = struct(
    "When the runner can train",
    available_days=integer("Days per week available", "days", ge=1, le=7),
    preferred_days=texts("Preferred days", isin=WEEKDAYS),
    blocked_days=texts("Days that cannot be used", isin=WEEKDAYS),
    long_run_day=text("Day for the long run", isin=WEEKDAYS),
    max_session_minutes=number("Longest session possible", "min", ge=10, le=600),
    preferred_time_of_day=text("Preferred time of day", isin=TIMES_OF_DAY),
)

HEALTH = struct(
    "Injury and health background",
    past_injuries=texts("Past injuries (e.g. plantar_fasciitis)"),
    current_injuries=texts("Current injuries"),
    current_pain=struct(
        "Pain the runner reports now",
        has_pain=flag("Whether the runner is in pain"),
        location=text("Where"),
        severity=number("Severity", "0-10", ge=0, le=10),
        reported_at=instant("When reported"),
    ),
    medical_conditions=texts("Medical conditions relevant to training"),
    medications=texts("Medications that affect heart rate or training"),
    medical_clearance=flag("Cleared by a doctor to train"),
)

COACHING = struct(
    "How the runner wants to be coached",
    coaching_voice=text("Tone of the narratives", isin=COACHING_VOICES),
    units=text("Units for display", isin=UNIT_SYSTEMS),
    language=text("Language for narratives (BCP 47)"),
    detail_level=text("How much explanation", isin=("brief", "standard", "detailed")),
)


def _connection(name: str):
    return struct(
        f"{name} connection",
        connected=flag("Whether data arrives from it"),
        external_user_id=text("Account id there"),
        last_sync_at=instant("Last time data was received"),
    )


CONNECTIONS = struct(
    "Data sources and how they are ranked",
    strava=_connection("Strava"),
    apple_health=_connection("Apple Health"),
    garmin=_connection("Garmin"),
    source_precedence=struct(
        "Which source wins when sources disagree",
        default_priority=PRIORITIES,
        custom_priority=PRIORITIES,
        field_overrides=records(
            "Per-field preferences",
            field=text("Field name (e.g. avg_heart_rate_bpm)"),
            preferred_source=text("Source preferred for it", isin=SOURCES),
            reason=text("Why"),
        ),
    ),
)

CURRENT_STATE = struct(
    "Inferred current state (PATH 2), recomputed from wearable data",
    acute_training_load=number("ATL: 7-day EWMA of daily load", "load units/day", ge=0),
    chronic_training_load=number("CTL: 42-day EWMA of daily load", "load units/day", ge=0),
    training_stress_balance=number("TSB: yesterday's CTL - ATL", "load units/day"),
    training_load_trend=text("Direction of load", isin=LOAD_TRENDS),
    last_7_days_volume_km=number("Distance run in the last 7 days", "km", ge=0),
    last_28_days_volume_km=number("Distance run in the last 28 days", "km", ge=0),
    last_7_days_run_count=integer("Runs in the last 7 days", ge=0),
    last_28_days_run_count=integer("Runs in the last 28 days", ge=0),
    acute_chronic_workload_ratio=number("ACWR", "ratio", ge=0, le=20),
    injury_risk_level=text("Injury risk", isin=RISK_LEVELS),
    injury_risk_factors=texts("What drives the injury risk"),
    overtraining_risk=text("Overtraining risk", isin=RISK_LEVELS),
    readiness_score=number("Readiness to train", "0-100", ge=0, le=100),
    readiness_factors=records(
        "What the readiness score is made of",
        factor=text("Factor (hrv, resting_hr, sleep, tsb)"),
        value=number("Today's value", "factor's unit: ms, bpm, h or load"),
        baseline=number("Runner's own baseline", "factor's unit"),
        impact=number("Points added or removed", "points", ge=-100, le=100),
    ),
    latest_resting_hr_bpm=bpm("Latest resting heart rate"),
    latest_hrv_ms=number("Latest HRV (SDNN)", "ms", ge=0, le=500),
    latest_weight_kg=number("Latest body mass", "kg", ge=20, le=300),
    latest_sleep_score=number("Latest sleep score", "0-100", ge=0, le=100),
    training_state=text("Current training state", isin=TRAINING_STATES),
    training_state_since=day("Date the current state began"),
    current_streak_days=integer("Consecutive days with a run", "days", ge=0),
    longest_streak_days=integer("Longest run streak", "days", ge=0),
    momentum_consistency_score=confidence("Consistency of recent training"),
    overreach_count=integer("Times the runner entered Overreach", ge=0),
    breakthrough_count=integer("Fitness breakthroughs detected", ge=0),
    last_calculated_at=instant("When this state was computed"),
)

LEGAL = struct(
    "Consents and legal acceptance",
    terms_accepted_at=instant("When the terms were accepted"),
    terms_version=text("Version of the terms"),
    privacy_policy_version=text("Version of the privacy policy"),
    health_data_consent=flag("Consent to process health data"),
    marketing_consent=flag("Consent to marketing"),
    parq_completed_at=instant("When the PAR-Q health questionnaire was completed"),
)

CONVERSATION_STATE = struct(
    "Where the onboarding conversation stands",
    onboarding_step=text("Current onboarding step", isin=ONBOARDING_STEPS),
    onboarding_completed=flag("Onboarding finished"),
    data_completeness=percent("Share of profile fields filled"),
    fields_missing=texts("Profile fields still empty (dotted paths)"),
    pending_questions=texts("Questions to ask the runner next"),
    last_interaction_at=instant("Last message from or to the runner"),
)

RUNNER_SECTIONS = {
    "identity": IDENTITY,
    "physical": PHYSICAL,
    "running": RUNNING,
    "goals": GOALS,
    "schedule": SCHEDULE,
    "health": HEALTH,
    "coaching": COACHING,
    "connections": CONNECTIONS,
    "current_state": CURRENT_STATE,
    "legal": LEGAL,
    "conversation_state": CONVERSATION_STATE,
}

RUNNERS = table(
    "coach.runners",
    "The Runner Object: one row per runner, each section a STRUCT. Profile facts (PATH 1) "
    "are never overwritten by inference (PATH 2: current_state and running's inferred fields).",
    key="runner_id",
    columns={
        **ownership(),
        **RUNNER_SECTIONS,
        **audit(),
    },
    indexes={"by_user_id": ("user_id",)},
)

WINDOW = struct(
    "Training figures over a window ending on the transition day",
    volume_km=number("Distance run", "km", ge=0),
    run_count=integer("Runs", ge=0),
    training_load=number("Sum of daily load", "load units", ge=0),
    hard_session_share=percent("Share of runs that were quality sessions"),
)

WEEKLY_SUMMARIES = table(
    "coach.weekly_summaries",
    "One row per runner per ISO week (Monday start, local days): what was run, against the "
    "plan once one exists.",
    key="weekly_summary_id",
    columns={
        "weekly_summary_id": text("runner_id:week_start_date"),
        **ownership(),
        "week_start_date": day("Monday of the week", nullable=False),
        "iso_year": integer("ISO year", ge=2000, le=2100),
        "iso_week": integer("ISO week number", ge=1, le=53),
        "actual_volume_km": number("Distance run", "km", ge=0),
        "planned_volume_km": number("Distance planned", "km", ge=0),
        "compliance_percentage": number("Actual / planned volume", "%", ge=0, le=1000),
        "run_count": integer("Runs", ge=0),
        "easy_km": number("Easy running", "km", ge=0),
        "quality_km": number("Tempo, interval and race running", "km", ge=0),
        "long_run_km": number("Longest run", "km", ge=0),
        "recovery_km": number("Recovery running", "km", ge=0),
        "total_duration_seconds": number("Time running", "s", ge=0),
        "avg_pace_seconds_per_km": number("Average pace", "s/km", ge=120, le=1200),
        "threshold_pace_estimate_seconds_per_km": number(
            "Threshold pace estimate", "s/km", ge=120, le=1200
        ),
        "training_load": number("Sum of daily load", "load units", ge=0),
        "rest_days": integer("Days without a run", "days", ge=0, le=7),
        "health_issues": texts("Health issues noted that week"),
        "ending_state": text("Training state at the end of the week", isin=TRAINING_STATES),
        "ending_ctl": number("CTL at week end", "load units/day", ge=0),
        "ending_atl": number("ATL at week end", "load units/day", ge=0),
        "ending_tsb": number("TSB at week end", "load units/day"),
        **audit(),
    },
    indexes={"by_runner_id": ("runner_id",)},
)

RUNNER_STATES = table(
    "coach.runner_states",
    "Training-state transitions (adaptation history): one row each time the daily state "
    "machine moves a runner from one state to another.",
    key="runner_state_id",
    columns={
        "runner_state_id": text("runner_id:date"),
        **ownership(),
        "effective_date": day("Day the new state takes effect", nullable=False),
        "from_state": text("State before", isin=TRAINING_STATES),
        "to_state": text("State after", isin=TRAINING_STATES),
        "trigger_reason": text("Rule that fired"),
        "window_7d": WINDOW,
        "window_28d": WINDOW,
        "window_90d": WINDOW,
        "volume_change_percent": number("7-day volume vs the 28-day weekly average", "%"),
        "intensity_change_percent": number("Change in quality share", "%"),
        "rationale": text("Plain-language explanation for the coach"),
        "current_streak_days": integer("Run streak on that day", "days", ge=0),
        "longest_streak_days": integer("Longest streak so far", "days", ge=0),
        "consistency_score": confidence("Consistency of recent training"),
        "overreach_count": integer("Overreach episodes so far", ge=0),
        "breakthrough_count": integer("Breakthroughs so far", ge=0),
        **audit(),
    },
    indexes={"by_runner_id": ("runner_id",)},
)

TABLES = (RUNNERS, WEEKLY_SUMMARIES, RUNNER_STATES)
