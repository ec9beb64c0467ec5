"""The candidate's home: their own record, as far as it is theirs to see (``GET /home`` for
the role *candidate*, served by the portal's home page). Internal matters are left out:
guidance notes not shared, interview notes, match suggestions, who opened the record."""

from __future__ import annotations

from litestar.response import Template
from sqlalchemy.ext.asyncio import AsyncSession

from accounts.models import User
from candidates import consent, interviews, own, portfolio, services
from kit import sections
from kit.languages import language_name
from kit.roles import Viewer

NO_STORE = {"Cache-Control": "no-store"}


async def home_page(db_session: AsyncSession, viewer: Viewer) -> Template:
    """The candidate's home: their own record, as far as it is theirs to see."""
    candidate = await own.own_candidate(db_session, viewer)
    if candidate is None:
        return Template(template_name="candidates/own_missing.html")
    counsellor = (
        await db_session.get(User, candidate.counsellor_id) if candidate.counsellor_id else None
    )
    consents = await consent.current_consents(db_session, candidate_id=candidate.id)
    return Template(
        template_name="candidates/own_home.html",
        headers=NO_STORE,
        context={
            "candidate": candidate,
            "counsellor": counsellor,
            "stages": [(stage, services.stage_label(stage)) for stage in services.STAGES],
            "languages": [(language_name(row.language), row.level) for row in candidate.languages],
            "portfolio": await portfolio.portfolio_overview(db_session, candidate_id=candidate.id),
            "interviews": await interviews.list_interviews(db_session, candidate_id=candidate.id),
            "notes": await own.shared_notes(db_session, candidate_id=candidate.id),
            "consents": consents,
            "purpose_label": consent.purpose_label,
            "sections": await sections.collect(
                "own", db_session, viewer, candidate_id=candidate.id
            ),
        },
    )
