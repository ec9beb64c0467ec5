"""Organisation pages, partnership decisions, the partner view and the organisations API."""

from __future__ import annotations

import datetime
from html.parser import HTMLParser
from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import select

from employers import services
from employers.models import Organisation
from kit.audit import AuditEvent
from kit.settings import Settings
from portal.database import create_engine, create_session_factory
from tests.conftest import DEMO_USERS, csrf_token, sign_in

APPLIED = "Rakennuspalvelu Nieminen Oy"  # demo: applied, an SME
APPLIED_TWIN = "Kuljetus Kallavesi Ky"  # demo: applied, very like the partner below
TWIN_PARTNER = "Kuljetus Kallavesi Oy"
INACTIVE = "Kahvila Kuppi Oy"
REJECTED = "Pikasiivous Virtanen Tmi"


async def scalar(settings: Settings, statement: Any) -> Any:
    engine = create_engine(settings.database)
    try:
        async with create_session_factory(engine)() as session:
            return (await session.execute(statement)).scalar_one_or_none()
    finally:
        await engine.dispose()


async def organisation(settings: Settings, name: str) -> Organisation:
    found = await scalar(settings, select(Organisation).where(Organisation.name == name))
    assert found is not None, name
    return found  # type: ignore[no-any-return]


async def post_form(client: AsyncTestClient, path: str, **data: str) -> Any:
    token = await csrf_token(client)
    return await client.post(path, data={**data, "_csrf_token": token}, follow_redirects=False)


async def api(client: AsyncTestClient, method: str, path: str, body: Any = None) -> Any:
    token = await csrf_token(client)
    return await client.request(method, path, json=body, headers={"x-csrftoken": token})


# --- decisions --------------------------------------------------------------------------------


