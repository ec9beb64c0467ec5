"""Requests to correct a record (GDPR article 16): the candidate asks, their counsellor answers.

The candidate writes what is wrong on their own pages; the request waits, open, on the
candidate's page for the counsellor (or the coordinator), who corrects the record with the
usual forms and answers: *corrected*, or *declined* with the reason. The candidate reads the
answer on their own pages. A request is answered once; the audit trail keeps both steps.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from accounts.models import User
from candidates.models import CorrectionRequest, CorrectionStatus
from kit.i18n import N_, gettext
from kit.invalid import Invalid

TEXT_MAX = 2000
STATUS_LABELS = {
    CorrectionStatus.OPEN.value: N_("waiting for an answer"),
    CorrectionStatus.CORRECTED.value: N_("corrected"),
    CorrectionStatus.DECLINED.value: N_("not corrected"),
}


def status_label(status: str) -> str:
    return gettext(STATUS_LABELS.get(status, status))


async def ask(
    session: AsyncSession, *, candidate_id: int, requested_by_id: int, text: str
) -> CorrectionRequest:
    """Record the candidate's request; raises :class:`Invalid` (key ``text``)."""
    text = text.strip()
    if not text:
        raise Invalid.of("text", gettext("Write what is wrong and what it should say."))
    if len(text) > TEXT_MAX:
        raise Invalid.of("text", gettext("Use at most %(max)d characters.") % {"max": TEXT_MAX})
    request = CorrectionRequest(
        candidate_id=candidate_id, requested_by_id=requested_by_id, text=text
    )
    session.add(request)
    await session.flush()
    return request


class AlreadyAnswered(Exception):
    """Someone answered the request first."""


async def answer(
    session: AsyncSession,
    *,
    candidate_id: int,
    request_id: int,
    status: str,
    text: str,
    answered_by_id: int,
) -> None:
    """Answer an open request of the candidate: ``corrected`` or ``declined`` (a reason is
    needed). Raises :class:`Invalid`, :class:`LookupError` (no such request of this
    candidate) or :class:`AlreadyAnswered` (answered by someone else meanwhile)."""
    text = text.strip()
    errors: dict[str, str] = {}
    if status not in (CorrectionStatus.CORRECTED.value, CorrectionStatus.DECLINED.value):
        errors["status"] = gettext("Choose whether the record was corrected.")
    if status == CorrectionStatus.DECLINED.value and not text:
        errors["answer"] = gettext("Tell the candidate why the record was not corrected.")
    if len(text) > TEXT_MAX:
        errors["answer"] = gettext("Use at most %(max)d characters.") % {"max": TEXT_MAX}
    if errors:
        raise Invalid(errors)
    found = await session.scalar(
        select(CorrectionRequest.id).where(
            CorrectionRequest.id == request_id, CorrectionRequest.candidate_id == candidate_id
        )
    )
    if found is None:
        raise LookupError(request_id)
    # One answer, whoever sends theirs first: a conditional update on the open state.
    answered = await session.execute(
        update(CorrectionRequest)
        .where(
            CorrectionRequest.id == request_id,
            CorrectionRequest.status == CorrectionStatus.OPEN.value,
        )
        .values(
            status=status,
            answer=text,
            answered_by_id=answered_by_id,
            answered_at=datetime.datetime.now(datetime.UTC),
        )
        .execution_options(synchronize_session=False)
    )
    if answered.rowcount != 1:  # type: ignore[attr-defined]
        raise AlreadyAnswered(request_id)


@dataclass(frozen=True)
class RequestLine:
    id: int
    asked_at: datetime.datetime
    text: str
    status: str
    status_label: str
    answer: str
    answered_at: datetime.datetime | None
    answered_by: str | None

    @property
    def is_open(self) -> bool:
        return self.status == CorrectionStatus.OPEN.value


async def requests_of(session: AsyncSession, *, candidate_id: int) -> list[RequestLine]:
    """The candidate's requests, open ones first, then the newest."""
    rows = await session.execute(
        select(CorrectionRequest, User.name)
        .outerjoin(User, User.id == CorrectionRequest.answered_by_id)
        .where(CorrectionRequest.candidate_id == candidate_id)
        .order_by(
            (CorrectionRequest.status == CorrectionStatus.OPEN.value).desc(),
            CorrectionRequest.id.desc(),
        )
    )
    return [
        RequestLine(
            id=request.id,
            asked_at=request.created_at,
            text=request.text,
            status=request.status,
            status_label=status_label(request.status),
            answer=request.answer,
            answered_at=request.answered_at,
            answered_by=name,
        )
        for request, name in rows.all()
    ]
