"""Portfolio pages: claims mapped to the framework, evidence with uploads.

Whoever may see the candidate (:mod:`candidates.access`) sees the portfolio and downloads its
files; counsellors and the coordinator change it, teachers read it. A candidate, claim or
evidence item outside the viewer's reach answers 404. The rules live in
:mod:`candidates.portfolio` and :mod:`candidates.uploads`.
"""

from __future__ import annotations

from pathlib import PurePath
from typing import Any
from urllib.parse import quote

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.exceptions import ClientException, NotFoundException, PermissionDeniedException
from litestar.params import FromPath
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_200_OK, HTTP_400_BAD_REQUEST, HTTP_409_CONFLICT
from sqlalchemy.ext.asyncio import AsyncSession

from candidates import portfolio as services
from candidates.access import get_visible_candidate, may_change_record
from candidates.models import Candidate, Claim, EvidenceItem
from candidates.portfolio_forms import (
    BLANK_CLAIM,
    EVIDENCE_FIELDS,
    UPLOAD_REQUEST_LIMIT,
    FormState,
    add_claim_from,
    add_evidence_from,
    read_claim_form,
)
from candidates.uploads import (
    EXTENSIONS,
    EvidenceStore,
    megabytes,
)
from kit.flash import flash, redirect_with
from kit.i18n import gettext
from kit.invalid import Invalid
from kit.roles import Viewer
from kit.storage import storage_for


def _store(request: Request[Any, Any, Any]) -> EvidenceStore:
    return EvidenceStore(storage_for(request.app.state.settings))


async def _candidate(
    db_session: AsyncSession, viewer: Viewer, candidate_id: int, *, change: bool = False
) -> Candidate:
    """The candidate if the viewer may see it (404 otherwise) and, for ``change``, keep it."""
    candidate = await get_visible_candidate(db_session, candidate_id=candidate_id, viewer=viewer)
    if candidate is None:
        raise NotFoundException(detail=gettext("No such candidate."))
    if change and not may_change_record(viewer):
        raise PermissionDeniedException(detail=gettext("Only counsellors change portfolios."))
    if change and candidate.erased_at is not None:
        raise ClientException(
            detail=gettext("This record was erased and cannot be changed."),
            status_code=HTTP_409_CONFLICT,
        )
    return candidate


async def _evidence(
    db_session: AsyncSession, candidate: Candidate, evidence_id: int
) -> EvidenceItem:
    evidence = await services.get_evidence(
        db_session, candidate_id=candidate.id, evidence_id=evidence_id
    )
    if evidence is None:
        raise NotFoundException(detail=gettext("No such evidence."))
    return evidence


async def _accept(
    request: Request[Any, Any, Any],
    db_session: AsyncSession,
    item: Claim | EvidenceItem,
    back: str,
    *,
    done: str,
    before: str,
) -> Response[Any]:
    """Accept a draft the candidate added, and say whether it was one."""
    accepted = await services.accept_draft(db_session, item=item)
    return redirect_with(request, back, done if accepted else before)


async def _claim(db_session: AsyncSession, candidate: Candidate, claim_id: int) -> Claim:
    claim = await services.get_claim(db_session, candidate_id=candidate.id, claim_id=claim_id)
    if claim is None:
        raise NotFoundException(detail=gettext("No such claim."))
    return claim


def _claim_values(claim: Claim) -> dict[str, str]:
    return {
        "competence": services.claim_text(claim),
        "self_level": str(claim.self_level),
        "acquired_how": claim.acquired_how,
        "acquired_where": claim.acquired_where,
        "months": "" if claim.months is None else str(claim.months),
    }


def _claim_form_context() -> dict[str, Any]:
    return {
        "level_options": services.level_options(),
        "acquired_how_options": [
            (value, gettext(label)) for value, label in services.ACQUIRED_HOW_LABELS.items()
        ],
    }


def _claim_option(claim: Claim) -> str:
    if claim.competence is not None:
        return f"{claim.competence.code} {claim.free_text}".strip()
    return claim.free_text


