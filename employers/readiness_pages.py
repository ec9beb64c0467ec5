"""Pages of an organisation's multicultural-readiness profile: view, fill in, update."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Template
from litestar.status_codes import HTTP_200_OK, HTTP_400_BAD_REQUEST
from sqlalchemy.ext.asyncio import AsyncSession

from employers import readiness_answers
from employers.access import may_edit, readiness_organisation
from employers.models import Organisation
from employers.readiness_questionnaire import assess, get_questionnaire
from kit.flash import redirect_with
from kit.i18n import gettext
from kit.invalid import Invalid
from kit.languages import CEFR_LEVELS
from kit.roles import Viewer


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
            "questionnaire": get_questionnaire(),
            "cefr_levels": CEFR_LEVELS,
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
        db_session: NamedDependency[AsyncSession],
        viewer: NamedDependency[Viewer],
        organisation_id: FromPath[int],
    ) -> Template:
        organisation = await readiness_organisation(db_session, viewer, organisation_id)
        profile = await readiness_answers.get_profile(db_session, organisation_id=organisation.id)
        questionnaire = get_questionnaire()
        assessment = assess(questionnaire, profile.answers) if profile else None
        return Template(
            template_name="employers/readiness.html",
            context={
                "organisation": organisation,
                "profile": profile,
                "assessment": assessment,
                "level": questionnaire.level(assessment.level) if assessment else None,
                "answer_lines": (
                    readiness_answers.describe_answers(questionnaire, profile.answers)
                    if profile
                    else []
                ),
                "outdated": profile is not None
                and profile.questionnaire_version != questionnaire.version,
                "can_edit": may_edit(viewer, organisation.id),
            },
        )

    @get("/edit")
    async def edit(
        self,
        db_session: NamedDependency[AsyncSession],
        viewer: NamedDependency[Viewer],
        organisation_id: FromPath[int],
    ) -> Template:
        organisation = await readiness_organisation(db_session, viewer, organisation_id)
        profile = await readiness_answers.get_profile(db_session, organisation_id=organisation.id)
        return _form(organisation, dict(profile.answers) if profile else {})

    @post("/edit", status_code=HTTP_200_OK)
    async def save(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        viewer: NamedDependency[Viewer],
        organisation_id: FromPath[int],
    ) -> Response[Any]:
        organisation = await readiness_organisation(db_session, viewer, organisation_id)
        questionnaire = get_questionnaire()
        answers = readiness_answers.answers_from_form(questionnaire, await request.form())
        try:
            await readiness_answers.save_answers(
                db_session,
                organisation_id=organisation.id,
                answers=answers,
                questionnaire=questionnaire,
            )
        except Invalid as error:
            return _form(organisation, answers, error.errors, HTTP_400_BAD_REQUEST)
        return redirect_with(
            request,
            f"/organisations/{organisation.id}/readiness",
            gettext("The readiness profile is saved."),
        )
