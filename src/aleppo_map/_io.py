"""The only module that touches the disk.

Reading turns OS and parser failures into :class:`~aleppo_map._errors.InputFileError`
messages that name the file. Writing is a transaction (:func:`output_file`,
:func:`output_dir`): data goes to a temporary sibling and is moved into place only
when complete, so a failed or interrupted run never leaves a partial output or a
temporary file; nothing that exists is replaced without ``overwrite``, and then only
the files the command writes; inputs are never modified. OS failures of the output
location (read-only, no permission, disk full) become :class:`OutputError` messages.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import errno
import fcntl
import hashlib
import io
import os
import shutil
import signal
import tempfile
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from aleppo_map._errors import InputFileError, OutputError, Problem

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


def _first_line(text: str) -> str:
    """Return ``text.splitlines()[0]`` without splitting the whole text."""
    end = text.find("\n")
    return (text if end < 0 else text[:end + 1]).splitlines()[0]


def _rows(text: str) -> Iterator[tuple[int, list[str]]]:
    """Yield the records of a CSV text with the line each ends on, blank lines left out."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    for rec in reader:
        if rec:
            yield reader.line_num, rec


def _plain(data: bytes) -> bool:
    r"""Tell whether a UTF-8 CSV text has no quotes, no NUL and only ``\n`` or ``\r\n`` line ends.

    Such a text has no quoted field: the fields of a line are split by its commas.
    """
    return (b'"' not in data and b"\0" not in data
            and (b"\r" not in data or data.count(b"\r") == data.count(b"\r\n")))


def _check_widths(text: str, width: int, path: Path, what: str) -> None:
    """Refuse rows with more or fewer fields than the header (pandas would shift or pad)."""
    if '"' not in text and "\0" not in text and text.count("\r") == text.count("\r\n"):
        # no quoting and plain line ends: the fields of a line are its commas plus one
        widths = np.fromiter((line.count(",") + 1 for line in text.split("\n")
                              if line and line != "\r"), dtype=np.int64)
        if (widths == width).all():
            return
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


def _read_plain(data: bytes, width: int) -> pd.DataFrame | None:
    """Parse a CSV text without quotes (see :func:`_plain`) with Arrow, as strings.

    The fast path of :func:`read_csv`, for two columns or more: Arrow's parser splits
    each non-empty line at its commas and refuses a line with more or fewer fields than
    the header, so a table it parses has passed :func:`_check_widths`, and pandas would
    read the same cells.

    Parameters
    ----------
    data : bytes
        The file's UTF-8 bytes, without a byte-order mark.
    width : int
        Fields of the header.

    Returns
    -------
    pandas.DataFrame or None
        The data rows (columns ``0`` to ``width - 1``, renamed by the caller), every
        cell a string; ``None`` when Arrow refuses the text (then the slow path finds
        and names the problem).
    """
    import pyarrow as pa
    from pyarrow import csv as pa_csv

    names = [str(i) for i in range(width)]  # the header is read as the first row
    try:
        table = pa_csv.read_csv(
            pa.py_buffer(data),
            read_options=pa_csv.ReadOptions(column_names=names, use_threads=False),
            parse_options=pa_csv.ParseOptions(ignore_empty_lines=True),
            convert_options=pa_csv.ConvertOptions(
                # large_string: the storage of pandas' strings (no copy into pandas)
                column_types=dict.fromkeys(names, pa.large_string()), strings_can_be_null=False,
                quoted_strings_can_be_null=False),
        )
    except pa.ArrowException:  # a line of another width, mostly
        return None
    frame: pd.DataFrame = table.slice(1).to_pandas()
    return frame


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
    if not text or text.isspace():
        raise _fail(path, f"a {what}: a header line of comma-separated column names, then "
                    "one row per line", "an empty file")
    header = _first_line(text.lstrip("\r\n"))
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
    frame = None
    # the fast path; anything Arrow refuses goes the slow way, for its message (with one
    # column, pandas also skips lines of spaces: Arrow would keep them)
    body = data.removeprefix(codecs.BOM_UTF8)
    if len(names) > 1 and _plain(body):
        frame = _read_plain(body, len(names))
    if frame is None:
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


