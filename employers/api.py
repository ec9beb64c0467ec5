"""The organisations JSON API: list, read, change details, partnership decisions.

Who may use each route is declared in ``portal/policy.py``; the object check (an employer
contact sees only their own organisation, another answers 404) is in :mod:`employers.access`.
"""

from __future__ import annotations

from litestar import Controller, get, patch, post
from litestar.di import NamedDependency
from litestar.exceptions import ClientException, ValidationException
from litestar.params import FromPath, FromQuery, JSONBody
from litestar.status_codes import HTTP_200_OK, HTTP_409_CONFLICT
from sqlalchemy.ext.asyncio import AsyncSession

from employers import services
from employers.access import editable_organisation, visible_organisation
from employers.models import Organisation
from employers.schemas import DecisionIn, OrganisationOut, OrganisationPatch
from kit.i18n import gettext as _
from kit.invalid import Invalid
from kit.regions import REGIONS
from kit.roles import Viewer


def organisation_out(organisation: Organisation) -> OrganisationOut:
    readiness = organisation.readiness
    return OrganisationOut(
        id=organisation.id,
        name=organisation.name,
        business_id=organisation.business_id,
        kind=organisation.kind,
        sector=organisation.sector,
        municipality=organisation.municipality,
        region=organisation.region,
        size=organisation.size,
        status=organisation.status,
        decided_at=organisation.decided_at,
        decided_by=organisation.decided_by,
        decision_reason=organisation.decision_reason,
        agreement_start=organisation.agreement_start,
        agreement_end=organisation.agreement_end,
        readiness_level=readiness.level if readiness is not None else None,
    )


def _api_filter(name: str, value: str, choices: dict[str, str] | tuple[str, ...]) -> str | None:
    if not value:
        return None
    if value not in choices:
        raise ValidationException(
            detail=_("Unknown %(name)s %(value)r; use one of: %(choices)s.")
            % {"name": name, "value": value, "choices": ", ".join(choices)}
        )
    return value


def _refused(error: Invalid) -> ClientException:
    """A decision that does not fit the status answers 409; other refusals 400, their
    message every field's message (this API's wording since it began)."""
    if isinstance(error, services.TransitionError):
        return ClientException(detail=error.errors["form"], status_code=HTTP_409_CONFLICT)
    return ValidationException(detail="; ".join(error.errors.values()), extra=error.errors)


class OrganisationApi(Controller):
    path = "/api/organisations"
    tags = ["organisations"]  # noqa: RUF012 - Litestar reads this class attribute

    @get("/")
    async def list_organisations(
        self,
        db_session: NamedDependency[AsyncSession],
        viewer: NamedDependency[Viewer],
        status: FromQuery[str] = "",
        kind: FromQuery[str] = "",
        region: FromQuery[str] = "",
        q: FromQuery[str] = "",
    ) -> list[OrganisationOut]:
        """Organisations by name: all for staff; only its own for an employer contact."""
        own: list[int] | None = None
        if not viewer.keeps_records:
            own = [viewer.organisation_id] if viewer.organisation_id is not None else []
        organisations = await services.list_organisations(
            db_session,
            status=_api_filter("status", status, services.STATUS_LABELS),
            kind=_api_filter("kind", kind, services.KIND_LABELS),
            region=_api_filter("region", region, REGIONS),
            search=q[:200],
            organisation_ids=own,
        )
        return [organisation_out(organisation) for organisation in organisations]

    @get("/{organisation_id:int}")
    async def get_organisation(
        self,
        db_session: NamedDependency[AsyncSession],
        viewer: NamedDependency[Viewer],
        organisation_id: FromPath[int],
    ) -> OrganisationOut:
        """One organisation; another organisation than an employer's own answers 404."""
        organisation = await visible_organisation(db_session, viewer, organisation_id)
        return organisation_out(organisation)

    @patch("/{organisation_id:int}")
    async def update_organisation(
        self,
        db_session: NamedDependency[AsyncSession],
        viewer: NamedDependency[Viewer],
        organisation_id: FromPath[int],
        data: JSONBody[OrganisationPatch],
    ) -> OrganisationOut:
        """Change details (not the status): an employer its own organisation, a
        coordinator any. Bad values answer 400 with a message per field."""
        organisation = await editable_organisation(db_session, viewer, organisation_id)
        details = services.merge_details(
            services.OrganisationDetails.of(organisation),
            name=data.name,
            business_id=data.business_id,
            kind=data.kind,
            sector=data.sector,
            municipality=data.municipality,
            region=data.region,
            size=data.size,
        )
        try:
            await services.update_organisation(
                db_session, organisation=organisation, details=details
            )
        except Invalid as error:
            raise _refused(error) from error
        return organisation_out(organisation)

    @post("/{organisation_id:int}/decision", status_code=HTTP_200_OK)
    async def decide(
        self,
        db_session: NamedDependency[AsyncSession],
        viewer: NamedDependency[Viewer],
        organisation_id: FromPath[int],
        data: JSONBody[DecisionIn],
    ) -> OrganisationOut:
        """A coordinator approves, rejects, deactivates or reactivates a partnership.

        A decision that does not fit the current status answers 409; missing or wrong
        fields answer 400."""
        organisation = await visible_organisation(
            db_session, viewer, organisation_id, for_update=True
        )
        try:
            await services.decide(
                db_session,
                organisation=organisation,
                decision=data.decision,
                decided_by=viewer.signature,
                reason=data.reason,
                agreement_start=data.agreement_start,
                agreement_end=data.agreement_end,
            )
        except Invalid as error:
            raise _refused(error) from error
        return organisation_out(organisation)
