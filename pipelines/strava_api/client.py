"""Talking to Strava: rate limits, OAuth2 refresh-token auth with rotation, failures.

Strava answers every API call with `X-RateLimit-Limit` / `X-RateLimit-Usage` (and, since
2024, `X-ReadRateLimit-*`): "15-minute,daily" pairs. The session reads them after each
response and, before the next request, waits for the next quarter hour when a 15-minute
window is used up, or stops with `DailyLimitReached` when a daily one is (the day's requests
are spent: the sync keeps what it loaded and the next run resumes). A 429 is waited out for
its `Retry-After`, else until the window ends.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import requests
from dlt.common.configuration.specs import configspec
from dlt.common.pendulum import pendulum
from dlt.common.typing import TSecretStrValue
from dlt.sources.helpers.rest_client.auth import OAuth2ClientCredentials
from requests.hooks import dispatch_hook

from pipelines.strava_api.settings import MAX_RETRIES, TOKEN_MARGIN, StravaApp

LIMIT_HEADERS = (
    ("X-RateLimit-Limit", "X-RateLimit-Usage"),
    ("X-ReadRateLimit-Limit", "X-ReadRateLimit-Usage"),
)
QUARTER_HOUR_S = 15 * 60
REQUEST_TIMEOUT_S = 60


class DailyLimitReached(Exception):  # noqa: N818 - a condition, not a bug
    """Strava's daily request limit is spent: stop, keep what loaded, resume next run."""


class TokenRevoked(Exception):  # noqa: N818 - a condition, not a bug
    """Strava refuses the runner's token: they revoked access or it is no longer valid."""


@dataclass
class RateLimits:
    """(limit, usage) of each 15-minute and daily window Strava reported last."""

    short: list[tuple[int, int]] = field(default_factory=list)
    daily: list[tuple[int, int]] = field(default_factory=list)

    def read(self, headers: Any) -> None:
        short, daily = [], []
        for limit_header, usage_header in LIMIT_HEADERS:
            limits, usage = _pair(headers.get(limit_header)), _pair(headers.get(usage_header))
            if limits is None or usage is None:
                continue
            short.append((limits[0], usage[0]))
            daily.append((limits[1], usage[1]))
        if short:
            self.short, self.daily = short, daily

    @property
    def short_spent(self) -> bool:
        return any(usage >= limit for limit, usage in self.short)

    @property
    def daily_spent(self) -> bool:
        return any(usage >= limit for limit, usage in self.daily)

    def describe_daily(self) -> str:
        return ", ".join(f"{usage}/{limit}" for limit, usage in self.daily) or "unknown"


def _pair(value: str | None) -> tuple[int, int] | None:
    if not value:
        return None
    try:
        first, second = (int(part.strip()) for part in value.split(",")[:2])
    except ValueError:
        return None
    return first, second


def seconds_to_next_window(now: float) -> float:
    """Strava's 15-minute windows start at :00, :15, :30 and :45."""
    return QUARTER_HOUR_S - (now % QUARTER_HOUR_S) + 1


class StravaSession(requests.Session):
    """A requests session that honours Strava's rate limits (used by dlt's RESTClient)."""

    def __init__(
        self,
        *,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.time,
        max_retries: int = MAX_RETRIES,
    ) -> None:
        super().__init__()
        self.limits = RateLimits()
        self.sleep = sleep
        self.clock = clock
        self.max_retries = max_retries
        self.waited: list[float] = []

    def _wait(self, seconds: float) -> None:
        self.waited.append(seconds)
        self.sleep(seconds)
        self.limits.short = []  # a new window: what Strava says next counts

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", REQUEST_TIMEOUT_S)
        # the caller's response hooks (dlt's raise-for-status) see only the answer kept
        hooks, request.hooks = request.hooks, {"response": []}
        try:
            response = self._send_within_limits(request, **kwargs)
        finally:
            request.hooks = hooks
        return dispatch_hook("response", hooks, response, **kwargs)

    def _send_within_limits(
        self, request: requests.PreparedRequest, **kwargs: Any
    ) -> requests.Response:
        response: requests.Response | None = None
        for _ in range(self.max_retries + 1):
            if self.limits.daily_spent:
                raise DailyLimitReached(f"{self.limits.describe_daily()} requests used today")
            if self.limits.short_spent:
                self._wait(seconds_to_next_window(self.clock()))
            response = super().send(request, **kwargs)
            self.limits.read(response.headers)
            if response.status_code != 429:
                return response
            if self.limits.daily_spent:
                raise DailyLimitReached(f"{self.limits.describe_daily()} requests used today")
            self._wait(_retry_after(response) or seconds_to_next_window(self.clock()))
        assert response is not None
        return response


def _retry_after(response: requests.Response) -> float | None:
    value = response.headers.get("Retry-After")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None


@dataclass(frozen=True)
class Tokens:
    """What Strava's token endpoint answers (the athlete only for an authorization code)."""

    access_token: str
    refresh_token: str
    expires_at: dt.datetime
    athlete: dict[str, Any] | None = None

    @classmethod
    def from_response(cls, body: dict[str, Any]) -> Tokens:
        try:
            expires = dt.datetime.fromtimestamp(int(body["expires_at"]), dt.UTC)
            return cls(
                str(body["access_token"]), str(body["refresh_token"]), expires, body.get("athlete")
            )
        except (KeyError, TypeError, ValueError):
            raise ValueError(
                "Strava's token endpoint answered without access_token, refresh_token and "
                "expires_at"
            ) from None


def request_tokens(session: requests.Session, app: StravaApp, grant: dict[str, str]) -> Tokens:
    """POST to Strava's token endpoint; a refused grant is `TokenRevoked` (one sentence)."""
    response = session.post(
        app.token_url,
        data={"client_id": app.client_id, "client_secret": app.client_secret, **grant},
        timeout=REQUEST_TIMEOUT_S,
    )
    if response.status_code in (400, 401, 403):
        raise TokenRevoked(
            f"Strava refused the {grant['grant_type'].replace('_', ' ')} (HTTP "
            f"{response.status_code}): access was revoked or the token is no longer valid; "
            "run `cadence strava connect` again"
        )
    response.raise_for_status()
    return Tokens.from_response(response.json())


@configspec
class StravaRefreshTokenAuth(OAuth2ClientCredentials):
    """dlt's OAuth2 auth for Strava's refresh-token grant. Strava may hand out a new refresh
    token with each access token (the old one then stops working): `on_rotate` is called with
    every token pair so the caller stores it at once."""

    refresh_token: TSecretStrValue = None

    def __post_init__(self) -> None:
        super().__post_init__()
        self.on_rotate: Callable[[Tokens], None] | None = None
        self.app: StravaApp | None = None

    def obtain_token(self) -> None:
        assert self.app is not None
        tokens = request_tokens(
            self.session,
            self.app,
            {"grant_type": "refresh_token", "refresh_token": str(self.refresh_token)},
        )
        self.access_token = tokens.access_token
        self.refresh_token = tokens.refresh_token
        self.token_expiry = pendulum.instance(tokens.expires_at - TOKEN_MARGIN)
        if self.on_rotate is not None:
            self.on_rotate(tokens)


def refresh_auth(
    app: StravaApp,
    refresh_token: str,
    session: requests.Session,
    on_rotate: Callable[[Tokens], None] | None = None,
) -> StravaRefreshTokenAuth:
    auth = StravaRefreshTokenAuth(
        access_token_url=app.token_url,
        client_id=app.client_id,
        client_secret=app.client_secret,
        refresh_token=refresh_token,
        session=session,
    )
    auth.app = app
    auth.on_rotate = on_rotate
    return auth
