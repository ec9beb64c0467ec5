"""The data inventory of the competence tables: every column, personal data or not, and why.

The same form as ``candidates/inventory.py`` (``kit/inventory.py``); ``tests/test_inventory.py``
checks the whole inventory against the models both ways.

The frameworks (qualifications, units, competences and assessment criteria, imported from
JSON or ESCO) are reference data about competences, not about people: no column holds
personal data. Which competence a candidate claims, was verified in or was graded on is kept
by the candidate, assessment and certificate tables, whose inventories list it. Legal basis of
the use: the programme's public task of guidance and validation (6(1)(e)), for which the
frameworks are the common vocabulary.
"""

from __future__ import annotations

from kit.inventory import NOBODY, InventoryEntry, entries, personal_in

TABLES: tuple[str, ...] = ("framework", "competence_unit", "competence", "assessment_criterion")

FRAMEWORK = "reference data: the competence frameworks"
SEARCH = f"{FRAMEWORK}: finding competences by their words"

INVENTORY: tuple[InventoryEntry, ...] = tuple(
    entries(
        "framework",
        ("code", False, NOBODY, f"{FRAMEWORK}: the framework's stable code"),
        ("kind", False, NOBODY, f"{FRAMEWORK}: a qualification or a skills vocabulary (ESCO)"),
        ("labels", False, NOBODY, f"{FRAMEWORK}: JSON of its name by language"),
        ("field_labels", False, NOBODY, f"{FRAMEWORK}: JSON of its field's name by language"),
        ("source", False, NOBODY, f"{FRAMEWORK}: where it was imported from"),
        ("attribution", False, NOBODY, f"{FRAMEWORK}: the licence's attribution text"),
    )
    + entries(
        "competence_unit",
        ("framework_id", False, NOBODY, f"{FRAMEWORK}: the framework it belongs to"),
        ("code", False, NOBODY, f"{FRAMEWORK}: the unit's stable code"),
        ("labels", False, NOBODY, f"{FRAMEWORK}: JSON of its name by language"),
        ("position", False, NOBODY, f"{FRAMEWORK}: its order in the framework"),
    )
    + entries(
        "competence",
        ("unit_id", False, NOBODY, f"{FRAMEWORK}: the unit it belongs to"),
        ("code", False, NOBODY, f"{FRAMEWORK}: the competence's stable code"),
        ("labels", False, NOBODY, f"{FRAMEWORK}: JSON of its name by language"),
        ("alt_labels", False, NOBODY, f"{SEARCH}: JSON of other names by language"),
        ("description", False, NOBODY, f"{FRAMEWORK}: JSON of its description by language"),
        ("position", False, NOBODY, f"{FRAMEWORK}: its order in the unit"),
        ("search_text", False, NOBODY, f"{SEARCH}: its code and names, lower-cased"),
    )
    + entries(
        "assessment_criterion",
        ("competence_id", False, NOBODY, f"{FRAMEWORK}: the competence it describes"),
        ("grade", False, NOBODY, f"{FRAMEWORK}: the grade it describes (1, 3 or 5)"),
        ("labels", False, NOBODY, f"{FRAMEWORK}: JSON of what the grade looks like, by language"),
    )
)


def personal_columns(table: str, subject: str | None = None) -> list[str]:
    """Columns of ``table`` that hold personal data (none: kept for the common form)."""
    return personal_in(INVENTORY, table, subject)
