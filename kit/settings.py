"""Typed settings read from ``ISOK_*`` environment variables.

One small dataclass per concern; :func:`get_settings` builds them once per process.
"""

from __future__ import annotations

import datetime
import os
import re
import secrets
from dataclasses import dataclass, field, fields, replace
from functools import lru_cache
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# The portal's own files (database, uploads, keys, mail) go under ISOK_DATA_DIR, by default
# ``var/`` in the working directory (not beside the code: an installed package's folder is
# not the place for data). Relative paths in the settings mean the working directory too.
VAR_DIR = Path("var")
DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///var/isok.sqlite3"


class SettingsError(RuntimeError):
    """The environment does not describe a runnable configuration."""


@dataclass(frozen=True)
class DatabaseSettings:
    url: str = DEFAULT_DATABASE_URL
    echo: bool = False

    @property
    def is_sqlite(self) -> bool:
        return self.url.startswith("sqlite")


@dataclass(frozen=True)
class SecuritySettings:
    secret_key: str = ""
    session_cookie: str = "isok_session"
    session_hours: int = 8
    cookie_secure: bool = False
    # Login throttling: tries per (account, address) pair and per address, counted before
    # the password is checked; past the free tries each one waits a doubling delay up to the
    # cap. A pair's count starts again after a window without tries (accounts/services.py).
    throttle_window_minutes: int = 15
    free_tries_per_pair: int = 5
    free_tries_per_address: int = 20
    throttle_first_delay_seconds: int = 1
    throttle_max_delay_seconds: int = 300


@dataclass(frozen=True)
class UploadSettings:
    """Where evidence files are kept: outside the web root, shared by every worker."""

    directory: Path = VAR_DIR / "uploads"
    max_bytes: int = 10 * 1024 * 1024


@dataclass(frozen=True)
class StorageSettings:
    """Where stored files live (kit/storage.py): ``local`` is the upload folder on this
    machine; ``s3`` is a bucket of any S3-compatible object store, shared by every machine."""

    kind: str = "local"
    endpoint_url: str = ""  # empty: AWS itself
    bucket: str = ""
    region: str = ""
    access_key_id: str = ""  # empty: the AWS_* environment or the machine's role
    secret_access_key: str = field(default="", repr=False)
    prefix: str = ""  # a folder in the bucket, such as "isok/production"


@dataclass(frozen=True)
class AssessmentSettings:
    """The triad assessment: how long a workplace tutor's link works (assessments/links.py)."""

    tutor_link_days: int = 21


@dataclass(frozen=True)
class MailSettings:
    """Where e-mail goes (kit/mailer.py). Without a host, each message is written as an
    ``.eml`` file in ``directory`` (development)."""

    host: str = ""
    port: int = 587
    # "starttls" (upgrade a plain connection), "tls" (TLS from the start, usually port 465)
    # or "none" (a local relay only).
    tls: str = "starttls"
    user: str = ""
    password: str = ""
    sender: str = "ISOK portal <noreply@isok.invalid>"
    directory: Path = VAR_DIR / "mail"


@dataclass(frozen=True)
class PrivacySettings:
    """How long a candidate's record is kept untouched before it is erased (portal/erasure.py,
    ``isok privacy retention``)."""

    retention_years: int = 5


@dataclass(frozen=True)
class ObservabilitySettings:
    """Logs and metrics (portal/logs.py, portal/metrics.py, docs/observability.md)."""

    # "json" (one JSON object a line, for a log collector) or "text" (for people).
    log_format: str = "text"
    # The bearer token Prometheus sends to GET /metrics; empty: the endpoint answers 404.
    metrics_token: str = ""


@dataclass(frozen=True)
class CertificateSettings:
    """Who issues certificates and which key signs their credentials (certificates/)."""

    signing_key: Path = VAR_DIR / "signing-key"
    issuer_name: str = "ISOK Vocational College"
    issuer_address: str = "Kuopio, Finland"
    # The education provider's own web address; empty: the portal's public address.
    issuer_url: str = ""


@dataclass(frozen=True)
class ProgrammeSettings:
    """The programme's targets (BRIEF section 1, issue 15) and its reporting calendar.

    Each ``target_<name>`` is read from ``ISOK_TARGET_<NAME>``; a target of 0 means the
    programme set none (the indicator is counted, not measured against a number).
    """

    target_candidates_started: int = 300
    target_long_term_clients: int = 0
    target_short_term_clients: int = 0
    target_major_companies: int = 10
    target_other_organisations: int = 4
    target_placements: int = 0
    target_assessments_completed: int = 0
    target_certificates_issued: int = 0
    target_outcomes: int = 0
    target_trainers_trained: int = 70
    target_dissemination_attendees: int = 620
    # The first day of the first six-month ESF reporting period; the periods follow on.
    reporting_start: datetime.date = datetime.date(2026, 1, 1)


