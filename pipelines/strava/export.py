"""Reading a whole Strava bulk export (zip or unpacked folder) into Arrow batches.

Nothing is ever extracted to disk: zip members are read into memory. Activity files are
decoded in a process pool (FIT decoding is CPU-bound pure Python) with a bounded number of
files in flight, and results are yielded as they complete, concatenated into batches.

Choices:
- a missing (or unreadable) `activities.csv` rejects the whole export and no activity file
  is decoded: files are named by upload id, so without the CSV they cannot be tied to an
  activity id.
- activity files present in the export but not referenced by any CSV row are ignored.
- a truncated zip or one without a central directory rejects the export; a member with a
  bad CRC rejects that member only.
"""

from __future__ import annotations

import concurrent.futures as cf
import multiprocessing
import os
import posixpath
import zipfile
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path, PurePosixPath

import pyarrow as pa

from pipelines.batches import Batch
from pipelines.strava.activities_csv import ActivityRow, read_activities_csv
from pipelines.strava.decode import decode_job, file_format
from pipelines.strava.tables import TABLES
from warehouse.quarantine import Rejection

SOURCE = "strava"
IN_FLIGHT_PER_WORKER = 4
BATCH_ROWS = {"activity_files": 5_000, "laps": 50_000, "samples": 250_000}


class UnsafeMemberError(Exception):
    """A zip entry or Filename whose path would leave the export folder."""


def safe_relative(name: str) -> str:
    """Normalised relative POSIX path, or UnsafeMemberError for absolute paths and `..`."""
    cleaned = name.replace("\\", "/")
    if cleaned.startswith("/") or (len(cleaned) > 1 and cleaned[1] == ":"):
        raise UnsafeMemberError(f"{name!r} is an absolute path")
    parts = PurePosixPath(cleaned).parts
    if ".." in parts:
        raise UnsafeMemberError(f"{name!r} points outside the export folder")
    return posixpath.normpath(cleaned).removeprefix("./")


class _Source:
    """Uniform access to a zip or a folder; names are relative POSIX paths."""

    label: str
    separator: str
    refused: list[tuple[str, str]]

    def find(self, name: str) -> str | None:
        raise NotImplementedError

    def read(self, name: str) -> bytes:
        raise NotImplementedError

    def reopen(self) -> None:
        pass

    def close(self) -> None:
        pass


class _ZipSource(_Source):
    separator = ":"

    def __init__(self, path: Path) -> None:
        self.path = path
        self.zf = zipfile.ZipFile(path)
        self.refused = []
        self.members: dict[str, str] = {}
        for info in self.zf.infolist():
            if info.is_dir():
                continue
            try:
                safe = safe_relative(info.filename)
            except UnsafeMemberError as error:
                self.refused.append((info.filename, str(error)))
                continue
            self.members.setdefault(safe.lower(), info.filename)
        csvs = sorted(
            (k for k in self.members if posixpath.basename(k) == "activities.csv"),
            key=lambda k: (k.count("/"), k),
        )
        self.prefix = posixpath.dirname(csvs[0]) + "/" if csvs and "/" in csvs[0] else ""

    def find(self, name: str) -> str | None:
        return self.members.get((self.prefix + safe_relative(name)).lower())

    def read(self, name: str) -> bytes:
        return self.zf.read(name)

    def reopen(self) -> None:
        self.zf = zipfile.ZipFile(self.path)

    def close(self) -> None:
        self.zf.close()


class _FolderSource(_Source):
    separator = "/"

    def __init__(self, path: Path) -> None:
        self.root = path
        self.refused = []
        if not (path / "activities.csv").is_file():
            nested = sorted(path.glob("*/activities.csv"))
            if nested:
                self.root = nested[0].parent
        self._dirs: dict[str, dict[str, str]] = {}

    def find(self, name: str) -> str | None:
        rel = safe_relative(name)
        folder, base = posixpath.split(rel)
        if folder not in self._dirs:
            target = self.root / folder
            try:
                self._dirs[folder] = {
                    e.name.lower(): e.name for e in os.scandir(target) if e.is_file()
                }
            except OSError:
                self._dirs[folder] = {}
        found = self._dirs[folder].get(base.lower())
        return posixpath.join(folder, found) if found else None

    def read(self, name: str) -> bytes:
        return (self.root / name).read_bytes()


