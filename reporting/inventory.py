"""The data inventory of the reporting tables that hold personal data: every column, and why.

The same form as ``candidates/inventory.py`` (which stays below this package and does not name
its tables); ``tests/reporting/test_inventory.py`` checks this list against the models both
ways. The trainings and the dissemination events hold counts, not people. A frozen report
holds counts and, to re-explain each figure later, the ids of the records it counted (candidate,
placement, certificate and outcome numbers: pseudonymous, shown to the coordinator only, never
to the steering committee and in no export); it names nobody.

Legal bases (GDPR art. 6): the programme's public task of guidance and validation, whose
results it reports to its funder (6(1)(e)); and, for the ESF+ participant data, the
funder's reporting obligation (6(1)(c); Regulation (EU) 2021/1057, Annex I), recorded row by
row in ``legal_basis``. That table holds two special categories (GDPR art. 9): disability
(health) and belonging to a minority. Every indicator may be left undisclosed, only the
coordinator reads it, and it leaves the portal only as totals with small counts suppressed.
"""

from __future__ import annotations

from candidates.inventory import AUDIT, RECORD, TASK, InventoryEntry

TABLES: tuple[str, ...] = ("reporting_outcome", "reporting_participant")

RESULTS = f"{TASK}: the programme's results, reported to the funder"
ESF = "legal obligation: ESF+ common indicators (Regulation (EU) 2021/1057, Annex I), as totals"
SPECIAL = f"{ESF}; special category (GDPR art. 9)"


def _entries(table: str, *columns: tuple[str, bool, str]) -> list[InventoryEntry]:
    technical = [
        InventoryEntry(table, "id", False, RECORD),
        InventoryEntry(table, "created_at", False, AUDIT),
        InventoryEntry(table, "updated_at", False, AUDIT),
    ]
    return technical + [InventoryEntry(table, *column) for column in columns]


INVENTORY: tuple[InventoryEntry, ...] = tuple(
    _entries(
        "reporting_outcome",
        ("candidate_id", True, f"{RESULTS}: links the outcome to the client"),
        ("kind", True, f"{RESULTS}: what followed (work, education, shortened studies)"),
        ("employer_name", True, f"{RESULTS}: where the client was employed"),
        ("organisation_id", True, f"{RESULTS}: the partner that employed the client"),
        ("starts_on", True, f"{RESULTS}: when the outcome began (counted per period)"),
        ("ends_on", True, f"{RESULTS}: short- or long-term employment"),
        ("units_recognised", True, f"{RESULTS}: which units shortened the client's studies"),
        ("source", True, f"{RESULTS}: how reliable the information is"),
        ("source_note", True, f"{RESULTS}: how reliable the information is"),
        ("note", True, f"{TASK}: the counsellor's follow-up"),
        ("recorded_by_id", False, f"{TASK}: who recorded the outcome"),
    )
    + _entries(
        "reporting_participant",
        ("candidate_id", True, f"{ESF}: one row per participant"),
        ("labour_market_status", True, f"{ESF}: labour-market status at entry"),
        ("age_band", True, f"{ESF}: age band at entry"),
        ("isced_level", True, f"{ESF}: education level at entry"),
        ("gender", True, f"{ESF}: participants by gender"),
        ("disability", True, f"{SPECIAL}: participants with disabilities"),
        ("third_country_national", True, f"{ESF}: third-country nationals"),
        ("foreign_background", True, f"{ESF}: participants with a foreign background"),
        ("minority", True, f"{SPECIAL}: minorities"),
        ("homeless", True, f"{ESF}: homeless or affected by housing exclusion"),
        ("legal_basis", False, f"{ESF}: on what basis the row is kept (accountability)"),
        ("recorded_on", True, f"{ESF}: when the participant gave the data"),
        ("recorded_by_id", False, f"{ESF}: who recorded the data"),
    )
)


def personal_columns(table: str) -> list[str]:
    """Columns of ``table`` that hold personal data (for the person's own copy and erasure)."""
    return [entry.column for entry in INVENTORY if entry.table == table and entry.personal]
