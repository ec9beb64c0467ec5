"""CSV files that open as they should in a spreadsheet set up for Finland.

Excel reads a CSV file in the system's locale unless told otherwise. In Finland that means
semicolons between cells (the comma is the decimal separator) and, without a byte-order
mark, an 8-bit code page: UTF-8 "Kiinteistöhuolto" shows as "KiinteistÃ¶huolto" in one
column. Every CSV the portal writes therefore starts with the UTF-8 byte-order mark,
separates cells with semicolons, ends lines with CRLF, and writes decimals with a comma;
LibreOffice and Python's ``csv`` module (``delimiter=";"``, ``encoding="utf-8-sig"``) read
it too. Free text that a spreadsheet would run as a formula is written as text.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator

BYTE_ORDER_MARK = "\ufeff"
DELIMITER = ";"
MEDIA_TYPE = "text/csv"  # Litestar adds "; charset=utf-8"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(text: str) -> str:
    """Free text that a spreadsheet will show as text, never run as a formula."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def decimal(value: float, places: int) -> str:
    """A decimal number as a Finnish spreadsheet reads it: ``0,5`` rather than ``0.5``."""
    return f"{value:.{places}f}".replace(".", ",")


def csv_lines(rows: Iterable[Iterable[str]]) -> Iterator[str]:
    """The rows as CSV text, line by line, the byte-order mark before the first line."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=DELIMITER, lineterminator="\r\n")
    first = True
    for row in rows:
        writer.writerow(row)
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        yield BYTE_ORDER_MARK + text if first else text
        first = False


def csv_bytes(rows: Iterable[Iterable[str]]) -> bytes:
    """The whole file, encoded (UTF-8 with its byte-order mark)."""
    return "".join(csv_lines(rows)).encode("utf-8")


def read_csv(content: bytes) -> list[list[str]]:
    """Read back a file this module wrote (for tests and imports of our own exports)."""
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=DELIMITER))
