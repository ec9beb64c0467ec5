"""Portfolio rules: claims mapped to the framework, evidence, claimed vs verified.

A claim names a competence the candidate says they have. Its text is mapped to a framework
competence only when it is the competence's code or one of its labels or alternative labels
exactly (case and spacing aside). Anything else is kept as the candidate's own words and
flagged "not mapped to the framework yet", with suggestions beside it: a fuzzy best guess is
never taken silently, because a wrong mapping would put a competence into matching that the
person never claimed.

Callers find the candidate first with :func:`candidates.access.get_visible_candidate`; the
functions here take a candidate id that is already known to be visible and changeable.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from candidates.findings import findings_in_force
from candidates.models import (
    AcquiredHow,
    Candidate,
    Claim,
    EvidenceItem,
    Interview,
    VerifiedCompetence,
)
from candidates.uploads import CheckedUpload, EvidenceStore
from competences.models import Competence
from competences.services import (
    CompetenceSuggestion,
    CompetenceVocabulary,
    load_vocabulary,
    suggest_all,
)
from kit.clock import PROGRAMME_TIMEZONE
from kit.i18n import N_, gettext
from kit.invalid import Invalid

MIN_LEVEL = 1
MAX_LEVEL = 5
MAX_MONTHS = 600  # fifty years
MAX_TEXT = 300
MAX_TITLE = 200
MAX_DESCRIPTION = 5000
SUGGESTIONS_PER_CLAIM = 3

ACQUIRED_HOW_LABELS = {
    AcquiredHow.WORK_HISTORY.value: N_("Work history"),
    AcquiredHow.INFORMAL.value: N_("Informal learning"),
    AcquiredHow.EDUCATION_ABROAD.value: N_("Education abroad"),
    AcquiredHow.OTHER.value: N_("Other"),
}


def acquired_how_label(value: str) -> str:
    return gettext(ACQUIRED_HOW_LABELS.get(value, value))


# --- Claims ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ClaimInput:
    """A claim as typed: the competence as free text (a code, a label or own words)."""

    competence: str
    self_level: int | None
    acquired_how: str | None = AcquiredHow.WORK_HISTORY.value
    acquired_where: str = ""
    months: int | None = None
    # The candidate's own words, kept when ``competence`` maps the claim by its bare code
    # (the "Map to CODE" button on an unmapped claim sends the code and the words it had).
    words: str = ""


@dataclass(frozen=True)
class CheckedClaim:
    """A claim that passed the rules: mapped (``competence_id``) or kept as free text."""

    data: ClaimInput
    competence_id: int | None
    free_text: str


async def check_claim(
    session: AsyncSession,
    *,
    candidate_id: int,
    data: ClaimInput,
    claim_id: int | None = None,
    vocabulary: CompetenceVocabulary | None = None,
) -> CheckedClaim:
    """Check ``data`` and map its text; raises :class:`Invalid` with every message."""
    errors: dict[str, str] = {}
    text = " ".join(data.competence.split())
    if not text:
        errors["competence"] = gettext("Enter a competence code, its name or a description.")
    elif len(text) > MAX_TEXT:
        errors["competence"] = gettext("Use at most %(max)d characters.") % {"max": MAX_TEXT}
    if data.self_level is None or not MIN_LEVEL <= data.self_level <= MAX_LEVEL:
        errors["self_level"] = gettext("Choose a level from 1 to 5.")
    if data.acquired_how not in ACQUIRED_HOW_LABELS:
        errors["acquired_how"] = gettext("Choose one of the options.")
    if len(data.acquired_where) > MAX_TEXT:
        errors["acquired_where"] = gettext("Use at most %(max)d characters.") % {"max": MAX_TEXT}
    if data.months is not None and not 0 <= data.months <= MAX_MONTHS:
        errors["months"] = gettext("Enter a number from %(min)s to %(max)s.") % {
            "min": 0,
            "max": MAX_MONTHS,
        }

    competence_id: int | None = None
    free_text = text
    if "competence" not in errors:
        vocabulary = vocabulary or await load_vocabulary(session)
        entry = vocabulary.resolve(text).competence
        if entry is not None:
            competence_id = entry.id
            # The candidate's own words are kept beside the mapping, the bare code is not.
            words = " ".join(data.words.split())[:MAX_TEXT]
            free_text = (words or "") if text.lower() == entry.code.lower() else text
            if await _already_claimed(
                session, candidate_id=candidate_id, competence_id=entry.id, claim_id=claim_id
            ):
                errors["competence"] = gettext(
                    "This competence is already in the portfolio. Edit that claim instead."
                )
    if errors:
        raise Invalid(errors)
    return CheckedClaim(data=data, competence_id=competence_id, free_text=free_text)


async def _already_claimed(
    session: AsyncSession, *, candidate_id: int, competence_id: int, claim_id: int | None
) -> bool:
    statement = select(Claim.id).where(
        Claim.candidate_id == candidate_id, Claim.competence_id == competence_id
    )
    if claim_id is not None:
        statement = statement.where(Claim.id != claim_id)
    return (await session.execute(statement.limit(1))).first() is not None


def _apply(claim: Claim, checked: CheckedClaim) -> None:
    claim.competence_id = checked.competence_id
    claim.free_text = checked.free_text
    claim.self_level = int(checked.data.self_level or MIN_LEVEL)
    claim.acquired_how = checked.data.acquired_how or AcquiredHow.OTHER.value
    claim.acquired_where = checked.data.acquired_where
    claim.months = checked.data.months


async def create_claim(
    session: AsyncSession, *, candidate_id: int, data: ClaimInput, draft: bool = False
) -> Claim:
    """Add a claim to the candidate's portfolio (audited like every claim change); a
    ``draft`` (the candidate's own) waits for the counsellor's review."""
    checked = await check_claim(session, candidate_id=candidate_id, data=data)
    claim = Claim(candidate_id=candidate_id, self_level=MIN_LEVEL, draft=draft)
    _apply(claim, checked)
    session.add(claim)
    await session.flush()
    return claim


async def update_claim(session: AsyncSession, *, claim: Claim, data: ClaimInput) -> Claim:
    """Change a claim; its text is mapped again."""
    checked = await check_claim(
        session, candidate_id=claim.candidate_id, data=data, claim_id=claim.id
    )
    _apply(claim, checked)
    await session.flush()
    return claim


async def delete_claim(session: AsyncSession, *, claim: Claim) -> None:
    """Remove a claim.

    Its evidence stays in the portfolio, no longer linked to it; interview results keep their
    competence and lose only the link to the claim. Both are changed through the ORM so that
    the audit trail records them.
    """
    for item in (
        await session.scalars(select(EvidenceItem).where(EvidenceItem.claim_id == claim.id))
    ).all():
        item.claim_id = None
    for result in (
        await session.scalars(
            select(VerifiedCompetence).where(VerifiedCompetence.claim_id == claim.id)
        )
    ).all():
        result.claim_id = None
    await session.flush()
    await session.delete(claim)
    await session.flush()


async def get_claim(session: AsyncSession, *, candidate_id: int, claim_id: int) -> Claim | None:
    """The candidate's claim with its competence, or None."""
    statement = (
        select(Claim)
        .where(Claim.id == claim_id, Claim.candidate_id == candidate_id)
        .options(joinedload(Claim.competence))
    )
    return (await session.execute(statement)).scalar_one_or_none()


def claim_text(claim: Claim) -> str:
    """The text to show in the claim's form: the candidate's words, else the code."""
    if claim.free_text:
        return claim.free_text
    return claim.competence.code if claim.competence is not None else ""


# --- Evidence ----------------------------------------------------------------------------


@dataclass(frozen=True)
class EvidenceInput:
    title: str = ""
    description: str = ""
    claim_id: int | None = None


async def add_evidence(
    session: AsyncSession,
    *,
    candidate_id: int,
    data: EvidenceInput,
    upload: CheckedUpload | None,
    store: EvidenceStore,
    draft: bool = False,
) -> EvidenceItem:
    """Add a description and/or an uploaded file to the portfolio.

    The file and the row are kept or dropped together (see :mod:`candidates.uploads`).
    """
    errors: dict[str, str] = {}
    if len(data.title) > MAX_TITLE:
        errors["title"] = gettext("Use at most %(max)d characters.") % {"max": MAX_TITLE}
    if len(data.description) > MAX_DESCRIPTION:
        errors["description"] = gettext("Use at most %(max)d characters.") % {
            "max": MAX_DESCRIPTION
        }
    if not data.description and upload is None:
        errors["description"] = gettext("Describe the evidence or choose a file, or both.")
    if data.claim_id is not None and (
        await get_claim(session, candidate_id=candidate_id, claim_id=data.claim_id) is None
    ):
        errors["claim"] = gettext("Choose one of the options.")
    if errors:
        raise Invalid(errors)

    title = data.title or (upload.original_name if upload else "") or data.description
    item = EvidenceItem(
        candidate_id=candidate_id,
        claim_id=data.claim_id,
        title=_shorten(title, MAX_TITLE) or gettext("Evidence"),
        description=data.description,
        draft=draft,
    )
    if upload is None:
        session.add(item)
        await session.flush()
        return item

    pending = await store.write(upload)
    item.stored_name = pending.stored_name
    item.original_name = upload.original_name
    item.content_type = upload.content_type
    item.size_bytes = upload.size
    item.sha256 = upload.sha256
    try:
        session.add(item)
        await session.flush()
    except BaseException:
        await store.discard(pending)
        raise
    store.keep_if_committed(session.sync_session, pending)
    return item


def _shorten(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


async def get_evidence(
    session: AsyncSession, *, candidate_id: int, evidence_id: int
) -> EvidenceItem | None:
    """The candidate's evidence item, or None."""
    statement = select(EvidenceItem).where(
        EvidenceItem.id == evidence_id, EvidenceItem.candidate_id == candidate_id
    )
    return (await session.execute(statement)).scalar_one_or_none()


async def delete_evidence(
    session: AsyncSession, *, evidence: EvidenceItem, store: EvidenceStore
) -> None:
    """Remove an evidence item; its file goes once the deletion is committed."""
    stored_name = evidence.stored_name
    await session.delete(evidence)
    await session.flush()
    store.delete_after_commit(session.sync_session, stored_name)


async def accept_draft(session: AsyncSession, *, item: Claim | EvidenceItem) -> bool:
    """The counsellor accepts what the candidate added: it joins the portfolio proper (and,
    for a claim, matching). False when it was no draft (accepted already)."""
    if not item.draft:
        return False
    item.draft = False
    await session.flush()
    return True


# --- Reading the portfolio -------------------------------------------------------------


@dataclass(frozen=True)
class OverviewRow:
    """One line of "claimed vs verified".

    ``claim_id`` is None for a competence the teacher verified that was not claimed.
    ``verified_level`` is None with ``not_demonstrated`` False when no completed interview
    has verified the competence yet.
    """

    claim_id: int | None
    competence_id: int | None
    code: str | None
    labels: dict[str, str] | None
    free_text: str
    self_level: int | None
    verified_level: int | None = None
    not_demonstrated: bool = False
    verified_on: datetime.date | None = None
    evidence_count: int = 0
    # Added by the candidate and not reviewed yet.
    draft: bool = False

    @property
    def mapped(self) -> bool:
        return self.competence_id is not None

    @property
    def verified(self) -> bool:
        return self.verified_level is not None or self.not_demonstrated


@dataclass(frozen=True)
class PortfolioOverview:
    """What the candidate page shows of the portfolio: each claim beside its verified level."""

    rows: list[OverviewRow] = field(default_factory=list)
    evidence_count: int = 0

    @property
    def unmapped_count(self) -> int:
        return sum(1 for row in self.rows if row.claim_id is not None and not row.mapped)


@dataclass(frozen=True)
class _Verified:
    level: int | None
    not_demonstrated: bool
    on: datetime.date | None
    code: str
    labels: dict[str, str]


# The overview's three statements, built once (their cache keys too), not per request.
_CLAIMS = (
    select(
        Claim.id,
        Claim.competence_id,
        Competence.code,
        Competence.labels,
        Claim.free_text,
        Claim.self_level,
        Claim.draft,
    )
    .outerjoin(Competence, Claim.competence_id == Competence.id)
    .where(Claim.candidate_id == bindparam("candidate_id"))
    .order_by(Claim.id)
)
_VERIFIED = findings_in_force(
    VerifiedCompetence.competence_id,
    VerifiedCompetence.verified_level,
    VerifiedCompetence.not_demonstrated,
    Interview.completed_at,
    Competence.code,
    Competence.labels,
    # One candidate, named by a parameter (a list of ids would be fixed in the statement).
    candidate_ids=select(Candidate.id).where(Candidate.id == bindparam("candidate_id")),
).join(Competence, VerifiedCompetence.competence_id == Competence.id)
_EVIDENCE_COUNTS = (
    select(EvidenceItem.claim_id, func.count())
    .where(EvidenceItem.candidate_id == bindparam("candidate_id"))
    .group_by(EvidenceItem.claim_id)
)


async def portfolio_overview(session: AsyncSession, *, candidate_id: int) -> PortfolioOverview:
    """Claims with their mapping, self-assessed level and the newest verified level.

    Three queries whatever the portfolio's size: the claims with their competences, the
    results of the candidate's completed interviews (newest first), and evidence counts.
    Competences a teacher verified without a claim come last, with no self-assessed level.
    """
    claim_rows = (await session.execute(_CLAIMS, {"candidate_id": candidate_id})).all()
    verified_rows = (await session.execute(_VERIFIED, {"candidate_id": candidate_id})).all()
    newest: dict[int, _Verified] = {}
    for competence_id, level, not_demonstrated, completed_at, code, labels in verified_rows:
        newest.setdefault(
            competence_id,
            _Verified(
                level=level,
                not_demonstrated=bool(not_demonstrated),
                on=(
                    completed_at.astimezone(PROGRAMME_TIMEZONE).date()
                    if completed_at is not None
                    else None
                ),
                code=code,
                labels=dict(labels or {}),
            ),
        )
    counts: dict[int | None, int] = {
        claim_id: int(number)
        for claim_id, number in (
            await session.execute(_EVIDENCE_COUNTS, {"candidate_id": candidate_id})
        ).all()
    }

    rows: list[OverviewRow] = []
    claimed: set[int] = set()
    for claim_id, competence_id, code, labels, free_text, self_level, draft in claim_rows:
        found = newest.get(competence_id) if competence_id is not None else None
        if competence_id is not None:
            claimed.add(competence_id)
        rows.append(
            OverviewRow(
                claim_id=claim_id,
                competence_id=competence_id,
                code=code,
                labels=dict(labels) if labels is not None else None,
                free_text=free_text,
                self_level=self_level,
                verified_level=found.level if found else None,
                not_demonstrated=found.not_demonstrated if found else False,
                verified_on=found.on if found else None,
                evidence_count=counts.get(claim_id, 0),
                draft=bool(draft),
            )
        )
    for competence_id, found in newest.items():
        if competence_id not in claimed:
            rows.append(
                OverviewRow(
                    claim_id=None,
                    competence_id=competence_id,
                    code=found.code,
                    labels=found.labels,
                    free_text="",
                    self_level=None,
                    verified_level=found.level,
                    not_demonstrated=found.not_demonstrated,
                    verified_on=found.on,
                )
            )
    return PortfolioOverview(rows=rows, evidence_count=sum(counts.values()))


@dataclass(frozen=True)
class ClaimView:
    """A claim on the portfolio page: mapping, suggestions when unmapped, its evidence."""

    claim: Claim
    suggestions: list[CompetenceSuggestion]
    evidence: list[EvidenceItem]

    @property
    def mapped(self) -> bool:
        return self.claim.competence_id is not None


@dataclass(frozen=True)
class Portfolio:
    """The portfolio page: claims, evidence not linked to a claim, claimed vs verified."""

    claims: list[ClaimView]
    other_evidence: list[EvidenceItem]
    overview: PortfolioOverview

    def row_for(self, claim_id: int) -> OverviewRow | None:
        """The claim's line of "claimed vs verified"."""
        return next((row for row in self.overview.rows if row.claim_id == claim_id), None)


async def load_portfolio(session: AsyncSession, *, candidate_id: int) -> Portfolio:
    """Everything the portfolio page shows, in a fixed number of queries."""
    claims = (
        (
            await session.scalars(
                select(Claim)
                .where(Claim.candidate_id == candidate_id)
                .options(joinedload(Claim.competence))
                .order_by(Claim.id)
            )
        )
        .unique()
        .all()
    )
    evidence = (
        await session.scalars(
            select(EvidenceItem)
            .where(EvidenceItem.candidate_id == candidate_id)
            .order_by(EvidenceItem.id)
        )
    ).all()
    by_claim: dict[int | None, list[EvidenceItem]] = {}
    for item in evidence:
        by_claim.setdefault(item.claim_id, []).append(item)
    unmapped = [claim for claim in claims if claim.competence_id is None]
    suggested: dict[int, list[CompetenceSuggestion]] = {}
    if unmapped:
        # Fuzzy matching of every unmapped claim, off the event loop.
        found = await suggest_all(
            await load_vocabulary(session),
            [claim.free_text for claim in unmapped],
            limit=SUGGESTIONS_PER_CLAIM,
        )
        suggested = dict(zip([claim.id for claim in unmapped], found, strict=True))
    views = [
        ClaimView(
            claim=claim,
            suggestions=suggested.get(claim.id, []),
            evidence=by_claim.pop(claim.id, []),
        )
        for claim in claims
    ]
    other = sorted((item for items in by_claim.values() for item in items), key=lambda i: i.id)
    overview = await portfolio_overview(session, candidate_id=candidate_id)
    return Portfolio(claims=views, other_evidence=other, overview=overview)


def level_options() -> Sequence[tuple[str, str]]:
    """Levels 1-5 with the Finnish grade names, for the self-assessment select."""
    names = {
        1: N_("satisfactory"),
        2: N_("satisfactory"),
        3: N_("good"),
        4: N_("good"),
        5: N_("excellent"),
    }
    return [(str(level), f"{level} ({gettext(name)})") for level, name in names.items()]
