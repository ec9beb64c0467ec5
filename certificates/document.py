"""The certificate as a document: an HTML page and an A4 PDF with a QR code.

Both are drawn from the certificate's fixed :class:`~certificates.content.Content`, in its own
language (``content.language``) and with its own words (:mod:`certificates.wording`), so the
page, the print and the PDF say the same thing whatever the interface language.

The templates are rendered by an environment of this module's own: the certificates package
sits below the portal and may not borrow its templating. The portal includes the same body
(``certificates/_body.html``) in its own layout with :func:`document_context`.

The PDF is made from the print document by :mod:`certificates.pdf` (WeasyPrint is loaded only
there, when a PDF is asked for).
"""

from __future__ import annotations

import functools
import html
from typing import TypedDict

import jinja2
import segno
from markupsafe import Markup

from certificates.content import Content
from certificates.wording import WORDING, Wording
from kit.resources import TEMPLATE_DIR

TEMPLATES = TEMPLATE_DIR
DOCUMENT_TEMPLATE = "certificates/document.html"
BODY_TEMPLATE = "certificates/_body.html"
# Q keeps the code readable with a quarter of it smudged or folded; the verification URL is
# short enough that the symbol stays small (version 5 or so).
QR_ERROR = "q"
QR_BORDER = 4  # the quiet zone the QR standard asks for, in modules
QR_MILLIMETRES = 32  # printed width with the quiet zone: easy for any phone at arm's length


class DocumentContext(TypedDict):
    """What ``certificates/_body.html`` and ``certificates/document.html`` are rendered with."""

    content: Content
    wording: Wording
    verify_url: str
    qr: Markup


def qr_svg(url: str, *, title: str = "") -> str:
    """``url`` as a QR code: an inline SVG element, about 32 mm wide when printed.

    The width is set in millimetres whatever the symbol's version, so the modules stay large
    enough for a phone camera. ``title`` (the URL when empty) is the SVG's ``<title>`` and its
    ``aria-label``: screen readers announce it, and WeasyPrint makes it the figure's
    alternative text in the tagged PDF. No XML declaration, no namespace: it is for HTML.
    """
    symbol = segno.make_qr(url, error=QR_ERROR, boost_error=False)
    width, _ = symbol.symbol_size(border=QR_BORDER)
    name = title or url
    svg = symbol.svg_inline(
        scale=QR_MILLIMETRES / width,
        unit="mm",
        border=QR_BORDER,
        title=name,
        svgclass="certificate-qr-code",
        lineclass=None,
    )
    # segno writes no ARIA attributes: role="img" makes the title the accessible name.
    return svg.replace("<svg ", f'<svg role="img" aria-label="{html.escape(name)}" ', 1)


def document_context(content: Content, *, verify_url: str) -> DocumentContext:
    """The context the certificate's templates need, for the portal's page as for the PDF."""
    wording = WORDING[content.language]
    return DocumentContext(
        content=content,
        wording=wording,
        verify_url=verify_url,
        qr=Markup(qr_svg(verify_url, title=wording["qr_title"])),  # noqa: S704 (our own SVG)
    )


@functools.cache
def _environment() -> jinja2.Environment:
    """The certificates' own Jinja environment; strict, so a misspelt name fails the tests."""
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render_html(content: Content, *, verify_url: str, standalone: bool = True) -> str:
    """The certificate as HTML in its language.

    ``standalone``: a complete print document (``<html lang>``, title, A4 page styles), what
    the PDF is made from; otherwise only the body, to place inside another page.
    """
    template = DOCUMENT_TEMPLATE if standalone else BODY_TEMPLATE
    context = document_context(content, verify_url=verify_url)
    return _environment().get_template(template).render(context)
