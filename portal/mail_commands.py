"""`isok mail send [--once]`: the outbox's sender (kit/mailer.py, docs/notifications.md).

Without ``--once`` it runs until stopped, looking for due messages every few seconds; with
it, it sends what is due now and exits (for cron, or a test). Each pass prints what it did
when it did something; a failure is printed with its reason and shown on the coordinator's
E-mail page. Several senders may run at once on PostgreSQL; on SQLite run one.

Before sending, the sender runs the scheduled reminders (portal/reminders.py) when it has not
for 15 minutes (and once with ``--once``), so that `isok serve`'s sender sends them too;
their notices are written once, so several senders running them tell nobody twice.
"""

from __future__ import annotations

import asyncio
import os
import time

import click


@click.group(name="mail")
def mail() -> None:
    """Send the e-mail the portal has written."""


@mail.command("send")
@click.option("--once", is_flag=True, help="Send what is due now, then exit.")
@click.option(
    "--interval",
    type=click.IntRange(1, 3600),
    default=10,
    show_default=True,
    help="Seconds between looks for new messages (without --once).",
)
@click.option(
    "--parent",
    type=int,
    default=None,
    hidden=True,
    help="Stop when this process (isok serve) is gone.",
)
def send_command(once: bool, interval: int, parent: int | None) -> None:
    """Deliver the outbox's messages over SMTP (or as .eml files without ISOK_SMTP_HOST)."""
    from kit import clock
    from kit.mailer import SendReport, send_due, transport_for
    from portal.cli import _settings
    from portal.database import create_engine, create_session_factory
    from portal.reminders import EVERY, run_reminders

    settings = _settings()
    transport = transport_for(settings.mail)
    where = (
        f"{settings.mail.host}:{settings.mail.port}"
        if settings.mail.host
        else f"files in {settings.mail.directory}"
    )

    def show(report: SendReport) -> None:
        if report.handled or once:
            click.echo(
                f"Sent {report.sent}, to try again later {report.retried},"
                f" failed {report.failed} ({where})."
            )
        for reason in report.reasons:
            click.echo(f"  {reason}", err=True)

    async def run() -> SendReport:
        engine = create_engine(settings.database)
        sessions = create_session_factory(engine)
        reminded_at: float | None = None
        try:
            while True:
                if reminded_at is None or time.monotonic() - reminded_at >= EVERY.total_seconds():
                    reminded_at = time.monotonic()
                    for reminded in await run_reminders(sessions, clock.now()):
                        if reminded.told or reminded.error:
                            click.echo(reminded.describe(), err=bool(reminded.error))
                report = await send_due(
                    sessions, transport, settings=settings.mail, public_url=settings.public_url
                )
                show(report)
                if once:
                    return report
                for _second in range(interval):
                    if parent is not None and os.getppid() != parent:
                        return report  # the server that started this sender is gone
                    await asyncio.sleep(1)
        finally:
            await engine.dispose()

    try:
        report = asyncio.run(run())
    except KeyboardInterrupt:
        return
    if report.failed:
        raise SystemExit(1)
