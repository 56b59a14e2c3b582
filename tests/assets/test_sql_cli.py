"""`cadence sql`: read-only queries on the warehouse, as a table, as CSV, or from a shell."""

import csv
import io
import shutil

from typer.testing import CliRunner

from assets.cli import app
from tests.plan_rows import insert_plan, plan_row, session_rows
from warehouse.connection import open_warehouse

cli = CliRunner()
COUNT_PLANS = "select runner_id, total_weeks from plans.training_plans order by runner_id"


def _with_plans(home) -> None:
    with open_warehouse(home.warehouse) as con:
        for runner in ("ana", "ben"):
            plan = plan_row(runner, f"plan-{runner}")
            insert_plan(con, plan, session_rows(plan))


def test_a_query_prints_a_table_with_its_row_count(home):
    _with_plans(home)
    result = cli.invoke(app, ["sql", COUNT_PLANS])
    assert result.exit_code == 0, result.output
    assert "ana" in result.output and "ben" in result.output and "2 rows" in result.output


def test_csv_prints_a_header_and_every_row(home):
    _with_plans(home)
    result = cli.invoke(app, ["sql", "--csv", COUNT_PLANS])
    assert result.exit_code == 0, result.output
    assert list(csv.reader(io.StringIO(result.output))) == [
        ["runner_id", "total_weeks"],
        ["ana", "4"],
        ["ben", "4"],
    ]


def test_the_published_copy_is_read_when_there_is_one(home):
    _with_plans(home)
    home.published.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(home.warehouse, home.published)
    with open_warehouse(home.warehouse) as con:  # the live warehouse moves on after publishing
        con.execute("DELETE FROM plans.training_plans WHERE runner_id = 'ben'")
    result = cli.invoke(app, ["sql", "--csv", COUNT_PLANS])
    assert result.output.splitlines()[1:] == ["ana,4", "ben,4"]


def test_nothing_can_be_written(home):
    _with_plans(home)
    result = cli.invoke(app, ["sql", "delete from plans.training_plans"])
    assert result.exit_code != 0
    assert "read-only" in str(result.exception)
    kept = cli.invoke(app, ["sql", "--csv", "select count(*) as plans from plans.training_plans"])
    assert kept.output.splitlines() == ["plans", "2"]


def test_without_a_query_a_shell_reads_statements_until_quit(home):
    _with_plans(home)
    typed = "select 40 +\n 2 as answer;\nselect nope;\nselect 'after an error' as still;\n.quit\n"
    result = cli.invoke(app, ["sql", "--csv"], input=typed)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert "answer" in lines and "42" in lines
    assert any("nope" in line for line in lines)  # the error is said, in one line
    assert "after an error" in lines


def test_no_warehouse_yet_is_said(home):
    result = cli.invoke(app, ["sql", "select 1"])
    assert result.exit_code != 0
    assert "no warehouse" in result.output + str(result.exception)
