"""Outcome pages: record, change and remove what followed for a candidate; and the outcomes
section of the candidate's page.

Counsellors and the coordinator record outcomes for the candidates whose record they may
change (:func:`reporting.outcomes.changeable_candidate`); any other candidate, like one that
does not exist, answers 404. The form works without JavaScript: bad input shows the form
again with a message beside each field and everything typed kept. The rules live in
:mod:`reporting.outcomes`.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Template
from litestar.status_codes import HTTP_200_OK, HTTP_400_BAD_REQUEST
from sqlalchemy.ext.asyncio import AsyncSession

from candidates.access import may_change_record
from candidates.models import Candidate
from kit import clock
from kit.flash import redirect_with
from kit.forms import FormReader, parse_id
from kit.i18n import gettext
from kit.idempotency import Earlier, FormKeys, create_once, new_submission_key
from kit.invalid import Invalid
from kit.roles import Viewer
from kit.sections import Section
from reporting import outcomes
from reporting.models import Outcome, OutcomeSource
from reporting.outcomes import OutcomeInput

TEXT_FIELDS = ("kind", "starts_on", "ends_on", "employer_name", "organisation", "source")
NOTE_FIELDS = ("source_note", "note")
# The fields in the order the form shows them (the error summary lists them so).
_FIELD_ORDER = {
    name: index
    for index, name in enumerate((*TEXT_FIELDS[:5], "units", *TEXT_FIELDS[5:], *NOTE_FIELDS))
}


@dataclass
class OutcomeForm:
    """The outcome form as shown: the text of each field, the units ticked, the messages."""

    values: dict[str, str] = field(default_factory=dict)
    units: set[str] = field(default_factory=set)
    errors: dict[str, str] = field(default_factory=dict)

    def add_service_errors(self, errors: Mapping[str, str]) -> None:
        """The service's messages beside their fields (a field keeps its first message), all
        in the order of the fields on the form, as the summary above it lists them."""
        for name, message in errors.items():
            self.errors.setdefault(name, message)
        self.errors = dict(
            sorted(self.errors.items(), key=lambda item: _FIELD_ORDER.get(item[0], 99))
        )


def blank_form() -> OutcomeForm:
    return OutcomeForm(values={**dict.fromkeys(TEXT_FIELDS + NOTE_FIELDS, "")})


def form_of(outcome: Outcome) -> OutcomeForm:
    """The form filled in with a recorded outcome."""
    values = {
        "kind": outcome.kind,
        "starts_on": outcome.starts_on.isoformat() if outcome.starts_on else "",
        "ends_on": outcome.ends_on.isoformat() if outcome.ends_on else "",
        "employer_name": outcome.employer_name,
        "organisation": str(outcome.organisation_id or ""),
        "source": outcome.source,
        "source_note": outcome.source_note,
        "note": outcome.note,
    }
    return OutcomeForm(values=values, units={str(unit) for unit in outcome.units_recognised})


def read_outcome_form(
    data: Mapping[str, Any], *, today: datetime.date
) -> tuple[OutcomeForm, OutcomeInput]:
    """The submitted form as shown again, and the input it gives (format checked here, the
    rules by :func:`reporting.outcomes.check_outcome`)."""
    reader = FormReader(data)
    starts_on = reader.date("starts_on", latest=today + outcomes.START_AHEAD)
    ends_on = reader.date("ends_on")
    reader.date_order("starts_on", "ends_on")
    employer_name = reader.text("employer_name", max_length=outcomes.EMPLOYER_MAX)
    organisation_id = reader.id("organisation")
    chosen = reader.values("units", max_items=outcomes.MAX_UNITS)
    unit_ids = [parse_id(text) for text in chosen]
    if any(unit_id is None for unit_id in unit_ids):
        reader.error("units", gettext("Choose units from the list."))
    source_note = reader.text("source_note", max_length=outcomes.SOURCE_NOTE_MAX)
    note = reader.text("note", max_length=outcomes.NOTE_MAX)
    form = OutcomeForm(
        values={name: reader.raw(name) for name in TEXT_FIELDS}
        | {"source_note": source_note, "note": note},
        units=set(chosen),
        errors=dict(reader.errors),
    )
    given = OutcomeInput(
        kind=reader.raw("kind"),
        source=reader.raw("source"),
        starts_on=starts_on,
        ends_on=ends_on,
        employer_name=employer_name,
        organisation_id=organisation_id,
        unit_ids=tuple(unit_id for unit_id in unit_ids if unit_id is not None),
        source_note=source_note,
        note=note,
    )
    return form, given


async def _candidate(db_session: AsyncSession, viewer: Viewer, candidate_id: int) -> Candidate:
    """The candidate if the viewer may record their outcomes; otherwise 404."""
    candidate = await outcomes.changeable_candidate(
        db_session, candidate_id=candidate_id, viewer=viewer
    )
    if candidate is None:
        raise NotFoundException(detail=gettext("No such candidate."))
    return candidate


async def _form_page(
    db_session: AsyncSession,
    *,
    candidate: Candidate,
    form: OutcomeForm,
    outcome: Outcome | None = None,
    submission_key: str = "",
    status: int = HTTP_200_OK,
) -> Template:
    heading = gettext("Change an outcome") if outcome else gettext("Record an outcome")
    action = f"/candidates/{candidate.id}/outcomes"
    return Template(
        template_name="reporting/outcome_form.html",
        status_code=status,
        context={
            "heading": heading,
            "candidate": candidate,
            "outcome": outcome,
            "action_url": f"{action}/{outcome.id}/edit" if outcome else action,
            "submission_key": submission_key,
            "values": form.values,
            "units": form.units,
            "errors": form.errors,
            "kind_options": outcomes.kind_options(),
            "source_options": outcomes.source_options(),
            "organisation_options": await outcomes.partner_options(
                db_session, current=outcome.organisation_id if outcome else None
            ),
            "unit_groups": await outcomes.unit_choices(db_session),
            "latest_start": clock.today() + outcomes.START_AHEAD,
        },
    )


class OutcomePages(Controller):
    path = "/candidates/{candidate_id:int}/outcomes"
    include_in_schema = False

    @get("/new")
    async def new(
        self,
        db_session: NamedDependency[AsyncSession],
        viewer: NamedDependency[Viewer],
        candidate_id: FromPath[int],
    ) -> Template:
        candidate = await _candidate(db_session, viewer, candidate_id)
        form = blank_form()
        form.values["source"] = OutcomeSource.CANDIDATE.value
        return await _form_page(
            db_session, candidate=candidate, form=form, submission_key=new_submission_key()
        )

    @post("/", status_code=HTTP_200_OK)
    async def record(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        viewer: NamedDependency[Viewer],
        candidate_id: FromPath[int],
    ) -> Response[Any]:
        """Record an outcome once, however often the same form is sent
        (:mod:`kit.idempotency`)."""
        candidate = await _candidate(db_session, viewer, candidate_id)
        submitted = await request.form()
        today = clock.today()
        form, given = read_outcome_form(submitted, today=today)
        keys = FormKeys.of(submitted, creating=True)
        page = f"/candidates/{candidate.id}#outcomes"
        try:
            if form.errors:
                # The rules' messages too, so that every wrong field is marked at once.
                await outcomes.check_outcome(db_session, given, today=today)
            else:
                created = await create_once(
                    db_session,
                    key=keys.claimed,
                    user_id=viewer.user_id,
                    fallback=page,
                    create=lambda: outcomes.record_outcome(
                        db_session, candidate=candidate, viewer=viewer, data=given, today=today
                    ),
                    page_of=lambda _outcome: page,
                )
                if isinstance(created, Earlier):
                    return redirect_with(request, created.page, Earlier.message(), "info")
                return redirect_with(request, page, gettext("The outcome was recorded."))
        except Invalid as invalid:
            form.add_service_errors(invalid.errors)
        return await _form_page(
            db_session,
            candidate=candidate,
            form=form,
            submission_key=keys.shown,
            status=HTTP_400_BAD_REQUEST,
        )

    @get("/{outcome_id:int}/edit")
    async def edit(
        self,
        db_session: NamedDependency[AsyncSession],
        viewer: NamedDependency[Viewer],
        candidate_id: FromPath[int],
        outcome_id: FromPath[int],
    ) -> Template:
        candidate = await _candidate(db_session, viewer, candidate_id)
        outcome = await outcomes.get_outcome(
            db_session, candidate_id=candidate.id, outcome_id=outcome_id
        )
        if outcome is None:
            raise NotFoundException(detail=gettext("No such outcome."))
        return await _form_page(
            db_session, candidate=candidate, form=form_of(outcome), outcome=outcome
        )

    @post("/{outcome_id:int}/edit", status_code=HTTP_200_OK)
    async def change(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        viewer: NamedDependency[Viewer],
        candidate_id: FromPath[int],
        outcome_id: FromPath[int],
    ) -> Response[Any]:
        candidate = await _candidate(db_session, viewer, candidate_id)
        current = await outcomes.get_outcome(
            db_session, candidate_id=candidate.id, outcome_id=outcome_id
        )
        if current is None:
            raise NotFoundException(detail=gettext("No such outcome."))
        today = clock.today()
        form, given = read_outcome_form(await request.form(), today=today)
        try:
            if form.errors:
                await outcomes.check_outcome(
                    db_session,
                    given,
                    today=today,
                    current_organisation_id=current.organisation_id,
                )
            else:
                changed = await outcomes.change_outcome(
                    db_session, outcome=current, data=given, today=today
                )
                if changed is None:
                    raise NotFoundException(detail=gettext("No such outcome."))
                return redirect_with(
                    request,
                    f"/candidates/{candidate.id}#outcomes",
                    gettext("The outcome was changed."),
                )
        except Invalid as invalid:
            form.add_service_errors(invalid.errors)
        return await _form_page(
            db_session,
            candidate=candidate,
            form=form,
            outcome=current,
            status=HTTP_400_BAD_REQUEST,
        )

    @post("/{outcome_id:int}/remove", status_code=HTTP_200_OK)
    async def remove(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        viewer: NamedDependency[Viewer],
        candidate_id: FromPath[int],
        outcome_id: FromPath[int],
    ) -> Response[Any]:
        """Remove an outcome. Sent again (a double click), it says the outcome is gone
        rather than showing an error page."""
        candidate = await _candidate(db_session, viewer, candidate_id)
        page = f"/candidates/{candidate.id}#outcomes"
        if await outcomes.remove_outcome(
            db_session, candidate_id=candidate.id, outcome_id=outcome_id
        ):
            return redirect_with(request, page, gettext("The outcome was removed."))
        return redirect_with(
            request, page, gettext("That outcome is not recorded (any more)."), "info"
        )


# --- The section of the candidate's page ------------------------------------------------


async def candidate_outcomes(
    session: AsyncSession, viewer: Viewer, *, candidate_id: int
) -> Section | None:
    """The candidate's outcomes, for a viewer the page already let see the candidate: staff
    read them (teachers too), and those who keep the record change them. Teachers see the
    section only when there is something to read."""
    if not outcomes.may_read(viewer):
        return None
    may_change = may_change_record(viewer)
    lines = await outcomes.list_outcomes(session, candidate_id=candidate_id)
    if not lines and not may_change:
        return None
    return Section(
        "reporting/_candidate_outcomes.html",
        {"lines": lines, "may_change": may_change, "candidate_id": candidate_id},
    )
