"""The only module that touches the disk.

Reading turns OS and parser failures into :class:`~aleppo_map._errors.InputFileError`
messages that name the file. Writing is atomic: data goes to a temporary file in
the destination folder and is renamed into place only when complete, so a failed
run never leaves a partial or corrupted output, and inputs are never modified.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import hashlib
import io
import os
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from aleppo_map._errors import InputFileError, Problem

if TYPE_CHECKING:
    import geopandas as gpd


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _require_file(path: Path, what: str) -> Path:
    path = Path(path)
    if not path.exists():
        raise InputFileError(f"{path}: {what} not found (expected an existing file)")
    if not path.is_file():
        raise InputFileError(f"{path}: expected a file for the {what}, got a directory")
    return path


def _fail(path: Path, expected: str, got: str, hint: str = "") -> InputFileError:
    """Build an :class:`InputFileError` that also carries its :class:`Problem`."""
    problem = Problem(str(path), "", expected, got, hint=hint)
    exc = InputFileError(str(problem))
    exc.problem = problem  # type: ignore[attr-defined]
    return exc


def _decode(data: bytes, path: Path, what: str) -> str:
    """Decode UTF-8 (a byte-order mark is allowed), naming the line and byte of a bad byte."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        start = exc.start + (3 if data.startswith(codecs.BOM_UTF8) else 0)
    line = data.count(b"\n", 0, start) + 1
    col = start - (data.rfind(b"\n", 0, start) + 1) + 1
    byte = data[start]
    prefix = data[:start].decode("utf-8-sig", errors="replace")
    row = max(len(list(csv.reader(io.StringIO(prefix + "x")))) - 1, 0)
    where = f"line {line}" + (f" (data row {row})" if row >= 1 else " (the header)")
    guess = "save the file as UTF-8"
    if byte >= 0x80:
        guess = (f"it looks like Latin-1 or Windows-1252, where 0x{byte:02X} is "
                 f"{bytes([byte]).decode('cp1252', errors='replace')!r}: " + guess)
    raise _fail(path, f"UTF-8 text ({what})",
                f"the byte 0x{byte:02X} at {where}, byte {col} of the line", guess)


def _check_delimiter(header: str, path: Path, what: str) -> None:
    """Refuse a table whose header is separated by something other than commas."""
    try:
        found = csv.Sniffer().sniff(header, delimiters=",;\t|:").delimiter
    except csv.Error:
        return  # one column, or no separator the sniffer knows: pandas decides
    if found != "," and header.count(found) > header.count(","):
        name = {"\t": "tab"}.get(found, found)
        raise _fail(path, f"comma-separated values ({what})",
                    f"{name!r}-separated values (header: {header[:80]!r})",
                    "save the file as CSV with commas")


def _rows(text: str) -> Iterator[tuple[int, list[str]]]:
    """Yield the records of a CSV text with the line each ends on, blank lines left out."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    for rec in reader:
        if rec:
            yield reader.line_num, rec


def _check_widths(text: str, width: int, path: Path, what: str) -> None:
    """Refuse rows with more or fewer fields than the header (pandas would shift or pad)."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        widths = np.fromiter((len(rec) for rec in reader if rec), dtype=np.int64)
    except csv.Error as exc:
        raise _fail(path, f"a {what} in CSV", f"a parse error on line {reader.line_num}: {exc}",
                    'a value holding a comma or a quote must be quoted ("...") with quotes '
                    "doubled inside") from None
    uneven = np.flatnonzero(widths != width)
    if not len(uneven):
        return
    where = dict(enumerate(line for line, _ in _rows(text)))
    shown = ", ".join(f"{widths[i]} on line {where[int(i)]} (data row {i})" for i in uneven[:3])
    more = f" and {len(uneven) - 3} more rows" if len(uneven) > 3 else ""
    raise _fail(path, f"{width} fields on every row of the {what}, as in its header",
                shown + more,
                'a value holding a comma must be quoted ("...")'
                if (widths[uneven] > width).any() else "a field is missing")


def read_csv(path: Path, what: str, required: Sequence[str] = (), *,
             min_rows: int = 1) -> pd.DataFrame:
    """Read a UTF-8, comma-separated table as strings.

    Parameters
    ----------
    path : pathlib.Path
        The CSV file; every message names it as given.
    what : str
        What the file is, for messages ("control table", "gazetteer").
    required : Sequence[str]
        Column names that must be present (tables with a schema check this in
        :mod:`aleppo_map._validate` instead).
    min_rows : int
        Fewest data rows accepted (a header alone is an error when 1).

    Returns
    -------
    pandas.DataFrame
        Every cell as a string; empty cells as ``""``.

    Raises
    ------
    InputFileError
        When the file is missing, not UTF-8 (the line and byte are named), separated
        by something other than commas, empty, not parseable as CSV, or lacks a
        required column.
    """
    path = _require_file(path, what)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise _fail(path, f"a readable {what}", str(exc.strerror)) from None
    text = _decode(data, path, what)
    if not text.strip():
        raise _fail(path, f"a {what}: a header line of comma-separated column names, then "
                    "one row per line", "an empty file")
    header = text.lstrip("\r\n").splitlines()[0]
    _check_delimiter(header, path, what)
    names = [n.strip() for n in next(csv.reader([header]))]
    blank = [i for i, n in enumerate(names, start=1) if not n]
    if blank:
        raise _fail(path, f"a name for every column of the {what}'s header",
                    f"no name for column {', '.join(map(str, blank))}",
                    "a trailing comma at the end of the header?")
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise _fail(path, f"each column once in the {what}'s header",
                    f"{', '.join(map(repr, twice))} more than once")
    _check_widths(text, len(names), path, what)
    try:
        frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False,
                            index_col=False, skip_blank_lines=True)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise _fail(path, f"a {what} in CSV", f"a parse error: {exc}") from None
    frame.columns = names
    if len(frame) < min_rows:
        raise _fail(path, f"at least {min_rows} data row{'s' if min_rows != 1 else ''} "
                    f"under the header of the {what}", "a header and no data rows")
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise InputFileError(
            f"{path}: the {what} lacks column(s) {', '.join(map(repr, missing))}; "
            f"expected columns {', '.join(required)}, got {', '.join(frame.columns)}"
        )
    return frame


