"""The live server's log against every secret the browser run met (issue 18, "Must hold": no
secret, token or password appears in any log line)."""

from __future__ import annotations

import email
import email.policy
import re
from collections.abc import Iterable, Mapping
from pathlib import Path

from portal.logs import LINK_PATHS

_LINK_ALTERNATIVES = "|".join(re.escape(path) for path in LINK_PATHS)
# A link token as a browser or an e-mail carries it.
LINK_TOKEN = re.compile(rf"(?:{_LINK_ALTERNATIVES})([A-Za-z0-9_\-]{{16,}})")
# What no log line may show whatever the values: a link path followed by anything but a route
# template's ``{token}`` or the redaction mark, or a request's credential headers.
FORBIDDEN = {
    "a link token": re.compile(rf"(?:{_LINK_ALTERNATIVES})(?!\{{|\[redacted\])[^\s/?#\"'<>]+"),
    "a Cookie or Set-Cookie header": re.compile(r"(?i)\b(?:set-)?cookie\s*[:=]"),
    "an Authorization header": re.compile(r"(?i)\bauthorization\s*[:=]"),
}


def link_tokens_in_mail(directory: Path) -> set[str]:
    """The tokens of every link in the ``.eml`` files under ``directory``, decoded (a
    quoted-printable body breaks long lines)."""
    tokens: set[str] = set()
    for path in directory.rglob("*.eml"):
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        for part in message.walk():
            if part.get_content_maintype() == "text":
                tokens.update(LINK_TOKEN.findall(str(part.get_content())))
    return tokens


def leaks(log_files: Iterable[Path], secrets: Mapping[str, str]) -> list[str]:
    """Each log line that holds one of ``secrets`` (value → what it is) or a
    :data:`FORBIDDEN` pattern, as ``file:line: what: the line``."""
    found: list[str] = []
    values = {value: what for value, what in secrets.items() if value}
    for log_file in log_files:
        if not log_file.exists():
            continue
        for number, line in enumerate(log_file.read_text(errors="replace").splitlines(), 1):
            named = [what for value, what in values.items() if value in line]
            named += [what for what, pattern in FORBIDDEN.items() if pattern.search(line)]
            if named:
                found.append(f"{log_file.name}:{number}: {', '.join(named)}: {line}")
    return found
