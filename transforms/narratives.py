"""Claude-written plan narratives: the request, and the check that a reply only rewrites words.

The deterministic generator fills every text of a plan from templates. When Claude is
available it may rewrite the narrative fields (NARRATIVE_FIELDS) in the runner's coaching
voice; everything else — every figure, date, phase and week — stays the generator's. A reply
is accepted only when it covers exactly the plan's phases and weeks, every text is non-empty
and bounded, and every number it states already appears in the plan (its figures, dates,
paces and times as displayed to Claude, or its template texts).

Claude sees the plan in the runner's units (coaching.units): for a runner who reads miles,
every distance, pace and template text it is shown is converted here beforehand, so it
quotes miles without ever converting a number itself.
"""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import json
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from transforms.units import (
    clock,
    distance_in,
    distance_unit,
    pace_clock,
    runner_units,
    text_in_units,
)

TOOL_NAME = "write_plan_narrative"
LLM_SOURCE = "llm"


@dataclass(frozen=True)
class NarrativeField:
    path: str
    """Dotted path in the plan; `list[].leaf` is one text per record of the list."""
    reply_key: str
    """Property of the tool input holding the text (or texts keyed per record)."""
    guidance: str
    max_chars: int


NARRATIVE_FIELDS = (
    NarrativeField(
        "season_view.coach_summary",
        "coach_summary",
        "The plan in a few sentences, addressed to the runner: the goal, the road to it, "
        "and what matters most.",
        1500,
    ),
    NarrativeField(
        "season_view.periodization_justification",
        "periodization_justification",
        "Why these phases, in this order and with these lengths.",
        1500,
    ),
    NarrativeField(
        "season_view.volume_strategy_justification",
        "volume_strategy_justification",
        "Why the weekly volume starts, grows, cuts back and peaks as it does.",
        1500,
    ),
    NarrativeField(
        "phases[].justification",
        "phase_justifications",
        "Why this phase, keyed by phase name.",
        800,
    ),
    NarrativeField(
        "weekly_plan[].notes",
        "week_notes",
        "One to three sentences for the week: what it is for and how it should feel, keyed by "
        "week number.",
        600,
    ),
)
NARRATIVE_PATHS = tuple(field.path for field in NARRATIVE_FIELDS)

RECORD_KEYS = {"phases": "name", "weekly_plan": "week_number"}
"""How a list's records are named in the tool input."""

VOICES = {  # one per warehouse.vocabulary.COACHING_VOICES
    "encouraging": "Warm and upbeat. Celebrate what the runner already does, frame hard weeks "
    "as progress, and end on confidence.",
    "direct": "Short, plain sentences. Say what to do and why, without cheerleading or filler.",
    "analytical": "Explain the reasoning and the trade-offs behind each choice, referring to "
    "the plan's own figures.",
    "gentle": "Calm and reassuring. Never push; make rest and patience feel like part of the "
    "work, and acknowledge worries such as past injuries.",
    "tough_love": "Demanding and honest. Hold the runner to what they said they want, name "
    "excuses for what they are, and respect them enough to be blunt.",
    "minimalist": "As few words as possible: the session and its purpose, nothing else.",
}
DEFAULT_VOICE = "encouraging"
DETAIL_LEVELS = {
    "brief": "Keep every text short: the essentials only.",
    "standard": "Explain enough for the runner to understand the choice.",
    "detailed": "Explain fully, within the length limits.",
}

# Keys whose values are identifiers or bookkeeping: digits in them are not figures of the plan.
_BOOKKEEPING_KEYS = frozenset(
    {
        "input_hash",
        "generator_version",
        "llm_model",
        "generated_at",
        "activated_at",
        "created_at",
        "updated_at",
    }
)
# A clock (5:05, 1:02:30), a number with thousands separators (1,000) or a plain number.
_NUMBER = re.compile(r"\d+(?::\d{2})+|\d{1,3}(?:,\d{3})+(?!\d|\.\d)|\d+(?:\.\d+)?")


