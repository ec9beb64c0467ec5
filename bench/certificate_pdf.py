"""Seconds per certificate PDF, against WeasyPrint's own floor measured in the same run.

    .venv/bin/python bench/certificate_pdf.py              # 10 outcomes, 20 rounds
    .venv/bin/python bench/certificate_pdf.py --outcomes 40 --rounds 10

The baseline is WeasyPrint turning a one-paragraph HTML page into a PDF: the cost of starting
a rendering (style cascade, fonts, writing the file) that no certificate can go under. The
rows below it split a realistic certificate (10 outcomes in two units, three assessors) into
the HTML (Jinja and the QR code) and the whole tagged PDF/UA-1 file. Prints the median and
95th percentile per certificate and each median's ratio to the baseline.
"""

from __future__ import annotations

import argparse
import datetime
import io
import math
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pypdf
import weasyprint  # type: ignore[import-untyped]

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

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
from certificates.document import render_html
from certificates.export import verify_url
from certificates.pdf import RefusingFetcher, render_pdf

TRIVIAL = '<!doctype html><html lang="en"><title>Baseline</title><p>One paragraph.</p></html>'
CRITERIA = (
    "Toimii itsenäisesti ja noudattaa työturvallisuusohjeita; tarkistaa lähetyksen "
    "asiakirjoja vasten, kirjaa poikkeamat ja ilmoittaa niistä oma-aloitteisesti."
)


def realistic_certificate(outcomes: int) -> Content:
    """A Finnish certificate the size of a real one: two units, three assessors."""
    units = [Unit("106789", "Varastotoiminnot"), Unit("106790", "Kuljetuspalvelut")]
    return Content(
        code="7KQ2-M8XD-4HRT-9WZP-3NCF",
        language="fi",
        issued_on=datetime.date(2025, 6, 12),
        recipient=Recipient("Amina Yusuf Abdirahman", "emailAddress", "sha256$" + "0" * 64, "s"),
        qualifications=[Qualification("LOG", "Logistiikan perustutkinto", units)],
        outcomes=[
            Outcome(
                code=f"LOG-{number}",
                name=f"Vastaanottaa tavaran, tarkistaa lähetyksen ja kirjaa sen ({number})",
                unit_code=units[number % 2].code,
                framework_code="LOG",
                grade=1 + number % 5,
                grade_words=GRADE_WORDS["fi"][1 + number % 5],
                criteria=CRITERIA,
            )
            for number in range(1, outcomes + 1)
        ],
        organisation="Varastopalvelu Esimerkki Oy",
        position="Varastotyöntekijä",
        start_date=datetime.date(2025, 3, 3),
        end_date=datetime.date(2025, 5, 30),
        assessors=[
            Person(role, ROLE_NAMES["fi"][role], name)
            for role, name in (
                ("tutor", "Pekka Virtanen"),
                ("teacher", "Outi Opettaja"),
                ("counsellor", "Olli Ohjaaja"),
            )
        ],
        signed_by="Outi Opettaja",
        signed_on=datetime.date(2025, 6, 10),
        issuer=Issuer(
            "Koulutuskeskus Esimerkki", "Esimerkkikatu 1, 00100 Helsinki", "https://example.fi"
        ),
        decision_id=1,
        decision_version=1,
    )


def timings(action: Callable[[], object], rounds: int) -> list[float]:
    """Seconds per call of ``action``, after one warm-up call, sorted."""
    action()
    seconds = []
    for _ in range(rounds):
        start = time.perf_counter()
        action()
        seconds.append(time.perf_counter() - start)
    return sorted(seconds)


def trivial_pdf() -> bytes:
    pdf: bytes = weasyprint.HTML(string=TRIVIAL, url_fetcher=RefusingFetcher()).write_pdf()
    return pdf


def print_row(label: str, seconds: list[float], floor: float, width: int) -> None:
    median = statistics.median(seconds)
    p95 = seconds[math.ceil(0.95 * len(seconds)) - 1]
    print(f"{label:<{width}} {median:>10.3f} {p95:>8.3f} {median / floor:>11.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--outcomes", type=int, default=10)
    args = parser.parse_args()
    content = realistic_certificate(args.outcomes)
    url = verify_url("https://isok.example.fi", content.code)
    pdf = render_pdf(content, verify_url=url)
    pages = len(pypdf.PdfReader(io.BytesIO(pdf)).pages)
    print(f"certificate: {args.outcomes} outcomes, {pages} page(s), {len(pdf) / 1024:.0f} KiB")
    width = 34
    floor = statistics.median(timings(trivial_pdf, args.rounds))
    print(f"{'rendering':<{width}} {'median s':>10} {'p95 s':>8} {'× baseline':>11}")
    print(f"{'one paragraph to PDF (baseline)':<{width}} {floor:>10.3f} {'':>8} {1.0:>11.2f}")
    html_seconds = timings(lambda: render_html(content, verify_url=url), args.rounds)
    print_row("certificate HTML (Jinja + QR)", html_seconds, floor, width)
    pdf_seconds = timings(lambda: render_pdf(content, verify_url=url), args.rounds)
    print_row("certificate PDF/UA-1 (render_pdf)", pdf_seconds, floor, width)
    print(f"certificates per second, one worker: {1 / statistics.median(pdf_seconds):.1f}")


if __name__ == "__main__":
    main()
