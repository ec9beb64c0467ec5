"""What the page benchmarks share: a demo database, a running ``isok serve``, timed requests.

    with demo_server(folder) as base:          # migrations, demo data, one worker
        floor = baseline(base, rounds)          # /healthz: routing, middleware, one query
        with signed_in(base, "counsellor@demo.test") as client:
            report_row(path, timings(client, path, rounds), floor, width)

``prepare`` lets a benchmark grow the database between the demo seed and the start.
"""

from __future__ import annotations

import argparse
import math
import os
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from demo import DEMO_PASSWORD

ISOK = str(Path(sys.executable).parent / "isok")


def environment(folder: Path, database_url: str = "") -> dict[str, str]:
    return {
        **os.environ,
        "ISOK_DATABASE_URL": database_url or f"sqlite+aiosqlite:///{folder}/bench.sqlite3",
        "ISOK_SECRET_KEY": "bench-secret-key-" * 3,
        "ISOK_UPLOAD_DIR": str(folder / "uploads"),
    }


def scale_arguments(description: str | None) -> argparse.Namespace:
    """The options of the benchmarks that grow the demo data: how many candidates, how many
    rounds, which database, whether to keep the temp folder."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--candidates", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument(
        "--database-url", default="", help="an empty PostgreSQL database (default: SQLite)"
    )
    parser.add_argument(
        "--keep", action="store_true", help="keep the temp folder (SQLite file) for profiling"
    )
    return parser.parse_args()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def demo_server(
    env: dict[str, str], prepare: Callable[[], None] | None = None, workers: int = 1
) -> Iterator[str]:
    """Migrate and seed the database in ``env``, run ``prepare``, serve with ``workers``
    workers; yield the base URL."""
    subprocess.run([ISOK, "db", "upgrade"], env=env, check=True, capture_output=True)
    subprocess.run([ISOK, "demo", "seed"], env=env, check=True, capture_output=True)
    if prepare is not None:
        prepare()
    port = free_port()
    server = subprocess.Popen(
        [ISOK, "serve", "--port", str(port), "--workers", str(workers)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(150):
            try:
                if httpx.get(f"{base}/healthz").status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=20)


@contextmanager
def signed_in(base: str, email: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=base, timeout=120) as client:
        client.get("/login")
        response = client.post(
            "/login",
            data={
                "email": email,
                "password": DEMO_PASSWORD,
                "_csrf_token": client.cookies["csrftoken"],
            },
        )
        if response.status_code != 303:
            raise SystemExit(f"sign-in as {email} failed: {response.status_code}")
        yield client


def timings(client: httpx.Client, path: str, rounds: int) -> list[float]:
    """Seconds per request for ``path``, after one warm-up request, sorted."""
    client.get(path).raise_for_status()
    seconds = []
    for _ in range(rounds):
        start = time.perf_counter()
        client.get(path).raise_for_status()
        seconds.append(time.perf_counter() - start)
    return sorted(seconds)


def baseline(base: str, rounds: int) -> float:
    """The median of ``/healthz``: the floor every page is compared with."""
    with httpx.Client(base_url=base) as client:
        return statistics.median(timings(client, "/healthz", rounds))


def print_header(floor: float, width: int) -> None:
    print(f"{'page':<{width}} {'median ms':>10} {'p95 ms':>8} {'× healthz':>10}")
    print(f"{'/healthz (baseline)':<{width}} {floor * 1000:>10.1f} {'':>8} {1.0:>10.1f}")


def print_row(path: str, seconds: list[float], floor: float, width: int) -> None:
    median = statistics.median(seconds)
    p95 = seconds[math.ceil(0.95 * len(seconds)) - 1]
    print(f"{path:<{width}} {median * 1000:>10.1f} {p95 * 1000:>8.1f} {median / floor:>10.1f}")
