"""The six-monthly reports: periods, drafts, freezing, corrections, exports and the API.

The reports tested here are of periods after today's: the period that follows the one holding
the real today (``FIRST``) and the one after (``SECOND``), with "today" moved into
``SECOND`` (``kit.clock.today`` patched), so that ``FIRST`` is over and can be frozen. The
demo data (dated up to the real today) is before ``FIRST``: it counts in the cumulative
figures only, and what a test adds in ``FIRST`` is all its period's figures hold. Whatever
the demo data holds of earlier reports, these two periods are free.

Runs on PostgreSQL as well as SQLite (tests/conftest.py, ``BOTH_DATABASES_MODULES``): the
conditional UPDATE that freezes, the trigger that refuses a frozen row, JSON and dates.
"""

from __future__ import annotations

import asyncio
import datetime
import io
import re
from typing import Any

import openpyxl
import pypdf
import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import func, insert, select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from accounts.models import User
from candidates.models import Candidate, Claim
from certificates.models import Certificate
from competences.models import Competence
from kit import clock
from kit.audit import AuditEvent
from kit.i18n import format_date
from kit.roles import Role, Viewer
from kit.settings import Settings
from kit.spreadsheets import BYTE_ORDER_MARK, read_csv
from placements.models import Placement
from reporting import participants, report_exports, reports
from reporting.indicators import INDICATORS, Period, reporting_period
from reporting.models import DisseminationEvent, Outcome, Report, Training
from tests.conftest import DEMO_USERS, csrf_token, sign_in

Sessions = async_sessionmaker[AsyncSession]
START = datetime.date(2026, 1, 1)  # ISOK_REPORTING_START's default, the tests' setting
_NOW = reporting_period(clock.today(), START)
FIRST = reports.next_period(_NOW, START)
SECOND = reports.next_period(FIRST, START)
IN_FIRST = FIRST.starts_on + datetime.timedelta(days=40)
TODAY = SECOND.starts_on + datetime.timedelta(days=10)
SUPPRESSED = re.compile(r"^(0|<5|x|[1-9][0-9]*)$")


def address(period: Period, tail: str = "") -> str:
    return f"/reports/{period.starts_on.isoformat()}{tail}"


@pytest.fixture(autouse=True)
def _today(monkeypatch: pytest.MonkeyPatch) -> None:
    """Today is ten days into ``SECOND``: ``FIRST`` is over."""
    monkeypatch.setattr(clock, "today", lambda: TODAY)


async def _post(client: AsyncTestClient, path: str, data: dict[str, str] | None = None) -> Any:
    token = await csrf_token(client)
    return await client.post(
        path, data={**(data or {}), "_csrf_token": token}, follow_redirects=False
    )


async def _user_id(sessions: Sessions, role: str) -> int:
    async with sessions() as session:
        found = await session.execute(select(User.id).where(User.email == DEMO_USERS[role]))
        return int(found.scalar_one())


async def _coordinator(sessions: Sessions) -> Viewer:
    return Viewer(
        user_id=await _user_id(sessions, "coordinator"),
        role=Role.COORDINATOR,
        name="Aino Koordinaattori",
        email=DEMO_USERS["coordinator"],
    )


async def _add_outcome(sessions: Sessions, candidate_id: int, starts_on: datetime.date) -> int:
    async with sessions() as session, session.begin():
        outcome = Outcome(
            candidate_id=candidate_id,
            kind="employment_long",
            employer_name="Savon Varastopalvelut Oy",
            starts_on=starts_on,
            source="employer",
        )
        session.add(outcome)
        await session.flush()
        return int(outcome.id)


async def _some_candidate(sessions: Sessions) -> int:
    async with sessions() as session:
        return int((await session.execute(select(func.min(Candidate.id)))).scalar_one())


async def _add_activities(sessions: Sessions) -> None:
    """A training that ended and an event held in ``FIRST``."""
    async with sessions() as session, session.begin():
        session.add(
            Training(
                title="Validation for guidance staff",
                organisation_name="Savonia",
                starts_on=IN_FIRST - datetime.timedelta(days=2),
                ends_on=IN_FIRST,
                counsellors=4,
                teachers=3,
                others=1,
            )
        )
        session.add(
            DisseminationEvent(
                held_on=IN_FIRST, title="Regional seminar", kind="seminar", attendees=45
            )
        )


