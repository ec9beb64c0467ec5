"""`isok reminders run`: tell people what falls due (portal/reminders.py), once.

For cron or by hand; the sender (`isok mail send`, and so `isok serve`) runs the same
reminders every 15 minutes. Running it again tells nobody twice. It writes the notices and
their e-mails to the outbox; the sender delivers them.
"""

from __future__ import annotations

import asyncio

import click


@click.group(name="reminders")
def reminders() -> None:
    """Scheduled reminders (placements, follow-ups, assessment links)."""


@reminders.command("run")
def run_command() -> None:
    """Run every reminder now and print how many people each told."""
    from kit import clock
    from kit.audit import Actor, current_actor
    from portal.cli import _settings
    from portal.database import create_engine, create_session_factory
    from portal.reminders import Reminded, run_reminders

    settings = _settings()

    async def run() -> list[Reminded]:
        engine = create_engine(settings.database)
        try:
            return await run_reminders(create_session_factory(engine), clock.now())
        finally:
            await engine.dispose()

    token = current_actor.set(Actor(user_id=None, label="reminders"))
    try:
        done = asyncio.run(run())
    finally:
        current_actor.reset(token)
    for reminded in done:
        click.echo(reminded.describe(), err=bool(reminded.error))
    if any(reminded.error for reminded in done):
        raise SystemExit(1)
