"""`isok match ...`: the matching engine's command line (see CONTRACTS.md).

JSON goes to standard output; progress goes to standard error, and only when it is a
terminal. Bad input ends with exit status 1 and one line ``error: <reason>`` on standard
error; a mistyped command line ends with status 2 and one such line.

Each command imports only the part of the engine it runs (`rank` never loads the assignment's
solver) and turns off Python's cycle collector while it runs: a ranking makes millions of small
objects that form no cycles, and the collector would walk them again and again for nothing
(docs/performance.md, "The command line, whole process").
"""

from __future__ import annotations

import gc
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import click

from kit.cli import Failure, OneLineCommand

if TYPE_CHECKING:
    # The engine (numpy, scipy) is imported by the commands that run it, so that
    # `isok --help` and every other command start fast (docs/performance.md).
    from matching.scoring import CompetenceMatcher


@click.group(name="match")
def match() -> None:
    """Rank candidates and positions, or propose an assignment.

    Both commands read one JSON document with "competences" (optional vocabulary),
    "positions" and "candidates", as described in CONTRACTS.md.
    """


_INPUT = click.option(
    "--input",
    "input_path",
    required=True,
    metavar="FILE",
    help="JSON document to read ('-' for standard input).",
)


@match.command(cls=OneLineCommand)
@_INPUT
@click.option(
    "--top",
    type=click.IntRange(min=0),
    default=10,
    show_default=True,
    metavar="K",
    help="How many matches per ranking; 0 lists them all.",
)
@click.option(
    "--by",
    type=click.Choice(["position", "candidate"]),
    default="position",
    show_default=True,
    help="Rank candidates for each position, or positions for each candidate.",
)
def rank(input_path: str, top: int, by: str) -> None:
    """Rank and print JSON with scores and explanations.

    Eligible matches come first (those failing a language or region filter are listed after
    them with "eligible": false), then by score, then by id. The "parts" of each explanation
    add up to its score. References that could not be mapped to the vocabulary are listed
    under "unmapped" with suggestions.
    """
    from matching.output import rank_json

    with _without_cycle_collection():
        matcher = _fit(input_path)
        with _progress("ranking") as progress:
            _write(
                rank_json(
                    matcher,
                    by="position" if by == "position" else "candidate",
                    top=top or None,
                    progress=progress,
                )
            )


@match.command(name="assign", cls=OneLineCommand)
@_INPUT
def assign_command(input_path: str) -> None:
    """Propose a one-to-one assignment within places and print JSON.

    Maximises the total score over eligible pairs that score above 0; each position takes
    at most its "places" (default 1) and each candidate at most one place.
    """
    from matching.assignment import assign
    from matching.output import assignment_document

    with _without_cycle_collection():
        matcher = _fit(input_path)
        if matcher.unmapped_:
            click.echo(
                f"warning: {len(matcher.unmapped_)} competence references could not be mapped; "
                "'isok match rank' lists them",
                err=True,
            )
        _print(assignment_document(assign(matcher)))


def _fit(input_path: str) -> CompetenceMatcher:
    from matching.model import InputError, load_document
    from matching.scoring import CompetenceMatcher

    try:
        if input_path == "-":
            text = sys.stdin.buffer.read()
        else:
            with open(input_path, "rb") as file:
                text = file.read()
    except OSError as error:
        raise Failure(f"cannot read {input_path!r}: {error.strerror or error}") from None
    try:
        return CompetenceMatcher().fit(load_document(text))
    except InputError as error:
        raise Failure(str(error)) from None


@contextmanager
def _without_cycle_collection() -> Iterator[None]:
    """Python's cycle collector off for the block (reference counting still frees memory)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


@contextmanager
def _progress(label: str) -> Iterator[Callable[[int, int], None] | None]:
    """A progress callback drawing a bar on standard error, or None when it is no terminal."""
    if not sys.stderr.isatty():
        yield None
        return
    bars: list[Any] = []

    def update(done: int, total: int) -> None:
        if not bars:
            bars.append(click.progressbar(length=total, label=label, file=sys.stderr))
            bars[0].__enter__()
        bars[0].update(done - bars[0].pos)

    try:
        yield update
    finally:
        if bars:
            bars[0].__exit__(None, None, None)


def _print(document: dict[str, Any]) -> None:
    from matching.output import encode

    _write([encode(document)])


def _write(pieces: Iterable[bytes]) -> None:
    """JSON text and a new line to standard output, as bytes (it is UTF-8 already)."""
    sys.stdout.flush()
    out = sys.stdout.buffer
    for piece in pieces:
        out.write(piece)
    out.write(b"\n")
    out.flush()
