"""The fixed words of the certificate document, in each certificate language.

Not gettext: a certificate is written in the language chosen when it was issued (Finnish or
English), whatever language the person looking at it reads the portal in, and its words must
not change when the interface catalogue is retranslated. The terms are those of Finnish
vocational education (tutkinto, tutkinnon osa, ammattitaitovaatimus, arviointikriteerit,
osaamisen tunnistaminen ja tunnustaminen), so a school reads the certificate in its own words.

``date`` is a :meth:`str.format` pattern over ``d``, ``m``, ``y`` and ``month`` (the month's
name from ``months``): Finnish writes 1.3.2025, English 1 March 2025.
"""

from __future__ import annotations

from typing import TypedDict


class Statuses(TypedDict):
    valid: str
    revoked: str
    superseded: str


class Wording(TypedDict):
    """Every fixed text of the certificate document in one language."""

    title: str
    subtitle: str
    recipient: str
    intro: str
    competence_heading: str
    qualification: str
    units: str
    outcomes_heading: str
    unit: str
    outcome: str
    outcome_code: str
    grade: str
    criteria: str
    scale: str
    criteria_note: str
    shown_heading: str
    workplace: str
    position: str
    period: str
    period_dash: str
    assessment_heading: str
    assessed_by: str
    signed_by: str
    issuer_heading: str
    issued_by: str
    issued_on: str
    code: str
    verify_heading: str
    verify_at: str
    verify_note: str
    qr_title: str
    page: str
    statuses: Statuses
    date: str
    months: tuple[str, ...]


WORDING: dict[str, Wording] = {
    "en": {
        "title": "Certificate of competence",
        "subtitle": "Recognition of vocational competence shown at work",
        "recipient": "Awarded to",
        "intro": (
            "has shown at a workplace the vocational competence described below. It was "
            "assessed against the assessment criteria of the qualification requirements, so "
            "that it can be recognised in vocational education (recognition of prior learning)."
        ),
        "competence_heading": "Recognised competence",
        "qualification": "Qualification",
        "units": "Units of the qualification",
        "outcomes_heading": "Learning outcomes and grades",
        "unit": "Unit",
        "outcome": "Learning outcome",
        "outcome_code": "Code",
        "grade": "Grade",
        "criteria": "Assessment criteria",
        "scale": (
            "Grades are given on the five-point scale of Finnish vocational education: "
            "satisfactory 1–2, good 3–4, excellent 5."
        ),
        "criteria_note": (
            "The criteria are those of the qualification requirements for the grade given; "
            "for grades 2 and 4, those of the grade below."
        ),
        "shown_heading": "Where and when shown",
        "workplace": "Workplace",
        "position": "Position",
        "period": "Period",
        "period_dash": " – ",
        "assessment_heading": "Assessment",
        "assessed_by": "Assessed by",
        "signed_by": "Assessment decision signed by",
        "issuer_heading": "Issuer",
        "issued_by": "Issued by",
        "issued_on": "Date of issue",
        "code": "Certificate code",
        "verify_heading": "Verification",
        "verify_at": "Check this certificate at",
        "verify_note": (
            "or scan the QR code. The page shows whether the certificate is valid, "
            "revoked or replaced by a newer one."
        ),
        "qr_title": "QR code that opens the verification page of this certificate",
        "page": "Page",
        "statuses": {
            "valid": "Valid",
            "revoked": "Revoked",
            "superseded": "Superseded by a newer certificate",
        },
        "date": "{d} {month} {y}",
        "months": (
            "January",
            "February",
            "March",
            "April",
            "May",
            "June",
            "July",
            "August",
            "September",
            "October",
            "November",
            "December",
        ),
    },
    "fi": {
        "title": "Osaamistodistus",
        "subtitle": "Työpaikalla osoitetun ammatillisen osaamisen tunnistaminen",
        "recipient": "Todistuksen saaja",
        "intro": (
            "on osoittanut työpaikalla alla kuvatun ammatillisen osaamisen. Osaaminen on "
            "arvioitu tutkinnon perusteiden ammattitaitovaatimusten ja arviointikriteerien "
            "mukaisesti osaamisen tunnistamista ja tunnustamista varten."
        ),
        "competence_heading": "Tunnistettu osaaminen",
        "qualification": "Tutkinto",
        "units": "Tutkinnon osat",
        "outcomes_heading": "Ammattitaitovaatimukset ja arvosanat",
        "unit": "Tutkinnon osa",
        "outcome": "Ammattitaitovaatimus",
        "outcome_code": "Tunnus",
        "grade": "Arvosana",
        "criteria": "Arviointikriteerit",
        "scale": (
            "Arvosanat on annettu ammatillisen koulutuksen viisiportaisella asteikolla: "
            "tyydyttävä 1–2, hyvä 3–4, kiitettävä 5."
        ),
        "criteria_note": (
            "Arviointikriteerit ovat tutkinnon perusteiden kriteerit annetulle arvosanalle; "
            "arvosanoille 2 ja 4 alemman arvosanan kriteerit."
        ),
        "shown_heading": "Osaamisen osoittaminen",
        "workplace": "Työpaikka",
        "position": "Tehtävä",
        "period": "Ajankohta",
        "period_dash": "–",
        "assessment_heading": "Arviointi",
        "assessed_by": "Arvioijat",
        "signed_by": "Arviointipäätöksen allekirjoittaja",
        "issuer_heading": "Todistuksen myöntäjä",
        "issued_by": "Myöntäjä",
        "issued_on": "Myöntämispäivä",
        "code": "Todistuksen tunnus",
        "verify_heading": "Todistuksen tarkistaminen",
        "verify_at": "Tarkista todistus osoitteessa",
        "verify_note": (
            "tai lukemalla QR-koodi. Sivulla näkyy, onko todistus voimassa, peruttu vai "
            "korvattu uudemmalla."
        ),
        "qr_title": "QR-koodi, joka avaa tämän todistuksen tarkistussivun",
        "page": "Sivu",
        "statuses": {
            "valid": "Voimassa",
            "revoked": "Peruttu",
            "superseded": "Korvattu uudemmalla todistuksella",
        },
        "date": "{d}.{m}.{y}",
        "months": (
            "tammikuu",
            "helmikuu",
            "maaliskuu",
            "huhtikuu",
            "toukokuu",
            "kesäkuu",
            "heinäkuu",
            "elokuu",
            "syyskuu",
            "lokakuu",
            "marraskuu",
            "joulukuu",
        ),
    },
}
