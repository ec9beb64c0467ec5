"""One-time messages shown on the next page ("Signed out.", "Framework imported.").

They travel in a short-lived signed cookie, so they work before sign-in too and need no
server state: any worker can show a message another worker set.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass
from typing import Any

from litestar import Request, Response
from litestar.response import Redirect

FLASH_COOKIE = "isok_flash"
CATEGORIES = ("info", "success", "warning", "error")


@dataclass(frozen=True)
class Flash:
    message: str
    category: str


def _sign(secret: str, payload: bytes) -> str:
    return hmac.new(secret.encode(), payload, hashlib.sha256).hexdigest()


def _secret(request: Request[Any, Any, Any]) -> str:
    return str(request.app.state.settings.security.secret_key)


def flash(
    request: Request[Any, Any, Any], response: Response[Any], message: str, category: str = "info"
) -> None:
    """Attach ``message`` to ``response`` so that the next page shows it."""
    if category not in CATEGORIES:
        raise ValueError(f"unknown flash category {category!r}")
    payload = json.dumps([[message, category]]).encode()
    encoded = base64.urlsafe_b64encode(payload).decode()
    value = f"{encoded}.{_sign(_secret(request), payload)}"
    response.set_cookie(
        FLASH_COOKIE,
        value,
        max_age=60,
        httponly=True,
        samesite="lax",
        secure=request.app.state.settings.security.cookie_secure,
    )


def redirect_with(
    request: Request[Any, Any, Any], path: str, message: str, category: str = "success"
) -> Response[Any]:
    """A 303 to ``path`` that shows ``message`` there: the end of a form that worked (or,
    with ``category="error"``, of one that could not be saved and cannot be shown again)."""
    response: Response[Any] = Redirect(path=path, status_code=303)
    flash(request, response, message, category)
    return response


def take_flashes(request: Request[Any, Any, Any]) -> list[Flash]:
    """The messages waiting for this request; the response then clears the cookie."""
    raw = request.cookies.get(FLASH_COOKIE)
    if not raw:
        return []
    request.scope["state"]["flash_taken"] = True
    encoded, _sep, signature = raw.partition(".")
    try:
        payload = base64.urlsafe_b64decode(encoded.encode())
    except (ValueError, TypeError):
        return []
    if not hmac.compare_digest(signature, _sign(_secret(request), payload)):
        return []
    try:
        items = json.loads(payload)
        return [Flash(str(message), str(category)) for message, category in items]
    except (ValueError, TypeError):
        return []
