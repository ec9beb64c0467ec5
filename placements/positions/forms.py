"""The position form: reading it field by field, and prefilling it from a position.

A form's fields keep the person's input, so that the page shows them again with a message
beside each field the rules refuse (the rules themselves are in
:mod:`placements.positions.services`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from kit.forms import (
    FormReader,
    language_field_name,
    place_errors,
    read_language_rows,
    row_count,
)
from kit.i18n import gettext
from placements.positions import services
from placements.positions.services import (
    CompetenceRequirementInput,
    LanguageRequirementInput,
    PositionInput,
)

MIN_COMPETENCE_ROWS = 5
MIN_LANGUAGE_ROWS = 3
MAX_ROWS = 40
BLANK_COMPETENCE = {"text": "", "level": "1", "kind": "required"}
BLANK_LANGUAGE = {"language": "", "level": "", "safety": ""}


@dataclasses.dataclass
class PositionForm:
    """The position form as submitted or prefilled: values by field name, rows, errors."""

    values: dict[str, str]
    competence_rows: list[dict[str, str]]
    language_rows: list[dict[str, str]]
    errors: dict[str, str] = dataclasses.field(default_factory=dict)
    action: str = "save"
    data: PositionInput | None = None
    # Form row number of each requirement in ``data`` (blank rows are left out of ``data``).
    competence_index: list[int] = dataclasses.field(default_factory=list)
    language_index: list[int] = dataclasses.field(default_factory=list)

    def add_service_errors(self, errors: Mapping[str, str]) -> None:
        """Put the service's messages beside the fields they concern (first message wins)."""
        place_errors(self.errors, errors, self._field_name)

    def _field_name(self, key: str) -> str:
        parts = key.split(".")
        if len(parts) == 3 and parts[0] == "competences":
            row = self.competence_index[int(parts[1])]
            return f"competence-{row}" if parts[2] == "competence" else f"level-{row}"
        return language_field_name(key, self.language_index) or key


def _format_hours(hours: float | None) -> str:
    return "" if hours is None else f"{hours:g}"


def read_position_form(form: Mapping[str, Any]) -> PositionForm:
    """Read and check the submitted form field by field (the service checks the rest)."""
    reader = FormReader(form)
    action = reader.raw("action") or "save"
    values = {
        name: reader.raw(name)
        for name in (
            "title",
            "field",
            "tasks",
            "municipality",
            "region",
            "start_date",
            "end_date",
            "hours_per_week",
            "places",
            "tutor",
        )
    }
    title = reader.text("title", required=True)
    tasks = reader.text("tasks", max_length=5000)
    municipality = reader.text("municipality", max_length=100)
    region = reader.text("region", max_length=100)
    start = reader.date("start_date")
    end = reader.date("end_date")
    reader.date_order("start_date", "end_date")
    hours = reader.decimal("hours_per_week", minimum=services.MIN_HOURS, maximum=services.MAX_HOURS)
    places = reader.integer("places", required=True, minimum=1, maximum=services.MAX_PLACES)
    tutor = reader.integer("tutor")

    competence_rows: list[dict[str, str]] = []
    competences: list[CompetenceRequirementInput] = []
    competence_index: list[int] = []
    for row in range(
        row_count(reader.raw("competence_rows"), default=MIN_COMPETENCE_ROWS, maximum=MAX_ROWS)
    ):
        text = reader.text(f"competence-{row}", max_length=200)
        level_raw = reader.raw(f"level-{row}")
        kind = reader.raw(f"requirement-{row}") or "required"
        competence_rows.append({"text": text, "level": level_raw or "1", "kind": kind})
        if not text:
            continue
        level = reader.integer(
            f"level-{row}", minimum=services.MIN_LEVEL, maximum=services.MAX_LEVEL
        )
        if kind not in ("required", "optional"):
            reader.error(f"requirement-{row}", gettext("Choose one of the options."))
        competences.append(
            CompetenceRequirementInput(
                competence=text,
                min_level=level if level_raw else 1,
                required=kind != "optional",
            )
        )
        competence_index.append(row)

    language_rows = read_language_rows(
        reader,
        default=MIN_LANGUAGE_ROWS,
        maximum=MAX_ROWS,
        extra={"safety": lambda row: "on" if reader.checkbox(f"language_safety-{row}") else ""},
    )
    languages = [
        LanguageRequirementInput(
            language=row["language"], level=row["level"], for_safety=row["safety"] == "on"
        )
        for row in language_rows.filled
    ]

    data = PositionInput(
        title=title,
        field=reader.raw("field") or None,
        tasks=tasks,
        municipality=municipality,
        region=region,
        start_date=start,
        end_date=end,
        hours_per_week=hours,
        places=places,
        tutor_id=tutor,
        competences=competences,
        languages=languages,
    )
    return PositionForm(
        values=values,
        competence_rows=competence_rows,
        language_rows=language_rows.shown,
        errors=dict(reader.errors),
        action=action,
        data=data,
        competence_index=competence_index,
        language_index=language_rows.index,
    )


def form_from(data: PositionInput) -> PositionForm:
    """The form prefilled from a position's input (editing) or defaults (new)."""
    competence_rows = [
        {
            "text": row.competence,
            "level": str(row.min_level or 1),
            "kind": "required" if row.required else "optional",
        }
        for row in data.competences
    ]
    language_rows = [
        {"language": row.language, "level": row.level, "safety": "on" if row.for_safety else ""}
        for row in data.languages
    ]
    return PositionForm(
        values={
            "title": data.title,
            "field": data.field or "",
            "tasks": data.tasks,
            "municipality": data.municipality,
            "region": data.region,
            "start_date": data.start_date.isoformat() if data.start_date else "",
            "end_date": data.end_date.isoformat() if data.end_date else "",
            "hours_per_week": _format_hours(data.hours_per_week),
            "places": str(data.places or 1),
            "tutor": str(data.tutor_id) if data.tutor_id else "",
        },
        competence_rows=competence_rows,
        language_rows=language_rows,
    )
