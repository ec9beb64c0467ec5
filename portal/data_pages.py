"""A person's copy of their data: as JSON, as a readable page, and as a PDF.

- ``GET /api/me/export``: anyone signed in, their own copy (:mod:`portal.personal_data`):
  the account, and for a candidate their whole record.
- ``GET /my/data``, ``GET /my/data.pdf``: the candidate reads the same copy, or keeps it.
- ``GET /candidates/{candidate_id}/data`` and ``…/data.json``: the coordinator makes the copy
  of a candidate's record on request (a candidate without an account asks their
  counsellor). Each copy made for a coordinator is written in the record's access log.
- ``POST /candidates/{candidate_id}/erase``: the coordinator erases a candidate's data at
  their request (:mod:`portal.erasure`).
"""

from __future__ import annotations

import datetime
import json
import re
from typing import Any

import anyio.to_thread
from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Template
from litestar.status_codes import HTTP_200_OK
from sqlalchemy.ext.asyncio import AsyncSession

from candidates import access_log, own
from candidates.access import get_visible_candidate
from candidates.uploads import EvidenceStore
from kit import clock
from kit.flash import redirect_with
from kit.forms import FormReader
from kit.i18n import N_, gettext
from kit.roles import Viewer
from kit.storage import storage_for
from portal.erasure import AlreadyErased, erase_candidate
from portal.personal_data import HIDDEN, account_copy, candidate_copy

NO_STORE = {"Cache-Control": "private, no-store"}
PRINT_TEMPLATE = "portal/personal_data_print.html"

# Headings of the copy's parts; a table without one is named by its database name.
TABLE_LABELS: dict[str, str] = {
    "candidate": N_("Your record"),
    "candidate_language": N_("Languages"),
    "candidate_access": N_("Counsellors given access to your record"),
    "guidance_note": N_("Guidance notes"),
    "consent_record": N_("Consents"),
    "claim": N_("Competences you claimed"),
    "evidence_item": N_("Evidence"),
    "interview": N_("Interviews"),
    "verified_competence": N_("Competences verified in interviews"),
    "matching_change": N_("Changes to your matching data"),
    "record_opening": N_("Who opened your record"),
    "correction_request": N_("Your requests for corrections"),
    "suggestion_decision": N_("Decisions on suggestions and proposals"),
    "placement": N_("Placements"),
    "monitoring_visit": N_("Monitoring visits"),
    "assessment_outcome": N_("Assessment plan"),
    "rating_sheet": N_("Assessors' rating sheets"),
    "rating": N_("Ratings"),
    "tutor_link": N_("Links for the workplace tutor"),
    "assessment_decision": N_("Assessment decisions"),
    "decision_outcome": N_("Final grades"),
    "certificate": N_("Certificates"),
    "reporting_outcome": N_("Outcomes after the placement"),
    "reporting_participant": N_("Data for the funder (ESF+)"),
    "form_submission": N_("Forms sent about you"),
    "audit_event": N_("History of changes"),
    "user_account": N_("Your account"),
    "login_session": N_("Sessions"),
    "login_attempt": N_("Sign-in attempts"),
    "login_throttle": N_("Sign-in delays"),
    "password_reset": N_("Password links"),
    "invitation": N_("Invitations"),
}


def _value(value: Any) -> str:
    if value is None or value == "":
        return "–"
    if value is True:
        return gettext("yes")
    if value is False:
        return gettext("no")
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


CODE = re.compile(r"[a-z][a-z0-9_]*")
# A number, a date or a time as stored (ASCII digits first): the page's own language.
FIGURE = re.compile(r"[0-9]")


def _kind(value: Any) -> str:
    """How a value reads: ``code`` (a stored code such as ``work_history``, or JSON: English
    identifiers), ``data`` (what someone wrote, in a language the portal does not know) or
    ``page`` (yes, no, a number or a date: the page's own language)."""
    if isinstance(value, dict | list) or (isinstance(value, str) and CODE.fullmatch(value)):
        return "code"
    if isinstance(value, str) and value and not FIGURE.match(value):
        return "data"
    return "page"


