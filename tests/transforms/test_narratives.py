import copy
import datetime as dt
import json
from collections.abc import Callable
from typing import Any

import pytest

from tests.narrative_samples import KNOWLEDGE, RUNNER, faithful_reply, template_plan
from transforms.narratives import (
    DEFAULT_VOICE,
    NARRATIVE_PATHS,
    TOOL_NAME,
    VOICES,
    NarrativeRejected,
    allowed_numbers,
    apply_narrative,
    narrative_request,
    narrative_texts,
    stated_numbers,
)
from warehouse.vocabulary import COACHING_VOICES

MODEL = "claude-sonnet-4-5"


def _content(plan: dict[str, Any], runner: dict[str, Any] = RUNNER) -> dict[str, Any]:
    return json.loads(narrative_request(plan, runner, KNOWLEDGE, MODEL).user_content)


def test_every_coaching_voice_has_a_description():
    assert set(VOICES) == set(COACHING_VOICES)


def test_the_request_forces_the_tool_in_the_runners_voice():
    request = narrative_request(template_plan(), RUNNER, KNOWLEDGE, MODEL)

    assert request.params["model"] == MODEL
    assert request.params["tool_choice"] == {"type": "tool", "name": TOOL_NAME}
    assert request.params["tools"] == [request.tool]
    assert VOICES["direct"] in request.system
    assert "Never compute, convert" in request.system


def test_a_runner_without_a_voice_gets_the_default_one():
    request = narrative_request(template_plan(), {"identity": {"name": "Bo"}}, [], MODEL)

    assert VOICES[DEFAULT_VOICE] in request.system


def test_the_tool_asks_for_exactly_the_plans_phases_and_weeks():
    schema = narrative_request(template_plan(), RUNNER, KNOWLEDGE, MODEL).tool["input_schema"]

    assert schema["required"] == [
        "coach_summary",
        "periodization_justification",
        "volume_strategy_justification",
        "phase_justifications",
        "week_notes",
    ]
    assert schema["additionalProperties"] is False
    phases = schema["properties"]["phase_justifications"]
    assert phases["required"] == ["Base", "Build", "Taper"]
    assert phases["additionalProperties"] is False
    assert schema["properties"]["week_notes"]["required"] == ["1", "2", "3", "4"]


def test_the_content_holds_the_plan_the_cited_knowledge_and_a_figure_free_runner():
    plan = template_plan()
    content = _content(plan)

    assert [entry["knowledge_id"] for entry in content["knowledge"]] == [
        "kb_taper_10k",
        "kb_volume_10_percent",
    ]
    assert content["runner"] == {
        "name": "Ana",
        "experience_level": "casual",
        "goal_type": "race",
        "race_name": "Lisbon 10K",
        "past_injuries": ["plantar_fasciitis"],
        "training_state": "Stable",
        "injury_risk_level": "moderate",
    }
    assert [week["planned_volume_km"] for week in content["plan"]["weeks"]] == [30, 33, 25, 20]
    assert content["plan"]["goal"]["target_time"] == "50:00"
    assert content["plan"]["target_paces_per_km"]["easy"] == "5:40-6:15"
    assert content["current_texts"] == narrative_texts(plan)


def test_the_input_hash_is_stable_and_follows_what_claude_is_sent():
    plan = template_plan()
    first = narrative_request(plan, RUNNER, KNOWLEDGE, MODEL).input_hash

    regenerated = {**template_plan(), "generated_at": dt.datetime(2027, 1, 1, tzinfo=dt.UTC)}
    assert narrative_request(regenerated, RUNNER, KNOWLEDGE[::-1], MODEL).input_hash == first
    assert len(first) == 64

    other_model = narrative_request(plan, RUNNER, KNOWLEDGE, "claude-opus-4-1").input_hash
    longer = copy.deepcopy(plan)
    longer["weekly_plan"][1]["planned_volume_km"] = 34.0
    other_volume = narrative_request(longer, RUNNER, KNOWLEDGE, MODEL).input_hash
    gentle = {**RUNNER, "coaching": {"coaching_voice": "gentle"}}
    other_voice = narrative_request(plan, gentle, KNOWLEDGE, MODEL).input_hash
    assert len({first, other_model, other_volume, other_voice}) == 4


