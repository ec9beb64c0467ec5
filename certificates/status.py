"""Revocation status list: the W3C Bitstring Status List v1.0, one bit per certificate.

A certificate's place in the lists is its database id: list ``id // LIST_SIZE + 1``, bit
``id % LIST_SIZE``. Ids are never reused, so a bit never changes owner, and nothing needs to
be allocated when a certificate is issued. Each list holds 131,072 bits, the specification's
minimum, so that a list says nothing about how many certificates exist (herd privacy).

The list is a credential of its own (``BitstringStatusListCredential``), signed like the
certificates' credentials and built from the database on every request: a revocation shows
the moment it is committed.
"""

from __future__ import annotations

import base64
import datetime
import gzip
import re
import zlib
from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from certificates.keys import issuer_did
from certificates.models import Certificate

LIST_SIZE = 131_072
MAX_LISTS = 10_000  # 1.3 billion certificates: a list number beyond this names nothing
VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"
PURPOSE = "revocation"
# A list read from elsewhere may be larger than ours, but not without bound (a gzip bomb).
MAX_DECODED_BYTES = 16 * 1024 * 1024
_BASE64URL = re.compile(r"[A-Za-z0-9_-]*")


class StatusListError(ValueError):
    """An ``encodedList`` that is not a multibase base64url GZIP bitstring."""


def place(certificate_id: int) -> tuple[int, int]:
    """``(list number, index)`` of a certificate's bit."""
    return certificate_id // LIST_SIZE + 1, certificate_id % LIST_SIZE


def status_list_url(public_url: str, number: int) -> str:
    """Where list ``number`` is served (``/credentials/status/{number}``)."""
    return f"{public_url}/credentials/status/{number}"


def encode(revoked_indices: Iterable[int], size: int = LIST_SIZE) -> str:
    """The ``encodedList``: ``u`` (multibase base64url) + base64url(GZIP(bitstring)).

    Index 0 is the left-most bit: the most significant bit of the first byte.
    """
    bits = bytearray(size // 8)
    for index in revoked_indices:
        if not 0 <= index < size:
            raise ValueError(f"index {index} is outside a list of {size} bits")
        bits[index // 8] |= 0x80 >> (index % 8)
    # mtime=0: the same bits always give the same text, whenever they are encoded.
    packed = gzip.compress(bytes(bits), mtime=0)
    return "u" + base64.urlsafe_b64encode(packed).rstrip(b"=").decode()


def decode(encoded: object) -> bytes:
    """The bitstring of an ``encodedList``; :class:`StatusListError` when it is not one."""
    if not isinstance(encoded, str) or not encoded.startswith("u"):
        raise StatusListError("the encoded list is not multibase base64url (no 'u' prefix)")
    text = encoded[1:]
    if len(text) > MAX_DECODED_BYTES:
        raise StatusListError("the encoded list is too long")
    if not _BASE64URL.fullmatch(text):
        raise StatusListError("the encoded list is not base64url")
    try:
        packed = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except ValueError:
        raise StatusListError("the encoded list is not base64url") from None
    inflater = zlib.decompressobj(wbits=31)  # 31: a GZIP member, header and trailer checked
    try:
        bits = inflater.decompress(packed, MAX_DECODED_BYTES + 1)
    except zlib.error:
        raise StatusListError("the encoded list is not GZIP") from None
    if len(bits) > MAX_DECODED_BYTES:
        raise StatusListError("the decoded list is too long")
    if not inflater.eof:
        raise StatusListError("the encoded list is a truncated GZIP stream")
    return bits


def is_set(bits: bytes, index: int) -> bool:
    """Whether bit ``index`` (0 = left-most) of ``bits`` is 1; IndexError past the end."""
    if index < 0 or index >= len(bits) * 8:
        raise IndexError(f"index {index} is outside a list of {len(bits) * 8} bits")
    return bool(bits[index // 8] & (0x80 >> (index % 8)))


def entry(public_url: str, certificate_id: int) -> dict[str, Any]:
    """The ``credentialStatus`` of a certificate's credential (a BitstringStatusListEntry)."""
    number, index = place(certificate_id)
    url = status_list_url(public_url, number)
    return {
        "id": f"{url}#{index}",
        "type": "BitstringStatusListEntry",
        "statusPurpose": PURPOSE,
        "statusListIndex": str(index),
        "statusListCredential": url,
    }


async def revoked_indices(session: AsyncSession, number: int) -> list[int]:
    """The indices of the revoked certificates in list ``number`` (one query)."""
    first = (number - 1) * LIST_SIZE
    ids = await session.scalars(
        select(Certificate.id)
        .where(
            Certificate.revoked_at.is_not(None),
            Certificate.id >= first,
            Certificate.id < first + LIST_SIZE,
        )
        .order_by(Certificate.id)
    )
    return [certificate_id - first for certificate_id in ids]


def status_list_credential(
    public_url: str, number: int, indices: Iterable[int], *, valid_from: datetime.datetime
) -> dict[str, Any]:
    """List ``number`` as a BitstringStatusListCredential issued by the portal's did:web."""
    url = status_list_url(public_url, number)
    moment = valid_from.astimezone(datetime.UTC).replace(microsecond=0)
    return {
        "@context": [VC_CONTEXT],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer_did(public_url),
        "validFrom": moment.isoformat().replace("+00:00", "Z"),
        "credentialSubject": {
            "id": f"{url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": PURPOSE,
            "encodedList": encode(indices),
        },
    }
