"""The real `anthropic` client against a local stub of the Messages API."""

import datetime as dt
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from assets.narrator import DEFAULT_MODEL, Narrator
from assets.run import materialize_home
from samples import write_sample_inbox
from tests.narrative_samples import KNOWLEDGE, RUNNER, faithful_reply, template_plan
from transforms.narratives import TOOL_NAME, narrative_request
from warehouse.connection import open_warehouse
from warehouse.settings import CadenceHome

GREETING = "Hello from Claude."


@dataclass
class StubClaude:
    """Answers POST /v1/messages with `status` and a message calling the tool with
    `tool_input` (or only text when it is None; `echo` makes it the request's current texts
    with a greeting added), after `delay_seconds`."""

    url: str = ""
    status: int = 200
    tool_input: Any = None
    echo: bool = False
    delay_seconds: float = 0.0
    requests: list[dict[str, Any]] = field(default_factory=list)
    api_keys: list[str | None] = field(default_factory=list)
    released: threading.Event = field(default_factory=threading.Event)
    in_flight: int = 0
    most_in_flight: int = 0
    counting: threading.Lock = field(default_factory=threading.Lock)

    def message(self, request: dict[str, Any]) -> dict[str, Any]:
        if request["tool_choice"]["name"] != TOOL_NAME:
            # another text Claude is asked for in a run (memory summaries): plain text
            return self._reply(request, [{"type": "text", "text": "A fine week."}])
        if self.echo:
            texts = json.loads(request["messages"][0]["content"])["current_texts"]
            self.tool_input = {**texts, "coach_summary": f"{GREETING} {texts['coach_summary']}"}
        if self.tool_input is None:
            content = [{"type": "text", "text": "Here is your plan!"}]
        else:
            content = [
                {"type": "tool_use", "id": "toolu_1", "name": TOOL_NAME, "input": self.tool_input}
            ]
        return self._reply(request, content)

    @staticmethod
    def _reply(request: dict[str, Any], content: list[dict[str, Any]]) -> dict[str, Any]:
        return {
            "id": "msg_1",
            "type": "message",
            "role": "assistant",
            "model": request["model"],
            "content": content,
            "stop_reason": "tool_use",
            "stop_sequence": None,
            "usage": {"input_tokens": 1200, "output_tokens": 400},
        }


