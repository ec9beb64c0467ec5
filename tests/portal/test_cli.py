"""The ``isok`` command line against real databases."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Iterator
from pathlib import Path

import click
import pytest
from click.testing import CliRunner, Result
from sqlalchemy import func, select

from accounts.models import User
from competences.models import Competence, Framework
from demo import SEED_STEPS
from employers.models import Organisation
from kit.audit import AuditEvent
from kit.settings import DatabaseSettings, get_settings
from portal.cli import ProgressLine, main
from portal.database import create_engine, create_session_factory

DATA = Path(__file__).resolve().parent.parent / "data"


@pytest.fixture
def isok(monkeypatch: pytest.MonkeyPatch, empty_database_url: str) -> Iterator[CliRunner]:
    """Run ``isok`` against this test's empty database."""
    monkeypatch.setenv("ISOK_DATABASE_URL", empty_database_url)
    monkeypatch.setenv("ISOK_SECRET_KEY", "cli-test-secret-" * 3)
    get_settings.cache_clear()
    yield CliRunner()
    get_settings.cache_clear()


def run(runner: CliRunner, *args: str, stdin: str | None = None) -> Result:
    return runner.invoke(main, list(args), input=stdin, catch_exceptions=False)


def scalar(url: str, statement: object) -> object:
    async def query() -> object:
        engine = create_engine(DatabaseSettings(url=url))
        try:
            async with create_session_factory(engine)() as session:
                return (await session.execute(statement)).scalar_one()  # type: ignore[call-overload]
        finally:
            await engine.dispose()

    return asyncio.run(query())


def count(url: str, model: type) -> int:
    return int(scalar(url, select(func.count()).select_from(model)))  # type: ignore[arg-type]


def test_help_works_on_every_command() -> None:
    runner = CliRunner()

    def walk(command: click.Command, path: list[str]) -> None:
        result = runner.invoke(main, [*path, "--help"])
        assert result.exit_code == 0, (path, result.output)
        assert "Usage:" in result.output
        if isinstance(command, click.Group):
            for name, sub in command.commands.items():
                walk(sub, [*path, name])

    walk(main, [])


def test_version_is_the_installed_package_version() -> None:
    from importlib.metadata import version

    result = CliRunner().invoke(main, ["--version"])
    assert result.exit_code == 0
    assert result.output == f"isok, version {version('isok-portal')}\n"


def test_import_json_framework_then_update_it(isok: CliRunner, empty_database_url: str) -> None:
    result = run(isok, "frameworks", "import", str(DATA / "small_framework.json"))
    assert result.exit_code == 0, result.output
    assert "Imported framework TST: 1 units, 2 competences" in result.output
    assert count(empty_database_url, Competence) == 2
    result = run(isok, "frameworks", "import", str(DATA / "small_framework.json"))
    assert "Updated framework TST" in result.output
    assert count(empty_database_url, Competence) == 2
    imports = select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "import")
    assert scalar(empty_database_url, imports) == 2
    actor = select(AuditEvent.actor_label).where(AuditEvent.action == "import").limit(1)
    assert scalar(empty_database_url, actor) == "cli"


def test_broken_framework_names_the_place_and_imports_nothing(
    isok: CliRunner, empty_database_url: str
) -> None:
    result = isok.invoke(main, ["frameworks", "import", str(DATA / "broken_framework.json")])
    assert result.exit_code != 0
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1, result.output
    assert "units[0].outcomes[1].criteria" in lines[0]
    assert "'4'" in lines[0]
    assert "Traceback" not in result.output
    assert count(empty_database_url, Framework) == 0


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        ("{not json", "line 1, column 2: invalid JSON"),
        (
            '{"format": "isok-framework/1", "code": "X", "labels": {"en": "X"}, "units": []}',
            "units",
        ),
        ('{"format": "other/1", "code": "X", "labels": {}, "units": []}', "format"),
        (
            '{"format": "isok-framework/1", "code": "X", "labels": {"en": "X"}, "unitz": []}',
            "unknown key 'unitz'",
        ),
    ],
)
def test_malformed_framework_files_fail_with_one_line(
    isok: CliRunner, tmp_path: Path, content: str, fragment: str
) -> None:
    path = tmp_path / "bad.json"
    path.write_text(content)
    result = isok.invoke(main, ["frameworks", "import", str(path)])
    assert result.exit_code == 1
    assert fragment in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_missing_file_is_a_one_line_error(isok: CliRunner) -> None:
    result = isok.invoke(main, ["frameworks", "import", "/no/such/file.json"])
    assert result.exit_code == 1
    assert "no such file" in result.output


