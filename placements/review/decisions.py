"""Decisions on suggested candidates: an append-only history per candidate-position pair.

Every step (a counsellor shortlists, rejects, proposes or withdraws; the employer accepts or
declines) is a new :class:`SuggestionDecision` row numbered from 1; nothing is edited, so the
history stays. The newest row is the pair's state.

Concurrency: whoever decides says which step they saw (``expected_sequence``, 0 for none).
If the pair has moved on since, the decision is refused with a plain message; if two people
pass that check at the same moment, both try the same sequence number and the database's
unique constraint refuses the second. Either way nothing is written twice. The insert runs
in a savepoint, so a refused one undoes only itself and the caller's transaction goes on.

A counsellor's decision goes through :func:`decide`, which applies the workflow's rules (an
open position, a candidate the counsellor may see with consent in force and no placement, a
reason for a rejection, a withdrawal only of a proposal, nothing after an acceptance) and
stores the engine's advice on the pair at that moment, computed on the server. Errors are
:class:`DecisionInvalid` (400), :class:`DecisionNotFound` (404) and
:class:`DecisionNotAllowed` / :class:`DecisionConflict` (409), each with a plain message.
"""

from __future__ import annotations

import datetime
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import Select

from accounts.models import User
from candidates import access
from candidates.consent import has_consent, shares_with_employers
from candidates.models import Candidate, ConsentPurpose
from employers.models import PartnershipStatus
from kit.i18n import N_, gettext
from kit.roles import Role, Viewer
from placements.models import (
    COUNSELLOR_DECISIONS,
    DecisionKind,
    PositionStatus,
    SuggestionDecision,
)
from placements.notices import tell_employers_of_proposal
from placements.positions.queries import get_position
from placements.positions.services import partnership_label, partnership_status, status_label
from placements.review.explanations import PlainExplanation, explanation_from_snapshot, snapshot
from placements.review.index import EXCLUDED_STAGES, has_live_placement
from placements.review.suggestions import advice_for_pair

NOTE_MAX = 2000
OTHER_REASON = "other"

# Why a counsellor rejects a suggestion. "other" needs a note saying what.
REJECTION_REASONS: dict[str, str] = {
    "missing_competence": N_("Missing or too low competence"),
    "language": N_("Language skills do not meet the position's needs"),
    "location": N_("Location: cannot work where the position is"),
    "availability": N_("Not available for the position's dates or hours"),
    "candidate_not_interested": N_("The candidate is not interested"),
    "better_fit_elsewhere": N_("A better fit for another position"),
    OTHER_REASON: N_("Other reason (say which in the note)"),
}
# Why an employer declines a proposal; "other" needs the employer's own words.
DECLINE_REASONS: dict[str, str] = {
    "competence_gap": N_("The competences do not match the tasks closely enough"),
    "language": N_("The language skills are not enough for this work"),
    "timing": N_("The dates or the availability do not suit"),
    "no_capacity": N_("We cannot take a trainee at the moment"),
    OTHER_REASON: N_("Another reason (please explain in the note)"),
}

DECISION_LABELS: dict[str, str] = {
    DecisionKind.SHORTLISTED.value: N_("Shortlisted"),
    DecisionKind.REJECTED.value: N_("Rejected"),
    DecisionKind.PROPOSED.value: N_("Proposed to the employer"),
    DecisionKind.WITHDRAWN.value: N_("Proposal withdrawn"),
    DecisionKind.ACCEPTED.value: N_("Accepted by the employer"),
    DecisionKind.DECLINED.value: N_("Declined by the employer"),
}


def decision_label(kind: str) -> str:
    """The kind of a decision in the current language."""
    return gettext(DECISION_LABELS[kind]) if kind in DECISION_LABELS else kind


