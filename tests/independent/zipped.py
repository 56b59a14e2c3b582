"""Zip members with a fixed timestamp, so the same seed gives byte-identical exports."""

from __future__ import annotations

import zipfile

EXPORTED_AT = (2026, 11, 16, 6, 30, 0)


def add_member(archive: zipfile.ZipFile, name: str, data: str | bytes) -> None:
    member = zipfile.ZipInfo(name, date_time=EXPORTED_AT)
    member.compress_type = zipfile.ZIP_DEFLATED
    archive.writestr(member, data)
