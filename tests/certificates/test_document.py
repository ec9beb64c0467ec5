"""The certificate document: its HTML, its A4 PDF (text, metadata, tags) and its QR code.

The PDFs are real WeasyPrint output, read back with pypdf, rendered to pixels with pdfium and
the QR code decoded with zxing-cpp: what a verifier's phone and an employer's PDF reader see.
Each PDF is rendered once per module. No test may touch the network (see ``no_network``).
"""

from __future__ import annotations

import datetime
import io
import itertools
import re
import socket
from collections.abc import Iterator
from html.parser import HTMLParser
from typing import Any

import jinja2
import pypdf
import pypdfium2
import pytest
import weasyprint
import zxingcpp
from weasyprint.urls import FatalURLFetchingError

from certificates import document
from certificates import pdf as pdf_module
from certificates.content import (
    GRADE_WORDS,
    ROLE_NAMES,
    Content,
    Issuer,
    Outcome,
    Person,
    Qualification,
    Recipient,
    Unit,
)
from certificates.document import QR_MILLIMETRES, qr_svg, render_html
from certificates.export import verify_url
from certificates.pdf import RefusingFetcher, ResourceRefused, render_pdf
from certificates.wording import WORDING

PUBLIC_URL = "https://isok.example.fi"
CODE = "7KQ2-M8XD-4HRT-9WZP-3NCF"
URL = f"{PUBLIC_URL}/verify/{CODE}"
A4 = (595.28, 841.89)  # points
MM = 72 / 25.4  # points per millimetre
PAGE_MARGIN = 18 * MM  # the left and right margins of the @page rule

UNITS = {
    "en": [("106789", "Warehouse operations"), ("106790", "Goods transport")],
    "fi": [("106789", "Varastotoiminnot"), ("106790", "Kuljetus")],
}
OUTCOMES = {
    "en": [
        ("LOG-1.1", "Receives goods and checks the delivery", "106789", 5),
        ("LOG-1.2", "Stores goods safely and in order", "106789", 3),
        ("LOG-1.3", "Uses warehouse information systems", "106789", 1),
        ("LOG-2.1", "Plans a delivery route", "106790", 4),
    ],
    "fi": [
        ("LOG-1.1", "Vastaanottaa tavaran ja tarkistaa lähetyksen", "106789", 5),
        ("LOG-1.2", "Varastoi tavarat turvallisesti ja järjestyksessä", "106789", 3),
        ("LOG-1.3", "Käyttää varaston tietojärjestelmiä", "106789", 1),
        ("LOG-2.1", "Suunnittelee jakelureitin", "106790", 4),
    ],
}
CRITERIA = {
    "en": "Works independently and follows the safety instructions.",
    "fi": "Toimii itsenäisesti ja noudattaa työturvallisuusohjeita.",
}


def certificate(
    language: str,
    *,
    name: str = "Amina Yusuf",
    outcomes: list[tuple[str, str, str, int]] | None = None,
    criteria: str | None = None,
    start_date: datetime.date | None = datetime.date(2025, 3, 3),
    end_date: datetime.date | None = datetime.date(2025, 5, 30),
) -> Content:
    """A certificate's content built by hand, as certificates.content.build would give it."""
    return Content(
        code=CODE,
        language=language,
        issued_on=datetime.date(2025, 6, 12),
        recipient=Recipient(name, "emailAddress", "sha256$" + "0" * 64, "salt"),
        qualifications=[
            Qualification(
                code="LOG",
                name="Logistiikan perustutkinto" if language == "fi" else "VQ in Logistics",
                units=[Unit(code, unit_name) for code, unit_name in UNITS[language]],
            )
        ],
        outcomes=[
            Outcome(
                code=code,
                name=outcome_name,
                unit_code=unit_code,
                framework_code="LOG",
                grade=grade,
                grade_words=GRADE_WORDS[language][grade],
                criteria=CRITERIA[language] if criteria is None else criteria,
            )
            for code, outcome_name, unit_code, grade in (outcomes or OUTCOMES[language])
        ],
        organisation="Varastopalvelu Oy",
        position="Varastotyöntekijä" if language == "fi" else "Warehouse worker",
        start_date=start_date,
        end_date=end_date,
        assessors=[
            Person(role, ROLE_NAMES[language][role], person)
            for role, person in (("tutor", "Pekka Virtanen"), ("teacher", "Outi Opettaja"))
        ],
        signed_by="Outi Opettaja",
        signed_on=datetime.date(2025, 6, 10),
        issuer=Issuer("Koulutuskeskus Esimerkki", "Esimerkkikatu 1, 00100 Helsinki", PUBLIC_URL),
        decision_id=1,
        decision_version=1,
    )