def read_vector(path: Path, what: str = "boundary file", layer: str | None = None) -> gpd.GeoDataFrame:
    """Read any vector file GeoPandas can read.

    Parameters
    ----------
    path : pathlib.Path
        A GeoJSON, GeoPackage, shapefile, KML, ... path.
    what : str
        What the file is, for messages.
    layer : str, optional
        The layer to read from a file holding several (a GeoPackage, a KML with
        folders). Required when there are several: the message lists them.

    Returns
    -------
    geopandas.GeoDataFrame
        As read, in its own CRS (which may be ``None``).

    Raises
    ------
    InputFileError
        When the file is missing or unreadable, holds several layers and *layer* is not
        one of them, or has no geometry (a CSV or another plain table).
    """
    import difflib

    import geopandas as gpd
    import pyogrio

    path = _require_file(path, what)
    hint = "expected a vector file GeoPandas reads, such as GeoJSON, GeoPackage, KML or a shapefile"
    try:
        # a GeoJSON file holds one layer: listing it would parse the whole file twice
        layers = ([path.stem] if layer is None and path.suffix.lower() in (".geojson", ".json")
                  else [str(name) for name, _ in pyogrio.list_layers(path)])
    except Exception as exc:  # pyogrio raises several unrelated types for unreadable files
        raise InputFileError(f"{path}: could not read the {what} ({hint}): {exc}") from None
    if layer is not None and layer not in layers:
        close = difflib.get_close_matches(layer, layers, n=1)
        raise InputFileError(
            f"{path}: --layer {layer!r} is not a layer of the {what}; it holds "
            + ", ".join(map(repr, layers))
            + (f" (did you mean {close[0]!r}?)" if close else "")
        )
    if layer is None and len(layers) > 1:
        raise InputFileError(
            f"{path}: the {what} holds {len(layers)} layers ({', '.join(map(repr, layers))}); "
            "choose one with --layer NAME"
        )
    try:
        frame = gpd.read_file(path, layer=layer) if layer is not None else gpd.read_file(path)
    except Exception as exc:  # pyogrio raises several unrelated types for unreadable files
        raise InputFileError(f"{path}: could not read the {what} ({hint}): {exc}") from None
    no_geometry = (not isinstance(frame, gpd.GeoDataFrame)
                   or getattr(frame, "active_geometry_name", None) is None
                   or (len(frame) > 0 and bool(frame.geometry.isna().all())))
    if no_geometry:
        columns = ", ".join(str(c) for c in frame.columns if c != "geometry")[:200]
        raise InputFileError(
            f"{path}: the {what} has no geometry (expected polygons, got a table with columns "
            f"{columns}); is it a CSV? Pass a GeoJSON, GeoPackage, KML or shapefile"
        )
    return frame


# ============================================================================= outputs
#: Prefix of every temporary name this module creates (ignored when deciding whether a
#: folder is empty, and cleaned up on failure).
TMP_PREFIX = ".aleppo-map-tmp-"

#: ``errno`` values that mean "the output location cannot take this", reported as
#: :class:`OutputError` rather than as a traceback.
_OUTPUT_ERRNOS = {
    errno.ENOSPC: "no space left on the device",
    errno.EDQUOT: "disk quota exceeded",
    errno.EROFS: "the file system is read-only",
    errno.EACCES: "permission denied",
    errno.EPERM: "operation not permitted (is the file or folder immutable?)",
    errno.EFBIG: "file too large for the file system",
    errno.ENOTDIR: "a file stands where a folder is needed",
    errno.EISDIR: "a folder stands where a file is needed",
    errno.ENAMETOOLONG: "the name is too long",
}


def _output_error(exc: OSError, dest: Path) -> OutputError:
    why = _OUTPUT_ERRNOS.get(exc.errno or 0, exc.strerror or str(exc))
    where = exc.filename or dest
    return OutputError(
        f"{dest}: could not write the output ({why}: {where}); nothing was changed, "
        "the previous result (if any) is intact"
    )