def read_lines(path: Path, what: str = "source text") -> list[str]:
    """Read a text file as a list of lines (line 1 is element 0), without line endings.

    Parameters
    ----------
    path : pathlib.Path
        The text file.
    what : str
        What the file is, for messages.

    Returns
    -------
    list of str
        The lines.
    """
    path = _require_file(path, what)
    try:
        return path.read_text(encoding="utf-8").splitlines()
    except UnicodeDecodeError as exc:
        raise InputFileError(f"{path}: expected UTF-8 text ({what}): {exc}") from None


def sha256_of(path: Path) -> str:
    """Return the hex SHA-256 of a file's bytes.

    Parameters
    ----------
    path : pathlib.Path
        The file.

    Returns
    -------
    str
        64 hex digits.
    """
    path = _require_file(path, "file")
    return hashlib.sha256(path.read_bytes()).hexdigest()


def read_vector(path: Path, what: str = "boundary file") -> gpd.GeoDataFrame:
    """Read any vector file GeoPandas can read.

    Parameters
    ----------
    path : pathlib.Path
        A GeoJSON, GeoPackage, shapefile, ... path.
    what : str
        What the file is, for messages.

    Returns
    -------
    geopandas.GeoDataFrame
        As read, in its own CRS (which may be ``None``).
    """
    import geopandas as gpd

    path = _require_file(path, what)
    try:
        return gpd.read_file(path)
    except Exception as exc:  # pyogrio raises several unrelated types for unreadable files
        raise InputFileError(
            f"{path}: could not read the {what} (expected a vector file GeoPandas reads, "
            f"such as GeoJSON, GeoPackage or a shapefile): {exc}"
        ) from None


@contextlib.contextmanager
def atomic_path(dest: Path, suffix: str | None = None) -> Iterator[Path]:
    """Yield a temporary path beside *dest*; rename it onto *dest* only on success.

    Parameters
    ----------
    dest : pathlib.Path
        Final destination. Its folder is created if needed.
    suffix : str, optional
        Suffix of the temporary file (defaults to *dest*'s, so writers that look at
        the extension, such as matplotlib, pick the right format).

    Yields
    ------
    pathlib.Path
        Where to write. Removed if the block raises.
    """
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(
        prefix=f".{dest.name}.", suffix=suffix if suffix is not None else dest.suffix,
        dir=dest.parent,
    )
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        # mkstemp creates 0600; give the output the permissions of an ordinary new file
        os.chmod(tmp_path, 0o666 & ~_umask())
        os.replace(tmp_path, dest)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


def atomic_write_text(dest: Path, text: str) -> Path:
    """Write UTF-8 text atomically.

    Parameters
    ----------
    dest : pathlib.Path
        Destination file.
    text : str
        Content.

    Returns
    -------
    pathlib.Path
        *dest*.
    """
    with atomic_path(dest) as tmp:
        tmp.write_text(text, encoding="utf-8", newline="\n")
    return Path(dest)


def atomic_write_bytes(dest: Path, data: bytes) -> Path:
    """Write bytes atomically.

    Parameters
    ----------
    dest : pathlib.Path
        Destination file.
    data : bytes
        Content.

    Returns
    -------
    pathlib.Path
        *dest*.
    """
    with atomic_path(dest) as tmp:
        tmp.write_bytes(data)
    return Path(dest)


@contextlib.contextmanager
def atomic_dir(dest: Path) -> Iterator[Path]:
    """Yield a temporary folder beside *dest*; it replaces *dest* only on success.

    Use for outputs made of many files (a folder of frames), so that a failed run
    leaves the previous folder, or none, never a half-written one.

    Parameters
    ----------
    dest : pathlib.Path
        Final folder.

    Yields
    ------
    pathlib.Path
        Temporary folder to fill.
    """
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{dest.name}.", dir=dest.parent))
    try:
        yield tmp
        os.chmod(tmp, 0o777 & ~_umask())
        if dest.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{dest.name}.old.", dir=dest.parent))
            os.replace(dest, old / dest.name)
            os.replace(tmp, dest)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, dest)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
