"""Readiness answers: their shapes, reading them from the form, checking, storing, showing.

What the questions are and how answers score is in :mod:`employers.readiness_questionnaire`.
Answers are stored by question id (``ReadinessProfile.answers``), in these shapes:

- ``yes_no`` and ``choice``: the chosen option's value (``"yes"``, ``"regular"``, …)
- ``multi``: a list of chosen option values (empty means none of them)
- ``languages``: ``{"working": ["fi", "en"], "language": "fi", "level": "B1",
  "for_safety": true}``: the working languages, and the level of Finnish or Swedish
  really needed, as a CEFR level, and whether it is needed for safety
- ``text``: a string
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from competences.models import label_in
from employers.models import ReadinessProfile
from employers.readiness_questionnaire import Question, Questionnaire, assess, get_questionnaire
from kit.forms import FormReader
from kit.i18n import current_locale, gettext
from kit.invalid import Invalid
from kit.languages import CEFR_LEVELS


def answers_from_form(questionnaire: Questionnaire, data: Mapping[str, Any]) -> dict[str, Any]:
    """The answers in a submitted questionnaire form, not yet checked (see validate_answers)."""
    reader = FormReader(data)
    answers: dict[str, Any] = {}
    for question in questionnaire.questions:
        if question.kind == "multi":
            answers[question.id] = reader.values(question.field_name())
        elif question.kind == "languages":
            answers[question.id] = {
                "working": reader.values(question.field_name("working")),
                "language": reader.raw(question.field_name("language")),
                "level": reader.raw(question.field_name("level")),
                "for_safety": reader.checkbox(question.field_name("for_safety")),
            }
        elif value := reader.raw(question.field_name()):
            answers[question.id] = value
    return answers


def validate_answers(questionnaire: Questionnaire, answers: Mapping[str, Any]) -> dict[str, Any]:
    """The answers, checked against the questionnaire; raises :class:`~kit.invalid.Invalid`.

    Error keys are form field names (``experience``, ``languages-level``, …), so a form can
    show each message beside its field; an unknown question is reported under its own id.
    """
    errors: dict[str, str] = {}
    clean: dict[str, Any] = {}
    for key in answers:
        if questionnaire.question(key) is None:
            errors[key] = gettext("There is no question %(id)s in the questionnaire.") % {"id": key}
    for question in questionnaire.questions:
        value = answers.get(question.id)
        if question.kind == "languages":
            checked = _check_languages(question, value, errors)
            if checked is not None:
                clean[question.id] = checked
            continue
        if value is None or value == "" or value == []:
            if question.required:
                errors[question.field_name()] = (
                    gettext("This field is required.")
                    if question.kind == "text"
                    else gettext("Choose one of the options.")
                )
            elif question.kind == "multi":
                clean[question.id] = []
            continue
        if question.kind == "text":
            if not isinstance(value, str):
                errors[question.field_name()] = gettext("Enter text.")
            elif len(value.strip()) > question.max_length:
                errors[question.field_name()] = gettext("Use at most %(max)d characters.") % {
                    "max": question.max_length
                }
            else:
                clean[question.id] = value.strip()
        elif question.kind == "multi":
            chosen = value if isinstance(value, list) else [value]
            if any(not isinstance(v, str) or question.option(v) is None for v in chosen):
                errors[question.field_name()] = gettext("Choose only the options offered.")
            else:
                clean[question.id] = [o.value for o in question.options if o.value in chosen]
        elif not isinstance(value, str) or question.option(value) is None:
            errors[question.field_name()] = gettext("Choose one of the options.")
        else:
            clean[question.id] = value
    if errors:
        raise Invalid(errors)
    return clean


def _check_languages(
    question: Question, value: Any, errors: dict[str, str]
) -> dict[str, Any] | None:
    if not isinstance(value, dict):
        errors[question.field_name("working")] = gettext("Choose at least one working language.")
        return None
    failed = False
    working = value.get("working", [])
    if not isinstance(working, list) or not working:
        errors[question.field_name("working")] = gettext("Choose at least one working language.")
        failed = True
    elif any(not isinstance(v, str) or question.option(v) is None for v in working):
        errors[question.field_name("working")] = gettext("Choose only the languages offered.")
        failed = True
    language = value.get("language")
    if language not in question.local_languages:
        errors[question.field_name("language")] = gettext("Choose Finnish or Swedish.")
        failed = True
    level = value.get("level")
    if level not in CEFR_LEVELS:
        errors[question.field_name("level")] = gettext("Choose a CEFR level from A1 to C2.")
        failed = True
    for_safety = value.get("for_safety", False)
    if not isinstance(for_safety, bool):
        errors[question.field_name("for_safety")] = gettext("Answer yes or no.")
        failed = True
    if failed:
        return None
    return {
        "working": [o.value for o in question.options if o.value in working],
        "language": language,
        "level": level,
        "for_safety": for_safety,
    }


@dataclass(frozen=True)
class AnswerLine:
    """One answered question in the request's language, for showing the answers."""

    question_id: str
    question: str
    answer: str


