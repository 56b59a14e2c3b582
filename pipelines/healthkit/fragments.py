"""One fragment of export.xml -> Arrow tables, base keys and rejections.

Runs in a worker process (`parse_chunk`, one chunk of top-level elements at a time) or in
the reading process itself (`FragmentParser` fed piece by piece, for small exports and as
the fallback when a chunk boundary was not a clean element boundary). Keys come back as
content hashes in document order; the reader makes repeats unique (`handler.Keys`), so the
result does not depend on how the document was cut.

Imports nothing heavy beyond pyarrow: worker processes start by importing this module.
"""

from __future__ import annotations

import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO
from xml.parsers import expat

import pyarrow as pa
import pyarrow.compute as pc

from pipelines.healthkit.gpx import GpxHandler
from pipelines.healthkit.handler import KEYED, ExportHandler
from pipelines.healthkit.plausible import implausible_records, implausible_workouts
from pipelines.healthkit.sources import Export, Prolog, open_export, read_chunks, strip_doctype
from pipelines.healthkit.tables import APPLE_TS, PARENT, SPECS, STR, to_arrow

# Errors that reading a damaged zip/gzip stream raises mid-way
STREAM_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError)
ROOT_CLOSE = b"</HealthData>"  # closes a chunk that is not the document's last
# table -> the keyed table its first column (and PARENT) points into
OWNER = {
    "records": "records",
    "record_metadata": "records",
    "hrv_beats": "records",
    "workouts": "workouts",
    "workout_statistics": "workouts",
    "workout_events": "workouts",
    "workout_metadata": "workouts",
    "workout_route_points": "workouts",
    "activity_summaries": "activity_summaries",
}

PARSED = frozenset(  # columns derived from others, left out of rejection excerpts
    (
        "record_id",
        "workout_id",
        "runner_id",
        "source_file",
        "device_name",
        "device_manufacturer",
        "device_model",
        "device_hardware",
        "device_software",
    )
)
IMPLAUSIBLE = {"records": implausible_records, "workouts": implausible_workouts}
RejectionRow = tuple[str, str, str | None, str | None]  # location, reason, table, excerpt


@dataclass(frozen=True)
class Context:
    """What a worker needs besides the bytes (picklable)."""

    runner_id: str
    source_file: str
    export_path: str  # reopened for route files
    xml_name: str


@dataclass
class Fragment:
    """The parsed result of one fragment, in document order."""

    tables: dict[str, pa.Table]  # every table but `me`, with a last PARENT column
    keys: dict[str, list[str]]  # base keys per keyed table, in the order they were made
    rejections: list[RejectionRow]
    counts: dict[str, int]
    me_rows: list[tuple] = field(default_factory=list)  # raw `me` rows (tiny)
    locale: str | None = None
    export_date: str | None = None
    error: RejectionRow | None = None  # the document stopped being well-formed here
    tail: list[RejectionRow] = field(default_factory=list)  # elements left open at the end

    @property
    def rows(self) -> int:
        return sum(t.num_rows for t in self.tables.values())


def date_reason(name: str, column: str, text: str) -> str:
    what = "Me" if name == "me" else name[:-1]
    return f"{what} {column} {text!r} is not a valid 'yyyy-MM-dd HH:mm:ss ±hhmm' date"


