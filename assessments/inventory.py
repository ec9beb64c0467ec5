"""The data inventory of the assessment tables: every column, personal data or not, whose and why.

The same form as ``candidates/inventory.py`` (``kit/inventory.py``); ``tests/test_inventory.py``
checks the whole inventory against the models both ways.

Everything here is the assessment of one candidate's placement by the triad (the workplace
tutor, the teacher and the counsellor): the plan of learning outcomes, each assessor's ratings
with notes and work tasks, and the teacher's signed consensus with its rationales. The grades,
notes, reasons and the ids that link a row to the placement are personal data about the
candidate; the assessors' ids and names (a rating sheet's assessor, the decision's signer and
participants, whoever changed the plan or issued a tutor link) are personal data about them
(users). A tutor link is stored as the hash of its random token.

Legal bases (GDPR art. 6): the programme's public task of validating competences, of which
the assessment is the step that leads to a certificate (6(1)(e)); for the workplace tutor, an
employer's person, the partnership agreement with their organisation. Corrections are new
versions with a reason, never edits, for accountability.
"""

from __future__ import annotations

from kit.inventory import (
    CANDIDATE,
    NOBODY,
    RECORD,
    SECURITY,
    USER,
    InventoryEntry,
    entries,
    personal_in,
)

TABLES: tuple[str, ...] = (
    "assessment_outcome",
    "rating_sheet",
    "rating",
    "tutor_link",
    "assessment_decision",
    "decision_outcome",
)

ASSESSMENT = "public task: assessment of the client's competences in the placement"

INVENTORY: tuple[InventoryEntry, ...] = tuple(
    entries(
        "assessment_outcome",
        ("placement_id", True, CANDIDATE, f"{ASSESSMENT}: the client's placement assessed"),
        ("competence_id", True, CANDIDATE, f"{ASSESSMENT}: a learning outcome to assess"),
        ("position", False, NOBODY, f"{RECORD}: its order in the plan"),
        (
            "added_reason",
            True,
            CANDIDATE,
            f"{ASSESSMENT}: why it was added after the first rating was submitted",
        ),
        ("removed_at", True, CANDIDATE, f"{ASSESSMENT}: when it was taken out of the plan"),
        ("removed_reason", True, CANDIDATE, f"{ASSESSMENT}: why it was taken out"),
        ("changed_by_id", True, USER, f"{ASSESSMENT}: who changed the plan"),
    )
    + entries(
        "rating_sheet",
        ("placement_id", True, CANDIDATE, f"{ASSESSMENT}: the client's placement rated"),
        (
            "assessor_role",
            False,
            NOBODY,
            f"{RECORD}: which seat of the triad the sheet is for (tutor, teacher, counsellor)",
        ),
        (
            "version",
            False,
            NOBODY,
            f"{RECORD}: which version of the assessor's sheet (a correction is a new one)",
        ),
        ("assessor_id", True, USER, f"{ASSESSMENT}: who rated (a signed-in user)"),
        (
            "assessor_name",
            True,
            USER,
            f"{ASSESSMENT}: who rated, as named then (also a tutor through a link)",
        ),
        ("submitted_at", True, CANDIDATE, f"{ASSESSMENT}: when the rating was submitted"),
        (
            "reference",
            False,
            NOBODY,
            f"{RECORD}: the receipt's reference given to the assessor (role letter, version"
            " and a random part)",
        ),
        (
            "correction_reason",
            True,
            CANDIDATE,
            f"{ASSESSMENT}: why a submitted rating of the client was corrected",
        ),
    )
    + entries(
        "rating",
        ("sheet_id", True, CANDIDATE, f"{ASSESSMENT}: the sheet rating the client"),
        ("competence_id", True, CANDIDATE, f"{ASSESSMENT}: the learning outcome rated"),
        ("grade", True, CANDIDATE, f"{ASSESSMENT}: the assessor's grade 1-5"),
        ("not_demonstrated", True, CANDIDATE, f"{ASSESSMENT}: the outcome was not shown"),
        ("note", True, CANDIDATE, f"{ASSESSMENT}: the assessor's note on the client's work"),
        ("work_tasks", True, CANDIDATE, f"{ASSESSMENT}: the work tasks the client showed it in"),
    )
    + entries(
        "tutor_link",
        (
            "placement_id",
            True,
            CANDIDATE,
            f"{ASSESSMENT}: the client's placement whose rating form the link opens",
        ),
        ("token_hash", False, NOBODY, f"{SECURITY}: SHA-256 of the link's random token"),
        ("issued_by_id", True, USER, f"{ASSESSMENT}: who issued the link"),
        ("expires_at", False, NOBODY, f"{SECURITY}: when the link stops working"),
        ("revoked_at", False, NOBODY, f"{SECURITY}: when the link was revoked"),
    )
    + entries(
        "assessment_decision",
        ("placement_id", True, CANDIDATE, f"{ASSESSMENT}: the client's placement decided on"),
        (
            "version",
            False,
            NOBODY,
            f"{RECORD}: which version of the decision (a correction is a new one)",
        ),
        ("signed_by_id", True, USER, f"{ASSESSMENT}: the teacher who signed"),
        ("signed_by_name", True, USER, f"{ASSESSMENT}: the teacher who signed, as named then"),
        ("signed_at", True, CANDIDATE, f"{ASSESSMENT}: when the client's assessment was signed"),
        (
            "participants",
            True,
            USER,
            f"{ASSESSMENT}: JSON list of who took part in the consensus, each a role and a"
            " name as given then",
        ),
        (
            "missing_reason",
            True,
            CANDIDATE,
            f"{ASSESSMENT}: why the consensus on the client could not wait for every assessor"
            " (it may name the assessor who had not submitted)",
        ),
        (
            "correction_reason",
            True,
            CANDIDATE,
            f"{ASSESSMENT}: why a signed decision on the client was corrected",
        ),
        (
            "superseded_at",
            True,
            CANDIDATE,
            f"{ASSESSMENT}: when a correction replaced the decision",
        ),
    )
    + entries(
        "decision_outcome",
        ("decision_id", True, CANDIDATE, f"{ASSESSMENT}: the decision on the client"),
        ("competence_id", True, CANDIDATE, f"{ASSESSMENT}: the learning outcome decided"),
        ("grade", True, CANDIDATE, f"{ASSESSMENT}: the final grade 1-5"),
        ("not_demonstrated", True, CANDIDATE, f"{ASSESSMENT}: the outcome was not shown"),
        (
            "rationale",
            True,
            CANDIDATE,
            f"{ASSESSMENT}: the teacher's reason for the grade where the ratings diverged",
        ),
    )
)


def personal_columns(table: str, subject: str | None = None) -> list[str]:
    """Columns of ``table`` that hold personal data (about ``subject`` only, when given)."""
    return personal_in(INVENTORY, table, subject)
