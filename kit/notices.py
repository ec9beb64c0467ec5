"""What the portal tells a person: a :class:`Notice`, kept as data and rendered per language.

A notice is stored as message ids and values, not as finished text, so it reads in the
recipient's language wherever it is shown: in the e-mail (rendered by the sender, which
knows the portal's public address) and in the portal's list of notifications (rendered in the
language of the page). The message ids are marked with ``N_`` where a notice is made and
translated here.

Values are strings, whole numbers or days (a day is written the recipient's way). A notice
names positions, organisations and days, and links to the page where the access rules decide
what is shown; it never carries a person's name the recipient might not be allowed to see
(docs/notifications.md).
"""

from __future__ import annotations

import datetime
import html
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from kit.i18n import N_, direction, format_date, gettext, in_language

Value = str | int | datetime.date


class _Values(dict[str, str]):
    """Values for ``%``-formatting: a name a translation gets wrong reads as nothing, not
    as an error in the middle of sending."""

    def __missing__(self, key: str) -> str:
        return ""


@dataclass(frozen=True)
class Notice:
    """One message: its kind (``accounts.notices.KINDS``), subject, paragraphs, the values
    they name with ``%(name)s``, and the page it leads to (a path in the portal, or a whole
    address such as a one-time link)."""

    kind: str
    subject: str
    lines: tuple[str, ...] = ()
    values: Mapping[str, Value] = field(default_factory=dict)
    link: str = ""
    action: str = N_("Open the ISOK portal")

    def as_data(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "subject": self.subject,
            "lines": list(self.lines),
            "values": {key: _stored(value) for key, value in self.values.items()},
            "link": self.link,
            "action": self.action,
        }

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> Notice:
        values = data.get("values") or {}
        return cls(
            kind=str(data.get("kind", "")),
            subject=str(data.get("subject", "")),
            lines=tuple(str(line) for line in data.get("lines") or ()),
            values={str(key): _loaded(value) for key, value in values.items()},
            link=str(data.get("link", "")),
            action=str(data.get("action") or Notice.action),
        )


def _stored(value: Value) -> Any:
    if isinstance(value, datetime.date):
        return {"date": value.isoformat()}
    return value


def _loaded(value: Any) -> Value:
    if isinstance(value, dict) and "date" in value:
        try:
            return datetime.date.fromisoformat(str(value["date"]))
        except ValueError:
            return ""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return str(value)


def _written(values: Mapping[str, Value]) -> _Values:
    """The values as text in the current language."""
    written = _Values()
    for key, value in values.items():
        if isinstance(value, datetime.date):
            written[key] = format_date(value)
        else:
            written[key] = str(value)
    return written


def _translated(message: str, values: Mapping[str, str]) -> str:
    text = gettext(message)
    try:
        return text % values
    except (TypeError, ValueError):  # a translation whose placeholders are broken
        return text


def subject_of(notice: Notice) -> str:
    """The subject in the current language."""
    return _translated(notice.subject, _written(notice.values))


def lines_of(notice: Notice) -> list[str]:
    """The paragraphs in the current language."""
    values = _written(notice.values)
    return [_translated(line, values) for line in notice.lines]


def absolute(link: str, public_url: str) -> str:
    """A portal path made an address on the public URL; a whole address stays as it is."""
    if link.startswith("/"):
        return public_url.rstrip("/") + link
    return link


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str


def render(
    notice: Notice, *, locale: str, public_url: str, footer: tuple[Notice, ...] = ()
) -> Rendered:
    """The e-mail of ``notice`` in ``locale``: subject, plain text and HTML. ``footer``:
    small print after the message (why it came, where to choose e-mails), each a notice
    whose subject is the sentence and whose link, if any, follows it."""
    with in_language(locale):
        subject = subject_of(notice)
        paragraphs = lines_of(notice)
        action = gettext(notice.action)
        small = [(subject_of(part), absolute(part.link, public_url)) for part in footer]
        greeting = gettext("Hello,")
        signature = gettext("The ISOK portal")
        language_direction = direction(locale)
    url = absolute(notice.link, public_url) if notice.link else ""
    text_parts = [greeting, *paragraphs]
    if url:
        text_parts.append(f"{action}:\n{url}")
    text_parts.append(signature)
    text = "\n\n".join(text_parts)
    if small:
        text += "\n\n-- \n" + "\n".join(f"{sentence} {link}".rstrip() for sentence, link in small)
    text += "\n"
    escape = html.escape
    body = [f"<p>{escape(greeting)}</p>"]
    body += [f"<p>{escape(paragraph)}</p>" for paragraph in paragraphs]
    if url:
        body.append(f'<p><a href="{escape(url)}">{escape(action)}</a></p>')
    body.append(f"<p>{escape(signature)}</p>")
    for sentence, link in small:
        linked = f' <a href="{escape(link)}">{escape(link)}</a>' if link else ""
        body.append(f'<p style="color:#555;font-size:0.875em">{escape(sentence)}{linked}</p>')
    page = (
        "<!doctype html>\n"
        f'<html lang="{escape(locale)}" dir="{language_direction}">\n'
        '<head><meta charset="utf-8">'
        f"<title>{escape(subject)}</title></head>\n"
        '<body style="font-family:sans-serif;line-height:1.5;max-width:40em">\n'
        + "\n".join(body)
        + "\n</body>\n</html>\n"
    )
    return Rendered(subject=subject, text=text, html=page)
