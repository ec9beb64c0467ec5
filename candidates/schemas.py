"""JSON shapes of the candidates API."""

from __future__ import annotations

import datetime
from typing import Annotated

import msgspec
from msgspec import UNSET, Meta, UnsetType

from kit.forms import Id, check_dates

# Bounded work per request: as many languages as the form offers rows; Finland has 19 regions.
MAX_LANGUAGES = 20
MAX_REGIONS = 20
Regions = Annotated[list[Annotated[str, Meta(max_length=100)]], Meta(max_length=MAX_REGIONS)]


class LanguageIn(msgspec.Struct, forbid_unknown_fields=True):
    """A language (code such as fi, sv, en) at a CEFR level (A1 … C2), ``self`` or ``tested``."""

    language: str
    level: str
    assessment: str = "self"


Languages = Annotated[list[LanguageIn], Meta(max_length=MAX_LANGUAGES)]


class CandidateIn(msgspec.Struct, forbid_unknown_fields=True):
    """A new candidate. ``regions`` are names of Finnish regions (such as ``North Savo``).

    ``counsellor_id``: the coordinator may name any counsellor; a counsellor's new candidate
    is their own. ``client_type``: ``long_term`` or ``short_term``. ``stage``: ``guidance``,
    ``portfolio``, ``interview``, ``placement``, ``assessment`` or ``certified``.
    """

    name: str
    client_since: datetime.date
    email: str = ""
    phone: str = ""
    municipality: str = ""
    regions: Regions = msgspec.field(default_factory=list)
    available_from: datetime.date | None = None
    availability_note: str = ""
    client_type: str = "short_term"
    counsellor_id: Id | None = None
    stage: str = "guidance"
    languages: Languages = msgspec.field(default_factory=list)

    def __post_init__(self) -> None:
        check_dates(client_since=self.client_since, available_from=self.available_from)


class CandidatePatch(msgspec.Struct, forbid_unknown_fields=True):
    """Changes to a candidate: only the fields given change. ``languages`` replaces the list."""

    name: str | UnsetType = UNSET
    client_since: datetime.date | UnsetType = UNSET
    email: str | UnsetType = UNSET
    phone: str | UnsetType = UNSET
    municipality: str | UnsetType = UNSET
    regions: Regions | UnsetType = UNSET
    available_from: datetime.date | UnsetType | None = UNSET
    availability_note: str | UnsetType = UNSET
    client_type: str | UnsetType = UNSET
    counsellor_id: Id | UnsetType | None = UNSET
    stage: str | UnsetType = UNSET
    languages: Languages | UnsetType = UNSET

    def __post_init__(self) -> None:
        check_dates(client_since=self.client_since, available_from=self.available_from)


class LanguageOut(msgspec.Struct):
    language: str
    level: str
    assessment: str


class ConsentOut(msgspec.Struct):
    """The consent in force for one purpose (and organisation)."""

    purpose: str
    organisation_id: int | None
    given: bool
    recorded_at: datetime.datetime


class CandidateOut(msgspec.Struct):
    id: int
    name: str
    email: str
    phone: str
    municipality: str
    regions: list[str]
    available_from: datetime.date | None
    availability_note: str
    client_type: str
    client_since: datetime.date
    counsellor_id: int | None
    stage: str
    languages: list[LanguageOut]
    created_at: datetime.datetime
    updated_at: datetime.datetime
    consents: list[ConsentOut] | None = None
