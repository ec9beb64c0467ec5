"""The data inventory of the account tables: every column, personal data or not, whose and why.

The same form as ``candidates/inventory.py`` (``kit/inventory.py``); ``tests/test_inventory.py``
checks the whole inventory against the models both ways.

These tables are about the people who sign in (users: the programme's staff, an
organisation's employer contacts and workplace tutors, the steering committee) and about the
contact persons a partner organisation invites before they have an account (an
organisation's contact person). Sign-in tries and throttles hold the address typed and the
client's IP address, whoever typed them: they are filed under the user the address belongs to.

Legal bases (GDPR art. 6): for staff and the steering committee, the programme's public task
(6(1)(e)), which they carry out or oversee; for an organisation's contacts and tutors, the
partnership agreement with their organisation, which names them to act for it (and the same
public task of placement and assessment in which they take part). Sign-in records, throttles,
sessions and one-time links serve the security of the service (GDPR art. 32), on the public
task (6(1)(e)) and, for the partners' people, the legitimate interest in a secure service
(6(1)(f)). Random tokens are stored only as hashes; passwords only as argon2id hashes.
"""

from __future__ import annotations

from kit.inventory import (
    AUDIT,
    NOBODY,
    ORGANISATION,
    PARTNERSHIP,
    RECORD,
    SECURITY,
    USER,
    InventoryEntry,
    columns_of,
    entries,
    personal_in,
)

TABLES: tuple[str, ...] = (
    "user_account",
    "login_session",
    "login_attempt",
    "login_throttle",
    "password_reset",
    "invitation",
    "notification",
    "mail_choice",
)

ACCOUNT = "user accounts: who may sign in, in which role"
INVITATION = f"{PARTNERSHIP}: inviting the organisation's contacts and tutors"
NOTICES = "user accounts: telling each person what they need to do (accounts/notices.py)"

INVENTORY: tuple[InventoryEntry, ...] = tuple(
    entries(
        "user_account",
        ("email", True, USER, f"{ACCOUNT}: sign in and be reached"),
        (
            "email_skeleton",
            True,
            USER,
            f"{SECURITY}: the address with look-alike letters folded, so that no one"
            " registers a look-alike of it",
        ),
        ("name", True, USER, f"{ACCOUNT}: who the person is, on pages and records"),
        ("role", True, USER, f"{ACCOUNT}: what the person may do"),
        ("password_hash", True, USER, f"{SECURITY}: the password's argon2id hash"),
        ("is_active", True, USER, f"{ACCOUNT}: whether the person may still sign in"),
        (
            "organisation_id",
            True,
            USER,
            f"{ACCOUNT}: the organisation an employer contact or tutor acts for",
        ),
        ("last_login_at", True, USER, f"{SECURITY}: when the person last signed in"),
        ("locale", True, USER, f"{ACCOUNT}: the language the person chose for the portal"),
    )
    + entries(
        "login_session",
        ("token_hash", False, NOBODY, f"{SECURITY}: SHA-256 of the cookie's random token"),
        ("user_id", True, USER, f"{SECURITY}: who is signed in on the browser"),
        ("expires_at", False, NOBODY, f"{SECURITY}: when the session ends"),
    )
    + columns_of(
        "login_attempt",
        ("id", False, NOBODY, RECORD),
        (
            "email",
            True,
            USER,
            f"{SECURITY}: the address typed (an account's, or any typed by whoever tried)",
        ),
        ("client_address", True, USER, f"{SECURITY}: the IP address the try came from"),
        ("succeeded", True, USER, f"{SECURITY}: whether the try succeeded"),
        ("created_at", True, USER, f"{SECURITY}: when the try was made"),
        ("updated_at", False, NOBODY, f"{AUDIT}: as created_at (a try is never changed)"),
    )
    + entries(
        "login_throttle",
        (
            "email",
            True,
            USER,
            f"{SECURITY}: the address tried (empty for the row of an IP address alone)",
        ),
        ("client_address", True, USER, f"{SECURITY}: the IP address tries came from"),
        ("attempts", True, USER, f"{SECURITY}: how many tries were counted"),
        ("last_attempt_at", True, USER, f"{SECURITY}: when the last try was made"),
        ("blocked_until", True, USER, f"{SECURITY}: until when further tries must wait"),
    )
    + entries(
        "password_reset",
        ("user_id", True, USER, f"{SECURITY}: whose password the link sets"),
        ("token_hash", False, NOBODY, f"{SECURITY}: SHA-256 of the link's random token"),
        ("expires_at", False, NOBODY, f"{SECURITY}: when the link stops working"),
        ("used_at", True, USER, f"{SECURITY}: when the person used the link (it works once)"),
    )
    + entries(
        "invitation",
        (
            "organisation_id",
            True,
            ORGANISATION,
            f"{INVITATION}: the organisation the invited person will act for",
        ),
        ("email", True, ORGANISATION, f"{INVITATION}: where the link is sent"),
        ("name", True, ORGANISATION, f"{INVITATION}: the invited person's name"),
        ("role", True, ORGANISATION, f"{INVITATION}: employer contact or tutor"),
        ("token_hash", False, NOBODY, f"{SECURITY}: SHA-256 of the link's random token"),
        ("invited_by_id", True, USER, f"{INVITATION}: who invited"),
        ("expires_at", False, NOBODY, f"{SECURITY}: when the link stops working"),
        (
            "accepted_at",
            True,
            ORGANISATION,
            f"{INVITATION}: when the person used the link and made the account",
        ),
        ("user_id", True, USER, f"{INVITATION}: the account made with the link"),
    )
    + entries(
        "notification",
        ("user_id", True, USER, f"{NOTICES}: whom the notification is for"),
        ("kind", True, USER, f"{NOTICES}: which kind of notice it is"),
        (
            "notice",
            True,
            USER,
            f"{NOTICES}: what it says (positions, organisations and days; no candidate's name)",
        ),
        ("link", True, USER, f"{NOTICES}: the page it leads to"),
        ("dedupe_key", False, NOBODY, f"{NOTICES}: written once (a reminder)"),
        ("read_at", True, USER, f"{NOTICES}: when the person opened it"),
    )
    + entries(
        "mail_choice",
        ("user_id", True, USER, f"{NOTICES}: whose choice it is"),
        ("kind", True, USER, f"{NOTICES}: a kind of e-mail the person chose not to get"),
    )
)


def personal_columns(table: str, subject: str | None = None) -> list[str]:
    """Columns of ``table`` that hold personal data (about ``subject`` only, when given)."""
    return personal_in(INVENTORY, table, subject)