def test_recent_weeks_are_context_in_words_and_change_the_request_only_when_given():
    plan = template_plan()
    without = narrative_request(plan, RUNNER, KNOWLEDGE, MODEL)
    assert narrative_request(plan, RUNNER, KNOWLEDGE, MODEL, ()) == without
    assert "recent_weeks" not in json.loads(without.user_content)
    weeks = ["Week of 2026-11-23: ran 27.4 km in 4 run(s).", "Week of 2026-11-16: ran 30.1 km."]
    given = narrative_request(plan, RUNNER, KNOWLEDGE, MODEL, weeks)
    assert json.loads(given.user_content)["recent_weeks"] == weeks
    assert "quoting none of their numbers" in given.system
    assert given.input_hash != without.input_hash
    # their numbers are context, not figures a reply may state
    assert "27.4" not in allowed_numbers(plan)


def test_a_faithful_reply_replaces_only_the_narrative_texts():
    plan = template_plan()
    original = copy.deepcopy(plan)
    reply = faithful_reply(plan)

    narrated = apply_narrative(plan, reply, MODEL)

    assert plan == original
    assert narrated["season_view"]["coach_summary"] == reply["coach_summary"]
    assert [phase["justification"] for phase in narrated["phases"]] == [
        reply["phase_justifications"][name] for name in ("Base", "Build", "Taper")
    ]
    assert [week["notes"] for week in narrated["weekly_plan"]] == [
        reply["week_notes"][str(week)] for week in (1, 2, 3, 4)
    ]
    assert (narrated["narrative_source"], narrated["llm_model"]) == ("llm", MODEL)
    assert _without_narrative(narrated) == _without_narrative(original)


def test_the_template_texts_are_themselves_an_acceptable_reply():
    plan = template_plan()

    assert (
        apply_narrative(plan, narrative_texts(plan), MODEL)["season_view"] == (plan["season_view"])
    )


def _set_summary(text: str) -> Callable[[dict[str, Any]], None]:
    def change(reply: dict[str, Any]) -> None:
        reply["coach_summary"] = text

    return change


REJECTED = {
    "changed volume": (
        _set_summary("Ana, you build from 30 km to 47 km."),
        "coach_summary states 47, not in the plan",
    ),
    "invented pace": (
        lambda reply: reply["week_notes"].update({"2": "Tempo at 4:41/km."}),
        "week_notes['2'] states 4:41, not in the plan",
    ),
    "missing week": (
        lambda reply: reply["week_notes"].pop("3"),
        "week_notes lacks '3'",
    ),
    "extra week": (
        lambda reply: reply["week_notes"].update({"5": "Recover."}),
        "week_notes has '5', not in the plan",
    ),
    "week keyed by a number": (
        lambda reply: reply["week_notes"].update({1: reply["week_notes"].pop("1")}),
        "week_notes lacks '1'; week_notes has 1, not in the plan",
    ),
    "missing phase": (
        lambda reply: reply["phase_justifications"].pop("Taper"),
        "phase_justifications lacks 'Taper'",
    ),
    "empty summary": (_set_summary("   "), "coach_summary is empty"),
    "summary too long": (_set_summary("easy " * 400), "coach_summary has 2000 characters"),
    "summary not text": (_set_summary(None), "coach_summary is missing"),
    "notes not an object": (
        lambda reply: reply.update(week_notes=["a", "b"]),
        "week_notes is a list, not an object",
    ),
    "missing field": (
        lambda reply: reply.pop("periodization_justification"),
        "periodization_justification is missing",
    ),
    "extra field": (
        lambda reply: reply.update(total_weeks="6"),
        "unexpected field 'total_weeks'",
    ),
}


