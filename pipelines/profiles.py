"""Reading runner profiles (`inbox/<runner_id>/profile.yaml`)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from warehouse.settings import is_runner_id


@dataclass(frozen=True)
class InboxRunner:
    runner_id: str
    folder: Path

    @property
    def profile_path(self) -> Path:
        return self.folder / "profile.yaml"


@dataclass(frozen=True)
class InboxProblem:
    """Something in the inbox that cannot be used, with where and why."""

    source_file: str
    location: str
    reason: str
    runner_id: str | None = None


def scan_inbox(inbox: Path) -> tuple[list[InboxRunner], list[InboxProblem]]:
    """Runner folders with valid ids, and a problem for every folder whose name is not one."""
    runners, problems = [], []
    if not inbox.is_dir():
        return runners, problems
    for folder in sorted(p for p in inbox.iterdir() if p.is_dir()):
        if is_runner_id(folder.name):
            runners.append(InboxRunner(folder.name, folder))
        else:
            problems.append(
                InboxProblem(
                    folder.name + "/",
                    "folder name",
                    f"{folder.name!r} is not a valid runner id (1-64 of a-z, 0-9, '-', '_'); "
                    "rename the folder to load it",
                )
            )
    return runners, problems


class ProfileError(ValueError):
    def __init__(self, location: str, reason: str) -> None:
        self.location, self.reason = location, reason
        super().__init__(f"{location}: {reason}")


def read_profile(path: Path) -> dict[str, Any]:
    """The profile's sections as a mapping; ProfileError says where the YAML is wrong."""
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "document"
        raise ProfileError(where, f"not valid YAML: {error.problem}") from None
    except UnicodeDecodeError as error:
        raise ProfileError(f"byte {error.start}", "not UTF-8 text") from None
    if document is None:
        raise ProfileError("document", "the file is empty")
    if not isinstance(document, dict):
        raise ProfileError("document", "must be a mapping of sections (identity, physical, ...)")
    return document
