"""Apply Alembic migrations: the only way the schema is made."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from alembic.config import Config

# Alembic is imported by the functions that use it: the app names this folder (for Advanced
# Alchemy's `litestar database` commands) without loading Alembic in every worker.
MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def alembic_config(database_url: str) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def upgrade(database_url: str, revision: str = "head") -> None:
    """Bring the database at ``database_url`` up to ``revision``.

    Alembic runs its own event loop, so this must not be called from inside one.
    """
    from alembic import command

    command.upgrade(alembic_config(database_url), revision)


@dataclass(frozen=True)
class CodeRevisions:
    """The migrations this code carries: the head(s) a database should be at, and all."""

    head: str  # several heads joined with "," (never expected: the history is linear)
    known: frozenset[str]


@functools.lru_cache(maxsize=1)
def code_revisions() -> CodeRevisions:
    """Read once per process (Alembic loads every migration script to find the head)."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    scripts = ScriptDirectory.from_config(config)
    return CodeRevisions(
        head=",".join(sorted(scripts.get_heads())),
        known=frozenset(script.revision for script in scripts.walk_revisions()),
    )


def migration_state(database_revision: str | None, code: CodeRevisions) -> str:
    """``ok`` (the database is at the code's head), ``behind`` (``isok db upgrade`` will bring
    it there), ``ahead`` (a revision this code does not know: newer code migrated it) or
    ``none`` (never migrated)."""
    if database_revision is None:
        return "none"
    if database_revision == code.head:
        return "ok"
    if all(revision in code.known for revision in database_revision.split(",")):
        return "behind"
    return "ahead"
