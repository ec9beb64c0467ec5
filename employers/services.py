"""Organisation rules: registration, duplicate detection, partnership decisions, counts.

An organisation registers itself (status *applied*); a coordinator approves it (*partner*,
with the dates of the partnership agreement), rejects it with a reason, later marks a partner
*inactive* with a reason, or reactivates it. Every decision records when, by whom (as text,
like a signature: the audit trail keeps the user id) and why. The row changes themselves reach
the audit trail automatically (the model is audited).

Functions here take plain values, not users or requests: the callers (pages, API, the
registration page in ``portal``) pass who is acting as text.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

from rapidfuzz import fuzz, process
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from employers import business_id as business_ids
from employers.models import (
    Organisation,
    OrganisationKind,
    OrganisationSize,
    PartnershipStatus,
)
from kit.i18n import N_, gettext
from kit.invalid import Invalid
from kit.regions import REGIONS

KIND_LABELS: dict[str, str] = {
    OrganisationKind.MAJOR_COMPANY.value: N_("Major company"),
    OrganisationKind.SME.value: N_("Small or medium-sized enterprise (SME)"),
    OrganisationKind.PUBLIC_SECTOR.value: N_("Public sector"),
    OrganisationKind.THIRD_SECTOR.value: N_("Third sector (association, foundation)"),
    OrganisationKind.EDUCATION.value: N_("Education provider"),
}

STATUS_LABELS: dict[str, str] = {
    PartnershipStatus.APPLIED.value: N_("Applied, waiting for approval"),
    PartnershipStatus.PARTNER.value: N_("Partner"),
    PartnershipStatus.REJECTED.value: N_("Rejected"),
    PartnershipStatus.INACTIVE.value: N_("Inactive"),
}

SIZE_LABELS: dict[str, str] = {
    OrganisationSize.MICRO.value: N_("1-9 people"),
    OrganisationSize.SMALL.value: N_("10-49 people"),
    OrganisationSize.MEDIUM.value: N_("50-249 people"),
    OrganisationSize.LARGE.value: N_("250 people or more"),
}

NAME_MAX = 200
TEXT_MAX = 100
REASON_MAX = 2000


def choice_options() -> dict[str, list[tuple[str, str]]]:
    """(value, label) pairs for the organisation form's choices, in the request's language."""
    return {
        "kinds": [(value, gettext(label)) for value, label in KIND_LABELS.items()],
        "sizes": [(value, gettext(label)) for value, label in SIZE_LABELS.items()],
        "regions": [(region, gettext(region)) for region in REGIONS],
        "statuses": [(value, gettext(label)) for value, label in STATUS_LABELS.items()],
    }


def label_maps() -> dict[str, dict[str, str]]:
    """Value → label maps for showing kinds, sizes and statuses, in the request's language."""
    return {
        "kind_labels": {value: gettext(label) for value, label in KIND_LABELS.items()},
        "size_labels": {value: gettext(label) for value, label in SIZE_LABELS.items()},
        "status_labels": {value: gettext(label) for value, label in STATUS_LABELS.items()},
    }


class TransitionError(Invalid):
    """The decision does not fit the organisation's current partnership status.

    Pages show it like any refused input; the API answers it 409 (a conflict with the
    organisation's state), not 400.
    """

    def __init__(self, message: str) -> None:
        super().__init__({"form": message})


@dataclass(frozen=True)
class OrganisationDetails:
    """What an organisation says about itself (everything but its partnership status)."""

    name: str
    business_id: str
    kind: str
    sector: str
    municipality: str
    region: str
    size: str

    @classmethod
    def of(cls, organisation: Organisation) -> OrganisationDetails:
        return cls(
            name=organisation.name,
            business_id=organisation.business_id or "",
            kind=organisation.kind,
            sector=organisation.sector,
            municipality=organisation.municipality,
            region=organisation.region,
            size=organisation.size,
        )


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


