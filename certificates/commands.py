"""`isok keys generate` and `isok certificates verify` (CONTRACTS.md, "Command line").

``isok certificates verify FILE`` answers with exactly one line: ``valid: …`` on standard
output and exit status 0, or ``invalid: <why>`` (the credential fails) or ``error: <why>``
(the check could not be made: unreadable file, no keys, status list unreachable) on standard
error and exit status 1. A mistyped command line is one ``error:`` line too, status 2.

The signing and verifying code (joserfc, the certificates' models) is imported when a command
runs, so that `isok --help` and `isok serve` do not load it (docs/performance.md).
"""

from __future__ import annotations

import json
import sys
import urllib.error
import urllib.request
from http.client import HTTPException, HTTPMessage
from typing import IO, Any

import click

from kit.cli import Failure, OneLineCommand, UsageFailure
from kit.settings import Settings, SettingsError, get_settings

MAX_DOWNLOAD_BYTES = 1_000_000
FETCH_TIMEOUT_SECONDS = 10
USER_AGENT = "isok-certificates-verify"


class Invalid(Failure):
    """The credential does not verify."""

    prefix = "invalid"


def _settings() -> Settings:
    try:
        return get_settings()
    except SettingsError as exc:
        raise Failure(str(exc)) from None


# --- isok keys ------------------------------------------------------------------------------


@click.group(name="keys")
def keys_group() -> None:
    """The issuer's credential-signing keys."""


@keys_group.command(name="generate", cls=OneLineCommand)
@click.option(
    "--rotate", is_flag=True, help="Replace the current key; its public key stays published."
)
@click.option("--if-missing", is_flag=True, help="Do nothing (and succeed) when a key exists.")
def generate_command(rotate: bool, if_missing: bool) -> None:
    """Create the Ed25519 key that signs credentials (ISOK_SIGNING_KEY, mode 0600)."""
    from certificates import keys

    if rotate and if_missing:
        raise UsageFailure("--rotate and --if-missing exclude each other")
    settings = _settings()
    path = settings.certificates.signing_key
    if if_missing and path.exists():
        return
    try:
        kid = keys.generate(path, settings.public_url, rotate=rotate)
    except keys.KeyProblem as problem:
        raise Failure(str(problem)) from None
    except OSError as exc:
        raise Failure(f"cannot write the signing key {path}: {exc.strerror or exc}") from None
    if rotate:
        click.echo(f"New signing key {kid}")
        click.echo(f"  in {path}; the old public key stays published ({keys.retired_path(path)}).")
    else:
        click.echo(f"Created signing key {kid}")
        click.echo(f"  in {path} (readable only by its owner).")


# --- isok certificates ----------------------------------------------------------------------


@click.group(name="certificates")
def certificates_group() -> None:
    """Certificates and their signed credentials."""


def _read_limited(stream: IO[bytes], what: str) -> bytes:
    data = stream.read(MAX_DOWNLOAD_BYTES + 1)
    if len(data) > MAX_DOWNLOAD_BYTES:
        # Nothing the issuer publishes, nor a credential, comes near this size.
        failure = Invalid if what == "the credential" else Failure
        raise failure(f"{what} is larger than {MAX_DOWNLOAD_BYTES:,} bytes")
    return data


def _read_file(name: str, what: str) -> bytes:
    if name == "-":
        return _read_limited(sys.stdin.buffer, what)
    try:
        with open(name, "rb") as file:
            return _read_limited(file, what)
    except OSError as exc:
        raise Failure(f"cannot read {what} {name}: {exc.strerror or exc}") from None


