"""A local HTTP server speaking Strava API v3's shapes (developers.strava.com/docs/reference):
the OAuth token endpoint with refresh-token rotation, /athlete, /athlete/activities (page,
per_page, after; oldest first when `after` is given, as Strava does), /activities/{id},
/laps and /streams (key_by_type), rate-limit headers, 429 with Retry-After and 401 for a
revoked token. Tests reach it through the real client (CADENCE_STRAVA_*_URL)."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest


def activity(
    activity_id: int,
    start: dt.datetime,
    *,
    athlete_id: int,
    distance: float = 10_000.0,
    seconds: int = 3_000,
    sport_type: str = "Run",
    workout_type: int | None = 0,
    name: str = "Morning Run",
) -> dict[str, Any]:
    """A DetailedActivity as Strava returns it."""
    return {
        "id": activity_id,
        "resource_state": 3,
        "athlete": {"id": athlete_id, "resource_state": 1},
        "name": name,
        "distance": distance,
        "moving_time": seconds - 30,
        "elapsed_time": seconds,
        "total_elevation_gain": 42.0,
        "type": sport_type,
        "sport_type": sport_type,
        "workout_type": workout_type,
        "start_date": start.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "start_date_local": (start + dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "timezone": "(GMT+01:00) Europe/Paris",
        "utc_offset": 3600.0,
        "manual": False,
        "commute": False,
        "trainer": False,
        "average_speed": distance / (seconds - 30),
        "max_speed": 4.9,
        "has_heartrate": True,
        "average_heartrate": 151.2,
        "max_heartrate": 178.0,
        "average_cadence": 85.0,
        "elev_high": 120.0,
        "elev_low": 80.0,
        "external_id": f"garmin_push_{activity_id}",
        "upload_id": 987654321234567891234 + activity_id,
        "calories": 650.0,
        "description": None,
        "device_name": "Garmin Forerunner 255",
        "gear": {"id": "g1", "name": "Pegasus"},
        "suffer_score": 80.0,
    }


def laps_of(detail: dict[str, Any]) -> list[dict[str, Any]]:
    half = detail["elapsed_time"] // 2
    return [
        {
            "id": detail["id"] * 10 + i,
            "resource_state": 2,
            "name": f"Lap {i + 1}",
            "activity": {"id": detail["id"]},
            "elapsed_time": half,
            "moving_time": half - 15,
            "start_date": detail["start_date"],
            "distance": detail["distance"] / 2,
            "average_speed": 3.4,
            "max_speed": 4.9,
            "average_heartrate": 150.0,
            "max_heartrate": 170.0,
            "average_cadence": 85.0,
            "lap_index": i + 1,
            "split": i + 1,
        }
        for i in range(2)
    ]


def streams_of(detail: dict[str, Any], points: int = 60) -> dict[str, Any]:
    step = detail["elapsed_time"] / points
    times = [round(i * step) for i in range(points)]
    speed = detail["distance"] / detail["elapsed_time"]

    def stream(data: list[Any]) -> dict[str, Any]:
        return {
            "data": data,
            "series_type": "distance",
            "original_size": points,
            "resolution": "high",
        }

    return {
        "time": stream(times),
        "distance": stream([t * speed for t in times]),
        "latlng": stream([[38.7 + i * 1e-4, -9.1 + i * 1e-4] for i in range(points)]),
        "altitude": stream([100.0 + (i % 5) for i in range(points)]),
        "heartrate": stream([140 + (i % 20) for i in range(points)]),
        "cadence": stream([84 + (i % 3) for i in range(points)]),
        "velocity_smooth": stream([speed] * points),
        "moving": stream([True] * points),
    }


@dataclass
class Athlete:
    athlete_id: int
    username: str
    activities: dict[int, dict[str, Any]] = field(default_factory=dict)

    def add(self, detail: dict[str, Any]) -> None:
        self.activities[detail["id"]] = detail


@dataclass
class StravaStub:
    athletes: dict[int, Athlete] = field(default_factory=dict)
    refresh_tokens: dict[str, int] = field(default_factory=dict)
    access_tokens: dict[str, int] = field(default_factory=dict)
    codes: dict[str, int] = field(default_factory=dict)
    revoked: set[int] = field(default_factory=set)
    """Athletes whose access the stub refuses (401 from the API, 400 from the token endpoint)."""
    revoke_api_only: set[int] = field(default_factory=set)
    """Athletes whose refresh works but whose API calls answer 401."""
    overrides: dict[int, Any] = field(default_factory=dict)
    """Activity id -> the detail answered instead (a malformed one)."""
    throttle: int = 0
    """The next this-many API requests answer 429 with Retry-After: `retry_after`."""
    retry_after: int = 1
    throttled: threading.Event = field(default_factory=threading.Event)
    """Set once a 429 with Retry-After was answered."""
    expires_in: int = 21600
    """Seconds an access token lives (Strava: six hours)."""
    short_limit: int = 100
    daily_limit: int = 1000
    usage: int = 0
    requests: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)
    token_posts: list[dict[str, str]] = field(default_factory=list)
    _counter: itertools.count = field(default_factory=lambda: itertools.count(1))

    def athlete(self, athlete_id: int, username: str, refresh_token: str) -> Athlete:
        self.athletes[athlete_id] = Athlete(athlete_id, username)
        self.refresh_tokens[refresh_token] = athlete_id
        return self.athletes[athlete_id]

    def asked(self, path: str) -> list[dict[str, str]]:
        return [params for method, p, params in self.requests if p == path]

    # -- serving -----------------------------------------------------------------------

    def start(self) -> str:
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _send(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                stub.token_posts.append(form)
                status, body = stub.token(form)
                self._send(status, body)

            def do_GET(self) -> None:
                url = urlparse(self.path)
                params = {k: v[0] for k, v in parse_qs(url.query).items()}
                path = url.path.removeprefix("/api/v3")
                stub.requests.append(("GET", path, params))
                status, body, headers = stub.api(path, params, self.headers.get("Authorization"))
                self._send(status, body, headers)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def token(self, form: dict[str, str]) -> tuple[int, Any]:
        refused = (
            400,
            {
                "message": "Bad Request",
                "errors": [
                    {"resource": "RefreshToken", "field": "refresh_token", "code": "invalid"}
                ],
            },
        )
        if form.get("grant_type") == "authorization_code":
            athlete_id = self.codes.pop(form.get("code", ""), None)
        elif form.get("grant_type") == "refresh_token":
            athlete_id = self.refresh_tokens.pop(form.get("refresh_token", ""), None)
        else:
            return refused
        if athlete_id is None or athlete_id in self.revoked:
            return refused
        n = next(self._counter)
        access, refresh = f"access-{athlete_id}-{n}", f"refresh-{athlete_id}-{n}"
        self.access_tokens[access] = athlete_id
        self.refresh_tokens[refresh] = athlete_id  # rotated: the old one no longer works
        body = {
            "token_type": "Bearer",
            "access_token": access,
            "refresh_token": refresh,
            "expires_at": int(dt.datetime.now(dt.UTC).timestamp()) + self.expires_in,
            "expires_in": self.expires_in,
        }
        if form.get("grant_type") == "authorization_code":
            athlete = self.athletes[athlete_id]
            body["athlete"] = {"id": athlete.athlete_id, "username": athlete.username}
        return 200, body

    def api(
        self, path: str, params: dict[str, str], authorization: str | None
    ) -> tuple[int, Any, dict[str, str]]:
        self.usage += 1
        headers = {
            "X-RateLimit-Limit": f"{self.short_limit},{self.daily_limit}",
            "X-RateLimit-Usage": f"{min(self.usage, self.short_limit)},{self.usage}",
        }
        if self.usage > self.daily_limit:
            return 429, {"message": "Rate Limit Exceeded"}, headers
        if self.throttle:
            self.throttle -= 1
            self.throttled.set()
            retry = {"Retry-After": str(self.retry_after)}
            return 429, {"message": "Rate Limit Exceeded"}, {**headers, **retry}
        token = (authorization or "").removeprefix("Bearer ")
        athlete_id = self.access_tokens.get(token)
        if athlete_id is None or athlete_id in self.revoked | self.revoke_api_only:
            body = {
                "message": "Authorization Error",
                "errors": [{"resource": "Athlete", "field": "access_token", "code": "invalid"}],
            }
            return 401, body, headers
        athlete = self.athletes[athlete_id]
        if path == "/athlete":
            return (
                200,
                {"id": athlete.athlete_id, "username": athlete.username, "resource_state": 2},
                headers,
            )
        if path == "/athlete/activities":
            after = int(params.get("after", 0))
            page, per_page = int(params.get("page", 1)), int(params.get("per_page", 30))
            listed = [
                a
                for a in athlete.activities.values()
                if dt.datetime.fromisoformat(a["start_date"].replace("Z", "+00:00")).timestamp()
                > after
            ]
            listed.sort(key=lambda a: a["start_date"])
            summaries = [
                {k: v for k, v in a.items() if k not in ("description", "gear", "calories")}
                for a in listed
            ]
            return 200, summaries[(page - 1) * per_page : page * per_page], headers
        parts = path.strip("/").split("/")
        if parts[0] == "activities" and len(parts) >= 2 and int(parts[1]) in athlete.activities:
            detail = athlete.activities[int(parts[1])]
            if len(parts) == 2:
                return 200, self.overrides.get(detail["id"], detail), headers
            if parts[2] == "laps":
                return 200, laps_of(detail), headers
            if parts[2] == "streams":
                return 200, streams_of(detail), headers
        return (
            404,
            {
                "message": "Record Not Found",
                "errors": [{"resource": "Activity", "code": "not found"}],
            },
            headers,
        )


@contextmanager
def serving_strava(monkeypatch: pytest.MonkeyPatch) -> Iterator[StravaStub]:
    """A started stub with Cadence's Strava settings (API and token URLs, app id and secret)
    pointed at it, and no secret key in the environment; stopped after."""
    server = StravaStub()
    url = server.start()
    monkeypatch.setenv("CADENCE_STRAVA_API_URL", f"{url}/api/v3")
    monkeypatch.setenv("CADENCE_STRAVA_TOKEN_URL", f"{url}/oauth/token")
    monkeypatch.setenv("STRAVA_CLIENT_ID", "4242")
    monkeypatch.setenv("STRAVA_CLIENT_SECRET", "client-secret-value")
    monkeypatch.delenv("CADENCE_SECRET_KEY", raising=False)
    try:
        yield server
    finally:
        server.stop()
