"""`reference` schema (coaching knowledge, safety rules, session templates) and `quarantine`."""

from warehouse.contract import flag, instant, integer, number, struct, table, text, texts
from warehouse.tables.plans import STRUCTURE_SEGMENTS
from warehouse.vocabulary import (
    INTENSITY_ZONES,
    KNOWLEDGE_CATEGORIES,
    PHASES,
    PLANNED_SESSION_TYPES,
    SAFEGUARD_ACTIONS,
    SAFEGUARD_OPERATORS,
    SEVERITIES,
    TRAINING_LEVELS,
)

KNOWLEDGE_BASE = table(
    "reference.knowledge_base",
    "Coaching knowledge that grounds every plan decision, with its source and confidence.",
    key="knowledge_id",
    columns={
        "knowledge_id": text("Stable id (e.g. kb_volume_10_percent)"),
        "category": text("Topic", isin=KNOWLEDGE_CATEGORIES),
        "title": text("Short title"),
        "content": text("The knowledge, stated plainly"),
        "tags": texts("Search tags"),
        "source": text("Publication or book it comes from"),
        "source_url": text("Where to read it"),
        "confidence": number("How well supported it is", "0-1", ge=0, le=1),
        "usage_context": text("When the generator uses it"),
        "applicable_when": text("Condition under which it applies"),
        "version": integer("Revision of the entry", ge=1),
        "is_active": flag("Used by the generator"),
        "created_at": instant("When the entry was added"),
        "updated_at": instant("When the entry was last revised"),
    },
    indexes={"by_category": ("category",)},
)

SAFEGUARDS = table(
    "reference.safeguards",
    "Safety rules the plan engine reads and applies (no rule lives in code).",
    key="safeguard_id",
    columns={
        "safeguard_id": text("Stable id (e.g. sg_volume_increase_10)"),
        "name": text("Short name"),
        "description": text("What the rule protects against"),
        "category": text("Topic", isin=KNOWLEDGE_CATEGORIES),
        "condition": struct(
            "When the rule fires",
            field=text("Plan quantity tested (e.g. weekly_volume_increase_percent)"),
            operator=text("Comparison", isin=SAFEGUARD_OPERATORS),
            threshold=number("Threshold value", "unit of the tested field"),
            threshold_values=texts("Threshold set for in/not_in"),
            applicable_when=text(
                "Runner condition for the rule to apply (e.g. health.past_injuries is not empty)"
            ),
        ),
        "action": struct(
            "What the rule does when it fires",
            type=text("Action", isin=SAFEGUARD_ACTIONS),
            adjustment=number("Value to cap or reduce to", "unit of the tested field"),
            message=text("Message shown to the runner or coach"),
            severity=text("Severity", isin=SEVERITIES),
        ),
        "priority": integer("Evaluation order, lower first", ge=0, le=1000),
        "is_hard": flag("Hard rule: a plan may never violate it"),
        "source": text("Evidence for the rule"),
        "knowledge_id": text("Knowledge-base entry behind the rule"),
        "is_active": flag("Enforced"),
        "version": integer("Revision of the rule", ge=1),
        "created_at": instant("When the rule was added"),
        "updated_at": instant("When the rule was last revised"),
    },
    indexes={"by_category": ("category",)},
)

WORKOUT_TEMPLATES = table(
    "reference.workout_templates",
    "Parameterised session templates the plan generator instantiates.",
    key="template_id",
    columns={
        "template_id": text("Stable id (e.g. tpl_tempo_20)"),
        "name": text("Name"),
        "session_type": text("Kind of session", isin=PLANNED_SESSION_TYPES),
        "description": text("What the session is"),
        "min_distance_km": number("Shortest version", "km", ge=0, le=250),
        "max_distance_km": number("Longest version", "km", ge=0, le=250),
        "min_duration_seconds": number("Shortest version", "s", ge=0, le=36000),
        "max_duration_seconds": number("Longest version", "s", ge=0, le=36000),
        "intensity_zone": text("Main Daniels zone", isin=INTENSITY_ZONES),
        "effort_level": integer("Perceived effort", "1-10", ge=1, le=10),
        "structure_segments": STRUCTURE_SEGMENTS,
        "usable_phases": texts("Phases it fits", isin=PHASES),
        "min_week": integer("Earliest plan week", ge=1, le=104),
        "max_week": integer("Latest plan week", ge=1, le=104),
        "experience_levels": texts("Training levels it suits", isin=TRAINING_LEVELS),
        "source": text("Where the template comes from"),
        "knowledge_id": text("Knowledge-base entry behind it"),
        "created_at": instant("When the template was added"),
    },
    indexes={"by_session_type": ("session_type",)},
)

REJECTED = table(
    "quarantine.rejected",
    "Input that could not be loaded: the file, the place in it, the reason and an excerpt.",
    key="rejection_id",
    columns={
        "rejection_id": text("Stable id (hash of file, location and reason)"),
        "runner_id": text("Runner whose inbox held the input, when known"),
        "source": text("Input kind (strava, healthkit, profile, inbox)"),
        "source_file": text("File, relative to the inbox"),
        "location": text("Line, byte offset or record within the file"),
        "reason": text("Why it was rejected, in one sentence"),
        "raw_excerpt": text("The offending input, truncated"),
        "target_table": text("Table the input was meant for"),
        "run_id": text("Load or Dagster run that rejected it"),
        "rejected_at": instant("When it was rejected"),
    },
    indexes={"by_runner_id": ("runner_id",)},
)

TABLES = (KNOWLEDGE_BASE, SAFEGUARDS, WORKOUT_TEMPLATES)
QUARANTINE_TABLES = (REJECTED,)