def check_details(details: OrganisationDetails) -> tuple[OrganisationDetails, dict[str, str]]:
    """The details trimmed and normalised, and a message per wrong field (empty when fine).

    Needs no database: the uniqueness of the business ID is checked on saving.
    """
    errors: dict[str, str] = {}
    clean = OrganisationDetails(
        name=details.name.strip(),
        business_id=business_ids.normalise(details.business_id),
        kind=details.kind.strip(),
        sector=details.sector.strip(),
        municipality=details.municipality.strip(),
        region=details.region.strip(),
        size=details.size.strip(),
    )
    for field, limit in (
        ("name", NAME_MAX),
        ("sector", TEXT_MAX),
        ("municipality", TEXT_MAX),
    ):
        value = getattr(clean, field)
        if not value:
            errors[field] = gettext("This field is required.")
        elif len(value) > limit:
            errors[field] = gettext("Use at most %(max)d characters.") % {"max": limit}
    if not clean.business_id:
        errors["business_id"] = gettext("This field is required.")
    elif not business_ids.is_valid(clean.business_id):
        errors["business_id"] = gettext(
            "This is not a valid Finnish business ID. It has seven digits, a hyphen and a "
            "check digit, for example 1234567-1."
        )
    for field, choices in (
        ("kind", KIND_LABELS),
        ("size", SIZE_LABELS),
        ("region", REGIONS),
    ):
        if getattr(clean, field) not in choices:
            errors[field] = gettext("Choose one of the options.")
    return clean, errors


async def _business_id_taken(
    session: AsyncSession, business_id: str, *, other_than: int | None = None
) -> bool:
    query = select(Organisation.id).where(Organisation.business_id == business_id)
    if other_than is not None:
        query = query.where(Organisation.id != other_than)
    return (await session.execute(query)).first() is not None


def _business_id_taken_message() -> str:
    return gettext(
        "An organisation with this business ID is already registered. If it is yours, ask "
        "its contact person to invite you, or contact the programme coordinator."
    )


async def check_new_organisation(
    session: AsyncSession, *, details: OrganisationDetails
) -> tuple[OrganisationDetails, dict[str, str]]:
    """Like :func:`check_details`, and also refuses a business ID already registered."""
    clean, errors = check_details(details)
    if "business_id" not in errors and await _business_id_taken(session, clean.business_id):
        errors["business_id"] = _business_id_taken_message()
    return clean, errors


async def _flush_or_duplicate(session: AsyncSession) -> None:
    """Flush; a unique-constraint race on the business ID becomes a plain message.

    After the error the transaction is unusable; the caller answers 4xx and the request's
    session is rolled back at the edge.
    """
    try:
        await session.flush()
    except IntegrityError as error:
        raise Invalid({"business_id": _business_id_taken_message()}) from error


async def register_organisation(
    session: AsyncSession, *, details: OrganisationDetails
) -> Organisation:
    """Create an organisation that has applied to become a partner.

    Raises :class:`~kit.invalid.Invalid` (a message per field) and writes nothing when a detail
    is wrong or the business ID is already registered. A name very like another
    organisation's is accepted: the coordinator sees it through :func:`possible_duplicates`.
    """
    clean, errors = await check_new_organisation(session, details=details)
    if errors:
        raise Invalid(errors)
    organisation = Organisation(
        name=clean.name,
        business_id=clean.business_id,
        kind=clean.kind,
        sector=clean.sector,
        municipality=clean.municipality,
        region=clean.region,
        size=clean.size,
        status=PartnershipStatus.APPLIED.value,
    )
    session.add(organisation)
    await _flush_or_duplicate(session)
    return organisation


