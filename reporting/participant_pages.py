"""The coordinator's pages of the ESF+ participant data: one candidate's form, and the totals.

Only the coordinator reaches them (``portal/policy.py``, "reporting: participant data"); the
reading and writing is :mod:`reporting.participants`, the only module that knows the table.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException, PermissionDeniedException
from litestar.params import FromPath, FromQuery
from litestar.response import Template
from litestar.status_codes import HTTP_200_OK, HTTP_400_BAD_REQUEST
from sqlalchemy.ext.asyncio import AsyncSession

from candidates import services as candidates
from candidates.models import Candidate
from kit import clock
from kit.flash import redirect_with
from kit.forms import FormReader
from kit.i18n import gettext
from kit.invalid import Invalid
from kit.roles import Viewer
from reporting import participants
from reporting.participants import (
    DEFAULT_LEGAL_BASIS,
    FEWER,
    HIDDEN,
    INDICATORS,
    LEGAL_BASIS_MAX,
    NOT_DISCLOSED,
    NOT_DISCLOSED_LABEL,
    SUPPRESS_BELOW,
    NotCoordinator,
    ParticipantInput,
)


async def _candidate(db_session: AsyncSession, viewer: Viewer, candidate_id: int) -> Candidate:
    """The candidate, for the coordinator; 404 when there is none, 403 for anyone else."""
    if not viewer.is_coordinator:
        raise PermissionDeniedException(
            gettext("Only the coordinator reads or records participant data.")
        )
    candidate = await candidates.get_candidate(db_session, candidate_id=candidate_id, viewer=viewer)
    if candidate is None:
        raise NotFoundException(detail=gettext("No such candidate."))
    return candidate


def _fields() -> list[dict[str, Any]]:
    """Each indicator as the form shows it: a select whose last option is "not disclosed"."""
    return [
        {
            "name": indicator.name,
            "label": gettext(indicator.label),
            "hint": gettext(indicator.hint) if indicator.hint else "",
            "options": [(value, gettext(label)) for value, label in indicator.options]
            + [(NOT_DISCLOSED, gettext(NOT_DISCLOSED_LABEL))],
        }
        for indicator in INDICATORS
    ]


def _form(
    candidate: Candidate,
    values: Mapping[str, str],
    *,
    recorded: bool,
    errors: Mapping[str, str] | None = None,
    status: int = HTTP_200_OK,
) -> Template:
    return Template(
        template_name="reporting/participant_form.html",
        status_code=status,
        context={
            "candidate": candidate,
            "fields": _fields(),
            "values": values,
            "errors": dict(errors or {}),
            "recorded": recorded,
            "today": clock.today().isoformat(),
            "suppress_below": SUPPRESS_BELOW,
        },
    )


def _read(form: Mapping[str, Any]) -> tuple[ParticipantInput, dict[str, str], dict[str, str]]:
    """The submitted form: what to record, the values to show again, and the messages."""
    reader = FormReader(form)
    values: dict[str, str] = {}
    chosen: dict[str, str] = {}
    for indicator in INDICATORS:
        values[indicator.name] = reader.raw(indicator.name)
        choice = reader.choice(indicator.name, (*indicator.values, NOT_DISCLOSED))
        chosen[indicator.name] = choice or NOT_DISCLOSED
    values["legal_basis"] = reader.text("legal_basis", max_length=LEGAL_BASIS_MAX)
    if not values["legal_basis"]:
        reader.error("legal_basis", gettext("Say on what legal basis the data is kept."))
    values["recorded_on"] = reader.raw("recorded_on")
    recorded_on = reader.date("recorded_on", latest=clock.today())
    if not values["recorded_on"]:
        reader.error("recorded_on", gettext("Enter the date the participant gave the data."))
    data = ParticipantInput(
        values=chosen, legal_basis=values["legal_basis"], recorded_on=recorded_on
    )
    return data, values, reader.errors


class ParticipantDataPages(Controller):
    """A candidate's participant data: the coordinator records or changes it."""

    path = "/candidates/{candidate_id:int}/participant-data"
    include_in_schema = False

    @get("/")
    async def show(
        self,
        db_session: NamedDependency[AsyncSession],
        viewer: NamedDependency[Viewer],
        candidate_id: FromPath[int],
    ) -> Template:
        candidate = await _candidate(db_session, viewer, candidate_id)
        recorded = await participants.get(db_session, viewer=viewer, candidate_id=candidate.id)
        if recorded is None:
            values = {indicator.name: NOT_DISCLOSED for indicator in INDICATORS}
            values["legal_basis"] = gettext(DEFAULT_LEGAL_BASIS)
            values["recorded_on"] = clock.today().isoformat()
        else:
            values = dict(recorded.values)
            values["legal_basis"] = recorded.legal_basis
            values["recorded_on"] = recorded.recorded_on.isoformat()
        return _form(candidate, values, recorded=recorded is not None)

    @post("/", status_code=HTTP_200_OK)
    async def save(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        viewer: NamedDependency[Viewer],
        candidate_id: FromPath[int],
    ) -> Response[Any]:
        candidate = await _candidate(db_session, viewer, candidate_id)
        data, values, errors = _read(await request.form())
        if not errors:
            try:
                await participants.record(db_session, viewer=viewer, candidate=candidate, data=data)
            except Invalid as invalid:
                errors = invalid.errors
            except NotCoordinator as refused:
                raise PermissionDeniedException(str(refused)) from None
        if errors:
            recorded = await participants.get(db_session, viewer=viewer, candidate_id=candidate.id)
            return _form(
                candidate,
                values,
                recorded=recorded is not None,
                errors=errors,
                status=HTTP_400_BAD_REQUEST,
            )
        return redirect_with(
            request,
            f"/candidates/{candidate.id}",
            gettext("The participant data is saved."),
        )


class ParticipantAggregatePages(Controller):
    """The participant data of every candidate (or of those who entered in a period), as
    totals with small counts suppressed."""

    path = "/participant-data"
    include_in_schema = False

    @get("/")
    async def totals(
        self,
        db_session: NamedDependency[AsyncSession],
        entered_from: FromQuery[str] = "",
        entered_to: FromQuery[str] = "",
    ) -> Template:
        reader = FormReader({"entered_from": entered_from, "entered_to": entered_to})
        start = reader.date("entered_from")
        end = reader.date("entered_to")
        reader.date_order("entered_from", "entered_to")
        if not reader.ok:
            start = end = None
        totals = await participants.aggregates(db_session, entered_from=start, entered_to=end)
        return Template(
            template_name="reporting/participant_totals.html",
            context={
                "totals": totals,
                "errors": reader.errors,
                "values": {"entered_from": entered_from, "entered_to": entered_to},
                "filtered": start is not None or end is not None,
                "fewer": FEWER,
                "hidden": HIDDEN,
                "suppress_below": SUPPRESS_BELOW,
            },
        )
