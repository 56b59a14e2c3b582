"""Plan narratives written by Claude when ANTHROPIC_API_KEY is set, template texts otherwise.

The request and the reply check are pure (transforms/narratives.py); this shell calls the
Messages API with forced tool use, keeps every accepted reply under
$CADENCE_HOME/cache/narratives/<input hash>.json so the same input never asks Claude twice,
and on any failure (no key, HTTP error, timeout, a reply that is malformed or states a
number the plan does not hold) returns the template plan unchanged with the reason. After a
few failed requests in a row it stops asking for the rest of the run: with Claude down, a
thousand plans would otherwise each wait for their timeout.
"""

import json
import logging
import os
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import anthropic

from transforms.narratives import (
    LLM_SOURCE,
    TOOL_NAME,
    NarrativeRejected,
    NarrativeRequest,
    apply_narrative,
    narrative_request,
)
from transforms.units import runner_units
from warehouse.publish import write_atomically

DEFAULT_MODEL = "claude-sonnet-4-5"
TEMPLATE_SOURCE = "template"

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class NarrationResult:
    plan: dict[str, Any]
    """The narrated plan, or the template plan unchanged."""
    source: str
    """Who wrote the texts: 'llm' or 'template' (the plan's narrative_source)."""
    reason: str
    """Why, in one sentence, for the asset's metadata."""
    input_hash: str | None = None
    """Cache key of the request, when one was built."""