def _os_error_in(exc: BaseException) -> OSError | None:
    """Find the output-location :class:`OSError` behind *exc*, if any.

    Some writers fail on a full disk with an unrelated exception raised while cleaning
    up (matplotlib's PDF backend), the OSError being its context.
    """
    seen: set[int] = set()
    cur: BaseException | None = exc
    while cur is not None and id(cur) not in seen:
        seen.add(id(cur))
        if isinstance(cur, OSError) and cur.errno in _OUTPUT_ERRNOS:
            return cur
        cur = cur.__cause__ or cur.__context__
    return None


@contextlib.contextmanager
def sigint_held() -> Iterator[None]:
    """Note a Ctrl-C during the block and raise it after it.

    So a temporary name just created is always recorded for clean-up, and worker processes
    being forked never see it (one raised inside the interpreter's fork handlers would be
    swallowed). A no-op outside the main thread (signals are only handled there).
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []
    old = signal.signal(signal.SIGINT, lambda signum, _frame: caught.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, old)
    if caught:
        raise KeyboardInterrupt


def _is_ours(name: str) -> bool:
    return name.startswith(TMP_PREFIX)


def _user_entries(folder: Path) -> list[str]:
    return sorted(e.name for e in os.scandir(folder) if not _is_ours(e.name))


def _check_parent(dest: Path) -> None:
    """Refuse when a component of *dest*'s folder is an existing file."""
    for parent in reversed(dest.parents):
        if parent.exists() and not parent.is_dir():
            raise OutputError(f"{dest}: {parent} is a file, expected a folder (or nothing) there")


def _make_parent(dest: Path) -> None:
    _check_parent(dest)
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise _output_error(exc, dest) from None


def _lock(folder: Path) -> int:
    """Take an exclusive lock on *folder* (released by :func:`os.close`), waiting for it.

    Two runs writing into one folder commit one after the other, never interleaved.
    """
    fd = os.open(folder, os.O_RDONLY)
    fcntl.flock(fd, fcntl.LOCK_EX)
    return fd


def _tree(root: Path) -> list[Path]:
    """Files (and symlinks) under *root*, relative, in a stable order."""
    out: list[Path] = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        base = Path(dirpath)
        out.extend((base / f).relative_to(root) for f in sorted(filenames))
    return out


def _describe(names: Sequence[str]) -> str:
    shown = ", ".join(repr(n) for n in names[:3])
    more = f" and {len(names) - 3} more" if len(names) > 3 else ""
    return shown + more


@contextlib.contextmanager
def output_file(dest: Path, *, overwrite: bool = False, suffix: str | None = None) -> Iterator[Path]:
    """Write one output file as a transaction.

    Yields a temporary path beside *dest*; when the block completes, the file is moved
    onto *dest* in one rename. The block failing, raising or being interrupted
    (:class:`KeyboardInterrupt`) leaves *dest* as it was and no temporary file.

    Parameters
    ----------
    dest : pathlib.Path
        Final file. Its folder is created if needed.
    overwrite : bool
        Replace *dest* when it exists (otherwise that is an :class:`OutputError`).
    suffix : str, optional
        Suffix of the temporary file (defaults to *dest*'s, so writers that look at
        the extension, such as matplotlib, pick the right format).

    Yields
    ------
    pathlib.Path
        Where to write.

    Raises
    ------
    OutputError
        *dest* exists (without *overwrite*), is a folder, lies under a file, or the
        location is read-only, not writable or full.

    Examples
    --------
    >>> import tempfile
    >>> d = Path(tempfile.mkdtemp())
    >>> with output_file(d / "a.txt") as tmp:
    ...     _ = tmp.write_text("one")
    >>> with output_file(d / "a.txt") as tmp:  # doctest: +ELLIPSIS
    ...     _ = tmp.write_text("two")
    Traceback (most recent call last):
    ...
    aleppo_map._errors.OutputError: ...a.txt: the file exists; ... --overwrite ...
    >>> (d / "a.txt").read_text(), sorted(p.name for p in d.iterdir())
    ('one', ['a.txt'])
    """
    dest = Path(dest)
    _check_file_dest(dest, overwrite)
    _make_parent(dest)
    tmp: Path | None = None
    try:
        with sigint_held():  # a Ctrl-C right after creation still finds the name to remove
            try:
                fd, name = tempfile.mkstemp(prefix=f"{TMP_PREFIX}{dest.name}.",
                                            suffix=suffix if suffix is not None else dest.suffix,
                                            dir=dest.parent)
            except OSError as exc:
                raise _output_error(exc, dest) from None
            os.close(fd)
            tmp = Path(name)
        try:
            yield tmp
            # mkstemp creates 0600; give the output the permissions of an ordinary new file
            os.chmod(tmp, 0o666 & ~_umask())
            lock = _lock(dest.parent)
            try:
                _check_file_dest(dest, overwrite, late=True)
                os.replace(tmp, dest)
            finally:
                os.close(lock)
        except Exception as exc:
            cause = _os_error_in(exc)
            if cause is None or isinstance(exc, OutputError):
                raise
            raise _output_error(cause, dest) from None
    finally:
        if tmp is not None:
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()


