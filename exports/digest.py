"""The weekly digest: one email per runner and one for the coach, written as `.eml` files under
`$CADENCE_HOME/outbox/<sunday>/`, and sent by SMTP when `CADENCE_SMTP_URL` is set.

Each week's folder keeps a delivery ledger (`deliveries.json`): a message is sent once; one
that fails is marked failed with the reason and tried again on the next run, never dropped.
"""

from __future__ import annotations

import datetime as dt
import email.policy
import json
import os
import smtplib
import ssl
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import polars as pl

from exports.coach_site import has_tables
from transforms.digests import (
    DigestText,
    key_sessions,
    latest_complete_week,
    runner_digest,
    squad_digest,
)
from transforms.site_pages import runner_flags
from transforms.units import runner_units
from warehouse.active_plans import active_plans
from warehouse.connection import open_warehouse, read_table
from warehouse.contracts import contract
from warehouse.publish import write_atomically
from warehouse.settings import CadenceHome

SMTP_URL_VARIABLE = "CADENCE_SMTP_URL"
SENDER_VARIABLE = "CADENCE_DIGEST_FROM"
COACH_VARIABLE = "CADENCE_COACH_EMAIL"
DEFAULT_SENDER = "Cadence <cadence@localhost>"
LEDGER = "deliveries.json"
COACH_FILE = "coach.eml"
SMTP_TIMEOUT_SECONDS = 30


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    tls: bool
    """smtps:// (TLS from the start); smtp:// upgrades with STARTTLS when the server offers it."""
    user: str | None
    password: str | None

    @classmethod
    def from_url(cls, url: str) -> SmtpSettings:
        """`smtp://user:password@host:587` or `smtps://user:password@host:465`."""
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise ValueError(
                f"{SMTP_URL_VARIABLE} must be smtp://user:password@host:port or smtps://...; "
                f"got {parts.scheme or 'no scheme'}://{parts.hostname or '(no host)'}"
            )
        try:
            port = parts.port or (465 if parts.scheme == "smtps" else 587)
        except ValueError:
            raise ValueError(f"{SMTP_URL_VARIABLE} has a port that is not a number") from None
        return cls(
            parts.hostname,
            port,
            parts.scheme == "smtps",
            unquote(parts.username) if parts.username else None,
            unquote(parts.password) if parts.password else None,
        )


@dataclass
class DigestReport:
    folder: Path
    written: list[Path] = field(default_factory=list)
    kept: list[Path] = field(default_factory=list)
    """Already sent earlier: not rewritten."""
    without_address: list[str] = field(default_factory=list)
    """Runners (or `coach`) with no email address: written, never sent."""


@dataclass
class DeliveryReport:
    sent: list[Path] = field(default_factory=list)
    failed: dict[Path, str] = field(default_factory=dict)
    """Message -> why it could not be sent (it is tried again on the next run)."""


def _message(sender: str, to: str | None, digest: DigestText, day: dt.date) -> EmailMessage:
    message = EmailMessage(policy=email.policy.SMTP)
    message["Subject"] = digest.subject
    message["From"] = sender
    if to:
        message["To"] = to
    message["Date"] = formatdate(
        dt.datetime.combine(day, dt.time(6), tzinfo=dt.UTC).timestamp(), usegmt=True
    )
    message["Message-ID"] = make_msgid(domain="cadence.local")
    message.set_content(digest.text)
    message.add_alternative(digest.html, subtype="html")
    return message


def _ledger(folder: Path) -> dict[str, dict[str, Any]]:
    path = folder / LEDGER
    if not path.exists():
        return {}
    try:
        ledger: dict[str, dict[str, Any]] = json.loads(path.read_text())
    except json.JSONDecodeError as error:
        raise ValueError(f"{path} is not valid JSON ({error.msg}); fix or remove it") from None
    return ledger


def _save_ledger(folder: Path, ledger: dict[str, dict[str, Any]]) -> None:
    write_atomically(folder / LEDGER, json.dumps(ledger, indent=2, sort_keys=True).encode())