def many_outcomes(count: int) -> list[tuple[str, str, str, int]]:
    return [
        (f"LOG-{i}", f"Learning outcome number {i} of the long certificate", "106789", 1 + i % 5)
        for i in range(1, count + 1)
    ]


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any attempt to resolve a name or open a connection fails the test."""

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError(f"network access during a certificate render: {args!r}")

    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)


@pytest.fixture(scope="module")
def pdfs() -> dict[str, bytes]:
    """The Finnish and the English certificate's PDF, rendered once."""
    return {
        language: render_pdf(certificate(language), verify_url=URL) for language in ("fi", "en")
    }


def text_of(pdf: bytes) -> str:
    """The PDF's text with every run of white space as one space (lines wrap anywhere)."""
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def page_texts(pdf: bytes) -> list[str]:
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    return [" ".join(page.extract_text().split()) for page in reader.pages]


def qr_codes(pdf: bytes, dpi: int = 200) -> list[str]:
    """Every QR code on every page, as a phone camera would read the printed page."""
    found = []
    for page in pypdfium2.PdfDocument(pdf):
        image = page.render(scale=dpi / 72).to_pil()
        found += [code.text for code in zxingcpp.read_barcodes(image)]
    return found


class Outline(HTMLParser):
    """The headings (level, text) and the scopes of the table headers of an HTML text."""

    def __init__(self) -> None:
        super().__init__()
        self.headings: list[tuple[int, str]] = []
        self.scopes: list[str] = []
        self._level = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if re.fullmatch(r"h[1-6]", tag):
            self._level = int(tag[1])
            self.headings.append((self._level, ""))
        if tag == "th":
            self.scopes.append(dict(attrs).get("scope") or "")

    def handle_endtag(self, tag: str) -> None:
        if re.fullmatch(r"h[1-6]", tag):
            self._level = 0

    def handle_data(self, data: str) -> None:
        if self._level:
            level, text = self.headings[-1]
            self.headings[-1] = (level, text + data)


def outline(html: str) -> Outline:
    parser = Outline()
    parser.feed(html)
    return parser


# The verification URL and the QR code.


def test_the_verification_url_is_the_public_page_of_the_code() -> None:
    assert verify_url(PUBLIC_URL, CODE) == URL
    assert verify_url(PUBLIC_URL + "/", CODE) == URL


def test_the_qr_code_is_an_inline_svg_with_a_name() -> None:
    svg = qr_svg(URL, title='Check "this" <certificate>')
    assert svg.startswith("<svg ")
    assert "<?xml" not in svg
    assert 'role="img"' in svg
    assert 'aria-label="Check &quot;this&quot; &lt;certificate&gt;"' in svg
    assert '<title>Check "this" &lt;certificate&gt;</title>' in svg


def test_the_qr_code_prints_about_three_centimetres_wide() -> None:
    svg = qr_svg(URL)
    width = re.search(r'width="([\d.]+)mm"', svg)
    assert width is not None
    assert 30 <= float(width.group(1)) <= 35
    assert float(width.group(1)) == QR_MILLIMETRES


def test_the_qr_code_is_named_by_its_url_when_no_title_is_given() -> None:
    assert f"<title>{URL}</title>" in qr_svg(URL)


