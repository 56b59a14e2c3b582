"""The one line a terminal, a check or a quarantine row shows for an error: the cause's first
meaningful sentence (for a failed Dagster step, from the error chain Dagster recorded).

Dagster records a step's failure as a chain of `SerializableErrorInfo`: its own wrapper
("Error occurred while executing op ..."), then what the asset raised, then that error's
causes. The text of each is Python's `Class: message`, and the messages are written for
different readers: pandera's `SchemaErrors` is a JSON report (its last line is a lone `}`),
DuckDB's errors add the query and a caret on later lines, a `KeyError` is only a quoted key.
"""

from __future__ import annotations

import json
import re
import traceback
from typing import Any, Protocol

MAX_CHARS = 240
"""A sentence longer than this is cut at a word (pandera quotes whole rows as examples)."""
SELF_EXPLAINING = {"ValueError", "RuntimeError", "Exception"}
"""Exceptions whose messages are sentences written for people: their class name adds nothing.
Others (KeyError, TypeError, ...) need the name to be understood ("KeyError: 'hr'")."""

_CLASS_PREFIX = re.compile(r"(?P<cls>[A-Za-z_][\w.]*)(?::[ \t]?(?P<text>.*))?\Z", re.DOTALL)
_OWN_LABEL = re.compile(r"[A-Z][\w ]*(Error|Exception):")
"""DuckDB names the kind of error itself: "Constraint Error: ...", "Binder Error: ..."."""
_EXAMPLES = re.compile(r"failure case examples: (?P<examples>.*)\Z", re.DOTALL)
_FRAME_SHAPE = re.compile(r":shape: \((?P<rows>\d+), \d+\)")
"""pandera prints the offending rows as a Polars frame, columns cut and cells wrapped: only
its row count is worth a line."""


class RecordedError(Protocol):
    """An error as Dagster records it (`SerializableErrorInfo`): its text and its cause."""

    @property
    def message(self) -> str: ...

    @property
    def cause(self) -> RecordedError | None: ...


def exception_sentence(error: BaseException) -> str:
    """The first meaningful sentence of an exception raised here."""
    return error_sentence("".join(traceback.format_exception_only(error)))


def step_failure_sentence(error: RecordedError | None) -> str:
    """The first meaningful sentence of the outermost error in the chain that says what went
    wrong itself: wrappers that only introduce their cause (Dagster's "Error occurred while
    executing op ...:", dlt's "Pipeline execution failed at step=... with exception:") or
    repeat it inside a longer message give way to it; a step's own `raise ... from cause`
    with a message of its own is kept."""
    while error is not None:
        if error.cause is None or not _gives_way_to_cause(error):
            return error_sentence(error.message)
        error = error.cause
    return "no error was recorded"


def _gives_way_to_cause(error: RecordedError) -> bool:
    sentence = error_sentence(error.message)
    repeated = first_line(_message(error.cause.message)) if error.cause else ""
    return (
        sentence.endswith(":")
        or sentence == _short_class(error.message)
        or (bool(repeated) and repeated in error.message)
    )


def error_sentence(text: str) -> str:
    """One line for Python's `module.Class: message` text (or a bare message)."""
    text = text.strip()
    match = _CLASS_PREFIX.fullmatch(text)
    if match is None:
        return _shortened(first_line(text) or text)
    cls = match["cls"].rsplit(".", 1)[-1]
    message = (match["text"] or "").strip()
    report = _json(message)
    if report is not None:
        return _shortened(_pandera_sentence(report) or _first_text(report) or cls)
    line = first_line(message)
    if not line:
        return cls
    if cls in SELF_EXPLAINING or _OWN_LABEL.match(line):
        return _shortened(line)
    return _shortened(f"{cls}: {line}")


def _short_class(text: str) -> str:
    match = _CLASS_PREFIX.fullmatch(text.strip())
    return match["cls"].rsplit(".", 1)[-1] if match else ""


def _message(text: str) -> str:
    """What follows `Class: ` in Python's text of an exception."""
    match = _CLASS_PREFIX.fullmatch(text.strip())
    return (match["text"] or "") if match else text


def _json(text: str) -> Any:
    if not text.startswith(("{", "[")):
        return None
    try:
        return json.loads(text)
    except ValueError:
        return None


def first_line(text: str) -> str:
    """The first line with a letter or digit in it: never a lone brace or a caret line."""
    return next((line.strip() for line in text.splitlines() if re.search(r"\w", line)), "")


def _first_text(value: Any) -> str:
    """The first string with words in it, anywhere in a JSON document."""
    if isinstance(value, str):
        return first_line(value)
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, list):
        return next((text for child in value if (text := _first_text(child))), "")
    return ""


def _pandera_sentence(report: Any) -> str:
    """pandera's lazy report, {"DATA"|"SCHEMA": {reason: [{schema, column, check, error}]}},
    as its first problem (the table, the column and the check named), with a count of the rest."""
    if not isinstance(report, dict):
        return ""
    problems = [
        problem
        for reasons in report.values()
        if isinstance(reasons, dict)
        for listed in reasons.values()
        if isinstance(listed, list)
        for problem in listed
        if isinstance(problem, dict) and "error" in problem
    ]
    if not problems:
        return ""
    first = problems[0]
    error = str(first["error"])
    examples = _EXAMPLES.search(error)
    shape = _FRAME_SHAPE.search(error)
    if examples:
        what = f"column {first.get('column')!r} failed {first.get('check')}, e.g. {examples[1]}"
    else:
        what = first_line(error.split(":shape:", 1)[0])
        what += f" ({shape['rows']} rows)" if shape else ""
    sentence = f"{first.get('schema')}: {what.strip()}"
    rest = len(problems) - 1
    return _shortened(sentence) + (f" (and {rest} more failed check(s))" if rest else "")


def _shortened(sentence: str) -> str:
    if len(sentence) <= MAX_CHARS:
        return sentence
    return sentence[:MAX_CHARS].rsplit(" ", 1)[0] + " …"
