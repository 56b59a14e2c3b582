"""`coach` schema: the Runner Object, weekly summaries, training-state history and memory
summaries."""

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
    ALCOHOL_FREQUENCIES,
    BIOLOGICAL_SEXES,
    CALENDAR_PROVIDERS,
    COACHING_VOICES,
    CONSISTENCY_LEVELS,
    CONVERSATION_PHASES,
    CYCLE_PHASES,
    DATA_ORIENTATIONS,
    EXPERIENCE_LEVELS,
    FEEDBACK_FREQUENCIES,
    GOAL_FEASIBILITY,
    GOAL_PRIORITIES,
    GOAL_STATUSES,
    GOAL_TYPES,
    IANA_TIMEZONES,
    INJURY_SEVERITIES,
    LOAD_TRENDS,
    MAX_HR_SOURCES,
    MEMORY_SUMMARY_TYPES,
    NARRATIVE_SOURCES,
    NUTRITION_QUALITIES,
    ONBOARDING_STEPS,
    PB_SOURCES,
    RECOVERY_STYLES,
    RISK_LEVELS,
    RUNNING_BACKGROUNDS,
    SLEEP_QUALITIES,
    SOURCES,
    STRESS_LEVELS,
    TIMES_OF_DAY,
    TRAINING_STATES,
    UNIT_SYSTEMS,
    WEARABLES,
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
    name_confirmed=flag("Whether the runner confirmed the name"),
    preferred_name=text("Name to address the runner by"),
    email=text("Email address"),
    timezone=text(
        "Home IANA timezone",
        isin=IANA_TIMEZONES,
        allowed="an IANA timezone name such as Europe/Lisbon",
    ),
    locale=text("Locale (e.g. pt_PT)"),
    country=text("ISO country code"),
    city=text("City"),
)

PHYSICAL = struct(
    "Body facts the runner told us or we inferred",
    seed_names={
        "weight": "weight_kg",
        "height": "height_cm",
        "max_heart_rate": "max_hr_bpm",
        "max_heart_rate_source": "max_hr_source",
        "resting_heart_rate": "resting_hr_bpm",
    },
    age=integer("Age", "years", ge=10, le=100),
    date_of_birth=day("Date of birth"),
    biological_sex=text("Biological sex", isin=BIOLOGICAL_SEXES),
    height_cm=number("Height", "cm", ge=100, le=250),
    weight_kg=number("Body mass", "kg", ge=25, le=250),
    weight_source=text("Where the body mass comes from (manual, healthkit, garmin)"),
    weight_updated_at=instant("When the body mass was last measured"),
    body_fat_percentage=number("Body fat", "%", ge=2, le=70),
    bmi=number("Body mass index", "kg/m2", ge=10, le=70),
    resting_hr_bpm=number("Resting heart rate", "bpm", ge=25, le=120),
    resting_heart_rate_source=text("Where resting_hr_bpm comes from"),
    max_hr_bpm=number("Maximum heart rate", "bpm", ge=100, le=250),
    max_hr_source=text("Where max_hr_bpm comes from", isin=MAX_HR_SOURCES),
    observed_max_hr_bpm=number("Highest heart rate seen in the data", "bpm", ge=100, le=250),
    lactate_threshold_heart_rate=number("Lactate threshold heart rate", "bpm", ge=80, le=230),
    functional_threshold_pace=text("Functional threshold pace as told (e.g. 4:30/km)"),
    functional_threshold_power=number("Functional threshold running power", "W", ge=50, le=800),
    vo2max_ml_per_kg_min=number("VO2max", "mL/kg/min", ge=10, le=95),
)

