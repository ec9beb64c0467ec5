"""One form sent twice creates one row: an idempotency key in every form that creates.

A form that creates something (a new position, a new candidate) carries a hidden random key
(:data:`FIELD`, made by :func:`new_submission_key` when the page is rendered, and kept when
the page is shown again with errors). Before it writes, the handler claims the key for the
signed-in user (:func:`claim_submission`); after it has created the row, it records where
the row lives (:func:`complete_submission`), in the same transaction. A second submission of
the same key, whether sent after the first (a double click, a reload, a "resend" of the
browser) or at the same moment, creates nothing: it is answered with the same redirect as
the first.

Why this holds under concurrency: the claim is an ``INSERT … ON CONFLICT DO NOTHING`` on the
unique (user, key) pair. While the first request's transaction is open, a second insert of
the same pair waits (PostgreSQL: on the unique index; SQLite: for the single writer's lock);
once the first commits, the second inserts nothing and reads the first's target. If the first
fails (bad input answers 4xx and rolls back), its claim disappears with it and the next
submission is handled afresh. The claim is the request's first write, so SQLite never has to
upgrade a stale read snapshot.

A key is bound to its user: the same key sent by someone else is a different claim, so nobody
is ever redirected to another person's row. A form without a key (a page rendered before this
existed) is handled as before. Claims older than :data:`KEEP_FOR` are removed as their user
makes new ones.
"""

from __future__ import annotations

import datetime
import re
import secrets
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from advanced_alchemy.base import IdentityAuditBase
from advanced_alchemy.types import BigIntIdentity
from sqlalchemy import String, UniqueConstraint, delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from kit.i18n import gettext
from kit.sql import insert_or_ignore

T = TypeVar("T")

FIELD = "submission_key"
KEY_PATTERN = re.compile(r"[A-Za-z0-9_-]{20,64}")
TARGET_MAX = 300
KEEP_FOR = datetime.timedelta(days=30)


class FormSubmission(IdentityAuditBase):
    """A claimed form submission: whose, its key, and the page the created row lives on.

    ``target`` is empty only inside the transaction that claimed the key.
    """

    __tablename__ = "form_submission"
    __table_args__ = (UniqueConstraint("user_id", "key", name="uq_form_submission_user_key"),)

    # The user's id, without a foreign key: the kit sits below accounts (users are deactivated,
    # never deleted, so no key is left behind by a deleted user).
    user_id: Mapped[int] = mapped_column(BigIntIdentity)
    key: Mapped[str] = mapped_column(String(64))
    target: Mapped[str] = mapped_column(String(TARGET_MAX), default="")


def new_submission_key() -> str:
    """A fresh random key for a form that creates something (256 bits, URL-safe)."""
    return secrets.token_urlsafe(32)


def submitted_key(form: Mapping[str, Any]) -> str | None:
    """The submitted key, or None when there is none or it is not one of ours.

    A malformed key is treated like a missing one: the form still works, without the
    protection against a second submission.
    """
    raw = form.get(FIELD)
    if isinstance(raw, str) and KEY_PATTERN.fullmatch(raw):
        return raw
    return None


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


async def claim_submission(
    session: AsyncSession, *, key: str | None, user_id: int, fallback: str
) -> str | None:
    """Claim ``key`` for ``user_id`` before creating; None means "go ahead and create".

    Otherwise the same key was submitted before (and its transaction has ended): the answer
    is the page the first submission redirected to, to redirect to again. ``fallback`` is
    used in the unlikely case that the first claim was kept without a target.
    Without a key, always None.
    """
    if key is None:
        return None
    now = _now()
    inserted = (
        await session.execute(
            insert_or_ignore(session, FormSubmission)
            .values(user_id=user_id, key=key, target="", created_at=now, updated_at=now)
            .on_conflict_do_nothing()
            .returning(FormSubmission.id)
        )
    ).scalar_one_or_none()
    if inserted is None:
        target = (
            await session.execute(
                select(FormSubmission.target).where(
                    FormSubmission.user_id == user_id, FormSubmission.key == key
                )
            )
        ).scalar_one_or_none()
        return target or fallback
    await session.execute(
        delete(FormSubmission).where(
            FormSubmission.user_id == user_id, FormSubmission.created_at < now - KEEP_FOR
        )
    )
    return None


async def complete_submission(
    session: AsyncSession, *, key: str | None, user_id: int, target: str
) -> None:
    """Record where the row created under ``key`` lives (the redirect's path)."""
    if key is None:
        return
    await session.execute(
        update(FormSubmission)
        .where(FormSubmission.user_id == user_id, FormSubmission.key == key)
        .values(target=target[:TARGET_MAX], updated_at=_now())
    )


@dataclass(frozen=True)
class FormKeys:
    """The keys of a submitted create-or-edit form.

    ``claimed`` is the key to claim when the form creates (None when it edits, or sent none);
    ``shown`` is the key the form carries when it is shown again (more rows, or errors), so
    that a new form keeps its key and an edit form has none.
    """

    claimed: str | None
    shown: str

    @classmethod
    def of(cls, form: Mapping[str, Any], *, creating: bool) -> FormKeys:
        if not creating:
            return cls(claimed=None, shown="")
        claimed = submitted_key(form)
        return cls(claimed=claimed, shown=claimed or new_submission_key())


async def create_once(
    session: AsyncSession,
    *,
    key: str | None,
    user_id: int,
    fallback: str,
    create: Callable[[], Awaitable[T]],
    page_of: Callable[[T], str],
) -> T | Earlier:
    """Create with ``create`` unless this form was sent before.

    Answers the created row, or :class:`Earlier` with the page the first submission led to
    (see :func:`claim_submission`); ``page_of`` names the created row's page.
    """
    earlier = await claim_submission(session, key=key, user_id=user_id, fallback=fallback)
    if earlier is not None:
        return Earlier(earlier)
    created = await create()
    await complete_submission(session, key=key, user_id=user_id, target=page_of(created))
    return created


@dataclass(frozen=True)
class Earlier:
    """The form was sent before: nothing was created; ``page`` shows the first result."""

    page: str

    @staticmethod
    def message() -> str:
        return gettext(
            "This form had already been sent: nothing more was saved. Here is the result."
        )