def reason_label(kind: str, reason: str) -> str:
    """A reason code in the current language (a counsellor's rejection or an employer's
    refusal); an unknown code is shown as it is."""
    if not reason:
        return ""
    if kind == DecisionKind.REJECTED.value and reason in REJECTION_REASONS:
        return gettext(REJECTION_REASONS[reason])
    if kind == DecisionKind.DECLINED.value and reason in DECLINE_REASONS:
        return gettext(DECLINE_REASONS[reason])
    return reason


class DecisionError(Exception):
    """A decision that cannot be taken; ``message`` says why in plain words."""

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)


class DecisionInvalid(DecisionError):
    """The input is wrong (an unknown kind or reason, a missing reason, a note too long).

    ``field`` names the input part concerned: ``kind``, ``reason``, ``note`` or ``after``.
    """

    def __init__(self, message: str, *, field: str) -> None:
        super().__init__(message)
        self.field = field


class DecisionNotFound(DecisionError):
    """The position or the candidate does not exist for the person deciding (answer 404)."""


class DecisionNotAllowed(DecisionError):
    """The workflow does not allow this decision now (a closed position, a placed candidate,
    consent not in force, a final acceptance, a withdrawal without a proposal)."""


class DecisionConflict(DecisionNotAllowed):
    """Someone else decided on the pair first; ``message`` says so in plain words."""

    def __init__(self, message: str | None = None) -> None:
        super().__init__(
            message
            or gettext(
                "Someone else has decided on this candidate for this position since you opened"
                " the page. Nothing was saved; the page now shows their decision."
            )
        )


async def latest_decision(
    session: AsyncSession, *, position_id: int, candidate_id: int
) -> SuggestionDecision | None:
    """The pair's newest decision (its state), or None when nobody has decided yet."""
    return (
        await session.scalars(
            select(SuggestionDecision)
            .where(
                SuggestionDecision.position_id == position_id,
                SuggestionDecision.candidate_id == candidate_id,
            )
            .order_by(SuggestionDecision.sequence.desc())
            .limit(1)
        )
    ).first()


async def decision_history(
    session: AsyncSession, *, position_id: int, candidate_id: int | None = None
) -> list[SuggestionDecision]:
    """Every decision on a position (or on one pair), oldest first."""
    query = select(SuggestionDecision).where(SuggestionDecision.position_id == position_id)
    if candidate_id is not None:
        query = query.where(SuggestionDecision.candidate_id == candidate_id)
    query = query.order_by(
        SuggestionDecision.candidate_id, SuggestionDecision.sequence, SuggestionDecision.id
    )
    return list((await session.scalars(query)).all())


async def current_decisions(
    session: AsyncSession,
    *,
    position_ids: Collection[int] | None = None,
    candidate_ids: Collection[int] | None = None,
) -> dict[tuple[int, int], SuggestionDecision]:
    """The newest decision per (position id, candidate id) pair, in one query.

    Narrow it by positions and/or candidates; with neither, every pair with a decision.
    """
    latest = _newest(position_ids, candidate_ids)
    rows = await session.scalars(
        select(SuggestionDecision).join(
            latest,
            (SuggestionDecision.position_id == latest.c.position_id)
            & (SuggestionDecision.candidate_id == latest.c.candidate_id)
            & (SuggestionDecision.sequence == latest.c.sequence),
        )
    )
    return {(row.position_id, row.candidate_id): row for row in rows.all()}