async def _add_clients(sessions: Sessions, count: int, *, since: datetime.date) -> list[int]:
    """``count`` long-term clients since ``since``, each with a claim made now."""
    counsellor = await _user_id(sessions, "counsellor")
    async with sessions() as session, session.begin():
        competence = (await session.execute(select(func.min(Competence.id)))).scalar_one()
        ids = list(
            (
                await session.execute(
                    insert(Candidate).returning(Candidate.id),
                    [
                        {
                            "name": f"Report client {number}",
                            "client_type": "long_term",
                            "client_since": since,
                            "counsellor_id": counsellor,
                            "regions": ["North Savo"],
                            "stage": "portfolio",
                        }
                        for number in range(count)
                    ],
                )
            ).scalars()
        )
        await session.execute(
            insert(Claim),
            [{"candidate_id": cid, "competence_id": competence, "self_level": 3} for cid in ids],
        )
    return ids


async def _record_participants(sessions: Sessions, candidate_ids: list[int]) -> None:
    viewer = await _coordinator(sessions)
    async with sessions() as session, session.begin():
        for candidate_id in candidate_ids:
            candidate = await session.get(Candidate, candidate_id)
            assert candidate is not None
            await participants.record(
                session,
                viewer=viewer,
                candidate=candidate,
                data=participants.ParticipantInput(
                    values={"labour_market_status": "unemployed", "gender": "woman"},
                    legal_basis="ESF+ reporting obligation",
                    recorded_on=datetime.date(2026, 1, 15),
                ),
            )


async def _save_draft(client: AsyncTestClient, period: Period, **text: str) -> Any:
    values = {"achievements": "", "empowerment": "", "problems": "", "next_steps": ""}
    return await _post(client, address(period), values | text)


async def _freeze(client: AsyncTestClient, period: Period) -> Any:
    return await _post(client, address(period, "/freeze"))


async def _report(sessions: Sessions, period: Period) -> Report | None:
    async with sessions() as session:
        return await reports.report_for(session, period)


async def _freeze_events(sessions: Sessions, report_id: int) -> int:
    async with sessions() as session:
        found = await session.execute(
            select(func.count())
            .select_from(AuditEvent)
            .where(
                AuditEvent.entity == "reporting_report",
                AuditEvent.entity_id == str(report_id),
                AuditEvent.action == "freeze",
            )
        )
        return int(found.scalar_one())


def _main(page: str) -> str:
    """The page from its heading to the end of its content (no flash, no header)."""
    return page[page.index("<h1>") : page.index("</main>")]


def _pdf_text(body: bytes) -> str:
    assert body.startswith(b"%PDF-")
    reader = pypdf.PdfReader(io.BytesIO(body))
    return "\n".join(page.extract_text() for page in reader.pages)


def _xlsx(body: bytes) -> dict[str, list[tuple[Any, ...]]]:
    workbook = openpyxl.load_workbook(io.BytesIO(body), read_only=True)
    return {sheet.title: list(sheet.iter_rows(values_only=True)) for sheet in workbook}


def _figures_rows(sheet: list[tuple[Any, ...]]) -> dict[str, tuple[Any, ...]]:
    """The XLSX figures sheet's rows by indicator key."""
    keys = {indicator.key for indicator in INDICATORS}
    return {str(row[0]): row for row in sheet if row and row[0] in keys}


async def _exports(client: AsyncTestClient, period: Period) -> dict[str, Any]:
    """What every reader of the report gets: the page, the API, the three exports."""
    page = await client.get(address(period))
    assert page.status_code == 200, page.text
    listed = (await client.get("/api/reports")).json()
    (report_id,) = [r["id"] for r in listed if r["period"]["from"] == period.starts_on.isoformat()]
    api = await client.get(f"/api/reports/{report_id}")
    assert api.status_code == 200, api.text
    csv = await client.get(address(period, "/report.csv"))
    xlsx = await client.get(address(period, "/report.xlsx"))
    pdf = await client.get(address(period, "/report.pdf"))
    for response in (csv, xlsx, pdf):
        assert response.status_code == 200, response.text
    csv_rows = read_csv(csv.content)
    generated = csv_rows[0].index("Generated")
    return {
        "page": _main(page.text),
        "api": api.json(),
        # Everything but the moment the file was made.
        "csv": [row for index, row in enumerate(csv_rows) if index != 1]
        + [csv_rows[1][:generated] + csv_rows[1][generated + 1 :]],
        "xlsx": {
            name: [row for row in rows if not (row and row[0] == "Generated")]
            for name, rows in _xlsx(xlsx.content).items()
        },
        "pdf": re.sub(r"Generated \S+ \S+", "", _pdf_text(pdf.content)),
    }


