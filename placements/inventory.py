"""The data inventory of the placement tables: every column, personal data or not, whose and why.

The same form as ``candidates/inventory.py`` (``kit/inventory.py``); ``tests/test_inventory.py``
checks the whole inventory against the models both ways.

Positions are an organisation's offer of on-the-job training: not personal data, but for the
workplace tutor named on one (a user). Each decision on a suggested candidate, each placement
and each monitoring visit is about a candidate: the ids that link them to the candidate, the
position and the organisation, what was decided and why, the engine's advice shown at the
time (score, rank, explanation) and the notes are personal data about the candidate; the ids
of the counsellors, teachers, tutors and employer contacts who decide, guide or visit are
personal data about them (users).

Legal bases (GDPR art. 6): the programme's public task of guidance, validation and on-the-job
training placement (6(1)(e)); the candidate's consent to share their profile with employers
(6(1)(a), ``consent_record``), without which no candidate is suggested or proposed; for the
employer's people who answer a proposal or tutor a placement, the partnership agreement with
their organisation.
"""

from __future__ import annotations

from kit.inventory import (
    CANDIDATE,
    NOBODY,
    RECORD,
    USER,
    InventoryEntry,
    entries,
    personal_in,
)

TABLES: tuple[str, ...] = (
    "position",
    "position_competence",
    "position_language",
    "suggestion_decision",
    "placement",
    "monitoring_visit",
)

POSITION = "public task: on-the-job training positions offered by partners"
REVIEW = "public task: match review, the human decision on each suggested candidate"
PLACEMENT = "public task: on-the-job training placements"

INVENTORY: tuple[InventoryEntry, ...] = tuple(
    entries(
        "position",
        ("organisation_id", False, NOBODY, f"{POSITION}: the organisation that offers it"),
        ("title", False, NOBODY, f"{POSITION}: what the position is"),
        ("framework_id", False, NOBODY, f"{POSITION}: the qualification it trains for"),
        ("tasks", False, NOBODY, f"{POSITION}: the work, described by the employer"),
        ("municipality", False, NOBODY, f"{POSITION}: where the work is"),
        ("region", False, NOBODY, f"{POSITION}: where the work is (matching's region filter)"),
        ("start_date", False, NOBODY, f"{POSITION}: when it can begin"),
        ("end_date", False, NOBODY, f"{POSITION}: when it ends"),
        ("hours_per_week", False, NOBODY, f"{POSITION}: working hours"),
        ("places", False, NOBODY, f"{POSITION}: how many candidates it can take"),
        ("tutor_id", True, USER, f"{POSITION}: the workplace tutor named for it"),
        ("status", False, NOBODY, f"{POSITION}: draft, open, filled or closed"),
    )
    + entries(
        "position_competence",
        ("position_id", False, NOBODY, f"{POSITION}: the position"),
        ("competence_id", False, NOBODY, f"{POSITION}: a competence it asks for"),
        ("required", False, NOBODY, f"{POSITION}: required or welcome"),
        ("min_level", False, NOBODY, f"{POSITION}: the minimum level 1-5"),
    )
    + entries(
        "position_language",
        ("position_id", False, NOBODY, f"{POSITION}: the position"),
        ("language", False, NOBODY, f"{POSITION}: a language the work needs"),
        ("level", False, NOBODY, f"{POSITION}: the CEFR level needed"),
        ("for_safety", False, NOBODY, f"{POSITION}: whether the level is needed for safety"),
    )
    + entries(
        "suggestion_decision",
        ("position_id", True, CANDIDATE, f"{REVIEW}: the position the client was suggested for"),
        ("candidate_id", True, CANDIDATE, f"{REVIEW}: links the decision to the client"),
        (
            "sequence",
            False,
            NOBODY,
            f"{RECORD}: numbers the decisions on one client-position pair (two people cannot"
            " decide on the same state)",
        ),
        (
            "kind",
            True,
            CANDIDATE,
            f"{REVIEW}: shortlisted, rejected, proposed, withdrawn, accepted or declined",
        ),
        ("reason", True, CANDIDATE, f"{REVIEW}: why rejected or declined (a code from a list)"),
        (
            "note",
            True,
            CANDIDATE,
            f"{REVIEW}: the counsellor's or the employer's own words on the client",
        ),
        ("score", True, CANDIDATE, f"{REVIEW}: the engine's score shown at the time"),
        ("rank", True, CANDIDATE, f"{REVIEW}: the client's rank shown at the time"),
        ("eligible", True, CANDIDATE, f"{REVIEW}: whether the client passed the hard filters"),
        (
            "explanation",
            True,
            CANDIDATE,
            f"{REVIEW}: JSON of the explanation shown at the time, in its words and language:"
            " each competence of the position and the client's claimed and verified level"
            " for it (with the client's own words where a text was mapped by similarity),"
            " the language and region filters passed or failed, the parts of the score;"
            " empty for an employer's answer",
        ),
        ("decided_by_id", True, USER, f"{REVIEW}: who decided (a counsellor or an employer)"),
    )
    + entries(
        "placement",
        ("candidate_id", True, CANDIDATE, f"{PLACEMENT}: the client placed"),
        ("position_id", True, CANDIDATE, f"{PLACEMENT}: the position the client trains in"),
        ("organisation_id", True, CANDIDATE, f"{PLACEMENT}: the workplace of the client"),
        (
            "decision_id",
            True,
            CANDIDATE,
            f"{PLACEMENT}: the employer's acceptance the placement came from",
        ),
        (
            "place_number",
            False,
            NOBODY,
            f"{RECORD}: which of the position's places it holds (no place is given twice)",
        ),
        ("tutor_id", True, USER, f"{PLACEMENT}: the client's workplace tutor"),
        ("teacher_id", True, USER, f"{PLACEMENT}: the client's teacher"),
        ("counsellor_id", True, USER, f"{PLACEMENT}: the client's counsellor"),
        ("start_date", True, CANDIDATE, f"{PLACEMENT}: when the client's placement begins"),
        ("end_date", True, CANDIDATE, f"{PLACEMENT}: when it ends"),
        (
            "status",
            True,
            CANDIDATE,
            f"{PLACEMENT}: agreed, active, completed or interrupted",
        ),
        (
            "status_note",
            True,
            CANDIDATE,
            f"{PLACEMENT}: why the placement was interrupted, or a note on its completion",
        ),
    )
    + entries(
        "monitoring_visit",
        ("placement_id", True, CANDIDATE, f"{PLACEMENT}: the client's placement visited"),
        ("visited_on", True, CANDIDATE, f"{PLACEMENT}: when the placement was visited"),
        ("visitor_id", True, USER, f"{PLACEMENT}: the counsellor who visited"),
        ("notes", True, CANDIDATE, f"{PLACEMENT}: what the visit found about the placement"),
    )
)


def personal_columns(table: str, subject: str | None = None) -> list[str]:
    """Columns of ``table`` that hold personal data (about ``subject`` only, when given)."""
    return personal_in(INVENTORY, table, subject)
