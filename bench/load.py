"""Throughput under concurrent users: the portal against a hello-world Litestar page.

    .venv/bin/python bench/load.py                     # 32 connections, 5 s a page
    .venv/bin/python bench/load.py --seconds 10 --connections 64 --workers 2

Starts ``isok serve`` (``--workers``, default one) on a fresh demo database and, in the same
run, a hello-world Litestar app that renders a small Jinja template under uvicorn with the
same number of workers. Each page is loaded by ``--connections`` keep-alive connections for
``--seconds``; prints requests per second, p50 and p99 latency, errors and time-outs, and
the ratio of the page's throughput to the hello-world page's: the floor of the framework and
server on this machine, measured beside it.

The load generator is a small asyncio HTTP/1.1 client in this process (no extra tool to
install); it shares the machine's cores with the servers, as the floor does.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from serving import demo_server, environment, free_port

PAGES: list[tuple[str | None, str]] = [
    (None, "/login"),
    (None, "/healthz"),
    ("counsellor@demo.test", "/home"),
    ("counsellor@demo.test", "/candidates"),
    ("counsellor@demo.test", "/candidates/1"),
    ("counsellor@demo.test", "/positions"),
    ("counsellor@demo.test", "/placements/1"),
    ("coordinator@demo.test", "/certificates"),
    (None, "/verify"),
    ("counsellor@demo.test", "/positions/1/suggestions"),
]
TIMEOUT = 10.0  # seconds before a request counts as timed out

HELLO_APP = """
from litestar import Litestar, get
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.response import Template
from litestar.template.config import TemplateConfig


@get("/")
async def hello() -> Template:
    return Template(template_name="hello.html", context={"name": "world", "items": [1, 2, 3]})


app = Litestar(
    route_handlers=[hello],
    template_config=TemplateConfig(
        directory=__file__.rsplit("/", 1)[0], engine=JinjaTemplateEngine
    ),
)
"""
HELLO_TEMPLATE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Hello</title></head>
<body><h1>Hello, {{ name }}</h1><ul>{% for item in items %}<li>{{ item }}</li>{% endfor %}</ul>
</body></html>
"""


@dataclass
class Load:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    timeouts: int = 0
    statuses: dict[int, int] = field(default_factory=dict)


async def _request(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes
) -> int:
    writer.write(request)
    await writer.drain()
    status_line = await reader.readline()
    if not status_line:
        raise ConnectionError("closed")
    status = int(status_line.split()[1])
    length = 0
    chunked = False
    while True:
        line = await reader.readline()
        if line in (b"\r\n", b""):
            break
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"content-length":
            length = int(value.strip())
        elif name == b"transfer-encoding" and b"chunked" in value.lower():
            chunked = True
    if chunked:
        while True:
            size = int((await reader.readline()).strip(), 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    elif length:
        await reader.readexactly(length)
    return status


async def _connection(host: str, port: int, request: bytes, deadline: float, load: Load) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    try:
        while time.perf_counter() < deadline:
            start = time.perf_counter()
            try:
                status = await asyncio.wait_for(_request(reader, writer, request), TIMEOUT)
            except TimeoutError:
                load.timeouts += 1
                break
            except (ConnectionError, asyncio.IncompleteReadError, ValueError):
                load.errors += 1
                writer.close()
                reader, writer = await asyncio.open_connection(host, port)
                continue
            load.latencies.append(time.perf_counter() - start)
            load.statuses[status] = load.statuses.get(status, 0) + 1
            if status >= 400:
                load.errors += 1
    finally:
        writer.close()


async def _run(base: str, path: str, cookie: str, connections: int, seconds: float) -> Load:
    host, port = base.removeprefix("http://").split(":")
    request = (
        f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nAccept: text/html\r\n"
        + (f"Cookie: {cookie}\r\n" if cookie else "")
        + "\r\n"
    ).encode()
    load = Load()
    # Warm up: one request per connection's worth, not counted.
    await asyncio.gather(
        *(
            _connection(host, int(port), request, time.perf_counter() + 0.5, Load())
            for _ in range(4)
        )
    )
    deadline = time.perf_counter() + seconds
    await asyncio.gather(
        *(_connection(host, int(port), request, deadline, load) for _ in range(connections))
    )
    return load


def load(base: str, path: str, cookie: str, connections: int, seconds: float) -> Load:
    return asyncio.run(_run(base, path, cookie, connections, seconds))


def session_cookie(base: str, email: str) -> str:
    """The cookies of a signed-in session (the portal's own login form)."""
    from demo import DEMO_PASSWORD

    with httpx.Client(base_url=base, timeout=60) as client:
        client.get("/login")
        answer = client.post(
            "/login",
            data={
                "email": email,
                "password": DEMO_PASSWORD,
                "_csrf_token": client.cookies["csrftoken"],
            },
        )
        if answer.status_code != 303:
            raise SystemExit(f"sign-in as {email} failed: {answer.status_code}")
        return "; ".join(f"{name}={value}" for name, value in client.cookies.items())


def hello_server(folder: Path, workers: int) -> tuple[subprocess.Popen[bytes], str]:
    (folder / "hello_app.py").write_text(textwrap.dedent(HELLO_APP))
    (folder / "hello.html").write_text(HELLO_TEMPLATE)
    port = free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "hello_app:app",
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--log-level",
            "info",
        ],
        cwd=folder,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(150):
        try:
            if httpx.get(base + "/").status_code == 200:
                break
        except httpx.TransportError:
            time.sleep(0.2)
    return server, base


def report(name: str, result: Load, seconds: float, floor: float | None) -> float:
    rate = len(result.latencies) / seconds
    ordered = sorted(result.latencies) or [math.nan]
    p50 = statistics.median(ordered) * 1000
    p99 = ordered[min(len(ordered) - 1, math.ceil(0.99 * len(ordered)) - 1)] * 1000
    ratio = "" if floor is None else f"{rate / floor:.3f}"
    print(
        f"{name:<34} {rate:>9.0f} {p50:>8.1f} {p99:>8.1f} {result.errors:>6} "
        f"{result.timeouts:>8} {ratio:>8}"
    )
    return rate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="isok-load-"))
    hello, hello_base = hello_server(folder, args.workers)
    try:
        env = environment(folder)
        env["ISOK_SIGNING_KEY"] = str(folder / "signing-key")
        with demo_server(env, workers=args.workers) as base:
            cookies = {
                email: session_cookie(base, email) for email, _ in PAGES if email is not None
            }
            print(
                f"{args.connections} connections, {args.seconds:g} s a page, "
                f"{args.workers} worker(s) each"
            )
            print(
                f"{'page':<34} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'errors':>6} "
                f"{'timeouts':>8} {'× hello':>8}"
            )
            floor = report(
                "hello-world template (floor)",
                load(hello_base, "/", "", args.connections, args.seconds),
                args.seconds,
                None,
            )
            for email, path in PAGES:
                cookie = cookies[email] if email else ""
                result = load(base, path, cookie, args.connections, args.seconds)
                report(path, result, args.seconds, floor)
    finally:
        hello.terminate()
        hello.wait(timeout=20)
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
