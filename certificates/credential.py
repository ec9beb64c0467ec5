"""The certificate as a signed, portable Open Badges 3.0 credential (VC-JWT).

:func:`credential_json` turns a certificate's fixed :class:`~certificates.content.Content` into an
``OpenBadgeCredential`` (W3C Verifiable Credentials Data Model 2.0, Open Badges 3.0 with the
3.0.3 context); :func:`sign` secures it the way Open Badges 3.0 section 8.2 says: the JWT
payload is the credential itself, with the claims ``iss`` (issuer.id), ``nbf`` (validFrom),
``jti`` (id), ``sub`` (credentialSubject.id, only when the subject has one: ours is
identified by a salted hash of the e-mail address instead) and ``exp`` (validUntil, when there
is one), in a compact JWS with the header ``{"alg": "EdDSA", "kid": ..., "typ": "JWT"}``.

:func:`verify` is the other side, strict and precise: every refusal is a
:class:`CredentialRejected` with a one-line reason, whatever the input (empty, huge, binary,
``alg: none``). Signing and checking the signature are joserfc's; nothing here is crypto.
"""

from __future__ import annotations

import base64
import binascii
import datetime
import functools
import json
import re
from typing import Any
from urllib.parse import quote

from joserfc import jws
from joserfc.errors import InvalidKeyCurveError, JoseError
from joserfc.jwa import EdDSAAlgorithm, JWSAlgModel
from joserfc.jwk import OKPKey
from joserfc.jws import JWSRegistry

from certificates import status
from certificates.content import GRADE_WORDS, Content, Outcome
from certificates.export import verify_url
from certificates.keys import ALGORITHM, CURVE, SigningKeys, issuer_did
from certificates.wording import WORDING, Wording

VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"
OB_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
OB_CONTEXT_PREFIX = "https://purl.imsglobal.org/spec/ob/v3p0/context"
OB_SCHEMA = (
    "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json"
)
MAX_TOKEN_CHARACTERS = 1_000_000  # a certificate's credential is some tens of kilobytes
MAX_HEADER_CHARACTERS = 4096
# Clocks of the issuer and of a verifier may disagree a little.
CLOCK_LEEWAY = datetime.timedelta(minutes=2)
HEADER_FIELDS = frozenset(
    {"alg", "kid", "typ"}
)  # OB 3.0: "Additional JOSE Headers are NOT allowed"
GRADES = range(1, 6)


class CredentialRejected(Exception):
    """A credential that does not verify; ``reason`` says why, in one line."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


# --- building -------------------------------------------------------------------------------


def _moment(value: datetime.datetime) -> str:
    """An XML Schema dateTime in UTC, to the second, as VC 2.0 writes validFrom."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=datetime.UTC)
    moment = value.astimezone(datetime.UTC).replace(microsecond=0)
    return moment.isoformat().replace("+00:00", "Z")


def _day(value: datetime.date) -> str:
    return f"{value.isoformat()}T00:00:00Z"


def credential_id(public_url: str, code: str) -> str:
    """The credential's id: its public verification page, stable for the certificate."""
    return verify_url(public_url, code)


def _address(text: str) -> dict[str, str]:
    """The issuer's one-line address as an OB 3.0 ``Address``.

    The settings hold free text (``Opistotie 2, 70100 Kuopio, Finland``); the last part is
    taken as the country, the one before as ``[postal code] locality``, the rest as street.
    """
    parts = [part.strip() for part in text.split(",") if part.strip()]
    address: dict[str, str] = {"type": "Address"}
    if not parts:
        return address
    if len(parts) >= 2:
        address["addressCountry"] = parts.pop()
    locality = parts.pop()
    postal = re.fullmatch(r"(\d{3,10})\s+(.+)", locality)
    if postal:
        address["postalCode"], locality = postal.group(1), postal.group(2)
    address["addressLocality"] = locality
    if parts:
        address["streetAddress"] = ", ".join(parts)
    return address


def _issuer(content: Content, public_url: str) -> dict[str, Any]:
    profile: dict[str, Any] = {
        "id": issuer_did(public_url),
        "type": ["Profile"],
        "name": content.issuer.name,
    }
    if content.issuer.url:
        profile["url"] = content.issuer.url
    if content.issuer.address:
        profile["address"] = _address(content.issuer.address)
    return profile


def _framework_url(public_url: str, framework: str, code: str) -> str:
    return f"{public_url}/frameworks/{quote(framework, safe='')}#{quote(code, safe='')}"


