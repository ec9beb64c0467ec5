"""Users, their login sessions and the record of login attempts."""

from __future__ import annotations

import datetime
from typing import Any

from advanced_alchemy.base import IdentityAuditBase
from advanced_alchemy.types import DateTimeUTC, JsonB
from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from accounts.lookalike import skeleton
from employers.models import Organisation
from kit.roles import ORGANISATION_ROLES, Role


class User(IdentityAuditBase):
    """A person who signs in to the portal, with exactly one role."""

    __tablename__ = "user_account"
    __audited__ = True
    __audit_exclude__ = ("password_hash", "last_login_at", "locale")
    __table_args__ = (
        CheckConstraint(
            f"role IN ({', '.join(repr(r.value) for r in Role)})",
            name="role_known",
        ),
        CheckConstraint(
            f"(role IN ({', '.join(repr(r.value) for r in sorted(ORGANISATION_ROLES))}))"
            " = (organisation_id IS NOT NULL)",
            name="organisation_matches_role",
        ),
    )

    email: Mapped[str] = mapped_column(String(254), unique=True)
    # The address with look-alike letters folded (accounts.lookalike), kept in step
    # with ``email`` so that a look-alike of an existing address is found by the index.
    email_skeleton: Mapped[str] = mapped_column(String(254), index=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str] = mapped_column(String(200))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisation.id", ondelete="RESTRICT"), default=None, index=True
    )
    last_login_at: Mapped[datetime.datetime | None] = mapped_column(
        DateTimeUTC(timezone=True), default=None
    )
    # The language the person chose on the switch (kit.i18n.SUPPORTED_LOCALES); None until
    # they choose, and then the browser's language is the guess.
    locale: Mapped[str | None] = mapped_column(String(8), default=None)

    organisation: Mapped[Organisation | None] = relationship(lazy="joined")

    @property
    def role_enum(self) -> Role:
        return Role(self.role)

    @validates("email")
    def _keep_skeleton(self, _key: str, email: str) -> str:
        self.email_skeleton = skeleton(email)
        return email


class LoginSession(IdentityAuditBase):
    """A signed-in browser. The cookie holds a random token; only its hash is stored."""

    __tablename__ = "login_session"

    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    expires_at: Mapped[datetime.datetime] = mapped_column(DateTimeUTC(timezone=True))

    user: Mapped[User] = relationship(lazy="joined")


class LoginAttempt(IdentityAuditBase):
    """One try at signing in; failures within a window throttle further tries."""

    __tablename__ = "login_attempt"
    __table_args__ = (
        Index("ix_login_attempt_email_created", "email", "created_at"),
        Index("ix_login_attempt_address_created", "client_address", "created_at"),
    )

    email: Mapped[str] = mapped_column(String(254))
    client_address: Mapped[str] = mapped_column(String(64))
    succeeded: Mapped[bool] = mapped_column(Boolean)


class LoginThrottle(IdentityAuditBase):
    """Sign-in tries counted for one (account, address) pair, or for an address alone.

    ``email`` is empty for the address-wide row. A try is counted before its password is
    checked; past the allowance each further try must wait until ``blocked_until``, a delay
    that doubles with every try up to a cap. The rows live in the database so that every
    worker counts the same tries.
    """

    __tablename__ = "login_throttle"
    __table_args__ = (UniqueConstraint("email", "client_address"),)

    email: Mapped[str] = mapped_column(String(254), index=True)
    client_address: Mapped[str] = mapped_column(String(64))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_attempt_at: Mapped[datetime.datetime] = mapped_column(DateTimeUTC(timezone=True))
    blocked_until: Mapped[datetime.datetime | None] = mapped_column(
        DateTimeUTC(timezone=True), default=None
    )


class PasswordReset(IdentityAuditBase):
    """A one-time link with which a person sets a new password (forgotten, or first one).

    Only the SHA-256 of the link's token is stored; ``used_at`` is set by a conditional
    update, so a link works once even when it is submitted several times at once.
    """

    __tablename__ = "password_reset"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime.datetime] = mapped_column(DateTimeUTC(timezone=True))
    used_at: Mapped[datetime.datetime | None] = mapped_column(
        DateTimeUTC(timezone=True), default=None
    )

    user: Mapped[User] = relationship(lazy="joined")


class Invitation(IdentityAuditBase):
    """An invitation to an organisation: who is invited, as what, and a one-time link.

    It exists without a user account, and inviting never creates or touches one: the
    account is created from these columns when the link is used (``user_id`` is set then),
    so an employer's list of people looks the same whether or not the address already has
    an account elsewhere. Only the SHA-256 of the link's token is stored. An organisation
    has at most one pending invitation per address (the partial unique index): inviting
    again replaces its link.
    """

    __tablename__ = "invitation"
    __table_args__ = (
        CheckConstraint(
            f"role IN ({', '.join(repr(r.value) for r in sorted(ORGANISATION_ROLES))})",
            name="role_of_organisation",
        ),
        Index(
            "uq_invitation_pending_address",
            "organisation_id",
            "email",
            unique=True,
            sqlite_where=text("accepted_at IS NULL"),
            postgresql_where=text("accepted_at IS NULL"),
        ),
    )

    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    email: Mapped[str] = mapped_column(String(254))
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    invited_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), default=None
    )
    expires_at: Mapped[datetime.datetime] = mapped_column(DateTimeUTC(timezone=True))
    accepted_at: Mapped[datetime.datetime | None] = mapped_column(
        DateTimeUTC(timezone=True), default=None
    )
    # The account made with the link. Invitations made before revision 0005 had their
    # account created at once: theirs is set while they are still pending.
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), default=None, index=True
    )

    organisation: Mapped[Organisation] = relationship(lazy="joined")


class Notification(IdentityAuditBase):
    """Something the portal told a user, kept for their list of notifications.

    ``notice`` is the message as data (kit/notices.py), rendered in the language of the page
    that shows it. ``dedupe_key`` makes a reminder written once however often it runs.
    """

    __tablename__ = "notification"
    __table_args__ = (Index("ix_notification_unread", "user_id", "read_at"),)

    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(40))
    notice: Mapped[dict[str, Any]] = mapped_column(JsonB)
    link: Mapped[str] = mapped_column(String(500), default="")
    dedupe_key: Mapped[str | None] = mapped_column(String(200), unique=True, default=None)
    read_at: Mapped[datetime.datetime | None] = mapped_column(
        DateTimeUTC(timezone=True), default=None
    )


class MailChoice(IdentityAuditBase):
    """A kind of e-mail a user chose not to get (it still shows in their notifications)."""

    __tablename__ = "mail_choice"
    __table_args__ = (UniqueConstraint("user_id", "kind", name="uq_mail_choice_user_kind"),)

    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(40))
