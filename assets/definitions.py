"""The one Dagster Definitions object (`uv run dagster dev` finds it via [tool.dagster])."""

import dagster as dg

from assets.ingest import runner_profiles
from assets.resources import CadenceHomeResource

defs = dg.Definitions(
    assets=[runner_profiles],
    resources={"cadence": CadenceHomeResource()},
)