# --- Periods ----------------------------------------------------------------------------


def test_the_periods_run_six_months_from_the_start_up_to_today() -> None:
    found = reports.periods(START, datetime.date(2027, 2, 3))
    assert [(p.starts_on, p.ends_on) for p in found] == [
        (datetime.date(2027, 1, 1), datetime.date(2027, 6, 30)),
        (datetime.date(2026, 7, 1), datetime.date(2026, 12, 31)),
        (datetime.date(2026, 1, 1), datetime.date(2026, 6, 30)),
    ]
    assert reports.periods(START, datetime.date(2025, 12, 31)) == []
    assert reports.previous_period(found[-1], START) is None
    assert reports.previous_period(found[0], START) == found[1]


def test_long_lists_of_record_ids_are_shortened_on_the_page() -> None:
    assert report_exports.shortened((3, 5)) == "3, 5"
    assert report_exports.shortened(tuple(range(1, 61))).endswith("49, 50 and 10 more")


def test_a_period_is_frozen_only_after_its_last_day() -> None:
    period = Period(datetime.date(2026, 1, 1), datetime.date(2026, 6, 30))
    assert not reports.has_ended(period, datetime.date(2026, 6, 30))
    assert reports.has_ended(period, datetime.date(2026, 7, 1))
    assert reports.freezable_from(period) == datetime.date(2026, 7, 1)


# --- The whole life of a report ----------------------------------------------------------