def _shown(table: str, column: str, value: Any) -> tuple[str, str, str]:
    """A field of the readable copy: its name, its value as shown, and how it reads."""
    if (table, column) in HIDDEN:
        return column, gettext("kept, not shown"), "page"
    return column, _value(value), _kind(value)


# Headings of the account's parts where the record has a part of the same table.
ACCOUNT_LABELS: dict[str, str] = {
    "audit_event": N_("What you did in the portal, and changes to your account"),
    "consent_record": N_("Consents you recorded"),
    "correction_request": N_("Corrections you asked for"),
    "form_submission": N_("Forms you sent"),
    "record_opening": N_("Records you opened"),
    "guidance_note": N_("Notes you wrote"),
    "candidate": N_("Clients you counsel"),
}


def _parts(copy: dict[str, Any], prefix: str) -> list[dict[str, Any]]:
    """The copy's tables that hold rows, as the readable page shows them (``prefix`` keeps
    the record's and the account's parts apart)."""
    labels = {**TABLE_LABELS, **ACCOUNT_LABELS} if prefix == "account" else TABLE_LABELS
    return [
        {
            "name": f"{prefix}-{name}",
            "label": gettext(labels[name]) if name in labels else name,
            "rows": [
                [_shown(name, column, row.get(column)) for column in ["id", *part["columns"]]]
                for row in part["rows"]
            ],
        }
        for name, part in copy["tables"].items()
        if part["rows"]
    ]


async def _copies(db_session: AsyncSession, viewer: Viewer) -> dict[str, Any]:
    copies: dict[str, Any] = {"account": await account_copy(db_session, user_id=viewer.user_id)}
    candidate_id = await own.own_candidate_id(db_session, viewer)
    if candidate_id is not None:
        copies["record"] = await candidate_copy(db_session, candidate_id=candidate_id)
    return copies


def _context(copies: dict[str, Any], *, heading: str, whose: str) -> dict[str, Any]:
    parts = _parts(copies["record"], "record") if "record" in copies else []
    return {
        "heading": heading,
        "whose": whose,
        "made_on": clock.today(),
        "parts": parts + (_parts(copies["account"], "account") if "account" in copies else []),
        "left_out": copies.get("record", {}).get("left_out", {}),
    }


def _download(body: bytes | str, media_type: str, filename: str) -> Response[Any]:
    return Response(
        body,
        media_type=media_type,
        headers={**NO_STORE, "Content-Disposition": f'attachment; filename="{filename}"'},
    )


