"""The production set-up in deploy/ (issue 18, item 3; docs/operations.md) is checked, not
just written:

- every systemd unit passes ``systemd-analyze verify``, rendered with this checkout's ``isok``
  in place of ``/opt/isok/venv/bin/isok`` (verify wants the programs to exist) and the
  current user in place of ``isok``;
- every ``isok`` command line in the units (and the wrapper) is one the CLI accepts;
- the nginx server block has what the portal needs (the upload body size, HSTS, the forwarded
  headers, timeouts for PDFs), read by a small parser: ``nginx -t`` is rarely installed;
- deploy/isok.env.example names every ``ISOK_*`` setting the code reads, and its example
  values are ones the settings accept.
"""

from __future__ import annotations

import grp
import os
import pwd
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass, field, fields
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.conftest import skip_or_fail

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
UNITS = sorted([*DEPLOY.glob("*.service"), *DEPLOY.glob("*.timer")])
SERVICES = [unit for unit in UNITS if unit.suffix == ".service"]
NGINX = DEPLOY / "nginx-isok.conf"
ENV_EXAMPLE = DEPLOY / "isok.env.example"
ADMIN = DEPLOY / "isok-admin"

# Where the units expect the installed command line (docs/operations.md), and this checkout's.
INSTALLED_ISOK = "/opt/isok/venv/bin/isok"
CHECKOUT_ISOK = str(Path(sys.executable).parent / "isok")
SERVICE_USER = "isok"
DATA_DIR = "/var/lib/isok"

# The packages whose code reads settings: every top-level package but the tests and benches.
CODE_PACKAGES = sorted(
    path.parent for path in ROOT.glob("*/__init__.py") if path.parent.name not in {"tests", "bench"}
)
MIB = 1024 * 1024
HSTS = "strict-transport-security"


def systemd_analyze() -> str:
    found = shutil.which("systemd-analyze") or (
        "/usr/bin/systemd-analyze" if Path("/usr/bin/systemd-analyze").exists() else None
    )
    if found is None:
        skip_or_fail("systemd-analyze not found (Debian package systemd): units not verified")
    assert found is not None
    return found


def render(unit: Path) -> str:
    """The unit as this machine can verify it: our isok, our user and group."""
    user = pwd.getpwuid(os.getuid()).pw_name
    group = grp.getgrgid(os.getgid()).gr_name
    text = unit.read_text().replace(INSTALLED_ISOK, CHECKOUT_ISOK)
    text = re.sub(rf"(?m)^User={SERVICE_USER}$", f"User={user}", text)
    return re.sub(rf"(?m)^Group={SERVICE_USER}$", f"Group={group}", text)


def unit_settings(unit: Path) -> dict[str, list[str]]:
    """``Key=value`` lines of a unit, each key with all its values in order."""
    found: dict[str, list[str]] = {}
    for line in unit.read_text().splitlines():
        if line and not line.startswith(("#", ";", "[")) and "=" in line:
            key, value = line.split("=", 1)
            found.setdefault(key.strip(), []).append(value.strip())
    return found


def test_the_deploy_folder_has_the_units_the_docs_name() -> None:
    names = {unit.name for unit in UNITS}
    assert {"isok.service", "isok-mail.service"} <= names
    for unit in UNITS:
        if unit.suffix == ".timer":
            assert unit.with_suffix(".service").exists(), f"{unit.name} starts no service"


def test_systemd_analyze_verifies_every_unit(tmp_path: Path) -> None:
    command = systemd_analyze()
    rendered = []
    for unit in UNITS:
        target = tmp_path / unit.name
        target.write_text(render(unit))
        rendered.append(str(target))
    done = subprocess.run(
        [command, "verify", "--man=no", *rendered],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=tmp_path,
    )
    output = done.stdout + done.stderr
    # verify answers 0 despite warnings such as "Unknown key": any line on our files fails.
    ours = [
        line
        for line in output.splitlines()
        if str(tmp_path) in line or any(unit.name in line for unit in UNITS)
    ]
    assert done.returncode == 0, output
    assert not ours, output


