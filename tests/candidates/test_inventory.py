"""The data inventory against the models, both ways; no protected attribute anywhere."""

from __future__ import annotations

import re

from advanced_alchemy.base import orm_registry

import candidates.models  # noqa: F401 - registers the candidate tables
import portal.models  # noqa: F401 - every table of the portal (reporting's too)
from candidates.inventory import INVENTORY, TABLES, personal_columns

PROTECTED = re.compile(r"nationality|ethnic|religio|gender|\bsex\b|^sex_|_sex$|birth|(^|_)age($|_)")
# The one exception, named column by column: the ESF+ participant data the funder requires
# (reporting/models.py, ParticipantData), kept apart from the candidate record, read only by
# the coordinator, reported only as totals and never an input to matching (issue 15).
KEPT_APART = frozenset({("reporting_participant", "gender"), ("reporting_participant", "age_band")})


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
        if PROTECTED.search(column.name.lower()) and (table.name, column.name) not in KEPT_APART
    ]
    assert not found, f"columns named like a protected attribute: {found}"


def test_the_exception_names_only_columns_that_exist_and_need_it() -> None:
    tables = orm_registry.metadata.tables
    for table, column in KEPT_APART:
        assert column in tables[table].columns, (table, column)
        assert PROTECTED.search(column), (table, column)


def test_the_pattern_catches_what_it_should() -> None:
    for name in ("nationality", "ethnicity", "religion", "gender", "sex", "date_of_birth", "age"):
        assert PROTECTED.search(name), name
    for name in ("language", "stage", "page", "message", "usage_count"):
        assert not PROTECTED.search(name), name