class NarrativeRejected(ValueError):  # noqa: N818 - says what happened to the reply
    """Claude's reply cannot replace the template texts; `problems` says why."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("narrative rejected: " + "; ".join(problems))


@dataclass(frozen=True)
class NarrativeRequest:
    model: str
    system: str
    user_content: str
    tool: dict[str, Any]
    max_tokens: int

    @property
    def params(self) -> dict[str, Any]:
        """Keyword arguments of the Messages API call (`messages.create`)."""
        return {
            "model": self.model,
            "max_tokens": self.max_tokens,
            "system": self.system,
            "messages": [{"role": "user", "content": self.user_content}],
            "tools": [self.tool],
            "tool_choice": {"type": "tool", "name": TOOL_NAME},
        }

    @property
    def input_hash(self) -> str:
        """sha256 of everything sent to Claude (model included): the reply cache key."""
        return hashlib.sha256(_canonical_json(self.params).encode()).hexdigest()


def narrative_request(
    plan: Mapping[str, Any],
    runner: Mapping[str, Any],
    knowledge: list[Mapping[str, Any]],
    model: str,
    recent_weeks: Sequence[str] = (),
) -> NarrativeRequest:
    """The Messages API request asking `model` to rewrite the plan's narrative texts.

    `recent_weeks` are the runner's latest weekly memory summaries (coach.memory_summaries),
    newest first, given as context in words; without them the request is as before.

    `runner` is the Runner Object (its sections as dicts); `knowledge` holds
    reference.knowledge_base rows, of which those cited by the plan's decisions are sent.
    Raises ValueError when the plan repeats a phase name or week number (its texts could not
    be told apart)."""
    units = runner_units(runner)
    unit = distance_unit(units)
    texts = narrative_texts(plan)
    coaching = _section(runner, "coaching")
    voice = coaching.get("coaching_voice")
    voice = voice if voice in VOICES else DEFAULT_VOICE
    detail = coaching.get("detail_level")
    detail = detail if detail in DETAIL_LEVELS else "standard"
    language = coaching.get("language") or "en"
    system = "\n".join(
        [
            "You are a running coach writing the texts of a training plan that is already "
            "built. Its figures are final: you explain them, you never change them.",
            f"Voice ({voice}): {VOICES[voice]}",
            f"Detail: {DETAIL_LEVELS[detail]}",
            f"Language: write in the language with BCP 47 tag {language!r}.",
            f"Units: distances in {unit}, paces in minutes per {unit}, as `plan` and "
            "`current_texts` give them.",
            "Rules:",
            f"- Call the {TOOL_NAME} tool once, with every field, every phase and every week.",
            "- State only numbers that appear in `plan` or `current_texts`, written the same "
            "way (decimals with a point, paces and times as m:ss). Never compute, convert, "
            "round differently or invent a figure; when unsure, say it in words without "
            "digits. Numbers from `knowledge` may be quoted only if `plan` holds them too.",
            "- Plain language a runner understands; explain any jargon in a few words. No "
            "markdown, lists, headings or emoji.",
            "- Ground the justifications in the knowledge entries given; cite nothing else.",
            "- Do not give medical advice beyond the plan's own risk mitigations.",
            "- `current_texts` are the template texts: keep their facts, improve their words.",
        ]
        + (
            [
                "- `recent_weeks` tell how the runner's last weeks went, newest first: refer "
                "to them in words only, quoting none of their numbers."
            ]
            if recent_weeks
            else []
        )
    )
    content = {
        "runner": _runner_context(runner),
        "plan": plan_facts(plan, units),
        "knowledge": _knowledge_used(plan, knowledge),
        "current_texts": _in_units(texts, units),
    }
    if recent_weeks:
        content["recent_weeks"] = list(recent_weeks)
    budget_chars = sum(
        field.max_chars * (len(texts[field.reply_key]) if _is_per_record(field) else 1)
        for field in NARRATIVE_FIELDS
    )
    return NarrativeRequest(
        model=model,
        system=system,
        user_content=_canonical_json(content),
        tool=_tool(texts),
        # About 3 characters a token, plus room for the tool call's JSON.
        max_tokens=min(32000, budget_chars // 3 + 1024),
    )


def narrative_texts(plan: Mapping[str, Any]) -> dict[str, Any]:
    """The plan's current narrative texts, shaped like the tool input."""
    texts: dict[str, Any] = {}
    for field in NARRATIVE_FIELDS:
        container, leaf = _split(field)
        if _is_per_record(field):
            texts[field.reply_key] = {
                key: record.get(leaf) or "" for key, record in _records(plan, container).items()
            }
        else:
            texts[field.reply_key] = (plan.get(container) or {}).get(leaf) or ""
    return texts


