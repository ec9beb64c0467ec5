"""The candidate's own pages, and the counsellor's button that invites a candidate to them.

- ``GET /home`` is the portal's home page, which serves a candidate
  :func:`candidates.own_home.home_page`: their record in plain language.
- ``GET /my/consents``, ``POST /my/consents``: give or withdraw each consent, with the same
  effect as a counsellor recording it (:func:`candidates.consent.record_consent`): a
  withdrawal from sharing takes the candidate out of suggestions in the same request.
- ``GET /my/portfolio``, ``POST /my/claims``, ``POST /my/evidence``: the candidate's own
  competences and evidence; what they add is a draft until the counsellor accepts it
  (``Claim.draft``, ``EvidenceItem.draft``): matching and the interview guide leave it out.
- ``GET /my/corrections``, ``POST /my/corrections``: the candidate asks for a correction of
  their record (:mod:`candidates.corrections`); ``POST /candidates/{id}/corrections/{request_id}``:
  the counsellor answers.
- ``POST /candidates/{candidate_id}/account``: a counsellor or the coordinator invites the
  candidate (:func:`candidates.own.invite`).

The record is always the signed-in user's own (:func:`candidates.own.own_candidate`); no
route here takes a candidate's id from the candidate. Internal matters (guidance notes not
shared, interview notes, match suggestions, who opened the record) are not shown.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Template
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED, HTTP_400_BAD_REQUEST
from sqlalchemy.ext.asyncio import AsyncSession

from candidates import consent, corrections, own, portfolio
from candidates.access import get_visible_candidate, may_change_record
from candidates.forms import record_consent_from
from candidates.models import Candidate, ConsentPurpose
from candidates.portfolio_forms import (
    BLANK_CLAIM,
    EVIDENCE_FIELDS,
    UPLOAD_REQUEST_LIMIT,
    FormState,
    add_claim_from,
    add_evidence_from,
)
from candidates.uploads import megabytes
from competences.models import label_in
from kit.flash import redirect_with
from kit.forms import FormReader
from kit.i18n import current_locale, gettext
from kit.invalid import Invalid
from kit.roles import Viewer

NO_STORE = {"Cache-Control": "no-store"}


async def _own(db_session: AsyncSession, viewer: Viewer) -> Candidate:
    candidate = await own.own_candidate(db_session, viewer)
    if candidate is None:
        raise NotFoundException(detail=gettext("Your record is not available."))
    return candidate


async def _consent_page(
    db_session: AsyncSession,
    candidate: Candidate,
    *,
    errors: dict[str, str] | None = None,
    purpose: str = "",
    status: int = HTTP_200_OK,
) -> Template:
    records = await consent.consent_records(db_session, candidate_id=candidate.id)
    in_force = {(state.purpose, state.organisation_id): state for state in records.current}
    named = [
        state
        for state in records.current
        if state.purpose == ConsentPurpose.SHARE_WITH_ORGANISATION.value
    ]
    general = [
        {
            "value": value,
            "label": consent.purpose_label(value),
            "given_text": consent.consent_text(value, given=True),
            "withdrawn_text": consent.consent_text(value, given=False),
            "state": in_force.get((value, None)),
        }
        for value in consent.PURPOSES
        if value != ConsentPurpose.SHARE_WITH_ORGANISATION.value
    ]
    organisations = await consent.list_partner_organisations(db_session)
    return Template(
        template_name="candidates/own_consents.html",
        status_code=status,
        headers=NO_STORE,
        context={
            "general": general,
            "named": named,
            "named_text": consent.consent_text(
                ConsentPurpose.SHARE_WITH_ORGANISATION.value,
                given=True,
                organisation_name=gettext("the organisation you choose"),
            ),
            "organisation_options": [(str(o.id), o.name) for o in organisations],
            "history": records.history,
            "purpose_label": consent.purpose_label,
            "errors": errors or {},
            "error_purpose": purpose,
        },
    )


async def _corrections_page(
    db_session: AsyncSession,
    candidate: Candidate,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status: int = HTTP_200_OK,
) -> Template:
    return Template(
        template_name="candidates/own_corrections.html",
        status_code=status,
        headers=NO_STORE,
        context={
            "requests": await corrections.requests_of(db_session, candidate_id=candidate.id),
            "values": values or {"text": ""},
            "errors": errors or {},
            "text_max": corrections.TEXT_MAX,
        },
    )


async def _portfolio_page(
    db_session: AsyncSession,
    request: Request[Any, Any, Any],
    candidate: Candidate,
    *,
    claim_form: FormState | None = None,
    evidence_form: FormState | None = None,
    status: int = HTTP_200_OK,
) -> Template:
    overview = await portfolio.portfolio_overview(db_session, candidate_id=candidate.id)
    claims = [row for row in overview.rows if row.claim_id is not None]
    return Template(
        template_name="candidates/own_portfolio.html",
        status_code=status,
        headers=NO_STORE,
        context={
            "rows": overview.rows,
            "evidence": await own.own_evidence(db_session, candidate_id=candidate.id),
            "claim_form": claim_form or FormState(values=dict(BLANK_CLAIM)),
            "evidence_form": evidence_form or FormState(values=dict.fromkeys(EVIDENCE_FIELDS, "")),
            "claim_options": [
                (
                    str(row.claim_id),
                    label_in(row.labels or {}, current_locale.get()) or row.free_text,
                )
                for row in claims
            ],
            "upload_limit": megabytes(int(request.app.state.settings.uploads.max_bytes)),
            "level_options": portfolio.level_options(),
            "acquired_how_options": [
                (value, gettext(label)) for value, label in portfolio.ACQUIRED_HOW_LABELS.items()
            ],
        },
    )


class OwnPages(Controller):
    """The candidate's own consent and portfolio pages (their home is the portal's
    ``/home``)."""

    path = "/my"
    include_in_schema = False

    @get("/consents")
    async def consents(
        self, db_session: NamedDependency[AsyncSession], viewer: NamedDependency[Viewer]
    ) -> Template:
        return await _consent_page(db_session, await _own(db_session, viewer))

    @post("/consents", status_code=HTTP_200_OK)
    async def decide(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        viewer: NamedDependency[Viewer],
    ) -> Response[Any]:
        """Give or withdraw one consent; it applies from this request on."""
        candidate = await _own(db_session, viewer)
        sent = await record_consent_from(
            db_session,
            await request.form(),
            candidate_id=candidate.id,
            recorded_by_id=viewer.user_id,
        )
        if sent.errors:
            return await _consent_page(
                db_session,
                candidate,
                errors=sent.errors,
                purpose=sent.purpose,
                status=HTTP_400_BAD_REQUEST,
            )
        message = (
            gettext("Thank you. Your consent is saved.")
            if sent.given
            else gettext("Your consent is withdrawn. It applies from now on.")
        )
        return redirect_with(request, "/my/consents", message)

    @get("/portfolio")
    async def own_portfolio(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        viewer: NamedDependency[Viewer],
    ) -> Template:
        return await _portfolio_page(db_session, request, await _own(db_session, viewer))

    @post("/claims", status_code=HTTP_200_OK)
    async def add_claim(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        viewer: NamedDependency[Viewer],
    ) -> Response[Any]:
        """A competence in the candidate's own words, for the counsellor to review."""
        candidate = await _own(db_session, viewer)
        state, _claim = await add_claim_from(
            db_session, await request.form(), candidate_id=candidate.id, draft=True
        )
        if state.errors:
            return await _portfolio_page(
                db_session, request, candidate, claim_form=state, status=HTTP_400_BAD_REQUEST
            )
        return redirect_with(
            request,
            "/my/portfolio",
            gettext("Saved. Your counsellor goes through it with you."),
        )

    @post("/evidence", status_code=HTTP_200_OK, request_max_body_size=UPLOAD_REQUEST_LIMIT)
    async def add_evidence(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        viewer: NamedDependency[Viewer],
    ) -> Response[Any]:
        """A description and/or a file (checked and rebuilt like every upload), as a draft."""
        candidate = await _own(db_session, viewer)
        state = await add_evidence_from(request, db_session, candidate_id=candidate.id, draft=True)
        if state.errors:
            return await _portfolio_page(
                db_session, request, candidate, evidence_form=state, status=HTTP_400_BAD_REQUEST
            )
        return redirect_with(
            request,
            "/my/portfolio#evidence",
            gettext("Saved. Your counsellor goes through it with you."),
        )

    @get("/corrections")
    async def own_corrections(
        self, db_session: NamedDependency[AsyncSession], viewer: NamedDependency[Viewer]
    ) -> Template:
        return await _corrections_page(db_session, await _own(db_session, viewer))

    @post("/corrections", status_code=HTTP_200_OK)
    async def ask_correction(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        viewer: NamedDependency[Viewer],
    ) -> Response[Any]:
        """The candidate asks for a correction of their record."""
        candidate = await _own(db_session, viewer)
        reader = FormReader(await request.form())
        text = reader.text("text", required=True, max_length=corrections.TEXT_MAX)
        errors = dict(reader.errors)
        if not errors:
            try:
                await corrections.ask(
                    db_session,
                    candidate_id=candidate.id,
                    requested_by_id=viewer.user_id,
                    text=text,
                )
            except Invalid as invalid:
                errors = invalid.errors
        if errors:
            return await _corrections_page(
                db_session,
                candidate,
                values={"text": text},
                errors=errors,
                status=HTTP_400_BAD_REQUEST,
            )
        return redirect_with(
            request,
            "/my/corrections",
            gettext("Your request is sent. Your counsellor answers it here."),
        )


