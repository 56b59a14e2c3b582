"""Strava API settings: endpoints, the app's credentials, what is asked for."""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass

API_URL_VARIABLE = "CADENCE_STRAVA_API_URL"
TOKEN_URL_VARIABLE = "CADENCE_STRAVA_TOKEN_URL"
DEFAULT_API_URL = "https://www.strava.com/api/v3"
DEFAULT_TOKEN_URL = "https://www.strava.com/oauth/token"
CLIENT_VARIABLES = ("STRAVA_CLIENT_ID", "STRAVA_CLIENT_SECRET")

DATASET = "raw_strava_api"
PER_PAGE = 200
"""Activities per page of /athlete/activities (Strava's maximum)."""
STREAM_KEYS = (
    "time",
    "distance",
    "latlng",
    "altitude",
    "heartrate",
    "cadence",
    "watts",
    "velocity_smooth",
    "moving",
)
FIRST_SYNC_OVERLAP = dt.timedelta(days=7)
"""A runner's first API sync asks from this long before their export's latest activity: an
activity uploaded late or edited after the export still arrives, and those the export already
has stay one row (transforms.strava_api_activities)."""
RACE_WORKOUT_TYPES = (1, 11)
"""Strava's `workout_type` for a race (1 for runs, 11 for rides)."""
TOKEN_MARGIN = dt.timedelta(minutes=5)
"""An access token this close to expiring is refreshed before the next request."""
WAREHOUSE_WAIT = dt.timedelta(hours=1)
"""How long a sync waits to read or load while another step writes the warehouse: it runs
outside the one-writer pool, and a step in it (a large export's ingest) can take minutes."""
MAX_RETRIES = 5
"""Rate-limited (429) responses waited out per request before the runner's sync stops."""


@dataclass(frozen=True)
class StravaApp:
    """The Strava API application Cadence syncs as, and where Strava is."""

    client_id: str
    client_secret: str
    api_url: str = DEFAULT_API_URL
    token_url: str = DEFAULT_TOKEN_URL

    @classmethod
    def from_env(cls) -> StravaApp:
        missing = [name for name in CLIENT_VARIABLES if not os.environ.get(name)]
        if missing:
            raise ValueError(
                f"{' and '.join(missing)} not set: put the Strava API application's client id "
                "and secret (https://www.strava.com/settings/api) in the environment or .env"
            )
        return cls(
            client_id=os.environ["STRAVA_CLIENT_ID"],
            client_secret=os.environ["STRAVA_CLIENT_SECRET"],
            api_url=(os.environ.get(API_URL_VARIABLE) or DEFAULT_API_URL).rstrip("/"),
            token_url=os.environ.get(TOKEN_URL_VARIABLE) or DEFAULT_TOKEN_URL,
        )