def _alignment(
    public_url: str, *, name: str, code: str, framework: str, kind: str
) -> dict[str, Any]:
    # targetType is an extensible vocabulary; our frameworks are neither CASE nor CTDL.
    return {
        "type": ["Alignment"],
        "targetName": name,
        "targetUrl": _framework_url(public_url, framework, code),
        "targetCode": code,
        "targetFramework": framework,
        "targetType": f"ext:{kind}",
    }


def _result_description(identifier: str, outcome: Outcome, language: str) -> dict[str, Any]:
    """The grade scale of one outcome: levels 1-5 with their words, the criteria at the
    level given (the content holds the criteria of the grade given, not of every grade)."""
    levels = []
    for grade in GRADES:
        level: dict[str, Any] = {
            "id": f"{identifier}-grade-{grade}",
            "type": ["RubricCriterionLevel"],
            "name": f"{grade} {GRADE_WORDS[language][grade]}",
            "level": str(grade),
            "points": str(grade),
        }
        if grade == outcome.grade and outcome.criteria:
            level["description"] = outcome.criteria
        levels.append(level)
    return {
        "id": identifier,
        "type": ["ResultDescription"],
        "name": f"{outcome.code} {outcome.name}",
        "resultType": "RubricCriterionLevel",
        "allowedValue": [str(grade) for grade in GRADES],
        "valueMin": "1",
        "valueMax": "5",
        "rubricCriterionLevel": levels,
    }


def _date(words: Wording, value: datetime.date) -> str:
    month = words["months"][value.month - 1]
    return words["date"].format(d=value.day, m=value.month, y=value.year, month=month)


def _narrative(content: Content) -> str:
    """The criteria as Markdown: each outcome, its grade and the criteria it was judged by,
    then who assessed and who signed, in the words of the certificate document."""
    words = WORDING[content.language]
    lines = [f"## {words['outcomes_heading']}", ""]
    for outcome in content.outcomes:
        line = (
            f"- **{outcome.code} {outcome.name}** ({words['unit']} {outcome.unit_code}):"
            f" {words['grade']} {outcome.grade}, {outcome.grade_words}."
        )
        if outcome.criteria:
            line += f" {words['criteria']}: {outcome.criteria}"
        lines.append(line)
    people = ", ".join(f"{person.name} ({person.role_name})" for person in content.assessors)
    signed = f"{content.signed_by}, {_date(words, content.signed_on)}"
    lines += [
        "",
        words["criteria_note"],
        "",
        f"{words['assessed_by']}: {people}.",
        f"{words['signed_by']}: {signed}.",
    ]
    return "\n".join(lines)


def _description(content: Content) -> str:
    words = WORDING[content.language]
    parts = [
        f"{words['subtitle']}.",
        f"{words['workplace']}: {content.organisation}.",
        f"{words['position']}: {content.position}.",
    ]
    if content.start_date and content.end_date:
        start, end = _date(words, content.start_date), _date(words, content.end_date)
        parts.append(f"{words['period']}: {start}{words['period_dash']}{end}.")
    parts.append(words["scale"])
    return " ".join(parts)


def _name(content: Content) -> str:
    qualifications = ", ".join(q.name for q in content.qualifications)
    title = WORDING[content.language]["title"]
    return f"{title}: {qualifications}" if qualifications else title


def _identifiers(content: Content) -> list[dict[str, Any]]:
    """Who holds it: the salted hash of the e-mail address (never the address), and the
    name in clear, as the certificate itself shows it (OB 3.0 allows a plain identity)."""
    recipient = content.recipient
    found: list[dict[str, Any]] = [
        {
            "type": "IdentityObject",
            "hashed": True,
            "identityHash": recipient.identity_hash,
            "identityType": recipient.identity_type,
            "salt": recipient.salt,
        }
    ]
    if recipient.name:
        found.append(
            {
                "type": "IdentityObject",
                "hashed": False,
                "identityHash": recipient.name,
                "identityType": "name",
            }
        )
    return found


