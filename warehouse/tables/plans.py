"""`plans` schema: training plans, their sessions and the FIT workout files."""

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
from warehouse.tables.coach import HR_ZONES
from warehouse.tables.common import audit, confidence, ownership, percent
from warehouse.vocabulary import (
    GOAL_FEASIBILITY,
    GOAL_TYPES,
    MILESTONE_METRICS,
    NARRATIVE_SOURCES,
    PHASES,
    PLAN_STATUSES,
    PLANNED_SESSION_TYPES,
    ROADMAP_PHASES,
    SEGMENT_TYPES,
    SESSION_STATUSES,
    SEVERITIES,
    VALIDATION_STATUSES,
    WEEKDAYS,
)

INTENSITY_DISTRIBUTION = struct(
    "Share of running time by intensity",
    easy_percentage=percent("Easy (zones 1-2)"),
    moderate_percentage=percent("Moderate (zone 3)"),
    hard_percentage=percent("Hard (zones 4-5)"),
)


def _radar_axis(name: str):
    return struct(
        f"{name} axis of the runner snapshot",
        score=number("Score", "0-100", ge=0, le=100),
        uncertain=flag("Estimated from thin data"),
        basis=text("What the score is based on"),
    )


STRUCTURE_SEGMENTS = records(
    "The session's steps in order; a repeat segment repeats its work/recovery pair",
    segment_index=integer("Position from 1", ge=1),
    segment_type=text("Step kind", isin=SEGMENT_TYPES),
    duration_seconds=number("Step duration (time-based steps)", "s", ge=0, le=36000),
    distance_km=number("Step distance (distance-based steps)", "km", ge=0, le=250),
    repetitions=integer("Times the work/recovery pair is repeated", ge=1, le=50),
    pace_min_sec_per_km=number("Fast end of the pace target", "s/km", ge=120, le=1200),
    pace_max_sec_per_km=number("Slow end of the pace target", "s/km", ge=120, le=1200),
    hr_min_bpm=number("Lower heart-rate target", "bpm", ge=20, le=250),
    hr_max_bpm=number("Upper heart-rate target", "bpm", ge=20, le=250),
    intensity_zone=text("Daniels zone (E, M, T, I, R)", isin=("E", "M", "T", "I", "R")),
    recovery_duration_seconds=number("Recovery after each repetition", "s", ge=0, le=3600),
    recovery_distance_km=number("Recovery distance after each repetition", "km", ge=0, le=10),
    description=text("Step in words"),
)

