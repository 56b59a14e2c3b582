"""Runners' Strava connections (`coach.users`): stored with encrypted tokens, read decrypted."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import duckdb
import polars as pl

from warehouse.connection import read_table, scalar, upsert
from warehouse.secrets import SecretBox
from warehouse.settings import require_runner_id
from warehouse.tables.strava import USERS


@dataclass(frozen=True)
class StravaConnection:
    """One runner's connection, its refresh token decrypted (kept in memory only)."""

    runner_id: str
    strava_id: int
    refresh_token: str
    status: str
    status_reason: str | None
    strava_username: str | None = None


class StravaUsers:
    """Read and write `coach.users`; tokens are encrypted before they reach the warehouse."""

    def __init__(self, con: duckdb.DuckDBPyConnection, box: SecretBox) -> None:
        self.con = con
        self.box = box

    def _row(self, runner_id: str) -> dict[str, Any] | None:
        rows = read_table(self.con, USERS, "runner_id = ?", [runner_id]).to_dicts()
        return rows[0] if rows else None

    def _write(self, row: dict[str, Any]) -> None:
        row["updated_at"] = _now()
        upsert(self.con, USERS, pl.DataFrame([row], schema=USERS.polars_schema))

    def connect(
        self,
        runner_id: str,
        strava_id: int,
        refresh_token: str,
        *,
        username: str | None = None,
        email: str | None = None,
        access_token: str | None = None,
        expires_at: dt.datetime | None = None,
    ) -> None:
        """Store (or replace) the runner's connection, marked connected."""
        require_runner_id(runner_id)
        existing = self._row(runner_id) or {"created_at": _now()}
        user_id = scalar(
            self.con, "SELECT user_id FROM coach.runners WHERE runner_id = ?", [runner_id]
        )
        self._write(
            {
                **existing,
                "runner_id": runner_id,
                "user_id": user_id,
                "strava_id": strava_id,
                "strava_username": username,
                "email": email,
                "refresh_token": self.box.encrypt(refresh_token),
                "access_token": self.box.encrypt(access_token) if access_token else None,
                "access_token_expires_at": expires_at,
                "status": "connected",
                "status_reason": None,
            }
        )

    def rotate(
        self,
        runner_id: str,
        refresh_token: str,
        access_token: str | None,
        expires_at: dt.datetime | None,
    ) -> None:
        """Keep the refresh token Strava handed out with a new access token (it may differ)."""
        row = self._row(runner_id)
        if row is None:
            return
        row["refresh_token"] = self.box.encrypt(refresh_token)
        row["access_token"] = self.box.encrypt(access_token) if access_token else None
        row["access_token_expires_at"] = expires_at
        self._write(row)

    def disconnect(self, runner_id: str, reason: str) -> None:
        row = self._row(runner_id)
        if row is not None:
            self._write(row | {"status": "disconnected", "status_reason": reason})

    def record_sync(self, runner_id: str, note: str) -> None:
        row = self._row(runner_id)
        if row is not None:
            self._write(row | {"last_synced_at": _now(), "last_sync_note": note})

    def connections(self, runner_ids: list[str] | None = None) -> list[StravaConnection]:
        """The connected runners (all, or those named), with their refresh tokens."""
        rows = read_table(self.con, USERS, "status = 'connected'")
        if runner_ids is not None:
            rows = rows.filter(pl.col("runner_id").is_in(runner_ids))
        return [
            StravaConnection(
                runner_id=r["runner_id"],
                strava_id=r["strava_id"],
                refresh_token=self.box.decrypt(r["refresh_token"]),
                status=r["status"],
                status_reason=r["status_reason"],
                strava_username=r["strava_username"],
            )
            for r in rows.sort("runner_id").iter_rows(named=True)
        ]


def strava_statuses(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """runner_id -> how their Strava connection stands, in words (no key needed)."""
    rows = read_table(con, USERS)
    return {
        r["runner_id"]: (
            "connected"
            if r["status"] == "connected"
            else f"disconnected: {r['status_reason'] or 'connect again'}"
        )
        for r in rows.iter_rows(named=True)
    }


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)
