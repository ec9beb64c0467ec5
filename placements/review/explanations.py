"""The engine's explanation in plain words, and the words kept with a decision.

:class:`Explainer` turns :class:`matching.Explanation` into what a counsellor reads: each
competence the position asks for and how the candidate meets it, each hard filter passed or
failed (and whether it passed only thanks to the counsellor's language leeway), the parts of the
score, and why the workplace's readiness gave a language-fit bonus. :func:`snapshot` keeps those
words with a decision, so that the record shows what was on the screen at that moment.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from competences.models import Labels, label_in
from kit.i18n import current_locale, gettext
from kit.languages import language_name

if TYPE_CHECKING:
    # The engine (numpy, scipy) is imported where it is used, not with the app,
    # so that a worker starts fast (docs/performance.md).
    import matching


@dataclass(frozen=True)
class CompetenceLine:
    """One competence of the position and how the candidate meets it."""

    code: str | None
    label: str
    required: bool
    min_level: int
    level: int | None
    verified_level: int | None
    credit: float
    words: str
    #: How a text was read when it was mapped by similarity, for the counsellor to confirm
    #: ("The candidate wrote “instal heat pummp”: read “instal” as “install”, …"); empty when
    #: every text was an id or an exact label.
    mapping_note: str = ""


@dataclass(frozen=True)
class FilterLine:
    """One hard filter (language or region), passed or failed, in plain words."""

    kind: str
    passed: bool
    words: str
    #: Passed below the required level, only because the counsellor widened the language
    #: filter where the workplace's readiness allows it.
    leeway: bool = False


@dataclass(frozen=True)
class ScorePartsView:
    """The score split by source; ``required + optional + rarity + support == total`` in
    millionths. ``support`` is the language-fit bonus of a workplace with readiness answers,
    ``support_words`` why it was given (empty without readiness answers)."""

    required: float
    optional: float
    rarity: float
    total: float
    support: float = 0.0
    support_words: str = ""


@dataclass(frozen=True)
class PlainExplanation:
    matched: tuple[CompetenceLine, ...]
    partial: tuple[CompetenceLine, ...]
    missing_required: tuple[CompetenceLine, ...]
    missing_optional: tuple[CompetenceLine, ...]
    filters: tuple[FilterLine, ...]
    parts: ScorePartsView

    @property
    def failed_filters(self) -> tuple[FilterLine, ...]:
        return tuple(line for line in self.filters if not line.passed)


# --- Plain words ---------------------------------------------------------------------


class Explainer:
    """Turns the engine's explanation into sentences in the current language."""

    def __init__(self, labels: dict[str, Labels]) -> None:
        self.labels = labels
        self.locale = current_locale.get()

    def explain(self, explanation: matching.Explanation) -> PlainExplanation:
        parts = explanation.parts
        return PlainExplanation(
            matched=self._lines(explanation.matched),
            partial=self._lines(explanation.partial),
            missing_required=self._lines(explanation.missing_required),
            missing_optional=self._lines(explanation.missing_optional),
            filters=tuple(
                self._filter(result, explanation.support_fit) for result in explanation.filters
            ),
            parts=ScorePartsView(
                required=parts.required,
                optional=parts.optional,
                rarity=parts.rarity,
                total=parts.total(),
                support=parts.support,
                support_words=self._support(parts.support_fit),
            ),
        )

    def _lines(self, results: Sequence[matching.CompetenceResult]) -> tuple[CompetenceLine, ...]:
        return tuple(self._line(result) for result in results)

    def _label(self, result: matching.CompetenceResult) -> str:
        names = self.labels.get(result.competence_id or "")
        return label_in(names, self.locale) if names else result.label

    def _line(self, result: matching.CompetenceResult) -> CompetenceLine:
        values = {
            "label": self._label(result),
            "min": result.min_level,
            "level": result.level,
            "verified": result.verified_level,
            "credit": round(result.credit * 100),
        }
        if result.level is None:
            words = (
                gettext("%(label)s: level %(min)s required, not in the portfolio.")
                if result.requirement == "required"
                else gettext("%(label)s: level %(min)s welcome, not in the portfolio.")
            )
        elif result.verified_level is not None and result.verified_level >= result.level:
            words = gettext("%(label)s: level %(level)s verified by a teacher, %(min)s asked.")
        elif result.verified_level is None:
            words = gettext("%(label)s: level %(level)s self-declared, %(min)s asked.")
        else:
            words = gettext(
                "%(label)s: level %(level)s self-declared, %(verified)s verified by a teacher,"
                " %(min)s asked."
            )
        words = words % values
        if 0 < result.credit < 1:
            words += " " + gettext("Counts %(credit)s%% of this competence.") % values
        notes = [
            self._mapping_note(mapping, str(values["label"]), by_position=side == "position")
            for side, mapping in (
                ("position", result.position_mapping),
                ("candidate", result.candidate_mapping),
            )
            if mapping is not None and mapping.needs_check
        ]
        return CompetenceLine(
            code=result.competence_id,
            label=str(values["label"]),
            required=result.requirement == "required",
            min_level=result.min_level,
            level=result.level,
            verified_level=result.verified_level,
            credit=result.credit,
            words=words,
            mapping_note=" ".join(notes),
        )

    def _mapping_note(self, mapping: matching.Resolution, label: str, *, by_position: bool) -> str:
        """How a text mapped by similarity was read, in a sentence to confirm."""
        values = {
            "text": mapping.reference,
            "label": label,
            "similarity": round(mapping.similarity),
        }
        if mapping.corrections:
            values["read"] = ", ".join(
                gettext("“%(typed)s” as “%(read)s”") % {"typed": typed, "read": read}
                for typed, read in mapping.corrections
            )
            note = (
                gettext("The position says “%(text)s”: read %(read)s, that is %(label)s.")
                if by_position
                else gettext("The candidate wrote “%(text)s”: read %(read)s, that is %(label)s.")
            )
        else:
            note = (
                gettext(
                    "The position says “%(text)s”, taken as %(label)s (%(similarity)s%% similar)."
                )
                if by_position
                else gettext(
                    "The candidate wrote “%(text)s”, taken as %(label)s (%(similarity)s%% similar)."
                )
            )
        return note % values

    def _support(self, fit: matching.SupportFit | None) -> str:
        """Why the workplace's readiness gave a language-fit bonus (empty: no readiness data)."""
        if fit is None:
            return ""
        sentences = []
        if fit.language is not None:
            sentences.append(
                gettext("Speaks %(language)s at %(held)s, a working language of this workplace.")
                % {"language": language_name(fit.language), "held": fit.held}
            )
        elif fit.working_languages:
            sentences.append(
                gettext("Speaks none of this workplace's working languages (%(languages)s).")
                % {"languages": ", ".join(language_name(c) for c in fit.working_languages)}
            )
        if fit.language_support:
            sentences.append(
                gettext(
                    "The workplace offers language support at work or plain-language instructions."
                )
            )
        sentences.append(
            gettext("Earns %(fit)s%% of the language-fit bonus.") % {"fit": round(fit.fit * 100)}
        )
        return " ".join(sentences)

    def _filter(
        self, result: matching.FilterResult, fit: matching.SupportFit | None = None
    ) -> FilterLine:
        if result.filter == "language":
            code = result.language or ""
            values = {
                "language": language_name(code),
                "required": result.required,
                "held": result.held,
            }
            if result.held is None:
                words = gettext("%(language)s %(required)s needed, does not speak it.") % values
            elif result.leeway:
                words = self._leeway(result, fit)
            else:
                words = gettext("%(language)s %(required)s needed, has %(held)s.") % values
        else:
            held = result.held if isinstance(result.held, tuple) else ()
            values = {"region": result.required, "regions": ", ".join(held)}
            if not held:
                words = gettext("Position in %(region)s; can work in any region.") % values
            else:
                words = gettext("Position in %(region)s; can work in %(regions)s.") % values
        return FilterLine(
            kind=result.filter, passed=result.passed, words=words, leeway=result.leeway
        )

    def _leeway(self, result: matching.FilterResult, fit: matching.SupportFit | None) -> str:
        """A language filter passed below the requirement: what the workplace offers instead."""
        values = {
            "language": language_name(result.language or ""),
            "required": result.required,
            "held": result.held,
            "others": ", ".join(
                language_name(code)
                for code in (fit.working_languages if fit else ())
                if code != result.language
            ),
        }
        if fit is not None and fit.language_support and values["others"]:
            words = gettext(
                "%(language)s %(held)s is below %(required)s, but this workplace also works in"
                " %(others)s and offers language support: accepted because the language"
                " filter was widened."
            )
        elif fit is not None and fit.language_support:
            words = gettext(
                "%(language)s %(held)s is below %(required)s, but this workplace offers language"
                " support: accepted because the language filter was widened."
            )
        elif values["others"]:
            words = gettext(
                "%(language)s %(held)s is below %(required)s, but this workplace also works in"
                " %(others)s: accepted because the language filter was widened."
            )
        else:  # a position that lists no competences has no fit to name
            words = gettext(
                "%(language)s %(held)s is below %(required)s: accepted because the language"
                " filter was widened for this workplace."
            )
        return words % values


