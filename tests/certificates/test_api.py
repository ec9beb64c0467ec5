"""The certificates JSON API: staff read, the coordinator revokes, errors are 4xx JSON."""

from __future__ import annotations

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from certificates.content import Content
from certificates.credential import verify
from certificates.export import EXPORT_FORMAT
from certificates.keys import load
from kit.settings import Settings
from tests.certificates.conftest import CERTIFIED_PLACEMENT, certificates_of
from tests.conftest import DEMO_USERS, csrf_token, sign_in


async def demo_certificate(sessions: async_sessionmaker[AsyncSession]) -> tuple[str, Content]:
    async with sessions() as session:
        [certificate] = await certificates_of(session, CERTIFIED_PLACEMENT)
        return certificate.code, Content.from_json(certificate.content)


async def revoke(client: AsyncTestClient, code: str, body: object) -> object:
    return await client.post(
        f"/api/certificates/{code}/revocation",
        json=body,
        headers={"x-csrftoken": await csrf_token(client)},
    )


@pytest.mark.parametrize("role", ["coordinator", "counsellor", "teacher"])
async def test_staff_list_and_read_certificates_in_the_documented_shape(
    client: AsyncTestClient, sessions: async_sessionmaker[AsyncSession], role: str
) -> None:
    code, content = await demo_certificate(sessions)
    await sign_in(client, DEMO_USERS[role])
    listed = (await client.get("/api/certificates")).json()
    assert listed["total"] == 1
    [row] = listed["certificates"]
    assert row["code"] == code
    assert row["status"] == "valid"
    assert row["candidate"] == content.recipient.name
    assert row["verify_url"].endswith(f"/verify/{code}")
    assert (await client.get("/api/certificates", params={"status": "revoked"})).json()[
        "total"
    ] == 0
    found = (await client.get("/api/certificates", params={"q": code[5:12].lower()})).json()
    assert found["total"] == 1
    export = (await client.get(f"/api/certificates/{code}")).json()
    assert export["format"] == EXPORT_FORMAT
    assert export["certificate"]["code"] == code
    assert export["learner"] == {"name": content.recipient.name}
    outcomes = [
        outcome
        for qualification in export["qualifications"]
        for unit in qualification["units"]
        for outcome in unit["outcomes"]
    ]
    assert [o["code"] for o in outcomes] == [o.code for o in content.outcomes]
    assert all(1 <= o["grade"] <= 5 and o["criteria"] for o in outcomes)
    assert export["assessors"]
    assert export["demonstrated"]["organisation"] == content.organisation


async def test_the_credential_is_a_vc_jwt_that_verifies_against_the_published_keys(
    client: AsyncTestClient, sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    code, _content = await demo_certificate(sessions)
    await sign_in(client, DEMO_USERS["counsellor"])
    response = await client.get(f"/api/certificates/{code}/credential")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/vc+jwt")
    jwks = (await client.get("/.well-known/jwks.json")).json()
    payload = verify(response.text, jwks)
    assert payload["credentialSubject"]["achievement"]["name"]
    assert True  # hashed, in the JWT
    download = await client.get(f"/certificates/{code}/credential.jwt")
    assert download.text == response.text  # the same certificate, the same credential
    assert load(settings.certificates.signing_key, settings.public_url).kid in str(jwks)


async def test_the_coordinator_revokes_through_the_api_once(
    client: AsyncTestClient, sessions: async_sessionmaker[AsyncSession]
) -> None:
    code, _ = await demo_certificate(sessions)
    await sign_in(client, DEMO_USERS["coordinator"])
    bad = await revoke(client, code, {"reason": "because I said so"})
    assert bad.status_code == 400
    assert "reason" in bad.json()["detail"]["errors"]
    missing = await revoke(client, code, {"note": "no reason"})
    assert missing.status_code == 400
    done = await revoke(client, code, {"reason": "misconduct", "note": "Forged evidence."})
    assert done.status_code == 200
    assert done.json()["certificate"]["status"] == "revoked"
    assert done.json()["certificate"]["revocation_reason"] == "misconduct"
    again = await revoke(client, code, {"reason": "other"})
    assert again.status_code == 409
    assert again.json()["detail"]["message"] == "This certificate was already revoked."
    public = await client.get(f"/verify/{code}")
    assert "Revoked" in public.text
    assert "Forged evidence" not in public.text


@pytest.mark.parametrize("role", ["counsellor", "teacher"])
async def test_only_the_coordinator_revokes_through_the_api(
    client: AsyncTestClient, sessions: async_sessionmaker[AsyncSession], role: str
) -> None:
    code, _ = await demo_certificate(sessions)
    await sign_in(client, DEMO_USERS[role])
    assert (await revoke(client, code, {"reason": "other"})).status_code == 403
    assert (await client.get(f"/api/certificates/{code}")).json()["certificate"][
        "status"
    ] == "valid"


@pytest.mark.parametrize("role", ["employer", "tutor"])
async def test_organisations_see_no_certificates(client: AsyncTestClient, role: str) -> None:
    await sign_in(client, DEMO_USERS[role])
    assert (await client.get("/api/certificates")).status_code == 403
    assert (await client.get("/certificates")).status_code == 403


async def test_anonymous_callers_get_no_certificate_data(
    client: AsyncTestClient, sessions: async_sessionmaker[AsyncSession]
) -> None:
    code, _ = await demo_certificate(sessions)
    for path in (
        "/api/certificates",
        f"/api/certificates/{code}",
        f"/api/certificates/{code}/credential",
    ):
        assert (await client.get(path)).status_code in (401, 403), path
    for page in ("pdf", "jwt"):
        path = f"/certificates/{code}/" + ("certificate.pdf" if page == "pdf" else "credential.jwt")
        response = await client.get(path, follow_redirects=False)
        assert response.status_code in (302, 303), path
        assert response.headers["location"].startswith("/login")


@pytest.mark.parametrize("code", ["0000-0000-0000-0000-0000", "nope", "٣" * 20, "A" * 3000, "%00"])
async def test_an_unknown_code_answers_404_json(client: AsyncTestClient, code: str) -> None:
    await sign_in(client, DEMO_USERS["coordinator"])
    for path in (f"/api/certificates/{code}", f"/api/certificates/{code}/credential"):
        response = await client.get(path)
        assert response.status_code == 404, path
        assert "detail" in response.json()
    assert (await revoke(client, code, {"reason": "other"})).status_code == 404


@pytest.mark.parametrize(
    "params", [{"status": "lost"}, {"page": "0"}, {"page": "٣"}, {"page": str(10**40)}]
)
async def test_bad_list_filters_are_400(client: AsyncTestClient, params: dict[str, str]) -> None:
    await sign_in(client, DEMO_USERS["coordinator"])
    response = await client.get("/api/certificates", params=params)
    assert response.status_code == 400, response.text


async def test_the_pdf_and_the_export_for_schools_download(
    client: AsyncTestClient, sessions: async_sessionmaker[AsyncSession]
) -> None:
    code, _content = await demo_certificate(sessions)
    await sign_in(client, DEMO_USERS["counsellor"])
    pdf = await client.get(f"/certificates/{code}/certificate.pdf")
    assert pdf.status_code == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-")
    assert f"certificate-{code}.pdf" in pdf.headers["content-disposition"]
    export = await client.get(f"/certificates/{code}/recognition.json")
    assert export.json()["certificate"]["code"] == code
    assert export.json() == (await client.get(f"/api/certificates/{code}")).json()
