"""Deterministic zip writing (fixed member timestamps and attributes)."""

from __future__ import annotations

import zipfile
from collections.abc import Iterable

DEFAULT_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def zinfo(
    name: str,
    date_time: tuple[int, int, int, int, int, int] = DEFAULT_ZIP_TIME,
    stored: bool = False,
) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=date_time)
    info.compress_type = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    info.create_system = 3
    return info


def write_member(
    zf: zipfile.ZipFile,
    name: str,
    data: bytes,
    date_time: tuple[int, int, int, int, int, int] = DEFAULT_ZIP_TIME,
    stored: bool = False,
) -> None:
    zf.writestr(zinfo(name, date_time, stored), data, compresslevel=None if stored else 6)


def stream_member(
    zf: zipfile.ZipFile,
    name: str,
    chunks: Iterable[str | bytes],
    date_time: tuple[int, int, int, int, int, int] = DEFAULT_ZIP_TIME,
) -> int:
    """Stream text/bytes chunks into a deflated member (zip64 enabled); returns bytes written."""
    info = zinfo(name, date_time)
    total = 0
    buf: list[str | bytes] = []
    size = 0
    with zf.open(info, "w", force_zip64=True) as fh:
        for chunk in chunks:
            buf.append(chunk)
            size += len(chunk)
            if size >= 1 << 20:
                total += _flush(fh, buf)
                buf, size = [], 0
        total += _flush(fh, buf)
    return total


def _flush(fh, buf: list[str | bytes]) -> int:
    if not buf:
        return 0
    if isinstance(buf[0], str):
        data = "".join(buf).encode("utf-8")  # type: ignore[arg-type]
    else:
        data = b"".join(buf)  # type: ignore[arg-type]
    fh.write(data)
    return len(data)