def _check_file_dest(dest: Path, overwrite: bool, *, late: bool = False) -> None:
    if dest.is_dir():
        raise OutputError(f"{dest}: is a folder, expected a file name (or nothing) there")
    if (dest.exists() or dest.is_symlink()) and not overwrite:
        when = " (another run wrote it meanwhile)" if late else ""
        raise OutputError(
            f"{dest}: the file exists{when}; nothing was written. Choose another name, or "
            "pass --overwrite to replace it"
        )
    _check_parent(dest)


@contextlib.contextmanager
def output_dir(dest: Path, *, overwrite: bool = False) -> Iterator[Path]:
    """Write a folder of outputs as a transaction.

    Yields an empty temporary folder; whatever the block writes there (files and
    sub-folders) is moved into *dest* when the block completes, all of it or, on any
    failure, none of it. *dest* must be absent or empty unless *overwrite*; even then
    only the files the block wrote replace their namesakes in *dest*, and every other
    file of *dest* stays. A failed or interrupted run leaves *dest* as it was and no
    temporary files.

    Parameters
    ----------
    dest : pathlib.Path
        Final folder (created when absent).
    overwrite : bool
        Allow a non-empty *dest*, replacing only same-named files.

    Yields
    ------
    pathlib.Path
        Temporary folder to fill.

    Raises
    ------
    OutputError
        *dest* is a file, is not empty (without *overwrite*), one of the outputs would
        replace a folder, or the location is read-only, not writable or full.

    Examples
    --------
    >>> import tempfile
    >>> d = Path(tempfile.mkdtemp())
    >>> _ = (d / "notes.txt").write_text("mine")
    >>> with output_dir(d, overwrite=True) as tmp:
    ...     _ = (tmp / "frame.png").write_text("new")
    >>> sorted(p.name for p in d.iterdir())
    ['frame.png', 'notes.txt']
    """
    dest = Path(dest)
    _check_dir_dest(dest, overwrite)
    _make_parent(dest)
    # inside an existing folder (which may be a mount point) so every rename stays on
    # one file system; beside it otherwise
    home = dest if dest.is_dir() else dest.parent
    tmp: Path | None = None
    try:
        with sigint_held():  # a Ctrl-C right after creation still finds the folder to remove
            try:
                tmp = Path(tempfile.mkdtemp(prefix=f"{TMP_PREFIX}{dest.name}.", dir=home))
            except OSError as exc:
                raise _output_error(exc, dest) from None
        try:
            yield tmp
            _commit_dir(tmp, dest, overwrite, home)
        except Exception as exc:
            cause = _os_error_in(exc)
            if cause is None or isinstance(exc, OutputError):
                raise
            raise _output_error(cause, dest) from None
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)


