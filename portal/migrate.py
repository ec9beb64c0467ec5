"""Apply Alembic migrations: the only way the schema is made."""

from __future__ import annotations

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
