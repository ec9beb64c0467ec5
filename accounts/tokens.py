"""Secret tokens and the clock, as every account credential uses them.

Session cookies, invitation links and password links are random tokens given out once; the
database keeps only their SHA-256, so a copy of the database opens nothing. Times are aware
UTC; SQLite hands back naive datetimes, which :func:`as_utc` reads as UTC.
"""

from __future__ import annotations

import datetime
import hashlib


def utc_now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


def as_utc(moment: datetime.datetime) -> datetime.datetime:
    """``moment`` as an aware UTC time (SQLite returns stored times without their zone)."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=datetime.UTC)


def token_hash(token: str) -> str:
    """What is stored of a secret token: its SHA-256, in hex."""
    return hashlib.sha256(token.encode()).hexdigest()
