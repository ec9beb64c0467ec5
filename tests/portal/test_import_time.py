"""The app and the command line start without the matching engine's numeric stack.

scipy and scikit-learn take most of a second to import on a quiet machine and several on a
busy one; a worker of `isok serve` that spends that long before answering uvicorn's health
check is killed (issue 10, item 8). They are imported where the engine runs. numpy itself is
imported by Advanced Alchemy (its JSON encoders) and is cheap, so it is not checked here.
These are behaviour tests in a fresh interpreter, not timings.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import TEST_SECRET

ISOK = str(Path(sys.executable).parent / "isok")
HEAVY = ("scipy", "sklearn")

LOADED_AFTER = """
import json, sys
{statement}
print(json.dumps(sorted(m for m in {heavy!r} if m in sys.modules)))
"""


def loaded_after(statement: str, env: dict[str, str] | None = None) -> list[str]:
    """Which of the heavy modules a fresh interpreter holds after running ``statement``."""
    code = LOADED_AFTER.format(statement=statement, heavy=HEAVY)
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
        env={**os.environ, **(env or {})},
    )
    return list(json.loads(result.stdout.splitlines()[-1]))


def served_env(tmp_path: Path) -> dict[str, str]:
    return {
        "ISOK_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'isok.sqlite3'}",
        "ISOK_SECRET_KEY": TEST_SECRET,
        "ISOK_UPLOAD_DIR": str(tmp_path / "uploads"),
    }


@pytest.mark.parametrize(
    "statement",
    ["import portal.app", "import portal.cli", "from portal.app import create_app; create_app()"],
)
def test_the_app_and_the_command_line_load_no_numeric_stack(statement: str, tmp_path: Path) -> None:
    assert loaded_after(statement, served_env(tmp_path)) == []


def test_isok_help_loads_no_numeric_stack(tmp_path: Path) -> None:
    # Run the real entry point with a sitecustomize that reports, at exit, what was loaded.
    (tmp_path / "sitecustomize.py").write_text(
        "import atexit, json, os, sys\n"
        "atexit.register(lambda: open(os.environ['ISOK_TEST_MODULES'], 'w').write(\n"
        f"    json.dumps(sorted(m for m in {HEAVY!r} if m in sys.modules))))\n"
    )
    report = tmp_path / "modules.json"
    path = os.pathsep.join(p for p in (str(tmp_path), os.environ.get("PYTHONPATH")) if p)
    env = {**os.environ, "PYTHONPATH": path, "ISOK_TEST_MODULES": str(report)}
    result = subprocess.run(
        [ISOK, "--help"], capture_output=True, text=True, timeout=120, env=env, check=True
    )
    assert "serve" in result.stdout
    assert json.loads(report.read_text()) == []


def test_a_served_worker_loads_the_engine_before_taking_requests(tmp_path: Path) -> None:
    # `isok serve` builds its app with create_served_app: the first suggestion page of a
    # worker must not wait for the engine (the suggestion tests show the pages still rank).
    # The engine no longer uses scikit-learn (its idf is two numpy lines), so only scipy.
    statement = "from portal.cli import create_served_app; create_served_app()"
    assert loaded_after(statement, served_env(tmp_path)) == ["scipy"]
