"""Fixtures for the end-to-end tests: a real ``isok serve`` and a headless Debian Chromium."""

from __future__ import annotations

import http.client
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from tests.conftest import DEMO_PASSWORD, free_port, skip_or_fail
from tests.e2e import log_scan

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page

CHROMIUM = Path("/usr/bin/chromium")
ISOK = Path(sys.executable).parent / "isok"
TEST_SECRET_KEY = "e2e-test-secret-key-0123456789-abcdefghijklmnopq"  # 48 characters
STARTUP_TIMEOUT = 30.0
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]

assert len(TEST_SECRET_KEY) == 48


def _run_isok(args: list[str], env: dict[str, str], cwd: Path) -> None:
    result = subprocess.run(
        [str(ISOK), *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if result.returncode != 0:
        pytest.fail(
            f"`isok {' '.join(args)}` exited with {result.returncode}\n"
            f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}",
            pytrace=False,
        )


def _healthy(port: int) -> bool:
    """True when ``GET /healthz`` answers 200."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
    try:
        connection.request("GET", "/healthz")
        return connection.getresponse().status == 200
    except (OSError, http.client.HTTPException):
        return False
    finally:
        connection.close()


# The database each live server serves, by its base URL (for tests that arrange data the
# browser then finds, such as notifications).
LIVE_DATABASES: dict[str, str] = {}

# Every cookie value the live server gave a browser in this run (sessions, CSRF tokens),
# kept as each browser context closes: the server's log must hold none of them.
COOKIE_VALUES: set[str] = set()


def _keep_cookies(context: BrowserContext) -> None:
    for cookie in context.cookies():
        if len(cookie["value"]) >= 16:  # a secret, not a language choice
            COOKIE_VALUES.add(cookie["value"])


def _check_the_log(folder: Path) -> None:
    """Fail, naming the line, if the server's log holds a secret of this run."""
    secrets = {
        DEMO_PASSWORD: "the demo password",
        TEST_SECRET_KEY: "the secret key",
        **dict.fromkeys(COOKIE_VALUES, "a cookie value (session or CSRF token)"),
        **dict.fromkeys(
            log_scan.link_tokens_in_mail(folder / "mail"), "a token of an e-mailed link"
        ),
    }
    found = log_scan.leaks([folder / "server.stdout", folder / "server.stderr"], secrets)
    if found:
        pytest.fail("secrets in the server's log:\n" + "\n".join(found), pytrace=False)


@pytest.fixture(scope="session")
def live_server() -> Iterator[str]:
    """Migrate and seed a fresh SQLite database, serve it, yield the base URL."""
    if not ISOK.exists():
        pytest.fail(f"the isok script is missing at {ISOK}; install the project first")
    tmp = Path(tempfile.mkdtemp(prefix="isok-e2e-"))
    env = dict(os.environ)
    env.update(
        {
            "ISOK_DATABASE_URL": f"sqlite+aiosqlite:///{tmp}/e2e.sqlite3",
            "ISOK_SECRET_KEY": TEST_SECRET_KEY,
            "ISOK_UPLOAD_DIR": str(tmp / "uploads"),  # never into the project's var/
            "ISOK_SIGNING_KEY": str(tmp / "signing-key"),  # likewise
            "ISOK_MAIL_DIR": str(tmp / "mail"),  # the sender's .eml files, likewise
            "ISOK_ENV": "development",  # cookies without Secure over plain http
            "PYTHONUNBUFFERED": "1",
        }
    )
    server: subprocess.Popen[bytes] | None = None
    stdout_path = tmp / "server.stdout"
    stderr_path = tmp / "server.stderr"
    try:
        _run_isok(["db", "upgrade"], env, tmp)
        _run_isok(["demo", "seed"], env, tmp)
        _run_isok(["keys", "generate"], env, tmp)

        port = free_port()
        base_url = f"http://127.0.0.1:{port}"
        with stdout_path.open("wb") as out, stderr_path.open("wb") as err:
            server = subprocess.Popen(
                [str(ISOK), "serve", "--host", "127.0.0.1", "--port", str(port)],
                env=env,
                cwd=tmp,
                stdout=out,
                stderr=err,
            )
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while not _healthy(port):
            if server.poll() is not None or time.monotonic() > deadline:
                state = (
                    f"exited with {server.returncode}"
                    if server.poll() is not None
                    else f"did not answer 200 on /healthz within {STARTUP_TIMEOUT:.0f} s"
                )
                stderr = stderr_path.read_text(errors="replace")
                pytest.fail(
                    f"`isok serve --port {port}` {state}.\nserver stderr:\n{stderr}",
                    pytrace=False,
                )
            time.sleep(0.2)
        LIVE_DATABASES[base_url] = env["ISOK_DATABASE_URL"]
        yield base_url
        _stop(server)
        # After every browser test of the run (this worker runs them all: xdist_group "e2e"),
        # the whole log, start-up and shutdown included.
        _check_the_log(tmp)
    finally:
        _stop(server)
        shutil.rmtree(tmp, ignore_errors=True)


def _stop(server: subprocess.Popen[bytes] | None) -> None:
    if server is not None and server.poll() is None:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=10)


@pytest.fixture(scope="session")
def live_database_url(live_server: str) -> str:
    """The database URL of the live server (SQLite, in the server's own folder)."""
    return LIVE_DATABASES[live_server]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """One headless Chromium per test module (Debian's, never a downloaded one).

    Module scope, not session: Playwright's sync API keeps an event loop running while it is
    open, and the async tests that pytest may order after these need the thread's loop free.
    """
    if not CHROMIUM.exists():
        skip_or_fail(f"Chromium not found at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        new_context = chromium.new_context

        def recording_context(**options: Any) -> BrowserContext:
            """A context whose cookies are kept for the log check when it closes."""
            context = new_context(**options)
            close = context.close

            def close_keeping_cookies(**close_options: Any) -> None:
                _keep_cookies(context)
                close(**close_options)

            context.close = close_keeping_cookies  # type: ignore[method-assign]
            return context

        chromium.new_context = recording_context  # type: ignore[method-assign]
        try:
            yield chromium
        finally:
            for context in chromium.contexts:  # those a test left open
                _keep_cookies(context)
            chromium.close()


@pytest.fixture
def page(browser: Browser, live_server: str) -> Iterator[Page]:
    """A page in a fresh browser context (no cookies shared between tests)."""
    context = browser.new_context(base_url=live_server, locale="en-GB")
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        yield page
    finally:
        context.close()
