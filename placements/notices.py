"""What the placement workflow tells people (issue 17): a proposal waiting for the employer,
and the employer's answer to the counsellor who proposed.

Each message is written in the transaction of the decision that causes it, after the
decision is saved, so a refused or rolled-back decision tells nobody (``accounts.notices``).

A notice names the position and its organisation and links to the portal page where the
access rules decide what is shown. It never names the candidate: the employer may not see
the name before accepting (and needs it in no message after), and an e-mail is read outside
the portal. The employer's own words on a decline stay on the portal page too; the message
says only the reason chosen from the list.

This module sits beside :mod:`placements.models` so that the review (proposals are made
there) and the lifecycle (answers) can both call it; it imports neither.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from accounts.models import User
from accounts.notices import KINDS, notify_all, users_with_ids
from employers.models import Organisation
from kit.i18n import N_
from kit.notices import Notice
from kit.roles import Role
from placements.models import Placement, Position, SuggestionDecision

PROPOSAL_WAITING = "proposal_waiting"
PROPOSAL_ANSWERED = "proposal_answered"


def proposal_page(position_id: int, candidate_id: int) -> str:
    """Where the employer reads a proposal and answers it."""
    return f"/positions/{position_id}/proposals/{candidate_id}"


def decisions_page(position_id: int) -> str:
    """Where staff read every decision on a position, the employer's answers with them."""
    return f"/positions/{position_id}/decisions"


def placement_page(placement_id: int) -> str:
    return f"/placements/{placement_id}"


# --- The notices -------------------------------------------------------------------------


def proposal_waiting(
    *, position_id: int, candidate_id: int, position: str, organisation: str
) -> Notice:
    """To an employer: a candidate is proposed for one of the organisation's positions."""
    return Notice(
        kind=PROPOSAL_WAITING,
        subject=N_("A candidate is proposed for your position %(position)s"),
        lines=(
            N_(
                "A counsellor of the ISOK programme proposes a candidate for the position"
                " %(position)s at %(organisation)s."
            ),
            N_(
                "Open the proposal to see the candidate's competences, languages and"
                " availability, and accept or decline it."
            ),
        ),
        values={"position": position, "organisation": organisation},
        link=proposal_page(position_id, candidate_id),
        action=N_("Open the proposal"),
    )


def proposal_accepted(*, placement_id: int, position: str, organisation: str) -> Notice:
    """To the counsellor who proposed: the employer accepted; the placement is agreed."""
    return Notice(
        kind=PROPOSAL_ANSWERED,
        subject=N_("%(organisation)s accepted your proposal for %(position)s"),
        lines=(
            N_(
                "%(organisation)s accepted the candidate you proposed for the position"
                " %(position)s. The placement is agreed."
            ),
            N_("Open the placement to follow it: its dates, its tutor and the next steps."),
        ),
        values={"position": position, "organisation": organisation},
        link=placement_page(placement_id),
        action=N_("Open the placement"),
    )


def proposal_declined(
    *, position_id: int, position: str, organisation: str, reason: str | None
) -> Notice:
    """To the counsellor who proposed: the employer declined. ``reason``: the message id of
    the reason chosen from the list, or None when the employer wrote their own (it is read
    on the portal, never sent)."""
    reason_lines = (
        (N_("The reason they chose:"), reason)
        if reason
        else (N_("They gave their reason in their own words: read it in the portal."),)
    )
    return Notice(
        kind=PROPOSAL_ANSWERED,
        subject=N_("%(organisation)s declined your proposal for %(position)s"),
        lines=(
            N_(
                "%(organisation)s declined the candidate you proposed for the position"
                " %(position)s."
            ),
            *reason_lines,
        ),
        values={"position": position, "organisation": organisation},
        link=decisions_page(position_id),
        action=N_("Open the decisions on the position"),
    )


# --- Telling people ------------------------------------------------------------------------


async def _organisation_name(session: AsyncSession, organisation_id: int) -> str:
    name = await session.scalar(select(Organisation.name).where(Organisation.id == organisation_id))
    return str(name or "")


async def tell_employers_of_proposal(
    session: AsyncSession, *, position: Position, candidate_id: int
) -> int:
    """Tell every active employer contact of the position's organisation that a candidate
    is proposed; how many were told."""
    employers = await session.scalars(
        select(User)
        .where(
            User.organisation_id == position.organisation_id,
            User.role == Role.EMPLOYER.value,
            User.is_active.is_(True),
        )
        .order_by(User.id)
    )
    notice = proposal_waiting(
        position_id=position.id,
        candidate_id=candidate_id,
        position=position.title,
        organisation=await _organisation_name(session, position.organisation_id),
    )
    return await notify_all(session, employers.all(), notice)


async def _proposer(session: AsyncSession, proposal: SuggestionDecision) -> list[User]:
    """Who made the proposal, while their account is active and of a role that gets
    answers (nobody when the account is gone)."""
    roles = KINDS[PROPOSAL_ANSWERED].roles
    return [
        user
        for user in await users_with_ids(session, [proposal.decided_by_id])
        if user.role in roles
    ]


async def tell_proposer_of_acceptance(
    session: AsyncSession, *, position: Position, proposal: SuggestionDecision, placement: Placement
) -> int:
    """Tell the counsellor who proposed that the employer accepted; how many were told."""
    notice = proposal_accepted(
        placement_id=placement.id,
        position=position.title,
        organisation=await _organisation_name(session, position.organisation_id),
    )
    return await notify_all(session, await _proposer(session, proposal), notice)


async def tell_proposer_of_decline(
    session: AsyncSession, *, position: Position, proposal: SuggestionDecision, reason: str | None
) -> int:
    """Tell the counsellor who proposed that the employer declined, with the listed reason
    (``reason`` as in :func:`proposal_declined`); how many were told."""
    notice = proposal_declined(
        position_id=position.id,
        position=position.title,
        organisation=await _organisation_name(session, position.organisation_id),
        reason=reason,
    )
    return await notify_all(session, await _proposer(session, proposal), notice)