def credential_json(
    content: Content, *, certificate_id: int, issued_at: datetime.datetime, public_url: str
) -> dict[str, Any]:
    """The OpenBadgeCredential of a certificate, unsigned (see :func:`sign`).

    Built only from what the certificate holds, so the credential says what the page and the
    PDF say, whenever it is built: the same certificate always gives the same credential.
    """
    identifier = credential_id(public_url, content.code)
    alignments = [
        _alignment(
            public_url, name=unit.name, code=unit.code, framework=q.code, kind="QualificationUnit"
        )
        for q in content.qualifications
        for unit in q.units
    ]
    alignments += [
        _alignment(
            public_url,
            name=outcome.name,
            code=outcome.code,
            framework=outcome.framework_code,
            kind="LearningOutcome",
        )
        for outcome in content.outcomes
    ]
    descriptions = [
        _result_description(f"{identifier}#outcome-{n}", outcome, content.language)
        for n, outcome in enumerate(content.outcomes, start=1)
    ]
    results = [
        {
            "type": ["Result"],
            "resultDescription": description["id"],
            "value": str(outcome.grade),
            "achievedLevel": f"{description['id']}-grade-{outcome.grade}",
        }
        for description, outcome in zip(descriptions, content.outcomes, strict=True)
    ]
    subject: dict[str, Any] = {
        "type": ["AchievementSubject"],
        "identifier": _identifiers(content),
        "achievement": {
            "id": f"{identifier}#achievement",
            "type": ["Achievement"],
            "achievementType": "Competency",
            "name": _name(content),
            "description": _description(content),
            "criteria": {"narrative": _narrative(content)},
            "alignment": alignments,
            "resultDescription": descriptions,
            "inLanguage": content.language,
        },
        "result": results,
    }
    if content.start_date:
        subject["activityStartDate"] = _day(content.start_date)
    if content.end_date:
        subject["activityEndDate"] = _day(content.end_date)
    valid_from = _moment(issued_at)
    return {
        "@context": [VC_CONTEXT, OB_CONTEXT],
        "id": identifier,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": _name(content),
        "issuer": _issuer(content, public_url),
        "validFrom": valid_from,
        "awardedDate": valid_from,
        "credentialSubject": subject,
        "credentialStatus": status.entry(public_url, certificate_id),
        "credentialSchema": [{"id": OB_SCHEMA, "type": "1EdTechJsonSchemaValidator2019"}],
    }


# --- signing --------------------------------------------------------------------------------


class _PinnedEdDSA(JWSAlgModel):
    """The algorithm name ``EdDSA``, on Ed25519 keys only; joserfc signs and verifies.

    Open Badges verifiers in the field expect ``"alg": "EdDSA"``. RFC 9864 deprecates that
    name because it leaves the curve open (Ed25519 or Ed448), and joserfc warns on each use.
    Pinning the curve here closes that gap, so this registry does not repeat the warning.
    """

    name = ALGORITHM
    description = "EdDSA with the Ed25519 curve only"
    key_type = "OKP"
    _joserfc = EdDSAAlgorithm()

    def check_key(self, key: OKPKey) -> None:
        super().check_key(key)
        if key.curve_name != CURVE:
            raise InvalidKeyCurveError(f"'{ALGORITHM}' is used here with {CURVE} keys only")

    def sign(self, msg: bytes, key: OKPKey) -> bytes:
        return self._joserfc.sign(msg, key)

    def verify(self, msg: bytes, sig: bytes, key: OKPKey) -> bool:
        return self._joserfc.verify(msg, sig, key)


class _CredentialRegistry(JWSRegistry):
    """A joserfc registry that knows one algorithm: EdDSA on Ed25519, and nothing else
    (no ``none``, no HMAC), with room for a credential's payload."""

    algorithms: dict[str, JWSAlgModel] = {ALGORITHM: _PinnedEdDSA()}  # noqa: RUF012
    max_header_length = MAX_HEADER_CHARACTERS
    max_payload_length = MAX_TOKEN_CHARACTERS


REGISTRY = _CredentialRegistry(algorithms=[ALGORITHM])


def _numeric_date(text: str) -> int:
    """A VC dateTime as a JWT NumericDate (seconds since the epoch, UTC)."""
    moment = datetime.datetime.fromisoformat(text)
    if moment.tzinfo is None:
        raise ValueError(f"{text!r} has no time zone")
    return int(moment.timestamp())


def _issuer_id(payload: dict[str, Any]) -> Any:
    issuer = payload.get("issuer")
    return issuer.get("id") if isinstance(issuer, dict) else issuer


def jwt_claims(payload: dict[str, Any]) -> dict[str, Any]:
    """The registered claims OB 3.0 section 8.2 asks for, from the credential's own fields."""
    claims: dict[str, Any] = {
        "iss": _issuer_id(payload),
        "nbf": _numeric_date(payload["validFrom"]),
        "jti": payload["id"],
    }
    subject = payload.get("credentialSubject")
    if isinstance(subject, dict) and "id" in subject:
        claims["sub"] = subject["id"]
    if "validUntil" in payload:
        claims["exp"] = _numeric_date(payload["validUntil"])
    return claims


