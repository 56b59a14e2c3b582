"""Publishing files that readers only ever see whole: the read-only warehouse copy for
analysts, and the charts, workouts and cached texts other tools pick up (write a partial file
beside the target, then rename it over the target in one step)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from warehouse.connection import connect


def publish(warehouse: Path, published: Path) -> Path:
    """Copy the warehouse next to its published place, then rename over it in one step, so a
    reader only ever sees the old or the new file. Returns the published path."""
    con = connect(warehouse)
    try:
        con.execute("CHECKPOINT")  # fold the WAL in, so the file alone is the whole warehouse
    finally:
        con.close()
    published.parent.mkdir(parents=True, exist_ok=True)
    partial = _partial(published)
    shutil.copyfile(warehouse, partial)
    os.replace(partial, published)
    return published


def write_atomically(path: Path, data: bytes) -> None:
    """Write `data` to `path` so a reader sees the old content or the new, never half."""
    partial = _partial(path)
    partial.write_bytes(data)
    os.replace(partial, path)


def _partial(path: Path) -> Path:
    return path.with_name(path.name + ".partial")
