"""Sections a later domain adds to an earlier domain's page, wired by the composition root.

A domain lower in the floor plan may not import one above it, yet its page may need to show
what that domain knows: the candidate's page lists the candidate's placements. The page names
a slot (``"candidate"``); the composition root adds a provider for it; the page asks
:func:`collect` for the filled sections and includes each one's template with its context.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from kit.roles import Viewer


@dataclass(frozen=True)
class Section:
    """A part of a page: the template to include and what it shows."""

    template: str
    context: dict[str, Any] = field(default_factory=dict)


Provider = Callable[..., Awaitable[Section | None]]
_PROVIDERS: dict[str, list[Provider]] = {}


def add(slot: str, provider: Provider) -> None:
    """Fill ``slot`` with what ``provider`` returns (once, however often the app is built)."""
    providers = _PROVIDERS.setdefault(slot, [])
    if provider not in providers:
        providers.append(provider)


async def collect(slot: str, session: AsyncSession, viewer: Viewer, **keys: Any) -> list[Section]:
    """The filled sections of ``slot`` for this viewer, in the order they were added."""
    sections = []
    for provider in _PROVIDERS.get(slot, ()):
        section = await provider(session, viewer, **keys)
        if section is not None:
            sections.append(section)
    return sections
