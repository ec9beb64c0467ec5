"""The certificate as an A4 PDF: WeasyPrint, from the print document, with nothing fetched.

Styles and the QR code are inline, and the URL fetcher refuses every URL, so a certificate
never depends on (or leaks anything to) the network, and a rendering that would have needed a
resource fails instead of printing a certificate with a hole in it. This module alone loads
WeasyPrint, so that pages and commands that make no PDF start without it.
"""

from __future__ import annotations

from typing import Any, NoReturn

import weasyprint  # type: ignore[import-untyped]
from weasyprint.pdf import VARIANTS  # type: ignore[import-untyped]
from weasyprint.urls import FatalURLFetchingError  # type: ignore[import-untyped]

from certificates.content import Content
from certificates.document import render_html

# A tagged file for screen readers (PDF/UA-1: structure tree, title shown, language).
PDF_VARIANT = "pdf/ua-1"


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
        raise ResourceRefused(f"the document may not fetch {url[:200]!r}")


def _pdf_options() -> dict[str, Any]:
    """PDF/UA-1 where this WeasyPrint offers it, a plain tagged PDF otherwise.

    The title and the language come from the document's ``<title>`` and ``<html lang>``
    either way; a WeasyPrint without the variant loses only the PDF/UA identification (and
    the title shown in the reader's window), never the tags a screen reader needs.
    """
    if PDF_VARIANT in VARIANTS:
        return {"pdf_variant": PDF_VARIANT}
    return {"pdf_tags": True}


def html_to_pdf(html: str) -> bytes:
    """Any self-contained HTML document (styles inline, nothing to fetch) as a tagged PDF.

    Raises :class:`ResourceRefused` if the document asks for a URL.
    """
    document = weasyprint.HTML(string=html, url_fetcher=RefusingFetcher())
    try:
        pdf: bytes = document.write_pdf(**_pdf_options())
    except FatalURLFetchingError as error:
        # WeasyPrint's error is a BaseException: turn it into an ordinary one for the caller.
        raise ResourceRefused(str(error)) from error
    return pdf


def render_pdf(content: Content, *, verify_url: str) -> bytes:
    """The certificate as an A4 PDF in its language, tagged (PDF/UA-1), with its QR code.

    Raises :class:`ResourceRefused` if the document ever asks for a URL (it is all inline).
    """
    return html_to_pdf(render_html(content, verify_url=verify_url))