class PersonalDataPages(Controller):
    include_in_schema = False

    @get("/api/me/export", include_in_schema=True, tags=["accounts"])
    async def export(
        self, db_session: NamedDependency[AsyncSession], viewer: NamedDependency[Viewer]
    ) -> Response[dict[str, Any]]:
        """A copy of every piece of the signed-in person's data the portal keeps: ``account``
        (the account and every row that names its user) and, for a candidate, ``record``
        (their whole record), table by table with the inventory's personal columns."""
        return Response(await _copies(db_session, viewer), headers=NO_STORE)

    @get("/my/data")
    async def own_data(
        self, db_session: NamedDependency[AsyncSession], viewer: NamedDependency[Viewer]
    ) -> Template:
        """The candidate's copy, to read."""
        copies = await _copies(db_session, viewer)
        return Template(
            template_name="portal/personal_data.html",
            headers=NO_STORE,
            context={
                **_context(copies, heading=gettext("Your data"), whose=viewer.name),
                "own": True,
            },
        )

    @get("/my/data.pdf")
    async def own_data_pdf(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        viewer: NamedDependency[Viewer],
    ) -> Response[Any]:
        """The same copy as a PDF to keep."""
        copies = await _copies(db_session, viewer)
        context = _context(copies, heading=gettext("Your data"), whose=viewer.name)
        return _download(await _pdf(request, context), "application/pdf", "isok-data.pdf")

    @get("/candidates/{candidate_id:int}/data")
    async def candidate_data(
        self,
        db_session: NamedDependency[AsyncSession],
        viewer: NamedDependency[Viewer],
        candidate_id: FromPath[int],
    ) -> Template:
        """The coordinator's copy of a candidate's record, made on the candidate's request."""
        candidate = await _for_coordinator(db_session, viewer, candidate_id)
        copies = {"record": await candidate_copy(db_session, candidate_id=candidate.id)}
        heading = gettext("Copy of the data of %(name)s") % {"name": candidate.name}
        return Template(
            template_name="portal/personal_data.html",
            headers=NO_STORE,
            context={
                **_context(copies, heading=heading, whose=candidate.name),
                "own": False,
                "candidate_id": candidate.id,
            },
        )

    @get("/candidates/{candidate_id:int}/data.json")
    async def candidate_data_json(
        self,
        db_session: NamedDependency[AsyncSession],
        viewer: NamedDependency[Viewer],
        candidate_id: FromPath[int],
    ) -> Response[Any]:
        candidate = await _for_coordinator(db_session, viewer, candidate_id)
        copy = await candidate_copy(db_session, candidate_id=candidate.id)
        body = json.dumps({"record": copy}, ensure_ascii=False, indent=2)
        return _download(body, "application/json", f"isok-candidate-{candidate.id}.json")

    @post("/candidates/{candidate_id:int}/erase", status_code=HTTP_200_OK)
    async def erase(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        viewer: NamedDependency[Viewer],
        candidate_id: FromPath[int],
    ) -> Response[Any]:
        """The coordinator erases a candidate's data at their request (portal/erasure.py)."""
        candidate = await _coordinators(db_session, viewer, candidate_id)
        back = f"/candidates/{candidate.id}#data-rights"
        if FormReader(await request.form()).raw("confirm") != "yes":
            return redirect_with(
                request,
                back,
                gettext("Nothing was erased: tick the box to confirm the person's request."),
                category="error",
            )
        try:
            await erase_candidate(
                db_session,
                candidate_id=candidate.id,
                actor_id=viewer.user_id,
                store=EvidenceStore(storage_for(request.app.state.settings)),
                reason="the person's request",
            )
        except AlreadyErased:
            return redirect_with(
                request, back, gettext("This record was erased before."), category="error"
            )
        return redirect_with(
            request,
            back,
            gettext(
                "The data was erased. The record stays, without anything that tells who it was."
            ),
        )


async def _coordinators(db_session: AsyncSession, viewer: Viewer, candidate_id: int) -> Any:
    """The candidate, for the coordinator; 404 for anybody else and for an unknown id."""
    candidate = await get_visible_candidate(db_session, candidate_id=candidate_id, viewer=viewer)
    if candidate is None or not viewer.is_coordinator:
        raise NotFoundException(detail=gettext("No such candidate."))
    return candidate


async def _for_coordinator(db_session: AsyncSession, viewer: Viewer, candidate_id: int) -> Any:
    """The candidate, for a copy of their data made by the coordinator (in the access log)."""
    candidate = await _coordinators(db_session, viewer, candidate_id)
    await access_log.record_opening(
        db_session, candidate_id=candidate.id, viewer=viewer, via="copy"
    )
    return candidate


async def _pdf(request: Request[Any, Any, Any], context: dict[str, Any]) -> bytes:
    """The copy's print document as a PDF, rendered in a worker thread."""
    from certificates.pdf import html_to_pdf

    engine = request.app.template_engine
    assert engine is not None
    html = engine.engine.get_template(PRINT_TEMPLATE).render(
        {**context, "generated": datetime.datetime.now(datetime.UTC)}
    )
    body: bytes = await anyio.to_thread.run_sync(lambda: html_to_pdf(html))
    return body
