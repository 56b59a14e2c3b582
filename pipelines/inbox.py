"""What is in the inbox: runner folders and the exports inside them.

```
inbox/<runner_id>/profile.yaml
inbox/<runner_id>/strava/<anything>.zip | <folder with activities.csv>
inbox/<runner_id>/healthkit/export.zip | export.xml | apple_health_export/
```
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from pipelines.profiles import InboxProblem, InboxRunner, scan_inbox

HASH_CHUNK = 1 << 20


@dataclass(frozen=True)
class ExportFile:
    """One export as dropped in the inbox, with what identifies its content."""

    runner_id: str
    kind: str
    path: Path
    source_file: str
    size_bytes: int
    mtime: float
    sha256: str


def fingerprint(path: Path) -> tuple[int, float, str]:
    """(size, mtime, sha256) of a file, or of a folder's files taken in name order."""
    files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
    digest = hashlib.sha256()
    size, mtime = 0, 0.0
    for file in files:
        stat = file.stat()
        size, mtime = size + stat.st_size, max(mtime, stat.st_mtime)
        if path.is_dir():
            digest.update(str(file.relative_to(path)).encode() + b"\0")
        with file.open("rb") as handle:
            while chunk := handle.read(HASH_CHUNK):
                digest.update(chunk)
    return size, mtime, digest.hexdigest()


def _strava_exports(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    if (folder / "activities.csv").is_file():
        return [folder]
    return sorted(
        p
        for p in folder.iterdir()
        if (p.is_file() and p.suffix.lower() == ".zip")
        or (p.is_dir() and (p / "activities.csv").is_file())
    )


def _healthkit_exports(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(
        p
        for p in folder.iterdir()
        if (p.is_file() and p.suffix.lower() in (".zip", ".xml") and "cda" not in p.name.lower())
        or (p.is_dir() and any(p.glob("*.xml")))
    )


def runner_exports(runner: InboxRunner, inbox: Path) -> list[ExportFile]:
    found = []
    for kind, paths in (
        ("strava", _strava_exports(runner.folder / "strava")),
        ("healthkit", _healthkit_exports(runner.folder / "healthkit")),
    ):
        for path in paths:
            size, mtime, sha256 = fingerprint(path)
            found.append(
                ExportFile(
                    runner.runner_id, kind, path, str(path.relative_to(inbox)), size, mtime, sha256
                )
            )
    return found


def scan_exports(
    inbox: Path, runner_ids: list[str] | None = None
) -> tuple[list[InboxRunner], list[ExportFile], list[InboxProblem]]:
    """Runners (all, or the named ones), their exports, and inbox problems."""
    runners, problems = scan_inbox(inbox)
    if runner_ids:
        known = {r.runner_id for r in runners}
        unknown = [r for r in runner_ids if r not in known]
        if unknown:
            raise ValueError(f"no inbox folder for runner(s) {', '.join(unknown)} in {inbox}")
        runners = [r for r in runners if r.runner_id in runner_ids]
    exports = [e for r in runners for e in runner_exports(r, inbox)]
    return runners, exports, problems
