"""The data inventory of the candidate tables: every column, personal data or not, and why.

One entry per column of every table in :data:`TABLES`; ``tests/candidates/test_inventory.py``
checks this list against the models both ways, so a new column cannot be added without
saying here whether it is personal data and on what basis it is kept.

Legal bases (GDPR art. 6): the programme's public task of guidance and validation (6(1)(e)),
and the person's consent for sharing (6(1)(a)). No special categories (art. 9) are recorded
here: no candidate table has a column for nationality, ethnicity, religion, gender or date of
birth. The ESF+ participant data the funder asks for is kept apart in ``reporting/``, with an
inventory of its own (``reporting/inventory.py``), as are the outcomes.
"""

from __future__ import annotations

from dataclasses import dataclass

TABLES: tuple[str, ...] = (
    "candidate",
    "candidate_language",
    "candidate_access",
    "guidance_note",
    "consent_record",
    "claim",
    "evidence_item",
    "interview",
    "verified_competence",
)

TASK = "public task: guidance and validation"
RECORD = "record keeping (technical)"
CONSENT = "accountability for consent"
AUDIT = "audit trail (technical)"


@dataclass(frozen=True)
class InventoryEntry:
    """One column: whether it holds personal data, and its purpose and legal basis."""

    table: str
    column: str
    personal: bool
    purpose: str


def _technical(table: str) -> list[InventoryEntry]:
    return [
        InventoryEntry(table, "id", False, RECORD),
        InventoryEntry(table, "created_at", False, AUDIT),
        InventoryEntry(table, "updated_at", False, AUDIT),
    ]


def _entries(table: str, *columns: tuple[str, bool, str]) -> list[InventoryEntry]:
    return _technical(table) + [InventoryEntry(table, *column) for column in columns]


INVENTORY: tuple[InventoryEntry, ...] = tuple(
    _entries(
        "candidate",
        ("name", True, f"{TASK}: identify the client (never an input to matching)"),
        ("email", True, f"{TASK}: contact the client"),
        ("phone", True, f"{TASK}: contact the client"),
        ("municipality", True, f"{TASK}: guidance near home"),
        ("regions", True, f"{TASK}: match to positions where the client can work"),
        ("available_from", True, f"{TASK}: plan placements"),
        ("availability_note", True, f"{TASK}: plan placements"),
        ("client_type", True, f"{TASK}: ESF reporting of long- and short-term clients"),
        ("client_since", True, f"{TASK}: ESF reporting"),
        ("counsellor_id", True, f"{TASK}: who guides the client (access control)"),
        ("stage", True, f"{TASK}: the client's progress on the pathway"),
    )
    + _entries(
        "candidate_language",
        ("candidate_id", True, f"{TASK}: links the row to the client"),
        ("language", True, f"{TASK}: match language requirements"),
        ("level", True, f"{TASK}: match language requirements"),
        ("assessment", True, f"{TASK}: how reliable the level is"),
    )
    + _entries(
        "candidate_access",
        ("candidate_id", True, f"{TASK}: access control"),
        ("user_id", False, f"{TASK}: which counsellor was given access"),
    )
    + _entries(
        "guidance_note",
        ("candidate_id", True, f"{TASK}: links the note to the client"),
        ("author_id", False, f"{TASK}: who wrote the note"),
        ("noted_on", True, f"{TASK}: when the guidance took place"),
        ("text", True, f"{TASK}: what was agreed in guidance"),
    )
    + _entries(
        "consent_record",
        ("candidate_id", True, f"{CONSENT}: whose consent"),
        ("purpose", True, f"{CONSENT}: what was consented to"),
        ("organisation_id", True, f"{CONSENT}: with whom sharing was consented"),
        ("given", True, f"{CONSENT}: given or withdrawn"),
        ("text_shown", False, f"{CONSENT}: the exact text shown to the person"),
        ("language", True, f"{CONSENT}: the language the text was shown in"),
        ("recorded_by_id", False, f"{CONSENT}: who recorded it"),
    )
    + _entries(
        "claim",
        ("candidate_id", True, f"{TASK}: links the claim to the client"),
        ("competence_id", True, f"{TASK}: the claimed competence"),
        ("free_text", True, f"{TASK}: the claim in the client's words"),
        ("self_level", True, f"{TASK}: self-assessed level"),
        ("acquired_how", True, f"{TASK}: how the competence was acquired"),
        ("acquired_where", True, f"{TASK}: where the competence was acquired"),
        ("months", True, f"{TASK}: how long the competence was practised"),
    )
    + _entries(
        "evidence_item",
        ("candidate_id", True, f"{TASK}: links the evidence to the client"),
        ("claim_id", True, f"{TASK}: the claim it backs"),
        ("title", True, f"{TASK}: evidence of competence"),
        ("description", True, f"{TASK}: evidence of competence"),
        ("stored_name", False, f"{RECORD}: random file name"),
        ("original_name", True, f"{TASK}: the document as the client named it"),
        ("content_type", False, f"{RECORD}: what the file really is"),
        ("size_bytes", False, f"{RECORD}: file size"),
        ("sha256", False, f"{RECORD}: file integrity"),
    )
    + _entries(
        "interview",
        ("candidate_id", True, f"{TASK}: links the interview to the client"),
        ("teacher_id", False, f"{TASK}: who interviews (access control)"),
        ("scheduled_at", True, f"{TASK}: when the client is interviewed"),
        ("place", True, f"{TASK}: where the client is interviewed"),
        ("status", True, f"{TASK}: whether the interview took place"),
        ("interpreter_used", True, f"{TASK}: reliability of the verification"),
        ("interpreter_language", True, f"{TASK}: reliability of the verification"),
        ("notes", True, f"{TASK}: the teacher's observations"),
        ("completed_at", True, f"{TASK}: when the verification was made"),
    )
    + _entries(
        "verified_competence",
        ("interview_id", True, f"{TASK}: links the result to the client's interview"),
        ("competence_id", True, f"{TASK}: the verified competence"),
        ("claim_id", True, f"{TASK}: the claim it verifies"),
        ("verified_level", True, f"{TASK}: the verified level"),
        ("not_demonstrated", True, f"{TASK}: the competence was not shown"),
        ("note", True, f"{TASK}: the teacher's reason"),
    )
)


def personal_columns(table: str) -> list[str]:
    """Columns of ``table`` that hold personal data (for exports and erasure)."""
    return [entry.column for entry in INVENTORY if entry.table == table and entry.personal]
