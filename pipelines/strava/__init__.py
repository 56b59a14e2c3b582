"""Strava "Download your data" bulk export reader: Arrow batches for raw tables.

`read_strava_export(export, runner_id)` opens the zip (or its unpacked folder) and returns a
`StravaRead`: `file_count` activity files to decode, `batches()` yielding `Batch`es for the
tables in `TABLES` (`activities`, `activity_files`, `laps`, `samples`), and `rejections`
for bad input, filled while the batches are consumed. No dlt, DuckDB or Dagster here.
"""

from pipelines.strava.decode import decode_activity_file
from pipelines.strava.export import StravaRead, read_strava_export
from pipelines.strava.model import Decoded, to_tables
from pipelines.strava.tables import TABLES

__all__ = [
    "TABLES",
    "Decoded",
    "StravaRead",
    "decode_activity_file",
    "read_strava_export",
    "to_tables",
]
