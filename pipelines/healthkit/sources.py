"""Finding and streaming an export's XML (zip, gzip, plain file or folder) without extracting.

The main document is found by content (root element ``HealthData``), never by name:
localised iPhones write ``导出.xml`` or ``Export.xml``, and ``export_cda.xml``
(root ``ClinicalDocument``) sits beside it.
"""

from __future__ import annotations

import contextlib
import gzip
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

CHUNK = 1 << 20
MAX_PROLOG = 32 << 20  # a prolog (XML declaration + DOCTYPE) larger than this is refused
ROOT = "HealthData"
ROUTES_DIR = "workout-routes/"

# The first start tag: '<' then a name start character ('<!' and '<?' are markup, not tags).
_FIRST_TAG = re.compile(rb"<([A-Za-z_:\x80-\xff][^\s/>]*)")


class ExportError(Exception):
    """The export as a whole cannot be read; ``location`` says where."""

    def __init__(self, reason: str, location: str = "file") -> None:
        super().__init__(reason)
        self.reason = reason
        self.location = location


@dataclass
class Prolog:
    """What `strip_doctype` found before the root element."""

    root: str | None = None
    doctype_line: int | None = None
    entity_declarations: int = 0
    doctype_excerpt: str = ""
    too_long: bool = False


def strip_doctype(chunks: Iterator[bytes], prolog: Prolog) -> Iterator[bytes]:
    """Yield the document with its DOCTYPE (inline DTD included) replaced by newlines.

    Buffers only the prolog (may span chunks). Line numbers are preserved so parser errors
    still point at the right line. Entities declared there are never seen by the parser.
    """
    buf = b""
    match = None
    for chunk in chunks:
        buf += chunk
        match = _FIRST_TAG.search(buf)
        if match is not None:
            break
        if len(buf) > MAX_PROLOG:
            prolog.too_long = True
            return
    if match is None:
        if buf:
            yield buf
        return
    head, rest = buf[: match.start()], buf[match.start() :]
    prolog.root = match.group(1).decode("utf-8", "replace")
    start = head.find(b"<!DOCTYPE")
    if start >= 0:
        doctype = head[start:]
        prolog.doctype_line = head.count(b"\n", 0, start) + 1
        prolog.entity_declarations = doctype.count(b"<!ENTITY")
        ent = doctype.find(b"<!ENTITY")
        prolog.doctype_excerpt = doctype[max(ent, 0) : max(ent, 0) + 200].decode("utf-8", "replace")
        head = head[:start] + b"\n" * doctype.count(b"\n")
    yield head + rest
    yield from chunks


def read_chunks(stream: BinaryIO, size: int = CHUNK) -> Iterator[bytes]:
    while chunk := stream.read(size):
        yield chunk


def sniff_root(stream: BinaryIO) -> str | None:
    """Root element name of an XML stream, reading only its prolog."""
    prolog = Prolog()
    for _ in strip_doctype(read_chunks(stream, 64 << 10), prolog):
        break
    return prolog.root


@dataclass
class Export:
    """An opened export: how to stream its XML and its route files."""

    path: Path
    kind: str  # zip | gzip | xml | folder
    xml_name: str  # member or file name of the main XML
    total_bytes: int
    zip: zipfile.ZipFile | None = None
    xml_dir: str = ""  # zip: folder of the main XML member ("apple_health_export/")
    members: dict[str, zipfile.ZipInfo] = field(default_factory=dict)

    def open_xml(self) -> BinaryIO:
        if self.zip is not None:
            return self.zip.open(self.members[self.xml_name])  # type: ignore[return-value]
        if self.kind == "gzip":
            return gzip.open(self.path, "rb")  # type: ignore[return-value]
        return open(self.xml_path, "rb")

    @property
    def xml_path(self) -> Path:
        return self.path / self.xml_name if self.kind == "folder" else self.path

    def open_route(self, reference: str) -> BinaryIO | None:
        """A ``FileReference`` path (``/workout-routes/route_x.gpx``) opened, or None if absent."""
        rel = reference.lstrip("/")
        if self.zip is not None:
            info = self.members.get(self.xml_dir + rel)
            if info is None:  # some exports nest differently: match on the path's tail
                info = next(
                    (i for n, i in self.members.items() if n.endswith("/" + rel) or n == rel),
                    None,
                )
            return None if info is None else self.zip.open(info)  # type: ignore[return-value]
        base = self.xml_path.parent
        candidate = base / rel
        if ".." in Path(rel).parts or not candidate.is_file():
            return None
        return open(candidate, "rb")

    def close(self) -> None:
        if self.zip is not None:
            self.zip.close()


