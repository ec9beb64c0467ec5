"""The ``isok`` command line (CONTRACTS.md).

Bad input exits non-zero with a one-line reason, never a traceback.

Each command imports what it needs when it runs: `isok --help` and every worker of `isok serve`
(which re-imports this module when it starts) stay fast because the app, the database layer
and the matching engine are not loaded with the command line (docs/performance.md).
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from certificates.commands import certificates_group, keys_group
from kit.settings import Settings, SettingsError, get_settings
from portal.backup_commands import backup
from portal.mail_commands import mail
from portal.match_commands import match
from portal.privacy_commands import privacy
from portal.reminder_commands import reminders

if TYPE_CHECKING:
    from litestar import Litestar
    from sqlalchemy.ext.asyncio import AsyncSession

T = TypeVar("T")

WORKER_HEALTHCHECK_TIMEOUT = 30
"""Seconds a worker of `isok serve --workers N` may take to answer the supervisor's ping.

uvicorn's default (5 s) can be shorter than a busy machine takes to let a starting worker
answer; a worker that misses it is killed and replaced by one just as slow, in a loop. The
price: a hung worker, or one that dies while its answer is awaited, is replaced up to this
late; one that exits between pings is still replaced at once (docs/decisions.md)."""


def _settings() -> Settings:
    try:
        return get_settings()
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from None


def run_in_session(settings: Settings, job: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """Run ``job`` in one transaction: committed if it returns, rolled back if it raises."""
    from kit.audit import Actor, current_actor
    from portal.database import create_engine, create_session_factory

    async def runner() -> T:
        engine = create_engine(settings.database)
        try:
            async with create_session_factory(engine)() as session, session.begin():
                return await job(session)
        finally:
            await engine.dispose()

    token = current_actor.set(Actor(user_id=None, label="cli"))
    try:
        return asyncio.run(runner())
    finally:
        current_actor.reset(token)


class ProgressLine:
    """``done/total`` on one terminal line, only when stderr is a terminal."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.active = sys.stderr.isatty()

    def __call__(self, done: int, total: int) -> None:
        if self.active:
            click.echo(f"\r{self.label}: {done}/{total}", err=True, nl=done >= total)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="isok-portal", prog_name="isok")
def main() -> None:
    """ISOK portal: placements and validation of immigrants' vocational competence."""


def run() -> None:
    """The ``isok`` command: logging set up as the settings say (portal/logs.py), then
    :func:`main`. Tests invoke :func:`main` itself and keep pytest's log capture."""
    from kit.settings import log_format
    from portal import logs

    try:
        logs.configure(log_format(dict(os.environ)))
    except SettingsError as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(1)
    main()


def create_served_app() -> Litestar:
    """The app as each worker of `isok serve` builds it, with the matching engine loaded.

    The engine (numpy, scipy) is loaded here, before the worker takes requests,
    rather than by the first suggestion page, which would otherwise hold up every request of
    that worker meanwhile. uvicorn's health check is answered from another thread all along.

    A worker that cannot build the app exits with uvicorn's start-up failure status, so the
    supervisor stops with the reason in the log instead of starting workers in a loop.
    """
    import importlib
    import logging

    from uvicorn.config import STARTUP_FAILURE

    try:
        from portal.app import create_app

        app = create_app()
        # `import matching` alone loads nothing heavy (its names load on first use).
        for module in ("matching.scoring", "matching.assignment"):
            importlib.import_module(module)
        app.on_startup.append(_start_filling_the_matching_index)
        app.on_shutdown.insert(0, _stop_filling_the_matching_index)
    except Exception:
        logging.getLogger("uvicorn.error").exception("The portal cannot start.")
        sys.exit(STARTUP_FAILURE)
    return app