@pytest.mark.parametrize("case", REJECTED, ids=list(REJECTED))
def test_a_reply_that_is_not_faithful_is_rejected(case: str):
    change, problem = REJECTED[case]
    plan = template_plan()
    reply = faithful_reply(plan)
    change(reply)

    with pytest.raises(NarrativeRejected) as rejected:
        apply_narrative(plan, reply, MODEL)

    assert problem in str(rejected.value)


def test_the_invented_numbers_are_really_absent_from_the_plan():
    allowed = allowed_numbers(template_plan())

    assert {"47", "4:41"}.isdisjoint(allowed)
    assert {"30", "33", "50:00", "52:00", "5:40", "2026", "10"} <= allowed


def test_a_reply_that_is_no_object_is_rejected():
    with pytest.raises(NarrativeRejected, match="the tool input is a str, not an object"):
        apply_narrative(template_plan(), "Great plan!", MODEL)


def test_numbers_are_read_the_way_a_runner_writes_them():
    text = "Run 5:05/km for 1,000 m, then 42.50 km at 10%; 05:30 and 1:02:30 later, 3x800m."

    assert stated_numbers(text) == ["5:05", "1000", "42.5", "10", "5:30", "1:02:30", "3", "800"]


def test_a_plan_repeating_a_week_number_cannot_be_narrated():
    plan = template_plan()
    plan["weekly_plan"][1]["week_number"] = 1

    with pytest.raises(ValueError, match="weekly_plan repeats week_number '1'"):
        narrative_request(plan, RUNNER, KNOWLEDGE, MODEL)


def _without_narrative(plan: dict[str, Any]) -> dict[str, Any]:
    """The plan minus its narrative texts and their provenance."""
    stripped = copy.deepcopy(plan)
    for path in NARRATIVE_PATHS:
        container, _, leaf = path.partition(".")
        if container.endswith("[]"):
            for record in stripped[container.removesuffix("[]")]:
                record.pop(leaf)
        else:
            stripped[container].pop(leaf)
    stripped.pop("narrative_source")
    stripped.pop("llm_model")
    return stripped


IMPERIAL = {**RUNNER, "coaching": {**RUNNER["coaching"], "units": "imperial"}}


def test_a_runner_who_reads_miles_is_shown_the_plan_and_its_texts_in_miles():
    plan = template_plan()
    request = narrative_request(plan, IMPERIAL, KNOWLEDGE, MODEL)
    content = json.loads(request.user_content)

    assert "distances in mi, paces in minutes per mi" in request.system
    weeks = content["plan"]["weeks"]
    assert [week["planned_volume_mi"] for week in weeks] == [18.64, 20.51, 15.53, 12.43]
    assert "planned_volume_km" not in weeks[0]
    assert content["plan"]["goal"]["race_distance_mi"] == 6.21
    assert content["plan"]["target_paces_per_mi"]["easy"] == "9:07-10:04"
    assert content["current_texts"]["coach_summary"].startswith(
        "Four weeks to the 6.2 mi race, from 18.6 mi up to 20.5 mi a week"
    )
    # the metric request is unchanged by the imperial conversion
    assert _content(plan)["plan"]["target_paces_per_km"]["easy"] == "5:40-6:15"


def test_a_reply_in_miles_is_accepted_for_a_runner_who_reads_miles_only():
    plan = template_plan()
    reply = faithful_reply(plan)
    reply["coach_summary"] = "Ana, four weeks: from 18.6 mi to 20.5 mi a week, easy at 9:07-10:04."
    narrated = apply_narrative(plan, reply, MODEL, "imperial")
    assert narrated["season_view"]["coach_summary"] == reply["coach_summary"]
    with pytest.raises(NarrativeRejected) as rejected:
        apply_narrative(plan, reply, MODEL, "metric")
    assert rejected.value.problems == [
        "coach_summary states 10:04, 18.6, 20.5, 9:07, not in the plan"
    ]