def _check_dir_dest(dest: Path, overwrite: bool, *, late: bool = False) -> None:
    _check_parent(dest)
    if dest.exists() and not dest.is_dir():
        raise OutputError(f"{dest}: is a file, expected a folder (or nothing) there")
    if dest.is_dir() and not overwrite:
        try:
            names = _user_entries(dest)
        except OSError as exc:
            raise _output_error(exc, dest) from None
        if names:
            when = " (another run wrote into it meanwhile)" if late else ""
            count = f"{len(names)} {'entry' if len(names) == 1 else 'entries'}"
            raise OutputError(
                f"{dest}: the folder is not empty{when} ({count}: {_describe(names)}); "
                "nothing was written. Choose a new or empty folder, or pass --overwrite to "
                "replace only the files this command writes (every other file stays)"
            )


def _commit_dir(tmp: Path, dest: Path, overwrite: bool, home: Path) -> None:
    os.chmod(tmp, 0o777 & ~_umask())
    lock = _lock(home)
    try:
        _check_dir_dest(dest, overwrite, late=True)
        if not dest.exists():
            os.rename(tmp, dest)  # the whole folder at once
            return
        files = _tree(tmp)
        clashes = [rel for rel in files
                   if (dest / rel).is_dir() and not (dest / rel).is_symlink()]
        clashes += [rel for rel in files for parent in rel.parents
                    if parent != Path() and (dest / parent).exists() and not (dest / parent).is_dir()]
        if clashes:
            raise OutputError(
                f"{dest}: an output would replace something of another kind "
                f"({_describe([str(c) for c in clashes])}: a folder where a file goes, or a file "
                "where a folder goes); nothing was written"
            )
        backup: Path | None = None
        old: list[Path] = []
        new: list[Path] = []
        made: list[Path] = []
        try:
            with sigint_held():
                backup = Path(tempfile.mkdtemp(prefix=f"{TMP_PREFIX}old.", dir=home))
            for rel in files:  # set the replaced files aside, so that failure can restore them
                if (dest / rel).exists() or (dest / rel).is_symlink():
                    (backup / rel).parent.mkdir(parents=True, exist_ok=True)
                    os.replace(dest / rel, backup / rel)
                    old.append(rel)
            for rel in files:
                for parent in reversed(rel.parents):
                    if parent != Path() and not (dest / parent).exists():
                        (dest / parent).mkdir()
                        os.chmod(dest / parent, 0o777 & ~_umask())
                        made.append(dest / parent)
                os.replace(tmp / rel, dest / rel)
                new.append(rel)
        except BaseException:
            for rel in new:
                with contextlib.suppress(OSError):
                    (dest / rel).unlink()
            for rel in old:
                with contextlib.suppress(OSError):
                    os.replace(backup / rel, dest / rel)  # type: ignore[operator]  # set when old is
            for folder in reversed(made):
                with contextlib.suppress(OSError):
                    folder.rmdir()
            raise
        finally:
            if backup is not None:
                shutil.rmtree(backup, ignore_errors=True)
    finally:
        os.close(lock)


@contextlib.contextmanager
def atomic_path(dest: Path, suffix: str | None = None, *, overwrite: bool) -> Iterator[Path]:
    """Yield a temporary path beside *dest*; rename it onto *dest* only on success.

    :func:`output_file` under its older name; the caller says whether *dest* may be
    replaced (a file the user asked to update, such as a source registry).

    Parameters
    ----------
    dest : pathlib.Path
        Final destination. Its folder is created if needed.
    suffix : str, optional
        Suffix of the temporary file (defaults to *dest*'s).
    overwrite : bool
        Replace *dest* when it exists.

    Yields
    ------
    pathlib.Path
        Where to write. Removed if the block raises.
    """
    with output_file(dest, overwrite=overwrite, suffix=suffix) as tmp:
        yield tmp


def atomic_write_text(dest: Path, text: str, *, overwrite: bool) -> Path:
    """Write UTF-8 text atomically.

    Parameters
    ----------
    dest : pathlib.Path
        Destination file.
    text : str
        Content.
    overwrite : bool
        Replace *dest* when it exists.

    Returns
    -------
    pathlib.Path
        *dest*.
    """
    with output_file(dest, overwrite=overwrite) as tmp:
        tmp.write_text(text, encoding="utf-8", newline="\n")
    return Path(dest)