async def update_organisation(
    session: AsyncSession, *, organisation: Organisation, details: OrganisationDetails
) -> Organisation:
    """Change an organisation's details (never its partnership status)."""
    clean, errors = check_details(details)
    if "business_id" not in errors and await _business_id_taken(
        session, clean.business_id, other_than=organisation.id
    ):
        errors["business_id"] = _business_id_taken_message()
    if errors:
        raise Invalid(errors)
    organisation.name = clean.name
    organisation.business_id = clean.business_id
    organisation.kind = clean.kind
    organisation.sector = clean.sector
    organisation.municipality = clean.municipality
    organisation.region = clean.region
    organisation.size = clean.size
    await _flush_or_duplicate(session)
    return organisation


def merge_details(current: OrganisationDetails, **changes: str | None) -> OrganisationDetails:
    """``current`` with the given fields replaced; None means "leave as it is"."""
    return replace(current, **{key: value for key, value in changes.items() if value is not None})


# --- duplicate detection ------------------------------------------------------------------

# Legal-form words that say nothing about which organisation is meant: "Kuljetus Kallavesi
# Oy" and "Kuljetus Kallavesi Ky" are compared as "kuljetus kallavesi".
LEGAL_FORMS = frozenset(
    {
        "oy",
        "oyj",
        "ab",
        "abp",
        "ry",
        "rf",
        "ky",
        "ay",
        "tmi",
        "osk",
        "sr",
        "ltd",
        "limited",
        "inc",
        "llc",
        "plc",
        "gmbh",
        "corp",
    }
)
SIMILAR_NAME_THRESHOLD = 90.0
_WORD_SEPARATORS = re.compile(r"[\W_]+")


def comparable_name(name: str) -> str:
    """A name reduced for comparison: lower case, words only, legal forms removed."""
    words = [word for word in _WORD_SEPARATORS.split(name.casefold()) if word]
    meaningful = [word for word in words if word not in LEGAL_FORMS]
    return " ".join(meaningful or words)


def similar_names(name: str, others: dict[int, str]) -> list[tuple[int, float]]:
    """Ids of ``others`` (id → name) whose name is very like ``name``, most similar first.

    Names are compared with rapidfuzz's ``token_sort_ratio`` on :func:`comparable_name`:
    sorting the words first catches reordered names ("Puhtaus Oy Pohjois-Karjala" and
    "Pohjois-Karjalan Puhtaus Oy" differ only by one letter), removing legal forms catches
    the same business registered in another form, and the ratio tolerates a typo or a
    missing letter. A score of at least 90 (of 100) was chosen because real, different
    organisations in the demo data and in the programme's region (same town, same trade:
    "Kuljetus Kallavesi" and "Kuljetus Kuopio") stay below it, while one-letter variants of a
    two-word name stay above it. Similar names are only flagged, never refused: two
    organisations may really have near-identical names.
    """
    query = comparable_name(name)
    if not query or not others:
        return []
    choices = {key: comparable_name(value) for key, value in others.items()}
    found = process.extract(
        query,
        choices,
        scorer=fuzz.token_sort_ratio,
        score_cutoff=SIMILAR_NAME_THRESHOLD,
        limit=None,
    )
    return [(int(key), float(score)) for _choice, score, key in found]


async def duplicates_by_organisation(
    session: AsyncSession, organisations: Sequence[Organisation]
) -> dict[int, list[Organisation]]:
    """For each of ``organisations``, the other organisations with a very similar name.

    One query loads every organisation once, whatever the number asked about.
    """
    if not organisations:
        return {}
    everyone = {
        organisation.id: organisation
        for organisation in (
            await session.execute(select(Organisation).order_by(Organisation.id))
        ).scalars()
    }
    names = {key: organisation.name for key, organisation in everyone.items()}
    result: dict[int, list[Organisation]] = {}
    for organisation in organisations:
        others = {key: name for key, name in names.items() if key != organisation.id}
        result[organisation.id] = [
            everyone[key] for key, _score in similar_names(organisation.name, others)
        ]
    return result


async def possible_duplicates(
    session: AsyncSession, organisation: Organisation
) -> list[Organisation]:
    """Other organisations whose name is very like ``organisation``'s, most similar first."""
    return (await duplicates_by_organisation(session, [organisation]))[organisation.id]


