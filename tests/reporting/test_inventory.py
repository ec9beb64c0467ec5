"""The reporting tables' data inventory against the models, both ways."""

from __future__ import annotations

from advanced_alchemy.base import orm_registry

import portal.models  # noqa: F401 - every table of the portal
from reporting.inventory import INVENTORY, TABLES, personal_columns
from reporting.models import PARTICIPANT_INDICATORS


def model_columns() -> set[tuple[str, str]]:
    metadata = orm_registry.metadata
    return {(table, column.name) for table in TABLES for column in metadata.tables[table].columns}


def test_every_personal_reporting_column_is_in_the_inventory() -> None:
    listed = {(entry.table, entry.column) for entry in INVENTORY}
    missing = sorted(model_columns() - listed)
    assert not missing, f"columns without an inventory entry: {missing}"


def test_every_inventory_entry_names_a_real_column_once() -> None:
    listed = [(entry.table, entry.column) for entry in INVENTORY]
    stale = sorted(set(listed) - model_columns())
    assert not stale, f"inventory entries for columns that do not exist: {stale}"
    assert len(listed) == len(set(listed)), "a column is listed twice"


def test_the_reporting_tables_of_people_are_listed() -> None:
    """Every reporting table with a candidate in it is in the inventory; the others hold
    counts, not people."""
    with_candidates = {
        name
        for name, table in orm_registry.metadata.tables.items()
        if name.startswith("reporting_") and "candidate_id" in table.columns
    }
    assert with_candidates == set(TABLES)


def test_every_participant_indicator_is_personal_and_says_why() -> None:
    assert all(entry.purpose.strip() for entry in INVENTORY)
    assert set(PARTICIPANT_INDICATORS) <= set(personal_columns("reporting_participant"))
    special = {entry.column for entry in INVENTORY if "special category" in entry.purpose}
    assert special == {"disability", "minority"}
    assert "employer_name" in personal_columns("reporting_outcome")