@pytest.mark.parametrize("unit", SERVICES, ids=lambda unit: unit.name)
def test_each_service_runs_as_the_isok_user_hardened(unit: Path) -> None:
    settings = unit_settings(unit)
    assert settings["User"] == [SERVICE_USER]
    assert settings["Group"] == [SERVICE_USER]
    assert settings["EnvironmentFile"] == ["/etc/isok/isok.env"]
    assert settings["WorkingDirectory"] == [DATA_DIR]
    assert settings["NoNewPrivileges"] == ["yes"]
    assert settings["ProtectSystem"] == ["strict"]
    assert settings["PrivateTmp"] == ["yes"]
    writable = " ".join(settings.get("ReadWritePaths", [])).split()
    assert DATA_DIR in writable, "the data folder must stay writable under ProtectSystem=strict"
    # The PDF-disarming child lowers its own limits with setrlimit (the @resources group).
    denied = [value[1:] for value in settings.get("SystemCallFilter", []) if value[:1] == "~"]
    assert not any("@resources" in value or "setrlimit" in value for value in denied)
    assert "MemoryDenyWriteExecute" not in settings
    if settings["Type"] != ["oneshot"]:
        assert settings["Restart"] == ["on-failure"]


def test_only_the_web_server_migrates_and_the_sender_starts_after_it() -> None:
    """Two `isok db upgrade` at once would race: one unit runs it, the others wait for it."""
    for unit in SERVICES:
        migrates = [
            line for line in unit_settings(unit).get("ExecStartPre", []) if "db upgrade" in line
        ]
        assert bool(migrates) == (unit.name == "isok.service"), unit.name
    assert "isok.service" in unit_settings(DEPLOY / "isok-mail.service")["After"][0].split()
    serve = unit_settings(DEPLOY / "isok.service")["ExecStart"][0]
    assert "--no-mail-sender" in serve.split(), "isok-mail.service is the one sender"


def isok_command_lines() -> list[tuple[str, list[str]]]:
    """Every isok command line in the units: (where, arguments)."""
    found = []
    for unit in SERVICES:
        for key, values in unit_settings(unit).items():
            for value in values:
                if key.startswith("Exec") and INSTALLED_ISOK in value:
                    words = shlex.split(value.replace("$$", "$").replace("%%", "%"))
                    if words[0] == "/bin/sh":  # sh -c '... isok args': the script's words
                        words = shlex.split(words[-1])
                    arguments = words[words.index(INSTALLED_ISOK) + 1 :]
                    found.append((f"{unit.name} {key}", arguments))
    return found


@pytest.mark.parametrize(
    ("where", "arguments"),
    [
        pytest.param(where, arguments, id=f"{where}: {' '.join(arguments[:2])}")
        for where, arguments in isok_command_lines()
    ],
)
def test_every_isok_command_in_the_units_exists(where: str, arguments: list[str]) -> None:
    """The command and its options as the CLI knows them (``--help`` stops before running)."""
    from portal.cli import main

    result = CliRunner().invoke(main, [*arguments, "--help"])
    assert result.exit_code == 0, f"{where}: isok {' '.join(arguments)}: {result.output}"


def test_the_admin_wrapper_runs_the_units_isok_with_their_settings() -> None:
    text = ADMIN.read_text()
    assert f"isok={INSTALLED_ISOK}" in text
    assert "env_file=/etc/isok/isok.env" in text
    assert f"runuser -u {SERVICE_USER} --" in text
    assert os.access(ADMIN, os.X_OK), "deploy/isok-admin must be executable"
    done = subprocess.run(
        ["/bin/sh", "-n", str(ADMIN)], capture_output=True, text=True, timeout=30, check=False
    )
    assert done.returncode == 0, done.stderr


# --- nginx ------------------------------------------------------------------------------


@dataclass
class Directive:
    name: str
    args: list[str]
    children: list[Directive] = field(default_factory=list)

    def all(self, name: str) -> list[Directive]:
        return [child for child in self.children if child.name == name]

    def values(self, name: str) -> list[list[str]]:
        return [child.args for child in self.all(name)]


NGINX_TOKEN = re.compile(r"""#[^\n]*|"(?:\\.|[^"\\])*"|'(?:\\.|[^'\\])*'|[{};]|[^\s{};"'#]+""")


def parse_nginx(text: str) -> Directive:
    """nginx's configuration as a tree of directives (comments dropped, quotes removed)."""
    root = Directive("", [])
    stack = [root]
    words: list[str] = []
    for token in NGINX_TOKEN.findall(text):
        if token.startswith("#"):
            continue
        if token == ";":
            stack[-1].children.append(Directive(words[0], words[1:]))
            words = []
        elif token == "{":
            block = Directive(words[0], words[1:])
            stack[-1].children.append(block)
            stack.append(block)
            words = []
        elif token == "}":
            assert not words, f"unfinished directive before }}: {words}"
            stack.pop()
        else:
            words.append(token[1:-1] if token[:1] in "\"'" else token)
    assert len(stack) == 1, "unbalanced braces in the nginx file"
    assert not words, f"unfinished directive at the end: {words}"
    return root


