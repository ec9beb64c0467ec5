"""JSON API of positions: ``/api/positions``.

The same rules as the pages (:mod:`placements.positions.services`): staff read every
organisation's positions, an employer its own organisation's and writes them. Another
organisation's position answers 404; input that breaks a rule 400 (``{"detail": {"message",
"errors"}}``); a status change that is not possible now 409.
"""

from __future__ import annotations

import dataclasses

from litestar import Controller, get, patch, post
from litestar.di import NamedDependency
from litestar.exceptions import ClientException, NotFoundException, ValidationException
from litestar.params import FromPath, FromQuery, JSONBody
from litestar.status_codes import HTTP_201_CREATED, HTTP_409_CONFLICT
from msgspec import UNSET
from sqlalchemy.ext.asyncio import AsyncSession

from competences.models import label_in
from employers.models import OrganisationKind
from kit.i18n import current_locale
from kit.roles import Viewer
from placements.models import Position, PositionStatus
from placements.positions import queries, services
from placements.positions.dependencies import provide_own_position
from placements.positions.queries import PositionFilters
from placements.positions.schemas import (
    CompetenceRequirementIn,
    CompetenceRequirementOut,
    LanguageRequirementIn,
    LanguageRequirementOut,
    PositionIn,
    PositionOut,
    PositionPatch,
)
from placements.positions.services import (
    CompetenceRequirementInput,
    LanguageRequirementInput,
    PositionInput,
    StatusChangeNotAllowed,
)


def _position_out(
    position: Position, organisation_name: str, organisation_status: str
) -> PositionOut:
    locale = current_locale.get()
    return PositionOut(
        id=position.id,
        organisation_id=position.organisation_id,
        organisation=organisation_name,
        organisation_status=organisation_status,
        title=position.title,
        field=position.framework.code if position.framework else None,
        status=position.status,
        **services.details_of(position),
        competences=[
            CompetenceRequirementOut(
                competence_id=row.competence_id,
                code=row.competence.code,
                label=label_in(row.competence.labels, locale),
                min_level=row.min_level,
                required=row.required,
            )
            for row in position.competences
        ],
        languages=[
            LanguageRequirementOut(**services.details_of(row, services.LANGUAGE_DETAILS))
            for row in position.languages
        ],
        created_at=position.created_at,
        updated_at=position.updated_at,
    )


def _competences_in(items: list[CompetenceRequirementIn]) -> list[CompetenceRequirementInput]:
    return [
        CompetenceRequirementInput(
            competence=item.competence, min_level=item.min_level, required=item.required
        )
        for item in items
    ]


def _languages_in(items: list[LanguageRequirementIn]) -> list[LanguageRequirementInput]:
    return [
        LanguageRequirementInput(
            language=item.language.strip().lower(),
            level=item.level.strip().upper(),
            for_safety=item.for_safety,
        )
        for item in items
    ]


async def _position_answer(
    db_session: AsyncSession, viewer: Viewer, position_id: int
) -> PositionOut:
    """The position as the API answers it; another organisation's answers 404."""
    position = await queries.get_position(
        db_session, position_id=position_id, viewer=viewer, reload=True
    )
    if position is None:
        raise NotFoundException(detail=f"No position with the id {position_id}.")
    context = await queries.get_position_context(db_session, position=position)
    return _position_out(position, context.organisation.name, context.organisation.status)


class PositionApi(Controller):
    path = "/api/positions"
    tags = ["positions"]  # noqa: RUF012 - Litestar reads this class attribute

    @get("/")
    async def list_positions(
        self,
        db_session: NamedDependency[AsyncSession],
        viewer: NamedDependency[Viewer],
        status: FromQuery[str | None] = None,
        field: FromQuery[str | None] = None,
        region: FromQuery[str | None] = None,
        kind: FromQuery[str | None] = None,
        readiness: FromQuery[int | None] = None,
    ) -> list[PositionOut]:
        """Positions: staff see every organisation's, an employer its own organisation's.

        Filters: ``status``, ``field`` (framework code), ``region``, ``kind`` (organisation
        kind) and ``readiness`` (the organisation's minimum readiness level, 0-3).
        """
        if status is not None and status not in {s.value for s in PositionStatus}:
            raise ValidationException(detail=f"Unknown status {status!r}.")
        if kind is not None and kind not in {k.value for k in OrganisationKind}:
            raise ValidationException(detail=f"Unknown organisation kind {kind!r}.")
        if readiness is not None and not 0 <= readiness <= 3:
            raise ValidationException(detail="readiness must be from 0 to 3.")
        rows = await queries.list_positions(
            db_session,
            viewer=viewer,
            filters=PositionFilters(
                status=status, field=field, region=region, kind=kind, readiness=readiness
            ),
            with_requirements=True,
        )
        return [
            _position_out(row.position, row.organisation_name, row.organisation_status)
            for row in rows
        ]

    @get("/{position_id:int}")
    async def get_position(
        self,
        db_session: NamedDependency[AsyncSession],
        viewer: NamedDependency[Viewer],
        position_id: FromPath[int],
    ) -> PositionOut:
        """One position; another organisation's answers 404."""
        return await _position_answer(db_session, viewer, position_id)

    @post("/", status_code=HTTP_201_CREATED)
    async def create_position(
        self,
        db_session: NamedDependency[AsyncSession],
        viewer: NamedDependency[Viewer],
        data: JSONBody[PositionIn],
    ) -> PositionOut:
        """A new draft position of the employer's organisation."""
        assert viewer.organisation_id is not None  # the policy lets only employers here
        created = await services.create_position(
            db_session,
            organisation_id=viewer.organisation_id,
            data=PositionInput(
                title=data.title,
                field=data.field,
                tasks=data.tasks,
                municipality=data.municipality,
                region=data.region,
                start_date=data.start_date,
                end_date=data.end_date,
                hours_per_week=data.hours_per_week,
                places=data.places,
                tutor_id=data.tutor_id,
                competences=_competences_in(data.competences),
                languages=_languages_in(data.languages),
            ),
        )
        return await _position_answer(db_session, viewer, created.id)

    @patch("/{position_id:int}")
    async def update_position(
        self,
        db_session: NamedDependency[AsyncSession],
        viewer: NamedDependency[Viewer],
        position_id: FromPath[int],
        data: JSONBody[PositionPatch],
    ) -> PositionOut:
        """Change the given fields; ``status`` opens or closes (409 if not possible now)."""
        position = await provide_own_position(db_session, viewer, position_id)
        if data.status is not UNSET and data.status not in {s.value for s in PositionStatus}:
            raise ValidationException(detail=f"Unknown status {data.status!r}.")
        changes = {
            name: getattr(data, name)
            for name in data.__struct_fields__
            if name != "status" and getattr(data, name) is not UNSET
        }
        if changes:
            current = services.input_from(position)
            if "competences" in changes:
                changes["competences"] = _competences_in(changes["competences"])
            if "languages" in changes:
                changes["languages"] = _languages_in(changes["languages"])
            await services.update_position(
                db_session, position=position, data=dataclasses.replace(current, **changes)
            )
        if isinstance(data.status, str) and data.status != position.status:
            try:
                await services.change_position_status(
                    db_session, position=position, status=data.status
                )
            except StatusChangeNotAllowed as refused:
                raise ClientException(detail=str(refused), status_code=HTTP_409_CONFLICT) from None
        return await _position_answer(db_session, viewer, position_id)