def sign(payload: dict[str, Any], keys: SigningKeys) -> str:
    """The credential as a compact JWS (VC-JWT), signed with the current key."""
    claims = {**payload, **jwt_claims(payload)}
    body = json.dumps(claims, ensure_ascii=False, separators=(",", ":")).encode()
    header = {"alg": ALGORITHM, "kid": keys.kid, "typ": "JWT"}
    return jws.serialize_compact(header, body, keys.private_key, registry=REGISTRY)


# --- verifying ------------------------------------------------------------------------------

_BASE64URL = re.compile(r"[A-Za-z0-9_-]*")


def _shown(value: object) -> str:
    """A value from the input, short enough for a one-line reason."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
# The bits of the last character that a part of this length (mod 4) leaves unused.
_UNUSED_BITS = {0: 0, 2: 0x0F, 3: 0x03}


def _base64url(part: str, what: str) -> bytes:
    """Decode one part of a compact JWS; only the one canonical spelling is accepted, so a
    changed character is never silently read as the same bytes (a lenient decoder ignores
    the unused low bits of the last character)."""
    if not _BASE64URL.fullmatch(part) or len(part) % 4 == 1:
        raise CredentialRejected(f"the {what} is not base64url")
    if part and _ALPHABET.index(part[-1]) & _UNUSED_BITS[len(part) % 4]:
        raise CredentialRejected(f"the {what} is not canonical base64url")
    try:
        return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
    except (binascii.Error, ValueError):
        raise CredentialRejected(f"the {what} is not base64url") from None


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # Two values for one name would be read differently by different verifiers.
    found = dict(pairs)
    if len(found) != len(pairs):
        raise ValueError("a name appears twice")
    return found


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _json_object(raw: bytes, what: str) -> dict[str, Any]:
    try:
        value = json.loads(
            raw.decode("utf-8"),
            object_pairs_hook=_no_duplicates,
            parse_constant=_refuse_constant,
        )
    except (ValueError, RecursionError):
        raise CredentialRejected(f"the {what} is not JSON") from None
    if not isinstance(value, dict):
        raise CredentialRejected(f"the {what} is not a JSON object")
    return value


def _parts(token: str | bytes) -> tuple[str, str, str]:
    if isinstance(token, bytes):
        try:
            token = token.decode("ascii")
        except UnicodeDecodeError:
            raise CredentialRejected("not a credential: the text is not ASCII") from None
    if not isinstance(token, str):
        raise CredentialRejected("not a credential: not text")
    if len(token) > MAX_TOKEN_CHARACTERS:
        raise CredentialRejected(
            f"not a credential: longer than {MAX_TOKEN_CHARACTERS:,} characters"
        )
    token = token.strip()
    if not token:
        raise CredentialRejected("not a credential: empty")
    parts = token.split(".")
    if len(parts) != 3 or not all(parts):
        raise CredentialRejected(
            "not a compact JWS: expected three non-empty parts separated by dots"
        )
    return parts[0], parts[1], parts[2]


def _check_header(header: dict[str, Any]) -> str:
    """The header's ``kid`` once the header is one OB 3.0 allows."""
    extra = sorted(set(header) - HEADER_FIELDS)
    if extra:
        raise CredentialRejected(
            f"the header has fields Open Badges 3.0 does not allow: {_shown(extra)}"
        )
    alg = header.get("alg")
    if alg != ALGORITHM:
        raise CredentialRejected(f"the algorithm is {_shown(alg)}, not {ALGORITHM} (Ed25519)")
    if "typ" in header and header["typ"] != "JWT":
        raise CredentialRejected(f"the header's typ is {_shown(header['typ'])}, not 'JWT'")
    kid = header.get("kid")
    if not isinstance(kid, str) or not kid:
        raise CredentialRejected("the header names no key (kid)")
    return kid


@functools.lru_cache(maxsize=64)
def _public_key(crv: str, x: str) -> OKPKey:
    return OKPKey.import_key({"kty": "OKP", "crv": crv, "x": x})


