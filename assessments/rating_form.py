"""The rating form's fields, read the same way wherever the form is shown (the signed-in
pages and the tutor's link).

For each outcome: ``grade-<competence_id>`` (``1`` … ``5``, ``nd`` for "not demonstrated",
empty for not rated yet), ``note-<competence_id>`` and ``tasks-<competence_id>``. Every
outcome the form names is read, so that the service refuses one outside the plan with a
message (another placement's outcome included); other fields are ignored.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from assessments.ratings import NOTE_MAX, TASKS_MAX, RatingInput, SheetView
from kit.forms import FormReader, parse_id
from kit.i18n import gettext
from kit.invalid import Invalid

NOT_DEMONSTRATED = "nd"
# A form names at most this many outcomes (a plan holds a qualification's few outcomes).
MAX_OUTCOMES = 100
_OUTCOME_FIELD = re.compile(r"(grade|note|tasks)-(.+)")
# The service names a rating by its place in the list; the form by the outcome's fields.
_SERVICE_FIELD = re.compile(r"ratings\.([0-9]+)\.(competence|grade|note|work_tasks)")
_FORM_FIELD = {"grade": "grade", "note": "note", "work_tasks": "tasks"}


@dataclass
class RatingForm:
    """The rating form as posted: what to save, what to show again, what is wrong."""

    given: list[RatingInput]
    values: dict[str, str]
    errors: dict[str, str]


def read_ratings(data: Mapping[str, Any]) -> RatingForm:
    """The outcomes the form names. A grade that is not a whole number is refused here, a
    whole number outside 1-5 or an outcome outside the plan by the service."""
    reader = FormReader(data)
    errors: dict[str, str] = {}
    outcomes: list[int] = []
    for name in data:
        match = _OUTCOME_FIELD.fullmatch(str(name))
        if match is None:
            continue
        competence_id = parse_id(match.group(2))
        if competence_id is None:
            errors["sheet"] = gettext("The form names an outcome that does not exist.")
        elif competence_id not in outcomes:
            outcomes.append(competence_id)
    if len(outcomes) > MAX_OUTCOMES:
        return RatingForm([], {}, {"sheet": gettext("The form names too many outcomes.")})
    values: dict[str, str] = {}
    given = []
    for competence_id in outcomes:
        grade_field = f"grade-{competence_id}"
        raw = reader.raw(grade_field)
        note = reader.text(f"note-{competence_id}", max_length=NOTE_MAX)
        tasks = reader.text(f"tasks-{competence_id}", max_length=TASKS_MAX)
        values.update(
            {grade_field: raw, f"note-{competence_id}": note, f"tasks-{competence_id}": tasks}
        )
        grade = reader.integer(grade_field) if raw and raw != NOT_DEMONSTRATED else None
        given.append(
            RatingInput(
                competence_id=competence_id,
                grade=grade,
                not_demonstrated=raw == NOT_DEMONSTRATED,
                note=note,
                work_tasks=tasks,
            )
        )
    return RatingForm(given, values, {**errors, **reader.errors})


def form_errors(invalid: Invalid, given: list[RatingInput]) -> dict[str, str]:
    """The service's messages under the names of the form's fields (``sheet``: the form's)."""
    errors: dict[str, str] = {}
    for key, message in invalid.errors.items():
        match = _SERVICE_FIELD.fullmatch(key)
        if match is None:
            errors.setdefault(key, message)
            continue
        index, part = int(match.group(1)), match.group(2)
        if part == "competence" or index >= len(given):
            errors.setdefault("sheet", message)
        else:
            errors.setdefault(f"{_FORM_FIELD[part]}-{given[index].competence_id}", message)
    return errors


def sheet_values(sheet: SheetView | None) -> dict[str, str]:
    """The form's fields as a sheet holds them (a draft to go on with)."""
    values: dict[str, str] = {}
    for competence_id, rating in (sheet.ratings if sheet else {}).items():
        grade = NOT_DEMONSTRATED if rating.not_demonstrated else str(rating.grade or "")
        values[f"grade-{competence_id}"] = grade
        values[f"note-{competence_id}"] = rating.note
        values[f"tasks-{competence_id}"] = rating.work_tasks
    return values