RUNNING = struct(
    "Running background (told) and running profile (inferred from data)",
    seed_names={
        "current_frequency": "runs_per_week",
        "longest_recent_run": "longest_recent_run_km",
        "actual_weekly_volume": "actual_weekly_volume_km",
        "actual_long_run_distance": "long_run_distance_km",
        "training_consistency_score": "consistency_score",
        "vdot_updated_at": "vdot_date",
    },
    experience_level=text("Self-described level", isin=EXPERIENCE_LEVELS),
    years_running=number("Years of regular running", "years", ge=0, le=80),
    months_running=number("Months of regular running", "months", ge=0, le=960),
    running_background=text("Where the runner's running started", isin=RUNNING_BACKGROUNDS),
    current_volume=number("Weekly volume as the runner reports it", "km/week", ge=0, le=300),
    runs_per_week=integer("Runs per week as reported", ge=0, le=21),
    longest_recent_run_km=number("Longest run in the last month as reported", "km", ge=0, le=250),
    easy_pace=text("Easy pace in the runner's words (e.g. 5:40/km)"),
    easy_pace_sec_per_km=number("Easy pace as reported", "s/km", ge=150, le=1200),
    actual_weekly_volume_source=text("What actual_weekly_volume_km was measured from"),
    vo2_max=number("Latest VO2max estimated by a wearable", "mL/kg/min", ge=10, le=95),
    vo2_max_source=text("Where vo2_max comes from (healthkit: an Apple Health VO2Max record)"),
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
    vdot=number(
        "Daniels VDOT, older performances faded (transforms/running_profile.py)",
        "ml/kg/min equivalent",
        ge=15,
        le=90,
    ),
    vdot_source=text(
        "The maximal performance VDOT was computed from: what it was (personal best, race, "
        "all-out run, fastest stretch of a race or all-out run), its distance and time"
    ),
    vdot_date=day("Date of that performance"),
    vdot_activity_id=text("Activity of that performance (none for a told personal best)"),
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
    race_distance_label=text("Race distance by name (e.g. half_marathon)"),
    race_date=day("Race day"),
    goal_status=text(
        "Whether the race is still ahead: past once its date is before the plan date (the "
        "plan is then maintenance until a new goal is set)",
        isin=GOAL_STATUSES,
    ),
    target_time=number("Target finish time", "s", ge=60, le=200000),
    target_pace=text("Target race pace in the runner's words (e.g. 5:00/km)"),
    goal_priority=text("What matters about the race", isin=GOAL_PRIORITIES),
    target_volume=number("Weekly volume aimed at (base building)", "km/week", ge=0, le=300),
    target_pace_improvement=text("Pace improvement aimed at (speed goal)"),
    race_name=text("Race name"),
    secondary_goals=texts("Other goals in the runner's words"),
    goal_feasibility=text("How realistic the goal is", isin=GOAL_FEASIBILITY),
    goal_feasibility_reason=text("Why"),
    predicted_time=number("Finish time predicted from VDOT", "s", ge=60, le=200000),
    long_term_goals=records(
        "Races up to 24 months out, as the runner listed them (coach.long_term_goals)",
        distance=text("Race distance: 5k, 10k, half_marathon, marathon or a number of km"),
        target_date=day("Race day"),
        target_time=number("Target finish time", "s", ge=60, le=200000),
        priority=integer("1 the A race, 2 a B race, 3 a C race", ge=1, le=3),
        race_name=text("Race name"),
    ),
)

SCHEDULE = struct(
    "When the runner can train",
    seed_names={
        "max_session_duration_minutes": "max_session_minutes",
        "preferred_time": "preferred_time_of_day",
    },
    available_days=integer("Days per week available", "days", ge=1, le=7),
    preferred_days=texts("Preferred days", isin=WEEKDAYS),
    blocked_days=texts("Days that cannot be used", isin=WEEKDAYS),
    long_run_day=text("Day for the long run", isin=WEEKDAYS),
    max_session_minutes=number("Longest session possible", "min", ge=10, le=600),
    preferred_time_of_day=text("Preferred time of day", isin=TIMES_OF_DAY),
    has_gym_access=flag("Can use a gym"),
    has_track_access=flag("Can use a running track"),
    has_hills_access=flag("Has hills to run on"),
    calendar_connected=flag("Whether a calendar is connected"),
    calendar_provider=text("Calendar provider", isin=CALENDAR_PROVIDERS),
)