@dataclass
class Narrator:
    """One per run: it remembers how many requests in a row have failed."""

    cache_dir: Path
    api_key: str | None
    model: str = DEFAULT_MODEL
    base_url: str | None = None
    """None: the client's own default (or ANTHROPIC_BASE_URL)."""
    timeout_seconds: float = 60.0
    max_retries: int = 1
    concurrency: int = 4
    """Requests in flight at once in `narrate_all` (CADENCE_LLM_CONCURRENCY): a reply takes
    tens of seconds, and a first run may narrate every runner's plan."""
    give_up_after: int = 3
    """Failed requests in a row (HTTP errors, timeouts, no connection) after which Claude is
    not asked again by this narrator; cached replies are still used. Requests already in
    flight when the count is reached still finish."""
    _failures_in_a_row: list[str] = field(default_factory=list, init=False, repr=False)

    @classmethod
    def from_environment(cls, cache_dir: Path) -> "Narrator":
        """ANTHROPIC_API_KEY (unset: templates only), CADENCE_LLM_MODEL, ANTHROPIC_BASE_URL,
        CADENCE_LLM_CONCURRENCY."""
        concurrency = os.environ.get("CADENCE_LLM_CONCURRENCY") or "4"
        if not concurrency.isdigit() or int(concurrency) < 1:
            raise ValueError(
                f"CADENCE_LLM_CONCURRENCY must be a whole number of at least 1, not {concurrency!r}"
            )
        return cls(
            cache_dir=cache_dir,
            api_key=os.environ.get("ANTHROPIC_API_KEY") or None,
            model=os.environ.get("CADENCE_LLM_MODEL") or DEFAULT_MODEL,
            base_url=os.environ.get("ANTHROPIC_BASE_URL") or None,
            concurrency=int(concurrency),
        )

    @property
    def enabled(self) -> bool:
        return self.api_key is not None

    def narrate_all(
        self,
        plans_and_runners: Sequence[tuple[dict[str, Any], Mapping[str, Any]]],
        knowledge: list[Mapping[str, Any]],
        recent_weeks: Mapping[str, Sequence[str]] | None = None,
    ) -> list[NarrationResult]:
        """`narrate` for each (plan, runner), `concurrency` requests at a time, in order;
        `recent_weeks`: each runner's latest memory summaries, newest first."""
        recent = recent_weeks or {}

        def one(job: tuple[dict[str, Any], Mapping[str, Any]]) -> NarrationResult:
            plan, runner = job
            return self.narrate(plan, runner, knowledge, recent.get(runner.get("runner_id"), ()))

        if not self.enabled:
            return [one(job) for job in plans_and_runners]
        with ThreadPoolExecutor(self.concurrency) as pool:
            return list(pool.map(one, plans_and_runners))

    def narrate(
        self,
        plan: dict[str, Any],
        runner: Mapping[str, Any],
        knowledge: list[Mapping[str, Any]],
        recent_weeks: Sequence[str] = (),
    ) -> NarrationResult:
        """The plan with its narrative texts written by Claude, or unchanged with the reason."""
        if not self.enabled:
            return NarrationResult(plan, TEMPLATE_SOURCE, "ANTHROPIC_API_KEY is not set")
        try:
            request = narrative_request(plan, runner, knowledge, self.model, recent_weeks)
        except ValueError as error:
            return self._fallback(plan, f"the plan cannot be narrated: {error}", None)
        key = request.input_hash
        cached = self._cached_reply(key)
        if cached is not None:
            try:
                narrated = apply_narrative(plan, cached, self.model, runner_units(runner))
            except NarrativeRejected as rejected:
                log.warning("ignoring cached narrative %s: %s", key, rejected)
            else:
                return NarrationResult(narrated, LLM_SOURCE, f"cached reply of {self.model}", key)
        if len(self._failures_in_a_row) >= self.give_up_after:
            return self._fallback(
                plan,
                f"Claude was not asked: its last {len(self._failures_in_a_row)} requests in "
                f"this run failed (the last: {self._failures_in_a_row[-1]})",
                key,
            )
        try:
            message = self._ask_claude(request)
        except anthropic.APITimeoutError:
            return self._failed(
                plan, f"Claude did not answer within {self.timeout_seconds:g} s", key
            )
        except anthropic.APIStatusError as error:
            return self._failed(plan, f"Claude answered HTTP {error.status_code}", key)
        except anthropic.AnthropicError as error:
            return self._failed(plan, f"the Claude request failed: {error}", key)
        self._failures_in_a_row.clear()
        try:
            reply = _tool_input(message)
            narrated = apply_narrative(plan, reply, self.model, runner_units(runner))
        except NarrativeRejected as rejected:
            return self._fallback(plan, f"Claude's {rejected}", key)
        self._store_reply(key, reply)
        return NarrationResult(narrated, LLM_SOURCE, f"written by {self.model}", key)

    def _failed(self, plan: dict[str, Any], reason: str, key: str) -> NarrationResult:
        self._failures_in_a_row.append(reason)
        return self._fallback(plan, reason, key)

    def _ask_claude(self, request: NarrativeRequest) -> anthropic.types.Message:
        with anthropic.Anthropic(
            api_key=self.api_key,
            base_url=self.base_url,
            timeout=self.timeout_seconds,
            max_retries=self.max_retries,
        ) as client:
            return client.messages.create(**request.params)

    def _cache_file(self, key: str) -> Path:
        return self.cache_dir / f"{key}.json"

    def _cached_reply(self, key: str) -> Any:
        path = self._cache_file(key)
        if not path.exists():
            return None
        try:
            return json.loads(path.read_text(encoding="utf-8"))["reply"]
        except (ValueError, KeyError, TypeError) as error:
            log.warning("ignoring unreadable narrative cache %s: %s", path, error)
            return None

    def _store_reply(self, key: str, reply: Any) -> None:
        path = self._cache_file(key)
        try:
            self.cache_dir.mkdir(parents=True, exist_ok=True)
            # a concurrent reader sees the whole reply or none
            write_atomically(
                path,
                json.dumps(
                    {"model": self.model, "reply": reply}, ensure_ascii=False, indent=1
                ).encode("utf-8"),
            )
        except OSError as error:
            # The narrated plan is still good; only the next run will ask Claude again.
            log.warning("could not cache narrative %s: %s", path, error)

    @staticmethod
    def _fallback(plan: dict[str, Any], reason: str, key: str | None) -> NarrationResult:
        log.warning("plan %s keeps its template narratives: %s", plan.get("plan_id"), reason)
        return NarrationResult(plan, TEMPLATE_SOURCE, reason, key)


def _tool_input(message: anthropic.types.Message) -> Any:
    for block in message.content:
        if block.type == "tool_use" and block.name == TOOL_NAME:
            return block.input
    raise NarrativeRejected([f"the reply holds no {TOOL_NAME} call"])
