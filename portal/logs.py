"""The portal's logs: one line per event, JSON for a log collector or text for people, each
with the id of the request it belongs to, and never a credential (docs/observability.md).

:func:`configure` is the one place logging is set up: ``isok serve`` hands
:func:`logging_config` to uvicorn, which applies it in every worker, and the command line
applies it for every other command. The app itself configures nothing, so tests keep
pytest's own log capture.

What a log line may never hold: a link token (``/password/reset/<token>``,
``/invitations/<token>``, ``/assess/<token>``, or a ``token=``-like query parameter), a
cookie, an ``Authorization`` header, a form body. The access line
(:mod:`portal.observability`) writes the route's template, not the path, and no headers or
body; :func:`redact` is the backstop for every other line.
"""

from __future__ import annotations

import contextvars
import datetime
import json
import logging
import logging.config
import re
import secrets
from typing import Any

# The paths whose last segment is a credential: a tutor's assessment link
# (assessments/links.py), an invitation (accounts/invitations.py) and a password reset link
# (accounts/password_links.py). Written here rather than imported, so that the command line
# (which sets up logging for every command) loads no domain; tests/portal/test_logs.py
# checks each domain's own links against them.
LINK_PATHS = ("/assess/", "/invitations/", "/password/reset/")
REDACTED = "[redacted]"

_LINK_ALTERNATIVES = "|".join(re.escape(path) for path in LINK_PATHS)
# A link path and its token, as written or percent-encoded (a ``next=`` parameter); a route
# template's ``{token}`` and an already redacted token are left as they are.
_LINK_IN_TEXT = re.compile(
    rf"(?P<path>{_LINK_ALTERNATIVES}|"
    + "|".join(re.escape(path.replace("/", "%2F")) for path in LINK_PATHS)
    + r")(?!\{|\[redacted\])[^/?#&\s\"'<>]+",
    re.IGNORECASE,
)
# A query parameter whose name says it carries a credential.
_SECRET_PARAMETER = re.compile(
    r"(?P<name>[?&;](?:[A-Za-z0-9_.\-]*(?:token|password|passwd|secret|api_key|apikey|"
    r"session|signature))=)[^&#\s\"'<>]*",
    re.IGNORECASE,
)


def redact(text: str) -> str:
    """``text`` with every link token and credential-like query parameter replaced."""
    if "/" in text or "%2" in text:
        text = _LINK_IN_TEXT.sub(lambda match: match.group("path") + REDACTED, text)
    if "=" in text:
        text = _SECRET_PARAMETER.sub(lambda match: match.group("name") + REDACTED, text)
    return text


class RedactLinkTokens(logging.Filter):
    """Apply :func:`redact` to a record's message and arguments, for handlers whose
    formatter is not ours (pytest's capture, a third-party handler)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(redact(arg) if isinstance(arg, str) else arg for arg in record.args)
        return True


REDACT_LINK_TOKENS = RedactLinkTokens()
# The loggers that write request paths: ours, and uvicorn's access and error logs.
LOGGERS_WITH_PATHS = ("isok", "uvicorn.access", "uvicorn.error")


def redact_link_tokens_in_logs() -> None:
    """Install :class:`RedactLinkTokens` on the loggers that write request paths (once).

    A logger's filter sees only the records logged on it, not its children's; the
    handlers :func:`configure` sets up redact every line whatever logger wrote it.
    """
    for name in LOGGERS_WITH_PATHS:
        logging.getLogger(name).addFilter(REDACT_LINK_TOKENS)


# --- Request ids --------------------------------------------------------------------------

#: The id of the request being served in this context, if any.
REQUEST_ID: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "isok_request_id", default=None
)
# An incoming X-Request-ID is kept only when it is this: short, and nothing that could break
# a log line or smuggle markup.
_WELL_FORMED_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:\-]{0,127}")


def request_id_from(header: str | None) -> str:
    """The incoming ``X-Request-ID`` if it is well formed, else a new random id."""
    if header is not None and _WELL_FORMED_ID.fullmatch(header):
        return header
    return secrets.token_hex(16)


class RequestIdFilter(logging.Filter):
    """Put the current request's id on every record (``record.request_id``; ``None``
    outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = REQUEST_ID.get()
        return True


# --- Formats ------------------------------------------------------------------------------

#: Fields an access line carries (``extra=`` of the call), in this order.
ACCESS_FIELDS = ("method", "route", "status", "duration_ms")


def _timestamp(record: logging.LogRecord) -> str:
    moment = datetime.datetime.fromtimestamp(record.created, tz=datetime.UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


class JsonFormatter(logging.Formatter):
    """One JSON object a line: ``time``, ``level``, ``logger``, ``message``, ``request_id``,
    ``pid``, the access fields when the record has them, and ``exception``."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": _timestamp(record),
            "level": record.levelname,
            "logger": record.name,
            "message": redact(record.getMessage()),
            "request_id": getattr(record, "request_id", None),
            "pid": record.process,
        }
        for name in ACCESS_FIELDS:
            if hasattr(record, name):
                line[name] = getattr(record, name)
        if record.exc_info:
            line["exception"] = redact(self.formatException(record.exc_info))
        elif record.exc_text:
            line["exception"] = redact(record.exc_text)
        return json.dumps(line, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """``2026-05-04T10:15:02.120Z INFO isok.access [request id] message`` and any traceback."""

    def format(self, record: logging.LogRecord) -> str:
        request_id = getattr(record, "request_id", None) or "-"
        line = (
            f"{_timestamp(record)} {record.levelname} {record.name} [{request_id}] "
            f"{record.getMessage()}"
        )
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        elif record.exc_text:
            line += "\n" + record.exc_text
        return redact(line)


FORMATTERS: dict[str, type[logging.Formatter]] = {"json": JsonFormatter, "text": TextFormatter}


def logging_config(log_format: str, *, level: str = "INFO") -> dict[str, Any]:
    """The :func:`logging.config.dictConfig` document: every record, ours, uvicorn's and any
    library's, through one handler on stderr (stdout is for commands' output) with the
    request id and the redaction. uvicorn's own access log stays off: the portal writes one
    access line per request (``isok.access``)."""
    if log_format not in FORMATTERS:
        raise ValueError(f"log format must be one of {sorted(FORMATTERS)}, not {log_format!r}")
    formatter = f"{FORMATTERS[log_format].__module__}.{FORMATTERS[log_format].__qualname__}"
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {
            "request_id": {"()": f"{__name__}.RequestIdFilter"},
            "redact": {"()": f"{__name__}.RedactLinkTokens"},
        },
        "formatters": {"isok": {"()": formatter}},
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stderr",
                "formatter": "isok",
                "filters": ["request_id", "redact"],
            }
        },
        "root": {"level": "WARNING", "handlers": ["stderr"]},
        "loggers": {
            "isok": {"level": level},
            "uvicorn": {"level": level, "handlers": [], "propagate": True},
            "uvicorn.error": {"level": level, "handlers": [], "propagate": True},
            "uvicorn.access": {"level": "WARNING", "handlers": [], "propagate": False},
        },
    }


def configure(log_format: str) -> None:
    """Set up logging for this process (see :func:`logging_config`)."""
    logging.config.dictConfig(logging_config(log_format))
