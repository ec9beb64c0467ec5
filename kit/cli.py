"""Command-line failures as one line, for every `isok` command (CONTRACTS.md: "bad input exits
non-zero with a one-line reason, not a traceback")."""

from __future__ import annotations

import sys
from typing import IO, Any

import click


class Failure(click.ClickException):
    """Bad input: one line ``<prefix>: <reason>`` on standard error, exit status 1."""

    exit_code = 1
    prefix = "error"

    def show(self, file: IO[Any] | None = None) -> None:
        click.echo(f"{self.prefix}: {self.format_message()}", file=file or sys.stderr)


class UsageFailure(Failure):
    """A mistyped command line: one line, exit status 2 (click's usage status)."""

    exit_code = 2


class OneLineCommand(click.Command):
    """A command whose usage errors are one line, like its other failures."""

    def make_context(
        self,
        info_name: str | None,
        args: list[str],
        parent: click.Context | None = None,
        **extra: Any,
    ) -> click.Context:
        try:
            return super().make_context(info_name, args, parent=parent, **extra)
        except click.UsageError as error:
            path = " ".join(p for p in (parent.command_path if parent else "", info_name) if p)
            raise UsageFailure(f"{error.format_message()} (see '{path} --help')") from None
