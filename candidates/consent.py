"""Consent: given or withdrawn per purpose (and per organisation), never edited.

Every decision adds a :class:`~candidates.models.ConsentRecord` with the exact text shown to
the person (translated into the language it was shown in), who recorded it and when. The
newest record (highest id) for a candidate, purpose and organisation is the one in force, so a
withdrawal takes effect the moment it is recorded, and the history stays complete.

Respecting withdrawal elsewhere (matching, employer views, proposals): do not read consent
rows yourself; filter candidates with one of the clauses here, in the same query that reads
them, so that no cache or copy can lag behind a withdrawal:

- :func:`shares_with_employers` — a WHERE clause on ``Candidate.id``: the candidate's
  profile may be shown to partner employers (the newest *share with employers* record is a
  consent given).
- :func:`shares_with_organisation` — the same for one named organisation: shared with
  employers generally, or with that organisation by name.
- :func:`candidates_sharing_with_employers` — the ids as a set, in one grouped query (for
  vectorised matching: mask the candidate matrix with it).
"""

from __future__ import annotations

import datetime
from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import ColumnElement, bindparam, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import Select

from accounts.models import User
from candidates.models import Candidate, ConsentPurpose, ConsentRecord
from employers.models import Organisation, PartnershipStatus
from kit.i18n import N_, current_locale, gettext
from kit.invalid import Invalid

PURPOSES: tuple[str, ...] = tuple(purpose.value for purpose in ConsentPurpose)
PURPOSE_LABELS: dict[str, str] = {
    ConsentPurpose.VALIDATION.value: N_("Processing for validation"),
    ConsentPurpose.SHARE_WITH_EMPLOYERS.value: N_("Sharing a profile with partner employers"),
    ConsentPurpose.SHARE_WITH_ORGANISATION.value: N_("Sharing with a named organisation"),
}

# The texts read to (or by) the person; ``%(organisation)s`` is the organisation's name.
# Changing a text changes only future records: each record keeps the text as it was shown.
GIVEN_TEXTS: dict[str, str] = {
    ConsentPurpose.VALIDATION.value: N_(
        "I agree that the ISOK programme processes my personal data (contact details,"
        " languages, work history, competences and evidence) to validate my competences and"
        " to guide me. I can withdraw this consent at any time."
    ),
    ConsentPurpose.SHARE_WITH_EMPLOYERS.value: N_(
        "I agree that my counsellor shows my competence profile (without my contact details)"
        " to partner employers who offer on-the-job training positions. I can withdraw this"
        " consent at any time."
    ),
    ConsentPurpose.SHARE_WITH_ORGANISATION.value: N_(
        "I agree that my counsellor shares my competence profile with %(organisation)s. I can"
        " withdraw this consent at any time."
    ),
}
WITHDRAWN_TEXTS: dict[str, str] = {
    ConsentPurpose.VALIDATION.value: N_(
        "I withdraw my consent to the processing of my personal data for validation."
    ),
    ConsentPurpose.SHARE_WITH_EMPLOYERS.value: N_(
        "I withdraw my consent to showing my competence profile to partner employers."
    ),
    ConsentPurpose.SHARE_WITH_ORGANISATION.value: N_(
        "I withdraw my consent to sharing my competence profile with %(organisation)s."
    ),
}


def purpose_label(purpose: str) -> str:
    return gettext(PURPOSE_LABELS.get(purpose, purpose))


def consent_text(purpose: str, *, given: bool, organisation_name: str = "") -> str:
    """The text shown to the person, in the current language."""
    texts = GIVEN_TEXTS if given else WITHDRAWN_TEXTS
    text = gettext(texts[purpose])
    if purpose == ConsentPurpose.SHARE_WITH_ORGANISATION.value:
        text = text % {"organisation": organisation_name}
    return text


@dataclass(frozen=True)
class OrganisationChoice:
    id: int
    name: str


_PARTNERS = (
    select(Organisation.id, Organisation.name)
    .where(Organisation.status == PartnershipStatus.PARTNER.value)
    .order_by(Organisation.name, Organisation.id)
)