class _HttpOnlyRedirects(urllib.request.HTTPRedirectHandler):
    """Follow a redirect only to another http(s) address (urllib would follow to ftp://)."""

    def redirect_request(
        self,
        req: urllib.request.Request,
        fp: IO[bytes],
        code: int,
        msg: str,
        headers: HTTPMessage,
        newurl: str,
    ) -> urllib.request.Request | None:
        if not newurl.startswith(("https://", "http://")):
            return None
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def _fetch(url: str, what: str, accept: str) -> bytes:
    """GET ``url`` (http or https only, never a local file), at most 1 MB, within 10 s."""
    if not url.startswith(("https://", "http://")):
        raise Failure(f"{what} {url!r} is not an http(s) address")
    # The scheme is checked above: urllib would also open file:// and ftp:// addresses.
    headers = {"Accept": accept, "User-Agent": USER_AGENT}
    request = urllib.request.Request(url, headers=headers)  # noqa: S310
    try:
        opener = urllib.request.build_opener(_HttpOnlyRedirects)
        with opener.open(request, timeout=FETCH_TIMEOUT_SECONDS) as answer:
            return _read_limited(answer, what)
    except urllib.error.HTTPError as exc:
        raise Failure(f"cannot fetch {what}: {url} answered {exc.code} {exc.reason}") from None
    except urllib.error.URLError as exc:
        raise Failure(f"cannot fetch {what} from {url}: {exc.reason}") from None
    except (OSError, HTTPException, ValueError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else exc.__class__.__name__
        raise Failure(f"cannot fetch {what} from {url}: {reason}") from None


def _jwks_of(document: Any) -> dict[str, Any]:
    """A JWKS, or the keys of a DID document's verification methods as a JWKS."""
    if isinstance(document, dict) and isinstance(document.get("keys"), list):
        return document
    if isinstance(document, dict) and isinstance(document.get("verificationMethod"), list):
        found = [
            {**method["publicKeyJwk"], "kid": method.get("id")}
            for method in document["verificationMethod"]
            if isinstance(method, dict) and isinstance(method.get("publicKeyJwk"), dict)
        ]
        return {"keys": found}
    raise Failure("the keys given are neither a JWKS nor a DID document")


def _published_keys(source: str | None) -> dict[str, Any]:
    """The key set to check against: ``source`` (a file or an http(s) address), or the
    public keys of this portal's own key files."""
    from certificates import keys

    if source is None:
        settings = _settings()
        try:
            signing = keys.load(settings.certificates.signing_key, settings.public_url)
        except keys.KeyProblem as problem:
            raise Failure(
                f"no keys to check against: {problem}; give the issuer's with --keys"
            ) from None
        return signing.public_jwks()
    if source.startswith(("https://", "http://")):
        data = _fetch(source, "the key set", "application/json, application/did+json")
    else:
        data = _read_file(source, "the key set")
    try:
        return _jwks_of(json.loads(data))
    except (ValueError, RecursionError):
        raise Failure(f"the key set {source} is not JSON") from None


def _holder(payload: dict[str, Any]) -> str:
    subject = payload.get("credentialSubject") or {}
    for identity in subject.get("identifier") or []:
        if (
            isinstance(identity, dict)
            and identity.get("identityType") == "name"
            and identity.get("hashed") is False
        ):
            return str(identity.get("identityHash"))
    return "(holder not named)"


def _check_status(
    payload: dict[str, Any], jwks: dict[str, Any], status_list_file: str | None
) -> None:
    """Fetch the status list the credential names, verify it, and refuse a revoked one."""
    from certificates.credential import CredentialRejected, status_of, verify

    entry = payload.get("credentialStatus")
    url = entry.get("statusListCredential") if isinstance(entry, dict) else None
    if not isinstance(url, str):
        raise Invalid("the credential names no status list")
    if status_list_file is not None:
        token = _read_file(status_list_file, "the status list")
    else:
        token = _fetch(url, "the status list", "application/vc+jwt, application/jwt")
    try:
        status_list = verify(token, jwks, expected_type="BitstringStatusListCredential")
    except CredentialRejected as rejected:
        raise Invalid(f"the status list does not verify: {rejected.reason}") from None
    try:
        revoked = status_of(payload, status_list)
    except CredentialRejected as rejected:
        raise Invalid(rejected.reason) from None
    if revoked:
        raise Invalid(
            "revoked: the issuer's status list of"
            f" {status_list.get('validFrom')} marks this credential revoked"
        )


@certificates_group.command(name="verify", cls=OneLineCommand)
@click.argument("file", metavar="FILE")
@click.option(
    "--status", "check_status", is_flag=True, help="Also check the issuer's revocation list."
)
@click.option(
    "--keys",
    "keys_source",
    metavar="PATH_OR_URL",
    help="The issuer's JWKS or DID document (default: this portal's own public keys).",
)
@click.option("--status-list", "status_list_file", metavar="FILE", hidden=True)
def verify_command(
    file: str, check_status: bool, keys_source: str | None, status_list_file: str | None
) -> None:
    """Verify the credential (.jwt) in FILE ('-' for standard input).

    Exit status 0 and one line "valid: …" only when the credential verifies; otherwise
    status 1 and one line saying why.
    """
    from certificates.credential import CredentialRejected, verify

    token = _read_file(file, "the credential")
    jwks = _published_keys(keys_source)
    try:
        payload = verify(token, jwks)
    except CredentialRejected as rejected:
        raise Invalid(rejected.reason) from None
    if check_status or status_list_file is not None:
        _check_status(payload, jwks, status_list_file)
    achievement = payload["credentialSubject"]["achievement"]
    issued = str(payload["validFrom"])[:10]
    revocation = ", not revoked" if check_status or status_list_file else ""
    click.echo(f"valid: {_holder(payload)} — {achievement['name']} (issued {issued}{revocation})")
