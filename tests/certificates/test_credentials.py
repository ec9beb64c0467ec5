"""The signed credential: Open Badges 3.0 shape, VC-JWT signing, keys, status list, the CLI.

No database here: a hand-built certificate content, keys in a temporary folder. The
independent checks use PyJWT and cryptography, not the code that signs.
"""

from __future__ import annotations

import base64
import copy
import datetime
import gzip
import http.server
import json
import stat
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jwt
import pytest
from click.testing import CliRunner, Result
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.rsa import generate_private_key
from joserfc import jws

from certificates import credential, keys, status
from certificates.commands import certificates_group, keys_group
from certificates.content import (
    Content,
    Issuer,
    Outcome,
    Person,
    Qualification,
    Unit,
    recipient,
)
from certificates.credential import CredentialRejected
from kit.settings import get_settings

PUBLIC_URL = "https://isok.example.fi"
ISSUED_AT = datetime.datetime(2025, 5, 2, 9, 30, 15, 123456, tzinfo=datetime.UTC)
EMAIL = "amina.yusuf@example.org"
CERTIFICATE_ID = 7


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def make_content(language: str = "en", outcomes: int = 3) -> Content:
    """A certificate as issuing would fix it: one qualification, two units, graded outcomes."""
    words = {1: "satisfactory", 2: "satisfactory", 3: "good", 4: "good", 5: "excellent"}
    return Content(
        code="7KQ2-M8XD-4HRT-9WZP-3NCF",
        language=language,
        issued_on=ISSUED_AT.date(),
        recipient=recipient("Amina Yusuf", EMAIL),
        qualifications=[
            Qualification(
                code="LOG",
                name="Vocational Qualification in Logistics",
                units=[Unit("LOG-1", "Warehouse work"), Unit("LOG-2", "Forklift driving")],
            )
        ],
        outcomes=[
            Outcome(
                code=f"LOG-{1 + n % 2}-{n}",
                name=f"Learning outcome number {n}",
                unit_code=f"LOG-{1 + n % 2}",
                framework_code="LOG",
                grade=1 + n % 5,
                grade_words=words[1 + n % 5],
                criteria=f"The candidate does task {n} safely and on time.",
            )
            for n in range(1, outcomes + 1)
        ],
        organisation="Varasto Oy",
        position="Warehouse worker",
        start_date=datetime.date(2025, 1, 13),
        end_date=datetime.date(2025, 4, 11),
        assessors=[
            Person("tutor", "workplace tutor", "Tuula Tutor"),
            Person("teacher", "teacher", "Teemu Teacher"),
            Person("counsellor", "counsellor", "Kaisa Counsellor"),
        ],
        signed_by="Teemu Teacher",
        signed_on=datetime.date(2025, 4, 25),
        issuer=Issuer(
            "ISOK Vocational College", "Opistotie 2, 70100 Kuopio, Finland", "https://college.fi"
        ),
        decision_id=3,
        decision_version=1,
    )


@pytest.fixture
def key_path(tmp_path: Path) -> Path:
    path = tmp_path / "keys" / "signing-key"
    keys.generate(path, PUBLIC_URL)
    return path


@pytest.fixture
def signing(key_path: Path) -> keys.SigningKeys:
    return keys.load(key_path, PUBLIC_URL)


@pytest.fixture
def payload() -> dict[str, Any]:
    return credential.credential_json(
        make_content(), certificate_id=CERTIFICATE_ID, issued_at=ISSUED_AT, public_url=PUBLIC_URL
    )


@pytest.fixture
def token(payload: dict[str, Any], signing: keys.SigningKeys) -> str:
    return credential.sign(payload, signing)


def rejected(token: str | bytes, jwks: dict[str, Any], **options: Any) -> str:
    """The reason our verifier gives; it must be one line."""
    with pytest.raises(CredentialRejected) as caught:
        credential.verify(token, jwks, **options)
    reason = caught.value.reason
    assert reason
    assert "\n" not in reason
    return reason


def pyjwt_decode(token: str, jwks: dict[str, Any]) -> dict[str, Any]:
    """Verify with PyJWT, as a third party would: the key named by the header's kid."""
    kid = jwt.get_unverified_header(token)["kid"]
    (found,) = [key for key in jwks["keys"] if key["kid"] == kid]
    decoded: dict[str, Any] = jwt.decode(
        token,
        key=jwt.PyJWK(found).key,
        algorithms=["EdDSA"],
        options={"require": ["iss", "nbf", "jti"]},
    )
    return decoded


def signed_raw(header: dict[str, Any], body: bytes, signing: keys.SigningKeys) -> str:
    """A token signed with our key over any header and payload bytes (joserfc directly)."""
    return jws.serialize_compact(header, body, signing.private_key, registry=credential.REGISTRY)


def header_of(signing: keys.SigningKeys) -> dict[str, Any]:
    return {"alg": "EdDSA", "kid": signing.kid, "typ": "JWT"}


# --- the credential's shape -----------------------------------------------------------------


