"""Who may see and change which candidates (object-level rules, one place).

- The coordinator: every candidate.
- A counsellor: their own caseload (``Candidate.counsellor_id``) and the candidates the
  coordinator opened to them (:class:`CandidateAccess`).
- A professional teacher: the candidates they have an interview with (any status).
- Employers and tutors: no candidate records (proposals come with the match-review issue).

A candidate outside these rules does not exist for the viewer: pages and API answer 404.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, exists, false, select, true
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.interfaces import ORMOption

from candidates.models import Candidate, CandidateAccess, Interview
from kit.roles import Role, Viewer


def visible_to(viewer: Viewer) -> ColumnElement[bool]:
    """A WHERE clause on :class:`Candidate` that keeps what ``viewer`` may see."""
    if viewer.role == Role.COORDINATOR:
        return true()
    if viewer.role == Role.COUNSELLOR:
        opened = exists().where(
            CandidateAccess.candidate_id == Candidate.id,
            CandidateAccess.user_id == viewer.user_id,
        )
        return (Candidate.counsellor_id == viewer.user_id) | opened
    if viewer.role == Role.TEACHER:
        return exists().where(
            Interview.candidate_id == Candidate.id, Interview.teacher_id == viewer.user_id
        )
    return false()


async def get_visible_candidate(
    session: AsyncSession,
    *,
    candidate_id: int,
    viewer: Viewer,
    options: tuple[ORMOption, ...] = (),
) -> Candidate | None:
    """The candidate if ``viewer`` may see it, else None (the caller answers 404)."""
    statement = (
        select(Candidate).where(Candidate.id == candidate_id, visible_to(viewer)).options(*options)
    )
    return (await session.execute(statement)).scalar_one_or_none()


def may_change_record(viewer: Viewer) -> bool:
    """Records, consent and portfolios are kept by counsellors and the coordinator.

    Call it only for a candidate already found with :func:`get_visible_candidate`.
    """
    return viewer.keeps_records
