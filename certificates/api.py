"""The certificates JSON API (CONTRACTS.md): staff and the candidate (their own) read, the
coordinator revokes.

``GET /api/certificates`` lists them (filters ``q``, ``status``; ``page`` of 50);
``GET /api/certificates/{code}`` answers with the export for schools (docs/certificates.md);
``GET /api/certificates/{code}/credential`` with the signed Open Badges 3.0 credential as
``application/vc+jwt``; ``POST /api/certificates/{code}/revocation`` ``{"reason": ...,
"note": ...}`` revokes (409 when it already was).
"""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.exceptions import PermissionDeniedException
from litestar.params import FromPath, FromQuery, JSONBody
from litestar.status_codes import HTTP_200_OK, HTTP_409_CONFLICT
from sqlalchemy.ext.asyncio import AsyncSession

from candidates.own import own_candidate_id
from certificates import issuing, listing, rendering
from certificates.export import recognition, standing, verify_url
from certificates.models import Status
from kit.forms import parse_integer
from kit.i18n import gettext
from kit.invalid import Invalid
from kit.roles import Viewer


class CertificateOut(msgspec.Struct):
    code: str
    candidate_id: int
    candidate: str
    placement_id: int
    position: str
    issued_on: str
    language: str
    status: str
    verify_url: str


class CertificatePage(msgspec.Struct):
    certificates: list[CertificateOut]
    total: int
    page: int
    pages: int


class Revocation(msgspec.Struct, forbid_unknown_fields=True):
    reason: str
    note: str = ""


class CertificateApi(Controller):
    path = "/api/certificates"
    tags = ["certificates"]  # noqa: RUF012

    @get("/")
    async def list_certificates(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        viewer: NamedDependency[Viewer],
        q: FromQuery[str] = "",
        status: FromQuery[str | None] = None,
        page: FromQuery[str] = "1",
    ) -> CertificatePage:
        """Certificates, newest first: ``q`` (name or code), ``status`` (valid, revoked,
        superseded), ``page`` (50 a page)."""
        if status is not None and status not in set(Status):
            raise Invalid.of("status", gettext("Use valid, revoked or superseded."))
        number = parse_integer(page)
        if number is None or number < 1:
            raise Invalid.of("page", gettext("Give a page number from 1."))
        found = await listing.certificates(
            db_session,
            search=q,
            status=Status(status) if status else None,
            page=number,
            # A candidate lists their own certificates only (an unknown record: none at all).
            candidate_id=None
            if viewer.is_staff
            else (await own_candidate_id(db_session, viewer) or 0),
        )
        public_url = rendering.settings_of(request).public_url
        return CertificatePage(
            certificates=[
                CertificateOut(
                    code=row.certificate.code,
                    candidate_id=row.certificate.candidate_id,
                    candidate=row.candidate_name,
                    placement_id=row.certificate.placement_id,
                    position=str(row.certificate.content.get("position", "")),
                    issued_on=str(row.certificate.content.get("issued_on", "")),
                    language=row.certificate.language,
                    status=row.status.value,
                    verify_url=verify_url(public_url, row.certificate.code),
                )
                for row in found.rows
            ],
            total=found.total,
            page=found.page,
            pages=found.pages,
        )

    @get("/{code:str}")
    async def get_certificate(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        viewer: NamedDependency[Viewer],
        code: FromPath[str],
    ) -> dict[str, Any]:
        """The certificate's content in the documented export shape, with its status."""
        certificate = await rendering.found(db_session, code, viewer)
        return recognition(
            issuing.content_of(certificate),
            await standing(db_session, certificate),
            public_url=rendering.settings_of(request).public_url,
        )

    @get("/{code:str}/credential", media_type=rendering.VC_JWT)
    async def get_credential(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        viewer: NamedDependency[Viewer],
        code: FromPath[str],
    ) -> Response[str]:
        """The signed Open Badges 3.0 credential (VC-JWT)."""
        certificate = await rendering.found(db_session, code, viewer)
        return Response(
            rendering.credential_token(certificate, rendering.settings_of(request)),
            media_type=rendering.VC_JWT,
            headers={"Cache-Control": "private, no-store"},
        )

    @post("/{code:str}/revocation", status_code=HTTP_200_OK)
    async def revoke(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        viewer: NamedDependency[Viewer],
        code: FromPath[str],
        data: JSONBody[Revocation],
    ) -> Response[dict[str, Any]]:
        """Revoke with a reason category (and a note kept off the public page)."""
        certificate = await rendering.found(db_session, code, viewer)
        try:
            await issuing.revoke(
                db_session, viewer, certificate=certificate, reason=data.reason, note=data.note
            )
        except issuing.NotAllowed:
            raise PermissionDeniedException(
                detail=gettext("Only the coordinator revokes certificates.")
            ) from None
        except issuing.AlreadyRevoked:
            return Response(
                {"detail": {"message": gettext("This certificate was already revoked.")}},
                status_code=HTTP_409_CONFLICT,
            )
        return Response(
            recognition(
                issuing.content_of(certificate),
                await standing(db_session, certificate),
                public_url=rendering.settings_of(request).public_url,
            )
        )