async def test_a_frozen_report_never_changes_and_the_next_one_shows_the_corrections(
    client: AsyncTestClient, sessions: Sessions
) -> None:
    # In FIRST: an outcome, a training, an event, three new clients with participant data.
    candidate = await _some_candidate(sessions)
    first_outcome = await _add_outcome(sessions, candidate, IN_FIRST)
    await _add_activities(sessions)
    newcomers = await _add_clients(sessions, 3, since=IN_FIRST)
    await _record_participants(sessions, newcomers)

    await sign_in(client, DEMO_USERS["coordinator"])
    draft = await client.get(address(FIRST))
    assert draft.status_code == 200
    assert "Draft" in draft.text
    assert "Save the draft" in draft.text
    saved = await _save_draft(
        client,
        FIRST,
        achievements="Forty candidates started.\n\nThree partners joined.",
        problems="=SUM(A1:A9) is not a formula here",
    )
    assert saved.status_code == 303, saved.text
    confirm = await client.get(address(FIRST, "/freeze"))
    assert confirm.status_code == 200
    assert "Freeze the report" in confirm.text
    assert "Empowerment" in confirm.text  # an empty part is pointed out
    frozen = await _freeze(client, FIRST)
    assert frozen.status_code == 303, frozen.text
    assert frozen.headers["location"] == address(FIRST)

    report = await _report(sessions, FIRST)
    assert report is not None
    assert report.is_frozen
    assert report.figures is not None
    snapshot = reports.Figures.from_json(report.figures)
    rows = {row.key: row for row in snapshot.rows}
    assert [row.key for row in snapshot.rows] == [i.key for i in INDICATORS]
    assert rows["outcomes"].period == 1
    assert rows["outcomes"].period_ids == (first_outcome,)
    assert first_outcome in (rows["outcomes"].cumulative_ids or ())
    assert rows["trainers_trained"].period == 8
    assert rows["dissemination_attendees"].period == 45
    assert rows["long_term_clients"].period == 3
    assert rows["long_term_clients"].period_ids == tuple(sorted(newcomers))
    # As of freezing: its name, definition, target; and the participants, suppressed.
    stored = report.figures["indicators"][0]
    assert stored["key"] == "candidates_started"
    assert stored["name"] == INDICATORS[0].name
    assert stored["definition"] == INDICATORS[0].definition
    assert stored["target"] == 300
    assert report.figures["participants"]["participants"] == "<5"
    assert report.figures["computed_at"]
    assert report.achievements.startswith("Forty candidates")

    before = await _exports(client, FIRST)
    assert "Frozen" in before["page"]
    assert before["api"]["live"] is False
    assert before["api"]["status"] == "frozen"
    outcome_row = next(i for i in before["api"]["indicators"] if i["key"] == "outcomes")
    assert outcome_row["value"] == 1
    assert outcome_row["ids"]["period"] == [first_outcome]
    # The figures are in every export.
    by_key = {row[0]: row for row in before["csv"] if row}
    assert by_key["outcomes"][2] == "1"
    assert by_key["dissemination_attendees"][2] == "45"
    assert any("'=SUM(A1:A9)" in cell for row in before["csv"] for cell in row)
    figures_sheet = _figures_rows(before["xlsx"]["Figures"])
    assert figures_sheet["outcomes"][2] == 1  # a number, not text
    assert figures_sheet["dissemination_attendees"][2] == 45
    assert figures_sheet["candidates_started"][6] == 300
    assert any("Forty candidates" in str(row) for row in before["xlsx"]["Qualitative part"])
    assert "Dissemination attendees" in before["pdf"]
    assert "45" in before["pdf"]
    assert "Forty candidates started." in before["pdf"]
    assert "DRAFT" not in before["pdf"]

    # Whatever happens later to the data of FIRST …
    late_outcome = await _add_outcome(sessions, candidate, IN_FIRST)
    async with sessions() as session:
        certificate = (
            await session.execute(
                select(Certificate).where(Certificate.revoked_at.is_(None)).limit(1)
            )
        ).scalar_one()
        busy = select(Placement.candidate_id).union(select(Certificate.candidate_id))
        counted = set(rows["candidates_started"].cumulative_ids or ())
        removable = (
            await session.execute(
                select(Candidate.id)
                .where(Candidate.id.in_(counted), Candidate.id.not_in(busy))
                .order_by(Candidate.id)
                .limit(1)
            )
        ).scalar_one()
    token = await csrf_token(client)
    revoked = await client.post(
        f"/api/certificates/{certificate.code}/revocation",
        json={"reason": "issued_in_error"},
        headers={"x-csrftoken": token},
    )
    assert revoked.status_code == 200, revoked.text
    async with sessions() as session, session.begin():
        await session.execute(text("DELETE FROM candidate WHERE id = :id"), {"id": removable})

    # … the frozen report, its API and its exports say exactly the same.
    after = await _exports(client, FIRST)
    for kind in ("page", "api", "csv", "xlsx", "pdf"):
        assert after[kind] == before[kind], kind

    # The next period's report shows the corrections, with the records added and removed.
    current = await client.get(address(SECOND))
    assert current.status_code == 200
    assert "Corrections to earlier periods" in current.text
    assert re.search(r"Outcomes: \+1</strong>", current.text)
    assert f"Records added: {late_outcome}." in current.text
    assert re.search(r"Certificates revoked: \+1</strong>", current.text)
    assert re.search(r"Candidates who started validation: -1</strong>", current.text)
    assert f"Records no longer counted: {removable}." in current.text
    assert (await _save_draft(client, SECOND, achievements="Next")).status_code == 303
    second = await _report(sessions, SECOND)
    assert second is not None
    live = (await client.get(f"/api/reports/{second.id}")).json()
    assert live["live"] is True
    assert live["status"] == "draft"
    assert live["corrected_report"]["report_id"] == report.id
    assert live["previous_source"] == "frozen"
    corrections = {i["key"]: i["correction"] for i in live["indicators"]}
    assert corrections["outcomes"]["difference"] == 1
    assert corrections["outcomes"]["added"] == [late_outcome]
    assert corrections["candidates_started"]["removed"] == [removable]
    assert corrections["certificates_revoked"]["difference"] == 1
    assert corrections["dissemination_attendees"]["difference"] == 0
    # The previous period's figures are FIRST's as frozen, not recomputed.
    previous = {i["key"]: i["previous_value"] for i in live["indicators"]}
    assert previous["outcomes"] == 1

    # Frozen once the current period is over too: the corrections are in its snapshot.
    with pytest.MonkeyPatch.context() as later:
        later.setattr(clock, "today", lambda: reports.freezable_from(SECOND))
        assert (await _freeze(client, SECOND)).status_code == 303
    second = await _report(sessions, SECOND)
    assert second is not None
    assert second.figures is not None
    kept = reports.Figures.from_json(second.figures)
    outcome = kept.row("outcomes")
    assert outcome is not None
    assert outcome.correction is not None
    assert outcome.correction.added == (late_outcome,)


# --- Freezing: the rules ----------------------------------------------------------------


