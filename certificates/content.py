"""What a certificate says, fixed when it is issued.

:class:`Content` is built once from the signed assessment decision
(:func:`assessments.decisions.signed_decision_content`) in the certificate's language and kept
with the certificate as JSON. The page, the PDF, the credential and the export for schools are
all drawn from it, so they say the same thing and nothing later (a renamed unit, a corrected
decision, a changed issuer name) changes a certificate already given out.

Outcomes marked "not demonstrated" are left out. Grades are 1-5; the words are those of
Finnish vocational education: 1-2 satisfactory, 3-4 good, 5 excellent. The criteria text is the
framework's for the grade, or for the grade below where the framework writes none (2 and 4).
"""

from __future__ import annotations

import datetime
import hashlib
import secrets
from dataclasses import asdict, dataclass, field
from typing import Any

from assessments.decisions import SignedDecision
from competences.models import label_in
from kit.clock import PROGRAMME_TIMEZONE

LANGUAGES = ("en", "fi")
# The words for each grade, in each certificate language.
GRADE_WORDS: dict[str, dict[int, str]] = {
    "en": {1: "satisfactory", 2: "satisfactory", 3: "good", 4: "good", 5: "excellent"},
    "fi": {1: "tyydyttävä", 2: "tyydyttävä", 3: "hyvä", 4: "hyvä", 5: "kiitettävä"},
}
ROLE_NAMES: dict[str, dict[str, str]] = {
    "en": {"tutor": "workplace tutor", "teacher": "teacher", "counsellor": "counsellor"},
    "fi": {"tutor": "työpaikkaohjaaja", "teacher": "opettaja", "counsellor": "ohjaaja"},
}


@dataclass(frozen=True)
class Unit:
    code: str
    name: str


@dataclass(frozen=True)
class Qualification:
    code: str
    name: str
    units: list[Unit]


@dataclass(frozen=True)
class Outcome:
    """A demonstrated learning outcome with its final grade and the criteria it was judged by."""

    code: str
    name: str
    unit_code: str
    framework_code: str
    grade: int
    grade_words: str
    criteria: str


@dataclass(frozen=True)
class Person:
    role: str  # tutor, teacher or counsellor
    role_name: str  # in the certificate's language
    name: str


@dataclass(frozen=True)
class Issuer:
    name: str
    address: str
    url: str


@dataclass(frozen=True)
class Recipient:
    """The candidate: the name in clear, the e-mail address only as a salted SHA-256 hash.

    ``identity_type`` is ``emailAddress``; a candidate with no e-mail address is identified by
    a salted hash of the name instead (``name``).
    """

    name: str
    identity_type: str
    identity_hash: str  # "sha256$" + hex digest of (identity + salt)
    salt: str


@dataclass(frozen=True)
class Content:
    code: str
    language: str
    issued_on: datetime.date
    recipient: Recipient
    qualifications: list[Qualification]
    outcomes: list[Outcome]
    organisation: str
    position: str
    start_date: datetime.date | None
    end_date: datetime.date | None
    assessors: list[Person]
    signed_by: str
    signed_on: datetime.date
    issuer: Issuer
    decision_id: int
    decision_version: int
    extra: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        """The content as JSON-ready values (dates as ISO strings)."""

        def plain(value: Any) -> Any:
            if isinstance(value, datetime.date):
                return value.isoformat()
            if isinstance(value, dict):
                return {key: plain(item) for key, item in value.items()}
            if isinstance(value, list):
                return [plain(item) for item in value]
            return value

        result: dict[str, Any] = plain(asdict(self))
        return result

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Content:
        def day(value: str | None) -> datetime.date | None:
            return None if value is None else datetime.date.fromisoformat(value)

        return cls(
            code=data["code"],
            language=data["language"],
            issued_on=datetime.date.fromisoformat(data["issued_on"]),
            recipient=Recipient(**data["recipient"]),
            qualifications=[
                Qualification(
                    code=q["code"], name=q["name"], units=[Unit(**unit) for unit in q["units"]]
                )
                for q in data["qualifications"]
            ],
            outcomes=[Outcome(**outcome) for outcome in data["outcomes"]],
            organisation=data["organisation"],
            position=data["position"],
            start_date=day(data["start_date"]),
            end_date=day(data["end_date"]),
            assessors=[Person(**person) for person in data["assessors"]],
            signed_by=data["signed_by"],
            signed_on=datetime.date.fromisoformat(data["signed_on"]),
            issuer=Issuer(**data["issuer"]),
            decision_id=data["decision_id"],
            decision_version=data["decision_version"],
            extra=dict(data.get("extra") or {}),
        )


def identity_hash(identity: str, salt: str) -> str:
    """Open Badges' ``identityHash``: ``sha256$`` and the hex digest of identity + salt."""
    return "sha256$" + hashlib.sha256((identity + salt).encode()).hexdigest()


def recipient(name: str, email: str) -> Recipient:
    salt = secrets.token_hex(16)
    email = email.strip().lower()
    if email:
        return Recipient(name, "emailAddress", identity_hash(email, salt), salt)
    return Recipient(name, "name", identity_hash(name, salt), salt)


def build(
    decision: SignedDecision,
    *,
    code: str,
    language: str,
    issued_on: datetime.date,
    candidate_email: str,
    issuer: Issuer,
) -> Content:
    """The certificate's content from a signed decision, in ``language``."""
    outcomes = [
        Outcome(
            code=given.code,
            name=label_in(given.labels, language),
            unit_code=given.unit_code,
            framework_code=given.framework_code,
            grade=given.grade,
            grade_words=GRADE_WORDS[language][given.grade],
            criteria=label_in(
                given.criteria.get(given.grade) or given.criteria.get(given.grade - 1) or {},
                language,
            ),
        )
        for given in decision.outcomes
        if not given.not_demonstrated and given.grade is not None
    ]
    shown_units = {outcome.unit_code for outcome in outcomes}
    qualifications = [
        Qualification(
            code=part.code,
            name=label_in(part.labels, language),
            units=[
                Unit(code=code_, name=label_in(labels, language))
                for code_, labels in part.units
                if code_ in shown_units
            ],
        )
        for part in decision.qualifications
    ]
    return Content(
        code=code,
        language=language,
        issued_on=issued_on,
        recipient=recipient(decision.candidate_name, candidate_email),
        qualifications=[q for q in qualifications if q.units],
        outcomes=outcomes,
        organisation=decision.organisation_name,
        position=decision.position_title,
        start_date=decision.start_date,
        end_date=decision.end_date,
        assessors=[
            Person(
                role=str(person.role),
                role_name=ROLE_NAMES[language][str(person.role)],
                name=person.name,
            )
            for person in decision.assessors
        ],
        signed_by=decision.signer_name,
        signed_on=decision.signed_at.astimezone(PROGRAMME_TIMEZONE).date(),
        issuer=issuer,
        decision_id=decision.decision_id,
        decision_version=decision.version,
    )
