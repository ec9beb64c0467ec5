"""Teacher interviews: scheduling, the interview guide, verified levels.

Placeholder interface (issue 4): the interviews engineer fills it in.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession


async def list_interviews(session: AsyncSession, *, candidate_id: int) -> list[Any]:
    """The candidate's interviews, newest first, with their teacher's name."""
    return []
