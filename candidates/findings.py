"""The one rule for which level counts: a teacher's finding outranks the claim.

Per candidate and competence:

- the finding of the newest completed interview is in force (newest by completion time, an
  interview without one last, then by scheduled time, then the latest recorded finding);
- a level found there counts as verified, whatever was claimed;
- "not demonstrated" there removes the competence: neither verified nor self-declared;
- otherwise the highest self-assessed level of the mapped claims counts, as self-declared.

Every reader (the portfolio, the matching input, the placement pages) takes the findings
through :func:`findings_in_force` and the levels through :class:`Held`, so SQLite and
PostgreSQL, and one page and another, agree on which finding counts.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from candidates.models import Claim, Interview, InterviewStatus, VerifiedCompetence


def findings_in_force(*columns: Any, candidate_ids: Collection[int] | Select[Any]) -> Select[Any]:
    """``columns`` of the findings of completed interviews, the one in force first.

    ``candidate_ids`` is a list or a query of ids. Keep the first row per (candidate,
    competence): later rows are older findings.
    """
    ids = candidate_ids if isinstance(candidate_ids, Select) else sorted(candidate_ids)
    return (
        select(*columns)
        .select_from(VerifiedCompetence)
        .join(Interview, Interview.id == VerifiedCompetence.interview_id)
        .where(
            Interview.candidate_id.in_(ids),
            Interview.status == InterviewStatus.COMPLETED.value,
        )
        .order_by(
            Interview.completed_at.desc().nulls_last(),
            Interview.scheduled_at.desc(),
            VerifiedCompetence.id.desc(),
        )
    )


@dataclass(frozen=True)
class Held:
    """A competence as the portfolio and the newest completed interview show it."""

    claimed: int | None = None
    verified: int | None = None
    not_demonstrated: bool = False

    @property
    def level(self) -> int | None:
        """The level that counts: a teacher's finding outranks the claim."""
        if self.not_demonstrated:
            return None
        return self.verified if self.verified is not None else self.claimed

    @property
    def is_verified(self) -> bool:
        return self.verified is not None and not self.not_demonstrated


async def held_competences(
    session: AsyncSession, candidate_ids: Collection[int]
) -> dict[int, dict[int, Held]]:
    """Per candidate, per competence id: claimed and verified levels (two queries)."""
    if not candidate_ids:
        return {}
    ids = sorted(candidate_ids)
    claimed: dict[int, dict[int, int]] = defaultdict(dict)
    for candidate_id, competence_id, level in (
        await session.execute(
            select(Claim.candidate_id, Claim.competence_id, Claim.self_level).where(
                Claim.candidate_id.in_(ids),
                Claim.competence_id.is_not(None),
                Claim.draft.is_(False),
            )
        )
    ).all():
        claimed[candidate_id][competence_id] = max(
            level, claimed[candidate_id].get(competence_id, 0)
        )
    found: dict[int, dict[int, tuple[int | None, bool]]] = defaultdict(dict)
    for candidate_id, competence_id, level, not_demonstrated in (
        await session.execute(
            findings_in_force(
                Interview.candidate_id,
                VerifiedCompetence.competence_id,
                VerifiedCompetence.verified_level,
                VerifiedCompetence.not_demonstrated,
                candidate_ids=ids,
            )
        )
    ).all():
        found[candidate_id].setdefault(competence_id, (level, bool(not_demonstrated)))
    result: dict[int, dict[int, Held]] = {}
    for candidate_id in ids:
        claims = claimed.get(candidate_id, {})
        findings = found.get(candidate_id, {})
        result[candidate_id] = {
            competence_id: Held(
                claimed=claims.get(competence_id),
                verified=findings[competence_id][0] if competence_id in findings else None,
                not_demonstrated=findings[competence_id][1] if competence_id in findings else False,
            )
            for competence_id in set(claims) | set(findings)
        }
    return result
