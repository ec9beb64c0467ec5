"""The multicultural-readiness questionnaire: its questions as data, and how answers score.

The questions live in ``employers/data/readiness.json`` so that the programme can change them
without code. Each answer or option gives points; the score is their sum; the level is the
highest one whose ``min_score`` the score reaches (level 0 means "not filled in": no profile).
Answers that show a gap carry a concrete gap and a suggestion, shown as a checklist to the
employer and to counsellors.

The answers themselves (their shapes, checking, storing and showing them) are in
:mod:`employers.readiness_answers`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from kit.languages import CEFR_LEVELS

QUESTIONNAIRE_PATH = Path(__file__).resolve().parent / "data" / "readiness.json"

KINDS = ("yes_no", "choice", "multi", "languages", "text")
YES_NO_LABELS = {
    "yes": {"en": "Yes", "fi": "Kyllä"},
    "no": {"en": "No", "fi": "Ei"},
}
NOT_FILLED_IN = 0

Labels = dict[str, str]


class QuestionnaireError(ValueError):
    """The questionnaire file is broken; the message names the question."""


@dataclass(frozen=True)
class Finding:
    """A gap in readiness and what to do about it."""

    gap: Labels
    suggestion: Labels


@dataclass(frozen=True)
class Option:
    value: str
    label: Labels
    points: int = 0
    finding: Finding | None = None


@dataclass(frozen=True)
class LevelGap:
    """A gap when the required Finnish/Swedish level is at least ``min_level``."""

    min_level: str
    for_safety: bool
    finding: Finding


@dataclass(frozen=True)
class Question:
    id: str
    group: str
    kind: str
    text: Labels
    help: Labels
    required: bool
    options: tuple[Option, ...] = ()
    # text: points when answered
    points: int = 0
    max_length: int = 500
    # multi: the gap when nothing is chosen
    empty_finding: Finding | None = None
    # languages
    local_languages: tuple[str, ...] = ()
    level_points: Mapping[str, int] = field(default_factory=dict)
    other_language_points: int = 0
    no_other_language_finding: Finding | None = None
    level_gaps: tuple[LevelGap, ...] = ()

    def option(self, value: str) -> Option | None:
        return next((option for option in self.options if option.value == value), None)

    @property
    def max_points(self) -> int:
        if self.kind == "multi":
            return sum(option.points for option in self.options)
        if self.kind in ("yes_no", "choice"):
            return max((option.points for option in self.options), default=0)
        if self.kind == "languages":
            return max(self.level_points.values(), default=0) + self.other_language_points
        return self.points

    def field_name(self, part: str = "") -> str:
        """The form field name of this question (or of one part of a languages question)."""
        return f"{self.id}-{part}" if part else self.id


@dataclass(frozen=True)
class Group:
    id: str
    title: Labels
    questions: tuple[Question, ...]


@dataclass(frozen=True)
class Level:
    level: int
    min_score: int
    name: Labels
    description: Labels


@dataclass(frozen=True)
class Questionnaire:
    version: int
    levels: tuple[Level, ...]
    groups: tuple[Group, ...]

    @property
    def questions(self) -> tuple[Question, ...]:
        return tuple(question for group in self.groups for question in group.questions)

    def question(self, question_id: str) -> Question | None:
        return next((q for q in self.questions if q.id == question_id), None)

    @property
    def max_score(self) -> int:
        return sum(question.max_points for question in self.questions)

    def level_for(self, score: int) -> Level:
        reached = [level for level in self.levels if score >= level.min_score]
        return max(reached, key=lambda level: level.min_score) if reached else self.levels[0]

    def level(self, number: int) -> Level | None:
        return next((level for level in self.levels if level.level == number), None)


# --- loading the questionnaire -------------------------------------------------------------


def _labels(value: Any, where: str, *, required: bool = True) -> Labels:
    if value is None and not required:
        return {}
    if (
        not isinstance(value, dict)
        or not value.get("en")
        or not all(isinstance(k, str) and isinstance(v, str) for k, v in value.items())
    ):
        raise QuestionnaireError(f"{where}: expected texts by language with at least 'en'")
    return dict(value)


def _points(value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise QuestionnaireError(f"{where}: points must be a whole number of 0 or more")
    return int(value)


def _finding(data: Mapping[str, Any], where: str) -> Finding | None:
    if data.get("gap") is None and data.get("suggestion") is None:
        return None
    return Finding(
        gap=_labels(data.get("gap"), f"{where}: gap"),
        suggestion=_labels(data.get("suggestion"), f"{where}: suggestion"),
    )


def _options(data: Mapping[str, Any], where: str, kind: str) -> tuple[Option, ...]:
    raw = data.get("options")
    if not isinstance(raw, list) or not raw:
        raise QuestionnaireError(f"{where}: a {kind} question needs a list of options")
    options: list[Option] = []
    for index, item in enumerate(raw):
        if (
            not isinstance(item, dict)
            or not isinstance(item.get("value"), str)
            or not item["value"]
        ):
            raise QuestionnaireError(f"{where}: option {index + 1} needs a value")
        value = item["value"]
        here = f"{where}, option {value!r}"
        if any(option.value == value for option in options):
            raise QuestionnaireError(f"{here}: the value appears twice")
        if kind == "yes_no":
            label = _labels(item.get("label"), here, required=False) or YES_NO_LABELS.get(value, {})
        else:
            label = _labels(item.get("label"), f"{here}: label")
        points = _points(item.get("points", 0), here) if kind != "languages" else 0
        options.append(Option(value, label, points, _finding(item, here)))
    if kind == "yes_no" and {option.value for option in options} != {"yes", "no"}:
        raise QuestionnaireError(f"{where}: a yes_no question has exactly the options yes and no")
    return tuple(options)


def _question(data: Any, index: int, group_ids: set[str]) -> Question:
    if not isinstance(data, dict) or not isinstance(data.get("id"), str) or not data["id"]:
        raise QuestionnaireError(f"question {index + 1}: needs an id")
    question_id = data["id"]
    where = f"question {question_id!r}"
    if not question_id.replace("_", "").isalnum():
        raise QuestionnaireError(f"{where}: use only letters, digits and _ in the id")
    kind = data.get("kind")
    if kind not in KINDS:
        raise QuestionnaireError(f"{where}: kind must be one of {', '.join(KINDS)}")
    group = data.get("group")
    if group not in group_ids:
        raise QuestionnaireError(f"{where}: unknown group {group!r}")
    required = data.get("required", kind != "multi")
    if not isinstance(required, bool):
        raise QuestionnaireError(f"{where}: required must be true or false")
    common: dict[str, Any] = {
        "id": question_id,
        "group": group,
        "kind": kind,
        "text": _labels(data.get("text"), f"{where}: text"),
        "help": _labels(data.get("help"), f"{where}: help", required=False),
        "required": required,
    }
    if kind in ("yes_no", "choice"):
        return Question(**common, options=_options(data, where, kind))
    if kind == "multi":
        return Question(
            **common, options=_options(data, where, kind), empty_finding=_finding(data, where)
        )
    if kind == "text":
        max_length = data.get("max_length", 500)
        if not isinstance(max_length, int) or max_length < 1:
            raise QuestionnaireError(f"{where}: max_length must be a positive whole number")
        return Question(
            **common, points=_points(data.get("points", 0), where), max_length=max_length
        )
    return _languages_question(data, where, common)


def _languages_question(data: Mapping[str, Any], where: str, common: dict[str, Any]) -> Question:
    options = _options(data, where, "languages")
    local = data.get("local_languages")
    values = {option.value for option in options}
    if not isinstance(local, list) or not local or not set(local) <= values:
        raise QuestionnaireError(f"{where}: local_languages must list offered languages")
    level_points = data.get("level_points")
    if not isinstance(level_points, dict) or set(level_points) != set(CEFR_LEVELS):
        raise QuestionnaireError(f"{where}: level_points needs points for each of A1 … C2")
    gaps: list[LevelGap] = []
    for index, item in enumerate(data.get("level_gaps", [])):
        here = f"{where}, level gap {index + 1}"
        if not isinstance(item, dict) or item.get("min_level") not in CEFR_LEVELS:
            raise QuestionnaireError(f"{here}: min_level must be a CEFR level (A1 … C2)")
        if not isinstance(item.get("for_safety"), bool):
            raise QuestionnaireError(f"{here}: for_safety must be true or false")
        finding = _finding(item, here)
        if finding is None:
            raise QuestionnaireError(f"{here}: needs a gap and a suggestion")
        gaps.append(LevelGap(item["min_level"], item["for_safety"], finding))
    no_other = data.get("no_other_language_gap")
    return Question(
        **common,
        options=options,
        local_languages=tuple(local),
        level_points={
            level: _points(points, f"{where}: level {level}")
            for level, points in level_points.items()
        },
        other_language_points=_points(data.get("other_language_points", 0), where),
        no_other_language_finding=(
            _finding(no_other, f"{where}: no_other_language_gap")
            if isinstance(no_other, dict)
            else None
        ),
        level_gaps=tuple(gaps),
    )


def parse_questionnaire(data: Any) -> Questionnaire:
    """Check and build the questionnaire from its JSON document."""
    if not isinstance(data, dict):
        raise QuestionnaireError("the questionnaire must be a JSON object")
    version = data.get("version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise QuestionnaireError("version must be a whole number of 1 or more")
    raw_levels = data.get("levels")
    if not isinstance(raw_levels, list):
        raise QuestionnaireError("levels must be a list")
    levels: list[Level] = []
    for index, item in enumerate(raw_levels):
        here = f"level {index + 1}"
        if not isinstance(item, dict):
            raise QuestionnaireError(f"{here}: must be an object")
        levels.append(
            Level(
                level=item.get("level", 0),
                min_score=_points(item.get("min_score"), f"{here}: min_score"),
                name=_labels(item.get("name"), f"{here}: name"),
                description=_labels(item.get("description"), f"{here}: description"),
            )
        )
    if [level.level for level in levels] != [1, 2, 3]:
        raise QuestionnaireError("levels must be 1, 2 and 3, in that order")
    if (
        levels[0].min_score != 0
        or not levels[0].min_score < levels[1].min_score < levels[2].min_score
    ):
        raise QuestionnaireError("level min_score must start at 0 and rise")

    raw_groups = data.get("groups")
    if not isinstance(raw_groups, list) or not raw_groups:
        raise QuestionnaireError("groups must be a non-empty list")
    group_titles: dict[str, Labels] = {}
    for index, item in enumerate(raw_groups):
        if not isinstance(item, dict) or not isinstance(item.get("id"), str):
            raise QuestionnaireError(f"group {index + 1}: needs an id")
        group_titles[item["id"]] = _labels(item.get("title"), f"group {item['id']!r}: title")

    raw_questions = data.get("questions")
    if not isinstance(raw_questions, list) or not raw_questions:
        raise QuestionnaireError("questions must be a non-empty list")
    questions: list[Question] = []
    for index, item in enumerate(raw_questions):
        question = _question(item, index, set(group_titles))
        if any(q.id == question.id for q in questions):
            raise QuestionnaireError(f"question {question.id!r}: the id appears twice")
        questions.append(question)

    groups = tuple(
        Group(group_id, title, tuple(q for q in questions if q.group == group_id))
        for group_id, title in group_titles.items()
    )
    return Questionnaire(
        version=version, levels=tuple(levels), groups=tuple(g for g in groups if g.questions)
    )


def load_questionnaire(path: Path = QUESTIONNAIRE_PATH) -> Questionnaire:
    """Read and check the questionnaire file; a broken file raises :class:`QuestionnaireError`."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise QuestionnaireError(f"{path.name}: cannot read the questionnaire: {error}") from error
    try:
        return parse_questionnaire(data)
    except QuestionnaireError as error:
        raise QuestionnaireError(f"{path.name}: {error}") from error


