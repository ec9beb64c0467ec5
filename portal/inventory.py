"""The whole data inventory: every column of every table, personal data or not, whose and why.

Each package that owns tables keeps their inventory beside its models (the form is in
``kit/inventory.py``); this composition root gathers them in one list, :data:`ALL_INVENTORIES`,
for the GDPR work built on it (a person's copy of their data, erasure, the record of
processing). ``tests/test_inventory.py`` checks that together they list every column of every
table once, and that each personal column says whose it is.
"""

from __future__ import annotations

import accounts.inventory
import assessments.inventory
import candidates.inventory
import certificates.inventory
import competences.inventory
import employers.inventory
import kit.inventory
import placements.inventory
import reporting.inventory
from kit.inventory import InventoryEntry, personal_in

#: One inventory per package, in the order of the floor plan (reporting has two: the tables
#: of people and those of the programme's own work).
ALL_INVENTORIES: tuple[tuple[InventoryEntry, ...], ...] = (
    kit.inventory.INVENTORY,
    competences.inventory.INVENTORY,
    employers.inventory.INVENTORY,
    accounts.inventory.INVENTORY,
    candidates.inventory.INVENTORY,
    placements.inventory.INVENTORY,
    assessments.inventory.INVENTORY,
    certificates.inventory.INVENTORY,
    reporting.inventory.INVENTORY,
    reporting.inventory.PROGRAMME_INVENTORY,
)


def all_entries() -> tuple[InventoryEntry, ...]:
    """Every entry of every inventory, in the order of :data:`ALL_INVENTORIES`."""
    return tuple(entry for inventory in ALL_INVENTORIES for entry in inventory)


def personal_columns(table: str, subject: str | None = None) -> list[str]:
    """Columns of ``table`` that hold personal data (about ``subject`` only, when given: one
    of ``kit.inventory.SUBJECTS``), for exports and erasure."""
    return personal_in(all_entries(), table, subject)