async def test_coordinator_approves_an_application_and_the_decision_is_recorded(
    client: AsyncTestClient, settings: Settings
) -> None:
    applied = await organisation(settings, APPLIED)
    await sign_in(client, DEMO_USERS["coordinator"])
    page = await client.get(f"/organisations/{applied.id}")
    assert f'action="/organisations/{applied.id}/approve"' in page.text
    response = await post_form(
        client,
        f"/organisations/{applied.id}/approve",
        agreement_start="2027-01-01",
        agreement_end="2028-12-31",
        note="Signed at the partner meeting.",
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"/organisations/{applied.id}"
    assert "is now a partner" in (await client.get(response.headers["location"])).text

    approved = await organisation(settings, APPLIED)
    assert approved.status == "partner"
    assert approved.agreement_start == datetime.date(2027, 1, 1)
    assert approved.agreement_end == datetime.date(2028, 12, 31)
    assert approved.decided_by == "Aino Koordinaattori <coordinator@demo.test>"
    assert approved.decided_at is not None
    assert approved.decision_reason == "Signed at the partner meeting."
    event = await scalar(
        settings,
        select(AuditEvent)
        .where(AuditEvent.entity == "organisation")
        .where(AuditEvent.entity_id == str(applied.id))
        .where(AuditEvent.action == "update"),
    )
    assert event is not None
    assert event.changes["status"] == ["applied", "partner"]
    assert event.actor_label == "coordinator@demo.test"


@pytest.mark.both_databases
async def test_an_end_date_before_the_start_changes_nothing(
    client: AsyncTestClient, settings: Settings
) -> None:
    applied = await organisation(settings, APPLIED)
    await sign_in(client, DEMO_USERS["coordinator"])
    response = await post_form(
        client,
        f"/organisations/{applied.id}/approve",
        agreement_start="2027-06-01",
        agreement_end="2027-01-01",
    )
    assert response.status_code == 400
    assert 'id="agreement_end-error"' in response.text
    assert "The end date cannot be before the start date." in response.text
    assert 'value="2027-01-01"' in response.text  # input kept
    response = await post_form(client, f"/organisations/{applied.id}/approve", agreement_start="")
    assert response.status_code == 400
    assert 'id="agreement_start-error"' in response.text
    response = await post_form(
        client, f"/organisations/{applied.id}/approve", agreement_start="1.6.2027"
    )
    assert response.status_code == 400
    assert "YYYY-MM-DD" in response.text
    unchanged = await organisation(settings, APPLIED)
    assert unchanged.status == "applied"
    assert unchanged.decided_at is None
    assert unchanged.agreement_start is None


async def test_rejection_needs_a_reason_and_is_recorded(
    client: AsyncTestClient, settings: Settings
) -> None:
    applied = await organisation(settings, APPLIED)
    await sign_in(client, DEMO_USERS["coordinator"])
    response = await post_form(client, f"/organisations/{applied.id}/reject", reason="  ")
    assert response.status_code == 400
    assert 'id="reason-error"' in response.text
    assert (await organisation(settings, APPLIED)).status == "applied"

    response = await post_form(
        client, f"/organisations/{applied.id}/reject", reason="No tutor can be named."
    )
    assert response.status_code == 303
    rejected = await organisation(settings, APPLIED)
    assert rejected.status == "rejected"
    assert rejected.decision_reason == "No tutor can be named."
    assert "coordinator@demo.test" in rejected.decided_by


@pytest.mark.parametrize(
    ("name", "decision", "data"),
    [
        (TWIN_PARTNER, "approve", {"agreement_start": "2027-01-01"}),
        (TWIN_PARTNER, "reject", {"reason": "Too late."}),
        (APPLIED, "deactivate", {"reason": "Never started."}),
        (REJECTED, "approve", {"agreement_start": "2027-01-01"}),
        (TWIN_PARTNER, "reactivate", {"agreement_start": "2027-01-01"}),
    ],
)
async def test_a_decision_that_does_not_fit_the_status_is_refused(
    client: AsyncTestClient, settings: Settings, name: str, decision: str, data: dict[str, str]
) -> None:
    before = await organisation(settings, name)
    await sign_in(client, DEMO_USERS["coordinator"])
    response = await post_form(client, f"/organisations/{before.id}/{decision}", **data)
    assert response.status_code == 400
    assert "Only " in response.text
    assert 'role="alert"' in response.text
    after = await organisation(settings, name)
    assert (after.status, after.decided_at, after.decision_reason) == (
        before.status,
        before.decided_at,
        before.decision_reason,
    )


async def test_a_partner_is_deactivated_and_reactivated(
    client: AsyncTestClient, settings: Settings
) -> None:
    partner = await organisation(settings, TWIN_PARTNER)
    await sign_in(client, DEMO_USERS["coordinator"])
    response = await post_form(client, f"/organisations/{partner.id}/deactivate", reason="")
    assert response.status_code == 400
    response = await post_form(
        client, f"/organisations/{partner.id}/deactivate", reason="The company stopped trading."
    )
    assert response.status_code == 303
    assert (await organisation(settings, TWIN_PARTNER)).status == "inactive"

    inactive = await organisation(settings, INACTIVE)
    response = await post_form(
        client, f"/organisations/{inactive.id}/reactivate", agreement_start="2027-02-01"
    )
    assert response.status_code == 303
    again = await organisation(settings, INACTIVE)
    assert again.status == "partner"
    assert again.agreement_start == datetime.date(2027, 2, 1)
    assert again.agreement_end is None


async def test_the_coordinator_and_the_employer_are_told_what_partnership_means(
    client: AsyncTestClient, settings: Settings
) -> None:
    await sign_in(client, DEMO_USERS["coordinator"])
    page = await client.get("/organisations/1")
    assert "From that moment its positions take no candidates" in page.text
    response = await post_form(client, "/organisations/1/deactivate", reason="Agreement ended.")
    assert response.status_code == 303
    followed = await client.get(response.headers["location"])
    assert "its positions take no candidates" in followed.text

    await sign_in(client, DEMO_USERS["employer"])
    own = await client.get("/organisations/1")
    assert "not an approved partner of the programme now" in own.text


async def test_counsellor_cannot_decide_and_a_forged_form_changes_nothing(
    client: AsyncTestClient, settings: Settings
) -> None:
    applied = await organisation(settings, APPLIED)
    await sign_in(client, DEMO_USERS["counsellor"])
    page = await client.get(f"/organisations/{applied.id}")
    assert page.status_code == 200
    assert "/approve" not in page.text
    response = await post_form(
        client, f"/organisations/{applied.id}/approve", agreement_start="2027-01-01"
    )
    assert response.status_code == 403
    await client.post("/logout", headers={"x-csrftoken": await csrf_token(client)})

    await sign_in(client, DEMO_USERS["coordinator"])
    forged = await client.post(
        f"/organisations/{applied.id}/approve",
        data={"agreement_start": "2027-01-01"},
        follow_redirects=False,
    )
    assert forged.status_code == 403
    assert (await organisation(settings, APPLIED)).status == "applied"


# --- the coordinator's partner view -----------------------------------------------------------


@pytest.mark.both_databases
async def test_partner_counts_follow_the_targets_and_decisions(
    client: AsyncTestClient, settings: Settings
) -> None:
    engine = create_engine(settings.database)
    try:
        async with create_session_factory(engine)() as session:
            counts = await services.partner_counts(
                session, target_major_companies=10, target_other_organisations=4
            )
    finally:
        await engine.dispose()
    assert counts.major_companies == 5
    assert counts.other_organisations == 7
    assert not counts.major_companies_met
    assert counts.other_organisations_met

    await sign_in(client, DEMO_USERS["coordinator"])
    page = (await client.get("/partners")).text
    assert "<td>5</td><td>10</td>" in page
    assert "<td>7</td><td>4</td>" in page
    assert APPLIED in page.split('id="applications"', 1)[1].split('id="partner-list"', 1)[0]
    twin = await organisation(settings, APPLIED_TWIN)
    row = page.split(f'href="/organisations/{twin.id}"', 1)[1].split("</tr>", 1)[0]
    assert TWIN_PARTNER in row

    applied = await organisation(settings, APPLIED)
    await post_form(client, f"/organisations/{applied.id}/approve", agreement_start="2027-01-01")
    page = (await client.get("/partners")).text
    assert "<td>8</td><td>4</td>" in page
    assert APPLIED not in page.split('id="applications"', 1)[1].split('id="partner-list"', 1)[0]


async def test_targets_come_from_the_settings(settings: Settings) -> None:
    from dataclasses import replace

    from kit.settings import ProgrammeSettings
    from portal.app import create_app

    changed = replace(
        settings,
        programme=ProgrammeSettings(target_major_companies=20, target_other_organisations=9),
    )
    async with AsyncTestClient(app=create_app(changed), base_url="http://testserver.local") as c:
        await sign_in(c, DEMO_USERS["coordinator"])
        page = (await c.get("/partners")).text
    assert "<td>5</td><td>20</td>" in page
    assert "<td>7</td><td>9</td>" in page


@pytest.mark.both_databases
async def test_the_organisation_list_filters(client: AsyncTestClient) -> None:
    await sign_in(client, DEMO_USERS["counsellor"])
    everything = (await client.get("/organisations")).text
    assert APPLIED in everything
    assert REJECTED in everything
    applied = (await client.get("/organisations?status=applied")).text
    assert APPLIED in applied
    assert TWIN_PARTNER not in applied
    public = (await client.get("/organisations?kind=public_sector&region=North+Savo")).text
    assert "Kuopion kaupunki" in public
    assert APPLIED not in public
    found = (await client.get("/organisations?q=kallavesi")).text
    assert TWIN_PARTNER in found
    assert APPLIED_TWIN in found
    assert APPLIED not in found
    odd = await client.get("/organisations?status=nonsense&q=%25_")
    assert odd.status_code == 200


# --- employers see only their own organisation ------------------------------------------------


@pytest.mark.parametrize(("email", "own", "other"), [("employer", 1, 2), ("employer2", 2, 1)])
async def test_an_employer_sees_and_edits_only_its_own_organisation(
    client: AsyncTestClient, email: str, own: int, other: int
) -> None:
    await sign_in(client, f"{email}@demo.test")
    response = await client.get("/organisation", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == f"/organisations/{own}"
    assert (await client.get(f"/organisations/{own}")).status_code == 200
    assert (await client.get(f"/organisations/{own}/edit")).status_code == 200
    for path in (f"/organisations/{other}", f"/organisations/{other}/edit"):
        assert (await client.get(path)).status_code == 404, path
    edit = await post_form(client, f"/organisations/{other}/edit", name="Taken Over Oy")
    assert edit.status_code == 404

    listed = (await client.get("/api/organisations")).json()
    assert [item["id"] for item in listed] == [own]
    assert (await client.get(f"/api/organisations/{own}")).status_code == 200
    assert (await client.get(f"/api/organisations/{other}")).status_code == 404
    patched = await api(client, "PATCH", f"/api/organisations/{other}", {"name": "Taken Over Oy"})
    assert patched.status_code == 404
    decided = await api(
        client, "POST", f"/api/organisations/{own}/decision", {"decision": "deactivate"}
    )
    assert decided.status_code == 403


async def test_a_tutor_sees_its_organisation_but_cannot_edit_it(client: AsyncTestClient) -> None:
    await sign_in(client, DEMO_USERS["tutor"])
    assert (await client.get("/organisations/1")).status_code == 200
    assert (await client.get("/organisations/2")).status_code == 404
    assert (await client.get("/organisations/1/edit")).status_code == 403


async def test_an_employer_edits_its_details_and_bad_input_saves_nothing(
    client: AsyncTestClient, settings: Settings
) -> None:
    await sign_in(client, DEMO_USERS["employer"])
    form = (await client.get("/organisations/1/edit")).text
    assert 'value="Savon Varastopalvelut Oy"' in form
    values = {
        "name": "Savon Varastopalvelut Oy",
        "business_id": "2734511-3",
        "kind": "major_company",
        "sector": "Logistics and warehousing",
        "municipality": "Kuopio",
        "region": "North Savo",
        "size": "250+",
    }
    bad = await post_form(client, "/organisations/1/edit", **{**values, "business_id": "2846120-4"})
    assert bad.status_code == 400
    assert 'id="business_id-error"' in bad.text
    assert "already registered" in bad.text
    bad = await post_form(client, "/organisations/1/edit", **{**values, "size": "huge"})
    assert bad.status_code == 400
    assert 'id="size-error"' in bad.text
    assert (await scalar(settings, select(Organisation.sector).where(Organisation.id == 1))) == (
        "Logistics"
    )
    good = await post_form(client, "/organisations/1/edit", **values)
    assert good.status_code == 303
    saved = await scalar(settings, select(Organisation).where(Organisation.id == 1))
    assert saved.sector == "Logistics and warehousing"
    assert saved.status == "partner"  # editing never changes the partnership


# --- the JSON API -----------------------------------------------------------------------------


@pytest.mark.both_databases
async def test_staff_list_organisations_with_filters(client: AsyncTestClient) -> None:
    await sign_in(client, DEMO_USERS["counsellor"])
    everything = (await client.get("/api/organisations")).json()
    assert len(everything) >= 16
    applied = (await client.get("/api/organisations?status=applied")).json()
    assert {item["name"] for item in applied} == {APPLIED, APPLIED_TWIN}
    first = (await client.get("/api/organisations/1")).json()
    assert first["business_id"] == "2734511-3"
    assert first["status"] == "partner"
    assert first["agreement_start"] == "2025-01-01"
    bad = await client.get("/api/organisations?status=nonsense")
    assert bad.status_code == 400
    assert "nonsense" in bad.json()["detail"]
    assert (await client.get("/api/organisations/999999")).status_code == 404


@pytest.mark.both_databases
async def test_api_patch_and_decisions(client: AsyncTestClient, settings: Settings) -> None:
    await sign_in(client, DEMO_USERS["employer"])
    ok = await api(client, "PATCH", "/api/organisations/1", {"sector": "Warehousing"})
    assert ok.status_code == 200
    assert ok.json()["sector"] == "Warehousing"
    assert ok.json()["name"] == "Savon Varastopalvelut Oy"
    bad = await api(client, "PATCH", "/api/organisations/1", {"business_id": "1234567-2"})
    assert bad.status_code == 400
    assert "business_id" in bad.json()["detail"]["errors"]
    status = await api(client, "PATCH", "/api/organisations/1", {"status": "partner"})
    assert status.status_code == 400  # status changes only through a decision
    await client.post("/logout", headers={"x-csrftoken": await csrf_token(client)})

    applied = await organisation(settings, APPLIED)
    await sign_in(client, DEMO_USERS["coordinator"])
    path = f"/api/organisations/{applied.id}/decision"
    for body in (
        {"decision": "approve"},  # no agreement start
        {"decision": "approve", "agreement_start": "2027-05-01", "agreement_end": "2027-04-01"},
        {"decision": "approve", "agreement_start": "not a date"},
        {"decision": "reject"},  # no reason
        {"decision": "merge"},
        {},
    ):
        response = await api(client, "POST", path, body)
        assert response.status_code == 400, (body, response.text)
        assert "detail" in response.json()
    assert (await organisation(settings, APPLIED)).status == "applied"
    wrong = await api(client, "POST", path, {"decision": "deactivate", "reason": "x"})
    assert wrong.status_code == 409
    approved = await api(
        client, "POST", path, {"decision": "approve", "agreement_start": "2027-05-01"}
    )
    assert approved.status_code == 200
    assert approved.json()["status"] == "partner"
    assert approved.json()["decided_by"] == "Aino Koordinaattori <coordinator@demo.test>"

    await client.post("/logout", headers={"x-csrftoken": await csrf_token(client)})
    await sign_in(client, DEMO_USERS["counsellor"])
    refused = await api(client, "POST", path, {"decision": "deactivate", "reason": "x"})
    assert refused.status_code == 403


async def test_the_api_is_in_the_openapi_document(client: AsyncTestClient) -> None:
    paths = (await client.get("/schema/openapi.json")).json()["paths"]
    assert "/api/organisations" in paths
    assert {"get", "patch"} <= set(paths["/api/organisations/{organisation_id}"])
    assert "post" in paths["/api/organisations/{organisation_id}/decision"]


# --- page structure ---------------------------------------------------------------------------


class PageStructure(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.fields: list[str | None] = []
        self.labels: set[str] = set()
        self.h1 = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "h1":
            self.h1 += 1
        elif tag == "label" and attributes.get("for"):
            self.labels.add(str(attributes["for"]))
        elif tag in ("input", "select", "textarea") and attributes.get("type") != "hidden":
            self.fields.append(attributes.get("id"))


@pytest.mark.parametrize(
    ("role", "path"),
    [
        (None, "/register"),
        ("coordinator", "/partners"),
        ("coordinator", "/organisations"),
        ("coordinator", "/organisations/1"),
        ("coordinator", "/organisations/1/edit"),
        ("coordinator", f"name:{APPLIED}"),
        ("coordinator", f"name:{INACTIVE}"),
        ("employer", "/organisations/1"),
        ("employer", "/home"),
    ],
)
async def test_pages_have_one_h1_and_labelled_fields(
    client: AsyncTestClient, settings: Settings, role: str | None, path: str
) -> None:
    if path.startswith("name:"):
        path = f"/organisations/{(await organisation(settings, path[5:])).id}"
    if role:
        await sign_in(client, DEMO_USERS[role])
    response = await client.get(path)
    assert response.status_code == 200
    page = PageStructure()
    page.feed(response.text)
    assert page.h1 == 1
    assert all(field is not None and field in page.labels for field in page.fields), page.fields
