"""Portfolio rules: claims mapped to the framework, evidence, claimed vs verified.

Placeholder interface (issue 4): the portfolio engineer fills it in.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession


@dataclass(frozen=True)
class PortfolioOverview:
    """What the candidate page shows of the portfolio: each claim beside its verified level."""

    rows: list[Any] = field(default_factory=list)
    evidence_count: int = 0


async def portfolio_overview(session: AsyncSession, *, candidate_id: int) -> PortfolioOverview:
    """Claims with their mapping, self-assessed level and the newest verified level."""
    return PortfolioOverview()
