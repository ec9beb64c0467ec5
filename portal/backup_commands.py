"""`isok backup create DIR` and `isok backup restore DIR` (portal/backup.py,
docs/storage-and-backups.md): the database, the stored files, the signing keys and the
development secret, with a manifest of checksums; progress on a terminal."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from kit.i18n import gettext

if TYPE_CHECKING:
    from portal.backup import Progress, Sources


def _sources() -> Sources:
    """The portal's settings and where its secret file is (when the secret comes from one)."""
    from kit.settings import SettingsError, data_dir, pg_bin
    from portal.backup import Sources
    from portal.cli import _settings

    settings = _settings()
    env = dict(os.environ)
    try:
        folder = pg_bin(env)
        secret_file = None if env.get("ISOK_SECRET_KEY") else data_dir(env) / "secret_key"
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from None
    return Sources(settings=settings, secret_file=secret_file, pg_bin=folder)


def _progress() -> Progress:
    """``stage: done/total`` on one terminal line, only when stderr is a terminal."""
    active = sys.stderr.isatty()
    shown: dict[str, int] = {}

    def show(stage: str, done: int, total: int) -> None:
        if not active or (shown.get(stage) == done and done < total):
            return
        shown[stage] = done
        click.echo(f"\r{stage}: {done}/{total}", err=True, nl=done >= total)

    return show


@click.group(name="backup")
def backup() -> None:
    """Back up and restore the database, the stored files and the keys."""


@backup.command("create")
@click.argument("folder", type=click.Path(path_type=Path, file_okay=False))
def create_command(folder: Path) -> None:
    """Write a backup into FOLDER (a new or empty folder)."""
    from portal.backup import BackupProblem, create_backup

    sources = _sources()
    try:
        manifest = asyncio.run(create_backup(folder, sources, progress=_progress()))
    except (BackupProblem, OSError) as exc:
        raise click.ClickException(str(exc)) from None
    files = len(manifest.of_role("file"))
    click.echo(
        gettext(
            "Backed up the %(kind)s database (migration %(revision)s), %(files)d file(s) and"
            " %(keys)d key file(s) into %(folder)s."
        )
        % {
            "kind": manifest.database,
            "revision": manifest.revision or "-",
            "files": files,
            "keys": len(manifest.entries) - files - 1,
            "folder": folder,
        }
    )


@backup.command("restore")
@click.argument(
    "folder", type=click.Path(path_type=Path, file_okay=False, exists=True, readable=True)
)
@click.option("--force", is_flag=True, help="Replace a database that already holds data.")
def restore_command(folder: Path, force: bool) -> None:
    """Restore the backup in FOLDER, after checking every file against its manifest."""
    from portal.backup import BackupProblem, restore_backup
    from portal.migrate import code_revisions

    sources = _sources()
    try:
        manifest = asyncio.run(restore_backup(folder, sources, force=force, progress=_progress()))
    except (BackupProblem, OSError) as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(
        gettext(
            "Restored the %(kind)s database (migration %(revision)s) and %(files)d file(s)"
            " from the backup of %(when)s."
        )
        % {
            "kind": manifest.database,
            "revision": manifest.revision or "-",
            "files": len(manifest.of_role("file")),
            "when": manifest.finished_at,
        }
    )
    if manifest.revision != code_revisions().head:
        click.echo(gettext("The backup is from an older version: now run isok db upgrade."))