# The HTML document.


def test_the_document_is_a_complete_page_in_the_certificate_language() -> None:
    html = render_html(certificate("fi"), verify_url=URL)
    assert html.lstrip().startswith("<!doctype html>")
    assert '<html lang="fi">' in html
    assert "<title>Osaamistodistus: Amina Yusuf</title>" in html
    assert re.search(r'<meta name="description" content="Osaamistodistus 7KQ2-[^"]+">', html)
    assert "size: A4" in html


def test_the_headings_go_down_one_level_at_a_time() -> None:
    levels = [
        level for level, _ in outline(render_html(certificate("en"), verify_url=URL)).headings
    ]
    assert levels[0] == 1
    assert levels.count(1) == 1
    assert all(later - earlier <= 1 for earlier, later in itertools.pairwise(levels))


def test_every_table_header_has_a_scope() -> None:
    scopes = outline(render_html(certificate("en"), verify_url=URL)).scopes
    assert scopes.count("col") == 3
    assert scopes.count("rowgroup") == 2  # one per unit
    assert scopes.count("row") == len(OUTCOMES["en"])
    assert "" not in scopes


def test_the_qr_code_the_url_and_the_code_are_in_the_verification_group() -> None:
    html = render_html(certificate("en"), verify_url=URL)
    group = html.split('<section class="certificate-verification"')[1].split("</section>")[0]
    assert "<svg " in group
    assert f'href="{URL}"' in group
    assert CODE in group
    assert WORDING["en"]["verify_at"] in group


def test_a_candidate_name_is_text_never_markup() -> None:
    content = certificate("en", name="<script>alert('x')</script> Amina")
    for standalone in (True, False):
        html = render_html(content, verify_url=URL, standalone=standalone)
        assert "<script>" not in html
        assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; Amina" in html


def test_the_body_alone_has_no_page_around_it() -> None:
    body = render_html(certificate("en"), verify_url=URL, standalone=False)
    assert not re.search(r"<(html|head|body|style)\b", body)
    assert body.strip().startswith('<article class="certificate" lang="en"')


def test_the_body_renders_in_another_environment_with_only_its_four_names() -> None:
    """As the portal includes it: its own environment, not strict, a deeper heading level."""
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(document.TEMPLATES), autoescape=True
    )
    context = dict(document.document_context(certificate("fi"), verify_url=URL))
    assert set(context) == {"content", "wording", "verify_url", "qr"}
    body = environment.get_template(document.BODY_TEMPLATE).render(context, heading_level=2)
    assert '<h2 id="certificate-title">Osaamistodistus</h2>' in body
    assert [level for level, _ in outline(body).headings][:2] == [2, 3]
    assert "Vastaanottaa tavaran ja tarkistaa lähetyksen" in body


def test_dates_are_written_the_way_each_language_writes_them() -> None:
    finnish = render_html(certificate("fi"), verify_url=URL)
    english = render_html(certificate("en"), verify_url=URL)
    assert "3.3.2025–30.5.2025" in finnish
    assert "12.6.2025" in finnish
    assert "3 March 2025 – 30 May 2025" in english
    assert "12 June 2025" in english


def test_an_unknown_period_is_left_out() -> None:
    html = render_html(certificate("en", start_date=None, end_date=None), verify_url=URL)
    assert WORDING["en"]["period"] not in html


def test_an_outcome_of_an_unlisted_unit_is_still_on_the_certificate() -> None:
    outcomes = [*OUTCOMES["en"], ("X-1", "Drives a forklift truck", "999999", 2)]
    html = render_html(certificate("en", outcomes=outcomes), verify_url=URL)
    assert "Drives a forklift truck" in html
    assert "Unit: 999999" in html


# The PDF.