def key_for(kid: str, jwks: dict[str, Any]) -> OKPKey:
    """The public key named ``kid`` in the key set ``jwks``; unknown or unusable: rejected."""
    keys = jwks.get("keys") if isinstance(jwks, dict) else None
    if not isinstance(keys, list):
        raise CredentialRejected("the issuer's key set is not a JWKS")
    found = next((k for k in keys if isinstance(k, dict) and k.get("kid") == kid), None)
    if found is None:
        raise CredentialRejected(f"unknown key {_shown(kid)}: not among the issuer's keys")
    if found.get("use", "sig") != "sig" or found.get("alg", ALGORITHM) != ALGORITHM:
        raise CredentialRejected(f"the key {_shown(kid)} is not for {ALGORITHM} signatures")
    crv, x = found.get("crv"), found.get("x")
    if found.get("kty") != "OKP" or crv != CURVE or not isinstance(x, str):
        raise CredentialRejected(f"the key {_shown(kid)} is not an Ed25519 public key")
    try:
        return _public_key(crv, x)
    except (JoseError, ValueError, TypeError):
        raise CredentialRejected(f"the key {_shown(kid)} cannot be read") from None


def _check_signature(parts: tuple[str, str, str], header: dict[str, Any], key: OKPKey) -> None:
    """joserfc checks the signature over the parts as sent (already decoded once here)."""
    signed = jws.CompactSignature(header, b"")
    signed.segments.update(
        {"header": parts[0].encode(), "payload": parts[1].encode(), "signature": parts[2].encode()}
    )
    try:
        valid = jws.validate_compact(signed, key, registry=REGISTRY)
    except (JoseError, ValueError, TypeError, KeyError) as exc:
        raise CredentialRejected(
            f"the signature cannot be checked ({exc.__class__.__name__})"
        ) from None
    if not valid:
        raise CredentialRejected(
            "bad signature: the credential was changed or not signed by this key"
        )


def _check_shape(payload: dict[str, Any], expected_type: str) -> None:
    """The payload is a VC 2.0 credential of ``expected_type`` with the fields it needs."""
    context = payload.get("@context")
    if not isinstance(context, list) or not context or context[0] != VC_CONTEXT:
        raise CredentialRejected(
            "the payload is not a Verifiable Credential 2.0 (its first @context is not"
            f" {VC_CONTEXT})"
        )
    types = payload.get("type")
    if not isinstance(types, list) or "VerifiableCredential" not in types:
        raise CredentialRejected("the payload's type does not include VerifiableCredential")
    open_badge = expected_type == "OpenBadgeCredential"
    wanted = {"OpenBadgeCredential", "AchievementCredential"} if open_badge else {expected_type}
    if not wanted & set(types):
        raise CredentialRejected(f"the payload's type does not include {expected_type}")
    if open_badge and not any(
        isinstance(item, str) and item.startswith(OB_CONTEXT_PREFIX) for item in context
    ):
        raise CredentialRejected("the payload lacks the Open Badges 3.0 @context")
    if not isinstance(payload.get("id"), str):
        raise CredentialRejected("the credential has no id")
    if not isinstance(_issuer_id(payload), str):
        raise CredentialRejected("the credential names no issuer id")
    if not isinstance(payload.get("validFrom"), str):
        raise CredentialRejected("the credential has no validFrom")
    subject = payload.get("credentialSubject")
    if not isinstance(subject, dict):
        raise CredentialRejected("the credential has no credentialSubject")
    if open_badge:
        achievement = subject.get("achievement")
        if not isinstance(achievement, dict):
            raise CredentialRejected("the credential's subject has no achievement")
        for field in ("id", "type", "name", "description", "criteria"):
            if field not in achievement:
                raise CredentialRejected(f"the credential's achievement has no {field}")


def _when(payload: dict[str, Any], field: str) -> int:
    try:
        return _numeric_date(payload[field])
    except (ValueError, TypeError, OverflowError):
        raise CredentialRejected(f"the credential's {field} is not a date and time") from None


