"""A normal install works: the wheel, installed into a new virtual environment, migrates a
database in the working directory's ``var/`` and serves pages, styles and migrations from
inside the package, nothing from the checkout.

The new environment gets the portal from the wheel alone (``--no-deps --no-index``); its
third-party dependencies come from the test's own environment through a ``.pth`` line, so
the test needs no network. That line adds the folder without running the ``.pth`` files in
it, so the checkout's editable install is not seen.
"""

from __future__ import annotations

import os
import site
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.portal.test_serve import serve

ROOT = Path(__file__).resolve().parents[2]
QUIET = ("--quiet", "--no-deps")


def run(command: list[str], *, cwd: Path, env: dict[str, str]) -> str:
    done = subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, f"{command}: {done.stdout}\n{done.stderr}"
    return done.stdout


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A new virtual environment with the portal installed from its wheel; its bin folder."""
    base = tmp_path_factory.mktemp("packaging")
    env = {key: value for key, value in os.environ.items() if not key.startswith("ISOK_")}
    env.pop("PYTHONPATH", None)
    dist = base / "dist"
    run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            *QUIET,
            "--no-build-isolation",
            "-w",
            str(dist),
            str(ROOT),
        ],
        cwd=base,
        env=env,
    )
    (wheel,) = dist.glob("isok_portal-*.whl")
    venv = base / "venv"
    run([sys.executable, "-m", "venv", str(venv)], cwd=base, env=env)
    (packages,) = (venv / "lib").glob("python3*/site-packages")
    (packages / "test_dependencies.pth").write_text(site.getsitepackages()[0] + "\n")
    run(
        [str(venv / "bin" / "python"), "-m", "pip", "install", *QUIET, "--no-index", str(wheel)],
        cwd=base,
        env=env,
    )
    return venv / "bin"


def test_the_installed_package_serves_pages_from_itself(installed: Path, tmp_path: Path) -> None:
    env = {key: value for key, value in os.environ.items() if not key.startswith("ISOK_")}
    env.pop("PYTHONPATH", None)
    env["ISOK_SECRET_KEY"] = "packaging-test-secret-" * 3
    where = run(
        [
            str(installed / "python"),
            "-c",
            "import portal, kit.resources as r; print(portal.__file__); print(r.TEMPLATE_DIR)",
        ],
        cwd=tmp_path,
        env=env,
    ).split()
    assert all(path.startswith(str(installed.parent)) for path in where), where
    assert run([str(installed / "isok"), "--version"], cwd=tmp_path, env=env).strip()
    run([str(installed / "isok"), "db", "upgrade"], cwd=tmp_path, env=env)
    assert (tmp_path / "var" / "isok.sqlite3").is_file()  # the working directory's var/

    database = f"sqlite+aiosqlite:///{tmp_path}/var/isok.sqlite3"
    with serve(
        database, tmp_path, workers=1, isok=str(installed / "isok"), arguments=("--no-mail-sender",)
    ) as served:
        base = served.base
        login = httpx.get(f"{base}/login", timeout=10)
        assert login.status_code == 200
        assert '<link rel="stylesheet" href="/static/css/isok.css">' in login.text
        assert 'name="password"' in login.text
        finnish = httpx.get(f"{base}/login", cookies={"isok_language": "fi"}, timeout=10)
        assert "Kirjaudu sisään" in finnish.text  # the catalogue travels with the package
        style = httpx.get(f"{base}/static/css/isok.css", timeout=10)
        assert style.status_code == 200
        assert ".site-header" in style.text
