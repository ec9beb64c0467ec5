"""Time the portal's heaviest pages on the demo data, against a trivial page as the baseline.

    .venv/bin/python bench/pages.py            # starts its own server on a fresh demo database
    .venv/bin/python bench/pages.py --rounds 50

Prints the median and 95th percentile per page, and each median's ratio to /healthz (the
framework's own floor for one request: routing, middleware, one database round trip).
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ISOK = str(Path(sys.executable).parent / "isok")
PAGES = {
    "counsellor@demo.test": [
        "/home",
        "/candidates",
        "/candidates/1",
        "/candidates/1/portfolio",
        "/positions",
        "/frameworks/LOG",
    ],
    "coordinator@demo.test": ["/partners", "/organisations"],
    "teacher@demo.test": ["/interviews", "/interviews/1"],
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def sign_in(client: httpx.Client, email: str) -> None:
    client.get("/login")
    response = client.post(
        "/login",
        data={"email": email, "password": "isok-demo", "_csrf_token": client.cookies["csrftoken"]},
    )
    if response.status_code != 303:
        raise SystemExit(f"sign-in as {email} failed: {response.status_code}")


def timings(client: httpx.Client, path: str, rounds: int) -> list[float]:
    client.get(path).raise_for_status()  # warm up
    seconds = []
    for _ in range(rounds):
        start = time.perf_counter()
        client.get(path).raise_for_status()
        seconds.append(time.perf_counter() - start)
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="isok-bench-"))
    env = {
        **os.environ,
        "ISOK_DATABASE_URL": f"sqlite+aiosqlite:///{folder}/bench.sqlite3",
        "ISOK_SECRET_KEY": "bench-secret-key-" * 3,
        "ISOK_UPLOAD_DIR": str(folder / "uploads"),
    }
    subprocess.run([ISOK, "db", "upgrade"], env=env, check=True, capture_output=True)
    subprocess.run([ISOK, "demo", "seed"], env=env, check=True, capture_output=True)
    port = free_port()
    server = subprocess.Popen(
        [ISOK, "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                if httpx.get(f"{base}/healthz").status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        floor = statistics.median(timings(httpx.Client(base_url=base), "/healthz", args.rounds))
        print(f"{'page':<28} {'median ms':>10} {'p95 ms':>8} {'× healthz':>10}")
        print(f"{'/healthz (baseline)':<28} {floor * 1000:>10.1f} {'':>8} {1.0:>10.1f}")
        for email, paths in PAGES.items():
            with httpx.Client(base_url=base) as client:
                sign_in(client, email)
                for path in paths:
                    seconds = sorted(timings(client, path, args.rounds))
                    median = statistics.median(seconds)
                    p95 = seconds[int(0.95 * (len(seconds) - 1))]
                    print(
                        f"{path:<28} {median * 1000:>10.1f} {p95 * 1000:>8.1f} "
                        f"{median / floor:>10.1f}"
                    )
    finally:
        server.terminate()
        server.wait(timeout=20)


if __name__ == "__main__":
    main()