# --- reading --------------------------------------------------------------------------------


async def get_organisation(
    session: AsyncSession, *, organisation_id: int, for_update: bool = False
) -> Organisation | None:
    """One organisation with its readiness profile, or None.

    ``for_update`` locks the row (PostgreSQL) so that two coordinators deciding at once
    cannot both act on the same old status.
    """
    query = (
        select(Organisation)
        .where(Organisation.id == organisation_id)
        .options(joinedload(Organisation.readiness))
    )
    if for_update:
        query = query.with_for_update(of=Organisation)
    return (await session.execute(query)).unique().scalar_one_or_none()


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


async def list_organisations(
    session: AsyncSession,
    *,
    status: str | None = None,
    kind: str | None = None,
    region: str | None = None,
    search: str | None = None,
    organisation_ids: Sequence[int] | None = None,
) -> list[Organisation]:
    """Organisations matching every given filter, by name, with readiness profiles (one query).

    ``search`` matches every word against the name, business ID, sector and municipality.
    """
    query = (
        select(Organisation)
        .options(joinedload(Organisation.readiness))
        .order_by(func.lower(Organisation.name), Organisation.id)
    )
    if status:
        query = query.where(Organisation.status == status)
    if kind:
        query = query.where(Organisation.kind == kind)
    if region:
        query = query.where(Organisation.region == region)
    if organisation_ids is not None:
        query = query.where(Organisation.id.in_(list(organisation_ids)))
    for word in (search or "").split()[:8]:
        pattern = f"%{_escape_like(word)}%"
        query = query.where(
            Organisation.name.ilike(pattern, escape="\\")
            | Organisation.business_id.ilike(pattern, escape="\\")
            | Organisation.sector.ilike(pattern, escape="\\")
            | Organisation.municipality.ilike(pattern, escape="\\")
        )
    return list((await session.execute(query)).unique().scalars().all())


@dataclass(frozen=True)
class PartnerCounts:
    """Approved partners by kind against the programme's targets (BRIEF section 1)."""

    by_kind: dict[str, int]
    target_major_companies: int
    target_other_organisations: int

    @property
    def major_companies(self) -> int:
        return self.by_kind.get(OrganisationKind.MAJOR_COMPANY.value, 0)

    @property
    def other_organisations(self) -> int:
        """Every approved partner that is not a major company."""
        return sum(self.by_kind.values()) - self.major_companies

    @property
    def major_companies_met(self) -> bool:
        return self.major_companies >= self.target_major_companies

    @property
    def other_organisations_met(self) -> bool:
        return self.other_organisations >= self.target_other_organisations


async def partner_counts(
    session: AsyncSession, *, target_major_companies: int, target_other_organisations: int
) -> PartnerCounts:
    """Count approved partners by kind (one query); targets come from the settings."""
    rows = (
        await session.execute(
            select(Organisation.kind, func.count())
            .where(Organisation.status == PartnershipStatus.PARTNER.value)
            .group_by(Organisation.kind)
        )
    ).all()
    by_kind = {kind: 0 for kind in KIND_LABELS}
    by_kind.update({str(kind): int(number) for kind, number in rows})
    return PartnerCounts(
        by_kind=by_kind,
        target_major_companies=target_major_companies,
        target_other_organisations=target_other_organisations,
    )


# --- partnership decisions ----------------------------------------------------------------


def _require_status(organisation: Organisation, allowed: PartnershipStatus, message: str) -> None:
    if organisation.status != allowed.value:
        raise TransitionError(
            message
            % {
                "name": organisation.name,
                "status": gettext(STATUS_LABELS.get(organisation.status, organisation.status)),
            }
        )


def _check_agreement(
    start: datetime.date | None, end: datetime.date | None, errors: dict[str, str]
) -> None:
    if start is None:
        errors["agreement_start"] = gettext("Enter the date the partnership agreement starts.")
    if start is not None and end is not None and end < start:
        errors["agreement_end"] = gettext("The end date cannot be before the start date.")


