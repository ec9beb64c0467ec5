"""Time the portal's heaviest pages on the demo data, against a trivial page as the baseline.

    .venv/bin/python bench/pages.py            # starts its own server on a fresh demo database
    .venv/bin/python bench/pages.py --rounds 50

Prints the median and 95th percentile per page, and each median's ratio to /healthz (the
framework's own floor for one request: routing, middleware, one database round trip).
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
from pathlib import Path

import httpx
from serving import baseline, demo_server, environment, print_header, print_row, signed_in, timings

PAGES = {
    "counsellor@demo.test": [
        "/home",
        "/candidates",
        "/candidates/1",
        "/candidates/1/portfolio",
        "/positions",
        "/frameworks/LOG",
        "/positions/1/suggestions",
        "/positions/1/decisions",
        "/candidates/2/suggestions",
        "/placements/1",
        "/placements/1/assessment",
    ],
    "coordinator@demo.test": ["/partners", "/organisations", "/assignments", "/oversight"],
    "employer@demo.test": ["/proposals"],
    "teacher@demo.test": [
        "/interviews",
        "/interviews/1",
        "/placements/1/assessment",
        "/placements/3/assessment",
        "/placements/3/assessment/decision",
    ],
    "tutor@demo.test": ["/home", "/placements/1/assessment"],
}


def tutor_link(base: str) -> str:
    """A tutor link to placement 1, issued by the demo counsellor through the API."""
    with signed_in(base, "counsellor@demo.test") as client:
        answer = client.post(
            "/api/placements/1/assessment/tutor-links",
            headers={"x-csrftoken": client.cookies["csrftoken"]},
        )
        answer.raise_for_status()
        return "/assess/" + str(answer.json()["url"]).split("/assess/")[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="isok-bench-"))
    try:
        with demo_server(environment(folder)) as base:
            floor = baseline(base, args.rounds)
            width = 28
            print_header(floor, width)
            for email, paths in PAGES.items():
                with signed_in(base, email) as client:
                    for path in paths:
                        print_row(path, timings(client, path, args.rounds), floor, width)
            # The tutor's form by link: no sign-in (the link is the key).
            with httpx.Client(base_url=base, timeout=120) as client:
                link = tutor_link(base)
                print_row("/assess/{token}", timings(client, link, args.rounds), floor, width)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
