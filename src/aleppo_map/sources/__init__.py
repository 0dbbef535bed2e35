"""Source registry and provenance: which text a row cites, and whether the citation holds.

The project never ships the source texts. ``seeds/sources.csv`` registers each one
(file name, title, publisher, date, kind, SHA-256, rank for the same-day rule, and
where a reader finds the version read: URL, revision, date accessed, archived copy) and
every row of the control table cites a source id and a 1-based line number. Given
the folder holding the texts (``--seeds``), :func:`check_against_seeds` verifies
every citation and :func:`cite` prints the cited lines.

A cited line must *name* the row's district, by its English name or any alias of
the gazetteer, or, for a row that applies an aggregate statement ("the entire
north-east"), contain one of the aggregate's phrases from ``data/aggregates.csv``.
Names are compared after folding case, accents, apostrophes and hyphens and
dropping Arabic articles, so "al-Sha'ar", "ash-Sha'ar" and "Sha'ar" are one name.

Examples
--------
>>> name_tokens("Ba'aiedeen")
('baaiedeen',)
>>> name_tokens("ash-Sheikh Fares")
('sheikh', 'fares')
>>> names_in("Kurdish units then held Sheikh Fares.", ["al-Sheikh Fares"])
['al-Sheikh Fares']
>>> names_in("the northeastern part fell", ["north-east"])
[]
"""

from __future__ import annotations

import math
import re
import textwrap
import unicodedata
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import pandas as pd

from aleppo_map import _io as io
from aleppo_map._errors import (
    AleppoMapError,
    InputFileError,
    Problem,
    ValidationError,
    raise_if_any,
)
from aleppo_map._validate import check_table
from aleppo_map.schema import AGGREGATES, SOURCES
from aleppo_map.settings import DEFAULTS

if TYPE_CHECKING:
    from aleppo_map.gazetteer import Gazetteer
    from aleppo_map.timeline import Timeline

#: Columns every ``sources.csv`` has, in file order (from :data:`aleppo_map.schema.SOURCES`).
REGISTRY_COLUMNS: tuple[str, ...] = SOURCES.required
#: Columns a registry may leave out (they default to empty): where a reader finds the
#: source (``url``), which version was read (``revision``, and ``revision_url`` that shows
#: it), when (``accessed``), an archived copy (``archive_url``), the text's line count
#: (``lines``) and how each fact was established (``note``).
OPTIONAL_REGISTRY_COLUMNS: tuple[str, ...] = SOURCES.optional
#: What the ``publisher`` column says when a text does not name its publisher.
PUBLISHER_NOT_STATED = "publisher not stated"
#: Allowed values of the ``kind`` column.
KINDS: tuple[str, ...] = SOURCES.column("kind").choices
#: Columns of ``data/aggregates.csv``, in file order (from :data:`aleppo_map.schema.AGGREGATES`).
AGGREGATE_COLUMNS: tuple[str, ...] = AGGREGATES.names

_CHANGE_ID_RE = re.compile(r"^[A-Za-z]\d+$")
#: Arabic articles as they are transliterated in the sources and the gazetteer.
_ARTICLES = frozenset(
    {"al", "el", "il", "as", "ash", "ad", "adh", "aj", "az", "at", "ath", "an", "ar"}
)
_APOSTROPHES = "'’‘`´ʿʾʼ′"


# ---------------------------------------------------------------- name matching
def name_tokens(text: str) -> tuple[str, ...]:
    """Fold a name or a sentence into comparable word tokens.

    Lower case, accents and apostrophes removed, every other non-alphanumeric
    character a separator, and Arabic articles (``al-``, ``ash-``...) dropped.

    Parameters
    ----------
    text : str
        Any text.

    Returns
    -------
    tuple of str
        The tokens, in order.

    Examples
    --------
    >>> name_tokens("Qal’et ash-Sharif")
    ('qalet', 'sharif')
    """
    folded = unicodedata.normalize("NFKD", text)
    folded = "".join(c for c in folded if not unicodedata.combining(c)).lower()
    for mark in _APOSTROPHES:
        folded = folded.replace(mark, "")
    words = re.split(r"[^0-9a-z]+", folded)
    return tuple(w for w in words if w and w not in _ARTICLES)


