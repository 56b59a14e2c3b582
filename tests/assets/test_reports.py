import dagster as dg
import pytest

from assets.reports import CHARTS, runner_reports, write_runner_reports
from assets.resources import CadenceHomeResource
from tests.plan_rows import daily_rows, insert_daily, insert_plan, plan_row, session_rows
from warehouse.connection import open_warehouse
from warehouse.runners import RunnerAPI

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def fleet(home):
    """ana has daily summaries and an active plan, ben only daily summaries, chen nothing."""
    with open_warehouse(home.warehouse) as con:
        api = RunnerAPI(con)
        for runner_id, name in (("ana", "Ana Sousa"), ("ben", "Ben Carter"), ("chen", "Chen")):
            api.create_runner(f"user-{runner_id}", name, runner_id=runner_id)
        insert_daily(con, daily_rows("ana", 60))
        insert_daily(con, daily_rows("ben", 30))
        plan = plan_row("ana", "plan-ana")
        insert_plan(con, plan, session_rows(plan))
    return home


def test_every_chart_that_has_data_is_written(fleet):
    reports = write_runner_reports(fleet)
    by_runner = {r.runner_id: r for r in reports.runners}
    assert list(by_runner) == ["ana", "ben", "chen"]
    assert set(by_runner["ana"].charts) == set(CHARTS)
    assert by_runner["ana"].skipped == {}
    for stem in CHARTS:
        path = fleet.reports / "ana" / f"{stem}.png"
        assert by_runner["ana"].charts[stem] == path
        assert path.read_bytes().startswith(PNG_SIGNATURE)
    assert set(by_runner["ben"].charts) == {"pmc"}
    assert by_runner["ben"].skipped == {
        "plan_progression": "no active plan",
        "snapshot_radar": "no active plan",
    }
    assert not by_runner["chen"].charts
    assert "no daily summaries" in by_runner["chen"].skipped["pmc"]
    assert reports.chart_count == 4
    assert not list(fleet.reports.rglob("*.partial"))


def test_markdown_embeds_the_first_runners_and_lists_everyone(fleet):
    reports = write_runner_reports(fleet)
    markdown = reports.markdown(embedded=1)
    assert markdown.count("data:image/png;base64,") == 3
    assert "### Ana Sousa (`ana`)" in markdown and "### Ben Carter" not in markdown
    assert "| ben | `ben/pmc.png` | plan_progression: no active plan;" in markdown
    assert "| chen |  | pmc: no daily summaries" in markdown
    assert reports.markdown().count("data:image/png;base64,") == 4


def test_a_chart_that_can_no_longer_be_drawn_loses_its_old_file(fleet):
    write_runner_reports(fleet)
    with open_warehouse(fleet.warehouse) as con:
        con.execute("UPDATE plans.training_plans SET status = 'completed'")
    again = write_runner_reports(fleet, ["ana"])
    assert [r.runner_id for r in again.runners] == ["ana"]
    assert sorted(p.name for p in (fleet.reports / "ana").iterdir()) == ["pmc.png"]


def test_charts_are_the_same_bytes_on_every_run(fleet):
    first = write_runner_reports(fleet)
    before = {p: p.read_bytes() for r in first.runners for p in r.charts.values()}
    write_runner_reports(fleet)
    assert {p: p.read_bytes() for p in before} == before


def test_no_warehouse_is_one_clear_error(home):
    with pytest.raises(ValueError, match=r"no warehouse at .*cadence materialize"):
        write_runner_reports(home)


def test_the_asset_shows_the_charts_in_its_metadata(fleet):
    with dg.DagsterInstance.ephemeral() as instance:  # closed here, not by the collector
        result = dg.materialize(
            [runner_reports],
            resources={"cadence": CadenceHomeResource(root=str(fleet.root))},
            instance=instance,
        )
    assert result.success
    (event,) = result.get_asset_materialization_events()
    assert event.asset_key == dg.AssetKey(["exports", "runner_reports"])
    metadata = event.materialization.metadata
    assert metadata["charts"].value == 4
    assert metadata["runners"].value == 3
    assert metadata["folder"].value == str(fleet.reports)
    assert metadata["preview"].value.count("data:image/png;base64,") == 4
