"""Reading runner profiles (`inbox/<runner_id>/profile.yaml`)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import yaml

from pipelines.batches import Batch, RawTable
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


def parse_profile(text: str) -> dict[str, Any]:
    """The profile's sections as a mapping; ProfileError says where the YAML is wrong."""
    try:
        document = yaml.safe_load(text)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "document"
        raise ProfileError(where, f"not valid YAML: {error.problem}") from None
    except yaml.YAMLError as error:
        raise ProfileError("document", f"not valid YAML: {error}") from None
    if document is None:
        raise ProfileError("document", "the file is empty")
    if not isinstance(document, dict):
        raise ProfileError("document", "must be a mapping of sections (identity, physical, ...)")
    return document


PROFILES = RawTable(
    "profiles",
    ("runner_id",),
    "Each runner's profile.yaml exactly as dropped in the inbox (text), with its hash.",
)


def profile_batch(runners: list[InboxRunner], inbox: Path) -> tuple[Batch, list[InboxProblem]]:
    """One row per inbox runner with its profile text (null when the runner has none yet);
    a profile that is not UTF-8 becomes a problem and a row without text."""
    rows: dict[str, list[Any]] = {
        "runner_id": [],
        "source_file": [],
        "sha256": [],
        "profile_yaml": [],
    }
    problems = []
    for runner in runners:
        path = runner.profile_path
        source_file = str(path.relative_to(inbox))
        data = path.read_bytes() if path.is_file() else None
        text = None
        if data is not None:
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError as error:
                problems.append(
                    InboxProblem(
                        source_file, f"byte {error.start}", "not UTF-8 text", runner.runner_id
                    )
                )
        rows["runner_id"].append(runner.runner_id)
        rows["source_file"].append(source_file if data is not None else None)
        rows["sha256"].append(hashlib.sha256(data).hexdigest() if data is not None else None)
        rows["profile_yaml"].append(text)
    return Batch(PROFILES, pa.table(rows, schema=PROFILE_SCHEMA)), problems


PROFILE_SCHEMA = pa.schema(
    [
        pa.field("runner_id", pa.string(), nullable=False),
        pa.field("source_file", pa.string()),
        pa.field("sha256", pa.string()),
        pa.field("profile_yaml", pa.string()),
    ]
)