async def _start_filling_the_matching_index(app: Litestar) -> None:
    """Fill the worker's live matching index in the background as the worker starts, so the
    first ranking page does not read every candidate (about 5 s at 100,000). Requests are
    served meanwhile; a ranking page that comes first waits for this read, not a second one."""
    import logging
    import time

    from placements.review.index import index_for

    async def fill() -> None:
        log = logging.getLogger("uvicorn.error")  # the server's log
        started = time.perf_counter()
        try:
            async with app.state.session_factory() as session:
                snapshot = await index_for(session).snapshot(session)
        except Exception:  # the database may be down: the first ranking page will try again
            log.warning("The matching index could not be filled at start.", exc_info=True)
            return
        log.info(
            "Matching index ready: %d candidates in %.1f s.",
            snapshot.size,
            time.perf_counter() - started,
        )

    app.state.filling_index = asyncio.get_running_loop().create_task(fill())


async def _stop_filling_the_matching_index(app: Litestar) -> None:
    task = app.state.get("filling_index")
    if task is not None and not task.done():
        task.cancel()


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64))
@click.option(
    "--mail-sender/--no-mail-sender",
    default=True,
    show_default=True,
    help="Run one e-mail sender (isok mail send) beside the web workers.",
)
def serve(host: str, port: int, workers: int, mail_sender: bool) -> None:
    """Serve the portal with uvicorn (and one e-mail sender, unless --no-mail-sender)."""
    import subprocess

    import uvicorn

    from portal import logs
    from portal.observability import metrics_directory

    # Fail early with a clear message rather than in every worker.
    observability = _settings().observability
    # One sender however many workers: a process of its own, stopped with the server.
    sender = (
        subprocess.Popen(  # noqa: S603 - this interpreter and our own fixed command line
            [sys.executable, "-c", MAIL_SENDER, "mail", "send", "--parent", str(os.getpid())]
        )
        if mail_sender
        else None
    )
    try:
        with metrics_directory(enabled=bool(observability.metrics_token)):
            uvicorn.run(
                "portal.cli:create_served_app",
                factory=True,
                host=host,
                port=port,
                workers=workers,
                timeout_worker_healthcheck=WORKER_HEALTHCHECK_TIMEOUT,
                proxy_headers=True,
                log_level="info",
                # Every worker logs as portal/logs.py says; the app writes the access lines.
                log_config=logs.logging_config(observability.log_format),
                access_log=False,
            )
    finally:
        if sender is not None:
            sender.terminate()
            try:
                sender.wait(timeout=10)
            except subprocess.TimeoutExpired:
                sender.kill()


# How `isok serve` starts the sender: this command line's own entry point, in a child.
MAIL_SENDER = "import sys; from portal.cli import run; sys.argv[0] = 'isok'; run()"


@main.group()
def db() -> None:
    """Database schema."""


@db.command()
def upgrade() -> None:
    """Apply migrations up to the newest schema."""
    from sqlalchemy.exc import SQLAlchemyError

    from portal.migrate import upgrade as apply

    settings = _settings()
    try:
        apply(settings.database.url)
    except (SQLAlchemyError, OSError) as exc:
        raise click.ClickException(
            f"cannot migrate the database: {exc.__class__.__name__}: {exc}".splitlines()[0]
        ) from None
    click.echo("Database is up to date.")


@main.group()
def demo() -> None:
    """Demo data."""


@demo.command()
@click.option("--if-empty", is_flag=True, help="Do nothing when the database already has users.")
def seed(if_empty: bool) -> None:
    """Load demo data (idempotent) and print the demo logins."""
    import demo as demo_data

    settings = _settings()

    async def job(session: AsyncSession) -> demo_data.SeedReport | None:
        if if_empty and not await demo_data.database_is_empty(session):
            return None
        return await demo_data.seed(
            session, settings, progress=ProgressLine("Loading the demo data, step")
        )

    report = run_in_session(settings, job)
    if report is None:
        click.echo("The database already has data; demo data not loaded.")
    else:
        click.echo(
            f"Demo data: {report.organisations} organisations, {report.users} users, "
            f"{report.frameworks} frameworks, {report.readiness_profiles} readiness profiles, "
            f"{report.positions} positions, {report.candidates} candidates, "
            f"{report.decisions} decisions on suggestions, {report.placements} placements, "
            f"{report.assessments} assessments, {report.certificates} certificates, "
            f"{report.outcomes} outcomes, {report.trainings} trainings, "
            f"{report.events} dissemination events, "
            f"{report.participants} participant data records, "
            f"{report.reports} frozen reports added."
        )
    click.echo(f"Demo logins (password: {demo_data.DEMO_PASSWORD}):")
    for user in demo_data.USERS:
        click.echo(f"  {user.email:<24} {user.role.value}")
    click.echo(f"  {demo_data.CANDIDATE_EMAIL:<24} candidate (the certified demo candidate)")


