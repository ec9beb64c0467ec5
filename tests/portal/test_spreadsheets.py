"""CSV files as a spreadsheet set up for Finland reads them (kit.spreadsheets)."""

from __future__ import annotations

import csv
import io

from kit.spreadsheets import csv_bytes, decimal, read_csv, spreadsheet_safe

ROWS = [
    ["Organisation", "Note", "Score"],
    ["Kiinteistöhuolto Oy", 'said "yes"; then left', decimal(0.25, 2)],
    ["Åbo Städ", "two\r\nlines", decimal(12.0, 1)],
]


def test_utf8_with_a_byte_order_mark_semicolons_and_crlf() -> None:
    content = csv_bytes(ROWS)
    assert content.startswith(b"\xef\xbb\xbfOrganisation;Note;Score\r\n")
    assert "Kiinteistöhuolto Oy".encode() in content
    assert content.count("\ufeff".encode()) == 1  # one mark, before the first line only
    # What Excel in Finland does: UTF-8 because of the mark, cells split at semicolons.
    assert read_csv(content) == ROWS
    assert list(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=";")) == ROWS


def test_decimals_use_the_comma() -> None:
    assert decimal(0.5, 6) == "0,500000"
    assert decimal(-1234.5678, 2) == "-1234,57"


def test_no_rows_is_an_empty_file() -> None:
    assert csv_bytes([]) == b""


def test_formulas_are_written_as_text() -> None:
    assert [spreadsheet_safe(text) for text in ("=1+1", "+1", "-1", "@A1", "plain")] == [
        "'=1+1",
        "'+1",
        "'-1",
        "'@A1",
        "plain",
    ]