def describe_answers(questionnaire: Questionnaire, answers: Mapping[str, Any]) -> list[AnswerLine]:
    """The answers as readable lines in the request's language, in questionnaire order."""
    locale = current_locale.get()
    lines: list[AnswerLine] = []
    for question in questionnaire.questions:
        value = answers.get(question.id)
        if value is None:
            continue
        text = ""
        if question.kind in ("yes_no", "choice") and isinstance(value, str):
            option = question.option(value)
            text = label_in(option.label, locale) if option else value
        elif question.kind == "multi" and isinstance(value, list):
            chosen = [label_in(o.label, locale) for o in question.options if o.value in value]
            text = ", ".join(chosen) if chosen else gettext("None of these")
        elif question.kind == "text" and isinstance(value, str):
            text = value
        elif question.kind == "languages" and isinstance(value, dict):
            text = _describe_languages(question, value, locale)
        if text:
            lines.append(AnswerLine(question.id, label_in(question.text, locale), text))
    return lines


def _describe_languages(question: Question, value: Mapping[str, Any], locale: str) -> str:
    def name(code: Any) -> str:
        option = question.option(str(code))
        return label_in(option.label, locale) if option else str(code)

    working = ", ".join(name(code) for code in value.get("working") or [])
    needed = (
        gettext("%(language)s needed at level %(level)s, for safety")
        if value.get("for_safety")
        else gettext("%(language)s needed at level %(level)s, not for safety")
    ) % {"language": name(value.get("language")), "level": value.get("level", "")}
    return gettext("Working languages: %(languages)s. %(needed)s.") % {
        "languages": working,
        "needed": needed,
    }


# --- storing ---------------------------------------------------------------------------------


async def get_profile(session: AsyncSession, *, organisation_id: int) -> ReadinessProfile | None:
    """The organisation's readiness profile, or None when it has not been filled in."""
    result = await session.execute(
        select(ReadinessProfile).where(ReadinessProfile.organisation_id == organisation_id)
    )
    return result.scalar_one_or_none()


async def save_answers(
    session: AsyncSession,
    *,
    organisation_id: int,
    answers: Mapping[str, Any],
    questionnaire: Questionnaire | None = None,
) -> ReadinessProfile:
    """Check the answers and store them with their score and level (all or nothing).

    Raises :class:`~kit.invalid.Invalid` with a message per form field when the answers do not fit
    the questionnaire; nothing is written then.
    """
    questionnaire = questionnaire or get_questionnaire()
    clean = validate_answers(questionnaire, answers)
    assessment = assess(questionnaire, clean)
    profile = await get_profile(session, organisation_id=organisation_id)
    if profile is None:
        profile = ReadinessProfile(organisation_id=organisation_id)
        session.add(profile)
    profile.questionnaire_version = questionnaire.version
    profile.answers = clean
    profile.score = assessment.score
    profile.level = assessment.level
    await session.flush()
    return profile


# --- what matching reads -----------------------------------------------------------------------


@dataclass(frozen=True)
class WorkplaceLanguages:
    """What an organisation's readiness answers say about language at work.

    Matching uses it for the support part of a score and the counsellor's language leeway
    (docs/matching.md, "Readiness in the ranking"). It describes the workplace, never a person.
    """

    working: tuple[str, ...]  # language codes used at work
    support: tuple[str, ...]  # language support offered at work (option values)
    plain_instructions: bool  # instructions in plain language or with pictures
    needed_language: str | None  # Finnish or Swedish ("fi", "sv"), as answered
    needed_level: str | None  # the CEFR level of it really needed
    needed_for_safety: bool

    @property
    def offers_support(self) -> bool:
        """Language support at work, or plain-language and pictorial instructions."""
        return bool(self.support) or self.plain_instructions


def workplace_languages(answers: Mapping[str, Any] | None) -> WorkplaceLanguages | None:
    """The language side of stored readiness answers; None when there are none.

    Read leniently (answers were checked when saved, but a questionnaire may change): what is
    not in the expected shape counts as not answered.
    """
    if not answers:
        return None
    languages = answers.get("languages")
    languages = languages if isinstance(languages, Mapping) else {}
    working = languages.get("working")
    support = answers.get("language_support")
    language = languages.get("language")
    level = languages.get("level")
    return WorkplaceLanguages(
        working=tuple(
            dict.fromkeys(c.strip().lower() for c in working if isinstance(c, str) and c.strip())
            if isinstance(working, list)
            else ()
        ),
        support=(
            tuple(s for s in support if isinstance(s, str)) if isinstance(support, list) else ()
        ),
        plain_instructions=answers.get("plain_instructions") == "yes",
        needed_language=language if isinstance(language, str) and language else None,
        needed_level=level if level in CEFR_LEVELS else None,
        needed_for_safety=languages.get("for_safety") is True,
    )