async def test_the_current_period_cannot_be_frozen(
    client: AsyncTestClient, sessions: Sessions
) -> None:
    await sign_in(client, DEMO_USERS["coordinator"])
    assert (await _save_draft(client, SECOND, achievements="So far")).status_code == 303
    confirm = await client.get(address(SECOND, "/freeze"))
    assert confirm.status_code == 200
    assert "can be frozen from" in confirm.text
    assert 'action="/reports/' not in confirm.text.split("</h1>", 1)[1].split("Sign out")[0]
    refused = await _freeze(client, SECOND)
    assert refused.status_code == 409
    assert format_date(reports.freezable_from(SECOND)) in refused.text
    report = await _report(sessions, SECOND)
    assert report is not None
    assert not report.is_frozen


async def test_a_period_without_a_draft_is_not_frozen(
    client: AsyncTestClient, sessions: Sessions
) -> None:
    await sign_in(client, DEMO_USERS["coordinator"])
    refused = await _freeze(client, FIRST)
    assert refused.status_code == 409
    assert "Save a draft of the report first" in refused.text
    assert await _report(sessions, FIRST) is None


async def test_freezing_twice_keeps_the_first_snapshot(
    client: AsyncTestClient, sessions: Sessions
) -> None:
    await sign_in(client, DEMO_USERS["coordinator"])
    await _save_draft(client, FIRST, achievements="Done")
    assert (await _freeze(client, FIRST)).status_code == 303
    first = await _report(sessions, FIRST)
    assert first is not None
    assert first.is_frozen
    await _add_outcome(sessions, await _some_candidate(sessions), IN_FIRST)
    again = await _freeze(client, FIRST)
    assert again.status_code == 303
    page = await client.get(again.headers["location"])
    assert "This report is already frozen." in page.text
    kept = await _report(sessions, FIRST)
    assert kept is not None
    assert (kept.figures, kept.frozen_at) == (first.figures, first.frozen_at)
    assert await _freeze_events(sessions, first.id) == 1
    # Its confirmation page sends back to the report.
    confirm = await client.get(address(FIRST, "/freeze"), follow_redirects=False)
    assert confirm.status_code == 303


async def test_four_freezes_at_once_make_one_snapshot(
    client: AsyncTestClient, sessions: Sessions
) -> None:
    await sign_in(client, DEMO_USERS["coordinator"])
    await _save_draft(client, FIRST, achievements="Done")
    answers = await asyncio.gather(*(_freeze(client, FIRST) for _ in range(4)))
    assert [answer.status_code for answer in answers] == [303] * 4, [a.text for a in answers]
    report = await _report(sessions, FIRST)
    assert report is not None
    assert report.is_frozen
    assert await _freeze_events(sessions, report.id) == 1


