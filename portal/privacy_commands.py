"""`isok privacy ...`: erasing a candidate's data, and the retention period (docs/privacy.md).

``isok privacy erase ID`` erases one record (as the coordinator's button does);
``isok privacy retention --dry-run`` lists the records in which nothing has changed for
``ISOK_RETENTION_YEARS`` years (default 5), and without ``--dry-run`` erases them, each in its
own transaction, counting them on a terminal.
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession


@click.group(name="privacy")
def privacy() -> None:
    """Erase candidates' data on request or after the retention period."""


@privacy.command("erase")
@click.argument("candidate_id", type=click.IntRange(1, 2**31 - 1))
@click.option("--reason", default="the person's request", help="Why (kept in the audit trail).")
def erase_command(candidate_id: int, reason: str) -> None:
    """Erase the data of the candidate CANDIDATE_ID, keeping the counts (docs/privacy.md)."""
    from candidates.uploads import EvidenceStore
    from kit.storage import storage_for
    from portal.cli import _settings, run_in_session
    from portal.erasure import AlreadyErased, ErasureReport, erase_candidate

    settings = _settings()

    async def job(session: AsyncSession) -> ErasureReport:
        try:
            return await erase_candidate(
                session,
                candidate_id=candidate_id,
                actor_id=None,
                store=EvidenceStore(storage_for(settings)),
                reason=reason[:200],
            )
        except LookupError:
            raise click.ClickException(f"no candidate with the id {candidate_id}") from None
        except AlreadyErased:
            raise click.ClickException(f"candidate {candidate_id} was erased before") from None

    report = run_in_session(settings, job)
    click.echo(
        f"Erased candidate {candidate_id}: {sum(report.rows.values())} rows in"
        f" {len(report.rows)} tables, {report.files} files,"
        f" {report.consents_withdrawn} consents withdrawn"
        + (", the account made anonymous." if report.account else ".")
    )


@privacy.command("retention")
@click.option("--dry-run", is_flag=True, help="Only list the records; erase nothing.")
@click.option(
    "--years",
    type=click.IntRange(1, 50),
    default=None,
    help="Untouched for this many years (default: ISOK_RETENTION_YEARS, or 5).",
)
def retention_command(dry_run: bool, years: int | None) -> None:
    """List, or erase, the records in which nothing has changed for the retention period."""
    from candidates.uploads import EvidenceStore
    from kit.storage import storage_for
    from portal.cli import ProgressLine, _settings, run_in_session
    from portal.erasure import AlreadyErased, Untouched, erase_candidate, untouched_records

    settings = _settings()
    period = years or settings.privacy.retention_years
    now = datetime.datetime.now(datetime.UTC)

    async def find(session: AsyncSession) -> list[Untouched]:
        return await untouched_records(session, years=period, now=now)

    due = run_in_session(settings, find)
    for row in due:
        click.echo(
            f"candidate {row.candidate_id}\tlast change {row.last_change.date().isoformat()}"
        )
    if dry_run:
        click.echo(
            f"{len(due)} records untouched for {period} years would be erased"
            " (run without --dry-run to erase them)."
        )
        return
    progress = ProgressLine("Erasing")
    erased = 0
    for done, row in enumerate(due, start=1):

        async def erase(session: AsyncSession, candidate_id: int = row.candidate_id) -> None:
            await erase_candidate(
                session,
                candidate_id=candidate_id,
                actor_id=None,
                store=EvidenceStore(storage_for(settings)),
                reason=f"retention: untouched for {period} years",
            )

        try:
            run_in_session(settings, erase)
            erased += 1
        except (LookupError, AlreadyErased):
            pass  # erased or removed by someone else meanwhile
        progress(done, len(due))
    click.echo(f"{erased} records untouched for {period} years erased.")
