"""An ingest killed half way through a dlt load: the ledger never vouches for rows that
did not land."""

import datetime as dt

from pipelines.ingest import plan_ingest, run_ingest
from samples import write_sample_inbox
from warehouse.connection import open_warehouse


def count(home, table: str) -> int:
    with open_warehouse(home.warehouse, read_only=True) as con:
        return con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0]


def test_an_export_whose_load_never_completed_is_read_again(home):
    write_sample_inbox(home.inbox, runners=1, days=3, seed=4, end_date=dt.date(2026, 11, 1))
    run_ingest(home)
    records = count(home, "raw_healthkit.records")
    assert records > 0 and not plan_ingest(home).todo
    # What SIGKILL leaves when it lands after dlt committed the ledger table but before the
    # export's records and the load's completion: the ledger row alone.
    with open_warehouse(home.warehouse) as con:
        con.execute("DELETE FROM raw_healthkit.records")
        con.execute("DELETE FROM raw_healthkit._dlt_loads")
    assert [export.kind for export in plan_ingest(home).todo] == ["healthkit"]
    run_ingest(home)
    assert count(home, "raw_healthkit.records") == records
    assert not plan_ingest(home).todo
