"""Claude rewording the latest weekly memory summaries in the runner's coaching voice, when
ANTHROPIC_API_KEY is set.

Claude sees the template's text and may change its words only: a reply stating a number the
template does not (`transforms.memory_summaries.reworded_problems`), an empty or long reply,
an HTTP error or a timeout leaves the template's text in place with the reason. Accepted
replies are kept under $CADENCE_HOME/cache/memory_summaries/<hash>.json, so the same week in
the same voice never asks twice; after a few failed requests in a row Claude is not asked
again in that run.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import anthropic

from transforms.memory_summaries import reworded_problems
from warehouse.publish import write_atomically

DEFAULT_MODEL = "claude-sonnet-4-5"
TOOL_NAME = "write_week_summary"
REWORDED_WEEKS = 4
"""Each runner's latest weeks that Claude rewords; older weeks keep their template text (or an
earlier cached rewording)."""
SYSTEM = (
    "You are a running coach writing a runner's training diary. Rewrite the week's summary in "
    "the given coaching voice, in at most five sentences. Keep every number exactly as written "
    "and add no number: no new distances, paces, times, dates or percentages."
)

log = logging.getLogger(__name__)


@dataclass
class SummaryWording:
    cache_dir: Path
    api_key: str | None
    model: str = DEFAULT_MODEL
    base_url: str | None = None
    timeout_seconds: float = 60.0
    give_up_after: int = 3
    reasons: list[str] = field(default_factory=list)
    """Why a summary kept its template text, one sentence per summary."""
    _failures_in_a_row: int = field(default=0, init=False)

    @classmethod
    def from_environment(cls, cache_dir: Path) -> SummaryWording:
        return cls(
            cache_dir=cache_dir,
            api_key=os.environ.get("ANTHROPIC_API_KEY") or None,
            model=os.environ.get("CADENCE_LLM_MODEL") or DEFAULT_MODEL,
            base_url=os.environ.get("ANTHROPIC_BASE_URL") or None,
        )

    def reword_all(
        self, rows: list[dict[str, Any]], voices: Mapping[str, str | None]
    ) -> list[dict[str, Any]]:
        """The rows with each runner's latest `REWORDED_WEEKS` summaries reworded where Claude
        is available and its reply keeps the numbers; every other row unchanged."""
        if self.api_key is None:
            return rows
        latest: dict[str, list[str]] = {}
        for row in sorted(rows, key=lambda r: r["source_date_range_start"], reverse=True):
            weeks = latest.setdefault(row["runner_id"], [])
            if len(weeks) < REWORDED_WEEKS:
                weeks.append(row["memory_summary_id"])
        chosen = {i for ids in latest.values() for i in ids}
        return [
            self.reword(row, voices.get(row["runner_id"]))
            if row["memory_summary_id"] in chosen
            else row
            for row in rows
        ]

    def reword(self, row: dict[str, Any], voice: str | None) -> dict[str, Any]:
        template = row["template_content"]
        key = hashlib.sha256(
            json.dumps([self.model, voice, template], ensure_ascii=False).encode()
        ).hexdigest()[:32]
        cached = self._cached(key)
        if cached is not None and not reworded_problems(template, cached):
            return self._accepted(row, cached)
        if self._failures_in_a_row >= self.give_up_after:
            return self._kept(row, "Claude was not asked: its last requests in this run failed")
        try:
            text = self._ask(template, voice or "encouraging")
        except anthropic.APITimeoutError:
            return self._failed(row, f"Claude did not answer within {self.timeout_seconds:g} s")
        except anthropic.APIStatusError as error:
            return self._failed(row, f"Claude answered HTTP {error.status_code}")
        except anthropic.AnthropicError as error:
            return self._failed(row, f"the Claude request failed: {error}")
        self._failures_in_a_row = 0
        if text is None:
            return self._kept(row, f"Claude's reply holds no {TOOL_NAME} call")
        problems = reworded_problems(template, text)
        if problems:
            return self._kept(row, f"Claude's rewording was refused: {'; '.join(problems)}")
        self._store(key, text)
        return self._accepted(row, text)

    def _ask(self, template: str, voice: str) -> str | None:
        with anthropic.Anthropic(
            api_key=self.api_key,
            base_url=self.base_url,
            timeout=self.timeout_seconds,
            max_retries=1,
        ) as client:
            message = client.messages.create(
                model=self.model,
                max_tokens=600,
                system=SYSTEM,
                tools=[
                    {
                        "name": TOOL_NAME,
                        "description": "The week's summary, reworded.",
                        "input_schema": {
                            "type": "object",
                            "properties": {"summary": {"type": "string"}},
                            "required": ["summary"],
                        },
                    }
                ],
                tool_choice={"type": "tool", "name": TOOL_NAME},
                messages=[
                    {
                        "role": "user",
                        "content": json.dumps({"coaching_voice": voice, "summary": template}),
                    }
                ],
            )
        for block in message.content:
            if block.type == "tool_use" and block.name == TOOL_NAME:
                summary = block.input.get("summary") if isinstance(block.input, dict) else None
                return summary if isinstance(summary, str) else None
        return None

    def _accepted(self, row: dict[str, Any], text: str) -> dict[str, Any]:
        return {**row, "content": text, "narrative_source": "llm", "llm_model": self.model}

    def _kept(self, row: dict[str, Any], reason: str) -> dict[str, Any]:
        self.reasons.append(f"{row['memory_summary_id']}: {reason}")
        log.warning("memory summary %s keeps its template: %s", row["memory_summary_id"], reason)
        return row

    def _failed(self, row: dict[str, Any], reason: str) -> dict[str, Any]:
        self._failures_in_a_row += 1
        return self._kept(row, reason)

    def _cached(self, key: str) -> str | None:
        path = self.cache_dir / f"{key}.json"
        if not path.exists():
            return None
        try:
            text = json.loads(path.read_text(encoding="utf-8"))["summary"]
        except (ValueError, KeyError, TypeError) as error:
            log.warning("ignoring unreadable summary cache %s: %s", path, error)
            return None
        return text if isinstance(text, str) else None

    def _store(self, key: str, text: str) -> None:
        try:
            self.cache_dir.mkdir(parents=True, exist_ok=True)
            write_atomically(
                self.cache_dir / f"{key}.json",
                json.dumps({"model": self.model, "summary": text}, ensure_ascii=False).encode(),
            )
        except OSError as error:
            log.warning("could not cache a reworded summary: %s", error)


def voices(runners: Sequence[Mapping[str, Any]]) -> dict[str, str | None]:
    """Each runner's coaching voice (coaching.coaching_voice)."""
    return {r["runner_id"]: (r.get("coaching") or {}).get("coaching_voice") for r in runners}
