"""The issuer's Ed25519 signing keys, its public key set and its ``did:web`` document.

The private key lives in one file (``ISOK_SIGNING_KEY``, CONTRACTS.md): a JWK, or a PKCS#8
PEM file as ``openssl genpkey -algorithm ed25519`` writes it; :func:`generate` writes a JWK,
readable only by its owner. Retired public keys are kept beside it in ``<file>.retired.json``
(a JWKS): after a rotation the credentials signed with an old key still verify, because the
old public key stays published.

Every key is named by a DID URL, ``did:web:<host>[%3A<port>][:<path>]#<thumbprint>``, the
RFC 7638 thumbprint of the public key: the same ``kid`` is in a credential's JOSE header,
in ``/.well-known/jwks.json`` and in ``/.well-known/did.json``, so a verifier that resolves
the issuer's DID and one that reads the JWKS find the same key. The thumbprint depends only
on the key, the DID only on ``ISOK_PUBLIC_URL``, so nothing but the key is stored.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final
from urllib.parse import quote, urlsplit

from joserfc.errors import JoseError
from joserfc.jwk import OKPKey

from kit.storage import write_whole

ALGORITHM: Final = "EdDSA"
CURVE: Final = "Ed25519"
MAX_KEY_FILE_BYTES = 64 * 1024
MAX_RETIRED_KEYS = 1000


class KeyProblem(Exception):
    """The signing key cannot be used: missing, unreadable, not Ed25519. One-line message."""


class KeyExists(KeyProblem):
    """:func:`generate` without ``rotate`` found a key already in place."""


def retired_path(path: Path) -> Path:
    """Where the retired public keys of the key at ``path`` are kept."""
    return path.with_name(path.name + ".retired.json")


def issuer_did(public_url: str) -> str:
    """The issuer's ``did:web`` for the portal's public address.

    ``https://isok.example.fi`` → ``did:web:isok.example.fi``; a port is written ``%3A8000``
    and a path's segments follow as ``:segment`` (did:web method, section 3.2). With a path
    a resolver reads ``<public_url>/did.json``, without one ``/.well-known/did.json``.
    """
    parts = urlsplit(public_url)
    host = (parts.hostname or "").lower()
    if not host:
        raise ValueError(f"not an http(s) address: {public_url!r}")
    method_id = quote(host, safe=".-")
    if parts.port is not None:
        method_id += "%3A" + str(parts.port)
    for segment in parts.path.split("/"):
        if segment:
            method_id += ":" + quote(segment, safe="")
    return "did:web:" + method_id


def thumbprint(key: OKPKey) -> str:
    """The RFC 7638 SHA-256 thumbprint of the key's public part (base64url)."""
    return key.thumbprint()


def public_jwk(key: OKPKey, kid: str) -> dict[str, Any]:
    """The public part of ``key`` as a JWK with its ``kid`` and what it may be used for."""
    public = key.as_dict(private=False)
    return {
        "kty": "OKP",
        "crv": public["crv"],
        "x": public["x"],
        "kid": kid,
        "alg": ALGORITHM,
        "use": "sig",
    }


@dataclass(frozen=True)
class SigningKeys:
    """The current private key (named :attr:`kid`) and the retired public keys.

    ``did`` is the issuer's id; every key's ``kid`` is ``did#thumbprint``.
    """

    private_key: OKPKey
    did: str
    kid: str
    retired: tuple[OKPKey, ...] = ()

    def public_keys(self) -> list[tuple[str, OKPKey]]:
        """``(kid, key)`` for the current key, then the retired keys, newest first, each once."""
        found = [(self.kid, self.private_key)]
        seen = {thumbprint(self.private_key)}
        for key in reversed(self.retired):  # the most recently retired first
            digest = thumbprint(key)
            if digest not in seen:
                seen.add(digest)
                found.append((f"{self.did}#{digest}", key))
        return found

    def public_jwks(self) -> dict[str, Any]:
        """The JWKS published at ``/.well-known/jwks.json``: public parts only."""
        return {"keys": [public_jwk(key, kid) for kid, key in self.public_keys()]}


def did_document(public_url: str, keys: SigningKeys) -> dict[str, Any]:
    """The DID document served at ``/.well-known/did.json`` (W3C DID Core 1.0).

    Each key is a ``JsonWebKey2020`` verification method carrying ``publicKeyJwk``: VC-JWT
    verifiers (the 1EdTech validator, did-jwt, Spruce's ssi, walt.id) take the JWK from the
    method named by the JOSE header's ``kid`` and verify with any JOSE library, whereas a
    ``Multikey`` carries ``publicKeyMultibase``, which a JOSE verifier must first convert.
    Retired keys stay listed under ``assertionMethod`` so old credentials still verify.
    """
    did = issuer_did(public_url)
    methods = [
        {
            "id": kid,
            "type": "JsonWebKey2020",
            "controller": did,
            "publicKeyJwk": {
                field: value
                for field, value in public_jwk(key, kid).items()
                if field in ("kty", "crv", "x", "alg")
            },
        }
        for kid, key in keys.public_keys()
    ]
    return {
        "@context": [
            "https://www.w3.org/ns/did/v1",
            "https://w3id.org/security/suites/jws-2020/v1",
        ],
        "id": did,
        "verificationMethod": methods,
        "assertionMethod": [method["id"] for method in methods],
    }