TRAINING_PLANS = table(
    "plans.training_plans",
    "A periodized training plan for one runner, with its season view, weekly plan, runner "
    "snapshot, safeguard checks and decisions. Distances in km, times in seconds.",
    key="plan_id",
    columns={
        "plan_id": text("Stable id of the plan"),
        **ownership(),
        "name": text("Plan title"),
        "status": text("Lifecycle status", isin=PLAN_STATUSES),
        "goal_type": text("Kind of goal", isin=GOAL_TYPES),
        "race_distance_km": number("Race distance", "km", ge=0.1, le=250),
        "race_date": day("Race day"),
        "target_time_seconds": number("Goal finish time", "s", ge=60, le=200000),
        "predicted_time_seconds": number(
            "Finish time predicted from current VDOT", "s", ge=60, le=200000
        ),
        "goal_feasibility": text("How realistic the goal is", isin=GOAL_FEASIBILITY),
        "goal_feasibility_reason": text("Why"),
        "start_date": day("First day of the plan"),
        "end_date": day("Last day of the plan"),
        "total_weeks": integer("Weeks in the plan", "weeks", ge=1, le=104),
        "current_week": integer("Week the runner is in", "weeks", ge=0, le=104),
        "season_view": struct(
            "The whole season at a glance",
            coach_summary=text("Summary for the runner, in the coaching voice"),
            periodization_justification=text("Why these phases and lengths"),
            volume_strategy_justification=text("Why this volume progression"),
            key_milestones=records(
                "Milestones along the way",
                week_number=integer("Week", ge=1, le=104),
                date=day("Date"),
                description=text("What happens"),
            ),
            identified_risks=records(
                "Risks and how they are handled",
                risk=text("Risk"),
                severity=text("Severity", isin=SEVERITIES),
                mitigation=text("How the plan mitigates it"),
                monitoring_signals=texts("What to watch for"),
            ),
            expected_outcomes=records(
                "What the plan should achieve",
                outcome=text("Outcome"),
                confidence=confidence("Confidence"),
                predicted_value=number(
                    "Predicted value", "s for times, km for volume, VDOT points"
                ),
            ),
        ),
        "weekly_plan": records(
            "One entry per week",
            week_number=integer("Week from 1", ge=1, le=104),
            start_date=day("Monday"),
            end_date=day("Sunday"),
            phase=text("Phase", isin=PHASES),
            is_recovery_week=flag("Cut-back week"),
            planned_volume_km=number("Planned distance", "km", ge=0, le=400),
            volume_change_percent=number(
                "Change on the week before (week 1: on the runner's current volume)",
                "%",
                ge=-100,
            ),
            long_run_km=number("Long-run distance (null in a week without one)", "km", ge=0, le=60),
            session_count=integer("Running sessions", ge=0, le=14),
            key_sessions=texts("Key sessions of the week"),
            intensity_distribution=INTENSITY_DISTRIBUTION,
            focus=text("What the week is for"),
            notes=text("Notes for the runner"),
            warning_signals=texts("Signals that should change the week"),
            safeguard_adjustments=texts(
                "What the safeguards changed in this week (a shortened run, a capped share, "
                "a week made lighter), each in its rule's words"
            ),
        ),
        "runner_snapshot": struct(
            "Where the runner stands when the plan is made",
            endurance=_radar_axis("Endurance"),
            speed=_radar_axis("Speed"),
            recovery=_radar_axis("Recovery"),
            consistency=_radar_axis("Consistency"),
            injury_risk=_radar_axis("Injury Risk"),
            race_ready=_radar_axis("Race Ready"),
            fitness_indicators=struct(
                "Fitness figures at plan time",
                vdot=number("VDOT", "VDOT points", ge=15, le=90),
                ctl=number("CTL", "load units/day", ge=0),
                atl=number("ATL", "load units/day", ge=0),
                tsb=number("TSB", "load units/day"),
                weekly_volume_km=number("Recent weekly volume", "km", ge=0),
                resting_hr_bpm=number("Resting heart rate", "bpm", ge=25, le=120),
                hrv_ms=number("HRV", "ms", ge=0, le=500),
            ),
            plan_influencers=records(
                "What shaped the plan",
                factor=text("Factor (injury history, age, schedule, ...)"),
                effect=text("What it changed"),
            ),
        ),
        "phases": records(
            "Periodization phases",
            name=text("Phase", isin=PHASES),
            start_week=integer("First week", ge=1, le=104),
            end_week=integer("Last week", ge=1, le=104),
            focus=text("Training focus"),
            intensity_distribution=INTENSITY_DISTRIBUTION,
            justification=text("Why this phase"),
        ),
        "load_parameters": struct(
            "Numbers that bound the plan's load",
            starting_volume_km=number("Week 1 volume", "km", ge=0, le=400),
            peak_volume_km=number("Highest weekly volume", "km", ge=0, le=400),
            max_weekly_increase_percentage=percent("Largest week-over-week increase allowed"),
            recovery_week_frequency=integer("A recovery week every N weeks", "weeks", ge=2, le=8),
            recovery_week_reduction_percentage=percent("Volume cut in recovery weeks"),
            long_run_max_share_percentage=percent("Long run's largest share of the week"),
            taper_weeks=integer("Taper length", "weeks", ge=0, le=6),
            hard_sessions_per_week=integer("Quality sessions per week", ge=0, le=5),
        ),
        "target_paces": struct(
            "Training paces from the runner's VDOT (Daniels)",
            vdot=number("VDOT used", "VDOT points", ge=15, le=90),
            easy_min_sec_per_km=number("Easy pace, fast end", "s/km", ge=120, le=1200),
            easy_max_sec_per_km=number("Easy pace, slow end", "s/km", ge=120, le=1200),
            marathon_sec_per_km=number("Marathon pace", "s/km", ge=120, le=1200),
            threshold_sec_per_km=number("Threshold pace", "s/km", ge=120, le=1200),
            interval_sec_per_km=number("Interval pace", "s/km", ge=120, le=1200),
            repetition_sec_per_km=number("Repetition pace", "s/km", ge=120, le=1200),
        ),
        "hr_zones": HR_ZONES,
        "decisions": records(
            "Every decision the generator made",
            decision_id=text("Decision id"),
            what=text("What was decided"),
            source=text("Input or rule it came from"),
            reasoning=text("Why"),
            knowledge_id=text("Knowledge-base entry that grounds it"),
        ),
        "safeguard_applications": records(
            "Every safeguard check, applied or not",
            safeguard_id=text("Safeguard checked"),
            week_number=integer("Week checked", ge=1, le=104),
            session_id=text("Session checked, when session-level"),
            applied=flag("Whether it changed the plan"),
            original_value=number("Value before", "unit of the safeguard's field"),
            adjusted_value=number("Value after", "unit of the safeguard's field"),
            reason=text("Explanation"),
        ),
        "validation_status": text("Result of the weekly validation", isin=VALIDATION_STATUSES),
        "validation_errors": texts("Errors found"),
        "repair_actions": texts("Repairs made"),
        "generator_version": text("Version of the plan generator"),
        "generated_at": instant("When the plan was generated"),
        "narrative_source": text("Who wrote the texts", isin=NARRATIVE_SOURCES),
        "llm_model": text("Claude model used for the texts, if any"),
        "input_hash": text("Hash of the generator's inputs (determinism and caching)"),
        "activated_at": instant("When the plan became active"),
        **audit(),
    },
    indexes={"by_runner_id": ("runner_id",), "by_status": ("status",)},
)

