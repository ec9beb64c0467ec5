"""The data inventory of the employer tables: every column, personal data or not, whose and why.

The same form as ``candidates/inventory.py`` (``kit/inventory.py``); ``tests/test_inventory.py``
checks the whole inventory against the models both ways.

An organisation is a legal person: its name, business ID, kind, sector, place and
partnership are not personal data (GDPR recital 14). The coordinator who decided on its
application is named as then (a user), and one answer of the readiness questionnaire names
the workplace's contact person for problems during a placement, with a job title and a phone
number or address (an organisation's contact person).

Legal bases (GDPR art. 6): the partnership agreement with the organisation, within the
programme's public task of placement and validation (6(1)(e)); for the contact person the
organisation names, the same agreement (the organisation gives their details so that the
programme can reach them during a placement). Decisions on partnership are kept for
accountability (6(1)(e)).
"""

from __future__ import annotations

from kit.inventory import (
    NOBODY,
    ORGANISATION,
    PARTNERSHIP,
    USER,
    InventoryEntry,
    entries,
    personal_in,
)

TABLES: tuple[str, ...] = ("organisation", "readiness_profile")

READINESS = f"{PARTNERSHIP}: the workplace's multicultural readiness, for placements"

INVENTORY: tuple[InventoryEntry, ...] = tuple(
    entries(
        "organisation",
        ("name", False, NOBODY, f"{PARTNERSHIP}: the organisation's name"),
        ("business_id", False, NOBODY, f"{PARTNERSHIP}: the Finnish business ID (Y-tunnus)"),
        ("kind", False, NOBODY, f"{PARTNERSHIP}: company, public sector, third sector, school"),
        ("sector", False, NOBODY, f"{PARTNERSHIP}: the field it works in"),
        ("municipality", False, NOBODY, f"{PARTNERSHIP}: where it is (positions near clients)"),
        ("region", False, NOBODY, f"{PARTNERSHIP}: where it is (positions near clients)"),
        ("size", False, NOBODY, f"{PARTNERSHIP}: staff head-count band"),
        ("status", False, NOBODY, f"{PARTNERSHIP}: applied, partner, rejected or inactive"),
        ("decided_at", False, NOBODY, f"{PARTNERSHIP}: when its application was decided"),
        (
            "decided_by",
            True,
            USER,
            f"{PARTNERSHIP}: the coordinator who decided, as named then (a signature)",
        ),
        (
            "decision_reason",
            False,
            NOBODY,
            f"{PARTNERSHIP}: the coordinator's reason for the decision on the organisation",
        ),
        ("agreement_start", False, NOBODY, f"{PARTNERSHIP}: the agreement's first day"),
        ("agreement_end", False, NOBODY, f"{PARTNERSHIP}: the agreement's last day"),
    )
    + entries(
        "readiness_profile",
        ("organisation_id", False, NOBODY, f"{READINESS}: whose answers"),
        ("questionnaire_version", False, NOBODY, f"{READINESS}: which questions were answered"),
        (
            "answers",
            True,
            ORGANISATION,
            f"{READINESS}: JSON of the answers by question id (working languages, experience,"
            " tutor training, instructions, language support, flexible arrangements the"
            " workplace offers); the free-text answer 'problem_contact' names the workplace's"
            " contact person for problems, with a job title and how to reach them",
        ),
        ("score", False, NOBODY, f"{READINESS}: the points of the answers"),
        ("level", False, NOBODY, f"{READINESS}: the level the score reaches (0: not filled in)"),
    )
)


def personal_columns(table: str, subject: str | None = None) -> list[str]:
    """Columns of ``table`` that hold personal data (about ``subject`` only, when given)."""
    return personal_in(INVENTORY, table, subject)