def test_the_pdf_is_an_a4_pdf(pdfs: dict[str, bytes]) -> None:
    for pdf in pdfs.values():
        assert pdf.startswith(b"%PDF")
        reader = pypdf.PdfReader(io.BytesIO(pdf))
        for page in reader.pages:
            width, height = float(page.mediabox.width), float(page.mediabox.height)
            assert width == pytest.approx(A4[0], abs=1)
            assert height == pytest.approx(A4[1], abs=1)


@pytest.mark.parametrize("language", ["fi", "en"])
def test_the_pdf_text_holds_the_whole_certificate(pdfs: dict[str, bytes], language: str) -> None:
    text = text_of(pdfs[language])
    assert "Amina Yusuf" in text
    assert CODE in text
    for _, name, _, grade in OUTCOMES[language]:
        assert name in text
        assert f"{grade} {GRADE_WORDS[language][grade]}" in text
    for _, unit in UNITS[language]:
        assert unit in text
    assert "Pekka Virtanen" in text
    assert "Varastopalvelu Oy" in text
    assert "Koulutuskeskus Esimerkki" in text


def test_the_finnish_certificate_speaks_finnish(pdfs: dict[str, bytes]) -> None:
    text = text_of(pdfs["fi"])
    assert "Osaamistodistus" in text
    assert "5 kiitettävä" in text
    assert "Ammattitaitovaatimus" in text
    assert "Arviointikriteerit" in text
    assert "työpaikkaohjaaja" in text
    assert "Certificate" not in text


def test_the_english_certificate_speaks_english(pdfs: dict[str, bytes]) -> None:
    text = text_of(pdfs["en"])
    assert "Certificate of competence" in text
    assert "5 excellent" in text
    assert "workplace tutor" in text
    assert "Osaamistodistus" not in text


@pytest.mark.parametrize(("language", "title"), [("fi", "Osaamistodistus"), ("en", "Certificate")])
def test_the_pdf_has_a_title_and_a_language(
    pdfs: dict[str, bytes], language: str, title: str
) -> None:
    reader = pypdf.PdfReader(io.BytesIO(pdfs[language]))
    assert reader.metadata is not None
    assert reader.metadata.title is not None
    assert reader.metadata.title.startswith(title)
    assert reader.metadata.title.endswith("Amina Yusuf")
    assert reader.metadata.author == "Koulutuskeskus Esimerkki"
    assert reader.trailer["/Root"]["/Lang"] == language


def structure_elements(reader: pypdf.PdfReader) -> Iterator[pypdf.generic.DictionaryObject]:
    """Every element of the PDF's structure tree (the tags), depth first."""
    stack: list[Any] = [reader.trailer["/Root"]["/StructTreeRoot"]]
    while stack:
        node = stack.pop()
        if isinstance(node, pypdf.generic.IndirectObject):
            node = node.get_object()
        if isinstance(node, pypdf.generic.ArrayObject):
            stack.extend(node)
        elif isinstance(node, pypdf.generic.DictionaryObject):
            if "/S" in node:
                yield node
            if "/K" in node:
                stack.append(node["/K"])


def test_the_pdf_is_tagged_for_screen_readers(pdfs: dict[str, bytes]) -> None:
    assert pdf_module._pdf_options() == {"pdf_variant": "pdf/ua-1"}
    reader = pypdf.PdfReader(io.BytesIO(pdfs["en"]))
    catalog = reader.trailer["/Root"]
    assert bool(catalog["/MarkInfo"]["/Marked"])
    assert "/StructTreeRoot" in catalog
    assert bool(catalog["/ViewerPreferences"]["/DisplayDocTitle"])
    assert b'pdfuaid:part="1"' in catalog["/Metadata"].get_object().get_data()
    tags = [(element["/S"], element.get("/Alt")) for element in structure_elements(reader)]
    names = {tag for tag, _ in tags}
    assert {"/H1", "/H2", "/Table", "/TH", "/TD", "/Figure"} <= names
    assert ("/Figure", WORDING["en"]["qr_title"]) in tags