@pytest.fixture
def stub() -> Iterator[StubClaude]:
    claude = StubClaude()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            claude.requests.append({"path": self.path, **body})
            # SDK versions send the key as x-api-key or as a bearer token.
            bearer = (self.headers.get("Authorization") or "").removeprefix("Bearer ")
            claude.api_keys.append(self.headers.get("x-api-key") or bearer or None)
            with claude.counting:
                claude.in_flight += 1
                claude.most_in_flight = max(claude.most_in_flight, claude.in_flight)
            claude.released.wait(claude.delay_seconds)
            with claude.counting:
                claude.in_flight -= 1
            if claude.status == 200:
                payload = claude.message(body)
            else:
                payload = {"type": "error", "error": {"type": "api_error", "message": "boom"}}
            data = json.dumps(payload).encode()
            try:
                self.send_response(claude.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client timed out and hung up, which is what the slow test wants

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: the test asserts on `requests` instead."""

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    claude.url = f"http://127.0.0.1:{server.server_address[1]}"
    yield claude
    claude.released.set()
    server.shutdown()
    server.server_close()
    thread.join()


def _narrator(stub: StubClaude, cache_dir: Path, **options: Any) -> Narrator:
    return Narrator(
        cache_dir=cache_dir,
        api_key="sk-test",
        base_url=stub.url,
        timeout_seconds=options.pop("timeout_seconds", 10.0),
        max_retries=0,
        **options,
    )


def test_each_runners_recent_weeks_reach_claude_as_context(stub: StubClaude, tmp_path: Path):
    plan = template_plan()
    stub.tool_input = faithful_reply(plan)
    weeks = ["Week of 2026-11-23: ran 27.4 km in 4 run(s)."]
    runner = {**RUNNER, "runner_id": "ana"}

    [result] = _narrator(stub, tmp_path).narrate_all([(plan, runner)], KNOWLEDGE, {"ana": weeks})

    assert result.source == "llm"
    [request] = stub.requests
    assert json.loads(request["messages"][0]["content"])["recent_weeks"] == weeks


def test_claude_writes_the_texts_through_a_forced_tool_call(stub: StubClaude, tmp_path: Path):
    plan = template_plan()
    stub.tool_input = faithful_reply(plan)

    result = _narrator(stub, tmp_path).narrate(plan, RUNNER, KNOWLEDGE)

    assert (result.source, result.reason) == ("llm", f"written by {DEFAULT_MODEL}")
    assert result.plan["season_view"]["coach_summary"] == stub.tool_input["coach_summary"]
    assert result.plan["weekly_plan"][2]["notes"] == stub.tool_input["week_notes"]["3"]
    assert result.plan["narrative_source"] == "llm"
    assert result.plan["llm_model"] == DEFAULT_MODEL
    assert plan["narrative_source"] == "template"
    [request] = stub.requests
    assert request["path"] == "/v1/messages"
    assert request["model"] == DEFAULT_MODEL
    assert request["tool_choice"] == {"type": "tool", "name": TOOL_NAME}
    assert [tool["name"] for tool in request["tools"]] == [TOOL_NAME]
    assert "Voice (direct)" in request["system"]
    assert stub.api_keys == ["sk-test"]
    assert (tmp_path / f"{result.input_hash}.json").exists()


def test_a_repeated_input_is_answered_from_the_cache(stub: StubClaude, tmp_path: Path):
    plan = template_plan()
    stub.tool_input = faithful_reply(plan)
    first = _narrator(stub, tmp_path).narrate(plan, RUNNER, KNOWLEDGE)

    stub.status = 500
    again = _narrator(stub, tmp_path).narrate(template_plan(), RUNNER, KNOWLEDGE)

    assert len(stub.requests) == 1
    assert (again.source, again.reason) == ("llm", f"cached reply of {DEFAULT_MODEL}")
    assert again.plan == first.plan


def test_another_voice_is_another_input(stub: StubClaude, tmp_path: Path):
    plan = template_plan()
    stub.tool_input = faithful_reply(plan)
    narrator = _narrator(stub, tmp_path)
    narrator.narrate(plan, RUNNER, KNOWLEDGE)

    gentle = {**RUNNER, "coaching": {"coaching_voice": "gentle"}}
    narrator.narrate(plan, gentle, KNOWLEDGE)

    assert len(stub.requests) == 2
    assert "Voice (gentle)" in stub.requests[1]["system"]


def test_a_server_error_keeps_the_templates(stub: StubClaude, tmp_path: Path):
    plan = template_plan()
    stub.status = 500

    result = _narrator(stub, tmp_path).narrate(plan, RUNNER, KNOWLEDGE)

    assert (result.source, result.reason) == ("template", "Claude answered HTTP 500")
    assert result.plan is plan
    assert len(stub.requests) == 1
    assert not list(tmp_path.iterdir())


def test_after_failures_in_a_row_claude_is_not_asked_again_in_the_run(
    stub: StubClaude, tmp_path: Path
):
    """With Claude down, a run over many plans must not wait for every plan's timeout."""
    plan = template_plan()
    stub.status = 503
    narrator = _narrator(stub, tmp_path, give_up_after=2)

    reasons = [narrator.narrate(plan, RUNNER, KNOWLEDGE).reason for _ in range(4)]

    assert len(stub.requests) == 2
    assert reasons[:2] == ["Claude answered HTTP 503"] * 2
    assert (
        reasons[2:]
        == [
            "Claude was not asked: its last 2 requests in this run failed "
            "(the last: Claude answered HTTP 503)"
        ]
        * 2
    )
    stub.status = 200
    stub.tool_input = faithful_reply(plan)
    assert _narrator(stub, tmp_path).narrate(plan, RUNNER, KNOWLEDGE).source == "llm"


def test_an_answer_between_failures_starts_the_count_again(stub: StubClaude, tmp_path: Path):
    plan = template_plan()
    narrator = _narrator(stub, tmp_path, give_up_after=2)
    stub.status = 500
    narrator.narrate(plan, RUNNER, KNOWLEDGE)
    stub.status, stub.tool_input = 200, None  # an answer, though without the tool call
    assert "holds no" in narrator.narrate(plan, RUNNER, KNOWLEDGE).reason
    stub.status = 500
    narrator.narrate(plan, RUNNER, KNOWLEDGE)
    assert len(stub.requests) == 3


def test_plans_are_narrated_several_at_a_time_and_come_back_in_order(
    stub: StubClaude, tmp_path: Path
):
    plan = template_plan()
    stub.tool_input = faithful_reply(plan)
    voices = ["encouraging", "direct", "analytical", "gentle"]
    runners = [{**RUNNER, "coaching": {"coaching_voice": voice}} for voice in voices]
    stub.delay_seconds = 30.0  # each answer waits until all four requests are in
    releaser = threading.Thread(target=_release_when_in_flight, args=(stub, 4))
    releaser.start()

    results = _narrator(stub, tmp_path, concurrency=4).narrate_all(
        [(plan, runner) for runner in runners], KNOWLEDGE
    )
    releaser.join()

    assert stub.most_in_flight == 4
    assert [r.source for r in results] == ["llm"] * 4
    assert [r.input_hash for r in results] == [
        narrative_request(plan, runner, KNOWLEDGE, DEFAULT_MODEL).input_hash for runner in runners
    ]
    sent_voices = sorted(
        v for request in stub.requests for v in voices if f"Voice ({v})" in request["system"]
    )
    assert sent_voices == sorted(voices)


def _release_when_in_flight(stub: StubClaude, count: int) -> None:
    deadline = time.monotonic() + 20
    while stub.in_flight < count and time.monotonic() < deadline:
        time.sleep(0.01)
    stub.released.set()


def test_a_slow_answer_keeps_the_templates(stub: StubClaude, tmp_path: Path):
    plan = template_plan()
    stub.tool_input = faithful_reply(plan)
    stub.delay_seconds = 5.0

    result = _narrator(stub, tmp_path, timeout_seconds=0.3).narrate(plan, RUNNER, KNOWLEDGE)

    assert (result.source, result.reason) == ("template", "Claude did not answer within 0.3 s")
    assert result.plan is plan


def test_a_reply_with_a_new_number_keeps_the_templates_and_is_not_cached(
    stub: StubClaude, tmp_path: Path
):
    plan = template_plan()
    stub.tool_input = {**faithful_reply(plan), "coach_summary": "Peak at 47 km, Ana."}
    narrator = _narrator(stub, tmp_path)

    result = narrator.narrate(plan, RUNNER, KNOWLEDGE)

    assert result.source == "template"
    assert result.reason == (
        "Claude's narrative rejected: coach_summary states 47, not in the plan"
    )
    assert result.plan is plan
    narrator.narrate(plan, RUNNER, KNOWLEDGE)
    assert len(stub.requests) == 2


def test_a_reply_without_the_tool_call_keeps_the_templates(stub: StubClaude, tmp_path: Path):
    plan = template_plan()

    result = _narrator(stub, tmp_path).narrate(plan, RUNNER, KNOWLEDGE)

    assert result.source == "template"
    assert result.reason == f"Claude's narrative rejected: the reply holds no {TOOL_NAME} call"


def test_without_a_key_the_templates_are_used_and_claude_is_never_called(
    stub: StubClaude, home: CadenceHome, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    monkeypatch.setenv("ANTHROPIC_BASE_URL", stub.url)
    plan = template_plan()
    stub.tool_input = faithful_reply(plan)

    narrator = Narrator.from_environment(home.narrative_cache)
    result = narrator.narrate(plan, RUNNER, KNOWLEDGE)

    assert not narrator.enabled
    assert (result.source, result.reason) == ("template", "ANTHROPIC_API_KEY is not set")
    assert result.plan is plan
    assert stub.requests == []


def test_the_environment_names_key_model_and_endpoint_and_the_cache_is_in_the_home(
    stub: StubClaude, home: CadenceHome, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-from-env")
    monkeypatch.setenv("ANTHROPIC_BASE_URL", stub.url)
    monkeypatch.setenv("CADENCE_LLM_MODEL", "claude-haiku-4-5")
    plan = template_plan()
    stub.tool_input = faithful_reply(plan)

    result = Narrator.from_environment(home.narrative_cache).narrate(plan, RUNNER, KNOWLEDGE)

    assert (result.source, result.plan["llm_model"]) == ("llm", "claude-haiku-4-5")
    assert stub.api_keys == ["sk-from-env"]
    assert stub.requests[0]["model"] == "claude-haiku-4-5"
    cached = home.root / "cache" / "narratives" / f"{result.input_hash}.json"
    assert json.loads(cached.read_text())["reply"] == stub.tool_input


def test_a_materialization_with_a_key_has_claude_narrate_every_new_plan(
    stub: StubClaude, home: CadenceHome, monkeypatch: pytest.MonkeyPatch
):
    write_sample_inbox(home.inbox, runners=2, days=14, seed=3, end_date=dt.date(2026, 11, 1))
    stub.echo = True
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-test")
    monkeypatch.setenv("ANTHROPIC_BASE_URL", stub.url)

    assert materialize_home(home).success

    with open_warehouse(home.warehouse, read_only=True) as con:
        plans = con.execute(
            "SELECT narrative_source, llm_model, season_view.coach_summary "
            "FROM plans.training_plans"
        ).fetchall()
    assert len(plans) == 2
    assert {(source, model) for source, model, _ in plans} == {("llm", DEFAULT_MODEL)}
    assert all(summary.startswith(GREETING) for _, _, summary in plans)
    narrations = [r for r in stub.requests if r["tool_choice"]["name"] == TOOL_NAME]
    assert len(narrations) == 2
    assert len(list(home.narrative_cache.glob("*.json"))) == 2
