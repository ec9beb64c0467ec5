"""The oversight record of decisions on suggestions, and the coordinator's assignment proposal.

Both pages only read. The oversight record (and its CSV export) is open to counsellors and
the coordinator; the assignment proposal to the coordinator. The policy table says so; the
rules and queries live in :mod:`placements.review.oversight` and
:mod:`placements.review.assignment`.
"""

from __future__ import annotations

import datetime

from litestar import Controller, Response, get
from litestar.di import NamedDependency
from litestar.params import FromQuery
from litestar.response import Template
from sqlalchemy.ext.asyncio import AsyncSession

from kit.forms import parse_integer
from kit.invalid import Invalid
from kit.roles import Viewer
from placements.review.assignment import assignment_proposal
from placements.review.decisions import decision_label, reason_label
from placements.review.oversight import (
    KINDS,
    PAGE_SIZE,
    TOP_RANKS,
    OversightFilters,
    csv_lines,
    decision_rows,
    oversight_record,
    parse_filters,
)


def _filters(
    kind: str, decided_by: str, date_from: str, date_to: str
) -> tuple[OversightFilters, dict[str, str]]:
    """The filters asked for, or none with the messages when one cannot be used."""
    try:
        return parse_filters(
            kind=kind, decided_by=decided_by, date_from=date_from, date_to=date_to
        ), {}
    except Invalid as invalid:
        return OversightFilters(), invalid.errors


class OversightPages(Controller):
    path = "/oversight"
    include_in_schema = False  # HTML pages, not the JSON API

    @get("/")
    async def record(
        self,
        db_session: NamedDependency[AsyncSession],
        kind: FromQuery[str] = "",
        decided_by: FromQuery[str] = "",
        date_from: FromQuery[str] = "",
        date_to: FromQuery[str] = "",
        page: FromQuery[str] = "1",
    ) -> Template:
        filters, errors = _filters(kind, decided_by, date_from, date_to)
        number = parse_integer(page) or 1
        record = await oversight_record(db_session, filters, page=number)
        return Template(
            template_name="placements/review/oversight.html",
            context={
                "record": record,
                "errors": errors,
                "values": {
                    "kind": kind,
                    "decided_by": decided_by,
                    "date_from": date_from,
                    "date_to": date_to,
                },
                "kind_options": [(value, decision_label(value)) for value in KINDS],
                "decider_options": [(str(d.id), d.name) for d in record.deciders],
                "query": filters.query(),
                "top_ranks": TOP_RANKS,
                "page_size": PAGE_SIZE,
                "kind_label": decision_label,
                "reason_label": reason_label,
            },
        )

    @get("/export")
    async def export(
        self,
        db_session: NamedDependency[AsyncSession],
        kind: FromQuery[str] = "",
        decided_by: FromQuery[str] = "",
        date_from: FromQuery[str] = "",
        date_to: FromQuery[str] = "",
    ) -> Response[bytes]:
        try:
            filters = parse_filters(
                kind=kind, decided_by=decided_by, date_from=date_from, date_to=date_to
            )
        except Invalid as invalid:
            return Response(
                content=" ".join(invalid.errors.values()).encode(),
                status_code=400,
                media_type="text/plain",
            )
        rows = await decision_rows(db_session, filters)
        today = datetime.datetime.now(datetime.UTC).date().isoformat()
        return Response(
            content="".join(csv_lines(rows)).encode("utf-8"),
            media_type="text/csv",
            headers={"Content-Disposition": f'attachment; filename="isok-decisions-{today}.csv"'},
        )


class AssignmentPages(Controller):
    path = "/assignments"
    include_in_schema = False  # HTML pages, not the JSON API

    @get("/")
    async def proposal(
        self,
        db_session: NamedDependency[AsyncSession],
        viewer: NamedDependency[Viewer],
    ) -> Template:
        proposal = await assignment_proposal(db_session, viewer=viewer)
        return Template(
            template_name="placements/review/assignments.html",
            context={
                "proposal": proposal,
                "kind_label": decision_label,
                "reason_label": reason_label,
            },
        )
