"""A six-monthly report as an A4 PDF: WeasyPrint, from the report's print document, with
nothing fetched.

The document (``templates/reporting/report_document.html``) carries its styles and its charts
(SVG) inline, and the URL fetcher refuses every URL, as for certificates
(:mod:`certificates.pdf`): a report never depends on, or leaks anything to, the network. This
module alone loads WeasyPrint, so pages that make no PDF start without it.
"""

from __future__ import annotations

from typing import Any, NoReturn

import weasyprint  # type: ignore[import-untyped]
from weasyprint.pdf import VARIANTS  # type: ignore[import-untyped]
from weasyprint.urls import FatalURLFetchingError  # type: ignore[import-untyped]

# Tagged for screen readers (PDF/UA-1) where this WeasyPrint offers it.
PDF_VARIANT = "pdf/ua-1"


class ResourceRefused(RuntimeError):
    """The document asked for a URL; a report's document is all inline."""


class RefusingFetcher(weasyprint.URLFetcher):  # type: ignore[misc]
    """Fetches nothing, and stops the rendering when asked (``fail_on_errors``)."""

    def __init__(self) -> None:
        super().__init__(fail_on_errors=True)

    def fetch(self, url: str, headers: Any = None) -> NoReturn:
        raise ResourceRefused(f"the report document may not fetch {url[:200]!r}")


def render_pdf(html: str) -> bytes:
    """The print document ``html`` as a tagged A4 PDF (its title and language from the
    document). Raises :class:`ResourceRefused` if the document asks for any URL."""
    options: dict[str, Any] = (
        {"pdf_variant": PDF_VARIANT} if PDF_VARIANT in VARIANTS else {"pdf_tags": True}
    )
    document = weasyprint.HTML(string=html, url_fetcher=RefusingFetcher())
    try:
        pdf: bytes = document.write_pdf(**options)
    except FatalURLFetchingError as error:
        raise ResourceRefused(str(error)) from error
    return pdf
