"""Where the assessment stands: the outcomes × assessors matrix and where grades diverge.

Grades diverge on an outcome when the submitted grades spread over two grades or more (a 2 and
a 4), or when one assessor found it "not demonstrated" while another gave 3 or more.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from assessments.models import AssessorRole, Rating
from assessments.plan import Outcome
from assessments.ratings import Sheets

SPREAD = 2
HIGH_GRADE = 3


class Graded(Protocol):
    """What :func:`diverges` reads of a rating (a :class:`Rating` or a plain row of one)."""

    @property
    def grade(self) -> int | None: ...

    @property
    def not_demonstrated(self) -> bool: ...


def diverges(ratings: Sequence[Graded]) -> bool:
    """Whether these submitted ratings of one outcome call for a talk (see the module)."""
    grades = [r.grade for r in ratings if r.grade is not None]
    if grades and max(grades) - min(grades) >= SPREAD:
        return True
    return any(r.not_demonstrated for r in ratings) and any(g >= HIGH_GRADE for g in grades)


@dataclass(frozen=True)
class Row:
    """One outcome: the submitted rating of each assessor the reader may see, and the flag."""

    outcome: Outcome
    cells: dict[AssessorRole, Rating | None]
    divergent: bool


@dataclass(frozen=True)
class Matrix:
    rows: list[Row]
    submitted: dict[AssessorRole, bool]

    @property
    def all_submitted(self) -> bool:
        return all(self.submitted.values())

    @property
    def divergent_count(self) -> int:
        return sum(1 for row in self.rows if row.divergent)


def matrix(outcomes: list[Outcome], sheets: Sheets) -> Matrix:
    """The matrix of what ``sheets`` lets its reader see (divergence only over those)."""
    rows = []
    for outcome in outcomes:
        cells = {
            role: sheets.submitted[role].ratings.get(outcome.competence_id)
            if role in sheets.submitted
            else None
            for role in AssessorRole
        }
        given = [cell for cell in cells.values() if cell is not None]
        rows.append(Row(outcome=outcome, cells=cells, divergent=diverges(given)))
    return Matrix(
        rows=rows, submitted={role: role in sheets.submitted_roles for role in AssessorRole}
    )
