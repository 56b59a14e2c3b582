"""Serving the coach's site on this machine: the standard library's HTTP server over the site
folder, on loopback by default."""

from __future__ import annotations

import functools
import http.server
from pathlib import Path


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    """Serves files; logs nothing per request (the terminal shows where the site is)."""

    def log_message(self, format: str, *args: object) -> None:
        pass


def site_server(
    folder: Path, host: str = "127.0.0.1", port: int = 8000
) -> http.server.ThreadingHTTPServer:
    """A server for `folder` bound to host:port (port 0 picks a free one), not yet serving.
    A missing site or a taken port is a ValueError that says what to do."""
    if not (folder / "index.html").is_file():
        raise ValueError(
            f"no site at {folder}; build it with `cadence site` after `cadence materialize`"
        )
    handler = functools.partial(QuietHandler, directory=str(folder))
    try:
        return http.server.ThreadingHTTPServer((host, port), handler)
    except OSError as error:
        raise ValueError(
            f"cannot serve the site on {host}:{port} ({error.strerror}): choose another port "
            "with --port"
        ) from None
