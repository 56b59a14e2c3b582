"""One ingest run: decide what is new in the inbox, load it with dlt, quarantine the rest.

The CLI (`cadence ingest`) and the Dagster ingest assets both plan with `plan_ingest`, run
the same dlt sources, and close with `record_ledger`.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from pipelines.inbox import ExportFile, scan_exports
from pipelines.profiles import PROFILES, InboxRunner
from pipelines.sources import (
    DATASETS,
    LOADED_EXPORTS,
    IngestLedger,
    IngestProgress,
    export_source,
    pipeline_in_own_folder,
    profiles_source,
)
from warehouse.connection import open_warehouse
from warehouse.ddl import comment_existing_tables
from warehouse.quarantine import Rejection, record_rejections
from warehouse.settings import CadenceHome

EXPORT_KINDS = ("strava", "healthkit")


@dataclass
class IngestPlan:
    runners: list[InboxRunner]
    todo: list[ExportFile]
    ledger: IngestLedger = field(default_factory=IngestLedger)

    def exports(self, kind: str) -> list[ExportFile]:
        return [e for e in self.todo if e.kind == kind]


@dataclass
class IngestReport:
    rows_by_table: Counter[str] = field(default_factory=Counter)
    ledger: IngestLedger = field(default_factory=IngestLedger)
    runners: list[str] = field(default_factory=list)

    @property
    def loaded_anything(self) -> bool:
        return bool(self.ledger.read or self.ledger.skipped or self.rows_by_table)


def loaded_hashes(con: duckdb.DuckDBPyConnection) -> dict[tuple[str, str], str]:
    """(runner, export) -> SHA-256 of what was loaded, from ledger rows whose dlt load is
    complete. A kill between dlt committing the ledger table and the export's data tables
    leaves a row whose load never reached `_dlt_loads`: that export is read again (its rows
    merge on their keys, so nothing doubles). Rows written before loads were named (no
    load_id) are trusted as they were."""
    columns: dict[str, set[str]] = {}
    for schema, column in con.execute(
        "SELECT schema_name, column_name FROM duckdb_columns() WHERE table_name = 'loaded_exports'"
    ).fetchall():
        columns.setdefault(schema, set()).add(column)
    hashes = {}
    for dataset in (DATASETS[k] for k in EXPORT_KINDS):
        if dataset not in columns:
            continue
        complete = (
            f"load_id IS NULL OR load_id IN "
            f"(SELECT load_id FROM {dataset}._dlt_loads WHERE status = 0)"
            if "load_id" in columns[dataset]
            else "true"
        )
        for runner_id, source_file, sha256 in con.execute(
            f"SELECT runner_id, source_file, sha256 FROM {dataset}.loaded_exports WHERE {complete}"
        ).fetchall():
            hashes[(runner_id, source_file)] = sha256
    return hashes


def plan_ingest(
    home: CadenceHome,
    runner_ids: list[str] | None = None,
    *,
    force: bool = False,
    run_id: str | None = None,
) -> IngestPlan:
    """Runners to load and the exports that are new or changed since they were last loaded."""
    home.create()
    runners, exports, problems = scan_exports(home.inbox, runner_ids)
    with open_warehouse(home.warehouse) as con:
        loaded = loaded_hashes(con)
    plan = IngestPlan(runners, [], IngestLedger(warehouse=home.warehouse, run_id=run_id))
    plan.ledger.rejections += [
        Rejection("inbox", p.source_file, p.location, p.reason, runner_id=p.runner_id)
        for p in problems
    ]
    for export in exports:
        unchanged = loaded.get((export.runner_id, export.source_file)) == export.sha256
        if unchanged and not force:
            plan.ledger.skipped.append(export)
        else:
            plan.todo.append(export)
    return plan


def run_ingest(
    home: CadenceHome,
    runner_ids: list[str] | None = None,
    *,
    force: bool = False,
    progress: IngestProgress | None = None,
    run_id: str | None = None,
) -> IngestReport:
    """Load profiles and every new export of the named runners (default: all)."""
    plan = plan_ingest(home, runner_ids, force=force, run_id=run_id)
    report = IngestReport(ledger=plan.ledger, runners=[r.runner_id for r in plan.runners])
    sources = [("profiles", profiles_source(plan.runners, home.inbox, plan.ledger))]
    sources += [
        (kind, export_source(kind, plan.exports(kind), home.inbox, progress, plan.ledger))
        for kind in EXPORT_KINDS
        if plan.exports(kind)
    ]
    for kind, source in sources:
        with pipeline_in_own_folder(kind, home.warehouse, home.dlt_dir) as pipeline:
            pipeline.run(source).raise_on_failed_jobs()
            report.rows_by_table.update(loaded_rows(kind, pipeline.last_trace))
    record_ledger(home.warehouse, plan.ledger, run_id)
    return report


def loaded_rows(kind: str, trace: object) -> dict[str, int]:
    """Rows normalized per raw table in the pipeline's last run (dlt's own tables left out)."""
    info = getattr(trace, "last_normalize_info", None)
    counts = getattr(info, "row_counts", {}) or {}
    return {
        f"{DATASETS[kind]}.{table}": rows
        for table, rows in counts.items()
        if not table.startswith("_dlt")
    }


def raw_table_docs() -> dict[str, str]:
    """What each raw table holds, from the readers that fill them."""
    from pipelines.healthkit import TABLES as HEALTHKIT
    from pipelines.strava import TABLES as STRAVA

    docs = {f"raw_profiles.{PROFILES.name}": PROFILES.doc}
    for kind, tables in (("strava", STRAVA), ("healthkit", HEALTHKIT)):
        docs |= {f"{DATASETS[kind]}.{t.name}": t.doc for t in tables.values()}
        docs[f"{DATASETS[kind]}.{LOADED_EXPORTS.name}"] = LOADED_EXPORTS.doc
    return docs


def record_ledger(warehouse: Path, ledger: IngestLedger, run_id: str | None) -> None:
    """Quarantine what was rejected and document the raw tables dlt created."""
    with open_warehouse(warehouse) as con:
        record_rejections(con, ledger.rejections, run_id)
        comment_existing_tables(con, raw_table_docs())
