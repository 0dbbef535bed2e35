"""The CSV reader: its Arrow fast path reads what pandas reads, and refuses what it refuses."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
import pytest

from aleppo_map import _io
from aleppo_map._errors import InputFileError

# Tables without quotes take the fast path; each is read by pandas too, for comparison.
PLAIN = {
    "lf": "a,b\n1,2\n3,4\n",
    "crlf": "a,b\r\n1,2\r\n3,4\r\n",
    "no final line end": "a,b\n1,2\n3,4",
    "blank lines": "\n\na,b\n1,2\n\n\r\n3,4\n\n",
    "empty cells and NA words": "a,b,c\n,,\nNA,null,NaN\n",
    "spaces kept": "a , b\n 1 , 2 \n",
    "unicode": "a,b\nحي,٣\nq\u2028x,\x0c\n",
    "byte-order mark": "\ufeffa,b\n1,2\n",
    "header only": "a,b\n",
}


@pytest.mark.parametrize("text", PLAIN.values(), ids=PLAIN.keys())
def test_fast_path_reads_what_pandas_reads(text: str, tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_bytes(text.encode("utf-8"))
    body = text.removeprefix("\ufeff")
    assert _io._plain(body.encode("utf-8"))
    fast = _io._read_plain(body.encode("utf-8"), 3 if "c" in body.split("\n")[0] else 2)
    assert fast is not None  # the fast path was taken
    got = _io.read_csv(path, "table", min_rows=0)
    want = pd.read_csv(io.StringIO(body), dtype=str, keep_default_na=False, index_col=False)
    want.columns = [c.strip() for c in want.columns]
    pd.testing.assert_frame_equal(got, want, check_exact=True)


@pytest.mark.parametrize(("text", "message"), [
    ("a,b\n1,2\n3\n4,5,6\n", ("2 fields on every row of the table, as in its header, got 1 "
                              "on line 3 (data row 2), 3 on line 4 (data row 3)")),
    ("a,b\r\n1,2\r\n\r\n3,4,5\r\n", "got 3 on line 4 (data row 2)"),
    ("a,b\n1,2\n  \n", "got 1 on line 3 (data row 2)"),
])
def test_a_row_of_another_width_is_named_on_the_fast_path_too(text: str, message: str,
                                                             tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text(text, encoding="utf-8", newline="")
    assert _io._read_plain(text.encode("utf-8"), 2) is None  # Arrow refuses: the slow path names it
    with pytest.raises(InputFileError, match=r"t\.csv") as info:
        _io.read_csv(path, "table")
    assert message in str(info.value)


def test_one_column_skips_lines_of_spaces_as_pandas_does(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("a\n1\n  \n3\n", encoding="utf-8")
    assert _io.read_csv(path, "table")["a"].tolist() == ["1", "3"]
