"""Candidates as the matching engine sees them: competences, languages, regions. No names.

What a candidate holds, per competence:

- a level a teacher verified in the newest completed interview counts as **verified** at
  that level, whatever was claimed;
- "not demonstrated" in that interview removes the competence: the teacher's finding
  outranks the claim, so it is neither verified nor self-declared;
- otherwise the claim's self-assessed level counts as **self-declared**;
- a claim that does not map to the framework is passed as its free text, so the engine can
  try to map it and report it when it cannot.

Only candidates whose consent is in force are included (processing for validation, and, for
suggestions shown to employers, sharing with employers), filtered in the same query that reads
them, so a withdrawal applies at once. Four queries in all, whatever the number of candidates.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from candidates.consent import has_consent, shares_with_employers
from candidates.findings import findings_in_force
from candidates.models import (
    Candidate,
    CandidateLanguage,
    Claim,
    ConsentPurpose,
    Interview,
    VerifiedCompetence,
)
from competences.models import Competence

if TYPE_CHECKING:
    # The engine (numpy, scipy) is imported where it is used, not with the app,
    # so that a worker starts fast (docs/performance.md).
    import matching


async def candidates_for_matching(
    session: AsyncSession,
    *,
    candidate_ids: Collection[int] | None = None,
    for_employers: bool = True,
) -> tuple[matching.Candidate, ...]:
    """The matching engine's :class:`matching.Candidate` for each consenting candidate.

    Parameters
    ----------
    candidate_ids : only these candidates (None: all).
    for_employers : also require consent to share the profile with employers.
    """
    import matching

    # A few candidates: only their consent records are read.
    among = None if candidate_ids is None else sorted(candidate_ids)
    query = select(Candidate.id, Candidate.regions).where(
        has_consent(ConsentPurpose.VALIDATION.value, among=among)
    )
    if for_employers:
        query = query.where(shares_with_employers(among=among))
    if among is not None:
        query = query.where(Candidate.id.in_(among))
    # Plain Core execution on the session's connection (same transaction): these are tuples,
    # not entities, and the ORM's result machinery would only add per-row cost.
    connection = await session.connection()
    rows = (await connection.execute(query.order_by(Candidate.id))).all()
    if not rows:
        return ()
    # The same selection as a subquery: no list of ids as bound parameters, at any scale.
    ids = query.with_only_columns(Candidate.id)

    claimed: dict[int, dict[str, int]] = defaultdict(dict)
    free_text: dict[int, dict[str, int]] = defaultdict(dict)
    claims = await connection.execute(
        select(Claim.candidate_id, Competence.code, Claim.free_text, Claim.self_level)
        .outerjoin(Competence, Competence.id == Claim.competence_id)
        # A claim the candidate added waits for the counsellor before it counts.
        .where(Claim.candidate_id.in_(ids), Claim.draft.is_(False))
    )
    for candidate_id, code, text, level in claims.all():
        if code is not None:
            claimed[candidate_id][code] = max(level, claimed[candidate_id].get(code, 0))
        elif text:
            free_text[candidate_id][text] = max(level, free_text[candidate_id].get(text, 0))

    # The finding in force comes first per competence (candidates.findings).
    verified: dict[int, dict[str, int | None]] = defaultdict(dict)
    findings = await connection.execute(
        findings_in_force(
            Interview.candidate_id,
            Competence.code,
            VerifiedCompetence.verified_level,
            candidate_ids=ids,
        ).join(Competence, Competence.id == VerifiedCompetence.competence_id)
    )
    for candidate_id, code, level in findings.all():
        verified[candidate_id].setdefault(code, level)

    languages: dict[int, dict[str, str]] = defaultdict(dict)
    for candidate_id, language, level in (
        await connection.execute(
            select(
                CandidateLanguage.candidate_id, CandidateLanguage.language, CandidateLanguage.level
            ).where(CandidateLanguage.candidate_id.in_(ids))
        )
    ).all():
        languages[candidate_id][language] = level

    result: list[matching.Candidate] = []
    for candidate_id, regions in rows:
        held: list[matching.Claim] = []
        findings_for = verified.get(candidate_id, {})
        for code in sorted(set(claimed.get(candidate_id, {})) | set(findings_for)):
            if code in findings_for:
                level = findings_for[code]
                if level is not None:  # None: not demonstrated
                    held.append(matching.Claim(competence=code, level=level, verified=True))
            else:
                held.append(matching.Claim(competence=code, level=claimed[candidate_id][code]))
        for text, level in sorted(free_text.get(candidate_id, {}).items()):
            held.append(matching.Claim(competence=text, level=level))
        result.append(
            matching.Candidate(
                id=str(candidate_id),
                competences=tuple(held),
                languages=dict(sorted(languages.get(candidate_id, {}).items())),
                regions=tuple(regions or ()),
            )
        )
    return tuple(result)
