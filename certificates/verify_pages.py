"""Public verification: anyone checks a certificate by its code, with no account.

``/verify`` takes a typed or pasted code (loosely: lower case, spaces, O for 0) and goes on to
``/verify/{code}``, which says whether the certificate is valid, revoked (when, and the
category of the reason) or superseded (with a link to the newer one), and shows what it
certifies. A code that was never issued, a mistyped one and a malformed one all get the same
"not found" answer, so the page tells a guesser nothing.

Every look-up is counted per client before the database is asked, as sign-in tries are
(``accounts.throttle``): past a few unknown codes each try waits a growing delay, and a found
certificate gives the client its try back, so a school checking its pile of certificates is
never slowed down.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_200_OK, HTTP_404_NOT_FOUND, HTTP_429_TOO_MANY_REQUESTS
from sqlalchemy.ext.asyncio import AsyncSession

from accounts import throttle
from certificates import codes, issuing, rendering
from certificates.export import standing
from kit.i18n import gettext

# The throttle's rows for verification: a key no e-mail address can be, and the client's
# address in a namespace of its own (tutor links and sign-in keep their own counts).
THROTTLE_KEY = "#verify"
ADDRESS_PREFIX = "verify:"
# Personal data: kept out of search engines (and, as every page, out of caches, so that a
# revocation shows at once: portal/security.py).
HEADERS = {"X-Robots-Tag": "noindex, nofollow"}


def _echo(code: str) -> str:
    """What the visitor typed, to show it back: printable characters, not too many."""
    return "".join(character for character in code[: codes.MAX_INPUT] if character.isprintable())


def _page(template: str, status: int = HTTP_200_OK, **context: Any) -> Template:
    return Template(
        template_name=f"certificates/{template}",
        status_code=status,
        headers=HEADERS,
        context=context,
    )


class VerifyPages(Controller):
    path = "/verify"
    include_in_schema = False

    @get("/")
    async def form(self, code: FromQuery[str] = "") -> Response[Any]:
        """The form; a submitted code goes on to its page, a malformed one is shown again."""
        if not code.strip():
            return _page("verify.html", code="", error="")
        formatted = codes.read(code)
        if formatted is None:
            return _page(
                "verify.html",
                HTTP_404_NOT_FOUND,
                code=_echo(code),
                error=gettext(
                    "This is not a certificate code. A code has 20 letters and digits in five"
                    " groups, such as 7KQ2-M8XD-4HRT-9WZP-3NCF; check it for typing errors."
                ),
            )
        return Redirect(path=f"/verify/{formatted}", status_code=303)

    @get("/{code:str}")
    async def show(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        code: FromPath[str],
    ) -> Response[Any]:
        settings = rendering.settings_of(request)
        client = throttle.client_key(
            ADDRESS_PREFIX, request.client.host if request.client else None
        )
        verdict = await throttle.count_try(
            db_session, email=THROTTLE_KEY, client_address=client, settings=settings.security
        )
        if verdict.blocked:
            response = _page(
                "verify_throttled.html",
                HTTP_429_TOO_MANY_REQUESTS,
                wait=verdict.retry_after_seconds,
            )
            response.headers["Retry-After"] = str(verdict.retry_after_seconds)
            return response
        certificate = await issuing.by_code(db_session, code)
        if certificate is None:
            await db_session.commit()  # the counted try is kept
            return _page("verify_unknown.html", HTTP_404_NOT_FOUND, code=_echo(code))
        await throttle.forget_success(db_session, email=THROTTLE_KEY, client_address=client)
        await db_session.commit()
        if certificate.code != code:
            # The code as typed (lower case, O for 0): the page lives at its proper address.
            return Redirect(path=f"/verify/{certificate.code}", status_code=301)
        return _page(
            "verify_result.html",
            standing=await standing(db_session, certificate),
            **rendering.body_context(
                issuing.content_of(certificate), public_url=settings.public_url
            ),
        )
