"""`read_healthkit_export`: stream an Apple Health export into Arrow batches.

The reading process decompresses export.xml, drops its DOCTYPE and cuts the byte stream
into chunks of whole top-level elements (before ``\n <Record``, ``\n <Workout`` or
``\n <ActivitySummary``). Worker processes parse the chunks with expat (`fragments`) into
Arrow tables and content-hash keys; the reader takes the results back in document order,
makes repeated keys unique, and yields ``batch_rows``-row batches. If a cut turns out not to
be an element boundary (a chunk is not well-formed on its own), everything from that chunk
on is parsed in one piece in the reading process, so results never depend on the cuts.
Small exports skip the workers. Memory stays flat whatever the export's size (bounded
queues); bad input becomes `Rejection`s, never an exception.
"""

from __future__ import annotations

import itertools
import os
import re
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa

from pipelines.batches import Batch
from pipelines.healthkit.fragments import (
    OWNER,
    STREAM_ERRORS,
    Context,
    Fragment,
    FragmentParser,
    RejectionRow,
    date_reason,
)
from pipelines.healthkit.handler import _DATE_OK, KEYED, Keys
from pipelines.healthkit.sources import (
    CHUNK,
    MAX_PROLOG,
    Export,
    ExportError,
    Prolog,
    open_export,
    read_chunks,
    strip_doctype,
)
from pipelines.healthkit.tables import ME, SPECS, to_arrow
from pipelines.healthkit.workers import Pool
from warehouse.quarantine import Rejection

SOURCE = "healthkit"
FRAGMENT_BYTES = 4 << 20  # about this much XML per chunk handed to a worker
MAX_FRAGMENT = 64 << 20  # no element boundary in this much: parse the rest in-process
ROUTES_PER_FRAGMENT = 4  # route files are parsed with their chunk: few per chunk
PARALLEL_MIN_BYTES = 32 << 20  # smaller exports are parsed in-process (workers take ~1 s)
_BOUNDARIES = (b"\n <Record", b"\n <Workout", b"\n <ActivitySummary")
_DECLARATION = re.compile(rb"(?:\xef\xbb\xbf)?\s*(<\?xml\s[^>]*\?>)")