async def append_decision(
    session: AsyncSession,
    *,
    position_id: int,
    candidate_id: int,
    kind: str,
    decided_by_id: int | None,
    expected_sequence: int,
    reason: str = "",
    note: str = "",
    score: float | None = None,
    rank: int | None = None,
    eligible: bool | None = None,
    explanation: dict[str, Any] | None = None,
) -> SuggestionDecision:
    """Add the next decision on a pair, if the pair is still where the decider saw it.

    ``expected_sequence`` is the sequence of the newest decision the person saw (0 when they
    saw none). The rules about which kind may follow which belong to the callers; this only
    keeps the history linear. Raises :class:`DecisionConflict` and writes nothing otherwise.
    """
    current = await latest_decision(session, position_id=position_id, candidate_id=candidate_id)
    sequence = current.sequence if current is not None else 0
    if sequence != expected_sequence:
        raise DecisionConflict()
    decision = SuggestionDecision(
        position_id=position_id,
        candidate_id=candidate_id,
        sequence=sequence + 1,
        kind=kind,
        reason=reason,
        note=note,
        score=score,
        rank=rank,
        eligible=eligible,
        explanation=explanation,
        decided_by_id=decided_by_id,
    )
    try:
        # A savepoint: a refused insert undoes only itself, and the transaction goes on.
        async with session.begin_nested():
            session.add(decision)
            await session.flush()
    except IntegrityError as error:
        raise DecisionConflict() from error
    return decision


# --- Decisions as shown --------------------------------------------------------------


@dataclass(frozen=True)
class DecisionView:
    """A decision with who took it and, when the viewer may see the record, the candidate's
    name (None otherwise); ``shown`` is the explanation that was shown at the time."""

    decision: SuggestionDecision
    decided_by: str | None
    candidate_name: str | None
    shown: PlainExplanation | None

    @property
    def label(self) -> str:
        return decision_label(self.decision.kind)

    @property
    def reason_label(self) -> str:
        return reason_label(self.decision.kind, self.decision.reason)

    @property
    def when(self) -> datetime.datetime:
        return self.decision.created_at


def _newest(position_ids: Collection[int] | None, candidate_ids: Collection[int] | None) -> Any:
    newest = select(
        SuggestionDecision.position_id,
        SuggestionDecision.candidate_id,
        func.max(SuggestionDecision.sequence).label("sequence"),
    ).group_by(SuggestionDecision.position_id, SuggestionDecision.candidate_id)
    if position_ids is not None:
        newest = newest.where(SuggestionDecision.position_id.in_(sorted(position_ids)))
    if candidate_ids is not None:
        newest = newest.where(SuggestionDecision.candidate_id.in_(sorted(candidate_ids)))
    return newest.subquery()


def _with_people(
    statement: Select[Any], viewer: Viewer
) -> Select[tuple[SuggestionDecision, str | None, str, bool]]:
    visible = case((access.visible_to(viewer), True), else_=False)
    return (
        statement.add_columns(User.name, Candidate.name, visible)
        .join(Candidate, Candidate.id == SuggestionDecision.candidate_id)
        .outerjoin(User, User.id == SuggestionDecision.decided_by_id)
    )


def _view(row: Any) -> DecisionView:
    decision, decided_by, name, may_see = row
    return DecisionView(
        decision=decision,
        decided_by=decided_by,
        candidate_name=str(name) if may_see else None,
        shown=explanation_from_snapshot(decision.explanation),
    )


async def current_decision_views(
    session: AsyncSession,
    *,
    viewer: Viewer,
    position_ids: Collection[int] | None = None,
    candidate_ids: Collection[int] | None = None,
) -> dict[tuple[int, int], DecisionView]:
    """As :func:`current_decisions`, with who decided and the candidate's name, in one query."""
    if (position_ids is not None and not position_ids) or (
        candidate_ids is not None and not candidate_ids
    ):
        return {}
    latest = _newest(position_ids, candidate_ids)
    statement = _with_people(
        select(SuggestionDecision).join(
            latest,
            (SuggestionDecision.position_id == latest.c.position_id)
            & (SuggestionDecision.candidate_id == latest.c.candidate_id)
            & (SuggestionDecision.sequence == latest.c.sequence),
        ),
        viewer,
    )
    views = [_view(row) for row in (await session.execute(statement)).all()]
    return {(v.decision.position_id, v.decision.candidate_id): v for v in views}


@dataclass(frozen=True)
class CandidateDecisions:
    """One candidate's decisions on a position, oldest first; the last is the state."""

    candidate_id: int
    candidate_name: str | None
    decisions: tuple[DecisionView, ...]

    @property
    def current(self) -> DecisionView:
        return self.decisions[-1]