def _contains(haystack: Sequence[str], needle: Sequence[str]) -> bool:
    n = len(needle)
    if n == 0:
        return False
    first = needle[0]
    return any(
        haystack[i] == first and tuple(haystack[i:i + n]) == tuple(needle)
        for i in range(len(haystack) - n + 1)
    )


def _gazetteer_normalise() -> Any:
    """Return the gazetteer's ``normalise`` when that module is importable, else ``None``."""
    try:
        from aleppo_map.gazetteer import normalise
    except ImportError:  # pragma: no cover - the gazetteer module ships with the package
        return None
    return normalise


def names_in(text: str, names: Iterable[str]) -> list[str]:
    """Return those of *names* that occur in *text* as whole words.

    Both sides are folded with :func:`name_tokens`; when the gazetteer module is
    available, its ``normalise`` is tried as well, so either folding may match.

    Parameters
    ----------
    text : str
        A line of a source.
    names : Iterable[str]
        Names, aliases or phrases to look for.

    Returns
    -------
    list of str
        The names found, in the order given.
    """
    tokens = name_tokens(text)
    norm = _gazetteer_normalise()
    norm_text = f" {norm(text)} " if norm is not None else ""
    found = []
    for name in names:
        if not name or not name.strip():
            continue
        if _contains(tokens, name_tokens(name)):
            found.append(name)
            continue
        if norm is not None:
            n = norm(name)
            if n and f" {n} " in norm_text:
                found.append(name)
    return found


# ---------------------------------------------------------------- registry

def quote_title(title: str, marks: str = '""') -> str:
    """Put a title in quotes, unless it already starts with one.

    Parameters
    ----------
    title : str
        A source title.
    marks : str
        Opening and closing quote marks (straight by default; ``"“”"`` for print).

    Returns
    -------
    str
        The title for a citation.

    Examples
    --------
    >>> quote_title("Siege of Veldora")
    '"Siege of Veldora"'
    >>> quote_title("Siege of Veldora", "“”")
    '“Siege of Veldora”'
    >>> quote_title("“The End of Veldora”… The Reasons")
    '“The End of Veldora”… The Reasons'
    """
    return title if title[:1] in "\"“'‘«" else f"{marks[0]}{title}{marks[1]}"


