"""What a verifier fetches, no login: the issuer's keys, its DID document, the status lists.

- ``GET /.well-known/jwks.json``: the public keys, current and retired (certificates/keys.py);
- ``GET /.well-known/did.json`` (and ``/did.json``, where did:web looks when the public
  address has a path): the issuer's ``did:web`` document naming the same keys;
- ``GET /credentials/status/{number}``: revocation status list ``number`` as a signed
  ``BitstringStatusListCredential`` (``application/vc+jwt``), read from the database on every
  request so that a revocation shows at once.

All three are public data, so any origin may read them (a verifier may run in a browser).
Without a signing key the portal answers 503 with the reason, never a server error.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, MediaType, Request, Response, get
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.status_codes import HTTP_404_NOT_FOUND, HTTP_503_SERVICE_UNAVAILABLE
from sqlalchemy.ext.asyncio import AsyncSession

from certificates import credential, keys, rendering, status
from kit.clock import now
from kit.i18n import gettext

VC_JWT = "application/vc+jwt"
DID_JSON = "application/did+json"
# Keys change rarely (a rotation), and a verifier that misses a new key retries later.
KEYS_CACHE = "public, max-age=300"
PUBLIC_DATA = {"Access-Control-Allow-Origin": "*"}


def _error(status_code: int, message: str) -> Response[Any]:
    return Response(
        {"detail": {"message": message}},
        status_code=status_code,
        media_type=MediaType.JSON,
        headers={"Cache-Control": "no-store"},
    )


def _no_key(problem: keys.KeyProblem) -> Response[Any]:
    return _error(
        HTTP_503_SERVICE_UNAVAILABLE,
        gettext(
            "The portal cannot publish its credential keys yet: %(reason)s."
            " An administrator creates a key with “isok keys generate”."
        )
        % {"reason": str(problem)},
    )


class CredentialPublication(Controller):
    """The issuer's public side of the credentials (Open Badges 3.0, did:web, status list)."""

    include_in_schema = False

    @get("/.well-known/jwks.json")
    async def jwks(self, request: Request[Any, Any, Any]) -> Response[Any]:
        """The issuer's public keys as a JWKS, retired keys included."""
        settings = rendering.settings_of(request)
        try:
            signing = keys.load(settings.certificates.signing_key, settings.public_url)
        except keys.KeyProblem as problem:
            return _no_key(problem)
        return Response(
            signing.public_jwks(),
            media_type=MediaType.JSON,
            headers={**PUBLIC_DATA, "Cache-Control": KEYS_CACHE},
        )

    @get(["/.well-known/did.json", "/did.json"])
    async def did_document(self, request: Request[Any, Any, Any]) -> Response[Any]:
        """The issuer's did:web document: each key as a JsonWebKey2020 verification method."""
        settings = rendering.settings_of(request)
        try:
            signing = keys.load(settings.certificates.signing_key, settings.public_url)
        except keys.KeyProblem as problem:
            return _no_key(problem)
        return Response(
            keys.did_document(settings.public_url, signing),
            media_type=DID_JSON,
            headers={**PUBLIC_DATA, "Cache-Control": KEYS_CACHE},
        )

    @get("/credentials/status/{number:int}")
    async def status_list(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        number: FromPath[int],
    ) -> Response[Any]:
        """Status list ``number``, signed, as it stands at this moment."""
        if not 1 <= number <= status.MAX_LISTS:
            return _error(HTTP_404_NOT_FOUND, gettext("There is no status list with this number."))
        settings = rendering.settings_of(request)
        try:
            signing = keys.load(settings.certificates.signing_key, settings.public_url)
        except keys.KeyProblem as problem:
            return _no_key(problem)
        indices = await status.revoked_indices(db_session, number)
        payload = status.status_list_credential(
            settings.public_url, number, indices, valid_from=now()
        )
        return Response(
            credential.sign(payload, signing),
            media_type=VC_JWT,
            headers={**PUBLIC_DATA, "Cache-Control": "no-cache"},
        )