# --- What was shown, kept with a decision --------------------------------------------


def snapshot(explanation: PlainExplanation) -> dict[str, Any]:
    """The explanation as plain JSON data, in the words shown (stored with a decision)."""
    data = dataclasses.asdict(explanation)
    data["locale"] = current_locale.get()
    return data


def explanation_from_snapshot(data: Mapping[str, Any] | None) -> PlainExplanation | None:
    """The explanation stored by :func:`snapshot`, or None when there is none (or it is not
    in that shape: an employer's answer stores none)."""
    if not data:
        return None
    try:

        def lines(key: str) -> tuple[CompetenceLine, ...]:
            return tuple(
                CompetenceLine(
                    code=item.get("code"),
                    label=str(item.get("label", "")),
                    required=bool(item.get("required", False)),
                    min_level=int(item.get("min_level", 1)),
                    level=item.get("level"),
                    verified_level=item.get("verified_level"),
                    credit=float(item.get("credit", 0.0)),
                    words=str(item.get("words", "")),
                    mapping_note=str(item.get("mapping_note", "")),
                )
                for item in data.get(key) or ()
            )

        parts = data.get("parts") or {}
        return PlainExplanation(
            matched=lines("matched"),
            partial=lines("partial"),
            missing_required=lines("missing_required"),
            missing_optional=lines("missing_optional"),
            filters=tuple(
                FilterLine(
                    kind=str(item.get("kind", "")),
                    passed=bool(item.get("passed", False)),
                    words=str(item.get("words", "")),
                    leeway=bool(item.get("leeway", False)),
                )
                for item in data.get("filters") or ()
            ),
            parts=ScorePartsView(
                required=float(parts.get("required", 0.0)),
                optional=float(parts.get("optional", 0.0)),
                rarity=float(parts.get("rarity", 0.0)),
                total=float(parts.get("total", 0.0)),
                support=float(parts.get("support", 0.0)),
                support_words=str(parts.get("support_words", "")),
            ),
        )
    except (AttributeError, TypeError, ValueError):
        return None