@dataclass(frozen=True)
class SourceRegistry:
    """The registered source texts.

    Attributes
    ----------
    frame : pandas.DataFrame
        Indexed by ``source_id``; columns ``file``, ``title``, ``publisher``,
        ``published`` (:class:`datetime.date`), ``kind``, ``sha256``, ``rank`` (int), and
        the optional :data:`OPTIONAL_REGISTRY_COLUMNS` as text (``""`` when absent).
    path : pathlib.Path or None
        Where the registry was read from.
    """

    frame: pd.DataFrame
    path: Path | None = None
    _cache: dict[str, list[str]] = field(default_factory=dict, compare=False, repr=False)

    @property
    def ids(self) -> list[str]:
        """Source ids, in registry order."""
        return list(self.frame.index)

    def _row(self, source_id: str) -> pd.Series:
        if source_id not in self.frame.index:
            raise ValidationError(
                [
                    Problem(
                        str(self.path or "source registry"), "source_id",
                        "a registered source id (" + ", ".join(self.ids) + ")", repr(source_id),
                    )
                ]
            )
        return cast("pd.Series[Any]", self.frame.loc[source_id])  # the index is unique

    def title(self, source_id: str) -> str:
        """Title of a source.

        Parameters
        ----------
        source_id : str
            A registered id.

        Returns
        -------
        str
            The title.
        """
        return str(self._row(source_id)["title"])

    def rank(self, source_id: str) -> int:
        """Rank of a source for the same-day rule (1 first).

        Parameters
        ----------
        source_id : str
            A registered id.

        Returns
        -------
        int
            The rank.
        """
        return int(self._row(source_id)["rank"])

    def citation(self, source_id: str, line: int) -> str:
        """Human citation of one line of a source.

        Parameters
        ----------
        source_id : str
            A registered id.
        line : int
            1-based line number.

        Returns
        -------
        str
            Such as ``Testpedia, "Siege of Veldora", line 12``.
        """
        rec = self._row(source_id)
        return f'{rec["publisher"]}, {quote_title(str(rec["title"]))}, line {int(line)}'

    def citation_record(self, source_id: str, line: int) -> dict[str, str]:
        """Everything a reader needs to find the cited version of a source.

        Parameters
        ----------
        source_id : str
            A registered id.
        line : int
            1-based line number.

        Returns
        -------
        dict
            ``text`` (as :meth:`citation`), ``url`` (the link to follow: the exact
            revision when known, else the canonical address, else an archived copy;
            empty when none is known), ``source_url``, ``revision``, ``revision_url``,
            ``accessed``, ``archive_url``, ``publisher``, ``title``, ``published``,
            ``line``, and ``note`` (how the facts were established).

        Examples
        --------
        >>> rec = load_registry().citation_record("wikipedia", 169)
        >>> rec["url"].startswith("https://en.wikipedia.org/")
        True
        """
        row = self._row(source_id)

        def get(col: str) -> str:
            value = row.get(col, "")
            return "" if value is None or (isinstance(value, float) and math.isnan(value)) \
                else str(value)

        published = row["published"]
        link = get("revision_url") or get("url") or get("archive_url")
        return {
            "text": self.citation(source_id, line),
            "url": link,
            "source_url": get("url"),
            "revision": get("revision"),
            "revision_url": get("revision_url"),
            "accessed": get("accessed"),
            "archive_url": get("archive_url"),
            "publisher": get("publisher"),
            "title": get("title"),
            "published": published.isoformat() if isinstance(published, date)
            else str(published),
            "line": str(int(line)),
            "note": get("note"),
        }

    def link_line(self, source_id: str) -> str:
        """One line saying where to read a source and which version.

        Parameters
        ----------
        source_id : str
            A registered id.

        Returns
        -------
        str
            Such as ``https://… (revision as of 2023-12-27 13:00 UTC; accessed
            2026-11-22)``, or ``no URL recorded`` with the reason.
        """
        rec = self.citation_record(source_id, 1)
        parts = []
        if rec["revision"]:
            parts.append(f"revision {rec['revision']}")
        if rec["accessed"]:
            parts.append(f"accessed {rec['accessed']}")
        if rec["archive_url"] and rec["archive_url"] != rec["url"]:
            parts.append(f"archived at {rec['archive_url']}")
        head = rec["url"] or "no URL recorded"
        if rec["url"] and rec["source_url"] and rec["source_url"] != rec["url"]:
            parts.insert(0, f"article {rec['source_url']}")
        return head + (f" ({'; '.join(parts)})" if parts else "")

    def text_path(self, source_id: str, seeds_dir: Path) -> Path:
        """Where the text of a source is expected in a seeds folder.

        Parameters
        ----------
        source_id : str
            A registered id.
        seeds_dir : pathlib.Path
            Folder holding the source texts.

        Returns
        -------
        pathlib.Path
            ``seeds_dir / file``.
        """
        return Path(seeds_dir) / str(self._row(source_id)["file"])

    def lines(self, source_id: str, seeds_dir: Path) -> list[str]:
        """Lines of a source text (line 1 is element 0), read once and cached.

        Parameters
        ----------
        source_id : str
            A registered id.
        seeds_dir : pathlib.Path
            Folder holding the source texts.

        Returns
        -------
        list of str
            The lines.

        Raises
        ------
        InputFileError
            When the file is missing or not UTF-8 text.
        """
        path = self.text_path(source_id, seeds_dir)
        key = str(path.resolve())
        if key not in self._cache:
            self._cache[key] = io.read_lines(path, f"source text {source_id!r}")
        return self._cache[key]