HEALTH = struct(
    "Injury and health background",
    seed_names={"has_physician_clearance": "medical_clearance"},
    past_injuries=texts("Past injuries (e.g. plantar_fasciitis)"),
    injury_details=records(
        "Past injuries in detail",
        type=text("Injury (e.g. shin_splints)"),
        severity=text("How bad it was", isin=INJURY_SEVERITIES),
        date_occurred=day("When it happened"),
        date_recovered=day("When it healed"),
        notes=text("Notes"),
    ),
    current_injuries=texts("Current injuries"),
    current_pain=struct(
        "Pain the runner reports now",
        has_pain=flag("Whether the runner is in pain"),
        location=text("Where"),
        severity=number("Severity", "0-10", ge=0, le=10),
        reported_at=instant("When reported"),
    ),
    recovery_style=text("How the runner recovers from injury", isin=RECOVERY_STYLES),
    sleep_quality=text("Sleep as the runner describes it", isin=SLEEP_QUALITIES),
    stress_level=text("Life stress as the runner describes it", isin=STRESS_LEVELS),
    nutrition_quality=text("Nutrition as the runner describes it", isin=NUTRITION_QUALITIES),
    alcohol_frequency=text("How often the runner drinks", isin=ALCOHOL_FREQUENCIES),
    medical_conditions=texts("Medical conditions relevant to training"),
    medications=texts("Medications that affect heart rate or training"),
    medical_clearance=flag("Cleared by a doctor to train"),
    tracks_menstrual_cycle=flag("Whether the runner tracks a menstrual cycle"),
    current_cycle_phase=text("Current cycle phase", isin=CYCLE_PHASES),
    cycle_affects_training=flag("Whether the cycle affects training"),
)