async def position_decision_history(
    session: AsyncSession, *, position_id: int, viewer: Viewer
) -> list[CandidateDecisions]:
    """Every decision on the position grouped per candidate (the most recently decided
    candidate first), each group oldest first, with names, in one query."""
    statement = _with_people(
        select(SuggestionDecision).where(SuggestionDecision.position_id == position_id),
        viewer,
    ).order_by(SuggestionDecision.candidate_id, SuggestionDecision.sequence)
    groups: dict[int, list[DecisionView]] = {}
    for row in (await session.execute(statement)).all():
        view = _view(row)
        groups.setdefault(view.decision.candidate_id, []).append(view)
    result = [
        CandidateDecisions(
            candidate_id=candidate_id,
            candidate_name=views[0].candidate_name,
            decisions=tuple(views),
        )
        for candidate_id, views in groups.items()
    ]
    result.sort(key=lambda group: (group.current.when, group.current.decision.id), reverse=True)
    return result


# --- A counsellor's decision ---------------------------------------------------------


def _check_input(*, kind: str, reason: str, note: str, expected_sequence: int) -> None:
    if kind not in COUNSELLOR_DECISIONS:
        raise DecisionInvalid(
            gettext("Choose shortlist, reject, propose or withdraw."), field="kind"
        )
    if kind == DecisionKind.REJECTED.value:
        if not reason:
            raise DecisionInvalid(gettext("Choose a reason for rejecting."), field="reason")
        if reason not in REJECTION_REASONS:
            raise DecisionInvalid(gettext("Choose one of the reasons in the list."), field="reason")
        if reason == OTHER_REASON and not note.strip():
            raise DecisionInvalid(
                gettext("Say in the note why you reject the candidate."), field="note"
            )
    elif reason:
        raise DecisionInvalid(gettext("Only a rejection takes a reason."), field="reason")
    if len(note) > NOTE_MAX:
        raise DecisionInvalid(
            gettext("Use at most %(max)d characters.") % {"max": NOTE_MAX}, field="note"
        )
    if expected_sequence < 0:
        raise DecisionInvalid(gettext("Reload the page and try again."), field="after")


def _check_transition(current: SuggestionDecision | None, kind: str) -> None:
    """Which step may follow which: the employer's acceptance is final; a proposal stands
    until withdrawn (or answered); a withdrawal needs a proposal; no step repeats itself."""
    state = current.kind if current is not None else None
    if state == DecisionKind.ACCEPTED.value:
        raise DecisionNotAllowed(
            gettext(
                "The employer has accepted this candidate for this position: the decision is"
                " final. Follow the placement instead."
            )
        )
    if kind == DecisionKind.WITHDRAWN.value and state != DecisionKind.PROPOSED.value:
        raise DecisionNotAllowed(
            gettext("Only a proposal can be withdrawn, and this candidate is not proposed.")
        )
    if state == DecisionKind.PROPOSED.value and kind != DecisionKind.WITHDRAWN.value:
        raise DecisionNotAllowed(
            gettext(
                "The candidate is proposed to the employer. Withdraw the proposal first, then"
                " decide again."
            )
        )
    if state == kind:
        raise DecisionNotAllowed(
            gettext("This is already the decision on this candidate (%(kind)s).")
            % {"kind": decision_label(kind)}
        )


