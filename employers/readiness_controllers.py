"""Pages of an organisation's multicultural-readiness profile: view, fill in, update."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_200_OK, HTTP_400_BAD_REQUEST
from sqlalchemy.ext.asyncio import AsyncSession

from employers import readiness
from employers.models import Organisation
from kit.flash import flash
from kit.i18n import gettext

# Roles that may change a profile: mirrors the policy rows of the edit page (employer
# contacts of the organisation, and the coordinator).
EDITOR_ROLES = ("employer", "coordinator")


async def _organisation(
    request: Request[Any, Any, Any], session: AsyncSession, organisation_id: int
) -> Organisation:
    """The organisation, if the user may see it; otherwise 404 (ids cannot be probed).

    Users who act for an organisation (employer contacts and tutors) have its id; staff have
    none and see every organisation, as far as the policy table lets them in at all.
    """
    own = request.user.organisation_id
    if own is not None and own != organisation_id:
        raise NotFoundException()
    organisation = await session.get(Organisation, organisation_id)
    if organisation is None:
        raise NotFoundException()
    return organisation


def _form(
    organisation: Organisation,
    answers: dict[str, Any],
    errors: dict[str, str] | None = None,
    status: int = HTTP_200_OK,
) -> Template:
    return Template(
        template_name="employers/readiness_form.html",
        status_code=status,
        context={
            "organisation": organisation,
            "questionnaire": readiness.get_questionnaire(),
            "cefr_levels": readiness.CEFR_LEVELS,
            "answers": answers,
            "errors": errors or {},
        },
    )


class ReadinessPages(Controller):
    path = "/organisations/{organisation_id:int}/readiness"
    include_in_schema = False

    @get("/")
    async def show(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        organisation_id: FromPath[int],
    ) -> Template:
        organisation = await _organisation(request, db_session, organisation_id)
        profile = await readiness.get_profile(db_session, organisation_id=organisation.id)
        questionnaire = readiness.get_questionnaire()
        assessment = readiness.assess(questionnaire, profile.answers) if profile else None
        return Template(
            template_name="employers/readiness.html",
            context={
                "organisation": organisation,
                "profile": profile,
                "assessment": assessment,
                "level": questionnaire.level(assessment.level) if assessment else None,
                "answer_lines": (
                    readiness.describe_answers(questionnaire, profile.answers) if profile else []
                ),
                "outdated": profile is not None
                and profile.questionnaire_version != questionnaire.version,
                "can_edit": request.user.role in EDITOR_ROLES,
            },
        )

    @get("/edit")
    async def edit(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        organisation_id: FromPath[int],
    ) -> Template:
        organisation = await _organisation(request, db_session, organisation_id)
        profile = await readiness.get_profile(db_session, organisation_id=organisation.id)
        return _form(organisation, dict(profile.answers) if profile else {})

    @post("/edit", status_code=HTTP_200_OK)
    async def save(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        organisation_id: FromPath[int],
    ) -> Response[Any]:
        organisation = await _organisation(request, db_session, organisation_id)
        questionnaire = readiness.get_questionnaire()
        answers = readiness.answers_from_form(questionnaire, await request.form())
        try:
            await readiness.save_answers(
                db_session,
                organisation_id=organisation.id,
                answers=answers,
                questionnaire=questionnaire,
            )
        except readiness.AnswersError as error:
            return _form(organisation, answers, error.errors, HTTP_400_BAD_REQUEST)
        response: Response[Any] = Redirect(
            path=f"/organisations/{organisation.id}/readiness", status_code=303
        )
        flash(request, response, gettext("The readiness profile is saved."), "success")
        return response