def _check_publisher(rec: Mapping[Any, Any], file: str, row: int) -> list[Problem]:
    """Require a reason in ``note`` when the publisher is not stated."""
    if str(rec.get("publisher", "")).strip() == PUBLISHER_NOT_STATED and not str(
            rec.get("note", "") or "").strip():
        return [Problem(file, "note", "the reason the publisher is not stated", "''", row=row)]
    return []


def load_registry(path: Path | None = None) -> SourceRegistry:
    """Read and check ``seeds/sources.csv``.

    Parameters
    ----------
    path : pathlib.Path, optional
        The registry; default the embedded ``seeds/sources.csv``.

    Returns
    -------
    SourceRegistry
        The registry, indexed by source id.

    Raises
    ------
    ValidationError
        Listing every bad cell (duplicate id, bad date, kind, checksum or rank).
    InputFileError
        When the file is missing or lacks a column.
    """
    path = Path(path) if path is not None else DEFAULTS.registry_path
    return registry_from_frame(io.read_csv(path, SOURCES.what), path)


def registry_from_frame(raw: pd.DataFrame, path: Path | None = None) -> SourceRegistry:
    """Check a source registry held in memory against :data:`aleppo_map.schema.SOURCES`.

    Parameters
    ----------
    raw : pandas.DataFrame
        The table (strings as read from CSV), with the columns of :data:`REGISTRY_COLUMNS`.
    path : pathlib.Path, optional
        Where it came from, for messages (``None``: built in memory).

    Returns
    -------
    SourceRegistry
        The registry, indexed by source id.

    Raises
    ------
    ValidationError
        Listing every problem (unknown or missing column, bad or repeated cell).
    """
    file = str(path or SOURCES.what)
    chk = check_table(raw, SOURCES, file)
    chk.raise_if_any(SOURCES.names)
    raise_if_any([p for i, rec in enumerate(chk.frame.to_dict("records"), start=1)
                  for p in _check_publisher(rec, file, i)])
    return SourceRegistry(chk.frame.set_index("source_id"), path)


# ---------------------------------------------------------------- aggregates
def _split(value: str) -> list[str]:
    return [p.strip() for p in str(value).split("|") if p.strip()]


def load_aggregates(path: Path | None = None) -> pd.DataFrame:
    """Read and check ``data/aggregates.csv``.

    Parameters
    ----------
    path : pathlib.Path, optional
        The table; default the embedded ``data/aggregates.csv``.

    Returns
    -------
    pandas.DataFrame
        Columns ``aggregate`` (slug), ``phrases`` and ``members`` (lists of str),
        ``note``; one row per aggregate, in file order.

    Raises
    ------
    ValidationError
        Listing every bad row (bad or duplicate slug, no phrase, no member).
    InputFileError
        When the file is missing or lacks a column.
    """
    path = Path(path) if path is not None else DEFAULTS.aggregates_path
    raw = io.read_csv(path, AGGREGATES.what, min_rows=AGGREGATES.min_rows)
    return aggregates_from_frame(raw, str(path))


