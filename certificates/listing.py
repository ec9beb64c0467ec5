"""The list of certificates staff browse and the API returns: filtered, newest first, paged."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from candidates.models import Candidate
from certificates.models import Certificate, Status

PAGE_SIZE = 50
SEARCH_MAX = 200


@dataclass(frozen=True)
class Row:
    certificate: Certificate
    candidate_name: str

    @property
    def status(self) -> Status:
        return self.certificate.status


@dataclass(frozen=True)
class Listing:
    rows: list[Row]
    total: int
    page: int
    pages: int


def _escaped(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


async def certificates(
    session: AsyncSession,
    *,
    search: str = "",
    status: Status | None = None,
    page: int = 1,
    page_size: int = PAGE_SIZE,
    candidate_id: int | None = None,
) -> Listing:
    """Certificates whose candidate's name or code holds ``search`` (only ``candidate_id``'s
    when given); a page past the end gives the last page."""
    conditions: list[ColumnElement[bool]] = []
    if candidate_id is not None:
        conditions.append(Certificate.candidate_id == candidate_id)
    search = " ".join(search.split())[:SEARCH_MAX]
    if search:
        pattern = f"%{_escaped(search.lower())}%"
        conditions.append(
            or_(
                func.lower(Candidate.name).like(pattern, escape="\\"),
                func.lower(Certificate.code).like(pattern, escape="\\"),
            )
        )
    if status is not None:
        conditions.append(Certificate.in_status(status))
    base = select(Certificate, Candidate.name).join(
        Candidate, Candidate.id == Certificate.candidate_id
    )
    total = int(
        await session.scalar(
            select(func.count())
            .select_from(Certificate)
            .join(Candidate, Candidate.id == Certificate.candidate_id)
            .where(*conditions)
        )
        or 0
    )
    pages = max(1, -(-total // page_size))
    page = min(max(page, 1), pages)
    result = await session.execute(
        base.where(*conditions)
        .order_by(Certificate.issued_at.desc(), Certificate.id.desc())
        .offset((page - 1) * page_size)
        .limit(page_size)
    )
    return Listing(
        rows=[Row(certificate, str(name)) for certificate, name in result.tuples()],
        total=total,
        page=page,
        pages=pages,
    )