def apply_narrative(
    plan: Mapping[str, Any], reply_input: Any, model: str, units: str | None = None
) -> dict[str, Any]:
    """A copy of the plan with the narrative texts from Claude's tool input, `narrative_source`
    'llm' and `llm_model`; every other value unchanged. Raises NarrativeRejected listing every
    problem when the reply is not a faithful narrative of this plan as shown in `units`."""
    problems = _reply_problems(plan, reply_input, units)
    if problems:
        raise NarrativeRejected(problems)
    narrated = copy.deepcopy(dict(plan))
    for field in NARRATIVE_FIELDS:
        container, leaf = _split(field)
        value = reply_input[field.reply_key]
        if _is_per_record(field):
            for key, record in _records(narrated, container).items():
                record[leaf] = value[key].strip()
        else:
            narrated[container] = {**narrated[container], leaf: value.strip()}
    narrated["narrative_source"] = LLM_SOURCE
    narrated["llm_model"] = model
    return narrated


def plan_facts(plan: Mapping[str, Any], units: str | None = None) -> dict[str, Any]:
    """What Claude is told about the plan: its figures, phases and weeks, with times and paces
    as clocks (m:ss) the way a runner reads them, distances and paces in `units`."""
    season = plan.get("season_view") or {}
    snapshot = plan.get("runner_snapshot") or {}
    paces = plan.get("target_paces") or {}
    facts = {
        "name": plan.get("name"),
        "goal": {
            "goal_type": plan.get("goal_type"),
            "race_distance_km": plan.get("race_distance_km"),
            "race_date": plan.get("race_date"),
            "target_time": _clock(plan.get("target_time_seconds")),
            "predicted_time": _clock(plan.get("predicted_time_seconds")),
            "feasibility": plan.get("goal_feasibility"),
            "feasibility_reason": plan.get("goal_feasibility_reason"),
        },
        "start_date": plan.get("start_date"),
        "end_date": plan.get("end_date"),
        "total_weeks": plan.get("total_weeks"),
        "load_parameters": plan.get("load_parameters"),
        f"target_paces_per_{distance_unit(units)}": {
            "vdot": paces.get("vdot"),
            "easy": _pace_range(
                paces.get("easy_min_sec_per_km"), paces.get("easy_max_sec_per_km"), units
            ),
            **{
                zone: _pace(paces.get(f"{zone}_sec_per_km"), units)
                for zone in ("marathon", "threshold", "interval", "repetition")
            },
        },
        "fitness": snapshot.get("fitness_indicators"),
        "plan_influencers": snapshot.get("plan_influencers"),
        "milestones": season.get("key_milestones"),
        "risks": [
            {key: risk.get(key) for key in ("risk", "severity", "mitigation")}
            for risk in season.get("identified_risks") or []
        ],
        "expected_outcomes": season.get("expected_outcomes"),
        "phases": [
            {
                key: phase.get(key)
                for key in ("name", "start_week", "end_week", "focus", "intensity_distribution")
            }
            for phase in plan.get("phases") or []
        ],
        "weeks": [
            {
                key: week.get(key)
                for key in (
                    "week_number",
                    "start_date",
                    "phase",
                    "is_recovery_week",
                    "planned_volume_km",
                    "volume_change_percent",
                    "long_run_km",
                    "session_count",
                    "key_sessions",
                    "focus",
                    "warning_signals",
                )
            }
            for week in plan.get("weekly_plan") or []
        ],
        "decisions": [
            {key: decision.get(key) for key in ("what", "reasoning", "knowledge_id")}
            for decision in plan.get("decisions") or []
        ],
    }
    return _rounded(_in_units(facts, units))


def _in_units(value: Any, units: str | None) -> Any:
    """Facts or texts with every `*_km` figure as `*_mi` (for miles) and every text's
    distances and paces in the units."""
    if distance_unit(units) == "km":
        return value
    if isinstance(value, Mapping):
        return dict(_entry_in_units(key, item, units) for key, item in value.items())
    if isinstance(value, list):
        return [_in_units(item, units) for item in value]
    return text_in_units(value, units) if isinstance(value, str) else value


