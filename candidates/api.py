"""The candidates JSON API: list, read, create and change client records.

The same rules as the pages (:mod:`candidates.services`); a candidate outside the caller's
reach answers 404, and input a rule refuses answers 400 through :class:`kit.invalid.Invalid`.
"""

from __future__ import annotations

import dataclasses

import msgspec
from litestar import Controller, get, patch, post
from litestar.di import NamedDependency
from litestar.exceptions import ClientException, NotFoundException, ValidationException
from litestar.params import FromPath, FromQuery, JSONBody
from litestar.status_codes import HTTP_201_CREATED, HTTP_409_CONFLICT
from msgspec import UNSET
from sqlalchemy.ext.asyncio import AsyncSession

from candidates import access_log, consent, services
from candidates.access import may_change_record
from candidates.models import Candidate
from candidates.schemas import (
    CandidateIn,
    CandidateOut,
    CandidatePatch,
    ConsentOut,
    LanguageIn,
)
from candidates.services import (
    CandidateInput,
    CaseloadFilters,
    LanguageInput,
)
from kit.i18n import gettext
from kit.roles import Viewer


def _candidate_out(
    candidate: Candidate, consents: list[consent.ConsentState] | None = None
) -> CandidateOut:
    """The record (languages loaded) as the API shows it; with ``consents``, those too."""
    out = msgspec.convert(candidate, CandidateOut, from_attributes=True)
    if consents is not None:
        out.consents = msgspec.convert(consents, list[ConsentOut], from_attributes=True)
    return out


def _languages_in(items: list[LanguageIn]) -> list[LanguageInput]:
    return [
        LanguageInput(
            language=item.language.strip().lower(),
            level=item.level.strip().upper(),
            assessment=item.assessment.strip(),
        )
        for item in items
    ]


async def _api_candidate(
    db_session: AsyncSession, viewer: Viewer, candidate_id: int
) -> CandidateOut:
    candidate = await services.get_candidate(
        db_session, candidate_id=candidate_id, viewer=viewer, reload=True
    )
    if candidate is None:
        raise NotFoundException(detail=f"No candidate with the id {candidate_id}.")
    states = await consent.current_consents(db_session, candidate_id=candidate.id)
    return _candidate_out(candidate, states)


class CandidateApi(Controller):
    path = "/api/candidates"
    tags = ["candidates"]  # noqa: RUF012 - Litestar reads this class attribute

    @get("/")
    async def list_candidates(
        self,
        db_session: NamedDependency[AsyncSession],
        viewer: NamedDependency[Viewer],
        q: FromQuery[str | None] = None,
        stage: FromQuery[str | None] = None,
        client_type: FromQuery[str | None] = None,
    ) -> list[CandidateOut]:
        """Candidates the caller may see: a counsellor's caseload, the coordinator's every
        candidate, a teacher's interviewees. Filters: ``q`` (part of the name), ``stage``,
        ``client_type``."""
        if stage is not None and stage not in services.STAGES:
            raise ValidationException(detail=f"Unknown stage {stage!r}.")
        if client_type is not None and client_type not in services.CLIENT_TYPE_LABELS:
            raise ValidationException(detail=f"Unknown client type {client_type!r}.")
        caseload = await services.list_caseload(
            db_session,
            viewer=viewer,
            filters=CaseloadFilters(search=q or "", stage=stage, client_type=client_type),
            with_languages=True,
        )
        return [_candidate_out(row.candidate) for row in caseload.rows]

    @get("/{candidate_id:int}")
    async def get_candidate(
        self,
        db_session: NamedDependency[AsyncSession],
        viewer: NamedDependency[Viewer],
        candidate_id: FromPath[int],
    ) -> CandidateOut:
        """One candidate with the consent in force; one out of reach answers 404. Each
        answer is a line in the record's access log."""
        found = await _api_candidate(db_session, viewer, candidate_id)
        await access_log.record_opening(
            db_session, candidate_id=candidate_id, viewer=viewer, via="api"
        )
        return found

    @post("/", status_code=HTTP_201_CREATED)
    async def create_candidate(
        self,
        db_session: NamedDependency[AsyncSession],
        viewer: NamedDependency[Viewer],
        data: JSONBody[CandidateIn],
    ) -> CandidateOut:
        """A new candidate: a counsellor's own, or the coordinator's chosen counsellor's."""
        created = await services.create_candidate(
            db_session,
            viewer=viewer,
            data=dataclasses.replace(
                msgspec.convert(data, CandidateInput, from_attributes=True),
                languages=_languages_in(data.languages),
            ),
        )
        return await _api_candidate(db_session, viewer, created.id)

    @patch("/{candidate_id:int}")
    async def update_candidate(
        self,
        db_session: NamedDependency[AsyncSession],
        viewer: NamedDependency[Viewer],
        candidate_id: FromPath[int],
        data: JSONBody[CandidatePatch],
    ) -> CandidateOut:
        """Change the given fields; ``languages`` replaces the list."""
        candidate = await services.get_candidate(
            db_session, candidate_id=candidate_id, viewer=viewer
        )
        if candidate is None or not may_change_record(viewer):
            raise NotFoundException(detail=f"No candidate with the id {candidate_id}.")
        if candidate.erased_at is not None:
            raise ClientException(
                detail=gettext("This record was erased and cannot be changed."),
                status_code=HTTP_409_CONFLICT,
            )
        changes = {
            name: getattr(data, name)
            for name in data.__struct_fields__
            if getattr(data, name) is not UNSET
        }
        if changes:
            if "languages" in changes:
                changes["languages"] = _languages_in(changes["languages"])
            if "regions" in changes:
                changes["regions"] = list(changes["regions"])
            await services.update_candidate(
                db_session,
                viewer=viewer,
                candidate=candidate,
                data=dataclasses.replace(services.input_from(candidate), **changes),
            )
        return await _api_candidate(db_session, viewer, candidate_id)
