"""The Jinja2 environment: templates/ at the project root, gettext, and page helpers."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from jinja2 import Environment, FileSystemLoader, StrictUndefined, pass_context, select_autoescape
from jinja2.runtime import Context
from litestar import Request
from markupsafe import Markup

from accounts.services import same_site_path
from competences.models import label_in
from kit.flash import Flash, take_flashes
from kit.i18n import (
    LANGUAGE_NAMES,
    N_,
    SUPPORTED_LOCALES,
    current_locale,
    direction,
    format_date,
    format_datetime,
    format_list,
    format_number,
    gettext,
    ngettext,
)
from kit.notices import lines_of, subject_of
from kit.resources import TEMPLATE_DIR
from kit.roles import Role
from portal.policy import access_for


@dataclass(frozen=True)
class NavItem:
    label: str
    path: str


# Shown to each role whose policy allows the page, in this order.
NAVIGATION = (
    NavItem(N_("Home"), "/home"),
    NavItem(N_("Dashboard"), "/dashboard"),
    NavItem(N_("Reports"), "/reports"),
    NavItem(N_("Candidates"), "/candidates"),
    NavItem(N_("Interviews"), "/interviews"),
    NavItem(N_("Partners"), "/partners"),
    NavItem(N_("Activities"), "/activities"),
    NavItem(N_("Participant data"), "/participant-data"),
    NavItem(N_("My organisation"), "/organisation"),
    NavItem(N_("Positions"), "/positions"),
    NavItem(N_("Proposals"), "/proposals"),
    NavItem(N_("Placements"), "/placements"),
    NavItem(N_("Certificates"), "/certificates"),
    NavItem(N_("Assignments"), "/assignments"),
    NavItem(N_("Oversight"), "/oversight"),
    NavItem(N_("People"), "/organisation/people"),
    NavItem(N_("Staff users"), "/users"),
    NavItem(N_("E-mail"), "/mail"),
    NavItem(N_("Processing"), "/processing"),
    NavItem(N_("Frameworks"), "/frameworks"),
    # The candidate's own pages.
    NavItem(N_("My competences"), "/my/portfolio"),
    NavItem(N_("My consents"), "/my/consents"),
    NavItem(N_("My data"), "/my/data"),
)


def current_user(request: Request[Any, Any, Any]) -> Any:
    """The signed-in user, or None (also on pages served before the login middleware)."""
    return request.scope.get("user")


def _navigation_of(role: Role) -> tuple[NavItem, ...]:
    return tuple(
        item
        for item in NAVIGATION
        if (access := access_for("GET", item.path)) is not None and access.allows(role)
    )


# The policy table is fixed when the app is built, so each role's menu is worked out once
# rather than on every page.
NAVIGATION_BY_ROLE: dict[str, tuple[NavItem, ...]] = {
    role.value: _navigation_of(role) for role in Role
}


def unread_notifications(request: Request[Any, Any, Any]) -> int:
    """How many of the signed-in user's notifications are unread (counted once per request
    by the login middleware; 0 where it did not count)."""
    unread: Any = request.scope.get("unread")
    return int(unread or 0)


def navigation(request: Request[Any, Any, Any]) -> tuple[NavItem, ...]:
    user = current_user(request)
    if user is None:
        return ()
    return NAVIGATION_BY_ROLE[Role(user.role).value]


# Pages that belong to another menu item than their path's first part: a proposal is reached
# from a position but is part of the proposals the employer answers; an employer's or
# tutor's own organisation is "My organisation" (staff have no such item), and for staff the
# organisations are the partners'.
SECTION_OF_PATH = (
    (re.compile(r"^/positions/\d+/proposals/"), "/proposals"),
    (re.compile(r"^/organisations/\d+(/|$)"), "/organisation"),
    (re.compile(r"^/organisations(/|$)"), "/partners"),
)


def current_section(request: Request[Any, Any, Any]) -> str | None:
    """The one menu item the page belongs to (marked ``aria-current``): the item named for
    its section, else the one whose path is the longest start of the page's path."""
    items = navigation(request)
    path = request.url.path
    for pattern, section in SECTION_OF_PATH:
        if pattern.match(path) and any(item.path == section for item in items):
            return section
    best: str | None = None
    for item in items:
        if (path == item.path or path.startswith(item.path + "/")) and (
            best is None or len(item.path) > len(best)
        ):
            best = item.path
    return best


RETURN_PATH_MAX = 2000