def aggregates_from_frame(raw: pd.DataFrame, file: str = "aggregate table") -> pd.DataFrame:
    """Check an aggregate table held in memory against :data:`aleppo_map.schema.AGGREGATES`.

    Parameters
    ----------
    raw : pandas.DataFrame
        The table (strings), with the columns of :data:`AGGREGATE_COLUMNS` (``note``
        optional).
    file : str
        Where it came from, for messages.

    Returns
    -------
    pandas.DataFrame
        Columns ``aggregate`` (slug), ``phrases`` and ``members`` (lists of str),
        ``note``; one row per aggregate, in file order. ``attrs["file"]`` is *file*.

    Raises
    ------
    ValidationError
        Listing every bad row (bad or duplicate slug, no phrase, no member).
    """
    chk = check_table(raw, AGGREGATES, file)
    chk.raise_if_any(AGGREGATES.names)
    out = chk.frame[list(AGGREGATE_COLUMNS)].reset_index(drop=True)
    out.attrs["file"] = file
    return out


# ---------------------------------------------------------------- checks
def district_names(gazetteer: Gazetteer, district_id: str) -> list[str]:
    """Every name a source may use for a district: English name and aliases.

    Parameters
    ----------
    gazetteer : Gazetteer
        The gazetteer.
    district_id : str
        A district id.

    Returns
    -------
    list of str
        Names, without duplicates, English name first.
    """
    frame = gazetteer.frame
    if district_id not in frame.index:
        return []
    rec = cast("pd.Series[Any]", frame.loc[district_id])  # the index is unique
    names: list[str] = [str(rec.get("name_en", "") or "")]
    aliases: str | list[str] = rec.get("aliases", [])
    if isinstance(aliases, str):
        aliases = _split(aliases)
    names.extend(str(a) for a in aliases)
    out: list[str] = []
    for n in names:
        if n and n not in out:
            out.append(n)
    return out


def _row_number(rec: Mapping[Hashable, Any], fallback: int) -> int:
    value = rec.get("row")
    try:
        return int(value) if value is not None and not pd.isna(value) else fallback
    except (TypeError, ValueError):
        return fallback