def test_code_owned_by_another_framework_is_refused_whole(
    isok: CliRunner, empty_database_url: str, tmp_path: Path
) -> None:
    run(isok, "frameworks", "import", str(DATA / "small_framework.json"))
    document = json.loads((DATA / "small_framework.json").read_text())
    document["code"] = "OTHER"
    document["units"][0]["code"] = "OTHER-U1"
    path = tmp_path / "clash.json"
    path.write_text(json.dumps(document))
    result = isok.invoke(main, ["frameworks", "import", str(path)])
    assert result.exit_code == 1
    assert "already belongs to another framework" in result.output
    assert count(empty_database_url, Framework) == 1


def test_import_esco_skills_csv_keeps_alternative_labels_and_attribution(
    isok: CliRunner, empty_database_url: str
) -> None:
    result = run(isok, "frameworks", "import", str(DATA / "esco_skills_sample.csv"))
    assert result.exit_code == 0, result.output
    assert count(empty_database_url, Competence) == 25
    attribution = scalar(
        empty_database_url, select(Framework.attribution).where(Framework.code == "ESCO")
    )
    assert "ESCO classification of the European Commission" in str(attribution)
    alt = scalar(
        empty_database_url,
        select(Competence.alt_labels)
        .where(Competence.code.like("http://data.europa.eu/esco/skill/%"))
        .limit(1),
    )
    assert isinstance(alt, dict)
    assert len(alt["en"]) >= 2