async def test_freezes_that_all_passed_the_check_make_one_snapshot(
    sessions: Sessions, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Four freezes, each in its own transaction, all past the "is it a draft?" check before
    any of them writes: the conditional UPDATE lets exactly one change the row, the others
    are told it is frozen (on SQLite they wait for the writer, on PostgreSQL for the row)."""
    viewer = await _coordinator(sessions)
    async with sessions() as session, session.begin():
        await reports.save_draft(session, viewer=viewer, period=FIRST, values={})
    computed = reports.compute
    everyone_counted = asyncio.Barrier(4)

    async def compute_then_wait(*args: Any, **kwargs: Any) -> reports.Figures:
        figures = await computed(*args, **kwargs)
        await everyone_counted.wait()
        return figures

    monkeypatch.setattr(reports, "compute", compute_then_wait)

    async def freeze() -> str:
        try:
            async with sessions() as session, session.begin():
                await reports.freeze(
                    session,
                    viewer=viewer,
                    period=FIRST,
                    programme=Settings().programme,
                    today=TODAY,
                )
        except reports.AlreadyFrozen:
            return "already frozen"
        return "frozen"

    outcomes = await asyncio.gather(*(freeze() for _ in range(4)))
    assert sorted(outcomes) == ["already frozen"] * 3 + ["frozen"]
    report = await _report(sessions, FIRST)
    assert report is not None
    assert report.is_frozen
    assert await _freeze_events(sessions, report.id) == 1


async def test_a_frozen_report_refuses_changes(client: AsyncTestClient, sessions: Sessions) -> None:
    await sign_in(client, DEMO_USERS["coordinator"])
    await _save_draft(client, FIRST, achievements="As frozen")
    await _freeze(client, FIRST)
    refused = await _save_draft(client, FIRST, achievements="Rewritten")
    assert refused.status_code == 409
    assert "This report is frozen" in refused.text
    # Bad text on a frozen report: the same answer, not a form to correct.
    refused = await _save_draft(client, FIRST, achievements="x\x00")
    assert refused.status_code == 409
    report = await _report(sessions, FIRST)
    assert report is not None
    assert report.achievements == "As frozen"
    # The service refuses too, and the database beneath it.
    viewer = await _coordinator(sessions)
    async with sessions() as session:
        with pytest.raises(reports.AlreadyFrozen):
            await reports.save_draft(
                session, viewer=viewer, period=FIRST, values={"achievements": "Again"}
            )


async def test_a_save_that_meets_a_report_frozen_meanwhile_is_refused(
    sessions: Sessions, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The draft is read, then another request freezes it before the change is written: the
    database refuses the change (the trigger) and the service says the report is frozen.
    (On PostgreSQL the read locks the row, so the freeze would wait; the read here takes no
    lock, to let the freeze in between on both databases.)"""
    viewer = await _coordinator(sessions)
    async with sessions() as session, session.begin():
        await reports.save_draft(session, viewer=viewer, period=FIRST, values={})
    read = reports.report_for
    frozen: list[bool] = []

    async def read_then_freeze(
        session: AsyncSession, period: Period, *, for_update: bool = False
    ) -> Report | None:
        found = await read(session, period)
        if frozen:
            return found
        frozen.append(True)
        async with sessions() as other, other.begin():
            await reports.freeze(
                other, viewer=viewer, period=FIRST, programme=Settings().programme, today=TODAY
            )
        return found

    monkeypatch.setattr(reports, "report_for", read_then_freeze)
    async with sessions() as session:
        with pytest.raises(reports.AlreadyFrozen):
            await reports.save_draft(
                session, viewer=viewer, period=FIRST, values={"achievements": "Too late"}
            )
    monkeypatch.undo()
    report = await _report(sessions, FIRST)
    assert report is not None
    assert report.is_frozen
    assert report.achievements == ""


async def test_two_first_saves_at_once_make_one_draft(
    sessions: Sessions, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Both find no draft and insert one: the unique period lets one in, and the other
    changes that draft instead."""
    viewer = await _coordinator(sessions)
    read = reports.report_for
    both_read = asyncio.Barrier(2)
    waited: list[bool] = []

    async def read_then_wait(
        session: AsyncSession, period: Period, *, for_update: bool = False
    ) -> Report | None:
        found = await read(session, period, for_update=for_update)
        if len(waited) < 2:
            waited.append(True)
            await both_read.wait()
        return found

    monkeypatch.setattr(reports, "report_for", read_then_wait)

    async def save(words: str) -> None:
        async with sessions() as session, session.begin():
            await reports.save_draft(
                session, viewer=viewer, period=FIRST, values={"achievements": words}
            )

    await asyncio.gather(save("One"), save("Two"))
    monkeypatch.undo()
    async with sessions() as session:
        found = await session.execute(
            select(Report.achievements).where(Report.period_starts_on == FIRST.starts_on)
        )
        assert [row[0] for row in found] in (["One"], ["Two"])


# --- Drafts -----------------------------------------------------------------------------


async def test_the_draft_keeps_its_text_and_shows_live_figures(
    client: AsyncTestClient, sessions: Sessions
) -> None:
    await sign_in(client, DEMO_USERS["coordinator"])
    await _save_draft(client, FIRST, achievements="First words", next_steps="More partners")
    await _add_outcome(sessions, await _some_candidate(sessions), IN_FIRST)
    page = await client.get(address(FIRST))
    assert "First words" in page.text
    assert "More partners" in page.text
    assert re.search(r'<th scope="row">Outcomes</th>\s*<td>1</td>', page.text)
    assert "Freeze the report…" in page.text
    # Saving again changes the same draft.
    await _save_draft(client, FIRST, achievements="Second words")
    async with sessions() as session:
        count = await session.execute(select(func.count()).select_from(Report))
        assert count.scalar_one() == 1 + len(
            [r for r in await reports.all_reports(session) if r.period_starts_on < FIRST.starts_on]
        )
    report = await _report(sessions, FIRST)
    assert report is not None
    assert report.achievements == "Second words"
    # A draft's PDF says so.
    pdf = await client.get(address(FIRST, "/report.pdf"))
    assert pdf.headers["content-type"] == "application/pdf"
    assert "DRAFT" in _pdf_text(pdf.content)
    csv = await client.get(address(FIRST, "/report.csv"))
    assert csv.content.startswith(BYTE_ORDER_MARK.encode())
    assert "draft" in csv.headers["content-disposition"]


async def test_the_list_shows_every_period_with_its_status(
    client: AsyncTestClient, sessions: Sessions
) -> None:
    await sign_in(client, DEMO_USERS["coordinator"])
    await _save_draft(client, FIRST, achievements="Done")
    await _freeze(client, FIRST)
    await _save_draft(client, SECOND, achievements="Under way")
    page = (await client.get("/reports")).text
    for period in reports.periods(START, TODAY):
        assert address(period) in page
    assert "Read the report" in page
    assert "Continue the draft" in page
    await sign_in(client, DEMO_USERS["steering"])
    page = (await client.get("/reports")).text
    assert "in progress: shown here once frozen" in page
    assert address(FIRST) in page
    assert address(SECOND) not in page
    listed = (await client.get("/api/reports")).json()
    statuses = {item["period"]["from"]: item["status"] for item in listed}
    assert statuses[FIRST.starts_on.isoformat()] == "frozen"
    assert statuses[SECOND.starts_on.isoformat()] == "draft"


# --- Who may do what ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "read_frozen", "read_draft", "write"),
    [
        ("coordinator", 200, 200, True),
        ("steering", 200, 404, False),
        ("counsellor", 403, 403, False),
        ("teacher", 403, 403, False),
        ("employer", 403, 403, False),
        ("tutor", 403, 403, False),
        (None, 401, 401, False),
    ],
)
async def test_who_may_read_and_write_reports(
    client: AsyncTestClient,
    sessions: Sessions,
    role: str | None,
    read_frozen: int,
    read_draft: int,
    write: bool,
) -> None:
    viewer = await _coordinator(sessions)
    programme = Settings().programme
    async with sessions() as session, session.begin():
        await reports.save_draft(session, viewer=viewer, period=FIRST, values={})
        await reports.save_draft(session, viewer=viewer, period=SECOND, values={})
    async with sessions() as session, session.begin():
        frozen = await reports.freeze(
            session, viewer=viewer, period=FIRST, programme=programme, today=TODAY
        )
    draft = await _report(sessions, SECOND)
    assert draft is not None
    if role is not None:
        await sign_in(client, DEMO_USERS[role])

    def status(response: Any) -> int:
        if response.status_code == 303 and response.headers["location"].startswith("/login"):
            return 401
        return int(response.status_code)

    async def get(path: str) -> int:
        return status(await client.get(path, follow_redirects=False))

    listing = 200 if read_frozen == 200 else read_frozen
    assert await get("/reports") == listing
    assert await get("/api/reports") == listing
    for period, expected in ((FIRST, read_frozen), (SECOND, read_draft)):
        assert await get(address(period)) == expected, period
        for export in ("/report.csv", "/report.xlsx", "/report.pdf"):
            assert await get(address(period, export)) == expected, export
    assert await get(f"/api/reports/{frozen.id}") == read_frozen
    assert await get(f"/api/reports/{draft.id}") == read_draft
    writes = [
        await _save_draft(client, SECOND, achievements="Changed"),
        await _freeze(client, FIRST),
    ]
    confirm = await get(address(SECOND, "/freeze"))
    if write:
        assert [w.status_code for w in writes] == [303, 303]
        assert confirm == 200
    else:
        expected = 401 if role is None else 403
        assert [status(w) for w in writes] == [expected, expected]
        assert confirm == expected
        kept = await _report(sessions, SECOND)
        assert kept is not None
        assert kept.achievements == ""


async def test_the_steering_committee_sees_no_record_ids(
    client: AsyncTestClient, sessions: Sessions
) -> None:
    viewer = await _coordinator(sessions)
    async with sessions() as session, session.begin():
        await reports.save_draft(session, viewer=viewer, period=FIRST, values={})
    async with sessions() as session, session.begin():
        frozen = await reports.freeze(
            session, viewer=viewer, period=FIRST, programme=Settings().programme, today=TODAY
        )
    await sign_in(client, DEMO_USERS["steering"])
    found = (await client.get(f"/api/reports/{frozen.id}")).json()
    assert all(item["ids"] is None for item in found["indicators"])
    await sign_in(client, DEMO_USERS["coordinator"])
    found = (await client.get(f"/api/reports/{frozen.id}")).json()
    assert all(item["ids"] is not None for item in found["indicators"])


# --- Bad input ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Fine\x00", "Remove the control character (NUL) from this text."),
        ("x" * 100_000, "Use at most 20000 characters (this has 100000)."),
    ],
    ids=["NUL", "100,000 characters"],
)
async def test_text_that_breaks_a_rule_is_answered_beside_its_field(
    client: AsyncTestClient, sessions: Sessions, text: str, message: str
) -> None:
    await sign_in(client, DEMO_USERS["coordinator"])
    response = await _save_draft(client, FIRST, achievements="Kept", problems=text)
    assert response.status_code == 400
    assert f'<p class="field-error" id="problems-error">{message}</p>' in response.text
    assert "Kept" in response.text  # what was typed comes back
    assert await _report(sessions, FIRST) is None


async def test_a_form_without_the_csrf_token_is_refused(
    client: AsyncTestClient, sessions: Sessions
) -> None:
    await sign_in(client, DEMO_USERS["coordinator"])
    forged = await client.post(address(FIRST), data={"achievements": "Forged"})
    assert forged.status_code == 403
    forged = await client.post(address(FIRST, "/freeze"), data={})
    assert forged.status_code == 403
    assert await _report(sessions, FIRST) is None


@pytest.mark.parametrize(
    ("period", "message"),
    [
        ("2026-02-01", "No reporting period begins on 2026-02-01"),
        ("2025-07-01", "first reporting period begins on 2026-01-01"),
        ("not-a-date", "Give the period&#39;s first day as YYYY-MM-DD"),
        ("２０２６-01-01", "Give the period&#39;s first day as YYYY-MM-DD"),
        ("2026-02-30", "Give the period&#39;s first day as YYYY-MM-DD"),
        ("9999-01-01", "Give the period&#39;s first day as YYYY-MM-DD"),
        ("2100-07-01", "has not begun yet"),
    ],
)
async def test_a_path_that_names_no_period_is_answered_clearly(
    client: AsyncTestClient, period: str, message: str
) -> None:
    await sign_in(client, DEMO_USERS["coordinator"])
    for tail in ("", "/freeze", "/report.csv", "/report.pdf"):
        response = await client.get(f"/reports/{period}{tail}")
        assert response.status_code == 400, (tail, response.text)
        assert message in response.text
    response = await _post(client, f"/reports/{period}", {"achievements": "x"})
    assert response.status_code == 400


@pytest.mark.parametrize(
    "report_id", ["0", "999999", str(2**31), str(2**63), "٣", "１", "-1", "1.0"]
)
async def test_an_id_that_names_no_report_answers_404(
    client: AsyncTestClient, report_id: str
) -> None:
    await sign_in(client, DEMO_USERS["coordinator"])
    response = await client.get(f"/api/reports/{report_id}")
    assert response.status_code == 404, response.text
    assert "detail" in response.json()


# --- Participants -------------------------------------------------------------------------


async def test_participant_figures_are_suppressed_strings_only(
    client: AsyncTestClient, sessions: Sessions
) -> None:
    newcomers = await _add_clients(sessions, 7, since=IN_FIRST)
    await _record_participants(sessions, newcomers[:7])
    await sign_in(client, DEMO_USERS["coordinator"])
    await _save_draft(client, FIRST)
    await _freeze(client, FIRST)
    report = await _report(sessions, FIRST)
    assert report is not None
    assert report.figures is not None
    people = report.figures["participants"]
    assert people["participants"] == "7"
    assert (people["entered_from"], people["entered_to"]) == (
        FIRST.starts_on.isoformat(),
        FIRST.ends_on.isoformat(),
    )
    shown = [
        value
        for cells in people["indicators"].values()
        if cells is not None
        for value in cells.values()
    ]
    assert shown
    assert all(isinstance(value, str) and SUPPRESSED.match(value) for value in shown)
    assert not any(value in {"1", "2", "3", "4"} for value in shown)
    assert people["indicators"]["gender"]["woman"] == "7"
    # One group only: the period's entrants, in the page and the exports.
    page = (await client.get(address(FIRST))).text
    assert "whose participant data is recorded: 7." in page
    rows = read_csv((await client.get(address(FIRST, "/report.csv"))).content)
    participant_rows = [row for row in rows if row and row[0] == "Gender"]
    assert ["Gender", "Woman", "7"] in participant_rows
    assert all(SUPPRESSED.match(row[2]) for row in participant_rows)
