"""The shared helpers for forms with repeating rows."""

from kit.forms import language_options, pad_rows, row_count

BLANK = {"language": "", "level": ""}


def test_row_count_is_clamped_and_falls_back_on_garbage() -> None:
    assert row_count("4", default=3, maximum=20) == 4
    assert row_count("0", default=3, maximum=20) == 1
    assert row_count("999", default=3, maximum=20) == 20
    assert row_count("four", default=3, maximum=20) == 3
    assert row_count("", default=3, maximum=20) == 3


def test_pad_rows_leaves_one_blank_row_after_the_last_filled_one() -> None:
    rows = [{"language": "fi", "level": "B1"}]
    pad_rows(rows, BLANK, "language", minimum=3, maximum=20)
    assert [row["language"] for row in rows] == ["fi", "", ""]

    rows = [{"language": code, "level": "A1"} for code in ("fi", "sv", "en")]
    pad_rows(rows, BLANK, "language", minimum=3, maximum=20)
    assert [row["language"] for row in rows] == ["fi", "sv", "en", ""]

    rows = [{"language": "fi", "level": "A1"} for _ in range(5)]
    pad_rows(rows, BLANK, "language", minimum=3, maximum=5)
    assert len(rows) == 5

    # The blank rows are copies: filling one does not fill the others.
    rows: list[dict[str, str]] = []
    pad_rows(rows, BLANK, "language", minimum=2, maximum=5)
    rows[0]["language"] = "fi"
    assert rows[1]["language"] == ""
    assert BLANK["language"] == ""


def test_language_options_keep_codes_the_list_does_not_know_once() -> None:
    known = [("fi", "Finnish"), ("sv", "Swedish")]
    rows = [{"language": "fi"}, {"language": "xh"}, {"language": ""}, {"language": "xh"}]
    assert language_options(known, rows) == [("fi", "Finnish"), ("sv", "Swedish"), ("xh", "xh")]
