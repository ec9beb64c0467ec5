"""Security headers on every response, static files and error pages included."""

from __future__ import annotations

from litestar.types import Message, Scope

from assessments.links import LINK_PATH
from kit.flash import FLASH_COOKIE

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

SECURITY_HEADERS = {
    "content-security-policy": CONTENT_SECURITY_POLICY,
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "same-origin",
    "permissions-policy": "camera=(), microphone=(), geolocation=()",
    "cross-origin-opener-policy": "same-origin",
}


def _raw(headers: dict[str, str]) -> dict[bytes, bytes]:
    return {name.encode("latin-1"): value.encode("latin-1") for name, value in headers.items()}


# What each kind of response gets, as raw header pairs, worked out once.
_STATIC = _raw(SECURITY_HEADERS)
# Pages may show personal data: never keep them in a shared or browser cache.
_PAGE = _raw({**SECURITY_HEADERS, "cache-control": "no-store"})
# The tutor's link is a credential in the address: never sent on as a referrer, never indexed
# (error pages on these paths included).
_LINK = _raw(
    {
        **SECURITY_HEADERS,
        "cache-control": "no-store",
        "referrer-policy": "no-referrer",
        "x-robots-tag": "noindex, nofollow",
    }
)
_FORGET_FLASH = (
    b"set-cookie",
    f"{FLASH_COOKIE}=; Max-Age=0; Path=/; HttpOnly; SameSite=Lax".encode("latin-1"),
)


async def add_security_headers(message: Message, scope: Scope) -> None:
    """``before_send`` hook: runs on the app's outermost send, so it sees every response.

    Each header it sets replaces any the handler set under that name; the rest are kept.
    """
    if message["type"] != "http.response.start":
        return
    path = scope.get("path", "")
    if path.startswith("/static/"):
        ours = _STATIC
    elif path.startswith(LINK_PATH):
        ours = _LINK
    else:
        ours = _PAGE
    given = message.get("headers", ())
    headers = [(name, value) for name, value in given if name.lower() not in ours]
    headers.extend(ours.items())
    if scope.get("state", {}).get("flash_taken"):
        headers.append(_FORGET_FLASH)
    message["headers"] = headers