def _entry_in_units(key: str, item: Any, units: str | None) -> tuple[str, Any]:
    is_distance = (
        key.endswith("_km") and isinstance(item, int | float) and not isinstance(item, bool)
    )
    if is_distance:
        return f"{key.removesuffix('_km')}_{distance_unit(units)}", distance_in(item, units)
    return key, _in_units(item, units)


def _rounded(value: Any) -> Any:
    """Floats to 2 decimals: what a narrative may quote, and fewer tokens to send."""
    if isinstance(value, Mapping):
        return {key: _rounded(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_rounded(item) for item in value]
    return round(value, 2) if isinstance(value, float) else value


def allowed_numbers(plan: Mapping[str, Any], units: str | None = None) -> frozenset[str]:
    """Every number a narrative may state: the plan's values (also rounded to 0 and 1
    decimals), the numbers in its texts and dates, and the figures, clocks and template
    texts Claude is shown in `units`."""
    shown = (plan_facts(plan, units), _in_units(narrative_texts(plan), units))
    return frozenset(_numbers_in(plan)) | frozenset(_numbers_in(shown))


def stated_numbers(text: str) -> list[str]:
    """The numbers a text states, canonical (05 -> 5, 1,000 -> 1000, 42.50 -> 42.5)."""
    return [_canonical_token(token) for token in _NUMBER.findall(text)]


def _reply_problems(plan: Mapping[str, Any], reply: Any, units: str | None) -> list[str]:
    if not isinstance(reply, Mapping):
        return [f"the tool input is a {type(reply).__name__}, not an object"]
    expected = narrative_texts(plan)
    problems = [f"unexpected field {key!r}" for key in reply if key not in expected]
    allowed = allowed_numbers(plan, units)
    for field in NARRATIVE_FIELDS:
        value = reply.get(field.reply_key)
        if value is None:
            problems.append(f"{field.reply_key} is missing")
        elif _is_per_record(field):
            problems += _keyed_problems(field, value, expected[field.reply_key], allowed)
        else:
            problems += _text_problems(field.reply_key, value, field.max_chars, allowed)
    return problems


def _keyed_problems(
    field: NarrativeField, value: Any, expected: Mapping[str, str], allowed: frozenset[str]
) -> list[str]:
    if not isinstance(value, Mapping):
        return [f"{field.reply_key} is a {type(value).__name__}, not an object"]
    problems = [f"{field.reply_key} lacks {key!r}" for key in expected if key not in value]
    for key, text in value.items():
        if key in expected:
            where = f"{field.reply_key}[{key!r}]"
            problems += _text_problems(where, text, field.max_chars, allowed)
        else:
            problems.append(f"{field.reply_key} has {key!r}, not in the plan")
    return problems


def _text_problems(where: str, text: Any, max_chars: int, allowed: frozenset[str]) -> list[str]:
    if not isinstance(text, str):
        return [f"{where} is a {type(text).__name__}, not a string"]
    if not text.strip():
        return [f"{where} is empty"]
    if len(text) > max_chars:
        return [f"{where} has {len(text)} characters (at most {max_chars})"]
    invented = sorted(set(stated_numbers(text)) - allowed)
    return [f"{where} states {', '.join(invented)}, not in the plan"] if invented else []


def _numbers_in(value: Any) -> Iterator[str]:
    if isinstance(value, Mapping):
        for key, item in value.items():
            if not _is_bookkeeping(str(key)):
                yield from _numbers_in(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _numbers_in(item)
    elif isinstance(value, bool) or value is None:
        return
    elif isinstance(value, int | float):
        magnitude = abs(value)
        yield from {
            _canonical(magnitude),
            _canonical(round(magnitude, 1)),
            _canonical(round(magnitude)),
        }
    elif isinstance(value, dt.date):
        yield from _numbers_in(value.isoformat())
    elif isinstance(value, str):
        for token in _NUMBER.findall(value):
            yield _canonical_token(token)
            if ":" in token:
                yield from (_canonical(int(part)) for part in token.split(":"))


def _is_bookkeeping(key: str) -> bool:
    return key in _BOOKKEEPING_KEYS or key.endswith(("_id", "_ids"))


def _canonical_token(token: str) -> str:
    if ":" in token:
        head, *rest = token.split(":")
        return ":".join([str(int(head)), *rest])
    return _canonical(float(token.replace(",", "")))


def _canonical(number: float) -> str:
    return f"{number:.6f}".rstrip("0").rstrip(".")


def _clock(seconds: float | None) -> str | None:
    return None if seconds is None else clock(seconds)


def _pace(sec_per_km: float | None, units: str | None) -> str | None:
    return None if sec_per_km is None else pace_clock(sec_per_km, units)


def _pace_range(fast: float | None, slow: float | None, units: str | None) -> str | None:
    if fast is None or slow is None:
        return None
    return f"{pace_clock(fast, units)}-{pace_clock(slow, units)}"


def _runner_context(runner: Mapping[str, Any]) -> dict[str, Any]:
    """Who the texts are for, without figures (figures come from the plan alone)."""
    identity = _section(runner, "identity")
    running = _section(runner, "running")
    goals = _section(runner, "goals")
    health = _section(runner, "health")
    state = _section(runner, "current_state")
    pain = health.get("current_pain") or {}
    context = {
        "name": identity.get("preferred_name") or identity.get("name"),
        "experience_level": running.get("experience_level"),
        "goal_type": goals.get("goal_type"),
        "race_name": goals.get("race_name"),
        "secondary_goals": goals.get("secondary_goals"),
        "past_injuries": health.get("past_injuries"),
        "current_injuries": health.get("current_injuries"),
        "pain_location": pain.get("location") if pain.get("has_pain") else None,
        "training_state": state.get("training_state"),
        "injury_risk_level": state.get("injury_risk_level"),
        "overtraining_risk": state.get("overtraining_risk"),
    }
    return {key: value for key, value in context.items() if value not in (None, [])}


def _knowledge_used(
    plan: Mapping[str, Any], knowledge: list[Mapping[str, Any]]
) -> list[dict[str, Any]]:
    cited = {decision.get("knowledge_id") for decision in plan.get("decisions") or []}
    entries = [entry for entry in knowledge if entry.get("knowledge_id") in cited]
    return [
        {key: entry.get(key) for key in ("knowledge_id", "title", "content", "source")}
        for entry in sorted(entries, key=lambda entry: entry["knowledge_id"])
    ]


def _tool(texts: Mapping[str, Any]) -> dict[str, Any]:
    properties: dict[str, Any] = {}
    for field in NARRATIVE_FIELDS:
        text_schema = {"type": "string", "minLength": 1, "maxLength": field.max_chars}
        if _is_per_record(field):
            keys = list(texts[field.reply_key])
            properties[field.reply_key] = {
                "type": "object",
                "description": field.guidance,
                "properties": {key: text_schema for key in keys},
                "required": keys,
                "additionalProperties": False,
            }
        else:
            properties[field.reply_key] = {**text_schema, "description": field.guidance}
    return {
        "name": TOOL_NAME,
        "description": "Record the plan's narrative texts, written in the runner's coaching "
        "voice, for every phase and every week of the plan.",
        "input_schema": {
            "type": "object",
            "properties": properties,
            "required": [field.reply_key for field in NARRATIVE_FIELDS],
            "additionalProperties": False,
        },
    }


def _split(field: NarrativeField) -> tuple[str, str]:
    container, _, leaf = field.path.partition(".")
    return container.removesuffix("[]"), leaf


def _is_per_record(field: NarrativeField) -> bool:
    return field.path.partition(".")[0].endswith("[]")


def _records(plan: Mapping[str, Any], container: str) -> dict[str, dict[str, Any]]:
    """The list's records by their name in the tool input (phase name, week number)."""
    key_field = RECORD_KEYS[container]
    records: dict[str, dict[str, Any]] = {}
    for record in plan.get(container) or []:
        key = str(record[key_field])
        if key in records:
            raise ValueError(f"{container} repeats {key_field} {key!r}")
        records[key] = record
    return records


def _section(runner: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    return runner.get(name) or {}


def _canonical_json(value: Any) -> str:
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_json_default
    )


def _json_default(value: Any) -> str:
    if isinstance(value, dt.date):
        return value.isoformat()
    raise TypeError(f"cannot send {type(value).__name__} to Claude")
