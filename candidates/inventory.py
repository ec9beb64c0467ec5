"""The data inventory of the candidate tables: every column, personal data or not, whose and why.

One entry per column of every table in :data:`TABLES`, in the form of ``kit/inventory.py``;
``tests/candidates/test_inventory.py`` checks this list against the models both ways, so a new
column cannot be added without saying here whether it is personal data and on what basis it
is kept. The tables include the matching change log (``matching_counter``,
``matching_change``: which client's matching data changed at which version), whose models
live here.

Legal bases (GDPR art. 6): the programme's public task of guidance and validation (6(1)(e)),
and the person's consent for sharing (6(1)(a)). No special categories (art. 9) are recorded
here: no candidate table has a column for nationality, ethnicity, religion, gender or date of
birth. The ESF+ participant data the funder asks for is kept apart in ``reporting/``, with an
inventory of its own (``reporting/inventory.py``), as are the outcomes. The ids of the staff
who guide, interview or record (users) are personal data about them, kept for the same task.
"""

from __future__ import annotations

from kit.inventory import (
    AUDIT,
    CANDIDATE,
    CONSENT,
    NOBODY,
    RECORD,
    TASK,
    USER,
    InventoryEntry,
    columns_of,
    entries,
    personal_in,
)

__all__ = [
    "AUDIT",
    "CONSENT",
    "INVENTORY",
    "RECORD",
    "TABLES",
    "TASK",
    "InventoryEntry",
    "personal_columns",
]

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
    "matching_counter",
    "matching_change",
    "record_opening",
    "correction_request",
)

OPENINGS = (
    "accountability: who opened the client's record and when, shown to the coordinator and"
    " in the client's copy of their data"
)
RIGHTS = f"{TASK}: the client's right to have their record corrected (GDPR art. 16)"
MATCHING = f"{RECORD}: the change log that keeps the live matching index up to date"

