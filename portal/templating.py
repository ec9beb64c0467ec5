"""The Jinja2 environment: templates/ at the project root, gettext, and page helpers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from jinja2 import Environment, FileSystemLoader, StrictUndefined, pass_context, select_autoescape
from jinja2.runtime import Context
from litestar import Request
from markupsafe import Markup

from competences.models import label_in
from kit.flash import Flash, take_flashes
from kit.i18n import N_, current_locale, gettext, ngettext
from kit.roles import Role
from kit.settings import PROJECT_ROOT
from portal.policy import access_for

TEMPLATE_DIR = PROJECT_ROOT / "templates"
STATIC_DIR = PROJECT_ROOT / "static"


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
    NavItem(N_("Frameworks"), "/frameworks"),
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


def navigation(request: Request[Any, Any, Any]) -> tuple[NavItem, ...]:
    user = current_user(request)
    if user is None:
        return ()
    return NAVIGATION_BY_ROLE[Role(user.role).value]


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
        flashes=flashes,
        role_label=role_label,
        current_locale=current_locale.get,
        grade_name=grade_name,
        with_query=with_query,
    )
    env.filters["label"] = label
    return env
