"""What a verifier fetches from the portal, no login: JWKS, DID document, status lists.

The real app on a fresh copy of the demo database (one certificate issued, in Finnish). The
credential of that certificate is checked here as a stranger would: PyJWT against the keys
the portal publishes, then the status list bit, before and after the coordinator revokes.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import jwt
import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from certificates import credential, issuing, keys, status
from certificates.content import Content
from kit.settings import Settings
from tests.certificates.conftest import CERTIFIED_PLACEMENT, COORDINATOR, certificates_of

VC_JWT = "application/vc+jwt"


async def published_keys(client: AsyncTestClient) -> dict[str, Any]:
    response = await client.get("/.well-known/jwks.json")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    assert response.headers["access-control-allow-origin"] == "*"
    body: dict[str, Any] = response.json()
    return body


async def status_list(client: AsyncTestClient, number: int = 1) -> str:
    response = await client.get(f"/credentials/status/{number}")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith(VC_JWT)
    assert "no-" in response.headers["cache-control"]
    return response.text


async def test_the_public_keys_are_published(client: AsyncTestClient, settings: Settings) -> None:
    jwks = await published_keys(client)
    signing = keys.load(settings.certificates.signing_key, settings.public_url)
    assert jwks == signing.public_jwks()
    (key,) = jwks["keys"]
    assert key["kid"].startswith(keys.issuer_did(settings.public_url) + "#")
    assert {key["kty"], key["crv"], key["alg"], key["use"]} == {"OKP", "Ed25519", "EdDSA", "sig"}
    assert "d" not in key


@pytest.mark.parametrize("path", ["/.well-known/did.json", "/did.json"])
async def test_the_did_document_names_the_same_keys(
    client: AsyncTestClient, settings: Settings, path: str
) -> None:
    response = await client.get(path)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/did+json")
    document = json.loads(response.text)
    assert document["id"] == keys.issuer_did(settings.public_url) == "did:web:127.0.0.1%3A8000"
    kids = [key["kid"] for key in (await published_keys(client))["keys"]]
    assert [method["id"] for method in document["verificationMethod"]] == kids
    assert document["assertionMethod"] == kids


async def test_a_fresh_list_is_signed_and_all_zeros(client: AsyncTestClient) -> None:
    jwks = await published_keys(client)
    token = await status_list(client)
    listing = credential.verify(token, jwks, expected_type="BitstringStatusListCredential")
    assert listing["id"] == "http://127.0.0.1:8000/credentials/status/1"
    assert status.decode(listing["credentialSubject"]["encodedList"]) == bytes(16_384)
    kid = jwt.get_unverified_header(token)["kid"]
    (key,) = [k for k in jwks["keys"] if k["kid"] == kid]
    decoded = jwt.decode(token, key=jwt.PyJWK(key).key, algorithms=["EdDSA"])
    assert decoded["credentialSubject"]["statusPurpose"] == "revocation"


@pytest.mark.parametrize(
    "number", ["0", str(10**30), "abc", "-1", "1.5", str(status.MAX_LISTS + 1)]
)
async def test_a_list_that_cannot_exist_is_not_found(client: AsyncTestClient, number: str) -> None:
    response = await client.get(f"/credentials/status/{number}")
    assert response.status_code == 404


async def test_revocation_shows_in_the_list_at_once(
    client: AsyncTestClient,
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    """The demo certificate's credential, checked as a stranger would, before and after the
    coordinator revokes it."""
    async with sessions() as session:
        (certificate,) = await certificates_of(session, CERTIFIED_PLACEMENT)
    signing = keys.load(settings.certificates.signing_key, settings.public_url)
    payload = credential.credential_json(
        Content.from_json(certificate.content),
        certificate_id=certificate.id,
        issued_at=certificate.issued_at,
        public_url=settings.public_url,
    )
    token = credential.sign(payload, signing)
    jwks = await published_keys(client)
    kid = jwt.get_unverified_header(token)["kid"]
    (key,) = [k for k in jwks["keys"] if k["kid"] == kid]
    decoded = jwt.decode(token, key=jwt.PyJWK(key).key, algorithms=["EdDSA"])
    entry = decoded["credentialStatus"]
    number, index = status.place(certificate.id)
    assert entry["statusListCredential"].endswith(f"/credentials/status/{number}")
    assert entry["statusListIndex"] == str(index)

    def revoked(token: str) -> bool:
        listing = credential.verify(token, jwks, expected_type="BitstringStatusListCredential")
        return credential.status_of(decoded, listing)

    assert revoked(await status_list(client, number)) is False
    async with sessions() as session, session.begin():
        (certificate,) = await certificates_of(session, CERTIFIED_PLACEMENT)
        await issuing.revoke(
            session, COORDINATOR, certificate=certificate, reason="issued_in_error"
        )
    assert revoked(await status_list(client, number)) is True


async def test_without_a_key_the_portal_says_so(
    client: AsyncTestClient, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    settings: Settings = client.app.state.settings
    missing = tmp_path / "no-key"
    certificates = dataclasses.replace(settings.certificates, signing_key=missing)
    changed = dataclasses.replace(settings, certificates=certificates)
    monkeypatch.setattr(client.app.state, "settings", changed)
    for path in ("/.well-known/jwks.json", "/.well-known/did.json", "/credentials/status/1"):
        response = await client.get(path)
        assert response.status_code == 503, path
        message = response.json()["detail"]["message"]
        assert "isok keys generate" in message
        assert str(missing) in message
