r"""Register a text of one's own in a source registry (``aleppo-map sources add``).

The registry (``sources.csv``) records each text by file name, checksum and line
count, never its prose. :func:`add_source` appends one row for a new text, checking
it the way :func:`~aleppo_map.sources.load_registry` checks every row, and writes
the registry atomically: the existing rows are kept byte for byte (when the registry
already has every column) and nothing else is touched. The text itself stays where
it is: it must sit in the folder given to ``--seeds`` beside the other texts, under
the file name recorded.

Examples
--------
>>> import shutil, tempfile
>>> from pathlib import Path
>>> from aleppo_map.settings import DEFAULTS
>>> tmp = Path(tempfile.mkdtemp())
>>> reg = Path(shutil.copy(DEFAULTS.registry_path, tmp / "sources.csv"))
>>> _ = (tmp / "note.txt").write_text("My notes.\nThe market was quiet.\n", encoding="utf-8")
>>> row = add_source(reg, tmp / "note.txt", source_id="my-notes", title="Notes",
...                  url="", published=DEFAULTS.end.isoformat(), publisher="Me", kind="news")
>>> row["lines"], row["rank"]
('2', '5')
"""

from __future__ import annotations

import csv
import io as _stdio
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

from aleppo_map import _io as io
from aleppo_map._errors import InputFileError, Problem, ValidationError
from aleppo_map.sources import (
    OPTIONAL_REGISTRY_COLUMNS,
    REGISTRY_COLUMNS,
    load_registry,
)

__all__ = ["add_source"]


def _csv_line(values: list[str]) -> str:
    buf = _stdio.StringIO()
    csv.writer(buf, lineterminator="\n").writerow(values)
    return buf.getvalue()


def add_source(
    registry_path: Path,
    text_path: Path,
    *,
    source_id: str,
    title: str,
    url: str = "",
    published: str | date,
    publisher: str,
    kind: str = "news",
    rank: int | None = None,
    revision: str = "",
    accessed: str | date | None = None,
    archive_url: str = "",
    note: str = "",
) -> dict[str, str]:
    """Register *text_path* in the registry at *registry_path* and return the new row.

    Parameters
    ----------
    registry_path : pathlib.Path
        A ``sources.csv`` (a copy of the embedded one, or one's own). It is rewritten
        atomically; no other file is written.
    text_path : pathlib.Path
        The UTF-8 text. Its file name is recorded; keep it in the ``--seeds`` folder.
    source_id : str
        New id: a lowercase slug such as ``my-report``, not yet in the registry.
    title, publisher : str
        Title of the text and who published it (``"publisher not stated"`` with a
        *note* saying why, when the text does not say).
    url : str
        Canonical address (http or https), or empty.
    published : str or datetime.date
        Publication date, ISO ``YYYY-MM-DD``.
    kind : str
        ``news`` or ``encyclopedia``.
    rank : int, optional
        Precedence for the same-day rule (1 first); default after every other source.
    revision, archive_url, note : str
        Version read, archived copy's address, how the facts were established.
    accessed : str or datetime.date, optional
        When the text was read; default today.

    Returns
    -------
    dict
        The registered row, every registry column as text.

    Raises
    ------
    InputFileError
        When the text or the registry cannot be read.
    ValidationError
        Listing every bad value (duplicate id or file name, bad date, kind, URL or
        rank); the registry is then left as it was.
    """
    registry_path = Path(registry_path)
    text_path = Path(text_path)
    registry = load_registry(registry_path)
    lines = io.read_lines(text_path, f"text of source {source_id!r}")
    if not any(line.strip() for line in lines):
        raise InputFileError(f"{text_path}: expected a text with at least one non-empty line, "
                             "got an empty file")
    file = str(registry_path)
    problems: list[Problem] = []
    if source_id in registry.ids:
        problems.append(Problem(file, "source_id", "an id not yet registered",
                                repr(source_id),
                                hint="registered: " + ", ".join(registry.ids)))
    if text_path.name in set(registry.frame["file"]):
        owner = registry.frame.index[registry.frame["file"] == text_path.name][0]
        problems.append(Problem(file, "file", "a file name not yet registered",
                                repr(text_path.name), hint=f"already the text of {owner!r}"))
    ranks = [registry.rank(s) for s in registry.ids]
    if rank is None:
        rank = max(ranks, default=0) + 1
    elif rank in ranks:
        problems.append(Problem(file, "rank", "a rank no other source has", str(rank),
                                hint="free ranks start at " + str(max(ranks, default=0) + 1)))
    if problems:
        raise ValidationError(problems)
    row = {
        "source_id": source_id,
        "file": text_path.name,
        "title": title,
        "publisher": publisher,
        "published": published.isoformat() if isinstance(published, date) else str(published),
        "kind": kind,
        "sha256": io.sha256_of(text_path),
        "rank": str(rank),
        "url": url,
        "revision": revision,
        "revision_url": "",
        "accessed": (accessed.isoformat() if isinstance(accessed, date)
                     else str(accessed) if accessed else datetime.now(UTC).date().isoformat()),
        "archive_url": archive_url,
        "lines": str(len(lines)),
        "note": note,
    }
    old = registry_path.read_text(encoding="utf-8")
    header = next(csv.reader([old.splitlines()[0]])) if old.strip() else []
    wanted = list(REGISTRY_COLUMNS) + list(OPTIONAL_REGISTRY_COLUMNS)
    if all(c in header for c in wanted):
        # every column present: keep the file as it is and append one line
        new = old + ("" if old.endswith("\n") else "\n")
        new += _csv_line([row.get(c, "") for c in header])
    else:
        # an older registry without the optional columns: add them, empty for old rows
        rows = list(csv.DictReader(_stdio.StringIO(old)))
        columns = header + [c for c in wanted if c not in header]
        out = _stdio.StringIO()
        writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n",
                                extrasaction="ignore")
        writer.writeheader()
        for rec in rows:
            writer.writerow({c: rec.get(c) or "" for c in columns})
        writer.writerow(row)
        new = out.getvalue()
    # check the whole new registry before it replaces the old one
    with io.atomic_path(registry_path, overwrite=True) as tmp:  # the registry it was asked to extend
        tmp.write_text(new, encoding="utf-8", newline="\n")
        try:
            load_registry(tmp)
        except ValidationError as exc:
            raise ValidationError(
                [replace(p, file=f"{file} (new row for {source_id!r})") for p in exc.problems]
            ) from None
    return row
