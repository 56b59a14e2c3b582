"""Publishing a read-only copy of the warehouse for analysts (copy, then atomic rename)."""

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
    partial = published.with_name(published.name + ".partial")
    shutil.copyfile(warehouse, partial)
    os.replace(partial, published)
    return published