def _check_claims(payload: dict[str, Any], kid: str, now: datetime.datetime) -> None:
    """The JWT claims agree with the credential (OB 3.0 section 8.2.4.1), the key is the
    issuer's own, and the credential is in force."""
    if "iss" not in payload or payload["iss"] != _issuer_id(payload):
        raise CredentialRejected("the iss claim is not the credential's issuer id")
    if kid.startswith("did:") and kid.split("#", 1)[0] != payload["iss"]:
        # A key named by a DID URL belongs to that DID: another issuer's key signs nothing here.
        raise CredentialRejected(f"the key {_shown(kid)} is not the issuer's")
    if "jti" not in payload or payload["jti"] != payload["id"]:
        raise CredentialRejected("the jti claim is not the credential's id")
    subject_id = payload["credentialSubject"].get("id")
    if payload.get("sub") != subject_id:
        raise CredentialRejected("the sub claim is not the credential subject's id")
    nbf = payload.get("nbf")
    valid_from = _when(payload, "validFrom")
    if type(nbf) is not int or nbf != valid_from:
        raise CredentialRejected("the nbf claim is not the credential's validFrom")
    if valid_from > (now + CLOCK_LEEWAY).timestamp():
        raise CredentialRejected(f"not yet valid: valid from {payload['validFrom']}")
    exp = payload.get("exp")
    if "validUntil" in payload:
        if type(exp) is not int or exp != _when(payload, "validUntil"):
            raise CredentialRejected("the exp claim is not the credential's validUntil")
    elif exp is not None and type(exp) is not int:
        raise CredentialRejected("the exp claim is not a NumericDate")
    if exp is not None and exp < (now - CLOCK_LEEWAY).timestamp():
        ended = datetime.datetime.fromtimestamp(exp, datetime.UTC)
        raise CredentialRejected(f"expired on {_moment(ended)}")


def verify(
    token: str | bytes,
    jwks: dict[str, Any],
    *,
    now: datetime.datetime | None = None,
    expected_type: str = "OpenBadgeCredential",
) -> dict[str, Any]:
    """The credential in ``token`` once it verifies against the key set ``jwks``.

    In the order OB 3.0 section 8.2.4 gives: the header (EdDSA, a known ``kid``, no other
    fields), the signature, then the payload (a VC 2.0 credential of ``expected_type``, the
    JWT claims matching its fields, valid now). ``expected_type`` is
    ``BitstringStatusListCredential`` to read a status list. Raises
    :class:`CredentialRejected`, and nothing else, for any input that does not verify.
    """
    parts = _parts(token)
    header_part, payload_part, signature_part = parts
    if len(header_part) > MAX_HEADER_CHARACTERS:
        raise CredentialRejected("the header is too large")
    header = _json_object(_base64url(header_part, "header"), "header")
    kid = _check_header(header)
    key = key_for(kid, jwks)
    payload_bytes = _base64url(payload_part, "payload")
    if len(_base64url(signature_part, "signature")) != 64:
        raise CredentialRejected("bad signature: not an Ed25519 signature (64 bytes)")
    _check_signature(parts, header, key)
    payload = _json_object(payload_bytes, "payload")
    _check_shape(payload, expected_type)
    _check_claims(payload, kid, now or datetime.datetime.now(datetime.UTC))
    return payload


def status_of(payload: dict[str, Any], status_list: dict[str, Any]) -> bool:
    """Whether the verified ``status_list`` credential marks the credential ``payload`` revoked.

    Both must already have been verified (:func:`verify`). Raises :class:`CredentialRejected`
    when the list is not the one the credential names or cannot be read.
    """
    entries = payload.get("credentialStatus")
    candidates = entries if isinstance(entries, list) else [entries]
    entry = next(
        (
            item
            for item in candidates
            if isinstance(item, dict)
            and item.get("type") == "BitstringStatusListEntry"
            and item.get("statusPurpose") == status.PURPOSE
        ),
        None,
    )
    if entry is None:
        raise CredentialRejected("the credential has no revocation status entry")
    if status_list.get("id") != entry.get("statusListCredential"):
        raise CredentialRejected("the status list is not the one the credential names")
    if _issuer_id(status_list) != _issuer_id(payload):
        raise CredentialRejected("the status list was issued by someone else")
    index_text = entry.get("statusListIndex")
    if not isinstance(index_text, str) or not re.fullmatch(r"[0-9]{1,10}", index_text):
        raise CredentialRejected("the credential's statusListIndex is not a number")
    subject = status_list.get("credentialSubject")
    if not isinstance(subject, dict) or subject.get("type") != "BitstringStatusList":
        raise CredentialRejected("the status list credential holds no BitstringStatusList")
    purposes = subject.get("statusPurpose")
    if status.PURPOSE not in (purposes if isinstance(purposes, list) else [purposes]):
        raise CredentialRejected("the status list is not a revocation list")
    try:
        bits = status.decode(subject.get("encodedList"))
    except status.StatusListError as exc:
        raise CredentialRejected(f"the status list cannot be read: {exc}") from None
    if len(bits) * 8 < status.LIST_SIZE:
        raise CredentialRejected("the status list is shorter than the 131,072 bits required")
    try:
        return status.is_set(bits, int(index_text))
    except IndexError:
        raise CredentialRejected("the credential's statusListIndex is beyond the list") from None