PLANNED_SESSIONS = table(
    "plans.planned_sessions",
    "One row per planned day of a plan (rest days included), with its structure, targets "
    "and why it is there.",
    key="session_id",
    columns={
        "session_id": text("Stable id of the session"),
        "plan_id": text("Plan the session belongs to", nullable=False),
        **ownership(),
        "week_number": integer("Plan week", ge=1, le=104),
        "day_of_week": text("Weekday", isin=WEEKDAYS),
        "scheduled_date": day("Date", nullable=False),
        "session_type": text("Kind of session", isin=PLANNED_SESSION_TYPES),
        "display_type": text("Label for display (e.g. Tempo Run)"),
        "is_key_session": flag("One of the week's key sessions"),
        "is_rest_day": flag("Rest day"),
        "duration_seconds": number("Planned duration", "s", ge=0, le=36000),
        "distance_km": number("Planned distance", "km", ge=0, le=250),
        "effort_level": integer("Perceived effort", "1-10", ge=1, le=10),
        "effort_display": text("Effort for display (e.g. 7/10)"),
        "pace_min_sec_per_km": number("Fast end of the pace target", "s/km", ge=120, le=1200),
        "pace_max_sec_per_km": number("Slow end of the pace target", "s/km", ge=120, le=1200),
        "pace_display": text("Pace for display (e.g. 4:55-5:05/km)"),
        "hr_zone": integer("Heart-rate zone", ge=1, le=5),
        "hr_min_bpm": number("Lower heart-rate target", "bpm", ge=20, le=250),
        "hr_max_bpm": number("Upper heart-rate target", "bpm", ge=20, le=250),
        "description": text("What to do"),
        "structure_display": text("Structure in one line (10 min warm-up -> ...)"),
        "structure_segments": STRUCTURE_SEGMENTS,
        "justification": text("Why this session"),
        "physiological_target": text("What it trains"),
        "placement_rationale": text("Why on this day"),
        "key_points": texts("Cues for the runner"),
        "related_knowledge_ids": texts("Knowledge-base entries behind it"),
        "related_safeguard_ids": texts("Safeguards that shaped it"),
        "is_moveable": flag("Can move to another day"),
        "is_splittable": flag("Can be split in two"),
        "alternatives": records(
            "Substitutes when the session cannot be done",
            session_type=text("Alternative kind", isin=PLANNED_SESSION_TYPES),
            description=text("What to do instead"),
        ),
        "status": text("Adherence status", isin=SESSION_STATUSES),
        "completed_activity_id": text("Activity that fulfilled it"),
        "adherence_score": number("How closely it was followed", "0-1", ge=0, le=1),
        "completed_share": number(
            "Share of the planned work done: distance, or time for a session planned by time; "
            "capped at 1 (null for rest days and sessions still ahead)",
            "0-1",
            ge=0,
            le=1,
        ),
        "actual_distance_km": number("Distance actually run", "km", ge=0, le=250),
        "actual_duration_seconds": number("Time actually run", "s", ge=0),
        **audit(),
    },
    indexes={
        "by_plan_id": ("plan_id",),
        "by_runner_id": ("runner_id",),
    },
)