def default_workers() -> int:
    """Worker processes for big exports: one per core (at most 4); none on a single core."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return min(cores, 4) if cores > 1 else 0


class HealthkitRead:
    """One pass over one export. `batches()` is lazy; `rejections` fills while it runs."""

    def __init__(
        self,
        export: Path,
        runner_id: str,
        *,
        inbox_root: Path | None = None,
        batch_rows: int = 50_000,
        on_bytes: Callable[[int], None] | None = None,
        workers: int | None = None,
    ) -> None:
        if batch_rows < 1:
            raise ValueError("batch_rows must be >= 1")
        if workers is not None and workers < 0:
            raise ValueError("workers must be >= 0")
        self.workers = workers
        self.export_path = Path(export)
        self.runner_id = runner_id
        self.batch_rows = batch_rows
        self.on_bytes = on_bytes
        self.source_file = _relative(self.export_path, inbox_root)
        self.rejections: list[Rejection] = []
        self._export: Export | None = None
        self._open_rejection: Rejection | None = None
        try:
            self._export = open_export(self.export_path)
        except ExportError as exc:
            self._open_rejection = self._rejection(exc.location, exc.reason, None)
            self.rejections.append(self._open_rejection)
        self.total_bytes = self._export.total_bytes if self._export else 0
        self.counts: dict[str, int] = {}

    def _rejection(
        self, location: str, reason: str, table: str | None, excerpt: str | None = None
    ) -> Rejection:
        return Rejection(
            source=SOURCE,
            source_file=self.source_file,
            location=location,
            reason=reason,
            runner_id=self.runner_id,
            raw_excerpt=excerpt,
            target_table=table,
        )

    def _reject(self, location: str, reason: str, table: str | None, excerpt: str | None) -> None:
        self.rejections.append(self._rejection(location, reason, table, excerpt))

    # -- the pass --------------------------------------------------------------------------
    def batches(self) -> Iterator[Batch]:
        """Arrow batches per raw table, in document order (bounded memory).

        Worker processes (if any) are shut down when the pass ends, fails or is abandoned
        (``close()`` on this generator, or it being garbage-collected)."""
        self.rejections = [self._open_rejection] if self._open_rejection else []
        if self._export is None:
            return
        merger = _Merger(self)
        try:
            yield from self._parse(self._export, merger)
            yield from merger.flush(final=True)
        finally:
            self.counts = dict(merger.counts)

    def _worker_count(self) -> int:
        if self.workers is not None:
            return self.workers
        return default_workers() if self.total_bytes >= PARALLEL_MIN_BYTES else 0

    def _parse(self, export: Export, merger: _Merger) -> Iterator[Batch]:
        what = export.xml_name
        ctx = Context(self.runner_id, self.source_file, str(self.export_path), what)
        try:
            stream = export.open_xml()
        except STREAM_ERRORS as exc:
            self._reject("byte 0", f"cannot open {what} ({exc})", None, None)
            return
        with stream:
            prolog = Prolog()
            pieces = strip_doctype(self._counted(read_chunks(stream, CHUNK)), prolog)
            workers = self._worker_count()
            splitter = _Splitter(pieces, lambda: self._consumed, raw=not workers)
            first = splitter.next()
            if first is None or not self._check_prolog(prolog, what):
                return
            backlog: list[_Chunk] = [first]
            self._head = _reopen_root(first.data)
            if workers:
                backlog = yield from self._parallel(ctx, splitter, first, merger, workers)
            if backlog:
                splitter.raw = True
                chunks = itertools.chain(backlog, iter(splitter.next, None))
                yield from self._sequential(ctx, export, chunks, merger)

    _consumed = 0
    _head = b""  # re-opens the root element for a chunk that is not the first

    def _counted(self, chunks: Iterator[bytes]) -> Iterator[bytes]:
        self._consumed = 0
        for chunk in chunks:
            self._consumed += len(chunk)
            if self.on_bytes is not None:
                self.on_bytes(len(chunk))
            yield chunk

    def _parallel(
        self, ctx: Context, splitter: _Splitter, chunk: _Chunk, merger: _Merger, workers: int
    ) -> Iterator[Batch]:
        """Chunks to worker processes, results back in order. Returns (as the generator's
        value) the chunks still to be parsed in-process, if a chunk was not cut cleanly."""
        window = 2 * workers + 2  # chunks in flight: bounded memory
        inflight: deque[_Chunk] = deque()
        pending: _Chunk | None = chunk
        with Pool(workers, ctx) as pool:
            while True:
                while pending is not None and pending.whole and len(inflight) < window:
                    pool.submit(
                        pending.data,
                        pending.start_line,
                        b"" if pending.first else self._head,
                        pending.last,
                        pending.damage is not None,
                    )
                    inflight.append(pending)
                    pending = None if pending.last else splitter.next()
                if not inflight:
                    return [pending] if pending is not None else []
                done = inflight.popleft()
                fragment = pool.result()
                if fragment.error is not None and not done.last:
                    # not well-formed on its own: a cut inside an element, or a real error
                    # (then found again at once). From here on in one piece, in order.
                    return [done, *inflight, *([pending] if pending is not None else [])]
                merger.add(fragment, done)
                yield from merger.flush()
                if done.last:
                    return []

    def _sequential(
        self, ctx: Context, export: Export, chunks: Iterable[_Chunk], merger: _Merger
    ) -> Iterator[Batch]:
        """The rest of the document through one in-process parser, piece by piece."""
        fp: FragmentParser | None = None
        for chunk in chunks:
            if fp is None:
                fp = FragmentParser(ctx, b"" if chunk.first else self._head, chunk.start_line)
            ok = fp.feed(chunk.data)
            if ok and chunk.last:
                if chunk.damage is not None:
                    fp.truncate()
                else:
                    fp.feed(b"", final=True)
            merger.add(fp.harvest(export), chunk)
            yield from merger.flush()
            if not ok or chunk.last:
                break

    def _check_prolog(self, prolog: Prolog, what: str) -> bool:
        if prolog.too_long:
            self._reject(
                "line 1",
                f"{what} has no root element in its first {MAX_PROLOG >> 20} MiB "
                "(oversized DOCTYPE); refused",
                None,
                None,
            )
            return False
        if prolog.entity_declarations:
            self._reject(
                f"line {prolog.doctype_line}",
                f"the DOCTYPE declares {prolog.entity_declarations} custom XML entities; "
                "entities are never expanded, so the DTD was dropped and any element using "
                "them is rejected",
                None,
                prolog.doctype_excerpt,
            )
        return True

    def _damaged(self, chunk: _Chunk) -> None:
        exc = chunk.damage
        self._reject(
            f"byte {chunk.consumed}",
            f"{self._export.xml_name if self._export else 'the export'} is damaged and could "
            f"not be read past byte {chunk.consumed} ({type(exc).__name__}: {exc}); rows "
            "before it loaded",
            None,
            None,
        )


@dataclass
class _Chunk:
    """Part of the document: whole top-level elements unless ``whole`` is False."""

    data: bytes
    start_line: int
    first: bool
    last: bool = False
    whole: bool = True
    damage: BaseException | None = None  # the stream broke right after this chunk
    consumed: int = 0  # stream bytes read when it broke


class _Splitter:
    """Cuts the byte stream before top-level elements, about ``target`` bytes apart; in
    ``raw`` mode it passes pieces on as they come. Reading errors end the stream."""

    def __init__(
        self,
        pieces: Iterator[bytes],
        consumed: Callable[[], int],
        raw: bool = False,
        target: int | None = None,
    ) -> None:
        self.pieces = pieces
        self.consumed = consumed
        self.raw = raw
        self.target = target or FRAGMENT_BYTES
        self.need = self.target
        self.buf: list[bytes] = []
        self.size = 0
        self.line = 1
        self.first = True
        self.eof = False
        self.damage: BaseException | None = None
        self.done = False

    def next(self) -> _Chunk | None:
        while not self.done:
            if self.eof:
                data = b"".join(self.buf)
                self.buf, self.size = [], 0
                cut = 0 if self.raw else _route_cut(data, len(data))
                if cut > 0:
                    self.buf, self.size = [data[cut:]], len(data) - cut
                    return self._emit(data[:cut])
                self.done = True
                return self._emit(data, last=True, damage=self.damage)
            if self.buf and (self.raw or self.size >= self.need):
                data = b"".join(self.buf) if len(self.buf) > 1 else self.buf[0]
                self.buf, self.size = [], 0
                if self.raw:
                    return self._emit(data, whole=False)
                cut = _cut(data, min(self.target, len(data))) or _cut(data, len(data))
                if cut > 0:
                    self.need = self.target
                    if cut < len(data):
                        self.buf, self.size = [data[cut:]], len(data) - cut
                    return self._emit(data[:cut])
                if len(data) >= MAX_FRAGMENT:
                    return self._emit(data, whole=False)
                self.buf, self.size = [data], len(data)
                self.need = self.size + self.target  # look again once this much more came
            try:
                piece = next(self.pieces, None)
            except STREAM_ERRORS as exc:
                self.eof, self.damage = True, exc
                continue
            if piece is None:
                self.eof = True
                continue
            self.buf.append(piece)
            self.size += len(piece)
        return None

    def _emit(
        self,
        data: bytes,
        whole: bool = True,
        last: bool = False,
        damage: BaseException | None = None,
    ) -> _Chunk:
        chunk = _Chunk(data, self.line, self.first, last, whole, damage)
        if damage is not None:
            chunk.consumed = self.consumed()
        self.first = False
        self.line += data.count(b"\n")
        return chunk


def _cut(data: bytes, end: int) -> int:
    """Where to cut ``data[:end]``: just after the newline before the last top-level element
    start, and before the (n+1)th route file reference; 0 if there is no such place."""
    cut = max(data.rfind(b, 0, end) for b in _BOUNDARIES) + 1
    return (_route_cut(data, cut) or cut) if cut > 0 else 0


def _route_cut(data: bytes, end: int) -> int:
    """A cut before the (n+1)th route file reference in ``data[:end]``, or 0."""
    if data.count(b"<FileReference", 0, end) <= ROUTES_PER_FRAGMENT:
        return 0
    at = -1
    for _ in range(ROUTES_PER_FRAGMENT + 1):
        at = data.find(b"<FileReference", at + 1)
    return max(data.rfind(b, 0, at) for b in _BOUNDARIES) + 1


def _reopen_root(first: bytes) -> bytes:
    """What goes before a later chunk: the XML declaration (it may name the encoding) and a
    bare root start tag, on one line, so line numbers only need the chunk's first line."""
    m = _DECLARATION.match(first)
    declaration = m.group(1).replace(b"\n", b" ").replace(b"\r", b" ") if m else b""
    return declaration + b"<HealthData>"