async def list_partner_organisations(session: AsyncSession) -> list[OrganisationChoice]:
    """Approved partner organisations, the ones a profile may be shared with by name."""
    rows = await session.execute(_PARTNERS)
    return [OrganisationChoice(id=int(row[0]), name=str(row[1])) for row in rows.all()]


async def record_consent(
    session: AsyncSession,
    *,
    candidate_id: int,
    purpose: str,
    given: bool,
    recorded_by_id: int,
    organisation_id: int | None = None,
) -> ConsentRecord:
    """Add a record of consent given or withdrawn, with the text shown (never edits one).

    Raises :class:`Invalid` (keys ``purpose``, ``organisation``).
    """
    if purpose not in PURPOSES:
        raise Invalid({"purpose": gettext("Choose what the consent is for.")})
    organisation_name = ""
    if purpose == ConsentPurpose.SHARE_WITH_ORGANISATION.value:
        names = {choice.id: choice.name for choice in await list_partner_organisations(session)}
        if organisation_id is None or organisation_id not in names:
            raise Invalid({"organisation": gettext("Choose one of the partner organisations.")})
        organisation_name = names[organisation_id]
    else:
        organisation_id = None
    record = ConsentRecord(
        candidate_id=candidate_id,
        purpose=purpose,
        organisation_id=organisation_id,
        given=given,
        text_shown=consent_text(purpose, given=given, organisation_name=organisation_name),
        language=current_locale.get()[:3],
        recorded_by_id=recorded_by_id,
    )
    session.add(record)
    await session.flush()
    return record


@dataclass(frozen=True)
class ConsentState:
    """A record as shown: what, for whom, given or not, the text, who recorded it and when."""

    record_id: int
    purpose: str
    organisation_id: int | None
    organisation_name: str | None
    given: bool
    text_shown: str
    language: str
    recorded_by: str | None
    recorded_at: datetime.datetime


def _states(*criteria: ColumnElement[bool]) -> Select[tuple[ConsentRecord, str, str]]:
    """Records with the organisation's and the recorder's names (either may be None)."""
    return (
        select(ConsentRecord, Organisation.name, User.name)
        .outerjoin(Organisation, Organisation.id == ConsentRecord.organisation_id)
        .outerjoin(User, User.id == ConsentRecord.recorded_by_id)
        .where(*criteria)
    )


def _state(record: ConsentRecord, organisation_name: str | None, by: str | None) -> ConsentState:
    return ConsentState(
        record_id=record.id,
        purpose=record.purpose,
        organisation_id=record.organisation_id,
        organisation_name=organisation_name,
        given=record.given,
        text_shown=record.text_shown,
        language=record.language,
        recorded_by=by,
        recorded_at=record.created_at,
    )


def _latest_ids() -> Select[tuple[int]]:
    """The newest record's id per candidate, purpose and organisation."""
    return select(func.max(ConsentRecord.id)).group_by(
        ConsentRecord.candidate_id, ConsentRecord.purpose, ConsentRecord.organisation_id
    )


async def current_consents(session: AsyncSession, *, candidate_id: int) -> list[ConsentState]:
    """The consent in force per purpose (and organisation), in the order of the purposes."""
    statement = _states(
        ConsentRecord.candidate_id == candidate_id,
        ConsentRecord.id.in_(_latest_ids().where(ConsentRecord.candidate_id == candidate_id)),
    )
    states = [_state(*row) for row in (await session.execute(statement)).all()]
    return sorted(
        states, key=lambda s: (PURPOSES.index(s.purpose), s.organisation_name or "", s.record_id)
    )


async def consent_history(session: AsyncSession, *, candidate_id: int) -> list[ConsentState]:
    """Every consent record of the candidate, newest first."""
    statement = _states(ConsentRecord.candidate_id == candidate_id).order_by(
        ConsentRecord.id.desc()
    )
    return [_state(*row) for row in (await session.execute(statement)).all()]