FIT_FILES = table(
    "plans.fit_files",
    "Garmin FIT workout files written for planned sessions.",
    key="fit_file_id",
    columns={
        "fit_file_id": text("Stable id of the file (sha256 of session and content)"),
        "session_id": text("Planned session it encodes", nullable=False),
        "plan_id": text("Plan", nullable=False),
        "runner_id": text("Runner", nullable=False),
        "path": text("Path under $CADENCE_HOME/exports"),
        "sha256": text("SHA-256 of the file bytes"),
        "size_bytes": integer("File size", "bytes", ge=0),
        "step_count": integer("workout_step messages", ge=0, le=1000),
        "workout_name": text("Name in the workout message"),
        **audit(),
    },
    indexes={"by_session_id": ("session_id",), "by_runner_id": ("runner_id",)},
)

ROADMAPS = table(
    "plans.roadmaps",
    "Seed 004 table 4: one row per phase of a runner's roadmap from the plan date to their "
    "last goal - consecutive phases, each goal day closing one (a Taper for an A race, a "
    "Mini-taper for a B race, trained through for a C race), a Recovery phase after each A "
    "race. Rebuilt only when the goals change; the active plan is its current block.",
    key="roadmap_phase_id",
    columns={
        "roadmap_phase_id": text("roadmap_id:phase_number"),
        "roadmap_id": text(
            "runner_id:hash of the goals it was built for (a new id when a goal changes)",
            nullable=False,
        ),
        **ownership(),
        "goal_id": text(
            "coach.long_term_goals row the phase leads to (Recovery: the race just run)",
            nullable=False,
        ),
        "phase_number": integer("Order in the roadmap, from 1", ge=1),
        "phase_name": text("Phase", isin=ROADMAP_PHASES),
        "start_date": day("First day of the phase", nullable=False),
        "end_date": day("Last day of the phase (the race day for a goal's closing phase)"),
        "target_volume_km": number(
            "Weekly volume the phase ends on (a Taper's: its last week)", "km/week", ge=0, le=300
        ),
        "focus": text("What the phase trains"),
        **audit(),
    },
    indexes={"by_runner_id": ("runner_id",)},
)

MILESTONES = table(
    "plans.milestones",
    "Seed 004 table 5: checkpoints in every roadmap phase - a long run, a weekly volume, a "
    "time trial, tune-up or goal race with a target time from VDOT - marked achieved from the "
    "runner's activities, with the day, on every run.",
    key="milestone_id",
    columns={
        "milestone_id": text("roadmap_id:phase_number:target_metric"),
        "roadmap_id": text("Roadmap", nullable=False),
        **ownership(),
        "phase_number": integer("Roadmap phase the milestone closes", ge=1),
        "goal_id": text("coach.long_term_goals row of that phase"),
        "milestone_name": text("The milestone in words (e.g. 20 km long run)"),
        "target_date": day("Day it is due by", nullable=False),
        "target_metric": text(
            "What is measured: long_run_km (one run), weekly_volume_km (one Monday-Sunday "
            "week), time_trial_seconds or race_seconds (time over distance_km)",
            isin=MILESTONE_METRICS,
        ),
        "target_value": number(
            "Target in the metric's unit: km for a long run, km/week for a weekly volume, "
            "s for a time trial or race",
            "km, km/week or s (by target_metric)",
            ge=0,
        ),
        "distance_km": number("Distance of a time trial or race", "km", ge=0.1, le=250),
        "achieved": flag("Whether the runner's activities reached it"),
        "achieved_date": day("Local day of the run that reached it"),
        "achieved_activity_id": text("terra.activities row that reached it"),
        **audit(),
    },
    indexes={"by_runner_id": ("runner_id",), "by_roadmap_id": ("roadmap_id",)},
)

TABLES = (TRAINING_PLANS, PLANNED_SESSIONS, FIT_FILES, ROADMAPS, MILESTONES)