def _line_number(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _read_seed_texts(registry: SourceRegistry, seeds_dir: Path, reg_file: str,
                     problems: list[Problem]) -> dict[str, list[str]]:
    """Read every registered text, adding a problem for a missing, changed or unreadable one."""
    texts: dict[str, list[str]] = {}
    for sid in registry.ids:
        path = registry.text_path(sid, seeds_dir)
        if not path.is_file():
            problems.append(Problem(str(path), "", f"the text of source {sid!r}", "no such file",
                                    hint=f"--seeds must point at the folder holding "
                                         f"{registry.frame.loc[sid, 'file']!s}"))
            continue
        digest = io.sha256_of(path)
        expected = registry.frame.loc[sid, "sha256"]
        if digest != expected:
            problems.append(Problem(str(path), "sha256", f"{expected!s} (as in {reg_file})", digest,
                                    hint="the text differs from the registered version, so "
                                         "line numbers may not match"))
        try:
            texts[sid] = registry.lines(sid, seeds_dir)
        except InputFileError as exc:
            problems.append(Problem(str(path), "", "a UTF-8 text file", str(exc)))
            continue
        counted = str(registry.frame.loc[sid].get("lines", "") or "")
        if digest != expected and counted.isdigit() and int(counted) != len(texts[sid]):
            last = problems[-1]
            problems[-1] = replace(last, hint=last.hint + f"; registered with {counted} lines, "
                                   f"this copy has {len(texts[sid])}")
    return texts


def check_against_seeds(
    changes: pd.DataFrame,
    registry: SourceRegistry,
    gazetteer: Gazetteer,
    aggregates: pd.DataFrame,
    seeds_dir: Path,
    *,
    file: str = "data/control_changes.csv",
) -> list[Problem]:
    """Check every citation of the control table against the source texts.

    Checks, for every source of the registry, that its text is in *seeds_dir* and
    that its SHA-256 matches the registry; and for every row, that its source id
    is registered, that its line exists, and that the line names the row's
    district (English name or any alias), or, when the row applies an aggregate,
    that the aggregate is known, lists the district among its members, and that
    one of its phrases (or the district's name) occurs in the line. Aggregate
    members must be gazetteer ids.

    Parameters
    ----------
    changes : pandas.DataFrame
        The control table (validated or raw strings).
    registry : SourceRegistry
        The source registry.
    gazetteer : Gazetteer
        District names and aliases.
    aggregates : pandas.DataFrame
        As returned by :func:`load_aggregates`.
    seeds_dir : pathlib.Path
        Folder holding the source texts.
    file : str
        Name of the control table, for messages.

    Returns
    -------
    list of Problem
        Every failure found; empty when every citation holds.
    """
    seeds_dir = Path(seeds_dir)
    problems: list[Problem] = []
    reg_file = str(registry.path or "seeds/sources.csv")
    if not seeds_dir.is_dir():
        return [
            Problem(str(seeds_dir), "--seeds", "a folder holding the source texts named in "
                    f"{reg_file}", "no such folder" if not seeds_dir.exists() else "a file")
        ]
    texts = _read_seed_texts(registry, seeds_dir, reg_file, problems)

    aggs: dict[str, tuple[list[str], list[str]]] = {
        str(r["aggregate"]): (list(r["phrases"]), list(r["members"]))
        for r in aggregates.to_dict("records")
    }
    known_ids = set(gazetteer.ids)
    agg_file = str(aggregates.attrs.get("file", "aggregates.csv"))
    for key, (_, members) in aggs.items():
        unknown = [m for m in members if m not in known_ids]
        if unknown:
            problems.append(Problem(agg_file, "members", "gazetteer district ids",
                                    ", ".join(map(repr, unknown)), hint=f"aggregate {key!r}"))

    for i, rec in enumerate(changes.to_dict("records"), start=1):
        row = _row_number(rec, i)
        cid = str(rec.get("change_id", "") or "")
        did = str(rec.get("district_id", "")).strip()
        sid = str(rec.get("source_id", "")).strip()
        agg = str(rec.get("aggregate", "") or "").strip()
        where = f"change {cid}" if cid else ""

        def bad(col: str, expected: str, got: str, hint: str = "", _row: int = row) -> None:
            problems.append(Problem(file, col, expected, got, row=_row, hint=hint))

        if sid not in registry.frame.index:
            bad("source_id", "a source id of " + reg_file + " (" + ", ".join(registry.ids) + ")",
                repr(sid), where)
            continue
        line_no = _line_number(rec.get("line"))
        lines = texts.get(sid)
        if lines is None:
            continue  # the missing or unreadable text is already reported once
        if line_no is None or not 1 <= line_no <= len(lines):
            bad("line", f"a line number from 1 to {len(lines)} of "
                f"{registry.frame.loc[sid, 'file']!s}", repr(rec.get("line")), where)
            continue
        text = lines[line_no - 1]
        names = district_names(gazetteer, did)
        named = bool(names_in(text, names))
        if agg:
            if agg not in aggs:
                bad("aggregate", f"a key of {agg_file}", repr(agg), where)
                continue
            phrases, members = aggs[agg]
            if did not in members:
                bad("aggregate", f"an aggregate that lists {did!r} among its members",
                    repr(agg), where)
            if not named and not names_in(text, phrases):
                bad("line", f"a line containing one of the phrases of aggregate {agg!r} ("
                    + "; ".join(repr(p) for p in phrases) + ") or naming " + repr(did),
                    f"{registry.frame.loc[sid, 'file']!s} line {line_no}, which has neither",
                    _hint_other_lines(lines, phrases + names, line_no, where))
        elif not named:
            shown = "; ".join(repr(n) for n in names) if names else "(no names: unknown id)"
            bad("line", f"a line naming {did!r} by one of its names ({shown})",
                f"{registry.frame.loc[sid, 'file']!s} line {line_no}, which names none of them",
                _hint_other_lines(lines, names, line_no, where,
                                  extra="or add the source's spelling to the gazetteer aliases"))
    return problems


def _hint_other_lines(lines: Sequence[str], names: Sequence[str], line_no: int, where: str,
                      extra: str = "") -> str:
    hits = [n for n, text in enumerate(lines, start=1) if names and names_in(text, names)]
    parts = [where] if where else []
    if hits:
        near = sorted(hits, key=lambda n: (abs(n - line_no), n))[:3]
        parts.append("lines that do: " + ", ".join(str(n) for n in sorted(near)))
    if extra:
        parts.append(extra)
    return "; ".join(parts)


# ---------------------------------------------------------------- cite
def _resolve_district(target: str, gazetteer: Gazetteer) -> str:
    if target in set(gazetteer.ids):
        return target
    return str(gazetteer.resolve(target))


def _sentences(text: str, names: Sequence[str]) -> str:
    """Return the sentences of *text* that contain one of *names*, or the whole text."""
    parts = re.split(r"(?<=[.!?])\s+(?=[A-Z0-9\"“‘'])", text)
    keep = [p for p in parts if names and names_in(p, names)]
    if not keep or len(keep) == len(parts):
        return text
    return " … ".join(keep)


def _wrap(text: str, indent: str = "    > ") -> str:
    return "\n".join(
        textwrap.wrap(text, width=100, initial_indent=indent, subsequent_indent=indent,
                      break_long_words=False, break_on_hyphens=False)
    ) or indent.rstrip()


def _state_text(rec: Mapping[Hashable, Any]) -> str:
    ctrl = rec["controller"]
    if rec["extent"] == "partial":
        share = float(rec["share"])
        rest = rec.get("remainder") or "previous holder"
        return f"{ctrl} {share:.0%}, {rest} the rest"
    return f"{ctrl}, whole district"


def _block(rec: Mapping[Hashable, Any], registry: SourceRegistry, seeds_dir: Path,
           names: Sequence[str], status: str | None, *, excerpt: bool) -> str:
    day = rec["date"]
    day = day.isoformat() if isinstance(day, date) else str(day)
    head = f"{rec['change_id']}  {day}  {rec['district_id']}  {rec['event']}: {_state_text(rec)}"
    meta = f"  basis {rec['basis']}, confidence {rec['confidence']}"
    if rec.get("aggregate"):
        meta += f", applies aggregate {rec['aggregate']!r}"
    if status:
        meta += f"; timeline: {status}"
    out = [head, meta]
    if rec.get("note"):
        out.append(textwrap.fill(f"note: {rec['note']}", width=100, initial_indent="  ",
                                 subsequent_indent="        "))
    sid = str(rec["source_id"])
    line_no = _line_number(rec["line"]) or 0
    out.append(f"  source: {registry.citation(sid, line_no)}")
    source_at = len(out) - 1
    out.append(f"  read at: {registry.link_line(sid)}")
    try:
        lines = registry.lines(sid, seeds_dir)
    except InputFileError as exc:
        out.append(f"    (cannot show the line: {exc})")
        return "\n".join(out)
    if not 1 <= line_no <= len(lines):
        out.append(f"    (line {line_no} is outside the text, which has {len(lines)} lines)")
        return "\n".join(out)
    text = lines[line_no - 1].strip()
    if excerpt:
        short = _sentences(text, names)
        if short != text:
            text = short
            out[source_at] += " (excerpt)"
    out.append(_wrap(text))
    return "\n".join(out)


def cite(
    target: str,
    changes: pd.DataFrame,
    registry: SourceRegistry,
    gazetteer: Gazetteer,
    seeds_dir: Path,
    *,
    timeline: Timeline | None = None,
    aggregates: pd.DataFrame | None = None,
) -> str:
    """Printable provenance of one row, or the whole history of one district.

    Parameters
    ----------
    target : str
        A change id (``C0042``) or a district id, name or alias in any spelling.
    changes : pandas.DataFrame
        The control table.
    registry : SourceRegistry
        The source registry.
    gazetteer : Gazetteer
        Resolves district names.
    seeds_dir : pathlib.Path
        Folder holding the source texts; the cited lines are read from it.
    timeline : Timeline, optional
        When given, each row is marked applied, superseded, repelled or after-end,
        and disputed days are flagged.
    aggregates : pandas.DataFrame, optional
        Aggregate statements, whose phrases pick the excerpt of an aggregate row;
        default the embedded ``data/aggregates.csv``.

    Returns
    -------
    str
        The text to print: for a row, its facts and the full cited line; for a
        district, one block per row, oldest first, each with the cited passage.

    Raises
    ------
    InputFileError
        When *seeds_dir* is not a folder.
    ValidationError
        When *target* looks like a change id that the table does not have.
    UnknownNameError
        When *target* is neither a change id nor a known district name.
    """
    seeds_dir = Path(seeds_dir)
    if not seeds_dir.is_dir():
        raise InputFileError(
            f"{seeds_dir}: expected the folder holding the source texts (--seeds), "
            "got " + ("a file" if seeds_dir.exists() else "no such folder")
        )
    status: dict[str, str] = {}
    if timeline is not None:
        hist = timeline.history
        for rec in hist.to_dict("records"):
            label = str(rec["status"])
            if rec.get("disputed"):
                label += ", disputed (sources differ on this day)"
            status[str(rec["change_id"])] = label
    phrases: dict[str, list[str]] = {}
    if aggregates is None:
        try:
            aggregates = load_aggregates()
        except AleppoMapError:  # no embedded aggregates: excerpts fall back to whole lines
            aggregates = None
    if aggregates is not None:
        phrases = {str(r["aggregate"]): list(r["phrases"]) for r in aggregates.to_dict("records")}
    ids = changes["change_id"].astype(str)
    target = target.strip()
    if target in set(ids) or (_CHANGE_ID_RE.match(target) and target.upper() in set(ids)):
        rec = changes[ids == (target if target in set(ids) else target.upper())].iloc[0].to_dict()
        names = district_names(gazetteer, rec["district_id"]) + phrases.get(
            str(rec.get("aggregate") or ""), [])
        return _block(rec, registry, seeds_dir, names, status.get(rec["change_id"]),
                      excerpt=False)
    if _CHANGE_ID_RE.match(target):
        raise ValidationError(
            [
                Problem(
                    "ROW_OR_DISTRICT", "",
                    f"a change id of the table ({ids.iloc[0]} to {ids.iloc[-1]}) "
                    "or a district name",
                    repr(target),
                )
            ]
        )
    did = _resolve_district(target, gazetteer)
    rows = changes[changes["district_id"] == did]
    if "order" in rows.columns:
        rows = rows.sort_values(["date", "order"], kind="stable")
    else:
        rows = rows.sort_values(["date"], kind="stable")
    frame = gazetteer.frame
    title = did
    if did in frame.index:
        rec0 = frame.loc[did]
        title = f"{did}: {rec0.get('name_en', '')}"
        if rec0.get("name_ar"):
            title += f" ({rec0['name_ar']})"
    out = [f"{title} — {len(rows)} row{'s' if len(rows) != 1 else ''}"]
    if timeline is not None and did in timeline.district_ids:
        first = timeline.state_on(timeline.dates[0]).loc[did].to_dict()
        last = timeline.state_on(timeline.dates[-1]).loc[did].to_dict()
        out.append(
            f"state on {timeline.dates[0]}: {_state_text(first)}; "
            f"on {timeline.dates[-1]}: {_state_text(last)}"
        )
    names = district_names(gazetteer, did)
    for rec in rows.to_dict("records"):
        extra = phrases.get(str(rec.get("aggregate") or ""), [])
        out.append("")
        out.append(_block(rec, registry, seeds_dir, names + extra, status.get(rec["change_id"]),
                          excerpt=True))
    return "\n".join(out)
