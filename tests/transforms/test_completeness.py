from transforms.completeness import PROFILE_FIELDS, RACE_FIELDS, profile_completeness, value_at


def _filled_profile() -> dict:
    runner: dict = {}
    for path in PROFILE_FIELDS:
        section, field = path.split(".")
        runner.setdefault(section, {})[field] = "x"
    return runner


def test_empty_runner_misses_everything():
    percent, missing = profile_completeness({})
    assert percent == 0
    assert missing == list(PROFILE_FIELDS)


def test_full_profile_is_complete():
    assert profile_completeness(_filled_profile()) == (100.0, [])


def test_race_goal_adds_race_fields():
    runner = _filled_profile()
    runner["goals"]["goal_type"] = "race"
    percent, missing = profile_completeness(runner)
    assert missing == list(RACE_FIELDS)
    total = len(PROFILE_FIELDS) + len(RACE_FIELDS)
    assert percent == round(100 * len(PROFILE_FIELDS) / total, 1)


def test_empty_list_is_an_answer_but_null_is_not():
    runner = _filled_profile()
    runner["health"]["past_injuries"] = []
    runner["health"]["current_injuries"] = None
    assert profile_completeness(runner)[1] == ["health.current_injuries"]


def test_struct_counts_when_any_part_is_filled():
    runner = _filled_profile()
    runner["running"]["personal_bests"] = {"five_k": None, "ten_k": {"time": 3000}}
    assert profile_completeness(runner)[0] == 100.0
    runner["running"]["personal_bests"] = {"five_k": None, "ten_k": {"time": None}}
    assert profile_completeness(runner)[1] == ["running.personal_bests"]


def test_value_at_walks_dotted_paths():
    assert value_at({"a": {"b": {"c": 1}}}, "a.b.c") == 1
    assert value_at({"a": None}, "a.b") is None
    assert value_at({"a": 3}, "a.b") is None