class _Merger:
    """Fragments in document order -> unique keys, rejections, ``batch_rows``-row batches."""

    def __init__(self, read: HealthkitRead) -> None:
        self.read = read
        self.keys = {name: Keys() for name in KEYED}
        self.parts: dict[str, list[pa.Table]] = {}
        self.sizes: dict[str, int] = {}
        self.counts = dict.fromkeys(KEYED, 0)
        self.locale: str | None = None
        self.export_date: str | None = None

    def _rejects(self, rows: list[RejectionRow]) -> None:
        for location, reason, table, excerpt in rows:
            self.read._reject(location, reason, table, excerpt)

    def add(self, fragment: Fragment, chunk: _Chunk) -> None:
        self._rejects(fragment.rejections)
        finals = {
            name: self.keys[name].unique_all(base) for name, base in fragment.keys.items() if base
        }
        for name, table in fragment.tables.items():
            final = finals.get(OWNER[name])
            if final is not None:  # a key repeated: the rows take the unique one
                ids = pa.array(final, pa.string()).take(table.column(table.num_columns - 1))
                table = table.set_column(0, table.schema.field(0), ids)
            self._push(name, table.remove_column(table.num_columns - 1))
        for name, n in fragment.counts.items():
            self.counts[name] = self.counts.get(name, 0) + n
        self._me(fragment)
        if fragment.error is not None:
            self._rejects([fragment.error])
        elif chunk.last and chunk.damage is not None:
            self.read._damaged(chunk)
        self._rejects(fragment.tail)

    def _me(self, fragment: Fragment) -> None:
        own = fragment.locale is not None or fragment.export_date is not None
        if fragment.locale is not None:
            self.locale = fragment.locale
        if fragment.export_date is not None:
            self.export_date = fragment.export_date
        if not fragment.me_rows:
            return
        rows = fragment.me_rows
        if not own:  # <Me> in a later chunk than <HealthData>/<ExportDate>
            date = self.export_date if self.export_date and _DATE_OK(self.export_date) else None
            rows = [(*r[:6], date, self.locale, *r[8:]) for r in rows]
        at = len(ME.columns)

        def bad_row(row: tuple, column: str, text: str) -> None:
            self.read._reject(f"line {row[at]}", date_reason("me", column, text), "me", None)

        table = to_arrow(ME, rows, bad_row)
        if table.num_rows:
            self._push("me", table)

    def _push(self, name: str, table: pa.Table) -> None:
        if table.num_rows:
            self.parts.setdefault(name, []).append(table)
            self.sizes[name] = self.sizes.get(name, 0) + table.num_rows

    def flush(self, final: bool = False) -> Iterator[Batch]:
        limit = self.read.batch_rows
        for name, parts in self.parts.items():
            size = self.sizes[name]
            if not parts or (size < limit and not final):
                continue
            table = pa.concat_tables(parts) if len(parts) > 1 else parts[0]
            spec = SPECS[name].table
            start = 0
            while size - start >= limit:
                yield Batch(spec, table.slice(start, limit))
                start += limit
            if start < size and final:
                yield Batch(spec, table.slice(start))
                start = size
            self.parts[name] = [table.slice(start)] if start < size else []
            self.sizes[name] = size - start


def _relative(path: Path, root: Path | None) -> str:
    if root is not None:
        try:
            return path.resolve().relative_to(Path(root).resolve()).as_posix()
        except ValueError:
            pass
    return path.as_posix()


def read_healthkit_export(
    export: Path,
    runner_id: str,
    *,
    inbox_root: Path | None = None,
    batch_rows: int = 50_000,
    on_bytes: Callable[[int], None] | None = None,
    workers: int | None = None,
) -> HealthkitRead:
    """Open an Apple Health export (``export.zip``, ``export.xml`` or the unpacked folder).

    Nothing is parsed until `HealthkitRead.batches` is iterated. ``workers``: parser
    processes (0: parse in this process); by default one per core for exports of at least
    `PARALLEL_MIN_BYTES`, none for smaller ones.
    """
    return HealthkitRead(
        export,
        runner_id,
        inbox_root=inbox_root,
        batch_rows=batch_rows,
        on_bytes=on_bytes,
        workers=workers,
    )