def test_the_credential_has_what_open_badges_3_requires(payload: dict[str, Any]) -> None:
    assert payload["@context"] == [
        "https://www.w3.org/ns/credentials/v2",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
    ]
    assert payload["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert payload["id"] == f"{PUBLIC_URL}/verify/7KQ2-M8XD-4HRT-9WZP-3NCF"
    assert payload["issuer"]["id"] == "did:web:isok.example.fi"
    assert payload["issuer"]["address"] == {
        "type": "Address",
        "streetAddress": "Opistotie 2",
        "postalCode": "70100",
        "addressLocality": "Kuopio",
        "addressCountry": "Finland",
    }
    assert payload["validFrom"] == "2025-05-02T09:30:15Z"
    subject = payload["credentialSubject"]
    assert "id" not in subject
    achievement = subject["achievement"]
    assert achievement["achievementType"] == "Competency"
    assert achievement["name"] == (
        "Certificate of competence: Vocational Qualification in Logistics"
    )
    narrative = achievement["criteria"]["narrative"]
    assert "The candidate does task 2 safely and on time." in narrative
    assert "Tuula Tutor (workplace tutor)" in narrative
    # One alignment per unit and per outcome, with the framework's codes.
    assert [(a["targetCode"], a["targetType"]) for a in achievement["alignment"]] == [
        ("LOG-1", "ext:QualificationUnit"),
        ("LOG-2", "ext:QualificationUnit"),
        ("LOG-2-1", "ext:LearningOutcome"),
        ("LOG-1-2", "ext:LearningOutcome"),
        ("LOG-2-3", "ext:LearningOutcome"),
    ]
    assert all(a["targetFramework"] == "LOG" for a in achievement["alignment"])
    # Each result points at its outcome's grade scale and the level given.
    descriptions = {d["id"]: d for d in achievement["resultDescription"]}
    for result, grade in zip(subject["result"], (2, 3, 4), strict=True):
        assert result["value"] == str(grade)
        scale = descriptions[result["resultDescription"]]
        (level,) = [x for x in scale["rubricCriterionLevel"] if x["id"] == result["achievedLevel"]]
        assert level["level"] == str(grade)
        assert level["description"].startswith("The candidate does task")
    assert payload["credentialStatus"] == {
        "id": f"{PUBLIC_URL}/credentials/status/1#7",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": "7",
        "statusListCredential": f"{PUBLIC_URL}/credentials/status/1",
    }


def test_the_email_address_is_only_a_salted_hash(payload: dict[str, Any], token: str) -> None:
    (hashed, named) = payload["credentialSubject"]["identifier"]
    assert hashed["type"] == "IdentityObject"
    assert hashed["hashed"] is True
    assert hashed["identityType"] == "emailAddress"
    assert hashed["identityHash"].startswith("sha256$")
    assert named == {
        "type": "IdentityObject",
        "hashed": False,
        "identityHash": "Amina Yusuf",
        "identityType": "name",
    }
    # The hash is OB's: sha256 of the address and the salt, so the holder can prove it.
    import hashlib

    digest = hashlib.sha256((EMAIL + hashed["salt"]).encode()).hexdigest()
    assert hashed["identityHash"] == f"sha256${digest}"
    assert EMAIL not in json.dumps(payload)
    assert EMAIL not in unb64(token.split(".")[1]).decode()


def test_a_finnish_certificate_gives_a_finnish_credential() -> None:
    payload = credential.credential_json(
        make_content("fi"), certificate_id=1, issued_at=ISSUED_AT, public_url=PUBLIC_URL
    )
    achievement = payload["credentialSubject"]["achievement"]
    assert achievement["name"].startswith("Osaamistodistus")
    assert achievement["inLanguage"] == "fi"
    levels = achievement["resultDescription"][0]["rubricCriterionLevel"]
    assert [level["name"] for level in levels] == [
        "1 tyydyttävä",
        "2 tyydyttävä",
        "3 hyvä",
        "4 hyvä",
        "5 kiitettävä",
    ]


def test_the_same_certificate_always_gives_the_same_credential() -> None:
    content = make_content()
    first, second = (
        credential.credential_json(
            content, certificate_id=1, issued_at=ISSUED_AT, public_url=PUBLIC_URL
        )
        for _ in range(2)
    )
    assert first == second


@pytest.mark.parametrize(
    ("public_url", "did"),
    [
        ("https://isok.example.fi", "did:web:isok.example.fi"),
        ("http://127.0.0.1:8000", "did:web:127.0.0.1%3A8000"),
        ("https://Example.FI:8443/isok/portal", "did:web:example.fi%3A8443:isok:portal"),
    ],
)
def test_the_issuer_is_a_did_web_of_the_public_address(public_url: str, did: str) -> None:
    assert keys.issuer_did(public_url) == did


# --- signing and verifying ------------------------------------------------------------------


def test_a_signed_credential_verifies(
    payload: dict[str, Any], token: str, signing: keys.SigningKeys
) -> None:
    header = json.loads(unb64(token.split(".")[0]))
    assert header == {"alg": "EdDSA", "kid": signing.kid, "typ": "JWT"}
    verified = credential.verify(token, signing.public_jwks())
    claims = {"iss", "nbf", "jti"}
    assert {k: v for k, v in verified.items() if k not in claims} == payload
    assert verified["iss"] == "did:web:isok.example.fi"
    assert verified["jti"] == payload["id"]
    assert verified["nbf"] == int(ISSUED_AT.replace(microsecond=0).timestamp())
    assert "sub" not in verified  # the subject has no id, only hashed identifiers


def test_an_independent_verifier_accepts_it(token: str, signing: keys.SigningKeys) -> None:
    """PyJWT and cryptography, against the published JWKS, and the fields OB 3.0 requires."""
    jwks = json.loads(json.dumps(signing.public_jwks()))  # as published: plain JSON
    decoded = pyjwt_decode(token, jwks)
    # The signature once more, with cryptography alone.
    header_part, payload_part, signature_part = token.split(".")
    (jwk,) = jwks["keys"]
    Ed25519PublicKey.from_public_bytes(unb64(jwk["x"])).verify(
        unb64(signature_part), f"{header_part}.{payload_part}".encode()
    )
    assert {"https://www.w3.org/ns/credentials/v2"} <= set(decoded["@context"])
    assert any(
        c.startswith("https://purl.imsglobal.org/spec/ob/v3p0/") for c in decoded["@context"]
    )
    assert {"VerifiableCredential", "OpenBadgeCredential"} <= set(decoded["type"])
    issuer = decoded["issuer"]
    assert issuer["id"] == decoded["iss"]
    assert "Profile" in issuer["type"]
    assert issuer["name"]
    assert datetime.datetime.fromisoformat(decoded["validFrom"]).timestamp() == decoded["nbf"]
    assert decoded["jti"] == decoded["id"]
    achievement = decoded["credentialSubject"]["achievement"]
    for field in ("id", "type", "name", "description", "criteria"):
        assert achievement[field], field
    assert "Achievement" in achievement["type"]
    assert achievement["criteria"]["narrative"]
    assert jwk == {
        "kty": "OKP",
        "crv": "Ed25519",
        "x": jwk["x"],
        "kid": signing.kid,
        "alg": "EdDSA",
        "use": "sig",
    }


def leaves(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """The path of every leaf of a JSON value."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from leaves(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from leaves(item, (*path, index))
    else:
        yield path


def changed(value: Any) -> Any:
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value + 1
    if isinstance(value, str):
        return value + "x" if value else "x"
    return "x"


def with_leaf_changed(document: dict[str, Any], path: tuple[Any, ...]) -> dict[str, Any]:
    copied = copy.deepcopy(document)
    target: Any = copied
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = changed(target[path[-1]])
    return copied


def tampered_payloads(claims: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for path in leaves(claims):
        yield f"change {'/'.join(map(str, path))}", with_leaf_changed(claims, path)
    for key in claims:
        yield f"remove {key}", {k: v for k, v in claims.items() if k != key}
    yield "add a field", {**claims, "validUntil": "2099-01-01T00:00:00Z"}


def tampered_headers(header: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for key in header:
        yield f"change {key}", {**header, key: changed(header[key])}
        yield f"remove {key}", {k: v for k, v in header.items() if k != key}
    yield "alg none", {**header, "alg": "none"}
    yield "alg Ed25519", {**header, "alg": "Ed25519"}
    yield "add jwk", {**header, "jwk": {"kty": "OKP", "crv": "Ed25519", "x": "AAAA"}}


def tampered_signatures(signature: bytes) -> Iterator[tuple[str, bytes]]:
    for index in range(len(signature)):
        flipped = bytearray(signature)
        flipped[index] ^= 0x01
        yield f"flip a bit of byte {index}", bytes(flipped)
    yield "truncate", signature[:-1]
    yield "extend", signature + b"\0"
    yield "zeros", bytes(len(signature))


def test_any_change_is_caught_by_both_verifiers(token: str, signing: keys.SigningKeys) -> None:
    """Every field of the payload and the header, and the signature, changed in turn and
    re-encoded without signing again: our verifier and PyJWT reject every one."""
    jwks = signing.public_jwks()
    header_part, payload_part, signature_part = token.split(".")
    claims = json.loads(unb64(payload_part))
    header = json.loads(unb64(header_part))
    signature = unb64(signature_part)
    cases: list[tuple[str, str]] = []
    for name, document in tampered_payloads(claims):
        cases.append((f"payload: {name}", f"{header_part}.{b64(json.dumps(document).encode())}"))
    for name, changed_header in tampered_headers(header):
        encoded = b64(json.dumps(changed_header).encode())
        cases.append((f"header: {name}", f"{encoded}.{payload_part}"))
    tokens = [(name, f"{head}.{signature_part}") for name, head in cases]
    tokens += [
        (f"signature: {name}", f"{header_part}.{payload_part}.{b64(value)}")
        for name, value in tampered_signatures(signature)
    ]
    assert len(tokens) > 200
    accepted = []
    for name, tampered in tokens:
        assert tampered != token, name
        try:
            credential.verify(tampered, jwks)
            accepted.append(f"ours: {name}")
        except CredentialRejected:
            pass
        try:
            pyjwt_decode(tampered, jwks)
            accepted.append(f"PyJWT: {name}")
        except (jwt.PyJWTError, ValueError, KeyError):
            pass
    assert accepted == []


def test_a_changed_signature_character_is_caught_even_where_base64_would_hide_it(
    token: str, signing: keys.SigningKeys
) -> None:
    """The last character of a 64-byte signature carries 4 unused bits: a lenient decoder
    reads "…A" and "…B" as the same bytes. Only the canonical spelling is accepted."""
    head, _, signature_part = token.rpartition(".")
    last = signature_part[-1]
    twin = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    sibling = twin[twin.index(last) ^ 1]
    assert unb64(signature_part[:-1] + sibling) == unb64(signature_part)
    reason = rejected(f"{head}.{signature_part[:-1]}{sibling}", signing.public_jwks())
    assert "canonical" in reason


@pytest.mark.parametrize(
    ("given", "reason"),
    [
        ("", "empty"),
        ("   \n", "empty"),
        ("a" * 2_000_000, "longer than"),
        ("a.b.c", "is not"),
        ("a.b", "three non-empty parts"),
        ("a..c", "three non-empty parts"),
        ("a.b.c.d", "three non-empty parts"),
        ("\0.\0.\0", "not base64url"),
        (b"\xff\xfe.\x00.\x01", "not ASCII"),
        ("éé.éé.éé", "not base64url"),
        (b64(b"not json") + ".e30.AAAA", "header is not JSON"),
        (b64(b"\xff\xfe") + ".e30.AAAA", "header is not JSON"),
        (b64(b"[1, 2]") + ".e30.AAAA", "not a JSON object"),
        (b64(b'{"alg": "none"}') + ".e30.AAAA", "not EdDSA"),
        (b64(b'{"alg": "HS256", "kid": "x"}') + ".e30.AAAA", "not EdDSA"),
        (b64(b'{"alg": "RS256", "kid": "x"}') + ".e30.AAAA", "not EdDSA"),
        (b64(b'{"alg": "EdDSA"}') + ".e30.AAAA", "names no key"),
        (b64(b'{"alg": "EdDSA", "kid": "did:web:x#y"}') + ".e30.AAAA", "unknown key"),
        (b64(b'{"alg": "EdDSA", "kid": "k", "crit": ["b64"]}') + ".e30.AAAA", "does not allow"),
        (b64(b'{"alg": "EdDSA", "kid": "k", "typ": "vc+jwt"}') + ".e30.AAAA", "typ"),
        (b64(b'{"alg": "EdDSA", "alg": "EdDSA", "kid": "k"}') + ".e30.AAAA", "not JSON"),
        (b64(b"[" * 100_000) + ".e30.AAAA", "header is too large"),
    ],
)
def test_garbage_is_rejected_with_a_reason(
    given: str | bytes, reason: str, signing: keys.SigningKeys
) -> None:
    assert reason in rejected(given, signing.public_jwks())


def test_garbage_that_passes_the_signature_is_rejected_too(signing: keys.SigningKeys) -> None:
    """Payloads signed with our own key, so only the payload checks can refuse them."""
    jwks = signing.public_jwks()
    header = header_of(signing)
    assert "payload is not JSON" in rejected(signed_raw(header, b"\xff\x00", signing), jwks)
    deep = b"[" * 50_000 + b"]" * 50_000
    assert "payload is not JSON" in rejected(signed_raw(header, deep, signing), jwks)
    assert "payload is not JSON" in rejected(signed_raw(header, b'{"x": NaN}', signing), jwks)
    assert "not a JSON object" in rejected(signed_raw(header, b'"text"', signing), jwks)
    assert "Verifiable Credential 2.0" in rejected(signed_raw(header, b"{}", signing), jwks)


def sign_claims(claims: dict[str, Any], signing: keys.SigningKeys) -> str:
    body = json.dumps(claims).encode()
    return signed_raw(header_of(signing), body, signing)


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (lambda c: c.update({"@context": [credential.VC_CONTEXT]}), "Open Badges 3.0 @context"),
        (lambda c: c.update({"@context": list(reversed(c["@context"]))}), "first @context"),
        (lambda c: c.update({"type": ["VerifiableCredential"]}), "OpenBadgeCredential"),
        (lambda c: c.update({"type": ["OpenBadgeCredential"]}), "VerifiableCredential"),
        (lambda c: c.pop("id"), "no id"),
        (lambda c: c.update({"issuer": {"name": "x"}}), "no issuer id"),
        (lambda c: c["credentialSubject"].pop("achievement"), "no achievement"),
        (lambda c: c["credentialSubject"]["achievement"].pop("criteria"), "no criteria"),
        (lambda c: c.update({"iss": "did:web:elsewhere.example"}), "iss claim"),
        (lambda c: c.pop("iss"), "iss claim"),
        (lambda c: c.update({"jti": "urn:uuid:other"}), "jti claim"),
        (lambda c: c.update({"nbf": c["nbf"] + 1}), "nbf claim"),
        (lambda c: c.update({"nbf": str(c["nbf"])}), "nbf claim"),
        (lambda c: c.pop("nbf"), "nbf claim"),
        (lambda c: c.update({"sub": "did:example:someone"}), "sub claim"),
        (lambda c: c.update({"validFrom": "yesterday"}), "not a date"),
        (lambda c: c.update({"validUntil": "2026-01-01T00:00:00Z"}), "exp claim"),
    ],
)
def test_claims_that_disagree_with_the_credential_are_rejected(
    change: Any, reason: str, payload: dict[str, Any], signing: keys.SigningKeys
) -> None:
    claims = {**copy.deepcopy(payload), **credential.jwt_claims(payload)}
    change(claims)
    assert reason in rejected(sign_claims(claims, signing), signing.public_jwks())


def test_a_credential_is_valid_only_between_its_dates(
    payload: dict[str, Any], signing: keys.SigningKeys
) -> None:
    jwks = signing.public_jwks()
    token = credential.sign(payload, signing)
    before = ISSUED_AT - datetime.timedelta(hours=1)
    assert "not yet valid" in rejected(token, jwks, now=before)
    credential.verify(token, jwks, now=ISSUED_AT - datetime.timedelta(seconds=30))  # leeway
    expiring = {**payload, "validUntil": "2026-05-02T00:00:00Z"}
    token = credential.sign(expiring, signing)
    assert credential.verify(token, jwks, now=ISSUED_AT)["exp"] == 1777680000
    later = datetime.datetime(2026, 6, 1, tzinfo=datetime.UTC)
    assert rejected(token, jwks, now=later) == "expired on 2026-05-02T00:00:00Z"


def test_a_key_of_another_issuer_signs_nothing_of_ours(
    payload: dict[str, Any], tmp_path: Path
) -> None:
    """A key named by another DID, even one in the key set given, is not the issuer's."""
    keys.generate(tmp_path / "other", "https://elsewhere.example")
    other = keys.load(tmp_path / "other", "https://elsewhere.example")
    token = credential.sign(payload, other)
    assert "is not the issuer's" in rejected(token, other.public_jwks())


def test_an_unknown_key_is_named(token: str, tmp_path: Path) -> None:
    keys.generate(tmp_path / "other", PUBLIC_URL)
    other = keys.load(tmp_path / "other", PUBLIC_URL)
    assert rejected(token, other.public_jwks()).startswith("unknown key 'did:web:isok")
    assert "not a JWKS" in rejected(token, {"keys": "none"})


# --- keys -----------------------------------------------------------------------------------


def test_a_new_key_is_readable_only_by_its_owner(key_path: Path) -> None:
    assert stat.S_IMODE(key_path.stat().st_mode) == 0o600
    jwk = json.loads(key_path.read_text())
    assert set(jwk) == {"kty", "crv", "x", "d"}
    assert jwk["crv"] == "Ed25519"
    assert [p.name for p in key_path.parent.iterdir()] == ["signing-key"]  # no leftovers


def test_an_existing_key_is_kept_unless_rotated(key_path: Path) -> None:
    before = key_path.read_bytes()
    with pytest.raises(keys.KeyExists, match="--rotate"):
        keys.generate(key_path, PUBLIC_URL)
    assert key_path.read_bytes() == before


def test_after_a_rotation_old_credentials_still_verify(
    key_path: Path, payload: dict[str, Any]
) -> None:
    old = keys.load(key_path, PUBLIC_URL)
    old_token = credential.sign(payload, old)
    new_kid = keys.generate(key_path, PUBLIC_URL, rotate=True)
    rotated = keys.load(key_path, PUBLIC_URL)
    assert rotated.kid == new_kid != old.kid
    assert stat.S_IMODE(key_path.stat().st_mode) == 0o600
    jwks = rotated.public_jwks()
    assert [key["kid"] for key in jwks["keys"]] == [new_kid, old.kid]
    assert all("d" not in key for key in jwks["keys"])
    credential.verify(old_token, jwks)
    pyjwt_decode(old_token, jwks)
    new_token = credential.sign(payload, rotated)
    assert jwt.get_unverified_header(new_token)["kid"] == new_kid
    credential.verify(new_token, jwks)
    # A second rotation keeps both earlier keys published.
    keys.generate(key_path, PUBLIC_URL, rotate=True)
    again = keys.load(key_path, PUBLIC_URL)
    assert [k["kid"] for k in again.public_jwks()["keys"]][1:] == [new_kid, old.kid]
    credential.verify(old_token, again.public_jwks())
    document = keys.did_document(PUBLIC_URL, again)
    assert [m["id"] for m in document["verificationMethod"]] == document["assertionMethod"]
    assert document["assertionMethod"][1:] == [new_kid, old.kid]


def test_the_did_document_names_the_keys_of_the_jwks(signing: keys.SigningKeys) -> None:
    document = keys.did_document(PUBLIC_URL, signing)
    assert document["id"] == "did:web:isok.example.fi"
    (method,) = document["verificationMethod"]
    (jwk,) = signing.public_jwks()["keys"]
    assert method == {
        "id": jwk["kid"],
        "type": "JsonWebKey2020",
        "controller": "did:web:isok.example.fi",
        "publicKeyJwk": {"kty": "OKP", "crv": "Ed25519", "x": jwk["x"], "alg": "EdDSA"},
    }
    assert signing.kid.startswith("did:web:isok.example.fi#")


def test_a_pem_key_loads(tmp_path: Path, payload: dict[str, Any]) -> None:
    private = Ed25519PrivateKey.generate()
    path = tmp_path / "key.pem"
    path.write_bytes(
        private.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    loaded = keys.load(path, PUBLIC_URL)
    (jwk,) = loaded.public_jwks()["keys"]
    raw = private.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    assert unb64(jwk["x"]) == raw
    pyjwt_decode(credential.sign(payload, loaded), loaded.public_jwks())


def test_a_key_file_that_is_changed_is_read_again(key_path: Path) -> None:
    first = keys.load(key_path, PUBLIC_URL)
    assert keys.load(key_path, PUBLIC_URL) is first  # cached
    keys.generate(key_path, PUBLIC_URL, rotate=True)
    assert keys.load(key_path, PUBLIC_URL).kid != first.kid


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (None, "no signing key at"),
        (b"", "neither a JWK nor a PEM"),
        (b"garbage", "neither a JWK nor a PEM"),
        (b"{not json", "cannot be read"),
        (b'{"kty": "OKP", "crv": "Ed25519", "x": "AAAA"}', "without its private part"),
        (b'{"kty": "OKP", "crv": "Ed25519", "x": "AAAA", "d": "!!"}', "cannot be read"),
        (b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", "cannot be read"),
        (b"\0" * 100_000, "too large"),
    ],
)
def test_an_unusable_key_file_is_a_key_problem(
    tmp_path: Path, content: bytes | None, reason: str
) -> None:
    path = tmp_path / "key"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(keys.KeyProblem) as caught:
        keys.load(path, PUBLIC_URL)
    assert reason in str(caught.value)
    assert "\n" not in str(caught.value)


def test_keys_other_than_ed25519_are_refused(tmp_path: Path) -> None:
    rsa = tmp_path / "rsa.pem"
    rsa.write_bytes(
        generate_private_key(public_exponent=65537, key_size=2048).private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    with pytest.raises(keys.KeyProblem, match=r"cannot be read|not an Ed25519"):
        keys.load(rsa, PUBLIC_URL)
    from joserfc.jwk import OKPKey

    ed448 = tmp_path / "ed448.json"
    ed448.write_text(json.dumps(OKPKey.generate_key("Ed448", private=True).as_dict(private=True)))
    with pytest.raises(keys.KeyProblem, match="not an Ed25519 private key"):
        keys.load(ed448, PUBLIC_URL)


# --- status list ----------------------------------------------------------------------------


def test_the_bitstring_puts_index_0_at_the_left() -> None:
    encoded = status.encode([0, 7, 8, status.LIST_SIZE - 1])
    assert encoded.startswith("u")
    # Decoded by hand: multibase 'u', base64url without padding, GZIP.
    bits = gzip.decompress(unb64(encoded[1:]))
    assert len(bits) == status.LIST_SIZE // 8 == 16_384
    assert bits[0] == 0b1000_0001
    assert bits[1] == 0b1000_0000
    assert bits[-1] == 0b0000_0001
    assert sum(bin(byte).count("1") for byte in bits) == 4
    assert status.decode(encoded) == bits


def test_the_bitstring_round_trips() -> None:
    revoked = {1, 2, 3, 99, 4096, 65_535, 131_070}
    bits = status.decode(status.encode(sorted(revoked)))
    assert {i for i in range(status.LIST_SIZE) if status.is_set(bits, i)} == revoked
    empty = status.decode(status.encode([]))
    assert empty == bytes(16_384)
    assert status.encode([]) == status.encode([])  # no timestamp in the GZIP header
    with pytest.raises(ValueError, match="outside"):
        status.encode([status.LIST_SIZE])


@pytest.mark.parametrize(
    "encoded",
    [
        "",
        "z123",
        "u!!!",
        "u" + b64(b"not gzip"),
        "u" + b64(gzip.compress(bytes(100), mtime=0)[:-5]),
        "u" + b64(gzip.compress(bytes(20_000_000), mtime=0)),  # a bomb: 20 MB of zeros
        None,
    ],
    ids=["empty", "other-multibase", "not-base64", "not-gzip", "cut-gzip", "gzip-bomb", "none"],
)
def test_a_list_that_is_not_one_is_refused(encoded: Any) -> None:
    with pytest.raises(status.StatusListError):
        status.decode(encoded)


def test_a_certificate_s_place_is_its_id() -> None:
    assert status.place(0) == (1, 0)
    assert status.place(131_071) == (1, 131_071)
    assert status.place(131_072) == (2, 0)
    assert status.entry(PUBLIC_URL, 131_073) == {
        "id": f"{PUBLIC_URL}/credentials/status/2#1",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": "1",
        "statusListCredential": f"{PUBLIC_URL}/credentials/status/2",
    }


def signed_list(indices: list[int], signing: keys.SigningKeys, number: int = 1) -> str:
    return credential.sign(
        status.status_list_credential(PUBLIC_URL, number, indices, valid_from=ISSUED_AT),
        signing,
    )


def test_the_status_bit_says_whether_a_credential_is_revoked(
    token: str, signing: keys.SigningKeys
) -> None:
    jwks = signing.public_jwks()
    verified = credential.verify(token, jwks)
    as_list = {"expected_type": "BitstringStatusListCredential"}
    clean = credential.verify(signed_list([1, 6, 8], signing), jwks, **as_list)
    assert clean["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    assert clean["credentialSubject"]["type"] == "BitstringStatusList"
    assert credential.status_of(verified, clean) is False
    revoked = credential.verify(signed_list([CERTIFICATE_ID], signing), jwks, **as_list)
    assert credential.status_of(verified, revoked) is True
    other = credential.verify(signed_list([], signing, number=2), jwks, **as_list)
    with pytest.raises(CredentialRejected, match="not the one the credential names"):
        credential.status_of(verified, other)
    # PyJWT reads the list too.
    assert pyjwt_decode(signed_list([], signing), jwks)["issuer"] == "did:web:isok.example.fi"


def test_a_status_list_is_not_a_credential_and_the_reverse(
    token: str, signing: keys.SigningKeys
) -> None:
    jwks = signing.public_jwks()
    assert "OpenBadgeCredential" in rejected(signed_list([], signing), jwks)
    reason = rejected(token, jwks, expected_type="BitstringStatusListCredential")
    assert "BitstringStatusListCredential" in reason


# --- the command line -----------------------------------------------------------------------


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    """``isok`` settings for this test: a key path in tmp_path (no key yet)."""
    path = tmp_path / "var" / "signing-key"
    monkeypatch.setenv("ISOK_SIGNING_KEY", str(path))
    monkeypatch.setenv("ISOK_PUBLIC_URL", PUBLIC_URL)
    monkeypatch.setenv("ISOK_SECRET_KEY", "cli-test-secret-" * 3)
    get_settings.cache_clear()
    yield path
    get_settings.cache_clear()


def run(group: Any, *args: str, stdin: str | bytes | None = None) -> Result:
    return CliRunner().invoke(group, list(args), input=stdin, catch_exceptions=False)


def one_line(result: Result) -> str:
    text = result.stdout + result.stderr
    assert text.count("\n") == 1, text
    return text.strip()


def test_keys_generate_creates_once_and_rotates(cli: Path) -> None:
    created = run(keys_group, "generate")
    assert created.exit_code == 0, created.output
    assert "Created signing key did:web:isok.example.fi#" in created.stdout
    assert stat.S_IMODE(cli.stat().st_mode) == 0o600
    first = keys.load(cli, PUBLIC_URL).kid
    again = run(keys_group, "generate")
    assert again.exit_code == 1
    assert one_line(again).startswith(f"error: a signing key already exists at {cli}")
    quiet = run(keys_group, "generate", "--if-missing")
    assert (quiet.exit_code, quiet.output) == (0, "")
    rotated = run(keys_group, "generate", "--rotate")
    assert rotated.exit_code == 0
    assert "the old public key stays published" in rotated.stdout
    assert [k["kid"] for k in keys.load(cli, PUBLIC_URL).public_jwks()["keys"]][1] == first
    both = run(keys_group, "generate", "--rotate", "--if-missing")
    assert both.exit_code == 2
    assert one_line(both) == "error: --rotate and --if-missing exclude each other"


def test_keys_generate_if_missing_creates_a_missing_key(cli: Path) -> None:
    result = run(keys_group, "generate", "--if-missing")
    assert result.exit_code == 0
    assert cli.exists()


@pytest.fixture
def cli_token(cli: Path, payload: dict[str, Any], tmp_path: Path) -> Path:
    keys.generate(cli, PUBLIC_URL)
    path = tmp_path / "credential.jwt"
    path.write_text(credential.sign(payload, keys.load(cli, PUBLIC_URL)) + "\n")
    return path


VALID = (
    "valid: Amina Yusuf — Certificate of competence: Vocational Qualification in"
    " Logistics (issued 2025-05-02"
)


def test_verify_says_valid_in_one_line(cli_token: Path) -> None:
    result = run(certificates_group, "verify", str(cli_token))
    assert result.exit_code == 0
    assert one_line(result) == VALID + ")"
    from_stdin = run(certificates_group, "verify", "-", stdin=cli_token.read_text())
    assert (from_stdin.exit_code, from_stdin.stdout.strip()) == (0, VALID + ")")


def test_verify_says_exactly_why_not(cli_token: Path, tmp_path: Path) -> None:
    good = cli_token.read_text().strip()
    head, body, signature = good.split(".")
    claims = json.loads(unb64(body))
    claims["credentialSubject"]["result"][0]["value"] = "5"
    tampered = tmp_path / "tampered.jwt"
    tampered.write_text(f"{head}.{b64(json.dumps(claims).encode())}.{signature}")
    cases = {
        str(tampered): "invalid: bad signature: the credential was changed or not signed by"
        " this key",
        str(tmp_path / "missing.jwt"): f"error: cannot read the credential {tmp_path}/missing.jwt:"
        " No such file or directory",
        str(tmp_path): f"error: cannot read the credential {tmp_path}: Is a directory",
    }
    garbage = tmp_path / "garbage.jwt"
    garbage.write_bytes(b"\x89PNG\r\n\x1a\n\0\0")
    cases[str(garbage)] = "invalid: not a credential: the text is not ASCII"
    for name, expected in cases.items():
        result = run(certificates_group, "verify", name)
        assert result.exit_code == 1, name
        assert one_line(result) == expected
    huge = run(certificates_group, "verify", "-", stdin=b"a" * 1_500_000)
    assert huge.exit_code == 1
    assert one_line(huge) == "invalid: the credential is larger than 1,000,000 bytes"


def test_verify_names_an_unknown_key(cli: Path, payload: dict[str, Any], tmp_path: Path) -> None:
    keys.generate(cli, PUBLIC_URL)
    keys.generate(tmp_path / "other", PUBLIC_URL)
    path = tmp_path / "other.jwt"
    path.write_text(credential.sign(payload, keys.load(tmp_path / "other", PUBLIC_URL)))
    result = run(certificates_group, "verify", str(path))
    assert result.exit_code == 1
    assert one_line(result).startswith("invalid: unknown key 'did:web:isok.example.fi#")


def test_verify_needs_keys_to_check_against(
    cli: Path, payload: dict[str, Any], tmp_path: Path
) -> None:
    path = tmp_path / "credential.jwt"
    keys.generate(tmp_path / "k", PUBLIC_URL)
    path.write_text(credential.sign(payload, keys.load(tmp_path / "k", PUBLIC_URL)))
    result = run(certificates_group, "verify", str(path))
    assert result.exit_code == 1
    assert one_line(result).startswith(f"error: no keys to check against: no signing key at {cli}")
    jwks = tmp_path / "jwks.json"
    jwks.write_text(json.dumps(keys.load(tmp_path / "k", PUBLIC_URL).public_jwks()))
    assert run(certificates_group, "verify", str(path), "--keys", str(jwks)).exit_code == 0
    did = tmp_path / "did.json"
    did.write_text(json.dumps(keys.did_document(PUBLIC_URL, keys.load(tmp_path / "k", PUBLIC_URL))))
    assert run(certificates_group, "verify", str(path), "--keys", str(did)).exit_code == 0
    did.write_text("[]")
    result = run(certificates_group, "verify", str(path), "--keys", str(did))
    assert one_line(result) == "error: the keys given are neither a JWKS nor a DID document"


def test_verify_with_status_reads_the_list(cli: Path, cli_token: Path, tmp_path: Path) -> None:
    signing = keys.load(cli, PUBLIC_URL)
    listed = tmp_path / "status.jwt"
    listed.write_text(signed_list([1, 2], signing))
    result = run(certificates_group, "verify", str(cli_token), "--status-list", str(listed))
    assert result.exit_code == 0
    assert one_line(result) == VALID + ", not revoked)"
    listed.write_text(signed_list([CERTIFICATE_ID], signing))
    result = run(certificates_group, "verify", str(cli_token), "--status-list", str(listed))
    assert result.exit_code == 1
    assert one_line(result) == (
        "invalid: revoked: the issuer's status list of 2025-05-02T09:30:15Z marks this"
        " credential revoked"
    )
    listed.write_text(signed_list([], signing)[:-4] + "AAAA")
    result = run(certificates_group, "verify", str(cli_token), "--status-list", str(listed))
    assert one_line(result).startswith("invalid: the status list does not verify: bad signature")


class Published:
    """A tiny web server with what an issuer publishes: path → (status, body)."""

    def __init__(self) -> None:
        self.pages: dict[str, tuple[int, bytes]] = {}
        pages = self.pages

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                code, body = pages.get(self.path, (404, b"not found"))
                self.send_response(code)
                self.send_header("Content-Type", "application/octet-stream")
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def published() -> Iterator[Published]:
    server = Published()
    yield server
    server.close()


def test_verify_with_status_fetches_the_list_over_http(
    published: Published, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The issuer at a real (local) address: keys and status list fetched over HTTP."""
    monkeypatch.setenv("ISOK_SIGNING_KEY", str(tmp_path / "absent"))
    monkeypatch.setenv("ISOK_SECRET_KEY", "cli-test-secret-" * 3)
    get_settings.cache_clear()
    keys.generate(tmp_path / "issuer", published.url)
    issuer = keys.load(tmp_path / "issuer", published.url)
    payload = credential.credential_json(
        make_content(), certificate_id=CERTIFICATE_ID, issued_at=ISSUED_AT, public_url=published.url
    )
    path = tmp_path / "credential.jwt"
    path.write_text(credential.sign(payload, issuer))
    published.pages["/.well-known/jwks.json"] = (200, json.dumps(issuer.public_jwks()).encode())
    jwks_url = f"{published.url}/.well-known/jwks.json"

    def verify_status() -> Result:
        return run(certificates_group, "verify", str(path), "--status", "--keys", jwks_url)

    def publish(indices: list[int]) -> None:
        listing = status.status_list_credential(published.url, 1, indices, valid_from=ISSUED_AT)
        published.pages["/credentials/status/1"] = (200, credential.sign(listing, issuer).encode())

    unreachable = verify_status()
    assert unreachable.exit_code == 1
    assert one_line(unreachable) == (
        f"error: cannot fetch the status list: {published.url}/credentials/status/1 answered"
        " 404 Not Found"
    )
    publish([])
    assert one_line(verify_status()) == VALID + ", not revoked)"
    publish([CERTIFICATE_ID])
    revoked = verify_status()
    assert revoked.exit_code == 1
    assert one_line(revoked).startswith("invalid: revoked")
    published.pages["/.well-known/jwks.json"] = (500, b"oops")
    broken = verify_status()
    assert one_line(broken) == (
        f"error: cannot fetch the key set: {jwks_url} answered 500 Internal Server Error"
    )
    get_settings.cache_clear()


def test_verify_fetches_only_http_addresses(cli_token: Path) -> None:
    result = run(certificates_group, "verify", str(cli_token), "--keys", "file:///etc/passwd")
    assert result.exit_code == 1
    assert (
        one_line(result)
        == "error: cannot read the key set file:///etc/passwd: No such file or directory"
    )


def test_a_mistyped_command_line_is_one_line(cli: Path) -> None:
    result = run(certificates_group, "verify")
    assert result.exit_code == 2
    assert one_line(result) == (
        "error: Missing argument 'FILE'. (see 'certificates verify --help')"
    )