def write_digests(home: CadenceHome, today: dt.date | None = None) -> DigestReport:
    """Write the digests of the latest complete week (a message already sent is kept as sent,
    not rewritten)."""
    if not home.warehouse.exists():
        raise ValueError(f"no warehouse at {home.warehouse}; run `cadence materialize` first")
    today = today or dt.date.today()
    monday, sunday = latest_complete_week(today)
    folder = home.outbox / sunday.isoformat()
    folder.mkdir(parents=True, exist_ok=True)
    ledger = _ledger(folder)
    sender = os.environ.get(SENDER_VARIABLE) or DEFAULT_SENDER
    report = DigestReport(folder)
    squad = []
    with open_warehouse(home.warehouse, read_only=True) as con:
        runners = read_table(con, contract("coach.runners"), "true ORDER BY runner_id").to_dicts()
        if not has_tables(con, contract("coach.memory_summaries")):
            raise ValueError(
                f"the warehouse {home.warehouse} has no weekly summaries yet "
                "(coach.memory_summaries): run `cadence materialize` first"
            )
        summaries = dict(
            con.execute(
                "SELECT runner_id, content FROM coach.memory_summaries "
                "WHERE source_date_range_start = ?",
                [monday],
            ).fetchall()
        )
        plans = {p["runner_id"]: p["plan_id"] for p in active_plans(con).to_dicts()}
        sessions = read_table(
            con,
            contract("plans.planned_sessions"),
            "plan_id IN (SELECT unnest(?))",
            [list(plans.values())],
        )
        latest = dict(
            con.execute(
                "SELECT runner_id, max(date) FROM terra.daily_summaries WHERE date <= ? "
                "GROUP BY runner_id",
                [sunday],
            ).fetchall()
        )
    for runner in runners:
        runner_id = runner["runner_id"]
        name = (runner.get("identity") or {}).get("name") or runner_id
        mine = sessions.filter(pl.col("runner_id") == runner_id)
        flags = runner_flags(runner, mine, latest.get(runner_id), sunday)
        digest = runner_digest(
            name,
            monday,
            summaries.get(runner_id),
            key_sessions(mine, sunday + dt.timedelta(days=1)),
            flags,
            runner_units(runner),
        )
        address = (runner.get("identity") or {}).get("email")
        _write(
            report, ledger, folder / f"{runner_id}.eml", _message(sender, address, digest, today)
        )
        if not address:
            report.without_address.append(runner_id)
        squad.append({"name": name, "summary": summaries.get(runner_id), "flags": flags})
    coach = os.environ.get(COACH_VARIABLE)
    _write(
        report,
        ledger,
        folder / COACH_FILE,
        _message(sender, coach, squad_digest(monday, squad), today),
    )
    if not coach:
        report.without_address.append("coach")
    return report


def _write(
    report: DigestReport, ledger: dict[str, dict[str, Any]], path: Path, message: EmailMessage
) -> None:
    if ledger.get(path.name, {}).get("status") == "sent":
        report.kept.append(path)
        return
    write_atomically(path, bytes(message))
    report.written.append(path)


def pending(home: CadenceHome) -> list[Path]:
    """Every digest in the outbox not sent yet (new or failed before), oldest week first."""
    found = []
    for folder in sorted(p for p in home.outbox.glob("*") if p.is_dir()):
        ledger = _ledger(folder)
        for path in sorted(folder.glob("*.eml")):
            if ledger.get(path.name, {}).get("status") != "sent":
                found.append(path)
    return found


def send_outbox(home: CadenceHome, smtp_url: str) -> DeliveryReport:
    """Send every pending digest that has a recipient through the SMTP server of `smtp_url`;
    record each result in its week's ledger. A failure (server down, refused recipient,
    bad login) is recorded with its reason and the message stays pending."""
    settings = SmtpSettings.from_url(smtp_url)
    report = DeliveryReport()
    messages = []
    for path in pending(home):
        message = BytesParser(policy=email.policy.SMTP).parsebytes(path.read_bytes())
        if message["To"]:
            messages.append((path, message))
    if not messages:
        return report
    try:
        client = _connect(settings)
    except (OSError, smtplib.SMTPException) as error:
        for path, _ in messages:
            report.failed[path] = f"cannot reach {settings.host}:{settings.port}: {error}"
        _record(report)
        return report
    with client:
        for path, message in messages:
            try:
                refused = client.send_message(message)
            except smtplib.SMTPException as error:
                report.failed[path] = str(error)
                continue
            if refused:
                report.failed[path] = f"refused: {refused}"
            else:
                report.sent.append(path)
    _record(report)
    return report


def _connect(settings: SmtpSettings) -> smtplib.SMTP:
    if settings.tls:
        client: smtplib.SMTP = smtplib.SMTP_SSL(
            settings.host,
            settings.port,
            timeout=SMTP_TIMEOUT_SECONDS,
            context=ssl.create_default_context(),
        )
    else:
        client = smtplib.SMTP(settings.host, settings.port, timeout=SMTP_TIMEOUT_SECONDS)
        client.ehlo()
        if client.has_extn("starttls"):
            client.starttls(context=ssl.create_default_context())
            client.ehlo()
    try:
        if settings.user:
            client.login(settings.user, settings.password or "")
    except smtplib.SMTPException:
        client.close()
        raise
    return client


def _record(report: DeliveryReport) -> None:
    now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    results = [(p, "sent", None) for p in report.sent] + [
        (p, "failed", why) for p, why in report.failed.items()
    ]
    for folder in sorted({p.parent for p, _, _ in results}):
        ledger = _ledger(folder)
        for path, status, why in results:
            if path.parent != folder:
                continue
            entry = ledger.setdefault(path.name, {"attempts": 0})
            entry["attempts"] = entry.get("attempts", 0) + 1
            entry.update(status=status, at=now, error=why)
        _save_ledger(folder, ledger)
