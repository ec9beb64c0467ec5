"""`isok serve --workers 2`: two processes share sessions through the database."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import TEST_SECRET, free_port

ISOK = str(Path(sys.executable).parent / "isok")


@pytest.fixture
def two_workers(database_url: str, tmp_path: Path) -> Iterator[str]:
    port = free_port()
    env = {**os.environ, "ISOK_DATABASE_URL": database_url, "ISOK_SECRET_KEY": TEST_SECRET}
    log = (tmp_path / "serve.log").open("w")
    server = subprocess.Popen(
        [ISOK, "serve", "--port", str(port), "--workers", "2"], env=env, stdout=log, stderr=log
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        else:
            pytest.fail("server did not start: " + (tmp_path / "serve.log").read_text()[-2000:])
        yield base
    finally:
        server.terminate()
        server.wait(timeout=20)
        log.close()
    output = (tmp_path / "serve.log").read_text()
    assert len(set(re.findall(r"Started server process \[(\d+)\]", output))) == 2, output


def test_a_session_works_on_every_worker(two_workers: str) -> None:
    with httpx.Client(base_url=two_workers) as client:
        client.get("/login")
        response = client.post(
            "/login",
            data={
                "email": "coordinator@demo.test",
                "password": "isok-demo",
                "_csrf_token": client.cookies["csrftoken"],
            },
        )
        assert response.status_code == 303
        # New connections are spread over the workers; every one must know the session.
        for _ in range(12):
            with httpx.Client(base_url=two_workers, cookies=client.cookies) as fresh:
                assert fresh.get("/api/me").json()["email"] == "coordinator@demo.test"
