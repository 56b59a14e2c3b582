"""Claude rewording memory summaries: the real `anthropic` client against a local stub of the
Messages API; a rewording that keeps the numbers is used and cached, anything else keeps the
template's text."""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from exports.memory_wording import REWORDED_WEEKS, TOOL_NAME, SummaryWording

TEMPLATE = (
    "Week of 2026-11-23: ran 27.4 km in 4 run(s) against 26.4 km planned (96 % of the planned "
    "work done). Longest run 6.4 km. Load 389 load units; form (TSB) 21 at week end."
)


@dataclass
class StubClaude:
    url: str = ""
    status: int = 200
    summary: str | None = None
    requests: list[dict[str, Any]] = field(default_factory=list)

    def reply(self, request: dict[str, Any]) -> dict[str, Any]:
        content = (
            [{"type": "text", "text": "Great week!"}]
            if self.summary is None
            else [
                {
                    "type": "tool_use",
                    "id": "toolu_1",
                    "name": TOOL_NAME,
                    "input": {"summary": self.summary},
                }
            ]
        )
        return {
            "id": "msg_1",
            "type": "message",
            "role": "assistant",
            "model": request["model"],
            "content": content,
            "stop_reason": "tool_use",
            "stop_sequence": None,
            "usage": {"input_tokens": 100, "output_tokens": 50},
        }


@pytest.fixture
def stub() -> Iterator[StubClaude]:
    claude = StubClaude()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            claude.requests.append(body)
            data = (
                json.dumps(claude.reply(body))
                if claude.status == 200
                else json.dumps({"type": "error", "error": {"type": "api_error", "message": "x"}})
            ).encode()
            self.send_response(claude.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    claude.url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield claude
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def _row(week: int, runner_id: str = "ana", template: str = TEMPLATE) -> dict[str, Any]:
    start = dt.date(2026, 9, 7) + dt.timedelta(weeks=week)
    return {
        "memory_summary_id": f"{runner_id}:weekly_training:{start}",
        "runner_id": runner_id,
        "source_date_range_start": start,
        "content": template,
        "template_content": template,
        "narrative_source": "template",
        "llm_model": None,
    }


def _wording(stub: StubClaude, tmp_path, key: str | None = "test-key") -> SummaryWording:
    return SummaryWording(tmp_path / "cache", key, base_url=stub.url, timeout_seconds=10)


def test_a_rewording_that_keeps_the_numbers_is_used_and_cached(stub, tmp_path):
    stub.summary = (
        "Lovely week, Ana! 27.4 km over 4 run(s), 96 % of the planned work, a 6.4 km long run."
    )
    wording = _wording(stub, tmp_path)
    [row] = wording.reword_all([_row(0)], {"ana": "encouraging"})
    assert row["content"] == stub.summary
    assert row["narrative_source"] == "llm" and row["template_content"] == TEMPLATE
    sent = json.loads(stub.requests[0]["messages"][0]["content"])
    assert sent == {"coaching_voice": "encouraging", "summary": TEMPLATE}
    assert stub.requests[0]["tool_choice"] == {"type": "tool", "name": TOOL_NAME}
    again = _wording(stub, tmp_path).reword_all([_row(0)], {"ana": "encouraging"})
    assert again[0]["content"] == stub.summary and len(stub.requests) == 1  # from the cache


def test_an_invented_number_an_error_or_no_key_keeps_the_template(stub, tmp_path):
    stub.summary = "You ran 30 km this week."
    wording = _wording(stub, tmp_path)
    [row] = wording.reword_all([_row(0)], {})
    assert row["content"] == TEMPLATE and row["narrative_source"] == "template"
    assert "states 30, which the week's figures do not" in wording.reasons[0]
    stub.status = 500
    failing = _wording(stub, tmp_path)
    rows = failing.reword_all([_row(w) for w in range(REWORDED_WEEKS)], {})
    assert all(r["content"] == TEMPLATE for r in rows)
    asked = len(stub.requests)
    assert any("HTTP 500" in reason for reason in failing.reasons)
    assert failing.reasons[-1].endswith("its last requests in this run failed")
    assert asked < 1 + 2 * REWORDED_WEEKS  # it stopped asking after three failures in a row
    stub.status = 200
    assert _wording(stub, tmp_path, key=None).reword_all([_row(0)], {})[0]["content"] == TEMPLATE
    assert len(stub.requests) == asked


def test_only_each_runners_latest_weeks_are_reworded(stub, tmp_path):
    stub.summary = "Steady: 27.4 km in 4 run(s)."
    rows = [_row(w) for w in range(REWORDED_WEEKS + 2)] + [_row(0, runner_id="ben")]
    done = _wording(stub, tmp_path).reword_all(rows, {})
    reworded = [r["memory_summary_id"] for r in done if r["narrative_source"] == "llm"]
    assert len(reworded) == REWORDED_WEEKS + 1
    assert (
        rows[0]["memory_summary_id"] not in reworded
        and rows[1]["memory_summary_id"] not in reworded
    )
