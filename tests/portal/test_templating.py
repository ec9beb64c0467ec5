"""The templates' ``_()`` and ``gettext()`` give what Jinja's own newstyle gettext gives."""

from __future__ import annotations

from typing import Any

import pytest
from jinja2 import Environment

from kit.i18n import current_locale, gettext, ngettext
from portal.templating import create_environment, with_query


def jinja_environment() -> Environment:
    """Jinja's own newstyle gettext, as the portal installed it before."""
    env = Environment(autoescape=True, extensions=["jinja2.ext.i18n"])
    env.install_gettext_callables(gettext, ngettext, newstyle=True)  # type: ignore[attr-defined]
    return env


SOURCES = [
    '{{ _("Candidates") }}',
    '{{ gettext("Candidates") }}',
    '{{ _("100%% done") }}',
    '{{ _("page %(page)d of %(pages)d", page=2, pages=7) }}',
    '{{ _("Hello %(name)s", name=name) }}',
    '{{ _("Hello %(name)s", name=name) }} {{ _("Hello %(name)s", name="Ann") }}',
    '<a title="{{ _("Name") }}">{{ _("Name") }}</a>',
    "{% trans %}Candidates{% endtrans %}",
    "{% trans n=3 %}{{ n }} candidate{% pluralize %}{{ n }} candidates{% endtrans %}",
]


@pytest.mark.parametrize("source", SOURCES)
def test_template_gettext_renders_as_jinjas(source: str) -> None:
    context: dict[str, Any] = {"name": "<script>alert(1)</script> & Co"}
    ours = create_environment(auto_reload=False).from_string(source)
    jinjas = jinja_environment().from_string(source)
    for _ in range(2):  # the second time from the kept translation
        assert ours.render(context) == jinjas.render(context)


def test_variables_are_escaped_and_the_message_is_not() -> None:
    env = create_environment(auto_reload=False)
    rendered = env.from_string('{{ _("Hello %(name)s", name=name) }}').render(name="<b>")
    assert rendered == "Hello &lt;b&gt;"


def test_kept_translations_follow_the_language_of_the_request(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(
        "portal.templating.gettext", lambda message: f"{message} ({current_locale.get()})"
    )
    env = create_environment(auto_reload=False)
    template = env.from_string('{{ _("A message only this test uses") }}')
    assert template.render() == "A message only this test uses (en)"
    token = current_locale.set("fi")
    try:
        assert template.render() == "A message only this test uses (fi)"
    finally:
        current_locale.reset(token)
    assert template.render() == "A message only this test uses (en)"


def test_a_missing_variable_fails_as_in_jinja() -> None:
    source = '{{ _("Hello %(name)s") }}'
    with pytest.raises(KeyError):
        jinja_environment().from_string(source).render()
    with pytest.raises(KeyError):
        create_environment(auto_reload=False).from_string(source).render()


def test_with_query_keeps_only_the_filters_given() -> None:
    assert with_query("/candidates") == "/candidates"
    assert with_query("/candidates", q="", stage=None, page=2) == "/candidates?page=2"
    assert (
        with_query("/candidates", q="Ann & Bo", stage="placed", page=3)
        == "/candidates?q=Ann+%26+Bo&stage=placed&page=3"
    )
