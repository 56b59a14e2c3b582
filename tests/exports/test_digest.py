"""Memory summaries and the weekly digest on the sample squad: summaries read back from the
warehouse, `.eml` files in the outbox, and delivery to a real local SMTP server (aiosmtpd,
with a login) through smtplib, including a failed delivery retried on the next run."""

from __future__ import annotations

import datetime as dt
import email.policy
import os
import shutil
import socket
import subprocess
import sys
from email.parser import BytesParser

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from exports.digest import COACH_FILE, LEDGER, _ledger, pending, send_outbox, write_digests
from transforms.digests import latest_complete_week
from transforms.units import text_in_units
from warehouse.connection import open_warehouse
from warehouse.settings import CadenceHome

USER, PASSWORD = "coach", "s3cret pass"
# A login over plain SMTP on loopback, as a local test server: aiosmtpd warns, rightly, that
# it would be unsafe on a network.
pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")


def rows(home: CadenceHome, sql: str, params: list[object] | None = None) -> list[tuple]:
    with open_warehouse(home.warehouse, read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


class Inbox:
    """aiosmtpd handler keeping every message it accepts."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], bytes]] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        self.messages.append((list(envelope.rcpt_tos), envelope.original_content))
        return "250 Message accepted for delivery"


def _login(server, session, envelope, mechanism, auth_data):
    ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (
        USER.encode(),
        PASSWORD.encode(),
    )
    return AuthResult(success=ok)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_server():
    inbox = Inbox()
    controller = Controller(
        inbox,
        hostname="127.0.0.1",
        port=_free_port(),
        authenticator=_login,
        auth_required=True,
        auth_require_tls=False,
    )
    controller.start()
    try:
        yield inbox, controller.port
    finally:
        controller.stop()


def _url(port: int, password: str = PASSWORD) -> str:
    return f"smtp://{USER}:{password.replace(' ', '%20')}@127.0.0.1:{port}"


def test_one_memory_summary_per_runner_per_complete_week_with_the_weeks_figures(built_home):
    home, today = built_home.home, built_home.today
    summaries = rows(
        home,
        "SELECT m.runner_id, m.source_date_range_start, m.content, m.figures.actual_volume_km, "
        "w.actual_volume_km, m.figures.run_count, w.run_count FROM coach.memory_summaries m "
        "JOIN coach.weekly_summaries w ON w.runner_id = m.runner_id "
        "AND w.week_start_date = m.source_date_range_start",
    )
    [(weeks,)] = rows(
        home,
        "SELECT count(*) FROM coach.weekly_summaries WHERE week_start_date + 6 < ?",
        [today],
    )
    assert len(summaries) == weeks > 0
    for _, start, content, volume, weekly_volume, runs, weekly_runs in summaries:
        assert start.weekday() == 0
        assert (volume, runs) == (weekly_volume, weekly_runs)
        assert f"ran {volume:.1f} km in {runs} run(s)" in content
    [(templated,)] = rows(
        home, "SELECT count(*) FROM coach.memory_summaries WHERE narrative_source = 'template'"
    )
    assert templated == len(summaries)


def test_the_digest_holds_the_weeks_summary_next_weeks_key_sessions_and_flags(built_home):
    home, today = built_home.home, built_home.today
    report = write_digests(home, today)
    monday, sunday = latest_complete_week(today)
    assert report.folder == home.outbox / sunday.isoformat()
    names = sorted(p.name for p in report.written)
    assert names == sorted([f"{r}.eml" for r in built_home.runner_ids] + [COACH_FILE])
    for runner_id in built_home.runner_ids:
        message = BytesParser(policy=email.policy.default).parsebytes(
            (report.folder / f"{runner_id}.eml").read_bytes()
        )
        [(address, summary, units)] = rows(
            home,
            "SELECT r.identity.email, m.content, r.coaching.units FROM coach.runners r LEFT JOIN "
            "coach.memory_summaries m ON m.runner_id = r.runner_id "
            "AND m.source_date_range_start = ? WHERE r.runner_id = ?",
            [monday, runner_id],
        )
        assert message["To"] == address
        text = message.get_body(("plain",)).get_content()
        html = message.get_body(("html",)).get_content()
        assert summary and text_in_units(summary, units) in text  # in the runner's units
        keys = rows(
            home,
            "SELECT s.display_type FROM plans.planned_sessions s JOIN plans.training_plans p "
            "USING (plan_id) WHERE p.status = 'active' AND s.runner_id = ? AND s.is_key_session "
            "AND s.scheduled_date BETWEEN ? AND ?",
            [runner_id, sunday + dt.timedelta(days=1), sunday + dt.timedelta(days=7)],
        )
        assert keys
        for (display,) in keys:
            assert display in text and display in html
    coach = BytesParser(policy=email.policy.default).parsebytes(
        (report.folder / COACH_FILE).read_bytes()
    )
    assert coach["To"] is None and "coach" in report.without_address


def test_send_delivers_each_digest_once_to_a_local_smtp_server(built_home, smtp_server):
    home, today = built_home.home, built_home.today
    inbox, port = smtp_server
    report = write_digests(home, today)
    first = send_outbox(home, _url(port))
    runner_files = {report.folder / f"{r}.eml" for r in built_home.runner_ids}
    assert set(first.sent) == runner_files and not first.failed  # the coach has no address
    addresses = dict(rows(home, "SELECT runner_id, identity.email FROM coach.runners"))
    assert sorted(r for r, _ in inbox.messages) == sorted(
        [addresses[r]] for r in built_home.runner_ids
    )
    ledger = _ledger(report.folder)
    assert all(ledger[p.name]["status"] == "sent" for p in runner_files)
    again = write_digests(home, today)
    assert set(again.kept) == runner_files
    assert send_outbox(home, _url(port)).sent == []
    assert len(inbox.messages) == len(built_home.runner_ids)


def test_a_failed_delivery_is_reported_kept_and_retried_by_cadence_digest_send(
    built_home, tmp_path, smtp_server
):
    inbox, port = smtp_server
    source = built_home.home
    # a copy of the home, so the earlier test's sent ledger does not matter
    home = CadenceHome(tmp_path / "home").create()
    shutil.copyfile(source.warehouse, home.warehouse)

    def digest(url: str) -> tuple[int, str]:
        done = subprocess.run(
            [sys.executable, "-c", "from assets.cli import main; main()", "digest", "--send"],
            env={
                **os.environ,
                "CADENCE_HOME": str(home.root),
                "CADENCE_SMTP_URL": url,
                "COLUMNS": "200",
            },
            capture_output=True,
            text=True,
            timeout=120,
        )
        return done.returncode, done.stdout + done.stderr

    code, output = digest(_url(port, "wrong password"))
    assert code == 1
    assert output.count("Not sent") == len(built_home.runner_ids), output
    assert "retried next run" in output and not inbox.messages
    waiting = pending(home)
    assert len(waiting) == len(built_home.runner_ids) + 1  # the coach's too, never sendable
    folder = waiting[0].parent
    assert {e["status"] for e in _ledger(folder).values()} == {"failed"}
    code, output = digest(_url(_free_port()))
    assert code == 1 and "cannot reach 127.0.0.1" in output
    code, output = digest(_url(port))
    assert code == 0, output
    assert f"Sent {len(built_home.runner_ids)} digest(s)" in output
    assert len(inbox.messages) == len(built_home.runner_ids)
    ledger = _ledger(folder)
    assert all(ledger[f"{r}.eml"]["attempts"] == 3 for r in built_home.runner_ids)
    assert (folder / LEDGER).is_file() and pending(home) == [folder / COACH_FILE]


def test_a_bad_smtp_url_is_one_clear_error(built_home):
    with pytest.raises(ValueError, match="must be smtp://user:password@host:port"):
        send_outbox(built_home.home, "http://example.org")


def test_the_weekly_job_writes_and_sends_the_digests(
    built_home, tmp_path, smtp_server, monkeypatch
):
    from assets.digest import weekly_digest
    from assets.resources import CadenceHomeResource

    inbox, port = smtp_server
    home = CadenceHome(tmp_path / "home").create()
    shutil.copyfile(built_home.home.warehouse, home.warehouse)
    monkeypatch.setenv("CADENCE_SMTP_URL", _url(port))
    result = weekly_digest.execute_in_process(
        resources={"cadence": CadenceHomeResource(root=str(home.root))}
    )
    assert result.success
    assert len(inbox.messages) == len(built_home.runner_ids)
    monkeypatch.setenv("CADENCE_SMTP_URL", _url(_free_port()))
    (home.outbox / next(iter(p.name for p in home.outbox.iterdir())) / LEDGER).unlink()
    failed = weekly_digest.execute_in_process(
        resources={"cadence": CadenceHomeResource(root=str(home.root))}, raise_on_error=False
    )
    assert not failed.success
    [failure] = failed.get_step_failure_events()
    assert "not sent (kept, retried next run)" in str(failure.step_failure_data.error)


def test_a_new_plans_narrative_gets_the_latest_weeks_before_the_plan_date(built_home):
    from assets.plans import RECENT_WEEKS, recent_weeks

    home, today = built_home.home, built_home.today
    with open_warehouse(home.warehouse, read_only=True) as con:
        recent = recent_weeks(con, list(built_home.runner_ids), today)
        earlier = recent_weeks(con, list(built_home.runner_ids), today - dt.timedelta(weeks=2))
    for runner_id in built_home.runner_ids:
        expected = rows(
            home,
            "SELECT content FROM coach.memory_summaries WHERE runner_id = ? "
            "ORDER BY source_date_range_start DESC LIMIT ?",
            [runner_id, RECENT_WEEKS],
        )
        assert recent[runner_id] == [content for (content,) in expected]
        assert earlier[runner_id][0] == expected[2][0]  # two weeks fewer
