"""One exception for input that breaks a rule, whatever the domain.

A service raises :class:`Invalid` with a message for each input part it refuses; a page catches
it to show the messages beside the fields, and anything that does not is answered in one place
(``portal.errors``): 400 with ``{"detail": {"message": ..., "errors": {...}}}`` for the API, the
error page for a browser.
"""

from __future__ import annotations

from collections.abc import Mapping


class Invalid(Exception):
    """The input breaks a rule; ``errors`` maps each input part to its message."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        self.errors = dict(errors)
        super().__init__("; ".join(f"{key}: {message}" for key, message in self.errors.items()))

    @classmethod
    def of(cls, field: str, message: str) -> Invalid:
        return cls({field: message})

    @property
    def summary(self) -> str:
        """The first refusal as one line, ``field: message``."""
        key, message = next(iter(self.errors.items()))
        return f"{key}: {message}"
