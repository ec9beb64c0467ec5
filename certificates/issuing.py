"""Issuing and revoking certificates, and the candidate's "certified" stage that follows them.

A counsellor (the placement's or the candidate's own) or the coordinator issues a certificate
from the placement's signed decision, in Finnish or English. Nothing is ever edited:

- issuing again after the decision was corrected, or in the other language, makes a new
  certificate that supersedes the live one (``superseded_at``, ``superseded_by_id``);
- issuing again from the same decision in the same language gives back the live certificate
  (two people issuing at once make one: the partial unique indexes refuse the second insert,
  which then reads the first);
- the coordinator revokes a certificate with a reason category (public) and a note (not).

The candidate is "certified" while they hold a live certificate and leave that stage (back to
"assessment") when the last one is revoked. Every change is in the audit trail.

A certificate issued (unless ``tell_candidate=False``, as for the demo data) is e-mailed to the
candidate in the same transaction, with the verification link anyone can open: to their own
account when they have one, else to the address on their record (docs/notifications.md).
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from accounts.notices import notify, notify_address, users_with_ids
from assessments.decisions import signed_decision_content
from candidates.models import Candidate, Stage
from certificates import codes
from certificates.content import LANGUAGES, Content, Issuer, build
from certificates.models import Certificate, RevocationReason, Status
from kit import audit
from kit.clock import PROGRAMME_TIMEZONE, now
from kit.i18n import N_, gettext
from kit.invalid import Invalid
from kit.notices import Notice
from kit.roles import Role, Viewer
from kit.settings import Settings
from placements.models import Placement

NOTE_MAX = 2000
CODE_TRIES = 5  # fresh codes tried when one collides (95 random bits: it never does)


class NotAllowed(PermissionError):
    """The viewer may not issue (or revoke) this certificate."""


class AlreadyRevoked(Exception):
    """The certificate was revoked before; revoking is done once."""


@dataclass(frozen=True)
class Issued:
    certificate: Certificate
    new: bool  # False: the live certificate already issued from this decision


def may_issue(viewer: Viewer, placement: Placement, candidate: Candidate) -> bool:
    """The coordinator, the placement's counsellor or the candidate's own counsellor."""
    if viewer.role == Role.COORDINATOR:
        return True
    return viewer.role == Role.COUNSELLOR and viewer.user_id in (
        placement.counsellor_id,
        candidate.counsellor_id,
    )


async def live_for_placement(session: AsyncSession, placement_id: int) -> Certificate | None:
    certificate: Certificate | None = await session.scalar(
        select(Certificate).where(
            Certificate.placement_id == placement_id, Certificate.in_status(Status.VALID)
        )
    )
    return certificate


async def by_code(session: AsyncSession, code: str) -> Certificate | None:
    """The certificate a person's ``code`` names (typed loosely), or None."""
    formatted = codes.read(code)
    if formatted is None:
        return None
    certificate: Certificate | None = await session.scalar(
        select(Certificate).where(Certificate.code == formatted)
    )
    return certificate


def content_of(certificate: Certificate) -> Content:
    return Content.from_json(certificate.content)


def issuer_of(settings: Settings) -> Issuer:
    config = settings.certificates
    return Issuer(
        name=config.issuer_name,
        address=config.issuer_address,
        url=config.issuer_url or settings.public_url,
    )


async def issue(
    session: AsyncSession,
    viewer: Viewer,
    *,
    placement_id: int,
    language: str,
    issuer: Issuer,
    tell_candidate: bool = True,
) -> Issued:
    """Issue the placement's certificate from its signed decision (see the module); with
    ``tell_candidate`` (the default), a new certificate is e-mailed to the candidate (the demo
    data is issued without telling).

    Raises :class:`Invalid` (``language``, or ``decision`` when nothing is signed) and
    :class:`NotAllowed`; LookupError when the placement does not exist.
    """
    if language not in LANGUAGES:
        raise Invalid({"language": gettext("Choose Finnish or English for the certificate.")})
    placement = await session.get(Placement, placement_id)
    if placement is None:
        raise LookupError(placement_id)
    candidate = await session.get(Candidate, placement.candidate_id)
    assert candidate is not None  # a placement's candidate is kept (RESTRICT)
    if not may_issue(viewer, placement, candidate):
        raise NotAllowed()
    decision = await signed_decision_content(session, placement_id)
    if decision is None:
        raise Invalid(
            {"decision": gettext("A certificate is issued from a signed assessment decision.")}
        )
    if not any(outcome.grade is not None for outcome in decision.outcomes):
        raise Invalid({"decision": gettext("The decision has no demonstrated outcome to certify.")})
    current = await live_for_placement(session, placement_id)
    if current is not None and (current.decision_id, current.language) == (
        decision.decision_id,
        language,
    ):
        return Issued(current, new=False)
    issued_at = now()
    for _ in range(CODE_TRIES):
        code = codes.new_code()
        content = build(
            decision,
            code=code,
            language=language,
            issued_on=issued_at.astimezone(PROGRAMME_TIMEZONE).date(),
            candidate_email=candidate.email,
            issuer=issuer,
        )
        try:
            async with session.begin_nested():
                certificate = await _insert(session, viewer, content, current, placement, issued_at)
        except IntegrityError:
            again = await live_for_placement(session, placement_id)
            if again is not None and again is not current:
                # Someone issued at the same moment: theirs is the certificate.
                return Issued(again, new=False)
            if await _code_taken(session, code):
                continue
            raise
        candidate.stage = Stage.CERTIFIED.value
        await session.flush()
        if tell_candidate:
            await tell_of_certificate(session, certificate, candidate)
        return Issued(certificate, new=True)
    raise RuntimeError("no free certificate code after several tries")  # pragma: no cover