class CandidateAccountPages(Controller):
    """The counsellor invites a candidate to their own pages."""

    path = "/candidates"
    include_in_schema = False

    @post("/{candidate_id:int}/account", status_code=HTTP_201_CREATED)
    async def invite(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        viewer: NamedDependency[Viewer],
        candidate_id: FromPath[int],
    ) -> Response[Any]:
        candidate = await get_visible_candidate(
            db_session, candidate_id=candidate_id, viewer=viewer
        )
        if candidate is None or not may_change_record(viewer) or candidate.erased_at is not None:
            raise NotFoundException(detail=gettext("No such candidate."))
        try:
            sent = await own.invite(
                db_session,
                viewer,
                candidate=candidate,
                public_url=request.app.state.settings.public_url,
            )
        except Invalid as invalid:
            return redirect_with(
                request,
                f"/candidates/{candidate.id}#own-account",
                invalid.errors["account"],
                category="error",
            )
        development = request.app.state.settings.env == "development"
        return Template(
            template_name="candidates/own_invited.html",
            status_code=HTTP_201_CREATED,
            headers=NO_STORE,
            context={
                "candidate": candidate,
                "sent": sent,
                "development_link": sent.link if development else None,
            },
        )

    @post("/{candidate_id:int}/corrections/{request_id:int}", status_code=HTTP_200_OK)
    async def answer_correction(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        viewer: NamedDependency[Viewer],
        candidate_id: FromPath[int],
        request_id: FromPath[int],
    ) -> Response[Any]:
        """The counsellor (or the coordinator) answers a request to correct the record."""
        candidate = await get_visible_candidate(
            db_session, candidate_id=candidate_id, viewer=viewer
        )
        if candidate is None or not may_change_record(viewer):
            raise NotFoundException(detail=gettext("No such candidate."))
        reader = FormReader(await request.form())
        back = f"/candidates/{candidate.id}#corrections"
        try:
            await corrections.answer(
                db_session,
                candidate_id=candidate.id,
                request_id=request_id,
                status=reader.raw("status"),
                text=reader.raw("answer")[: corrections.TEXT_MAX + 1],
                answered_by_id=viewer.user_id,
            )
        except LookupError:
            raise NotFoundException(detail=gettext("No such request.")) from None
        except corrections.AlreadyAnswered:
            return redirect_with(
                request, back, gettext("The request was answered already."), category="error"
            )
        except Invalid as invalid:
            return redirect_with(request, back, " ".join(invalid.errors.values()), category="error")
        return redirect_with(request, back, gettext("The answer was saved; the candidate sees it."))
