"""The data inventory against the models, both ways; no protected attribute anywhere."""

from __future__ import annotations

import re

from advanced_alchemy.base import orm_registry

import candidates.models  # noqa: F401 - registers the candidate tables
import portal.app  # noqa: F401 - imports every package's models
from candidates.inventory import INVENTORY, TABLES, personal_columns

PROTECTED = re.compile(r"nationality|ethnic|religio|gender|\bsex\b|^sex_|_sex$|birth|(^|_)age($|_)")


def model_columns() -> set[tuple[str, str]]:
    metadata = orm_registry.metadata
    return {(table, column.name) for table in TABLES for column in metadata.tables[table].columns}


def test_every_candidate_column_is_in_the_inventory() -> None:
    listed = {(entry.table, entry.column) for entry in INVENTORY}
    missing = sorted(model_columns() - listed)
    assert not missing, f"columns without an inventory entry: {missing}"


def test_every_inventory_entry_names_a_real_column_once() -> None:
    listed = [(entry.table, entry.column) for entry in INVENTORY]
    stale = sorted(set(listed) - model_columns())
    assert not stale, f"inventory entries for columns that do not exist: {stale}"
    assert len(listed) == len(set(listed)), "a column is listed twice"


def test_every_entry_says_why_it_is_kept() -> None:
    assert all(entry.purpose.strip() for entry in INVENTORY)
    assert "name" in personal_columns("candidate")
    assert "email" in personal_columns("candidate")


def test_no_column_anywhere_records_a_protected_attribute() -> None:
    found = [
        f"{table.name}.{column.name}"
        for table in orm_registry.metadata.tables.values()
        for column in table.columns
        if PROTECTED.search(column.name.lower())
    ]
    assert not found, f"columns named like a protected attribute: {found}"


def test_the_pattern_catches_what_it_should() -> None:
    for name in ("nationality", "ethnicity", "religion", "gender", "sex", "date_of_birth", "age"):
        assert PROTECTED.search(name), name
    for name in ("language", "stage", "page", "message", "usage_count"):
        assert not PROTECTED.search(name), name