def _read_private_key(path: Path) -> OKPKey:
    """The Ed25519 private key in ``path`` (JWK or PEM), or :class:`KeyProblem`."""
    try:
        with path.open("rb") as file:
            data = file.read(MAX_KEY_FILE_BYTES + 1)
    except FileNotFoundError:
        raise KeyProblem(
            f"no signing key at {path} (create one with 'isok keys generate')"
        ) from None
    except OSError as exc:
        raise KeyProblem(f"cannot read the signing key {path}: {exc.strerror or exc}") from None
    if len(data) > MAX_KEY_FILE_BYTES:
        raise KeyProblem(f"the signing key file {path} is too large to be a key")
    try:
        if data.lstrip().startswith(b"{"):
            value = json.loads(data)
            if not isinstance(value, dict) or "d" not in value:
                raise KeyProblem(f"the signing key {path} is a JWK without its private part")
            key = OKPKey.import_key(value)
        elif data.lstrip().startswith(b"-----BEGIN"):
            key = OKPKey.import_key(data)
        else:
            raise KeyProblem(f"the signing key {path} is neither a JWK nor a PEM file")
    except KeyProblem:
        raise
    except (JoseError, ValueError, TypeError, KeyError, UnicodeError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else exc.__class__.__name__
        raise KeyProblem(f"the signing key {path} cannot be read: {reason}") from None
    if key.curve_name != CURVE or not key.is_private:
        raise KeyProblem(f"the signing key {path} is not an Ed25519 private key")
    return key


def _read_retired(path: Path) -> tuple[OKPKey, ...]:
    """The retired public keys beside ``path``; none when there is no such file."""
    try:
        with retired_path(path).open("rb") as file:
            data = file.read(MAX_RETIRED_KEYS * 1024 + 1)
    except FileNotFoundError:
        return ()
    except OSError as exc:
        raise KeyProblem(
            f"cannot read the retired keys {retired_path(path)}: {exc.strerror or exc}"
        ) from None
    try:
        value = json.loads(data)
        keys = tuple(
            OKPKey.import_key({"kty": "OKP", "crv": item["crv"], "x": item["x"]})
            for item in value["keys"]
        )
    except (JoseError, ValueError, TypeError, KeyError, UnicodeError):
        raise KeyProblem(f"the retired keys {retired_path(path)} are not a JWKS") from None
    if any(key.curve_name != CURVE for key in keys):
        raise KeyProblem(f"the retired keys {retired_path(path)} hold a key that is not Ed25519")
    return keys


_cache: dict[tuple[Path, str], tuple[tuple[int, ...], SigningKeys]] = {}


def _stamp(path: Path) -> tuple[int, ...]:
    """What changes when either file is replaced (rotation writes new files)."""
    stamp: list[int] = []
    for candidate in (path, retired_path(path)):
        try:
            status = candidate.stat()
        except OSError:
            stamp.extend((0, 0, 0))
        else:
            stamp.extend((status.st_ino, status.st_mtime_ns, status.st_size))
    return tuple(stamp)


def load(path: Path, public_url: str) -> SigningKeys:
    """The signing keys at ``path``, named for ``public_url``; :class:`KeyProblem` if unusable.

    Read again only when the key file or the retired set changes (a rotation by ``isok keys
    generate --rotate`` is seen by running workers without a restart).
    """
    stamp = _stamp(path)
    cached = _cache.get((path, public_url))
    if cached is not None and cached[0] == stamp:
        return cached[1]
    private_key = _read_private_key(path)
    did = issuer_did(public_url)
    keys = SigningKeys(
        private_key=private_key,
        did=did,
        kid=f"{did}#{thumbprint(private_key)}",
        retired=_read_retired(path),
    )
    _cache[(path, public_url)] = (stamp, keys)
    return keys


def generate(path: Path, public_url: str, *, rotate: bool = False) -> str:
    """Create a new Ed25519 key at ``path`` (mode 0600) and return its ``kid``.

    A key already there is kept (:class:`KeyExists`) unless ``rotate``: then its public part
    joins the retired set first, and only then is the new key put in its place, so a crash
    in between leaves the old key working and published.
    """
    exists = path.exists()
    if exists and not rotate:
        raise KeyExists(
            f"a signing key already exists at {path}; use --rotate to replace it"
            " (its public key stays published)"
        )
    if exists:
        old = _read_private_key(path)
        retired = list(_read_retired(path))
        if all(thumbprint(key) != thumbprint(old) for key in retired):
            retired.append(old)
        jwks = {"keys": [public_jwk(key, thumbprint(key)) for key in retired]}
        write_whole(retired_path(path), (json.dumps(jwks, indent=2) + "\n").encode(), mode=0o644)
    key = OKPKey.generate_key(CURVE, private=True)
    jwk = key.as_dict(private=True)
    private = {"kty": "OKP", "crv": jwk["crv"], "x": jwk["x"], "d": jwk["d"]}
    write_whole(path, (json.dumps(private) + "\n").encode(), mode=0o600)
    return f"{issuer_did(public_url)}#{thumbprint(key)}"
