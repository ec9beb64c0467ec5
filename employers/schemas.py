"""JSON shapes of the organisations API."""

from __future__ import annotations

import datetime
from typing import Literal

import msgspec

from kit.forms import check_dates


class OrganisationOut(msgspec.Struct):
    """An organisation with its partnership status and the last decision on it."""

    id: int
    name: str
    business_id: str | None
    kind: str
    sector: str
    municipality: str
    region: str
    size: str
    status: str
    decided_at: datetime.datetime | None
    decided_by: str
    decision_reason: str
    agreement_start: datetime.date | None
    agreement_end: datetime.date | None
    readiness_level: int | None


class OrganisationPatch(msgspec.Struct, forbid_unknown_fields=True):
    """Details to change; a field left out (or null) stays as it is. Status is not here:
    partnership decisions go through ``POST /api/organisations/{id}/decision``."""

    name: str | None = None
    business_id: str | None = None
    kind: str | None = None
    sector: str | None = None
    municipality: str | None = None
    region: str | None = None
    size: str | None = None


class DecisionIn(msgspec.Struct, forbid_unknown_fields=True):
    """A coordinator's decision on an organisation's partnership.

    ``approve`` and ``reactivate`` need ``agreement_start`` (``agreement_end`` is optional and
    not before the start; ``reason`` is an optional note); ``reject`` and ``deactivate`` need
    a ``reason``.
    """

    decision: Literal["approve", "reject", "deactivate", "reactivate"]
    reason: str = ""
    agreement_start: datetime.date | None = None
    agreement_end: datetime.date | None = None

    def __post_init__(self) -> None:
        check_dates(agreement_start=self.agreement_start, agreement_end=self.agreement_end)
