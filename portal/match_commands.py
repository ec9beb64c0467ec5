"""`isok match ...`: the matching engine's command line (see CONTRACTS.md)."""

import click


@click.group(name="match")
def match() -> None:
    """Rank candidates and positions, or propose an assignment."""
