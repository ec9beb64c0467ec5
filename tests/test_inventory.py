"""The whole data inventory against the models: every column of every table exactly once, and
each personal column says whose it is."""

from __future__ import annotations

from collections import Counter

from advanced_alchemy.base import orm_registry

import portal.models  # noqa: F401 - registers every table of the portal
from kit.inventory import NOBODY, SUBJECTS
from portal.inventory import ALL_INVENTORIES, all_entries, personal_columns


def model_columns() -> set[tuple[str, str]]:
    return {
        (table.name, column.name)
        for table in orm_registry.metadata.tables.values()
        for column in table.columns
    }


def test_every_column_of_every_table_is_in_the_inventory() -> None:
    listed = {(entry.table, entry.column) for entry in all_entries()}
    missing = sorted(model_columns() - listed)
    assert not missing, f"columns without an inventory entry: {missing}"


def test_every_entry_names_a_real_column() -> None:
    listed = {(entry.table, entry.column) for entry in all_entries()}
    stale = sorted(listed - model_columns())
    assert not stale, f"inventory entries for columns that do not exist: {stale}"


def test_no_column_is_listed_twice() -> None:
    counts = Counter((entry.table, entry.column) for entry in all_entries())
    twice = sorted(column for column, count in counts.items() if count > 1)
    assert not twice, f"columns listed more than once: {twice}"


def test_each_table_is_in_one_inventory_only() -> None:
    owners = Counter(
        table for inventory in ALL_INVENTORIES for table in {entry.table for entry in inventory}
    )
    shared = sorted(table for table, count in owners.items() if count > 1)
    assert not shared, f"tables split between inventories: {shared}"


def test_every_personal_entry_says_whose_and_no_other_does() -> None:
    wrong = [
        f"{entry.table}.{entry.column}: personal={entry.personal}, subject={entry.subject!r}"
        for entry in all_entries()
        if (entry.subject not in SUBJECTS if entry.personal else entry.subject != NOBODY)
    ]
    assert not wrong, "\n".join(wrong)


def test_every_entry_says_why_it_is_kept() -> None:
    unexplained = [f"{e.table}.{e.column}" for e in all_entries() if not e.purpose.strip()]
    assert not unexplained, unexplained


def test_personal_columns_reads_the_whole_inventory() -> None:
    assert "name" in personal_columns("candidate")
    assert "email" in personal_columns("user_account", "user")
    assert personal_columns("user_account", "candidate") == []
    assert "answers" in personal_columns("readiness_profile", "organisation")
    assert "figures" in personal_columns("reporting_report", "candidate")
    assert personal_columns("competence") == []
    assert "counsellor_id" in personal_columns("candidate", "user")
    assert "counsellor_id" not in personal_columns("candidate", "candidate")