def verification_path(code: str) -> str:
    """The public verification page of a certificate (a portal path)."""
    return f"/verify/{code}"


def certificate_notice(certificate: Certificate) -> Notice:
    """The candidate's message: their certificate's code and day, and its verification
    link (the page anyone they show the certificate to can open)."""
    return Notice(
        kind="certificate_issued",
        subject=N_("Your certificate has been issued"),
        lines=(
            N_("Your certificate %(code)s was issued on %(day)s."),
            N_(
                "Anyone you show it to, such as an employer, can check that it is genuine on its"
                " verification page, with the code %(code)s. Keep this message: the link below"
                " is that page."
            ),
        ),
        values={
            "code": certificate.code,
            "day": certificate.issued_at.astimezone(PROGRAMME_TIMEZONE).date(),
        },
        link=verification_path(certificate.code),
        action=N_("Open the verification page"),
    )


async def tell_of_certificate(
    session: AsyncSession, certificate: Certificate, candidate: Candidate
) -> bool:
    """E-mail the candidate their new certificate (their own account, else the address on
    their record, in the certificate's language); False when there is nobody to tell."""
    notice = certificate_notice(certificate)
    key = f"certificate_issued:{certificate.id}"
    account = await users_with_ids(session, [candidate.user_id])
    if account:
        return await notify(session, account[0], notice, dedupe_key=key)
    if candidate.email:
        return await notify_address(
            session, candidate.email, notice, language=certificate.language, dedupe_key=key
        )
    return False


async def _code_taken(session: AsyncSession, code: str) -> bool:
    found = await session.scalar(select(func.count()).where(Certificate.code == code))
    return bool(found)


async def _insert(
    session: AsyncSession,
    viewer: Viewer,
    content: Content,
    current: Certificate | None,
    placement: Placement,
    issued_at: datetime.datetime,
) -> Certificate:
    if current is not None:
        current.superseded_at = issued_at
        await session.flush()
    certificate = Certificate(
        code=content.code,
        decision_id=content.decision_id,
        placement_id=placement.id,
        candidate_id=placement.candidate_id,
        language=content.language,
        content=content.as_json(),
        issued_at=issued_at,
        issued_by_id=viewer.user_id,
        issued_by_name=viewer.name,
    )
    session.add(certificate)
    await session.flush()
    if current is not None:
        current.superseded_by_id = certificate.id
        await session.flush()
    await audit.record(
        session,
        action="issue",
        entity="certificate",
        entity_id=certificate.id,
        details={
            "code": certificate.code,
            "placement_id": placement.id,
            "decision_id": content.decision_id,
            "language": content.language,
            "supersedes": None if current is None else current.code,
        },
    )
    return certificate


def check_revocation(reason: str, note: str) -> tuple[RevocationReason, str]:
    """The reason category and the note, or :class:`Invalid` (``reason``, ``note``)."""
    errors: dict[str, str] = {}
    try:
        category = RevocationReason(reason)
    except ValueError:
        category = RevocationReason.OTHER
        errors["reason"] = gettext("Choose why the certificate is revoked.")
    note = note.strip()
    if len(note) > NOTE_MAX:
        errors["note"] = gettext("Write at most %(count)d characters.") % {"count": NOTE_MAX}
    elif "\x00" in note:
        errors["note"] = gettext("The note holds a character that cannot be stored.")
    if errors:
        raise Invalid(errors)
    return category, note


async def revoke(
    session: AsyncSession,
    viewer: Viewer,
    *,
    certificate: Certificate,
    reason: str,
    note: str = "",
) -> Certificate:
    """Revoke ``certificate`` (the coordinator only, once) and update the candidate's stage."""
    if viewer.role != Role.COORDINATOR:
        raise NotAllowed()
    category, note = check_revocation(reason, note)
    # One conditional update: of two revocations at once, exactly one changes the row.
    changed = await session.execute(
        update(Certificate)
        .where(Certificate.id == certificate.id, Certificate.revoked_at.is_(None))
        .values(
            revoked_at=now(),
            revocation_reason=category.value,
            revocation_note=note,
            revoked_by_id=viewer.user_id,
        )
        .execution_options(synchronize_session=False)
    )
    if getattr(changed, "rowcount", 0) != 1:
        raise AlreadyRevoked()
    await session.refresh(certificate)
    await audit.record(
        session,
        action="revoke",
        entity="certificate",
        entity_id=certificate.id,
        details={"code": certificate.code, "reason": category.value},
    )
    await follow_certificates(session, certificate.candidate_id)
    return certificate


async def follow_certificates(session: AsyncSession, candidate_id: int) -> None:
    """Leave "certified" when the candidate holds no live certificate any more."""
    live = await session.scalar(
        select(func.count()).where(
            Certificate.candidate_id == candidate_id, Certificate.in_status(Status.VALID)
        )
    )
    candidate = await session.get(Candidate, candidate_id)
    if candidate is None:
        return
    if live and candidate.stage != Stage.CERTIFIED:
        candidate.stage = Stage.CERTIFIED.value
    elif not live and candidate.stage == Stage.CERTIFIED:
        candidate.stage = Stage.ASSESSMENT.value
    await session.flush()


async def certificates_of(
    session: AsyncSession, *, candidate_id: int | None = None, placement_id: int | None = None
) -> Sequence[Certificate]:
    """Every certificate of the candidate or of the placement, newest first (revoked and
    superseded ones too)."""
    statement = select(Certificate).order_by(Certificate.issued_at.desc(), Certificate.id.desc())
    if candidate_id is not None:
        statement = statement.where(Certificate.candidate_id == candidate_id)
    if placement_id is not None:
        statement = statement.where(Certificate.placement_id == placement_id)
    return (await session.scalars(statement)).all()