def return_path(request: Request[Any, Any, Any]) -> str:
    """The page's own address as the browser sent it (still percent-encoded, so no control
    character or quote gets through), for a form that comes back here: "/" if unusable."""
    # Some servers put the query in raw_path as well; it is taken from query_string alone.
    raw = (request.scope.get("raw_path") or request.scope["path"].encode("utf-8")).split(b"?")[0]
    query = request.scope.get("query_string", b"")
    target = (raw + (b"?" + query if query else b"")).decode("ascii", "replace")
    if len(target) > RETURN_PATH_MAX:
        return "/"
    return same_site_path(target, default="/")


@pass_context
def has_form_errors(context: Context) -> bool:
    """Whether the page shows a form that failed: any ``errors`` or ``*_errors`` mapping in
    its context, or a form object's ``errors``, is not empty. The page's title then starts
    with "Error:", so a screen reader says so first."""
    for name, value in context.get_all().items():
        if name == "errors" or name.endswith("_errors"):
            if isinstance(value, dict) and value:
                return True
        elif isinstance(getattr(value, "errors", None), dict) and value.errors:
            return True
    return False


def flashes(request: Request[Any, Any, Any]) -> list[Flash]:
    return take_flashes(request)


def role_label(role: str) -> str:
    return gettext(Role(role).label)


GRADE_NAMES = {
    1: N_("satisfactory"),
    2: N_("satisfactory"),
    3: N_("good"),
    4: N_("good"),
    5: N_("excellent"),
}


def grade_name(grade: int) -> str:
    """The Finnish vocational scale's word for a grade 1-5."""
    return gettext(GRADE_NAMES[grade])


def label(labels: dict[str, str]) -> str:
    """A multilingual label in the request's language (falling back to English)."""
    return label_in(labels, current_locale.get())


# Translated messages as templates use them, per language: a page calls ``_()`` dozens of
# times, and Jinja's own callable makes a new ``Markup`` and formats it on every call.
_translated: dict[tuple[str, str], Markup] = {}
_TRANSLATED_MAX = 20_000  # a template that translates data, not messages, cannot grow it forever


@pass_context
def template_gettext(context: Context, message: str, /, **variables: Any) -> str:
    """``_()`` and ``gettext()`` in templates: what Jinja's newstyle gettext returns (the
    translation as markup, formatted with the escaped ``variables``, always formatted so that
    ``%%`` means ``%``), kept per language when there are no variables."""
    if variables or not context.eval_ctx.autoescape:
        translated = gettext(message)
        if context.eval_ctx.autoescape:
            translated = Markup(translated)  # noqa: S704 (our catalogue, as Jinja does)
        return translated % variables
    key = (current_locale.get(), message)
    found = _translated.get(key)
    if found is None:
        if len(_translated) >= _TRANSLATED_MAX:
            _translated.clear()
        found = _translated[key] = Markup(gettext(message)) % {}  # noqa: S704 (as above)
    return found


def with_query(path: str, **params: Any) -> str:
    """``path`` with the non-empty ``params`` as its query string, in the order given (a link
    to another page of a filtered list keeps the filters)."""
    kept = [(name, value) for name, value in params.items() if value not in (None, "")]
    return f"{path}?{urlencode(kept)}" if kept else path


def create_environment(*, auto_reload: bool = True) -> Environment:
    """The portal's Jinja environment. ``auto_reload`` checks each template's file for
    changes every time it is used: for development only (a file system call per template
    per page)."""
    env = Environment(
        auto_reload=auto_reload,
        loader=FileSystemLoader(TEMPLATE_DIR),
        autoescape=select_autoescape(default=True),
        undefined=StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_callables(gettext, ngettext, newstyle=True)  # type: ignore[attr-defined]
    env.globals.update(_=template_gettext, gettext=template_gettext)
    env.globals.update(
        current_user=current_user,
        navigation=navigation,
        current_section=current_section,
        has_form_errors=has_form_errors,
        return_path=return_path,
        flashes=flashes,
        role_label=role_label,
        current_locale=current_locale.get,
        text_direction=lambda: direction(current_locale.get()),
        offered_languages=tuple((code, LANGUAGE_NAMES[code]) for code in SUPPORTED_LOCALES),
        grade_name=grade_name,
        with_query=with_query,
        unread_notifications=unread_notifications,
        notice_subject=subject_of,
        notice_lines=lines_of,
    )
    env.filters["label"] = label
    # Dates, moments, numbers and lists the way the page's language writes them.
    env.filters["date"] = format_date
    env.filters["datetime"] = format_datetime
    env.filters["number"] = format_number
    env.filters["and_list"] = format_list
    # A value from a fixed list whose names are in the catalogue (a region, a language).
    env.filters["translated"] = gettext
    return env
