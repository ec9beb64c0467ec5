"""The candidate record form: what was typed, read field by field, and shown again.

The pages of :mod:`candidates.pages` read the form with :func:`read_candidate_form` and fill it
from a record with :func:`form_from`; the rules live in :mod:`candidates.services`, whose
messages :meth:`CandidateForm.add_service_errors` puts beside the fields they concern.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from candidates import consent, services
from candidates.services import (
    CandidateInput,
    LanguageInput,
)
from kit.forms import FormReader, language_field_name, place_errors, read_language_rows
from kit.invalid import Invalid

MIN_LANGUAGE_ROWS = 3
MAX_ROWS = 20
BLANK_LANGUAGE = {"language": "", "level": "", "assessment": "self"}


@dataclasses.dataclass
class CandidateForm:
    """The record form as submitted or prefilled: values by field name, rows, errors."""

    values: dict[str, str]
    regions: list[str]
    language_rows: list[dict[str, str]]
    errors: dict[str, str] = dataclasses.field(default_factory=dict)
    action: str = "save"
    data: CandidateInput | None = None
    # Form row number of each language in ``data`` (blank rows are left out of ``data``).
    language_index: list[int] = dataclasses.field(default_factory=list)

    def add_service_errors(self, errors: Mapping[str, str]) -> None:
        """Put the service's messages beside the fields they concern (first message wins)."""
        place_errors(self.errors, errors, self._field_name)

    def _field_name(self, key: str) -> str:
        return language_field_name(key, self.language_index, other="language_assessment") or key


TEXT_FIELDS = (
    "name",
    "email",
    "phone",
    "municipality",
    "available_from",
    "availability_note",
    "client_type",
    "client_since",
    "counsellor",
    "stage",
)


def read_candidate_form(form: Mapping[str, Any]) -> CandidateForm:
    """Read and check the submitted form field by field (the service checks the rest)."""
    reader = FormReader(form)
    values = {name: reader.raw(name) for name in TEXT_FIELDS}
    name = reader.text("name", required=True, max_length=services.NAME_MAX)
    email = reader.text("email", max_length=services.EMAIL_MAX)
    phone = reader.text("phone", max_length=services.PHONE_MAX)
    municipality = reader.text("municipality", max_length=services.MUNICIPALITY_MAX)
    available_from = reader.date("available_from")
    note = reader.text("availability_note", max_length=services.NOTE_MAX)
    client_since = reader.date("client_since", required=True)
    counsellor = reader.integer("counsellor")
    regions = reader.values("regions")

    rows = read_language_rows(
        reader,
        default=MIN_LANGUAGE_ROWS,
        maximum=MAX_ROWS,
        extra={"assessment": lambda row: reader.raw(f"language_assessment-{row}") or "self"},
    )
    languages = [LanguageInput(**row) for row in rows.filled]

    data = CandidateInput(
        name=name,
        client_since=client_since,
        email=email,
        phone=phone,
        municipality=municipality,
        regions=regions,
        available_from=available_from,
        availability_note=note,
        client_type=values["client_type"],
        counsellor_id=counsellor,
        stage=values["stage"],
        languages=languages,
    )
    return CandidateForm(
        values=values,
        regions=regions,
        language_rows=rows.shown,
        errors=dict(reader.errors),
        action=reader.raw("action") or "save",
        data=data,
        language_index=rows.index,
    )


def form_from(data: CandidateInput) -> CandidateForm:
    """The form prefilled from a record (editing) or defaults (new)."""
    return CandidateForm(
        values={
            "name": data.name,
            "email": data.email,
            "phone": data.phone,
            "municipality": data.municipality,
            "available_from": data.available_from.isoformat() if data.available_from else "",
            "availability_note": data.availability_note,
            "client_type": data.client_type,
            "client_since": data.client_since.isoformat() if data.client_since else "",
            "counsellor": str(data.counsellor_id) if data.counsellor_id else "",
            "stage": data.stage,
        },
        regions=list(data.regions),
        language_rows=[
            {"language": row.language, "level": row.level, "assessment": row.assessment}
            for row in data.languages
        ],
    )


@dataclasses.dataclass(frozen=True)
class ConsentDecision:
    """A consent form as sent: for which purpose, given or not, and what was refused."""

    purpose: str
    given: bool
    errors: dict[str, str]


async def record_consent_from(
    session: AsyncSession, form: Mapping[str, Any], *, candidate_id: int, recorded_by_id: int
) -> ConsentDecision:
    """Read a consent form (``purpose``, ``decision``, ``organisation``) and record the
    decision for the candidate; nothing is written when ``errors`` is not empty."""
    reader = FormReader(form)
    purpose = reader.raw("purpose")
    decision = reader.choice("decision", ("given", "withdrawn"), required=True)
    organisation_id = reader.integer("organisation")
    errors = dict(reader.errors)
    if not errors:
        try:
            await consent.record_consent(
                session,
                candidate_id=candidate_id,
                purpose=purpose,
                given=decision == "given",
                recorded_by_id=recorded_by_id,
                organisation_id=organisation_id,
            )
        except Invalid as invalid:
            errors = invalid.errors
    return ConsentDecision(purpose=purpose, given=decision == "given", errors=errors)
