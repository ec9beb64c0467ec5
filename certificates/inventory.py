"""The data inventory of the certificate table: every column, personal data or not, whose and why.

The same form as ``candidates/inventory.py`` (``kit/inventory.py``); ``tests/test_inventory.py``
checks the whole inventory against the models both ways.

A certificate is about its holder, the candidate: the ids that link it to the candidate, the
placement and the signed decision, its fixed content (the holder's name in clear and their
e-mail address as a salted hash, the outcomes and grades, the workplace, the dates, the
assessors' and the signer's names), its public code and its revocation. The code is personal
data: anyone who has it sees the certificate, the holder's name included, on the public
verification page; a revocation's category is shown there too (one is "obtained
dishonestly"), its note is not. The staff who issue or revoke are named (users).

Legal bases (GDPR art. 6): the programme's public task of validating and certifying
competences (6(1)(e)); the holder shows the certificate and its code to whom they choose, and
the verification page and the revocation status list (which names no one: a certificate's
bit is its id) let a third party check it.
"""

from __future__ import annotations

from kit.inventory import CANDIDATE, USER, InventoryEntry, entries, personal_in

TABLES: tuple[str, ...] = ("certificate",)

CERTIFICATION = "public task: certification of the client's competences"

INVENTORY: tuple[InventoryEntry, ...] = tuple(
    entries(
        "certificate",
        (
            "code",
            True,
            CANDIDATE,
            f"{CERTIFICATION}: the public code that verifies the certificate (and shows it,"
            " the holder's name included)",
        ),
        ("decision_id", True, CANDIDATE, f"{CERTIFICATION}: the signed decision it comes from"),
        ("placement_id", True, CANDIDATE, f"{CERTIFICATION}: the client's placement"),
        ("candidate_id", True, CANDIDATE, f"{CERTIFICATION}: the holder"),
        ("language", True, CANDIDATE, f"{CERTIFICATION}: the language it is written in"),
        (
            "content",
            True,
            CANDIDATE,
            f"{CERTIFICATION}: JSON of what the certificate says, fixed at issue: its code,"
            " language and date; the holder's name and a salted SHA-256 of their e-mail"
            " address (of the name when there is none) with the salt; the qualifications,"
            " units and demonstrated outcomes with grades and criteria; the workplace, the"
            " position and the dates; the assessors' roles and names and the signer's name;"
            " the issuer; the decision's id and version",
        ),
        ("issued_at", True, CANDIDATE, f"{CERTIFICATION}: when it was issued"),
        ("issued_by_id", True, USER, f"{CERTIFICATION}: who issued it"),
        ("issued_by_name", True, USER, f"{CERTIFICATION}: who issued it, as named then"),
        ("revoked_at", True, CANDIDATE, f"{CERTIFICATION}: when it was revoked"),
        (
            "revocation_reason",
            True,
            CANDIDATE,
            f"{CERTIFICATION}: why it was revoked, a category shown on verification",
        ),
        (
            "revocation_note",
            True,
            CANDIDATE,
            f"{CERTIFICATION}: the coordinator's words on the revocation (not public)",
        ),
        ("revoked_by_id", True, USER, f"{CERTIFICATION}: who revoked it"),
        ("superseded_at", True, CANDIDATE, f"{CERTIFICATION}: when a correction replaced it"),
        (
            "superseded_by_id",
            True,
            CANDIDATE,
            f"{CERTIFICATION}: the holder's newer certificate that replaced it",
        ),
    )
)


def personal_columns(table: str, subject: str | None = None) -> list[str]:
    """Columns of ``table`` that hold personal data (about ``subject`` only, when given)."""
    return personal_in(INVENTORY, table, subject)
