"""Connecting a runner to Strava: trade a refresh token or an authorization code for tokens,
find the athlete, and store both (encrypted) in coach.users."""

from __future__ import annotations

from dataclasses import dataclass

import requests

from pipelines.strava_api.client import StravaSession, TokenRevoked, Tokens, request_tokens
from pipelines.strava_api.settings import StravaApp
from pipelines.strava_api.tokens import PendingTokens
from warehouse.connection import open_warehouse
from warehouse.secrets import SecretBox
from warehouse.settings import CadenceHome, require_runner_id
from warehouse.strava_users import StravaUsers


@dataclass(frozen=True)
class Connected:
    runner_id: str
    strava_id: int
    username: str | None


def _athlete(session: requests.Session, app: StravaApp, tokens: Tokens) -> dict:
    if tokens.athlete and tokens.athlete.get("id"):
        return tokens.athlete
    response = session.get(
        f"{app.api_url}/athlete", headers={"Authorization": f"Bearer {tokens.access_token}"}
    )
    if response.status_code == 401:
        raise TokenRevoked("Strava refused the new access token when asked for the athlete")
    response.raise_for_status()
    return response.json()


def connect_runner(
    home: CadenceHome,
    runner_id: str,
    *,
    refresh_token: str | None = None,
    code: str | None = None,
    app: StravaApp | None = None,
    session: requests.Session | None = None,
) -> Connected:
    """Store the runner's Strava athlete and (rotated) refresh token, encrypted."""
    require_runner_id(runner_id)
    if (refresh_token is None) == (code is None):
        raise ValueError("give either --refresh-token or --code (from Strava's OAuth redirect)")
    app = app or StravaApp.from_env()
    session = session or StravaSession()
    box = SecretBox.for_home(home.create().root)  # the key exists before any token is fetched
    if code is not None:
        grant = {"grant_type": "authorization_code", "code": code}
    else:
        grant = {"grant_type": "refresh_token", "refresh_token": str(refresh_token)}
    try:
        tokens = request_tokens(session, app, grant)
        athlete = _athlete(session, app, tokens)
    except TokenRevoked as error:
        raise ValueError(str(error)) from None
    strava_id = athlete.get("id")
    if not isinstance(strava_id, int):
        raise ValueError("Strava did not say which athlete the token belongs to")
    with open_warehouse(home.warehouse) as con:
        StravaUsers(con, box).connect(
            runner_id,
            strava_id,
            tokens.refresh_token,
            username=athlete.get("username"),
            email=athlete.get("email"),
            access_token=tokens.access_token,
            expires_at=tokens.expires_at,
        )
    # a token an earlier sync left waiting belongs to the old grant: it must not replace this one
    PendingTokens(home.root, box).forget(runner_id)
    return Connected(runner_id, strava_id, athlete.get("username"))
