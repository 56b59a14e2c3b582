"""Streaming Apple Health ("Export All Health Data") reader: export -> Arrow batches.

No dlt, DuckDB or Dagster here. ``read_healthkit_export(path, runner_id)`` accepts the
downloaded ``export.zip``, an ``export.xml`` (or ``.xml.gz``) or the unpacked
``apple_health_export/`` folder; ``HealthkitRead.batches()`` yields `Batch`es for the raw
tables in `TABLES`, and bad input ends up in ``HealthkitRead.rejections``.

The names are imported lazily, so that worker processes (which import
`pipelines.healthkit.fragments` only) start without the warehouse modules.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pipelines.healthkit.reader import HealthkitRead, read_healthkit_export
    from pipelines.healthkit.tables import TABLES

__all__ = ["TABLES", "HealthkitRead", "read_healthkit_export"]


def __getattr__(name: str) -> Any:
    if name == "TABLES":
        from pipelines.healthkit.tables import TABLES

        return TABLES
    if name in ("HealthkitRead", "read_healthkit_export"):
        from pipelines.healthkit import reader

        return getattr(reader, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
