"""dlt sources for the inbox: Strava exports, Apple Health exports, runner profiles.

Each source has one resource that streams Arrow batches from its reader into several raw
tables; every table is `merge`d on its primary key, so re-ingesting the same or an
overlapping export adds nothing. A `loaded_exports` table remembers each export's hash, so
an unchanged export is not even re-read (the hash lives in the warehouse, not in dlt's local
state, which Dagster's dlt integration wipes before each run). Each ledger row names the dlt
load that wrote it: dlt commits table by table, so a process killed mid-load can leave the
ledger row without the export's data, and only a load dlt recorded as complete vouches for it.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, closing, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import dlt
import pyarrow as pa
from dlt.extract.source import DltSource

from pipelines.batches import Batch, RawTable
from pipelines.inbox import ExportFile
from pipelines.profiles import InboxRunner, profile_batch
from warehouse.connection import connect
from warehouse.error_text import exception_sentence
from warehouse.quarantine import Rejection, record_rejections

DATASETS = {
    "strava": "raw_strava",
    "healthkit": "raw_healthkit",
    "profiles": "raw_profiles",
    "strava_api": "raw_strava_api",  # pipelines.strava_api
}

LOADED_EXPORTS = RawTable(
    "loaded_exports",
    ("runner_id", "source_file"),
    "Every export loaded: its size, modification time and SHA-256, so unchanged files are "
    "skipped and changed ones re-read; load_id is the dlt load that wrote it, trusted only "
    "once that load is complete.",
)
LOADED_EXPORTS_SCHEMA = pa.schema(
    [
        pa.field("runner_id", pa.string(), nullable=False),
        pa.field("source_file", pa.string(), nullable=False),
        pa.field("kind", pa.string()),
        pa.field("size_bytes", pa.int64()),
        pa.field("modified_at", pa.timestamp("us", tz="UTC")),
        pa.field("sha256", pa.string()),
        pa.field("rejected", pa.int64()),
        pa.field("loaded_at", pa.timestamp("us", tz="UTC")),
        pa.field("load_id", pa.string()),
    ]
)


class ExportRead(Protocol):
    rejections: list[Rejection]

    def batches(self) -> Iterator[Batch]: ...


@dataclass
class IngestProgress:
    """Callbacks a front end (rich progress bars, Dagster logs) hooks into."""

    export_started: Callable[[ExportFile, int], None] = lambda export, total: None
    advanced: Callable[[ExportFile, int], None] = lambda export, amount: None


@dataclass
class IngestLedger:
    """What one ingest run saw: rejections and the exports it read or skipped."""

    rejections: list[Rejection] = field(default_factory=list)
    read: list[ExportFile] = field(default_factory=list)
    skipped: list[ExportFile] = field(default_factory=list)
    warehouse: Path | None = None
    """Where an export's rejections are recorded as soon as it is read, before dlt loads it:
    a run killed once the load is complete (the export is then never read again) still has
    them. The run records every rejection again at its end, under the same ids."""
    run_id: str | None = None

    def export_read(self, export: ExportFile, rejections: Sequence[Rejection]) -> None:
        self.rejections.extend(rejections)
        self.read.append(export)
        if self.warehouse is not None and rejections:
            with closing(connect(self.warehouse)) as con:
                record_rejections(con, list(rejections), self.run_id)


def _keys_required(batch: Batch) -> pa.Table:
    """Declare key columns non-nullable, as dlt's merge hints do, so the schemas agree (but
    for keys added to an existing table, see `RawTable.added_keys`)."""
    keys = set(batch.table.primary_key) - set(batch.table.added_keys)
    schema = pa.schema([f.with_nullable(False) if f.name in keys else f for f in batch.rows.schema])
    return batch.rows.cast(schema)


def _hinted(batch: Batch) -> Any:
    table = batch.table
    hints = dlt.mark.make_hints(
        table_name=table.name,
        primary_key=list(table.primary_key),
        write_disposition="merge",
        **({"merge_key": list(table.merge_key)} if table.merge_key else {}),
        **(
            {"columns": {c: {"nullable": True} for c in table.added_keys}}
            if table.added_keys
            else {}
        ),
    )
    # hints of this table only: one resource feeds several tables, and a hint set on the
    # resource (a merge key) would stay on the tables after it
    return dlt.mark.with_hints(_keys_required(batch), hints, create_table_variant=True)


def _manifest_row(export: ExportFile, rejected: int) -> pa.Table:
    now = dt.datetime.now(dt.UTC)
    modified = dt.datetime.fromtimestamp(export.mtime, dt.UTC)
    row = {
        "runner_id": [export.runner_id],
        "source_file": [export.source_file],
        "kind": [export.kind],
        "size_bytes": [export.size_bytes],
        "modified_at": [modified],
        "sha256": [export.sha256],
        "rejected": [rejected],
        "loaded_at": [now],
        "load_id": [dlt.current.load_package_state()["load_id"]],
    }
    return pa.table(row, schema=LOADED_EXPORTS_SCHEMA)


def _open_reader(export: ExportFile, inbox: Path, progress: IngestProgress) -> ExportRead:
    if export.kind == "strava":
        from pipelines.strava import read_strava_export

        strava = read_strava_export(
            export.path,
            export.runner_id,
            inbox_root=inbox,
            on_file=lambda name: progress.advanced(export, 1),
        )
        progress.export_started(export, strava.file_count)
        return strava
    from pipelines.healthkit import read_healthkit_export

    health = read_healthkit_export(
        export.path,
        export.runner_id,
        inbox_root=inbox,
        on_bytes=lambda amount: progress.advanced(export, amount),
    )
    progress.export_started(export, health.total_bytes)
    return health


def _export_items(
    exports: Sequence[ExportFile], inbox: Path, progress: IngestProgress, ledger: IngestLedger
) -> Iterator[Any]:
    for export in exports:
        try:
            reader = _open_reader(export, inbox, progress)
            for batch in reader.batches():
                yield _hinted(batch)
        except Exception as error:
            # A reader that breaks on one export (a case it does not know) must not stop the
            # other exports and runners: what it read loads, and without a ledger row the
            # export is read again by the next run.
            ledger.rejections.append(
                Rejection(
                    export.kind,
                    export.source_file,
                    "reading",
                    f"the export could not be read to the end ({exception_sentence(error)}); "
                    "what was read before loads, and the next run reads it again",
                    runner_id=export.runner_id,
                )
            )
            continue
        ledger.export_read(export, reader.rejections)
        yield _hinted(Batch(LOADED_EXPORTS, _manifest_row(export, len(reader.rejections))))


def export_source(
    kind: str,
    exports: Sequence[ExportFile] = (),
    inbox: Path = Path("."),
    progress: IngestProgress | None = None,
    ledger: IngestLedger | None = None,
) -> DltSource:
    """The dlt source for one kind of export (`strava` or `healthkit`)."""

    def source() -> Any:
        return dlt.resource(
            _export_items(exports, inbox, progress or IngestProgress(), ledger or IngestLedger()),
            name=f"{kind}_exports",
        )

    source.__doc__ = f"{kind} exports from the inbox, merged into {DATASETS[kind]}."
    return dlt.source(source, name=kind, max_table_nesting=0)()


def profiles_source(
    runners: Sequence[InboxRunner] = (), inbox: Path = Path("."), ledger: IngestLedger | None = None
) -> DltSource:
    """Runner profiles (`profile.yaml`) as text, merged into raw_profiles.profiles."""

    def items() -> Iterator[Any]:
        batch, problems = profile_batch(list(runners), inbox)
        if ledger is not None:
            ledger.rejections.extend(
                Rejection(
                    "profile",
                    p.source_file,
                    p.location,
                    p.reason,
                    runner_id=p.runner_id,
                    target_table="raw_profiles.profiles",
                )
                for p in problems
            )
        yield _hinted(batch)

    def source() -> Any:
        return dlt.resource(items(), name="profile_files")

    return dlt.source(source, name="profiles", max_table_nesting=0)()


IN_USE = ".in-use"
"""A file in each working folder, locked by the process working there."""
ABANDONED_AFTER_S = 60
"""A younger folder may be one whose process has not locked it yet."""


def remove_abandoned_folders(dlt_dir: Path, kind: str) -> None:
    """Remove the working folders of `kind` left by processes that were killed (SIGKILL
    skips the clean-up): each holds a whole normalized export, and nobody locks it any more."""
    for folder in dlt_dir.glob(f"{kind}-*"):
        try:
            if time.time() - folder.stat().st_mtime < ABANDONED_AFTER_S:
                continue
            lock = (folder / IN_USE).open("a")
        except FileNotFoundError:
            continue  # its run finished and removed it meanwhile
        with lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                continue  # a live run works there
            shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def pipeline_in_own_folder(
    kind: str, warehouse: Path, dlt_dir: Path, *, hold_warehouse: bool = True
) -> Iterator[dlt.Pipeline]:
    """A dlt pipeline loading into the warehouse from a working folder of its own, removed after.

    dlt wipes a working folder that has no state file yet and then creates it, so two
    processes making the same pipeline at once (the inbox sensor's run and the schedule's,
    each loading definitions) wipe each other's folder or fail with "File exists". Nothing in
    the folder needs to outlive the run: dlt restores its state and schemas from the warehouse.

    With `hold_warehouse` the pipeline loads through one connection opened here, which waits
    while another process has the file open (dlt's own opening would fail at once); the
    definitions pass False, as loading them must not touch the warehouse, and so does the
    Strava sync, which gives each step that needs the warehouse a connection of its own.
    """
    # dlt keeps global state in ~/.dlt unless told otherwise: nothing leaves the home.
    os.environ["DLT_DATA_DIR"] = str(dlt_dir)
    os.environ.setdefault("RUNTIME__DLTHUB_TELEMETRY", "false")
    dlt_dir.mkdir(parents=True, exist_ok=True)
    remove_abandoned_folders(dlt_dir, kind)
    with ExitStack() as stack:
        working_folder = stack.enter_context(
            tempfile.TemporaryDirectory(prefix=f"{kind}-", dir=dlt_dir)
        )
        in_use = stack.enter_context((Path(working_folder) / IN_USE).open("w"))
        fcntl.flock(in_use, fcntl.LOCK_EX)  # released by the kernel however the process ends
        target: Any = str(warehouse)
        if hold_warehouse:
            target = stack.enter_context(closing(connect(warehouse)))
        yield dlt.pipeline(
            pipeline_name=f"cadence_{kind}",
            destination=dlt.destinations.duckdb(target),
            dataset_name=DATASETS[kind],
            pipelines_dir=working_folder,
        )