def open_export(path: Path) -> Export:
    """Open ``export.zip``, ``export.xml`` (optionally gzipped) or an unpacked folder."""
    if path.is_dir():
        return _open_folder(path)
    if not path.is_file():
        raise ExportError(f"export {path.name} does not exist")
    size = path.stat().st_size
    if size == 0:
        raise ExportError("the file is empty")
    with open(path, "rb") as fh:
        magic = fh.read(4)
    if magic.startswith(b"PK"):
        return _open_zip(path)
    if magic.startswith(b"\x1f\x8b"):
        return _open_gzip(path)
    if path.suffix.lower() in (".zip", ".gz"):
        raise ExportError(
            f"named {path.suffix} but not {path.suffix[1:]} data (starts with {magic!r})"
        )
    with open(path, "rb") as fh:
        root = sniff_root(fh)
    _check_root(root, path.name)
    return Export(path, "xml", path.name, size)


def _check_root(root: str | None, name: str) -> None:
    if root != ROOT:
        found = f"root element <{root}>" if root else "no XML root element"
        raise ExportError(f"{name} is not an Apple Health export ({found}, expected <{ROOT}>)")


def _open_gzip(path: Path) -> Export:
    try:
        with gzip.open(path, "rb") as fh:
            root = sniff_root(fh)  # type: ignore[arg-type]
        with open(path, "rb") as raw:  # ISIZE trailer: uncompressed size mod 2**32
            raw.seek(-4, 2)
            size = int.from_bytes(raw.read(4), "little")
    except (OSError, EOFError) as exc:
        raise ExportError(f"unreadable gzip data ({exc})") from exc
    _check_root(root, path.name)
    return Export(path, "gzip", path.name, size)


def _open_folder(path: Path) -> Export:
    candidates = sorted(path.glob("*.xml")) + sorted(path.glob("*/*.xml"))
    seen = []
    for xml in candidates:
        if ROUTES_DIR.rstrip("/") in xml.parts:
            continue
        with open(xml, "rb") as fh:
            root = sniff_root(fh)
        if root == ROOT:
            return Export(path, "folder", str(xml.relative_to(path)), xml.stat().st_size)
        seen.append(f"{xml.name} (<{root}>)")
    raise ExportError(_none_found(seen, "folder"))


def _none_found(seen: list[str], where: str) -> str:
    found = ", ".join(seen) if seen else "no XML files"
    return f"no Apple Health export XML (root <{ROOT}>) in the {where}; found {found}"


def _open_zip(path: Path) -> Export:
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError) as exc:
        raise ExportError(f"not a readable zip archive ({exc})") from exc
    try:
        members = {i.filename: i for i in zf.infolist() if not i.is_dir()}
        candidates = [
            i for i in members.values() if ROUTES_DIR not in i.filename and i.file_size > 0
        ]
        # XML-looking names first, but decide by content
        candidates.sort(key=lambda i: (not i.filename.lower().endswith(".xml"), i.filename))
        seen = []
        for info in candidates:
            try:
                with zf.open(info) as fh:
                    root = sniff_root(fh)  # type: ignore[arg-type]
            except (zipfile.BadZipFile, OSError, EOFError, ValueError, RuntimeError) as exc:
                seen.append(f"{info.filename} (unreadable: {exc})")
                continue
            if root == ROOT:
                xml_dir = info.filename.rpartition("/")[0]
                return Export(
                    path,
                    "zip",
                    info.filename,
                    info.file_size,
                    zip=zf,
                    xml_dir=xml_dir + "/" if xml_dir else "",
                    members=members,
                )
            seen.append(f"{info.filename} (<{root}>)")
        raise ExportError(_none_found(seen, "zip"))
    except BaseException:
        with contextlib.suppress(Exception):
            zf.close()
        raise
