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


def day_of(moment: datetime.datetime) -> datetime.date:
    """The day in Finland on which ``moment`` falls (a moment without its zone is UTC: how
    the database stores it, and how a driver may hand it back)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.UTC)
    return moment.astimezone(PROGRAMME_TIMEZONE).date()
