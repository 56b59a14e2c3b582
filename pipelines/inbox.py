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
from stat import S_ISREG

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


def _files(path: Path) -> list[Path]:
    return [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())


def signature(path: Path) -> tuple[int, float]:
    """(size, latest mtime) of a file or a folder's files: the cheap first test of a change
    (a folder's own mtimes count too, so a file renamed or removed inside it shows)."""
    entries = [path] if path.is_file() else [path, *path.rglob("*")]
    stats = [entry.stat() for entry in entries]
    size = sum(stat.st_size for stat in stats if S_ISREG(stat.st_mode))
    return size, max(stat.st_mtime for stat in stats)


def content_hash(path: Path) -> str:
    """SHA-256 of a file, or of a folder's files (names included) taken in name order."""
    digest = hashlib.sha256()
    for file in _files(path):
        if path.is_dir():
            digest.update(str(file.relative_to(path)).encode() + b"\0")
        with file.open("rb") as handle:
            while chunk := handle.read(HASH_CHUNK):
                digest.update(chunk)
    return digest.hexdigest()


def fingerprint(path: Path) -> tuple[int, float, str]:
    """(size, mtime, sha256) of a file, or of a folder's files taken in name order."""
    return (*signature(path), content_hash(path))


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


def export_paths(runner: InboxRunner) -> list[tuple[str, Path]]:
    """(kind, path) of every export in a runner's folder, without reading them."""
    return [
        *(("strava", path) for path in _strava_exports(runner.folder / "strava")),
        *(("healthkit", path) for path in _healthkit_exports(runner.folder / "healthkit")),
    ]


def runner_exports(runner: InboxRunner, inbox: Path) -> list[ExportFile]:
    found = []
    for kind, path in export_paths(runner):
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