async def _portfolio_page(
    db_session: AsyncSession,
    request: Request[Any, Any, Any],
    viewer: Viewer,
    candidate: Candidate,
    *,
    claim_form: FormState | None = None,
    evidence_form: FormState | None = None,
    status: int = HTTP_200_OK,
) -> Template:
    portfolio = await services.load_portfolio(db_session, candidate_id=candidate.id)
    return Template(
        template_name="candidates/portfolio.html",
        status_code=status,
        context={
            "candidate": candidate,
            "portfolio": portfolio,
            "may_edit": may_change_record(viewer),
            "claim_form": claim_form or FormState(values=dict(BLANK_CLAIM)),
            "evidence_form": evidence_form or FormState(values=dict.fromkeys(EVIDENCE_FIELDS, "")),
            "claim_options": [
                (str(view.claim.id), _claim_option(view.claim)) for view in portfolio.claims
            ],
            "acquired_how_label": services.acquired_how_label,
            "upload_limit": megabytes(int(request.app.state.settings.uploads.max_bytes)),
            **_claim_form_context(),
        },
    )


def _claim_page(
    candidate: Candidate, claim: Claim, state: FormState, *, status: int = HTTP_200_OK
) -> Template:
    return Template(
        template_name="candidates/portfolio_claim.html",
        status_code=status,
        context={
            "candidate": candidate,
            "claim": claim,
            "claim_form": state,
            **_claim_form_context(),
        },
    )


def _saved(request: Request[Any, Any, Any], candidate: Candidate, claim: Claim) -> Response[Any]:
    response: Response[Any] = Redirect(
        path=f"/candidates/{candidate.id}/portfolio#claim-{claim.id}", status_code=303
    )
    message = (
        gettext("The claim was saved.")
        if claim.competence_id is not None
        else gettext(
            "The claim was saved. It is not mapped to the framework yet: see the suggestions."
        )
    )
    flash(request, response, message, "success")
    return response


def _attachment(filename: str) -> str:
    """``Content-Disposition`` for ``filename``: plain when it is ASCII, else RFC 5987."""
    quoted = quote(filename)
    if quoted == filename:
        return f'attachment; filename="{filename}"'
    return f"attachment; filename*=utf-8''{quoted}"


def _download_name(original_name: str, content_type: str, evidence_id: int) -> str:
    """The original name with the extension of what the file really is."""
    stem = PurePath(original_name).stem.strip(". ") if original_name else ""
    return f"{stem or f'evidence-{evidence_id}'}{EXTENSIONS[content_type]}"