@main.group()
def users() -> None:
    """User accounts."""


@users.command("create")
@click.option("--email", required=True, help="The user's e-mail address (their login).")
@click.option(
    "--role",
    required=True,
    type=click.Choice(["coordinator", "counsellor", "teacher", "employer", "tutor", "steering"]),
)
@click.option("--name", default="", help="Full name (default: the e-mail address).")
@click.option(
    "--organisation", default=None, help="Business ID of the organisation (employer, tutor)."
)
def create_user_command(email: str, role: str, name: str, organisation: str | None) -> None:
    """Create a user. The password is read from a prompt, or from stdin when piped."""
    from sqlalchemy import select

    from accounts.services import AccountError, create_user
    from employers.models import Organisation
    from kit.roles import Role

    settings = _settings()
    if sys.stdin.isatty():
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    else:
        password = sys.stdin.readline().rstrip("\n")

    async def job(session: AsyncSession) -> str:
        org = None
        if organisation:
            org = (
                await session.execute(
                    select(Organisation).where(Organisation.business_id == organisation)
                )
            ).scalar_one_or_none()
            if org is None:
                raise click.ClickException(f"no organisation with business ID {organisation}")
        try:
            user = await create_user(
                session,
                email=email,
                name=name,
                role=Role(role),
                password=password,
                organisation=org,
            )
        except AccountError as exc:
            raise click.ClickException(str(exc)) from None
        return user.email

    created = run_in_session(settings, job)
    click.echo(f"Created {role} {created}.")


@users.command("list")
@click.option("--role", default=None, help="Only this role (e.g. counsellor, steering).")
def list_users_command(role: str | None) -> None:
    """List the accounts: e-mail, role, name, organisation, active or not."""
    from sqlalchemy import select

    from accounts.models import User
    from employers.models import Organisation

    settings = _settings()

    async def job(session: AsyncSession) -> list[tuple[str, str, str, str, bool]]:
        statement = (
            select(User.email, User.role, User.name, Organisation.name, User.is_active)
            .outerjoin(Organisation, Organisation.id == User.organisation_id)
            .order_by(User.role, User.email)
        )
        if role:
            statement = statement.where(User.role == role)
        return [
            (email, str(kind), name, organisation or "", bool(active))
            for email, kind, name, organisation, active in (await session.execute(statement))
        ]

    accounts = run_in_session(settings, job)
    for email, kind, name, organisation, active in accounts:
        state = "active" if active else "deactivated"
        click.echo("\t".join((email, kind, name, organisation, state)))
    click.echo(f"{len(accounts)} account{'' if len(accounts) == 1 else 's'}.", err=True)


@users.command("deactivate")
@click.argument("email")
def deactivate_user_command(email: str) -> None:
    """Deactivate an account: its sessions end at once and it can no longer sign in."""
    _set_active(email, active=False)


@users.command("reactivate")
@click.argument("email")
def reactivate_user_command(email: str) -> None:
    """Let a deactivated account sign in again."""
    _set_active(email, active=True)