@dataclass(frozen=True)
class Settings:
    env: str = "development"
    database: DatabaseSettings = field(default_factory=DatabaseSettings)
    security: SecuritySettings = field(default_factory=SecuritySettings)
    programme: ProgrammeSettings = field(default_factory=ProgrammeSettings)
    uploads: UploadSettings = field(default_factory=UploadSettings)
    storage: StorageSettings = field(default_factory=StorageSettings)
    assessments: AssessmentSettings = field(default_factory=AssessmentSettings)
    certificates: CertificateSettings = field(default_factory=CertificateSettings)
    privacy: PrivacySettings = field(default_factory=PrivacySettings)
    mail: MailSettings = field(default_factory=MailSettings)
    observability: ObservabilitySettings = field(default_factory=ObservabilitySettings)
    debug: bool = False
    # The portal's public address for links it gives out; never the request's Host header.
    public_url: str = "http://127.0.0.1:8000"

    @property
    def is_production(self) -> bool:
        return self.env == "production"


def data_dir(env: dict[str, str]) -> Path:
    """ISOK_DATA_DIR as an absolute folder (default ``var/`` in the working directory)."""
    raw = env.get("ISOK_DATA_DIR", "").strip()
    if "\x00" in raw:
        raise SettingsError("ISOK_DATA_DIR must be a folder name")
    return _absolute(Path(raw or VAR_DIR))


def _absolute(path: Path) -> Path:
    """A path from the settings: relative ones mean the working directory."""
    return path if path.is_absolute() else Path.cwd() / path


def _development_secret(folder: Path) -> str:
    """Generate a secret once and keep it in the data folder so sessions survive restarts."""
    path = folder / "secret_key"
    if path.exists():
        return path.read_text().strip()
    folder.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    path.write_text(key)
    path.chmod(0o600)
    return key


# The drivers the portal runs on: it is asynchronous from the request to the database.
ASYNC_DRIVERS = {"sqlite": "sqlite+aiosqlite", "postgresql": "postgresql+asyncpg"}


def check_database_url(url: str) -> str:
    """``url`` if it names one of :data:`ASYNC_DRIVERS`, else a one-line reason (which never
    repeats the address: it may hold a password)."""
    scheme, separator, _address = url.partition("://")
    if separator and scheme in ASYNC_DRIVERS.values():
        return url
    dialect = scheme.split("+", 1)[0]
    dialect = "postgresql" if dialect == "postgres" else dialect
    if separator and dialect in ASYNC_DRIVERS:
        raise SettingsError(
            f"ISOK_DATABASE_URL must name the async driver: {ASYNC_DRIVERS[dialect]}://..."
            f" rather than {scheme}://..."
        )
    raise SettingsError(
        "ISOK_DATABASE_URL must be a sqlite+aiosqlite:///path or a"
        " postgresql+asyncpg://user:password@host/database address"
    )


def resolve_database_url(url: str) -> str:
    """Make a relative SQLite path absolute against the working directory (so that every
    process started there, and every worker, opens the same file), creating its folder."""
    prefix = "sqlite+aiosqlite:///"
    if url.startswith(prefix):
        path = url[len(prefix) :].split("?", 1)[0]
        if path and path != ":memory:" and not path.startswith("file:"):
            absolute = _absolute(Path(path))
            absolute.parent.mkdir(parents=True, exist_ok=True)
            return prefix + str(absolute) + url[len(prefix) + len(path) :]
    return url