def nginx_size(value: str) -> int:
    found = re.fullmatch(r"([0-9]+)([kKmMgG]?)", value)
    assert found, f"not an nginx size: {value}"
    factor = {"": 1, "k": 1024, "m": MIB, "g": 1024 * MIB}[found.group(2).lower()]
    return int(found.group(1)) * factor


def nginx_seconds(value: str) -> int:
    found = re.fullmatch(r"([0-9]+)(s|m)?", value)
    assert found, f"not an nginx time: {value}"
    return int(found.group(1)) * (60 if found.group(2) == "m" else 1)


def portal_server() -> Directive:
    """The server block that serves the portal over TLS."""
    servers = [
        server
        for server in parse_nginx(NGINX.read_text()).all("server")
        if any("ssl" in args for args in server.values("listen")) and server.all("location")
    ]
    assert len(servers) == 1, "one TLS server block with locations"
    return servers[0]


def test_the_nginx_file_parses_and_redirects_plain_http() -> None:
    servers = parse_nginx(NGINX.read_text()).all("server")
    plain = [s for s in servers if any(args[0] in ("80", "[::]:80") for args in s.values("listen"))]
    assert plain, "a port-80 server that sends browsers to HTTPS"
    redirects = [
        child.args
        for server in plain
        for location in server.all("location")
        for child in location.all("return")
    ]
    assert any(args[0] == "301" and args[1].startswith("https://") for args in redirects)


def test_nginx_takes_the_uploads_the_portal_takes() -> None:
    from candidates.portfolio_forms import UPLOAD_REQUEST_LIMIT
    from kit.settings import UploadSettings

    (limit,) = portal_server().values("client_max_body_size")
    size = nginx_size(limit[0])
    assert size >= 12 * MIB
    assert size >= UploadSettings().max_bytes + 2 * MIB, "a 10 MiB file and the form around it"
    assert size <= UPLOAD_REQUEST_LIMIT, "bigger than the portal takes: it would refuse anyway"


def test_nginx_sends_hsts_everywhere_it_adds_headers() -> None:
    """nginx forgets the server's add_header lines in a location that has its own."""
    server = portal_server()
    blocks = [server, *[loc for loc in server.all("location") if loc.all("add_header")]]
    for block in blocks:
        hsts = [args for args in block.values("add_header") if args[0].lower() == HSTS]
        assert hsts, f"Strict-Transport-Security missing in {block.name} {block.args}"
        max_age = re.search(r"max-age=([0-9]+)", hsts[0][1])
        assert max_age, hsts[0]
        assert int(max_age.group(1)) >= 365 * 24 * 3600, hsts[0]
        assert hsts[0][-1] == "always", "on error pages too"


def test_nginx_forwards_the_client_and_the_scheme_to_the_portal() -> None:
    server = portal_server()
    headers = {args[0].lower(): args[1] for args in server.values("proxy_set_header")}
    assert headers.get("x-forwarded-for") in ("$remote_addr", "$proxy_add_x_forwarded_for")
    assert headers.get("x-forwarded-proto") == "$scheme"
    assert headers.get("host") == "$host"
    assert server.values("ssl_certificate")
    assert server.values("ssl_certificate_key")
    protocols = server.values("ssl_protocols")[0]
    assert set(protocols) <= {"TLSv1.2", "TLSv1.3"}
    # Uploaded PDFs may wait 30 s for a slot and be rebuilt for 60 s (candidates/uploads.py).
    (read_timeout,) = server.values("proxy_read_timeout")
    assert nginx_seconds(read_timeout[0]) >= 90
    for location in server.all("location"):
        assert location.values("proxy_pass") in ([["http://isok"]], []), location.args


def test_nginx_reaches_the_port_the_web_service_listens_on() -> None:
    serve = shlex.split(unit_settings(DEPLOY / "isok.service")["ExecStart"][0])
    host, port = serve[serve.index("--host") + 1], serve[serve.index("--port") + 1]
    (upstream,) = parse_nginx(NGINX.read_text()).all("upstream")
    assert ["server", f"{host}:{port}"] in [[c.name, *c.args] for c in upstream.children]
    # uvicorn believes X-Forwarded-* only from FORWARDED_ALLOW_IPS: by default this machine.
    assert host in ("127.0.0.1", "::1")