@users.command("reset")
@click.argument("email")
def reset_user_command(email: str) -> None:
    """E-mail an account a one-time link to set a new password (through the outbox).

    The current password keeps working until the link is used.
    """
    from accounts.services import get_by_email
    from accounts.staff import LINK_HOURS, AccountInactive, send_password_link

    settings = _settings()

    async def job(session: AsyncSession) -> tuple[str, str]:
        user = await get_by_email(session, email=email)
        if user is None:
            raise click.ClickException(f"no account with the e-mail address {email}")
        try:
            link = await send_password_link(session, user=user, public_url=settings.public_url)
        except AccountInactive:
            raise click.ClickException(
                f"{user.email} is deactivated: reactivate it first (isok users reactivate)"
            ) from None
        return str(user.email), link

    address, link = run_in_session(settings, job)
    mail = settings.mail
    where = (
        f"the SMTP server {mail.host}:{mail.port}"
        if mail.host
        else f"an .eml file in {mail.directory}"
    )
    click.echo(
        f"A one-time link to set a new password is in the outbox for {address}; it works once,"
        f" for {LINK_HOURS} hours. The sender (isok serve, or isok mail send) delivers it"
        f" to {where}."
    )
    if settings.env == "development":
        click.echo(f"Development aid, the link in the e-mail: {link}")


def _set_active(email: str, *, active: bool) -> None:
    from accounts.services import get_by_email, set_active

    settings = _settings()

    async def job(session: AsyncSession) -> str:
        user = await get_by_email(session, email=email)
        if user is None:
            raise click.ClickException(f"no account with the e-mail address {email}")
        await set_active(session, user=user, active=active)
        return str(user.email)

    done = run_in_session(settings, job)
    click.echo(f"{done} can sign in again." if active else f"{done} can no longer sign in.")


@main.group()
def uploads() -> None:
    """Evidence files in the portal's storage (the upload folder or the S3 bucket)."""


@uploads.command("sweep")
@click.option("--dry-run", is_flag=True, help="List what would be removed; remove nothing.")
@click.option(
    "--min-age-minutes",
    type=click.IntRange(min=1),
    default=60,
    show_default=True,
    help="Leave files younger than this (an upload may still be committing).",
)
def sweep_command(dry_run: bool, min_age_minutes: int) -> None:
    """Remove evidence files that no evidence record names (left by a crash mid-upload)."""
    import datetime

    from candidates.uploads import EvidenceStore, sweep_orphans
    from kit.storage import storage_for

    settings = _settings()
    store = EvidenceStore(storage_for(settings))

    async def job(session: AsyncSession) -> Any:
        return await sweep_orphans(
            session,
            store,
            min_age=datetime.timedelta(minutes=min_age_minutes),
            dry_run=dry_run,
        )

    report = run_in_session(settings, job)
    verb = "Would remove" if dry_run else "Removed"
    for key in report.orphans:
        click.echo(f"{verb} {key}")
    click.echo(
        f"{verb} {len(report.orphans)} file(s) no record names; kept {report.kept} in use"
        f" and {report.too_new} younger than {min_age_minutes} minutes in"
        f" {store.storage.location}."
    )


@main.group()
def frameworks() -> None:
    """Competence frameworks."""


@frameworks.command("import")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--language", default="en", show_default=True, help="Language of an ESCO CSV file.")
def import_command(file: Path, language: str) -> None:
    """Import FILE: the ISOK JSON format (.json) or an ESCO skills CSV (.csv). All or nothing."""
    from competences.importers import FrameworkFileError, read_framework_file
    from competences.services import import_framework
    from kit import audit

    settings = _settings()
    try:
        data = read_framework_file(file, language=language)
    except FrameworkFileError as exc:
        raise click.ClickException(str(exc)) from None
    progress = ProgressLine(f"Importing {data.code}")

    async def job(session: AsyncSession) -> Any:
        result = await import_framework(session, data, progress=progress)
        await audit.record(
            session,
            action="import",
            entity="framework",
            entity_id=data.code,
            details={
                "file": file.name,
                "competences": result.competences,
                "removed": result.removed,
            },
        )
        return result

    try:
        result = run_in_session(settings, job)
    except FrameworkFileError as exc:
        raise click.ClickException(f"{file}: {exc}") from None
    verb = "Imported" if result.created else "Updated"
    click.echo(
        f"{verb} framework {result.framework_code}: {result.units} units, "
        f"{result.competences} competences ({result.removed} removed)."
    )


main.add_command(match)
main.add_command(privacy)
main.add_command(mail)
main.add_command(reminders)
main.add_command(keys_group)
main.add_command(certificates_group)
main.add_command(backup)


if __name__ == "__main__":
    run()
