"""Security headers on every response, static files and error pages included."""

from __future__ import annotations

from litestar.datastructures import MutableScopeHeaders
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


async def add_security_headers(message: Message, scope: Scope) -> None:
    """``before_send`` hook: runs on the app's outermost send, so it sees every response."""
    if message["type"] != "http.response.start":
        return
    headers = MutableScopeHeaders.from_message(message)
    for name, value in SECURITY_HEADERS.items():
        headers[name] = value
    path = scope.get("path", "")
    if not path.startswith("/static/"):
        # Pages may show personal data: never keep them in a shared or browser cache.
        headers["cache-control"] = "no-store"
    if path.startswith(LINK_PATH):
        # The tutor's link is a credential in the address: never sent on as a referrer,
        # never indexed (error pages on these paths included).
        headers["referrer-policy"] = "no-referrer"
        headers["x-robots-tag"] = "noindex, nofollow"
    if scope.get("state", {}).get("flash_taken"):
        headers.add("set-cookie", f"{FLASH_COOKIE}=; Max-Age=0; Path=/; HttpOnly; SameSite=Lax")