class StravaRead:
    """One export being read. `batches()` may be consumed more than once (same rows)."""

    def __init__(
        self,
        export: Path,
        runner_id: str,
        *,
        inbox_root: Path | None = None,
        workers: int = 2,
        on_file: Callable[[str], None] | None = None,
    ) -> None:
        self.export = Path(export)
        self.runner_id = runner_id
        self.workers = max(1, workers)
        self.on_file = on_file
        self.rejections: list[Rejection] = []
        self._label = _relative_label(self.export, inbox_root)
        self._early: list[Rejection] = []
        self._csv_table: pa.Table | None = None
        self._files: list[ActivityRow] = []
        self._source: _Source | None = None
        try:
            self._open()
        finally:  # reopened by batches(): no file handle is left open between reads
            if self._source is not None:
                self._source.close()

    @property
    def file_count(self) -> int:
        return len(self._files)

    # -- setup ---------------------------------------------------------------------------

    def _reject(
        self,
        source_file: str,
        location: str,
        reason: str,
        excerpt: str | None = None,
        target: str | None = None,
    ) -> Rejection:
        return Rejection(
            source=SOURCE,
            source_file=source_file,
            location=location,
            reason=reason,
            runner_id=self.runner_id,
            raw_excerpt=excerpt or None,
            target_table=target,
        )

    def _member_label(self, name: str) -> str:
        sep = self._source.separator if self._source else ":"
        return f"{self._label}{sep}{name}"

    def _open(self) -> None:
        try:
            if self.export.is_dir():
                self._source = _FolderSource(self.export)
            elif self.export.is_file():
                self._source = _ZipSource(self.export)
            else:
                self._early.append(self._reject(self._label, "file", "the export does not exist"))
                return
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError) as error:
            self._early.append(
                self._reject(
                    self._label,
                    "file",
                    f"the export is not a readable zip (truncated or corrupt: {error}); "
                    "nothing was loaded from it",
                )
            )
            return
        source = self._source
        for name, why in source.refused:
            self._early.append(
                self._reject(
                    self._member_label(name),
                    f"member {name}",
                    f"zip entry refused: {why}",
                    target="activity_files",
                )
            )
        csv_name = source.find("activities.csv")
        csv_label = self._member_label("activities.csv")
        if csv_name is None:
            self._early.append(
                self._reject(
                    self._label,
                    "activities.csv",
                    "the export has no activities.csv, so its activity files cannot be "
                    "matched to activities; nothing was loaded",
                    target="activities",
                )
            )
            return
        try:
            data = source.read(csv_name)
        except (zipfile.BadZipFile, OSError, EOFError, zlib.error) as error:
            self._early.append(
                self._reject(
                    csv_label,
                    f"member {csv_name}",
                    f"activities.csv cannot be read ({error}); nothing was loaded",
                    target="activities",
                )
            )
            return
        result = read_activities_csv(data, self.runner_id, csv_label)
        for location, reason, excerpt in result.problems:
            self._early.append(self._reject(csv_label, location, reason, excerpt, "activities"))
        self._csv_table = result.table
        self._files = result.files

    # -- reading -------------------------------------------------------------------------

    def batches(self) -> Iterator[Batch]:
        """Arrow batches for every table; bad input goes to `rejections`, never raises."""
        self.rejections = list(self._early)
        if self._csv_table is not None and self._csv_table.num_rows:
            yield Batch(TABLES["activities"], self._csv_table)
        if not self._files or self._source is None:
            return
        try:
            self._source.reopen()
        except (zipfile.BadZipFile, OSError) as error:
            self.rejections.append(
                self._reject(self._label, "file", f"the export cannot be reopened ({error})")
            )
            return
        try:
            yield from self._batched()
        finally:
            self._source.close()

    def _batched(self) -> Iterator[Batch]:
        buffers: dict[str, list[pa.Table]] = {name: [] for name in BATCH_ROWS}
        counts = dict.fromkeys(BATCH_ROWS, 0)
        for tables in self._decoded():
            for name, table in tables.items():
                if not table.num_rows:
                    continue
                buffers[name].append(table)
                counts[name] += table.num_rows
                if counts[name] >= BATCH_ROWS[name]:
                    yield Batch(TABLES[name], pa.concat_tables(buffers[name]))
                    buffers[name], counts[name] = [], 0
        for name, tables_ in buffers.items():
            if tables_:
                yield Batch(TABLES[name], pa.concat_tables(tables_))

    def _jobs(self) -> Iterator[tuple[str, bytes, str, int, str] | None]:
        """Decode jobs in CSV order; None for a file that was rejected before decoding."""
        assert self._source is not None
        csv_label = self._member_label("activities.csv")
        for row in self._files:
            fmt, _ = file_format(row.filename)
            try:
                name = self._source.find(row.filename)
            except UnsafeMemberError as error:
                self._add_rejection(
                    csv_label, f"line {row.line}", f"Filename refused: {error}", row.filename
                )
                yield None
                continue
            if fmt is None:
                self._add_rejection(
                    csv_label,
                    f"line {row.line}",
                    f"Filename {row.filename!r} is not a .fit/.gpx/.tcx file (optionally .gz)",
                    row.filename,
                )
                yield None
                continue
            if name is None:
                self._add_rejection(
                    csv_label,
                    f"line {row.line}",
                    f"Filename {row.filename!r} is referenced but missing from the export",
                    row.filename,
                )
                yield None
                continue
            try:
                data = self._source.read(name)
            except (zipfile.BadZipFile, OSError, EOFError, zlib.error, NotImplementedError) as e:
                self._add_rejection(
                    self._member_label(name),
                    f"member {name}",
                    f"cannot read the file from the export ({e})",
                    file_name=name,
                )
                yield None
                continue
            yield (name, data, self.runner_id, row.activity_id, self._member_label(name))

    def _add_rejection(
        self,
        source_file: str,
        location: str,
        reason: str,
        excerpt: str | None = None,
        *,
        file_name: str | None = None,
    ) -> None:
        """Reject one activity file before decoding; it still counts as done for `on_file`."""
        self.rejections.append(
            self._reject(source_file, location, reason, excerpt, "activity_files")
        )
        if self.on_file is not None:
            self.on_file(file_name or excerpt or location)

    def _finish(
        self,
        job: tuple[str, bytes, str, int, str],
        result: tuple[dict[str, pa.Table] | None, list[tuple[str, str]]],
    ) -> dict[str, pa.Table] | None:
        tables, problems = result
        name, source_file = job[0], job[4]
        for location, reason in problems:
            self.rejections.append(
                self._reject(source_file, location, reason, target="activity_files")
            )
        if self.on_file is not None:
            self.on_file(name)
        return tables

    def _decoded(self) -> Iterator[dict[str, pa.Table]]:
        if self.workers == 1:
            for job in self._jobs():
                if job is not None:
                    tables = self._finish(job, decode_job(job))
                    if tables is not None:
                        yield tables
            return
        limit = self.workers * IN_FLIGHT_PER_WORKER
        jobs = self._jobs()
        pending: dict[cf.Future, tuple[str, bytes, str, int, str]] = {}
        with cf.ProcessPoolExecutor(max_workers=self.workers, mp_context=_mp_context()) as pool:
            exhausted = False
            while pending or not exhausted:
                while not exhausted and len(pending) < limit:
                    job = next(jobs, False)
                    if job is False:
                        exhausted = True
                    elif job is not None:
                        pending[pool.submit(decode_job, job)] = (job[0], b"", *job[2:])
                if not pending:
                    continue
                done, _ = cf.wait(pending, return_when=cf.FIRST_COMPLETED)
                for future in done:
                    job = pending.pop(future)
                    try:
                        result = future.result()
                    except Exception as error:  # a crashed worker: report, keep going
                        result = (None, [("file", f"decoder process failed: {error!r}")])
                    tables = self._finish(job, result)
                    if tables is not None:
                        yield tables


def _mp_context() -> multiprocessing.context.BaseContext:
    """`fork` where available: workers start instantly and the caller's `__main__` is never
    re-imported (forkserver/spawn would re-run an unguarded script). Workers only run the
    decoder, never the caller's threads. Elsewhere (macOS/Windows): spawn."""
    if "fork" in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")


def _relative_label(export: Path, inbox_root: Path | None) -> str:
    if inbox_root is not None:
        try:
            return export.resolve().relative_to(Path(inbox_root).resolve()).as_posix()
        except ValueError:
            pass
    return export.name


def read_strava_export(
    export: Path,
    runner_id: str,
    *,
    inbox_root: Path | None = None,
    workers: int = 2,
    on_file: Callable[[str], None] | None = None,
) -> StravaRead:
    """Open a Strava bulk export (zip or unpacked folder) for reading; see `StravaRead`."""
    return StravaRead(export, runner_id, inbox_root=inbox_root, workers=workers, on_file=on_file)