INVENTORY: tuple[InventoryEntry, ...] = tuple(
    entries(
        "candidate",
        ("name", True, CANDIDATE, f"{TASK}: identify the client (never an input to matching)"),
        ("email", True, CANDIDATE, f"{TASK}: contact the client"),
        ("phone", True, CANDIDATE, f"{TASK}: contact the client"),
        ("municipality", True, CANDIDATE, f"{TASK}: guidance near home"),
        ("regions", True, CANDIDATE, f"{TASK}: match to positions where the client can work"),
        ("available_from", True, CANDIDATE, f"{TASK}: plan placements"),
        ("availability_note", True, CANDIDATE, f"{TASK}: plan placements"),
        ("client_type", True, CANDIDATE, f"{TASK}: ESF reporting of long- and short-term clients"),
        ("client_since", True, CANDIDATE, f"{TASK}: ESF reporting"),
        ("counsellor_id", True, USER, f"{TASK}: who guides the client (access control)"),
        ("stage", True, CANDIDATE, f"{TASK}: the client's progress on the pathway"),
        ("user_id", True, CANDIDATE, f"{TASK}: the client's own account, to see their record"),
        ("erased_at", False, NOBODY, f"{RECORD}: when the record was made anonymous"),
    )
    + entries(
        "candidate_language",
        ("candidate_id", True, CANDIDATE, f"{TASK}: links the row to the client"),
        ("language", True, CANDIDATE, f"{TASK}: match language requirements"),
        ("level", True, CANDIDATE, f"{TASK}: match language requirements"),
        ("assessment", True, CANDIDATE, f"{TASK}: how reliable the level is"),
    )
    + entries(
        "candidate_access",
        ("candidate_id", True, CANDIDATE, f"{TASK}: access control"),
        ("user_id", True, USER, f"{TASK}: which counsellor was given access"),
    )
    + entries(
        "guidance_note",
        ("candidate_id", True, CANDIDATE, f"{TASK}: links the note to the client"),
        ("author_id", True, USER, f"{TASK}: who wrote the note"),
        ("noted_on", True, CANDIDATE, f"{TASK}: when the guidance took place"),
        ("text", True, CANDIDATE, f"{TASK}: what was agreed in guidance"),
        ("shared", True, CANDIDATE, f"{TASK}: whether the client sees the note on their pages"),
    )
    + entries(
        "consent_record",
        ("candidate_id", True, CANDIDATE, f"{CONSENT}: whose consent"),
        ("purpose", True, CANDIDATE, f"{CONSENT}: what was consented to"),
        ("organisation_id", True, CANDIDATE, f"{CONSENT}: with whom sharing was consented"),
        ("given", True, CANDIDATE, f"{CONSENT}: given or withdrawn"),
        ("text_shown", False, NOBODY, f"{CONSENT}: the exact text shown to the person"),
        ("language", True, CANDIDATE, f"{CONSENT}: the language the text was shown in"),
        ("recorded_by_id", True, USER, f"{CONSENT}: who recorded it"),
    )
    + entries(
        "claim",
        ("candidate_id", True, CANDIDATE, f"{TASK}: links the claim to the client"),
        ("competence_id", True, CANDIDATE, f"{TASK}: the claimed competence"),
        ("free_text", True, CANDIDATE, f"{TASK}: the claim in the client's words"),
        ("self_level", True, CANDIDATE, f"{TASK}: self-assessed level"),
        ("acquired_how", True, CANDIDATE, f"{TASK}: how the competence was acquired"),
        ("acquired_where", True, CANDIDATE, f"{TASK}: where the competence was acquired"),
        ("months", True, CANDIDATE, f"{TASK}: how long the competence was practised"),
        ("draft", True, CANDIDATE, f"{TASK}: added by the client, waiting for the counsellor"),
    )
    + entries(
        "evidence_item",
        ("candidate_id", True, CANDIDATE, f"{TASK}: links the evidence to the client"),
        ("claim_id", True, CANDIDATE, f"{TASK}: the claim it backs"),
        ("title", True, CANDIDATE, f"{TASK}: evidence of competence"),
        ("description", True, CANDIDATE, f"{TASK}: evidence of competence"),
        ("stored_name", False, NOBODY, f"{RECORD}: random file name"),
        ("original_name", True, CANDIDATE, f"{TASK}: the document as the client named it"),
        ("content_type", False, NOBODY, f"{RECORD}: what the file really is"),
        ("size_bytes", False, NOBODY, f"{RECORD}: file size"),
        ("sha256", False, NOBODY, f"{RECORD}: file integrity"),
        ("draft", True, CANDIDATE, f"{TASK}: added by the client, waiting for the counsellor"),
    )
    + entries(
        "interview",
        ("candidate_id", True, CANDIDATE, f"{TASK}: links the interview to the client"),
        ("teacher_id", True, USER, f"{TASK}: who interviews (access control)"),
        ("scheduled_at", True, CANDIDATE, f"{TASK}: when the client is interviewed"),
        ("place", True, CANDIDATE, f"{TASK}: where the client is interviewed"),
        ("status", True, CANDIDATE, f"{TASK}: whether the interview took place"),
        ("interpreter_used", True, CANDIDATE, f"{TASK}: reliability of the verification"),
        ("interpreter_language", True, CANDIDATE, f"{TASK}: reliability of the verification"),
        ("notes", True, CANDIDATE, f"{TASK}: the teacher's observations"),
        ("completed_at", True, CANDIDATE, f"{TASK}: when the verification was made"),
    )
    + entries(
        "verified_competence",
        ("interview_id", True, CANDIDATE, f"{TASK}: links the result to the client's interview"),
        ("competence_id", True, CANDIDATE, f"{TASK}: the verified competence"),
        ("claim_id", True, CANDIDATE, f"{TASK}: the claim it verifies"),
        ("verified_level", True, CANDIDATE, f"{TASK}: the verified level"),
        ("not_demonstrated", True, CANDIDATE, f"{TASK}: the competence was not shown"),
        ("note", True, CANDIDATE, f"{TASK}: the teacher's reason"),
    )
    + columns_of(
        "matching_counter",
        ("id", False, NOBODY, f"{RECORD}: the one row (id 1)"),
        ("version", False, NOBODY, f"{MATCHING}: the newest version of the matching data"),
        (
            "transaction_id",
            False,
            NOBODY,
            f"{MATCHING}: the database transaction that raised the version last (PostgreSQL)",
        ),
    )
    + columns_of(
        "matching_change",
        ("id", False, NOBODY, RECORD),
        (
            "candidate_id",
            True,
            CANDIDATE,
            f"{MATCHING}: whose matching data changed (a client's id without a foreign key,"
            " so the row outlives the client, whose deletion it announces; 0 stands for"
            " everyone)",
        ),
        (
            "version",
            False,
            NOBODY,
            f"{MATCHING}: the version at which it last changed (a counter, not a time)",
        ),
    )
    # The moment of opening is the fact recorded, so not bookkeeping.
    + columns_of(
        "record_opening",
        ("id", False, NOBODY, RECORD),
        ("created_at", True, CANDIDATE, f"{OPENINGS}: when the record was opened"),
        ("updated_at", False, NOBODY, RECORD),
        ("candidate_id", True, CANDIDATE, f"{OPENINGS}: whose record"),
        ("user_id", True, USER, f"{OPENINGS}: who opened it"),
        ("user_name", True, USER, f"{OPENINGS}: who opened it, by name"),
        ("role", True, USER, f"{OPENINGS}: in which role they opened it"),
        ("via", False, NOBODY, f"{OPENINGS}: the page or the API"),
    )
    + entries(
        "correction_request",
        ("candidate_id", True, CANDIDATE, f"{RIGHTS}: whose record"),
        ("requested_by_id", True, USER, f"{RIGHTS}: who asked (the client's own account)"),
        ("text", True, CANDIDATE, f"{RIGHTS}: what the client says is wrong"),
        ("status", True, CANDIDATE, f"{RIGHTS}: open, corrected or declined"),
        ("answer", True, CANDIDATE, f"{RIGHTS}: the answer to the client"),
        ("answered_by_id", True, USER, f"{RIGHTS}: who answered"),
        ("answered_at", True, CANDIDATE, f"{RIGHTS}: when it was answered"),
    )
)


def personal_columns(table: str, subject: str | None = None) -> list[str]:
    """Columns of ``table`` that hold personal data (about ``subject`` only, when given), for
    exports and erasure."""
    return personal_in(INVENTORY, table, subject)