def test_esco_file_without_official_columns_is_refused(isok: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "skills.csv"
    path.write_text("uri,label\nx,y\n")
    result = isok.invoke(main, ["frameworks", "import", str(path)])
    assert result.exit_code == 1
    assert "missing ESCO column 'conceptUri'" in result.output


def test_demo_seed_is_idempotent(isok: CliRunner, empty_database_url: str) -> None:
    first = run(isok, "demo", "seed")
    assert "8 users" in first.output
    # Placements and assessments: the match review's and the earlier rounds' (demo/reporting.py).
    assert (
        "8 placements, 7 assessments, 1 certificates, 6 outcomes, 2 trainings,"
        " 6 dissemination events, 314 participant data records, 1 frozen reports added"
        in first.output
    )
    assert "coordinator@demo.test" in first.output
    assert "candidate@demo.test" in first.output
    counts = [count(empty_database_url, m) for m in (User, Organisation, Framework, Competence)]
    second = run(isok, "demo", "seed")
    assert (
        "0 organisations, 0 users, 0 frameworks, 0 readiness profiles, 0 positions,"
        " 0 candidates, 0 decisions on suggestions, 0 placements, 0 assessments,"
        " 0 certificates, 0 outcomes, 0 trainings, 0 dissemination events,"
        " 0 participant data records, 0 frozen reports added" in second.output
    )
    assert [
        count(empty_database_url, m) for m in (User, Organisation, Framework, Competence)
    ] == counts
    assert counts[0] == 8
    assert counts[2] == 3
    assert "already has data" in run(isok, "demo", "seed", "--if-empty").output


def test_demo_seed_shows_its_steps_on_a_terminal(
    isok: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    """About 20 s of work: a terminal sees each step counted; a pipe or a log sees nothing."""
    quiet = run(isok, "demo", "seed")
    assert "step:" not in quiet.stderr
    monkeypatch.setattr(ProgressLine, "__init__", terminal_progress_line)
    shown = run(isok, "demo", "seed")
    steps = re.findall(r"Loading the demo data, step: (\d+)/(\d+)", shown.stderr)
    assert steps == [(str(n), str(SEED_STEPS)) for n in range(1, SEED_STEPS + 1)]


def terminal_progress_line(self: ProgressLine, label: str) -> None:
    self.label = label
    self.active = True  # as when stderr is a terminal


def test_users_create_reads_the_password_from_stdin(
    isok: CliRunner, empty_database_url: str
) -> None:
    result = run(
        isok,
        "users",
        "create",
        "--email",
        "New.Person@Example.fi",
        "--role",
        "counsellor",
        stdin="a long enough password\n",
    )
    assert result.exit_code == 0, result.output
    role = scalar(
        empty_database_url, select(User.role).where(User.email == "new.person@example.fi")
    )
    assert role == "counsellor"
    again = isok.invoke(
        main,
        ["users", "create", "--email", "new.person@example.fi", "--role", "teacher"],
        input="another password\n",
    )
    assert again.exit_code == 1
    assert "already exists" in again.output


def test_users_list_deactivate_and_reactivate(isok: CliRunner, empty_database_url: str) -> None:
    assert run(isok, "demo", "seed").exit_code == 0
    listed = run(isok, "users", "list")
    lines = [line.split("\t") for line in listed.stdout.splitlines()]
    assert len(lines) == 8
    assert ["steering@demo.test", "steering", "Ritva Ohjausryhmä", "", "active"] in lines
    assert any(line[0] == "tutor@demo.test" and line[3] for line in lines)  # its organisation
    only = run(isok, "users", "list", "--role", "counsellor").stdout.splitlines()
    assert [line.split("\t")[0] for line in only] == ["counsellor@demo.test"]

    done = run(isok, "users", "deactivate", "Counsellor@Demo.test")
    assert done.exit_code == 0, done.output
    assert "counsellor@demo.test can no longer sign in" in done.output
    active = select(User.is_active).where(User.email == "counsellor@demo.test")
    assert scalar(empty_database_url, active) is False
    assert "deactivated" in run(isok, "users", "list", "--role", "counsellor").stdout
    assert run(isok, "users", "reactivate", "counsellor@demo.test").exit_code == 0
    assert scalar(empty_database_url, active) is True

    unknown = isok.invoke(main, ["users", "deactivate", "nobody@example.fi"])
    assert unknown.exit_code == 1
    assert unknown.output.strip() == "Error: no account with the e-mail address nobody@example.fi"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--email", "x@example.fi", "--role", "tutor"], "must belong to an organisation"),
        (
            ["--email", "x@example.fi", "--role", "employer", "--organisation", "0112038-9"],
            "no organisation",
        ),
        (["--email", "not-an-email", "--role", "teacher"], "valid e-mail"),
        (["--email", "x@example.fi", "--role", "wizard"], "Invalid value for '--role'"),
    ],
)
def test_users_create_rejects_bad_input(isok: CliRunner, args: list[str], message: str) -> None:
    result = isok.invoke(main, ["users", "create", *args], input="a long enough password\n")
    assert result.exit_code != 0
    assert message in result.output


def test_short_password_is_refused(isok: CliRunner, empty_database_url: str) -> None:
    result = isok.invoke(
        main, ["users", "create", "--email", "x@example.fi", "--role", "teacher"], input="short\n"
    )
    assert result.exit_code == 1
    assert "at least 8 characters" in result.output
    assert count(empty_database_url, User) == 0


def test_uploads_sweep_lists_then_removes_old_orphans(
    isok: CliRunner, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import os
    import time

    folder = tmp_path / "uploads"
    folder.mkdir()
    monkeypatch.setenv("ISOK_UPLOAD_DIR", str(folder))
    get_settings.cache_clear()
    run(isok, "db", "upgrade")
    orphan = folder / f"{'d' * 32}.jpg"
    orphan.write_bytes(b"x")
    hour_ago = time.time() - 2 * 3600
    os.utime(orphan, (hour_ago, hour_ago))

    listed = run(isok, "uploads", "sweep", "--dry-run")
    assert listed.exit_code == 0
    assert f"Would remove {orphan.name}" in listed.output
    assert orphan.exists()
    swept = run(isok, "uploads", "sweep")
    assert f"Removed {orphan.name}" in swept.output
    assert "Removed 1 file(s)" in swept.output
    assert not orphan.exists()
    refused = isok.invoke(main, ["uploads", "sweep", "--min-age-minutes", "0"])
    assert refused.exit_code != 0
