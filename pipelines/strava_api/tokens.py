"""Rotated Strava tokens kept, encrypted, in the home until the warehouse has them.

Strava may hand out a new refresh token with each access token, and the old one then stops
working: a rotated token that is lost disconnects the runner. A sync fetches without the
warehouse (it has one writer, and a fetch can wait out a rate-limit window for 15 minutes),
so each rotated pair is written here at once, encrypted with the home's key, one file per
runner replaced atomically and flushed to disk. The sync stores them in `coach.users` when it
takes the warehouse (before it reads the tokens, and with its load) and only then removes
the file: a run killed in between leaves the file, and the next sync stores it first.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

from pipelines.strava_api.client import Tokens
from warehouse.secrets import SecretBox
from warehouse.settings import require_runner_id
from warehouse.strava_users import StravaUsers

FOLDER = "strava_tokens"
"""The folder of the home where rotated tokens wait for the warehouse."""
SUFFIX = ".token"


class PendingTokens:
    """Each runner's latest rotated tokens, encrypted, until `store` puts them in coach.users."""

    def __init__(self, home_root: Path, box: SecretBox) -> None:
        self.folder = home_root / FOLDER
        self.box = box

    def _path(self, runner_id: str) -> Path:
        return self.folder / f"{require_runner_id(runner_id)}{SUFFIX}"

    def keep(self, runner_id: str, tokens: Tokens) -> None:
        """Write the runner's rotated tokens (encrypted) to disk before anything else happens."""
        self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        record = {
            "refresh_token": tokens.refresh_token,
            "access_token": tokens.access_token,
            "expires_at": tokens.expires_at.isoformat(),
        }
        sealed = self.box.encrypt(json.dumps(record)).encode()
        path = self._path(runner_id)
        partial = path.with_name(path.name + ".partial")
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(sealed)
            out.flush()
            os.fsync(out.fileno())
        os.replace(partial, path)
        directory = os.open(self.folder, os.O_RDONLY)
        try:
            os.fsync(directory)  # the rename itself survives a crash
        finally:
            os.close(directory)

    def _sealed(self) -> dict[str, str]:
        if not self.folder.is_dir():
            return {}
        return {
            path.name.removesuffix(SUFFIX): path.read_text()
            for path in sorted(self.folder.glob(f"*{SUFFIX}"))
        }

    def _open(self, sealed: str) -> Tokens:
        record = json.loads(self.box.decrypt(sealed))
        return Tokens(
            access_token=record["access_token"],
            refresh_token=record["refresh_token"],
            expires_at=dt.datetime.fromisoformat(record["expires_at"]),
        )

    def waiting(self) -> dict[str, Tokens]:
        """runner_id -> the tokens waiting for the warehouse."""
        return {runner_id: self._open(sealed) for runner_id, sealed in self._sealed().items()}

    def forget(self, runner_id: str) -> None:
        self._path(runner_id).unlink(missing_ok=True)

    def store(self, users: StravaUsers) -> list[str]:
        """Put every waiting token in coach.users (committed), then remove its file unless it
        was rotated again meanwhile; returns the runners whose tokens were stored."""
        stored = []
        for runner_id, sealed in self._sealed().items():
            tokens = self._open(sealed)
            users.rotate(runner_id, tokens.refresh_token, tokens.access_token, tokens.expires_at)
            path = self._path(runner_id)
            if path.exists() and path.read_text() == sealed:
                path.unlink(missing_ok=True)
            stored.append(runner_id)
        return stored