def logged_uri(masks: list[tuple[str, str]], uri: str) -> str:
    """What nginx's map writes for ``uri``: the first pattern that matches, its captures
    put in; else the default."""
    for pattern, value in masks:
        found = re.match(pattern, uri) if pattern != "default" else None
        if found:
            for name, text in found.groupdict().items():
                value = value.replace(f"${{{name}}}", text or "")
            return value
    return uri


def test_nginx_logs_no_link_tokens() -> None:
    """Tutor, password and invitation links carry their token in the path."""
    text = parse_nginx(NGINX.read_text())
    (log_format,) = text.all("log_format")
    line = " ".join(log_format.args[1:])
    for leak in ("$request_uri", "$request ", "$uri", "$args", "$http_referer"):
        assert leak not in line, f"{leak} in the access log"
    (token_map,) = text.all("map")
    assert token_map.args == ["$request_uri", "$isok_logged_uri"]
    assert "$isok_logged_uri" in line
    masks = [(c.name.lstrip("~").replace("(?<", "(?P<"), c.args[0]) for c in token_map.children]
    for path in ("/assess/abc123?x=1", "/password/reset/abc123", "/invitations/abc123/"):
        logged = logged_uri(masks, path)
        assert "abc123" not in logged, logged
        assert logged.endswith("/[token]"), logged
    server = portal_server()
    assert [args for args in server.values("access_log") if args[-1] == log_format.args[0]]


# --- settings ---------------------------------------------------------------------------


def settings_the_code_reads() -> set[str]:
    """Every ISOK_* name in the code, and the targets named from ProgrammeSettings' fields."""
    from kit.settings import ProgrammeSettings

    names = set()
    for package in CODE_PACKAGES:
        for path in package.rglob("*.py"):
            names.update(re.findall(r"ISOK_[A-Z0-9_]+", path.read_text(encoding="utf-8")))
    names.update(
        f"ISOK_{item.name.upper()}"
        for item in fields(ProgrammeSettings)
        if item.name.startswith("target_")
    )
    # A trailing _ is a family written out in prose (ISOK_S3_*, ISOK_TARGET_<NAME>).
    return {name for name in names if not name.endswith("_") and not name.startswith("ISOK_TEST_")}


def env_example() -> tuple[dict[str, str], dict[str, str]]:
    """The example file's settings: (set, shown commented out), values unquoted."""
    active: dict[str, str] = {}
    commented: dict[str, str] = {}
    for line in ENV_EXAMPLE.read_text().splitlines():
        found = re.fullmatch(r"(#\s*)?([A-Z][A-Z0-9_]*)=(.*)", line.strip())
        if found:
            value = found.group(3)
            if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
                value = value[1:-1]
            (commented if found.group(1) else active).setdefault(found.group(2), value)
    return active, commented


def test_the_env_example_names_every_setting_the_code_reads() -> None:
    active, commented = env_example()
    documented = set(active) | set(commented)
    missing = sorted(settings_the_code_reads() - documented)
    assert not missing, f"add to deploy/isok.env.example (and README): {missing}"
    # And the ones this issue brings in, whoever lands them first.
    expected = {"ISOK_DATA_DIR", "ISOK_STORAGE", "ISOK_LOG_FORMAT", "ISOK_METRICS_TOKEN"}
    assert expected | {"ISOK_PG_BIN", "ISOK_S3_BUCKET", "FORWARDED_ALLOW_IPS"} <= documented


def test_the_env_example_is_a_production_configuration_the_settings_accept() -> None:
    from kit.settings import SettingsError, check_database_url, settings_from_env

    active, commented = env_example()
    assert active["ISOK_ENV"] == "production"
    assert active["ISOK_DATA_DIR"] == DATA_DIR
    assert active["ISOK_DATABASE_URL"].startswith("postgresql+asyncpg://")
    # No working secret in an example: the portal must refuse to start until one is made.
    assert active["ISOK_SECRET_KEY"] == ""
    with pytest.raises(SettingsError, match="ISOK_SECRET_KEY"):
        settings_from_env({**commented, **active})
    # Every value shown is one the settings take (S3 ones with ISOK_STORAGE=s3).
    env = {**commented, **active, "ISOK_SECRET_KEY": "x" * 48}
    settings = settings_from_env(env)
    assert settings.is_production
    assert settings.public_url.startswith("https://")
    assert settings_from_env({**env, "ISOK_STORAGE": "s3"}).storage.kind == "s3"
    check_database_url(commented["ISOK_DATABASE_URL"])
