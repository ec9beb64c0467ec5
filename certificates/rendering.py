"""What the pages hand out for a certificate: the body's context, the PDF and the credential.

WeasyPrint and the signing key are loaded only when a PDF or a credential is asked for, so
that the portal (and every worker of ``isok serve``) starts without them.
"""

from __future__ import annotations

from typing import Any

import anyio.to_thread
from litestar import Request
from litestar.exceptions import HTTPException, NotFoundException
from litestar.status_codes import HTTP_503_SERVICE_UNAVAILABLE
from sqlalchemy.ext.asyncio import AsyncSession

from candidates.own import own_candidate_id
from certificates import issuing
from certificates.content import Content
from certificates.export import verify_url
from certificates.models import Certificate
from kit.i18n import gettext
from kit.roles import Viewer
from kit.settings import Settings

VC_JWT = "application/vc+jwt"


def settings_of(request: Request[Any, Any, Any]) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def found(db_session: AsyncSession, code: str, viewer: Viewer) -> Certificate:
    """The certificate ``code`` names if ``viewer`` may have it, or 404 (an unknown and a
    malformed code alike). Staff have every certificate; a candidate only their own."""
    certificate = await issuing.by_code(db_session, code)
    if certificate is None or not (
        viewer.is_staff or certificate.candidate_id == await own_candidate_id(db_session, viewer)
    ):
        raise NotFoundException(detail=gettext("No certificate has this code."))
    return certificate


def body_context(content: Content, *, public_url: str) -> dict[str, Any]:
    """The context of ``certificates/_body.html``: the certificate as its PDF shows it."""
    from certificates.document import document_context

    return dict(document_context(content, verify_url=verify_url(public_url, content.code)))


async def pdf(content: Content, settings: Settings) -> bytes:
    """The certificate's A4 PDF, rendered in a worker thread (it takes a good part of a second)."""
    from certificates.pdf import render_pdf

    url = verify_url(settings.public_url, content.code)
    body: bytes = await anyio.to_thread.run_sync(lambda: render_pdf(content, verify_url=url))
    return body


def credential_token(certificate: Certificate, settings: Settings) -> str:
    """The certificate's Open Badges 3.0 credential, signed with the issuer's current key.

    A portal without a signing key answers 503 with what to do, never a server error.
    """
    from certificates import credential, keys

    try:
        signing = keys.load(settings.certificates.signing_key, settings.public_url)
    except keys.KeyProblem as problem:
        raise HTTPException(
            status_code=HTTP_503_SERVICE_UNAVAILABLE,
            detail=gettext(
                "Credentials cannot be signed yet: the portal has no signing key (%(reason)s)."
                " An administrator creates one with “isok keys generate”."
            )
            % {"reason": str(problem)},
        ) from None
    payload = credential.credential_json(
        Content.from_json(certificate.content),
        certificate_id=certificate.id,
        issued_at=certificate.issued_at,
        public_url=settings.public_url,
    )
    return credential.sign(payload, signing)