@lru_cache(maxsize=1)
def get_questionnaire() -> Questionnaire:
    """The programme's current questionnaire (read once per process)."""
    return load_questionnaire()


def level_names() -> dict[int, Labels]:
    """Readiness level → its name in every language, from the questionnaire's data."""
    return {level.level: level.name for level in get_questionnaire().levels}


# --- score, level and gaps ---------------------------------------------------------------------


@dataclass(frozen=True)
class Gap:
    question_id: str
    gap: Labels
    suggestion: Labels


@dataclass(frozen=True)
class Assessment:
    """What the answers add up to: the score, the level and the checklist of gaps."""

    score: int
    max_score: int
    level: int
    gaps: tuple[Gap, ...]


def _gap(question: Question, finding: Finding | None, found: list[Gap]) -> None:
    if finding is not None:
        found.append(Gap(question.id, finding.gap, finding.suggestion))


def assess(questionnaire: Questionnaire, answers: Mapping[str, Any]) -> Assessment:
    """Score, level and gaps of (checked) answers.

    Answers to questions the questionnaire no longer has, or that no longer fit it, count
    nothing, so answers given to an earlier version can still be shown.
    """
    score = 0
    gaps: list[Gap] = []
    for question in questionnaire.questions:
        value = answers.get(question.id)
        if value is None:
            continue
        if question.kind in ("yes_no", "choice") and isinstance(value, str):
            option = question.option(value)
            if option is not None:
                score += option.points
                _gap(question, option.finding, gaps)
        elif question.kind == "multi" and isinstance(value, list):
            chosen = [o for o in question.options if o.value in value]
            score += sum(option.points for option in chosen)
            for option in chosen:
                _gap(question, option.finding, gaps)
            if not chosen:
                _gap(question, question.empty_finding, gaps)
        elif question.kind == "text" and isinstance(value, str) and value.strip():
            score += question.points
        elif question.kind == "languages" and isinstance(value, dict):
            score += _assess_languages(question, value, gaps)
    level = questionnaire.level_for(score).level
    return Assessment(score, questionnaire.max_score, level, tuple(gaps))


def _assess_languages(question: Question, value: Mapping[str, Any], gaps: list[Gap]) -> int:
    points = 0
    working = value.get("working") or []
    if any(language not in question.local_languages for language in working):
        points += question.other_language_points
    else:
        _gap(question, question.no_other_language_finding, gaps)
    level = value.get("level")
    if level in CEFR_LEVELS:
        points += question.level_points.get(level, 0)
        for_safety = bool(value.get("for_safety"))
        for level_gap in question.level_gaps:
            if level_gap.for_safety == for_safety and CEFR_LEVELS.index(level) >= CEFR_LEVELS.index(
                level_gap.min_level
            ):
                _gap(question, level_gap.finding, gaps)
    return points