class FragmentParser:
    """An expat parser over part of the document that starts at a top-level element
    (``prefix`` re-opens the root element for it) and begins on line ``start_line``."""

    def __init__(self, ctx: Context, prefix: bytes = b"", start_line: int = 1) -> None:
        self.ctx = ctx
        self.rejections: list[RejectionRow] = []
        self.error: RejectionRow | None = None
        self.tail: list[RejectionRow] = []
        self.h = h = ExportHandler(ctx.runner_id, ctx.source_file, self._reject, start_line - 1)
        self.parser = parser = expat.ParserCreate()
        parser.StartElementHandler = h.start
        parser.EndElementHandler = h.end
        parser.buffer_text = False
        h.parser = parser
        self.prefix_len = len(prefix)
        self.fed = 0  # bytes handed to the parser before the current piece
        if prefix:
            parser.Parse(prefix, False)
            self.fed = len(prefix)

    def _reject(self, location: str, reason: str, table: str, excerpt: str | None) -> None:
        self.rejections.append((location, reason, table, excerpt))

    def feed(self, data: bytes, final: bool = False) -> bool:
        """Parse ``data``; False (and `error` set) once the XML stops being well-formed."""
        try:
            self.parser.Parse(data, final)
        except expat.ExpatError as exc:
            self._xml_error(exc, data, self.parser.ErrorByteIndex - self.fed)
            return False
        self.fed += len(data)
        return True

    def _xml_error(self, exc: expat.ExpatError, data: bytes, at: int) -> None:
        what = self.ctx.xml_name
        code = expat.ErrorString(exc.code) if exc.code else str(exc)
        reason = (
            f"{what} uses an undeclared (custom) entity; entities are never expanded, "
            "so the rest of the document is rejected"
            if "undefined entity" in code
            else f"{what} stops being well-formed XML ({code}); every complete element before "
            "this point loaded, the rest is rejected"
        )
        excerpt = None
        if data and 0 <= at <= len(data):  # the failing line, when it is in this piece
            lo = data.rfind(b"\n", 0, at) + 1
            hi = data.find(b"\n", at)
            excerpt = data[lo : hi if hi >= 0 else lo + 300][:300].decode("utf-8", "replace")
        line = exc.lineno + self.h.line_base
        column = exc.offset - (self.prefix_len if exc.lineno == 1 else 0)
        self.error = (f"line {line}, column {column}", reason, None, excerpt or None)
        self.truncate()

    def truncate(self) -> None:
        """The document ends here: report the Record/Workout left open, which never loads."""
        h = self.h
        for attrs, line, table in ((h.rec, h.rec_line, "records"), (h.wk, h.wk_line, "workouts")):
            if attrs is not None:
                self.tail.append(
                    (
                        f"line {line}",
                        "the element starting here is incomplete (the document breaks off "
                        "inside it); it was not loaded",
                        table,
                        " ".join(f'{k}="{v}"' for k, v in attrs.items())[:500],
                    )
                )
        h.rec = h.wk = None

    # -- results ---------------------------------------------------------------------------
    def harvest(self, export: Export | None) -> Fragment:
        """Everything committed so far (route files of its workouts included) as a
        `Fragment`; the buffers start empty again."""
        h = self.h
        rows = h.rows
        h.rows = {name: [] for name in rows}
        h._records, h._record_meta = h.rows["records"], h.rows["record_metadata"]
        keys = h.keys
        h.keys = {name: [] for name in KEYED}
        h._record_keys = h.keys["records"]
        pending, h.pending_routes = h.pending_routes, []
        counts, h.counts = h.counts, dict.fromkeys(h.counts, 0)
        tables: dict[str, pa.Table] = {}
        # keyed rows rejected (bad dates, values that cannot be true), by key index: their
        # children go with them
        dropped: dict[str, set[int]] = {name: set() for name in KEYED}
        for name, buffered in rows.items():
            if not buffered or name == "me":
                continue
            spec = SPECS[name]
            line_at = len(spec.columns)
            owner = OWNER[name]

            def bad_row(
                row: tuple,
                column: str,
                text: str,
                name: str = name,
                at: int = line_at,
                owner: str = owner,
            ) -> None:
                if name == owner:
                    dropped[owner].add(row[at + 1])
                self._reject(f"line {row[at]}", date_reason(name, column, text), name, None)

            table = to_arrow(spec, buffered, bad_row, parent=True)
            if name in IMPLAUSIBLE:
                table = self._drop_implausible(name, table, buffered, dropped[name])
            elif dropped[owner]:
                gone = pa.array(sorted(dropped[owner]), pa.int32())
                table = table.filter(pc.invert(pc.is_in(table.column(PARENT), gone)))
            if table.num_rows:
                tables[name] = table
        pending = [p for p in pending if p[1] not in dropped["workouts"]]
        routes = [tables.pop("workout_route_points")] if "workout_route_points" in tables else []
        for workout_id, parent, path, line in pending:  # one at a time: bounded memory
            points: list[tuple] = []
            self._route(export, workout_id, parent, path, line, points)
            if points:
                spec = SPECS["workout_route_points"]
                routes.append(to_arrow(spec, points, lambda *_: None, parent=True))
        if routes:
            tables["workout_route_points"] = pa.concat_tables(routes).combine_chunks()
        error, self.error = self.error, None
        tail, self.tail = self.tail, []
        rejections, self.rejections = self.rejections, []
        return Fragment(
            tables,
            keys,
            rejections,
            counts,
            rows["me"],
            h.locale,
            h.export_date,
            error,
            tail,
        )

    def _drop_implausible(
        self, name: str, table: pa.Table, buffered: list[tuple], dropped: set[int]
    ) -> pa.Table:
        """Reject the rows whose values cannot be true; their key indexes join ``dropped``.
        A keyed row's key index is its place in the buffer (`ExportHandler` keeps them in
        step), which gives back its line."""
        findings = IMPLAUSIBLE[name](table)
        if not findings:
            return table
        spec = SPECS[name]
        line_at = len(spec.columns)
        parents = table.column(PARENT)
        for i, reason in findings:
            row = buffered[parents[i].as_py()]
            dropped.add(row[line_at + 1])
            excerpt = " ".join(  # the attributes as written (no ids, nothing parsed)
                f'{c.name}="{v}"'
                for c, v in zip(spec.columns, row, strict=False)
                if v is not None and c.kind in (STR, APPLE_TS) and c.name not in PARSED
            )
            self._reject(f"line {row[line_at]}", reason, name, excerpt[:500])
        keep = pc.invert(pc.is_in(parents, pa.array(sorted(dropped), pa.int32())))
        return table.filter(keep)

    def _route(
        self,
        export: Export | None,
        workout_id: str,
        parent: int,
        path: str,
        line: int,
        rows: list[tuple],
    ) -> None:
        where = f"route {path} (workout at line {line})"
        table = "workout_route_points"
        try:
            stream: BinaryIO | None = None if export is None else export.open_route(path)
        except STREAM_ERRORS as exc:
            self._reject(where, f"the route file cannot be opened ({exc})", table, None)
            return
        if stream is None:
            self._reject(
                where,
                "the route file referenced by the workout is missing from the export",
                table,
                None,
            )
            return
        gpx = GpxHandler(workout_id, self.ctx.runner_id, line, rows, parent)
        parser = expat.ParserCreate()
        parser.StartElementHandler = gpx.start
        parser.EndElementHandler = gpx.end
        parser.CharacterDataHandler = gpx.data
        parser.buffer_text = True
        with stream:
            chunks = strip_doctype(read_chunks(stream), Prolog())
            while True:
                try:
                    chunk = next(chunks, None)
                    if chunk is None:
                        parser.Parse(b"", True)
                        break
                    parser.Parse(chunk, False)
                except expat.ExpatError as exc:
                    self._reject(
                        f"{path}: line {exc.lineno}, column {exc.offset}",
                        f"the route file is not well-formed GPX "
                        f"({expat.ErrorString(exc.code)}); {gpx.count} points before it loaded",
                        table,
                        None,
                    )
                    break
                except STREAM_ERRORS as exc:
                    self._reject(
                        where,
                        f"the route file is damaged ({exc}); {gpx.count} points loaded",
                        table,
                        None,
                    )
                    break
        for bad in gpx.bad_points:
            self._reject(f"{path}: {bad.split(':', 1)[0]}", f"bad trackpoint: {bad}", table, None)


# -- worker process ----------------------------------------------------------------------------
_ctx: Context | None = None
_export: Export | None = None


def init_worker(ctx: Context) -> None:
    """Process-pool initializer: remember the context; the export opens on first use."""
    global _ctx, _export
    _ctx, _export = ctx, None


def _worker_export() -> Export | None:
    global _export
    if _export is None and _ctx is not None:
        try:
            _export = open_export(Path(_ctx.export_path))
        except Exception:  # the reader opened it a moment ago; routes then report missing
            return None
    return _export


def parse_chunk(data: bytes, start_line: int, prefix: bytes, last: bool, damaged: bool) -> Fragment:
    """Parse one chunk of whole top-level elements. A chunk that is not the document's last
    is closed with ``</HealthData>``; an error there means the cut was not clean, and the
    reader parses again from this chunk on in one piece."""
    assert _ctx is not None, "init_worker was not called"
    fp = FragmentParser(_ctx, prefix, start_line)
    if fp.feed(data):
        if not last:
            fp.feed(ROOT_CLOSE, final=True)
        elif damaged:
            fp.truncate()
        else:
            fp.feed(b"", final=True)
    return fp.harvest(_worker_export() if fp.h.pending_routes else None)
