"""Encrypting secrets at rest (Strava tokens) with Fernet.

The key comes from `CADENCE_SECRET_KEY` (a Fernet key: `uv run python -c "from
cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"`), else from the
home's `secret.key`, created on first use readable by its owner only (mode 0600). A key file
others can read is refused rather than used.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

KEY_VARIABLE = "CADENCE_SECRET_KEY"
KEY_FILE = "secret.key"


def key_file(home_root: Path) -> Path:
    return home_root / KEY_FILE


def _key_from_file(path: Path) -> bytes:
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        mode = stat.S_IMODE(path.stat().st_mode)
        if mode & 0o077:
            raise ValueError(
                f"{path} can be read by others (mode {mode:o}): run `chmod 600 {path}`"
            ) from None
        return path.read_bytes().strip()
    key = Fernet.generate_key()
    with os.fdopen(fd, "wb") as out:
        out.write(key + b"\n")
    return key


class SecretBox:
    """Encrypts and decrypts short secrets with the home's key."""

    def __init__(self, key: bytes) -> None:
        try:
            self._fernet = Fernet(key)
        except ValueError:
            raise ValueError(
                f"{KEY_VARIABLE} is not a Fernet key (32 url-safe base64-encoded bytes; make "
                'one with `uv run python -c "from cryptography.fernet import Fernet; '
                'print(Fernet.generate_key().decode())"`)'
            ) from None

    @classmethod
    def for_home(cls, home_root: Path) -> SecretBox:
        configured = os.environ.get(KEY_VARIABLE)
        if configured:
            return cls(configured.strip().encode())
        home_root.mkdir(parents=True, exist_ok=True)
        return cls(_key_from_file(key_file(home_root)))

    def encrypt(self, secret: str) -> str:
        return self._fernet.encrypt(secret.encode()).decode()

    def decrypt(self, token: str) -> str:
        try:
            return self._fernet.decrypt(token.encode()).decode()
        except InvalidToken:
            raise ValueError(
                f"a stored secret cannot be decrypted with this key ({KEY_VARIABLE} or the "
                "home's secret.key changed since it was stored): connect the runner again"
            ) from None