def _check_reason(reason: str, errors: dict[str, str], *, required: bool, field: str) -> str:
    reason = reason.strip()
    if required and not reason:
        errors[field] = gettext("Give the reason; the organisation will see it.")
    elif len(reason) > REASON_MAX:
        errors[field] = gettext("Use at most %(max)d characters.") % {"max": REASON_MAX}
    return reason


def _decide(
    organisation: Organisation, status: PartnershipStatus, *, decided_by: str, reason: str
) -> None:
    organisation.status = status.value
    organisation.decided_at = _now()
    organisation.decided_by = decided_by[:254]
    organisation.decision_reason = reason


@dataclass(frozen=True)
class Transition:
    """A partnership decision: the status it needs, the status it gives, and whether it
    begins a partnership (with the agreement's dates and an optional note) or ends one
    (with a required reason: the organisation sees it)."""

    required: PartnershipStatus
    outcome: PartnershipStatus
    wrong_status: str  # marked for translation
    begins_partnership: bool


TRANSITIONS: dict[str, Transition] = {
    # applied → partner, with the agreement's dates (no end date: until further notice)
    "approve": Transition(
        PartnershipStatus.APPLIED,
        PartnershipStatus.PARTNER,
        N_("Only an organisation that has applied can be approved; %(name)s is: %(status)s."),
        begins_partnership=True,
    ),
    # applied → rejected
    "reject": Transition(
        PartnershipStatus.APPLIED,
        PartnershipStatus.REJECTED,
        N_("Only an organisation that has applied can be rejected; %(name)s is: %(status)s."),
        begins_partnership=False,
    ),
    # partner → inactive (the agreement dates are kept as a record)
    "deactivate": Transition(
        PartnershipStatus.PARTNER,
        PartnershipStatus.INACTIVE,
        N_("Only a partner can be marked inactive; %(name)s is: %(status)s."),
        begins_partnership=False,
    ),
    # inactive → partner again, under a new agreement
    "reactivate": Transition(
        PartnershipStatus.INACTIVE,
        PartnershipStatus.PARTNER,
        N_("Only an inactive partner can be reactivated; %(name)s is: %(status)s."),
        begins_partnership=True,
    ),
}


async def decide(
    session: AsyncSession,
    *,
    organisation: Organisation,
    decision: str,
    decided_by: str,
    reason: str,
    agreement_start: datetime.date | None = None,
    agreement_end: datetime.date | None = None,
) -> Organisation:
    """Apply ``decision`` (a key of :data:`TRANSITIONS`) to ``organisation``.

    ``reason`` is the note of an approval or reactivation, the reason of a rejection or
    deactivation; the agreement's dates matter only to the first two. Raises
    :class:`TransitionError` when the decision does not fit the current status, and
    :class:`~kit.invalid.Invalid` with a message per field; nothing is changed then.
    """
    transition = TRANSITIONS[decision]
    _require_status(organisation, transition.required, gettext(transition.wrong_status))
    errors: dict[str, str] = {}
    if transition.begins_partnership:
        _check_agreement(agreement_start, agreement_end, errors)
        reason = _check_reason(reason, errors, required=False, field="note")
    else:
        reason = _check_reason(reason, errors, required=True, field="reason")
    if errors:
        raise Invalid(errors)
    _decide(organisation, transition.outcome, decided_by=decided_by, reason=reason)
    if transition.begins_partnership:
        organisation.agreement_start = agreement_start
        organisation.agreement_end = agreement_end
    await session.flush()
    return organisation


async def deactivate(
    session: AsyncSession, *, organisation: Organisation, decided_by: str, reason: str
) -> Organisation:
    """partner → inactive, with a reason."""
    return await decide(
        session,
        organisation=organisation,
        decision="deactivate",
        decided_by=decided_by,
        reason=reason,
    )