COACHING = struct(
    "How the runner wants to be coached",
    coaching_voice=text("Tone of the narratives", isin=COACHING_VOICES),
    data_orientation=text("How much the runner likes numbers", isin=DATA_ORIENTATIONS),
    feedback_frequency=text("How often the runner wants feedback", isin=FEEDBACK_FREQUENCIES),
    biggest_challenge=text("What gets in the way, in the runner's words"),
    motivations=texts("Why the runner runs (health, competition, stress_relief, social)"),
    skip_triggers=texts("What makes the runner skip runs"),
    preferred_notification_time=text("When to send messages"),
    notifications_enabled=flag("Whether messages may be sent"),
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
    seed_names={
        "wearable_type": "primary_wearable",
        "strava_connected": "strava.connected",
        "strava_athlete_id": "strava.external_user_id",
        "strava_last_sync": "strava.last_sync_at",
        "healthkit_connected": "apple_health.connected",
        "healthkit_last_sync": "apple_health.last_sync_at",
        "garmin_connected": "garmin.connected",
        "garmin_last_sync": "garmin.last_sync_at",
        "coros_connected": "coros.connected",
        "coros_last_sync": "coros.last_sync_at",
        "polar_connected": "polar.connected",
        "polar_last_sync": "polar.last_sync_at",
        "whoop_connected": "whoop.connected",
        "whoop_last_sync": "whoop.last_sync_at",
        "terra_connected": "terra.connected",
        "terra_user_id": "terra.external_user_id",
    },
    wearable_connected=flag("Whether a wearable is connected"),
    primary_wearable=text("The runner's main wearable", isin=WEARABLES),
    strava=_connection("Strava"),
    apple_health=_connection("Apple Health"),
    garmin=_connection("Garmin"),
    coros=_connection("COROS"),
    polar=_connection("Polar"),
    whoop=_connection("WHOOP"),
    terra=_connection("Terra"),
    calendar_connected=flag("Whether a calendar is connected"),
    calendar_provider=text("Calendar provider", isin=CALENDAR_PROVIDERS),
    source_precedence=struct(
        "Which source wins when sources disagree",
        default_priority=PRIORITIES,
        custom_priority=PRIORITIES,
        primary_source_override=text("Source to treat as primary", isin=SOURCES),
        last_updated_at=instant("When the precedence last changed"),
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
    seed_names={
        "last_7_days_volume": "last_7_days_volume_km",
        "last_28_days_volume": "last_28_days_volume_km",
        "latest_resting_hr": "latest_resting_hr_bpm",
        "latest_hrv": "latest_hrv_ms",
        "latest_weight": "latest_weight_kg",
    },
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
    seed_names={"marketing_opt_in": "marketing_consent"},
    terms_accepted_at=instant("When the terms were accepted"),
    terms_version=text("Version of the terms"),
    privacy_accepted_at=instant("When the privacy policy was accepted"),
    privacy_policy_version=text("Version of the privacy policy"),
    health_consent_at=instant("When consent to process health data was given"),
    consent_version=text("Version of the consents"),
    health_data_consent=flag("Consent to process health data"),
    marketing_consent=flag("Consent to marketing"),
    parq_completed_at=instant("When the PAR-Q health questionnaire was completed"),
)

CONVERSATION_STATE = struct(
    "Where the onboarding conversation stands",
    onboarding_step=text("Current onboarding step", isin=ONBOARDING_STEPS),
    current_phase=text("Current conversation phase", isin=CONVERSATION_PHASES),
    onboarding_completed=flag("Onboarding finished"),
    onboarding_completed_at=instant("When onboarding finished"),
    data_completeness=percent("Share of profile fields filled"),
    ready_for_plan=flag(
        "Whether a plan can be made: false while a fact the plan needs was rejected or "
        "profile.yaml does not parse (no plan, no FIT files until it is fixed)"
    ),
    fields_to_confirm=texts(
        "What the runner must fix before a plan (dotted fields, or profile.yaml when it does "
        "not parse)"
    ),
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
        "compliance_percentage": number(
            "Share of the planned work done in the sessions already due (each capped at its plan)",
            "%",
            ge=0,
            le=100,
        ),
        "recovery_week_overrun": flag(
            "A recovery week in which more was run than planned (over 110 % of its volume)"
        ),
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

MEMORY_SUMMARIES = table(
    "coach.memory_summaries",
    "Long-term memory (seed 003): one short text per runner per complete ISO week - volume "
    "against plan, key sessions, state changes, health, personal bests - whose every number "
    "comes from the tables (figures). Claude may reword the template, never its numbers.",
    key="memory_summary_id",
    columns={
        "memory_summary_id": text("runner_id:summary_type:source_date_range_start"),
        **ownership(),
        "summary_type": text("What the summary covers", isin=MEMORY_SUMMARY_TYPES),
        "source_date_range_start": day("First day summarised (a Monday)", nullable=False),
        "source_date_range_end": day("Last day summarised (a Sunday)", nullable=False),
        "content": text("The summary as shown: Claude's wording when accepted, else the template"),
        "template_content": text("The summary from the template, every number from figures"),
        "narrative_source": text("Who wrote content", isin=NARRATIVE_SOURCES),
        "llm_model": text("Claude model that reworded it, if any"),
        "figures": struct(
            "The numbers the summary states, as read from the tables",
            actual_volume_km=number("Distance run (coach.weekly_summaries)", "km", ge=0),
            planned_volume_km=number("Distance planned", "km", ge=0),
            compliance_percentage=number("Share of the planned work done", "%", ge=0, le=100),
            run_count=integer("Runs", ge=0),
            long_run_km=number("Longest run", "km", ge=0),
            training_load=number("Sum of daily load", "load units", ge=0),
            key_sessions_planned=integer("Key sessions planned", ge=0),
            key_sessions_done=integer("Key sessions done (completed or modified)", ge=0),
            ending_tsb=number("Form (TSB) at week end", "load units/day"),
            ending_state=text("Training state at week end", isin=TRAINING_STATES),
        ),
        **audit(),
    },
    indexes={"by_runner_id": ("runner_id",)},
)

LONG_TERM_GOALS = table(
    "coach.long_term_goals",
    "Seed 004 table 3: each runner's races up to 24 months out, one row per goal - the "
    "profile's goals.long_term_goals, or its single race goal as one A race - with the "
    "goal's feasibility rechecked against current fitness on every run.",
    key="long_term_goal_id",
    columns={
        "long_term_goal_id": text("runner_id:target_date:distance_km"),
        **ownership(),
        "distance": text("Race distance as the runner named it (half_marathon, 10k, 42.2)"),
        "distance_km": number("Race distance", "km", ge=0.1, le=250),
        "target_date": day("Race day", nullable=False),
        "target_time_seconds": number("Target finish time", "s", ge=60, le=200000),
        "priority": integer(
            "1 the A race (full taper), 2 a B race (mini-taper), 3 a C race (trained through)",
            ge=1,
            le=3,
        ),
        "race_name": text("Race name"),
        "goal_status": text("past once the race day is before the plan date", isin=GOAL_STATUSES),
        "feasibility": text("How realistic the target is today", isin=GOAL_FEASIBILITY),
        "feasibility_reason": text("Why: the VDOT the target needs against current fitness"),
        "predicted_time_seconds": number(
            "Finish time current fitness (VDOT) predicts", "s", ge=60, le=200000
        ),
        "checked_on": day("Plan date the feasibility was judged on"),
        **audit(),
    },
    indexes={"by_runner_id": ("runner_id",)},
)

TABLES = (RUNNERS, WEEKLY_SUMMARIES, RUNNER_STATES, MEMORY_SUMMARIES, LONG_TERM_GOALS)
