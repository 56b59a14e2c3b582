"""Decode one activity file (`.fit`, `.gpx`, `.tcx`, each optionally `.gz`) from its bytes."""

from __future__ import annotations

import gzip
import zlib

import pyarrow as pa

from pipelines.strava.fit import decode_fit
from pipelines.strava.model import Decoded, drop_implausible_summary, fail, to_tables
from pipelines.strava.xml_files import decode_gpx, decode_tcx

DECODERS = {"fit": decode_fit, "gpx": decode_gpx, "tcx": decode_tcx}
GZIP_MAGIC = b"\x1f\x8b"


def file_format(name: str) -> tuple[str | None, bool]:
    """(`fit`|`gpx`|`tcx` or None, gzipped?) from a file name, case-insensitively."""
    lower = name.lower()
    gz = lower.endswith(".gz")
    base = lower.removesuffix(".gz")
    ext = base.rsplit(".", 1)[-1] if "." in base.rsplit("/", 1)[-1] else ""
    return (ext if ext in DECODERS else None), gz


def decode_activity_file(name: str, data: bytes) -> Decoded:
    """Decode one activity file. Never raises for bad input: problems are in the result."""
    fmt, gz = file_format(name)
    if fmt is None:
        return fail("?", "file name", f"unsupported activity file type {name.rsplit('/', 1)[-1]!r}")
    if not data:
        return fail(fmt, "byte 0", "file is empty")
    if gz:
        if not data.startswith(GZIP_MAGIC):
            return fail(fmt, "byte 0", "file is named .gz but is not gzip data")
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError, zlib.error) as error:
            return fail(fmt, "byte 0", f"gzip data is corrupt or truncated ({error})")
        if not data:
            return fail(fmt, "byte 0", "gzip member decompresses to an empty file")
    try:
        return DECODERS[fmt](data)
    except Exception as error:  # a decoder bug must not stop the export; report it
        return fail(fmt, "file", f"could not decode {fmt.upper()} file: {error!r}")


def decode_job(
    job: tuple[str, bytes, str, int, str],
) -> tuple[dict[str, pa.Table] | None, list[tuple[str, str]]]:
    """Worker entry: (name, data, runner_id, activity_id, source_file) -> tables, problems."""
    name, data, runner_id, activity_id, source_file = job
    decoded = decode_activity_file(name, data)
    if not decoded.usable:
        return None, decoded.problems
    implausible = [*drop_implausible_summary(decoded), *decoded.samples.rejections()]
    tables = to_tables(decoded, runner_id, activity_id, source_file)
    return tables, [*decoded.problems, *implausible]
