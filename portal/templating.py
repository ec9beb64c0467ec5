"""The Jinja2 environment: templates/ at the project root, gettext, and page helpers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from litestar import Request

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
    NavItem(N_("Candidates"), "/candidates"),
    NavItem(N_("Interviews"), "/interviews"),
    NavItem(N_("Partners"), "/partners"),
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
    env.globals.update(
        current_user=current_user,
        navigation=navigation,
        flashes=flashes,
        role_label=role_label,
        current_locale=current_locale.get,
        grade_name=grade_name,
    )
    env.filters["label"] = label
    return env
