"""Runners connected to Strava's API (seed 004 `users`, one row per runner)."""

from warehouse.contract import instant, integer, table, text
from warehouse.tables.common import audit, ownership

CONNECTION_STATUSES = ("connected", "disconnected")

USERS = table(
    "coach.users",
    "Runners connected to Strava's API: their Strava athlete, OAuth tokens (encrypted, never "
    "plain) and how their last sync went.",
    key="runner_id",
    columns={
        **ownership(),
        "strava_id": integer("Strava athlete id", nullable=False),
        "strava_username": text("Strava username"),
        "email": text("E-mail address, where Strava gave one"),
        "refresh_token": text(
            "OAuth refresh token, Fernet-encrypted with CADENCE_SECRET_KEY or the home's "
            "secret.key; replaced by each rotated one",
            nullable=False,
        ),
        "access_token": text("Last OAuth access token, Fernet-encrypted (temporary)"),
        "access_token_expires_at": instant("When the access token expires"),
        "status": text("Whether syncs may run", isin=CONNECTION_STATUSES, nullable=False),
        "status_reason": text("Why the runner is disconnected, in one sentence"),
        "last_synced_at": instant("When the last sync ended"),
        "last_sync_note": text("How the last sync ended (activities loaded, limits met)"),
        **audit(),
    },
    indexes={"by_strava_id": ("strava_id",)},
)

TABLES = (USERS,)
