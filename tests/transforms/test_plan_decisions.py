"""The decision log: numbered in order, stated with the figures the built weeks hold."""

from tests.plan_runners import AS_OF, reference, runner
from transforms.plan_context import plan_context
from transforms.plan_decisions import Decision, decision_rows, season_decisions


def test_decisions_are_numbered_in_order():
    rows = decision_rows([Decision("a", "s", "r", "kb_a"), Decision("b", "s", "r", "kb_b")])
    assert [(r["decision_id"], r["what"], r["knowledge_id"]) for r in rows] == [
        ("d01", "a", "kb_a"),
        ("d02", "b", "kb_b"),
    ]


def test_the_start_and_peak_are_those_of_the_weeks():
    ctx = plan_context(runner(running={"current_volume": 3.0}), AS_OF, reference())
    weeks = [
        {"planned_volume_km": 8.0, "phase": "Base"},
        {"planned_volume_km": 9.5, "phase": "Build"},
        {"planned_volume_km": 5.0, "phase": "Taper"},
    ]
    found = {d.knowledge_id: d for d in season_decisions(ctx, weeks)}
    assert "kb_start_from_current_volume" not in found
    start = found["kb_minimum_start_volume"]
    assert start.what == "Start at 8.0 km/week"
    assert "raised to the 8 km minimum" in start.reasoning
    assert found["kb_peak_volume_by_distance"].what == "Peak at 9.5 km/week"
    assert found["kb_taper_length_by_distance"].what.startswith("Taper over the 14 days")
