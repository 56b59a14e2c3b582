import duckdb

from warehouse.connection import connect
from warehouse.contracts import CONTRACTS
from warehouse.ddl import apply_ddl, widened_columns


def _catalog(con: duckdb.DuckDBPyConnection) -> dict:
    tables = con.execute(
        "SELECT schema_name, table_name, comment FROM duckdb_tables() ORDER BY 1, 2"
    ).fetchall()
    columns = con.execute(
        "SELECT schema_name, table_name, column_name, data_type, comment FROM duckdb_columns() "
        "WHERE schema_name IN (SELECT unnest(?)) ORDER BY ALL",
        [sorted({c.schema_name for c in CONTRACTS.values()})],
    ).fetchall()
    indexes = con.execute("SELECT index_name FROM duckdb_indexes() ORDER BY 1").fetchall()
    return {"tables": tables, "columns": columns, "indexes": indexes}


def test_every_table_and_column_is_created_with_a_comment(con):
    catalog = _catalog(con)
    names = {f"{s}.{t}" for s, t, _ in catalog["tables"]}
    assert names == set(CONTRACTS)
    assert all(comment and "Key:" in comment for _, _, comment in catalog["tables"])
    assert len(catalog["columns"]) == sum(len(c.columns) for c in CONTRACTS.values())
    assert all(comment for *_, comment in catalog["columns"])
    heart = [c for c in catalog["columns"] if c[1] == "activities" and c[2] == "avg_heart_rate_bpm"]
    assert heart[0][4] == "Average heart rate [bpm]"


def test_seed_lookup_indexes_exist(con):
    indexes = {name for (name,) in _catalog(con)["indexes"]}
    assert {"runners_by_user_id", "activities_by_runner_id", "training_plans_by_status"} <= indexes


def test_ddl_is_idempotent(con):
    before = _catalog(con)
    apply_ddl(con)
    apply_ddl(con)
    assert _catalog(con) == before


def test_columns_a_contract_gains_are_added(tmp_path):
    con = connect(tmp_path / "old.duckdb")
    con.execute("CREATE SCHEMA plans")
    con.execute("CREATE TABLE plans.fit_files (fit_file_id VARCHAR PRIMARY KEY)")
    con.execute("INSERT INTO plans.fit_files VALUES ('kept')")
    apply_ddl(con)
    columns = [
        r[0]
        for r in con.execute(
            "SELECT column_name FROM duckdb_columns() WHERE table_name = 'fit_files'"
        ).fetchall()
    ]
    assert columns[0] == "fit_file_id"
    assert set(columns) == set(CONTRACTS["plans.fit_files"].columns)
    assert con.execute("SELECT fit_file_id FROM plans.fit_files").fetchall() == [("kept",)]
    con.close()


def test_struct_fields_a_contract_gains_are_added_and_rows_kept(tmp_path):
    """A warehouse made before the Runner Object gained the seed's fields still takes runners."""
    con = connect(tmp_path / "old.duckdb")
    con.execute("CREATE SCHEMA coach")
    con.execute(
        "CREATE TABLE coach.runners (runner_id VARCHAR PRIMARY KEY, user_id VARCHAR, "
        "goals STRUCT(goal_type VARCHAR, race_distance DOUBLE))"
    )
    con.execute("CREATE INDEX runners_by_user_id ON coach.runners (user_id)")
    con.execute(
        "INSERT INTO coach.runners VALUES ('ana', 'u1', {'goal_type': 'race', 'race_distance': 10})"
    )
    apply_ddl(con)
    kept = con.execute(
        "SELECT goals.race_distance, goals.race_distance_label FROM coach.runners"
    ).fetchall()
    assert kept == [(10.0, None)]
    assert widened_columns(con, CONTRACTS["coach.runners"]) == []
    indexes = con.execute("SELECT index_name FROM duckdb_indexes()").fetchall()
    assert ("runners_by_user_id",) in indexes
    con.close()


def test_analytics_views_exist_documented_and_queryable(con):
    from warehouse.analytics import VIEWS

    views = dict(
        con.execute(
            "SELECT view_name, comment FROM duckdb_views() WHERE schema_name = 'analytics'"
        ).fetchall()
    )
    assert set(views) == set(VIEWS)
    assert all(views.values())
    for name in VIEWS:
        con.execute(f"SELECT * FROM analytics.{name} LIMIT 1").fetchall()
