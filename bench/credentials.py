"""Signing and verifying certificates' credentials, against raw Ed25519 as the floor.

    .venv/bin/python bench/credentials.py              # 10 outcomes, 2,000 rounds
    .venv/bin/python bench/credentials.py --outcomes 30 --rounds 5000

One realistic certificate (one qualification, three units, ``--outcomes`` graded outcomes
with their criteria) is turned into its Open Badges 3.0 credential and signed as a VC-JWT
(certificates/credential.py), then verified with every check the portal makes (header,
signature, shape, claims). The baseline, measured in the same run: cryptography's Ed25519
signing and verifying of exactly the same bytes, with no JSON, no base64 and no checks.
Prints credentials per second (median of five batches) and each figure's ratio to its floor.
"""

from __future__ import annotations

import argparse
import datetime
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from certificates import credential, keys
from certificates.content import (
    GRADE_WORDS,
    Content,
    Issuer,
    Outcome,
    Person,
    Qualification,
    Unit,
    recipient,
)

PUBLIC_URL = "https://isok.example.fi"
BATCHES = 5


def realistic_content(outcomes: int) -> Content:
    """A certificate as issuing fixes it, with criteria texts of a realistic length."""
    units = [Unit(f"LOG-{n}", f"Unit {n} of warehouse and logistics work") for n in (1, 2, 3)]
    criteria = (
        "The candidate plans the work independently, follows the safety instructions of the"
        " workplace, uses the equipment appropriately and assesses the result of the work."
    )
    return Content(
        code="7KQ2-M8XD-4HRT-9WZP-3NCF",
        language="en",
        issued_on=datetime.date(2025, 5, 2),
        recipient=recipient("Amina Yusuf", "amina.yusuf@example.org"),
        qualifications=[Qualification("LOG", "Vocational Qualification in Logistics", units)],
        outcomes=[
            Outcome(
                code=f"LOG-{1 + n % 3}-{n}",
                name=f"Handles goods receipt and storage task number {n} in the warehouse",
                unit_code=f"LOG-{1 + n % 3}",
                framework_code="LOG",
                grade=1 + n % 5,
                grade_words=GRADE_WORDS["en"][1 + n % 5],
                criteria=criteria,
            )
            for n in range(1, outcomes + 1)
        ],
        organisation="Varasto Oy",
        position="Warehouse worker",
        start_date=datetime.date(2025, 1, 13),
        end_date=datetime.date(2025, 4, 11),
        assessors=[
            Person("tutor", "workplace tutor", "Tuula Tutor"),
            Person("teacher", "teacher", "Teemu Teacher"),
            Person("counsellor", "counsellor", "Kaisa Counsellor"),
        ],
        signed_by="Teemu Teacher",
        signed_on=datetime.date(2025, 4, 25),
        issuer=Issuer("ISOK Vocational College", "Opistotie 2, 70100 Kuopio, Finland", PUBLIC_URL),
        decision_id=1,
        decision_version=1,
    )


def per_second(jobs: dict[str, Callable[[], object]], rounds: int) -> dict[str, float]:
    """Calls per second of each job: the median of :data:`BATCHES` batches of ``rounds``.

    The batches of the jobs take turns, so that a busy moment of the machine slows all of
    them alike and the ratios stay fair.
    """
    rates: dict[str, list[float]] = {name: [] for name in jobs}
    for job in jobs.values():
        job()  # warm caches (imports, the key's cryptography object)
    for _ in range(BATCHES):
        for name, job in jobs.items():
            started = time.perf_counter()
            for _ in range(rounds):
                job()
            rates[name].append(rounds / (time.perf_counter() - started))
    return {name: statistics.median(values) for name, values in rates.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--outcomes", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=2000)
    args = parser.parse_args()
    content = realistic_content(args.outcomes)
    issued_at = datetime.datetime(2025, 5, 2, 9, 30, tzinfo=datetime.UTC)
    with tempfile.TemporaryDirectory(prefix="isok-bench-") as folder:
        path = Path(folder) / "signing-key"
        keys.generate(path, PUBLIC_URL)
        signing = keys.load(path, PUBLIC_URL)
    jwks = signing.public_jwks()

    def build() -> dict[str, object]:
        return credential.credential_json(
            content, certificate_id=1234, issued_at=issued_at, public_url=PUBLIC_URL
        )

    payload = build()
    token = credential.sign(payload, signing)
    signing_input = token.rsplit(".", 1)[0].encode()
    raw_key = Ed25519PrivateKey.generate()
    raw_signature = raw_key.sign(signing_input)
    raw_public = raw_key.public_key()

    figures = per_second(
        {
            "build (credential_json)": build,
            "sign (credential.sign)": lambda: credential.sign(payload, signing),
            "build + sign": lambda: credential.sign(build(), signing),
            "verify (credential.verify)": lambda: credential.verify(token, jwks),
            "floor: Ed25519 sign": lambda: raw_key.sign(signing_input),
            "floor: Ed25519 verify": lambda: raw_public.verify(raw_signature, signing_input),
        },
        args.rounds,
    )
    floors = {
        "sign (credential.sign)": "floor: Ed25519 sign",
        "build + sign": "floor: Ed25519 sign",
        "verify (credential.verify)": "floor: Ed25519 verify",
    }
    print(
        f"credential: {args.outcomes} outcomes, {len(token):,} characters as a VC-JWT"
        f" ({len(signing_input):,} bytes signed); {BATCHES} batches of {args.rounds}"
    )
    print(f"{'':<28}{'per second':>12}{'µs each':>10}  vs floor")
    for name, rate in figures.items():
        ratio = f"{figures[floors[name]] / rate:5.1f}× slower" if name in floors else ""
        print(f"{name:<28}{rate:>12,.0f}{1e6 / rate:>10.1f}  {ratio}")


if __name__ == "__main__":
    main()