@dataclass(frozen=True)
class ConsentRecords:
    """The candidate page's consent: what is in force (as :func:`current_consents`) and every
    record (as :func:`consent_history`)."""

    current: list[ConsentState]
    history: list[ConsentState]


# The columns of :class:`ConsentState`, in its order, read as plain rows.
_RECORDS = (
    select(
        ConsentRecord.id,
        ConsentRecord.purpose,
        ConsentRecord.organisation_id,
        Organisation.name,
        ConsentRecord.given,
        ConsentRecord.text_shown,
        ConsentRecord.language,
        User.name,
        ConsentRecord.created_at,
    )
    .outerjoin(Organisation, Organisation.id == ConsentRecord.organisation_id)
    .outerjoin(User, User.id == ConsentRecord.recorded_by_id)
    .where(ConsentRecord.candidate_id == bindparam("candidate_id"))
    .order_by(ConsentRecord.id.desc())
)


async def consent_records(session: AsyncSession, *, candidate_id: int) -> ConsentRecords:
    """:func:`current_consents` and :func:`consent_history` in one query: the history, newest
    first; the record in force per purpose and organisation is the first one met there (the
    highest id, as in :func:`current_consents`)."""
    rows = await session.execute(_RECORDS, {"candidate_id": candidate_id})
    history = [ConsentState(*row) for row in rows.all()]
    newest: dict[tuple[str, int | None], ConsentState] = {}
    for state in history:
        newest.setdefault((state.purpose, state.organisation_id), state)
    current = sorted(
        newest.values(),
        key=lambda s: (PURPOSES.index(s.purpose), s.organisation_name or "", s.record_id),
    )
    return ConsentRecords(current=current, history=history)


def _given_now(
    purpose: str, organisation_id: int | None = None, among: Collection[int] | None = None
) -> Select[tuple[int]]:
    """Ids of candidates whose newest record for ``purpose`` (and organisation) is given;
    ``among``: only of these candidates (the records of no one else are read)."""
    latest = (
        select(func.max(ConsentRecord.id).label("id"))
        .where(ConsentRecord.purpose == purpose)
        .group_by(ConsentRecord.candidate_id, ConsentRecord.organisation_id)
    )
    if organisation_id is not None:
        latest = latest.where(ConsentRecord.organisation_id == organisation_id)
    if among is not None:
        latest = latest.where(ConsentRecord.candidate_id.in_(sorted(among)))
    newest = latest.subquery()
    return (
        select(ConsentRecord.candidate_id)
        .join(newest, newest.c.id == ConsentRecord.id)
        .where(ConsentRecord.given.is_(True))
    )


def has_consent(purpose: str, *, among: Collection[int] | None = None) -> ColumnElement[bool]:
    """A WHERE clause on :class:`Candidate`: consent for ``purpose`` is in force now.

    ``among`` (a few ids the query also selects by) reads only those candidates' records.
    """
    return Candidate.id.in_(_given_now(purpose, among=among))


def shares_with_employers(*, among: Collection[int] | None = None) -> ColumnElement[bool]:
    """A WHERE clause on :class:`Candidate`: the profile may be shown to partner employers."""
    return has_consent(ConsentPurpose.SHARE_WITH_EMPLOYERS.value, among=among)


def shares_with_organisation(organisation_id: int) -> ColumnElement[bool]:
    """A WHERE clause on :class:`Candidate`: the profile may be shown to this organisation
    (shared with partner employers generally, or with this organisation by name)."""
    named = _given_now(ConsentPurpose.SHARE_WITH_ORGANISATION.value, organisation_id)
    return or_(shares_with_employers(), Candidate.id.in_(named))


async def candidates_sharing_with_employers(session: AsyncSession) -> set[int]:
    """Ids of every candidate whose profile may be shown to partner employers, in one query."""
    rows = await session.execute(_given_now(ConsentPurpose.SHARE_WITH_EMPLOYERS.value))
    return {int(candidate_id) for candidate_id in rows.scalars()}
