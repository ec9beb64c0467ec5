"""Candidates' own accounts: the counsellor's invitation, and finding a candidate's own record.

A counsellor (or the coordinator) invites a candidate whose record has an e-mail address: the
portal makes an account in the role *candidate*, links it to the record
(``Candidate.user_id``) and sends a one-time link to set the first password
(:mod:`accounts.password_links`, valid for ``FIRST_PASSWORD_HOURS``), by e-mail in the
account's language, else the counsellor's page's. Inviting again sends a new link to the same
account; the old one stops working only when a link is used.

A candidate's account reaches exactly one record, their own: every page and API route for
candidates finds it with :func:`own_candidate` from the signed-in user, never from an id in
the request, so there is no id to change.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from accounts import password_links
from accounts.models import User
from accounts.notices import notify_address
from accounts.services import EMAIL_PATTERN, AccountError, create_user, normalise_email
from candidates.models import Candidate, EvidenceItem, GuidanceNote
from kit import audit
from kit.i18n import N_, gettext
from kit.invalid import Invalid
from kit.notices import Notice
from kit.roles import Role, Viewer


@dataclass(frozen=True)
class AccountInvitation:
    """What the counsellor is told: to whom the link went and for how long it works."""

    email: str
    hours: int
    link: str
    new_account: bool


async def own_candidate(session: AsyncSession, viewer: Viewer) -> Candidate | None:
    """The signed-in candidate's own record (with languages), or None for anybody else."""
    if viewer.role != Role.CANDIDATE:
        return None
    statement = (
        select(Candidate)
        .where(Candidate.user_id == viewer.user_id)
        .options(selectinload(Candidate.languages))
    )
    return (await session.execute(statement)).scalar_one_or_none()


async def own_candidate_id(session: AsyncSession, viewer: Viewer) -> int | None:
    """The id of the signed-in candidate's own record; None for anybody else."""
    if viewer.role != Role.CANDIDATE:
        return None
    found = await session.scalar(select(Candidate.id).where(Candidate.user_id == viewer.user_id))
    return int(found) if found is not None else None


async def account_for(session: AsyncSession, *, candidate_id: int) -> User | None:
    """The own account of the candidate ``candidate_id``, if they were invited."""
    statement = (
        select(User)
        .join(Candidate, Candidate.user_id == User.id)
        .where(Candidate.id == candidate_id)
    )
    return (await session.execute(statement)).scalar_one_or_none()


ADDRESS_NEEDED = N_("Add the candidate's e-mail address to their record first.")
ADDRESS_TAKEN = N_(
    "Another account in the portal uses this e-mail address. Ask the candidate for an address"
    " of their own and change it on the record."
)
ACCOUNT_INACTIVE = N_(
    "The candidate's account is deactivated. The coordinator can reactivate it first."
)


async def invite(
    session: AsyncSession, viewer: Viewer, *, candidate: Candidate, public_url: str
) -> AccountInvitation:
    """Make the candidate's account (if they have none) and send a link to set a password.

    ``candidate`` must be one the viewer may change (the page checked it). Raises
    :class:`~kit.invalid.Invalid` (key ``account``) when the record has no usable address,
    the address belongs to another account, or the candidate's account is deactivated.
    Several invitations at once make one account: the record is linked with a conditional
    update, and a request that loses the race sends its link to the account that won.
    """
    user = await account_for(session, candidate_id=candidate.id)
    new_account = user is None
    if user is None:
        email = normalise_email(candidate.email)
        if not email:
            raise Invalid.of("account", gettext(ADDRESS_NEEDED))
        if not EMAIL_PATTERN.match(email):
            raise Invalid.of(
                "account", gettext("The e-mail address on the record is not valid; correct it.")
            )
        user, new_account = await _new_account(session, candidate, email)
    elif not user.is_active:
        raise Invalid.of("account", gettext(ACCOUNT_INACTIVE))
    token = await password_links.issue(
        session, user=user, hours=password_links.FIRST_PASSWORD_HOURS
    )
    link = password_links.link_for(public_url, token)
    notice = Notice(
        "account",
        N_("Your own pages in the ISOK portal"),
        lines=(
            N_(
                "Your counsellor opened your own pages in the ISOK portal: your competences,"
                " placements, certificates and consents."
            ),
            password_links.FIRST_PASSWORD_LINE,
        ),
        values={"hours": password_links.FIRST_PASSWORD_HOURS},
        link=link,
        action=password_links.SET_PASSWORD,
    )
    await notify_address(session, user.email, notice)
    await audit.record(
        session,
        action="invite_candidate",
        entity="candidate",
        entity_id=candidate.id,
        details={"user_id": user.id, "new_account": new_account},
    )
    return AccountInvitation(
        email=user.email,
        hours=password_links.FIRST_PASSWORD_HOURS,
        link=link,
        new_account=new_account,
    )


class _LinkedMeanwhile(Exception):
    """Another request linked the record to an account first."""


async def _new_account(
    session: AsyncSession, candidate: Candidate, email: str
) -> tuple[User, bool]:
    """A candidate account linked to ``candidate`` (and True), or the one another request
    linked first (and False)."""
    made: int | None = None
    try:
        async with session.begin_nested():
            # Nobody knows this password: the candidate sets their own with the link.
            user = await create_user(
                session,
                email=email,
                name=candidate.name,
                role=Role.CANDIDATE,
                password=secrets.token_urlsafe(32),
            )
            linked = await session.execute(
                update(Candidate)
                .where(Candidate.id == candidate.id, Candidate.user_id.is_(None))
                .values(user_id=user.id)
                .execution_options(synchronize_session=False)
            )
            if linked.rowcount != 1:  # type: ignore[attr-defined]
                raise _LinkedMeanwhile  # the savepoint drops the account just made
            made = user.id
    except (AccountError, IntegrityError, _LinkedMeanwhile):
        # The address has an account: another request's invitation of this very candidate,
        # committed a moment ago (then the record is linked to it, below), or someone else's.
        pass
    await session.refresh(candidate, attribute_names=["user_id"])
    if candidate.user_id is None:
        raise Invalid.of("account", gettext(ADDRESS_TAKEN))
    account = await session.get(User, candidate.user_id)
    assert account is not None
    return account, account.id == made


async def shared_notes(session: AsyncSession, *, candidate_id: int) -> list[GuidanceNote]:
    """The guidance notes the counsellor shared with the candidate, newest first."""
    statement = (
        select(GuidanceNote)
        .where(GuidanceNote.candidate_id == candidate_id, GuidanceNote.shared.is_(True))
        .order_by(GuidanceNote.noted_on.desc(), GuidanceNote.id.desc())
    )
    return list((await session.scalars(statement)).all())


async def own_evidence(session: AsyncSession, *, candidate_id: int) -> list[EvidenceItem]:
    """The candidate's evidence, oldest first."""
    statement = (
        select(EvidenceItem)
        .where(EvidenceItem.candidate_id == candidate_id)
        .order_by(EvidenceItem.id)
    )
    return list((await session.scalars(statement)).all())
