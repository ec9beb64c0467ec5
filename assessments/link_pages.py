"""The workplace tutor's rating form reached by link: ``/assess/{token}``, no sign-in.

The link is the key: it opens one placement's form and nothing else. Every try is counted
per client before the token is looked at, as sign-in tries are (``accounts.throttle``), and a
real token gives its try back (one that no longer works too), so only guesses add up: past
the allowance the client waits (429), whatever token it brings. An unknown or altered token
answers 404, an expired, revoked or superseded one 410, each with a page that shows no data.
The token never reaches a log (``portal.errors`` and the access log redact ``/assess/...``
paths), and ``portal.security`` sends these pages with ``Referrer-Policy: no-referrer`` and
``X-Robots-Tag: noindex``.
"""

from __future__ import annotations

import datetime
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.exceptions import ClientException, NotFoundException, PermissionDeniedException
from litestar.params import FromPath
from litestar.response import Redirect, Template
from litestar.status_codes import (
    HTTP_200_OK,
    HTTP_400_BAD_REQUEST,
    HTTP_409_CONFLICT,
    HTTP_429_TOO_MANY_REQUESTS,
)
from sqlalchemy.ext.asyncio import AsyncSession

from accounts import throttle
from accounts.tokens import as_utc
from assessments import links, notices
from assessments.access import visible_placement
from assessments.links import LinkAccess, LinkRefused
from assessments.models import AssessorRole
from assessments.plan import ensure_plan, plan_outcomes
from assessments.rating_form import form_errors, read_ratings, sheet_values
from assessments.ratings import save_draft, sheets_for, submit
from kit.audit import Actor, current_actor
from kit.flash import flash, redirect_with
from kit.i18n import format_datetime, gettext
from kit.invalid import Invalid
from kit.roles import Viewer

# The throttle's rows for link tries: a key no e-mail address can be, and the client's
# address in a namespace of its own, so link tries and sign-in tries never share a count.
THROTTLE_KEY = "#tutor-link"
ADDRESS_PREFIX = "link:"
# Link pages are private to whoever holds the link.
LINK_HEADERS = {"Cache-Control": "no-store"}


def _page(template: str, status: int = HTTP_200_OK, **context: Any) -> Template:
    return Template(
        template_name=f"assessments/{template}",
        status_code=status,
        headers=LINK_HEADERS,
        context=context,
    )


async def _open(
    request: Request[Any, Any, Any], db_session: AsyncSession, token: str
) -> LinkAccess | Response[Any]:
    """What the token opens, or the page that refuses it (429, 404 or 410)."""
    settings = request.app.state.settings.security
    client = throttle.client_key(ADDRESS_PREFIX, request.client.host if request.client else None)
    verdict = await throttle.count_try(
        db_session, email=THROTTLE_KEY, client_address=client, settings=settings
    )
    if verdict.blocked:
        response = _page(
            "link_throttled.html",
            HTTP_429_TOO_MANY_REQUESTS,
            wait=verdict.retry_after_seconds,
        )
        response.headers["Retry-After"] = str(verdict.retry_after_seconds)
        return response
    try:
        access = await links.resolve(db_session, token=token)
    except LinkRefused as refused:
        if refused.status == 410:
            # A real token that no longer works (expired, revoked, replaced) is no guess.
            await throttle.forget_success(db_session, email=THROTTLE_KEY, client_address=client)
        # The counted try is kept although the answer is an error.
        await db_session.commit()
        return _page("link_invalid.html", refused.status, gone=refused.status == 410)
    await throttle.forget_success(db_session, email=THROTTLE_KEY, client_address=client)
    await db_session.commit()
    # The audit trail names the link the tutor acted through.
    current_actor.set(Actor(user_id=access.assessor.user_id, label=f"tutor link {access.link.id}"))
    return access


def _local(moment: datetime.datetime) -> str:
    """A stored time as the programme's local time, to the minute, in the page's language."""
    return format_datetime(as_utc(moment))


async def _form_or_receipt(
    db_session: AsyncSession,
    access: LinkAccess,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status: int = HTTP_200_OK,
) -> Template:
    placement = access.placement
    await ensure_plan(db_session, placement=placement)
    outcomes = await plan_outcomes(db_session, placement_id=placement.id)
    sheets = await sheets_for(db_session, placement_id=placement.id, seat=AssessorRole.TUTOR)
    sent = sheets.submitted.get(AssessorRole.TUTOR)
    if sent is not None and sheets.own_draft is None:
        return _page(
            "link_receipt.html",
            HTTP_409_CONFLICT if errors else status,
            sheet=sent,
            submitted=_local(sent.submitted_at) if sent.submitted_at else "",
            outcomes=outcomes,
            assessor=access.assessor,
            errors=errors or {},
            candidate_name=access.candidate_name,
            position_title=access.position_title,
        )
    return _page(
        "link_form.html",
        status,
        outcomes=outcomes,
        assessor=access.assessor,
        values=sheet_values(sheets.own_draft) if values is None else values,
        errors=errors or {},
        expires=_local(access.link.expires_at),
        candidate_name=access.candidate_name,
        position_title=access.position_title,
    )