async def decide(
    session: AsyncSession,
    *,
    viewer: Viewer,
    position_id: int,
    candidate_id: int,
    kind: str,
    expected_sequence: int,
    reason: str = "",
    note: str = "",
) -> SuggestionDecision:
    """A counsellor shortlists, rejects, proposes or withdraws a suggested candidate.

    Rules: only a counsellor; only on an open position of an approved partner (withdrawing
    a proposal does not need the partnership); only on a candidate the counsellor may see,
    whose consent to validation and to sharing with employers is in force and who is not
    placed (no live placement, not at a stage beyond placement); a rejection needs a reason
    from :data:`REJECTION_REASONS` ("other" also a note); see :func:`_check_transition` for
    the order of steps. ``expected_sequence`` is the newest decision the counsellor saw (0
    for none). The engine's score, rank, eligibility and
    explanation at this moment are computed here and stored with the decision. A proposal
    tells the organisation's employer contacts (:mod:`placements.notices`), in the same
    transaction.

    Raises :class:`DecisionInvalid` (bad input), :class:`DecisionNotFound` (no such
    position or candidate for the viewer), :class:`DecisionNotAllowed` (the workflow refuses)
    or :class:`DecisionConflict` (someone decided first). Nothing is written then.
    """
    note = note.strip()
    reason = reason.strip()
    _check_input(kind=kind, reason=reason, note=note, expected_sequence=expected_sequence)
    if viewer.role != Role.COUNSELLOR:
        raise DecisionNotAllowed(gettext("Only counsellors decide on suggested candidates."))
    position = await get_position(session, position_id=position_id, viewer=viewer)
    if position is None:
        raise DecisionNotFound(gettext("No such position."))
    consented = has_consent(ConsentPurpose.VALIDATION.value) & shares_with_employers()
    found = (
        await session.execute(
            select(
                Candidate.stage,
                case((consented, True), else_=False),
                case((has_live_placement(), True), else_=False),
            ).where(Candidate.id == candidate_id, access.visible_to(viewer))
        )
    ).first()
    if found is None:
        raise DecisionNotFound(gettext("No such candidate."))
    stage, consent_in_force, placed = found
    if position.status != PositionStatus.OPEN.value:
        raise DecisionNotAllowed(
            gettext(
                "The position is not open (it is %(status)s): decisions are taken only on open"
                " positions."
            )
            % {"status": status_label(position.status)}
        )
    # Checked (and the organisation's row share-locked) in the transaction that writes the
    # decision: a partnership ended a moment ago stops the proposal. Withdrawing a proposal
    # made before stays possible.
    organisation_status = await partnership_status(session, position.organisation_id, lock=True)
    if (
        organisation_status != PartnershipStatus.PARTNER.value
        and kind != DecisionKind.WITHDRAWN.value
    ):
        raise DecisionNotAllowed(
            gettext(
                "The position's organisation is not an approved partner of the programme now"
                " (%(status)s): no candidates are proposed to it or decided on for it."
            )
            % {"status": partnership_label(organisation_status)}
        )
    current = await latest_decision(session, position_id=position_id, candidate_id=candidate_id)
    if (current.sequence if current is not None else 0) != expected_sequence:
        raise DecisionConflict()
    _check_transition(current, kind)
    if placed or stage in EXCLUDED_STAGES:
        raise DecisionNotAllowed(
            gettext(
                "The candidate is already placed (or further on the pathway): no new decisions"
                " on suggestions."
            )
        )
    if not consent_in_force:
        raise DecisionNotAllowed(
            gettext(
                "The candidate's consent to share their profile with employers is not in force:"
                " no decisions on suggestions until it is given again."
            )
        )
    advice = await advice_for_pair(session, position=position, candidate_id=candidate_id)
    if advice is None:  # placed or consent withdrawn since the checks above
        raise DecisionNotAllowed(
            gettext("The candidate is no longer suggested for this position. Reload the page.")
        )
    decision = await append_decision(
        session,
        position_id=position_id,
        candidate_id=candidate_id,
        kind=kind,
        decided_by_id=viewer.user_id,
        expected_sequence=expected_sequence,
        reason=reason,
        note=note,
        score=advice.score,
        rank=advice.rank,
        eligible=advice.eligible,
        explanation=snapshot(advice.explanation),
    )
    if kind == DecisionKind.PROPOSED.value:
        # In the decision's transaction: a proposal rolled back tells nobody.
        await tell_employers_of_proposal(session, position=position, candidate_id=candidate_id)
    return decision
