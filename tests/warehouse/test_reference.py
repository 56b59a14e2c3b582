import yaml

from tests.plan_runners import reference
from transforms.physiology import training_paces
from transforms.plan_sessions import ZoneTargets, week_measures
from transforms.race_window import FINAL_VOLUME_FIELD, KEY_SESSION_FIELD, LONG_RUN_FIELD
from warehouse.connection import open_warehouse, read_table
from warehouse.contracts import contract
from warehouse.reference import SEEDS, reference_frames, seed_reference
from warehouse.vocabulary import SAFEGUARD_OPERATORS


def test_every_seed_file_passes_its_contract():
    frames = reference_frames()
    assert frames["reference.knowledge_base"].height >= 25
    assert frames["reference.safeguards"].height >= 15
    assert frames["reference.workout_templates"].height >= 10


def test_every_rule_and_template_cites_a_knowledge_entry():
    frames = reference_frames()
    knowledge = set(frames["reference.knowledge_base"]["knowledge_id"])
    for name in ("reference.safeguards", "reference.workout_templates"):
        assert set(frames[name]["knowledge_id"]) <= knowledge, name


def test_the_seed_safeguards_are_there_as_data():
    rules = {r.safeguard_id: r for r in reference().rules}
    assert rules["sg_volume_increase_10"].threshold == 10
    assert rules["sg_volume_increase_injury_7"].applicable_when == (
        "health.past_injuries is not empty"
    )
    assert rules["sg_no_consecutive_hard_days"].action == "block"
    assert rules["sg_long_run_share_30"].adjustment == 30
    assert rules["sg_rest_day_weekly"].field == "running_days_per_week"
    assert rules["sg_masters_hard_sessions"].applicable_when == "physical.age >= 50"
    assert all(r.operator in SAFEGUARD_OPERATORS for r in rules.values())


def test_every_quantity_a_rule_tests_is_one_the_generator_measures():
    measured = set(
        week_measures([], ZoneTargets.build(training_paces(45), []), reference_km=None)
    ) | {"weekly_volume_increase_percent", "acute_chronic_workload_ratio", "weeks_since_recovery"}
    measured |= {FINAL_VOLUME_FIELD, KEY_SESSION_FIELD, LONG_RUN_FIELD}  # the race window's
    assert {r.field for r in reference().rules} <= measured


def test_seeding_replaces_the_tables_and_is_idempotent(tmp_path):
    with open_warehouse(tmp_path / "w.duckdb") as con:
        first = seed_reference(con)
        second = seed_reference(con)
        stored = read_table(con, contract("reference.safeguards"))
    assert first == second
    raw = yaml.safe_load((SEEDS / "safeguards.yaml").read_text())
    assert stored.height == len(raw["entries"])