class PortfolioPages(Controller):
    path = "/candidates"
    include_in_schema = False

    @get("/{candidate_id:int}/portfolio")
    async def portfolio(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        viewer: NamedDependency[Viewer],
        candidate_id: FromPath[int],
    ) -> Template:
        """Claims with their mapping and levels, evidence, and the forms to add both."""
        candidate = await _candidate(db_session, viewer, candidate_id)
        return await _portfolio_page(db_session, request, viewer, candidate)

    @post("/{candidate_id:int}/claims")
    async def add_claim(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        viewer: NamedDependency[Viewer],
        candidate_id: FromPath[int],
    ) -> Response[Any]:
        candidate = await _candidate(db_session, viewer, candidate_id, change=True)
        state, claim = await add_claim_from(
            db_session, await request.form(), candidate_id=candidate.id
        )
        if claim is None:
            return await _portfolio_page(
                db_session,
                request,
                viewer,
                candidate,
                claim_form=state,
                status=HTTP_400_BAD_REQUEST,
            )
        return _saved(request, candidate, claim)

    @get("/{candidate_id:int}/claims/{claim_id:int}")
    async def edit_claim_form(
        self,
        db_session: NamedDependency[AsyncSession],
        viewer: NamedDependency[Viewer],
        candidate_id: FromPath[int],
        claim_id: FromPath[int],
    ) -> Template:
        candidate = await _candidate(db_session, viewer, candidate_id, change=True)
        claim = await _claim(db_session, candidate, claim_id)
        return _claim_page(candidate, claim, FormState(values=_claim_values(claim)))

    @post("/{candidate_id:int}/claims/{claim_id:int}")
    async def edit_claim(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        viewer: NamedDependency[Viewer],
        candidate_id: FromPath[int],
        claim_id: FromPath[int],
    ) -> Response[Any]:
        candidate = await _candidate(db_session, viewer, candidate_id, change=True)
        claim = await _claim(db_session, candidate, claim_id)
        state, data = read_claim_form(await request.form())
        try:
            if state.errors:
                await services.check_claim(
                    db_session, candidate_id=candidate.id, data=data, claim_id=claim.id
                )
            else:
                await services.update_claim(db_session, claim=claim, data=data)
        except Invalid as invalid:
            for name, message in invalid.errors.items():
                state.errors.setdefault(name, message)
        if state.errors:
            return _claim_page(candidate, claim, state, status=HTTP_400_BAD_REQUEST)
        return _saved(request, candidate, claim)

    @post("/{candidate_id:int}/claims/{claim_id:int}/delete")
    async def delete_claim(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        viewer: NamedDependency[Viewer],
        candidate_id: FromPath[int],
        claim_id: FromPath[int],
    ) -> Response[Any]:
        candidate = await _candidate(db_session, viewer, candidate_id, change=True)
        claim = await _claim(db_session, candidate, claim_id)
        await services.delete_claim(db_session, claim=claim)
        response: Response[Any] = Redirect(
            path=f"/candidates/{candidate.id}/portfolio", status_code=303
        )
        flash(request, response, gettext("The claim was removed."), "success")
        return response

    @post("/{candidate_id:int}/claims/{claim_id:int}/accept")
    async def accept_claim(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        viewer: NamedDependency[Viewer],
        candidate_id: FromPath[int],
        claim_id: FromPath[int],
    ) -> Response[Any]:
        """Accept a claim the candidate added: it counts in matching and interviews."""
        candidate = await _candidate(db_session, viewer, candidate_id, change=True)
        claim = await _claim(db_session, candidate, claim_id)
        return await _accept(
            request,
            db_session,
            claim,
            f"/candidates/{candidate.id}/portfolio#claim-{claim.id}",
            done=gettext("The claim was accepted."),
            before=gettext("The claim was already accepted."),
        )

    @post("/{candidate_id:int}/evidence/{evidence_id:int}/accept")
    async def accept_evidence(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        viewer: NamedDependency[Viewer],
        candidate_id: FromPath[int],
        evidence_id: FromPath[int],
    ) -> Response[Any]:
        """Accept evidence the candidate added."""
        candidate = await _candidate(db_session, viewer, candidate_id, change=True)
        evidence = await _evidence(db_session, candidate, evidence_id)
        return await _accept(
            request,
            db_session,
            evidence,
            f"/candidates/{candidate.id}/portfolio#evidence-{evidence.id}",
            done=gettext("The evidence was accepted."),
            before=gettext("The evidence was already accepted."),
        )

    @post("/{candidate_id:int}/evidence", request_max_body_size=UPLOAD_REQUEST_LIMIT)
    async def add_evidence(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        viewer: NamedDependency[Viewer],
        candidate_id: FromPath[int],
    ) -> Response[Any]:
        """A description and/or a file (multipart form), optionally linked to a claim."""
        candidate = await _candidate(db_session, viewer, candidate_id, change=True)
        state = await add_evidence_from(request, db_session, candidate_id=candidate.id)
        if state.errors:
            return await _portfolio_page(
                db_session,
                request,
                viewer,
                candidate,
                evidence_form=state,
                status=HTTP_400_BAD_REQUEST,
            )
        response: Response[Any] = Redirect(
            path=f"/candidates/{candidate.id}/portfolio#evidence", status_code=303
        )
        flash(request, response, gettext("The evidence was added."), "success")
        return response

    @get("/{candidate_id:int}/evidence/{evidence_id:int}/file")
    async def download(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        viewer: NamedDependency[Viewer],
        candidate_id: FromPath[int],
        evidence_id: FromPath[int],
    ) -> Response[bytes]:
        """The uploaded file, as an attachment with the type its content was checked to be."""
        candidate = await _candidate(db_session, viewer, candidate_id)
        evidence = await services.get_evidence(
            db_session, candidate_id=candidate.id, evidence_id=evidence_id
        )
        content = (
            await _store(request).read(evidence.stored_name)
            if evidence is not None and evidence.content_type is not None
            else None
        )
        if evidence is None or evidence.content_type is None or content is None:
            raise NotFoundException(detail=gettext("No such file."))
        return Response(
            content,
            media_type=evidence.content_type,
            headers={
                "Content-Disposition": _attachment(
                    _download_name(evidence.original_name, evidence.content_type, evidence.id)
                ),
                "Cache-Control": "private, no-store",
            },
        )

    @post("/{candidate_id:int}/evidence/{evidence_id:int}/delete")
    async def delete_evidence(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        viewer: NamedDependency[Viewer],
        candidate_id: FromPath[int],
        evidence_id: FromPath[int],
    ) -> Response[Any]:
        candidate = await _candidate(db_session, viewer, candidate_id, change=True)
        evidence = await _evidence(db_session, candidate, evidence_id)
        await services.delete_evidence(db_session, evidence=evidence, store=_store(request))
        response: Response[Any] = Redirect(
            path=f"/candidates/{candidate.id}/portfolio#evidence", status_code=303
        )
        flash(request, response, gettext("The evidence was removed."), "success")
        return response