def test_an_older_weasyprint_still_gets_a_tagged_pdf(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pdf_module, "VARIANTS", {})
    assert pdf_module._pdf_options() == {"pdf_tags": True}


@pytest.mark.parametrize("language", ["fi", "en"])
def test_the_qr_code_opens_the_verification_page(pdfs: dict[str, bytes], language: str) -> None:
    assert qr_codes(pdfs[language]) == [URL]


def test_rendering_logs_no_problem(caplog: pytest.LogCaptureFixture) -> None:
    """No unsupported CSS, no image without alternative text, no missing language."""
    with caplog.at_level("WARNING", logger="weasyprint"):
        render_pdf(certificate("fi"), verify_url=URL)
    assert [record.getMessage() for record in caplog.records] == []


# Long and hostile text.


@pytest.fixture(scope="module")
def long_pdf() -> bytes:
    return render_pdf(certificate("en", outcomes=many_outcomes(40)), verify_url=URL)


def test_forty_outcomes_run_on_with_the_table_header_repeated(long_pdf: bytes) -> None:
    pages = page_texts(long_pdf)
    assert len(pages) > 1
    header = "Learning outcome Grade Assessment criteria"
    with_rows = [page for page in pages if "of the long certificate" in page]
    assert len(with_rows) > 1
    assert all(header in page for page in with_rows)
    text = " ".join(pages)
    for _, name, _, _ in many_outcomes(40):
        assert f"{name} " in text
    assert all(CODE in page for page in pages)  # the page footer
    assert qr_codes(long_pdf) == [URL]  # once, on the first page


def test_very_long_names_and_texts_wrap_inside_the_page() -> None:
    content = certificate(
        "en",
        name="Abdirahman" * 30,
        outcomes=[("LOG-1", "Unbroken" * 60, "106789", 3)],
        criteria="criterion" * 80,
    )
    pdf = render_pdf(content, verify_url=URL)
    assert "Abdirahman" * 30 in "".join(text_of(pdf).split())
    for page in pypdfium2.PdfDocument(pdf):
        text = page.get_textpage()
        right = max(text.get_charbox(index)[2] for index in range(text.count_chars()))
        assert right <= A4[0] - PAGE_MARGIN + 1


def test_markup_in_an_outcome_is_printed_as_text_and_fetches_nothing() -> None:
    trap = '<img src="http://example.invalid/x.png"> Lifts loads'
    content = certificate("en", outcomes=[("LOG-1", trap, "106789", 3)])
    html = render_html(content, verify_url=URL)
    assert "&lt;img src=&#34;http://example.invalid/x.png&#34;&gt;" in html
    assert '<img src="http://example.invalid' not in html
    # The fetcher stops the rendering at any URL: that this renders proves nothing was asked.
    printed = "".join(text_of(render_pdf(content, verify_url=URL)).split())
    assert "".join(trap.split()) in printed


@pytest.mark.parametrize(
    "url", ["http://example.invalid/x.png", "https://example.invalid/", "file:///etc/passwd"]
)
def test_the_fetcher_refuses_every_url(url: str) -> None:
    with pytest.raises(ResourceRefused):
        RefusingFetcher()(url)
    with pytest.raises(ResourceRefused):
        RefusingFetcher().fetch("data:image/png;base64,AAAA")


def test_a_document_that_asks_for_a_url_is_not_rendered() -> None:
    html = '<html lang="en"><title>x</title><img src="http://example.invalid/x.png" alt="x">'
    with pytest.raises(FatalURLFetchingError):
        weasyprint.HTML(string=html, url_fetcher=RefusingFetcher()).write_pdf()


def test_render_pdf_reports_a_refused_url_as_an_ordinary_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    html = '<html lang="en"><title>x</title><img src="http://example.invalid/x.png" alt="x">'
    monkeypatch.setattr(pdf_module, "render_html", lambda *args, **kwargs: html)
    with pytest.raises(ResourceRefused):
        render_pdf(certificate("en"), verify_url=URL)
