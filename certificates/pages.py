"""Staff pages for certificates: the list, a certificate with its downloads, issuing and revoking.

Issuing is a form on the placement and decision pages (certificates/sections.py); the rules
live in :mod:`certificates.issuing`. A certificate's own page shows the same body as its PDF,
its standing and its history; the coordinator revokes it there.
"""

from __future__ import annotations

import json
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException, PermissionDeniedException
from litestar.params import FromPath, FromQuery
from litestar.response import Template
from litestar.status_codes import HTTP_200_OK, HTTP_400_BAD_REQUEST, HTTP_409_CONFLICT
from sqlalchemy.ext.asyncio import AsyncSession

from certificates import issuing, listing, rendering
from certificates.export import recognition, standing
from certificates.models import Certificate, RevocationReason, Status
from kit.flash import redirect_with
from kit.forms import FormReader, parse_integer
from kit.i18n import gettext
from kit.invalid import Invalid
from kit.roles import Viewer


def _reason_options() -> list[tuple[str, str]]:
    return [(reason.value, gettext(reason.label)) for reason in RevocationReason]


def _attachment(body: bytes | str, media_type: str, filename: str) -> Response[Any]:
    return Response(
        body,
        media_type=media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "private, no-store",
        },
    )


async def _page(
    request: Request[Any, Any, Any],
    db_session: AsyncSession,
    viewer: Viewer,
    certificate: Certificate,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status: int = HTTP_200_OK,
) -> Template:
    settings = rendering.settings_of(request)
    content = issuing.content_of(certificate)
    return Template(
        template_name="certificates/certificate.html",
        status_code=status,
        context={
            "certificate": certificate,
            "standing": await standing(db_session, certificate),
            **rendering.body_context(content, public_url=settings.public_url),
            "may_revoke": viewer.is_coordinator and certificate.revoked_at is None,
            "reason_options": _reason_options(),
            "values": values or {"reason": "", "note": ""},
            "errors": errors or {},
        },
    )


class CertificatePages(Controller):
    path = "/certificates"
    include_in_schema = False

    @get("/")
    async def index(
        self,
        db_session: NamedDependency[AsyncSession],
        q: FromQuery[str] = "",
        status: FromQuery[str] = "",
        page: FromQuery[str] = "1",
    ) -> Template:
        """Every certificate, newest first, searchable by the candidate's name or the code."""
        chosen = Status(status) if status in set(Status) else None
        found = await listing.certificates(
            db_session, search=q, status=chosen, page=parse_integer(page) or 1
        )
        return Template(
            template_name="certificates/index.html",
            context={
                "listing": found,
                "values": {"q": q[: listing.SEARCH_MAX], "status": chosen or ""},
                "status_options": [
                    (Status.VALID.value, gettext("valid")),
                    (Status.SUPERSEDED.value, gettext("superseded")),
                    (Status.REVOKED.value, gettext("revoked")),
                ],
            },
        )

    @get("/{code:str}")
    async def show(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        viewer: NamedDependency[Viewer],
        code: FromPath[str],
    ) -> Template:
        certificate = await rendering.found(db_session, code, viewer)
        return await _page(request, db_session, viewer, certificate)

    @get("/{code:str}/certificate.pdf")
    async def pdf(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        viewer: NamedDependency[Viewer],
        code: FromPath[str],
    ) -> Response[Any]:
        certificate = await rendering.found(db_session, code, viewer)
        body = await rendering.pdf(issuing.content_of(certificate), rendering.settings_of(request))
        return _attachment(body, "application/pdf", f"certificate-{certificate.code}.pdf")

    @get("/{code:str}/credential.jwt")
    async def credential(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        viewer: NamedDependency[Viewer],
        code: FromPath[str],
    ) -> Response[Any]:
        certificate = await rendering.found(db_session, code, viewer)
        token = rendering.credential_token(certificate, rendering.settings_of(request))
        return _attachment(token, rendering.VC_JWT, f"credential-{certificate.code}.jwt")

    @get("/{code:str}/recognition.json")
    async def recognition_export(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        viewer: NamedDependency[Viewer],
        code: FromPath[str],
    ) -> Response[Any]:
        certificate = await rendering.found(db_session, code, viewer)
        shape = recognition(
            issuing.content_of(certificate),
            await standing(db_session, certificate),
            public_url=rendering.settings_of(request).public_url,
        )
        body = json.dumps(shape, ensure_ascii=False, indent=2)
        return _attachment(body, "application/json", f"recognition-{certificate.code}.json")

    @post("/{code:str}/revocation", status_code=HTTP_200_OK)
    async def revoke(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        viewer: NamedDependency[Viewer],
        code: FromPath[str],
    ) -> Response[Any]:
        """The coordinator revokes the certificate with a reason; shown at once everywhere."""
        certificate = await rendering.found(db_session, code, viewer)
        reader = FormReader(await request.form())
        values = {"reason": reader.raw("reason"), "note": reader.raw("note")}
        try:
            await issuing.revoke(
                db_session,
                viewer,
                certificate=certificate,
                reason=values["reason"],
                note=values["note"],
            )
        except Invalid as invalid:
            return await _page(
                request,
                db_session,
                viewer,
                certificate,
                values=values,
                errors=invalid.errors,
                status=HTTP_400_BAD_REQUEST,
            )
        except issuing.NotAllowed:
            raise PermissionDeniedException(
                detail=gettext("Only the coordinator revokes certificates.")
            ) from None
        except issuing.AlreadyRevoked:
            return await _page(
                request,
                db_session,
                viewer,
                certificate,
                errors={"form": gettext("This certificate was already revoked.")},
                status=HTTP_409_CONFLICT,
            )
        return redirect_with(
            request,
            f"/certificates/{certificate.code}",
            gettext("The certificate was revoked. Its verification page says so from now on."),
        )


class IssuePages(Controller):
    path = "/placements/{placement_id:int}/certificate"
    include_in_schema = False

    @post("/", status_code=HTTP_200_OK)
    async def issue(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        viewer: NamedDependency[Viewer],
        placement_id: FromPath[int],
    ) -> Response[Any]:
        """Issue (or issue again) the placement's certificate from its signed decision."""
        reader = FormReader(await request.form())
        back = f"/placements/{placement_id}/assessment/decision"
        try:
            issued = await issuing.issue(
                db_session,
                viewer,
                placement_id=placement_id,
                language=reader.raw("language"),
                issuer=issuing.issuer_of(rendering.settings_of(request)),
            )
        except LookupError:
            raise NotFoundException(detail=gettext("No such placement.")) from None
        except issuing.NotAllowed:
            raise PermissionDeniedException(
                detail=gettext(
                    "The coordinator, or the counsellor of the placement or of the candidate,"
                    " issues the certificate."
                )
            ) from None
        except Invalid as invalid:
            return redirect_with(request, back, next(iter(invalid.errors.values())), "error")
        message = (
            gettext("The certificate was issued.")
            if issued.new
            else gettext("This certificate was already issued; here it is.")
        )
        return redirect_with(request, f"/certificates/{issued.certificate.code}", message)
