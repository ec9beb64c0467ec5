"""The certificate as a document: an HTML page and an A4 PDF with a QR code.

Both are drawn from the certificate's fixed :class:`~certificates.content.Content`, in its own
language (``content.language``) and with its own words (:mod:`certificates.wording`), so the
page, the print and the PDF say the same thing whatever the interface language.

The templates are rendered by an environment of this module's own: the certificates package
sits below the portal and may not borrow its templating. The portal includes the same body
(``certificates/_body.html``) in its own layout with :func:`document_context`.

The PDF is made by WeasyPrint from the print document with nothing fetched: styles and the QR
code are inline, and the URL fetcher refuses every URL, so a certificate never depends on (or
leaks anything to) the network, and a rendering that would have needed a resource fails
instead of printing a certificate with a hole in it.
"""

from __future__ import annotations

import functools
import html
from pathlib import Path
from typing import Any, NoReturn, TypedDict

import jinja2
import segno
import weasyprint  # type: ignore[import-untyped]
from markupsafe import Markup
from weasyprint.pdf import VARIANTS  # type: ignore[import-untyped]
from weasyprint.urls import FatalURLFetchingError  # type: ignore[import-untyped]

from certificates.content import Content
from certificates.wording import WORDING, Wording

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
DOCUMENT_TEMPLATE = "certificates/document.html"
BODY_TEMPLATE = "certificates/_body.html"
# A tagged file for screen readers (PDF/UA-1: structure tree, title shown, language).
PDF_VARIANT = "pdf/ua-1"
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


class ResourceRefused(RuntimeError):
    """The document asked WeasyPrint for a URL; a certificate's document is all inline."""


class RefusingFetcher(weasyprint.URLFetcher):  # type: ignore[misc]
    """A WeasyPrint URL fetcher that fetches nothing and stops the rendering when asked.

    ``fail_on_errors`` makes WeasyPrint raise :class:`FatalURLFetchingError` rather than log
    the failure and leave the resource out. (``URLFetcher`` is WeasyPrint 68's API, the
    release that also fixed CVE-2025-68616 in the old fetcher function.)
    """

    def __init__(self) -> None:
        super().__init__(fail_on_errors=True)

    def fetch(self, url: str, headers: Any = None) -> NoReturn:
        raise ResourceRefused(f"the certificate document may not fetch {url[:200]!r}")


def verify_url(public_url: str, code: str) -> str:
    """The public verification page of the certificate ``code`` (what the QR code opens).

    ``public_url`` is the portal's public address (``ISOK_PUBLIC_URL``); a trailing slash on
    it does not double the slash.
    """
    return f"{public_url.rstrip('/')}/verify/{code}"


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


def _pdf_options() -> dict[str, Any]:
    """PDF/UA-1 where this WeasyPrint offers it, a plain tagged PDF otherwise.

    The title and the language come from the document's ``<title>`` and ``<html lang>``
    either way; a WeasyPrint without the variant loses only the PDF/UA identification (and
    the title shown in the reader's window), never the tags a screen reader needs.
    """
    if PDF_VARIANT in VARIANTS:
        return {"pdf_variant": PDF_VARIANT}
    return {"pdf_tags": True}


def render_pdf(content: Content, *, verify_url: str) -> bytes:
    """The certificate as an A4 PDF in its language, tagged (PDF/UA-1), with its QR code.

    Raises :class:`ResourceRefused` if the document ever asks for a URL (it is all inline).
    """
    document = weasyprint.HTML(
        string=render_html(content, verify_url=verify_url), url_fetcher=RefusingFetcher()
    )
    try:
        pdf: bytes = document.write_pdf(**_pdf_options())
    except FatalURLFetchingError as error:
        # WeasyPrint's error is a BaseException: turn it into an ordinary one for the caller.
        raise ResourceRefused(str(error)) from error
    return pdf