class TutorLinkPages(Controller):
    """The tutor's form by link (public pages: the link is the credential)."""

    path = "/assess"
    include_in_schema = False

    @get("/{token:str}")
    async def rating_form(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        token: FromPath[str],
    ) -> Response[Any]:
        opened = await _open(request, db_session, token)
        if not isinstance(opened, LinkAccess):
            return opened
        return await _form_or_receipt(db_session, opened)

    @post("/{token:str}", status_code=HTTP_200_OK)
    async def save_or_submit(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        token: FromPath[str],
    ) -> Response[Any]:
        """``action=save`` keeps a draft; ``action=submit`` saves and submits, once."""
        opened = await _open(request, db_session, token)
        if not isinstance(opened, LinkAccess):
            return opened
        access = opened
        sheets = await sheets_for(
            db_session, placement_id=access.placement.id, seat=AssessorRole.TUTOR
        )
        if AssessorRole.TUTOR in sheets.submitted and sheets.own_draft is None:
            return await _form_or_receipt(
                db_session,
                access,
                errors={"form": gettext("This rating has already been submitted.")},
            )
        data = await request.form()
        form = read_ratings(data)
        if form.errors:
            return await _form_or_receipt(
                db_session,
                access,
                values=form.values,
                errors=form.errors,
                status=HTTP_400_BAD_REQUEST,
            )
        submitting = data.get("action") == "submit"
        try:
            await save_draft(
                db_session,
                placement=access.placement,
                assessor=access.assessor,
                ratings=form.given,
            )
            if submitting:
                await submit(db_session, placement=access.placement, assessor=access.assessor)
        except Invalid as invalid:
            return await _form_or_receipt(
                db_session,
                access,
                values=form.values,
                errors=form_errors(invalid, form.given),
                status=HTTP_400_BAD_REQUEST,
            )
        # Back to the same address: the draft, or the receipt once submitted.
        response: Response[Any] = Redirect(path=request.url.path, status_code=303)
        message = (
            gettext("Your rating is sent. Thank you!")
            if submitting
            else gettext("Your draft is saved. You can come back to it with the same link.")
        )
        flash(request, response, message, "success")
        return response


class TutorLinkIssuePages(Controller):
    """The placement's counsellor or teacher (or the coordinator) issues the tutor's link and
    sees it once, to copy; or revokes it. Other staff get 403, a placement out of sight 404."""

    path = "/placements/{placement_id:int}/assessment/tutor-link"
    include_in_schema = False

    @post("/", status_code=HTTP_200_OK)
    async def issue_link(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        viewer: NamedDependency[Viewer],
        placement_id: FromPath[int],
    ) -> Template:
        placement = await visible_placement(db_session, viewer, placement_id=placement_id)
        if placement is None:
            raise NotFoundException()
        settings = request.app.state.settings
        try:
            link, token = await links.issue(
                db_session, viewer, placement=placement, days=settings.assessments.tutor_link_days
            )
        except links.NotAllowed:
            raise PermissionDeniedException() from None
        except links.LinkRaceLost:
            raise ClientException(status_code=HTTP_409_CONFLICT) from None
        url = links.link_url(settings.public_url, token)
        tutor = await notices.tutor_link_issued(db_session, placement=placement, link=link, url=url)
        return Template(
            template_name="assessments/link_issued.html",
            context={
                "placement_id": placement.id,
                "url": url,
                "expires": _local(link.expires_at),
                "emailed_to": tutor.name if tutor is not None else "",
            },
        )

    @post("/revoke", status_code=HTTP_200_OK)
    async def revoke_link(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        viewer: NamedDependency[Viewer],
        placement_id: FromPath[int],
    ) -> Response[Any]:
        placement = await visible_placement(db_session, viewer, placement_id=placement_id)
        if placement is None:
            raise NotFoundException()
        live = await links.live_link(db_session, placement_id=placement.id)
        back = f"/placements/{placement.id}/assessment"
        if live is None:
            return redirect_with(
                request, back, gettext("There is no tutor link to revoke."), "info"
            )
        try:
            await links.revoke(db_session, viewer, placement=placement, link_id=live.id)
        except links.NotAllowed:
            raise PermissionDeniedException() from None
        return redirect_with(
            request, back, gettext("The tutor's link is revoked: it no longer opens the form.")
        )
