"""Programme time: the programme runs in Finland, so "today" and local times are Helsinki's."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

PROGRAMME_TIMEZONE = ZoneInfo("Europe/Helsinki")


def today() -> datetime.date:
    """Today in the programme's time zone."""
    return datetime.datetime.now(PROGRAMME_TIMEZONE).date()


def now() -> datetime.datetime:
    """The current moment, timezone-aware (UTC)."""
    return datetime.datetime.now(datetime.UTC)