def _positive_days(env: dict[str, str], name: str, default: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    if not re.fullmatch(r"[0-9]{1,3}", raw) or not 1 <= int(raw) <= 366:
        raise SettingsError(f"{name} must be a number of days from 1 to 366, not {raw!r}")
    return int(raw)


def _years(env: dict[str, str], name: str, default: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    if not re.fullmatch(r"[0-9]{1,2}", raw) or not 1 <= int(raw) <= 50:
        raise SettingsError(f"{name} must be a number of years from 1 to 50, not {raw!r}")
    return int(raw)


def _mail(env: dict[str, str], data: Path) -> MailSettings:
    defaults = MailSettings()
    port_text = env.get("ISOK_SMTP_PORT", "").strip()
    if port_text and (
        not re.fullmatch(r"[0-9]{1,5}", port_text) or not 1 <= int(port_text) <= 65535
    ):
        raise SettingsError(
            f"ISOK_SMTP_PORT must be a port number from 1 to 65535, not {port_text!r}"
        )
    tls = env.get("ISOK_SMTP_TLS", "").strip().lower() or defaults.tls
    if tls not in ("starttls", "tls", "none"):
        raise SettingsError(f"ISOK_SMTP_TLS must be starttls, tls or none, not {tls!r}")
    host = env.get("ISOK_SMTP_HOST", "").strip()
    if any(not ch.isprintable() or ch.isspace() for ch in host):
        raise SettingsError("ISOK_SMTP_HOST must be a host name or address")
    directory = _absolute(Path(env.get("ISOK_MAIL_DIR", "") or data / "mail"))
    return MailSettings(
        host=host,
        port=int(port_text) if port_text else (465 if tls == "tls" else defaults.port),
        tls=tls,
        user=env.get("ISOK_SMTP_USER", "").strip(),
        password=env.get("ISOK_SMTP_PASSWORD", ""),
        sender=_text(env, "ISOK_MAIL_FROM", defaults.sender),
        directory=directory,
    )


def log_format(env: dict[str, str]) -> str:
    """ISOK_LOG_FORMAT (json or text); without it, json in production and text otherwise."""
    raw = env.get("ISOK_LOG_FORMAT", "").strip().lower()
    if not raw:
        return "json" if env.get("ISOK_ENV", "").strip() == "production" else "text"
    if raw not in ("json", "text"):
        raise SettingsError(f"ISOK_LOG_FORMAT must be json or text, not {raw!r}")
    return raw


def _observability(env: dict[str, str]) -> ObservabilitySettings:
    token = env.get("ISOK_METRICS_TOKEN", "").strip()
    if token and (len(token) < 16 or not re.fullmatch(r"[A-Za-z0-9._~+/=\-]+", token)):
        raise SettingsError(
            "ISOK_METRICS_TOKEN must be at least 16 characters of letters, digits and ._~+/=-"
        )
    return ObservabilitySettings(log_format=log_format(env), metrics_token=token)


def _text(env: dict[str, str], name: str, default: str) -> str:
    raw = " ".join(env.get(name, "").split())
    if len(raw) > 200 or any(not ch.isprintable() for ch in raw):
        raise SettingsError(f"{name} must be one line of at most 200 printable characters")
    return raw or default


def _target(env: dict[str, str], name: str, default: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    if not re.fullmatch(r"[0-9]{1,7}", raw):
        raise SettingsError(
            f"{name} must be a whole number from 0 to 9999999 (0: no target), not {raw!r}"
        )
    return int(raw)


def _date(env: dict[str, str], name: str, default: datetime.date) -> datetime.date:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    problem = SettingsError(f"{name} must be a date such as 2026-01-01, not {raw!r}")
    if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", raw):
        raise problem
    try:
        return datetime.date.fromisoformat(raw)
    except ValueError:
        raise problem from None


def _programme(env: dict[str, str]) -> ProgrammeSettings:
    """The targets (``ISOK_TARGET_<NAME>`` for each ``target_<name>``) and the reporting start."""
    defaults = ProgrammeSettings()
    targets = {
        item.name: _target(env, f"ISOK_{item.name.upper()}", getattr(defaults, item.name))
        for item in fields(ProgrammeSettings)
        if item.name.startswith("target_")
    }
    return replace(
        defaults,
        **targets,
        reporting_start=_date(env, "ISOK_REPORTING_START", defaults.reporting_start),
    )


def _storage(env: dict[str, str]) -> StorageSettings:
    """ISOK_STORAGE and, for ``s3``, the ISOK_S3_* variables."""
    kind = env.get("ISOK_STORAGE", "").strip().lower() or "local"
    if kind not in ("local", "s3"):
        raise SettingsError(f"ISOK_STORAGE must be local or s3, not {kind!r}")
    if kind == "local":
        return StorageSettings()
    endpoint = env.get("ISOK_S3_ENDPOINT_URL", "").strip().rstrip("/")
    if endpoint and not re.fullmatch(r"https?://[A-Za-z0-9.\-]+(:[0-9]{1,5})?", endpoint):
        raise SettingsError(
            "ISOK_S3_ENDPOINT_URL must be an http(s) address such as https://s3.example.fi"
            " (no path)"
        )
    bucket = env.get("ISOK_S3_BUCKET", "").strip()
    if not re.fullmatch(r"[a-z0-9][a-z0-9.\-]{1,61}[a-z0-9]", bucket):
        raise SettingsError(
            "ISOK_S3_BUCKET must name the bucket (3-63 lower-case letters, digits, dots,"
            " hyphens) when ISOK_STORAGE=s3"
        )
    region = env.get("ISOK_S3_REGION", "").strip()
    if region and not re.fullmatch(r"[A-Za-z0-9\-]{1,40}", region):
        raise SettingsError("ISOK_S3_REGION must be a region name such as eu-north-1")
    key_id = env.get("ISOK_S3_ACCESS_KEY_ID", "").strip()
    secret = env.get("ISOK_S3_SECRET_ACCESS_KEY", "").strip()
    if bool(key_id) != bool(secret):
        raise SettingsError(
            "ISOK_S3_ACCESS_KEY_ID and ISOK_S3_SECRET_ACCESS_KEY must be set together"
        )
    if any(not ch.isprintable() or ch.isspace() for ch in key_id + secret):
        raise SettingsError("ISOK_S3_ACCESS_KEY_ID and ISOK_S3_SECRET_ACCESS_KEY must be one word")
    prefix = env.get("ISOK_S3_PREFIX", "").strip().strip("/")
    if prefix and (
        not re.fullmatch(r"[A-Za-z0-9._\-/]{1,200}", prefix)
        or any(part in ("", ".", "..") for part in prefix.split("/"))
    ):
        raise SettingsError(
            "ISOK_S3_PREFIX must be a folder name such as isok/production (letters, digits,"
            " . _ - and /)"
        )
    return StorageSettings(
        kind="s3",
        endpoint_url=endpoint,
        bucket=bucket,
        region=region,
        access_key_id=key_id,
        secret_access_key=secret,
        prefix=prefix,
    )


def pg_bin(env: dict[str, str]) -> Path | None:
    """ISOK_PG_BIN: the folder of ``pg_dump`` and ``pg_restore`` (portal/backup.py); None:
    look on PATH."""
    raw = env.get("ISOK_PG_BIN", "").strip()
    if not raw:
        return None
    if "\x00" in raw or not Path(raw).is_dir():
        raise SettingsError("ISOK_PG_BIN must be the folder that holds pg_dump and pg_restore")
    return _absolute(Path(raw))


def settings_from_env(environ: dict[str, str] | None = None) -> Settings:
    """Build :class:`Settings` from ``ISOK_*`` variables (see CONTRACTS.md)."""
    env = dict(os.environ if environ is None else environ)
    mode = env.get("ISOK_ENV", "development")
    if mode not in {"development", "production"}:
        raise SettingsError(f"ISOK_ENV must be 'development' or 'production', not {mode!r}")
    secret = env.get("ISOK_SECRET_KEY", "")
    if not secret:
        if mode == "production":
            raise SettingsError("ISOK_SECRET_KEY is required when ISOK_ENV=production")
        secret = _development_secret(data_dir(env))
    elif len(secret) < 32:
        raise SettingsError("ISOK_SECRET_KEY must be at least 32 characters long")
    data = data_dir(env)
    url = resolve_database_url(
        check_database_url(
            env.get("ISOK_DATABASE_URL", "").strip()
            or f"sqlite+aiosqlite:///{data / 'isok.sqlite3'}"
        )
    )
    upload_dir = _absolute(Path(env.get("ISOK_UPLOAD_DIR", "") or data / "uploads"))
    signing_key = _absolute(Path(env.get("ISOK_SIGNING_KEY", "") or data / "signing-key"))
    public_url = env.get("ISOK_PUBLIC_URL", "").strip().rstrip("/") or "http://127.0.0.1:8000"
    if not re.fullmatch(
        r"https?://[A-Za-z0-9.\-]+(:[0-9]{1,5})?(/[A-Za-z0-9._~\-/]*)?", public_url
    ):
        raise SettingsError(
            f"ISOK_PUBLIC_URL must be an http(s) address such as https://isok.example.fi,"
            f" not {public_url!r}"
        )
    defaults = CertificateSettings()
    return Settings(
        env=mode,
        database=DatabaseSettings(url=url),
        security=SecuritySettings(secret_key=secret, cookie_secure=mode == "production"),
        programme=_programme(env),
        uploads=UploadSettings(directory=upload_dir),
        storage=_storage(env),
        assessments=AssessmentSettings(
            tutor_link_days=_positive_days(env, "ISOK_TUTOR_LINK_DAYS", 21)
        ),
        certificates=CertificateSettings(
            signing_key=signing_key,
            issuer_name=_text(env, "ISOK_ISSUER_NAME", defaults.issuer_name),
            issuer_address=_text(env, "ISOK_ISSUER_ADDRESS", defaults.issuer_address),
            issuer_url=env.get("ISOK_ISSUER_URL", "").strip().rstrip("/") or public_url,
        ),
        privacy=PrivacySettings(retention_years=_years(env, "ISOK_RETENTION_YEARS", 5)),
        mail=_mail(env, data),
        observability=_observability(env),
        debug=False,
        public_url=public_url,
    )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process's settings, read once."""
    return settings_from_env()
