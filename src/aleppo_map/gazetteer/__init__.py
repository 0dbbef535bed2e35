"""District names, aliases and matching: the one place where spellings are reconciled.

The sources and boundary files spell a city's districts many ways. :func:`normalise`
folds a name to a comparison key (case, diacritics, every apostrophe form, Arabic
articles, subdivision numerals, generic words such as *district*); the
:class:`Gazetteer` maps every key of every alias, and every Arabic name, to one
``district_id``, and suggests the closest names (with :mod:`rapidfuzz`) when a name
is unknown.

Examples
--------
>>> normalise("Sheikh Sa’eed") == normalise("al-Sheikh Saeed") == normalise("SHEIKH SA'EED")
True
>>> normalise("Ad-Ramouseh Industrial District III")
'ramouseh industrial'
>>> normalise("as-Sakhour I")
'sakhour'
>>> normalise("Hanano housings")
'hanano'
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from rapidfuzz import fuzz, process

from aleppo_map import _io as io
from aleppo_map._errors import Problem, UnknownNameError
from aleppo_map._validate import check_table
from aleppo_map.schema import GAZETTEER
from aleppo_map.settings import DEFAULTS

#: Columns of ``gazetteer.csv`` (from :data:`aleppo_map.schema.GAZETTEER`).
GAZETTEER_COLUMNS: tuple[str, ...] = GAZETTEER.names
#: ``geom_basis`` values of the embedded gazetteer: centre and area from the CSR polygons;
#: an estimated polygon of the embedded layer; a part of another district (``parent_id``),
#: drawn as a marker. (Another battle may use its own values.)
GEOM_BASES: tuple[str, ...] = ("csr-derived", "estimated", "sub-area")

_APOSTROPHES = "'’‘`´ʼʻʾʿ′\u02bc"
_ARTICLE = re.compile(r"\b(?:al|el|ash|as|ad|aj|an|az|at|ar|ath|adh|ul)[\s-]+(?=\w)")
_GENERIC = re.compile(
    r"\b(?:district|districts|neighbou?rhoods?|quarters?|housings?|residences?|area|areas|"
    r"the|of|city)\b"
)
# One or more trailing subdivision numerals ("I", "II/III", "4"), never the whole name; three
# digits or more are a name ("Hill 420"), not a subdivision.
_NUMERAL = re.compile(r"(?:\s+(?:i{1,3}|iv|vi{0,3}|ix|x|[0-9]{1,2}))+$")
_AR_DIACRITICS = re.compile(r"[\u064b-\u065f\u0670\u0640]")


def normalise(name: str) -> str:
    """Fold a district name to a key for comparison.

    Lower case; accents and Arabic diacritics removed; every apostrophe form and
    hyphen dropped or turned into a space; leading Arabic articles (al-, el-, ash-,
    as-, ad-, aj-, an-, az-, ...) removed from every word; generic words (district,
    neighbourhood, housing, quarter, ...) and trailing subdivision numerals (I, II,
    III, IV, V, ... or one or two digits) dropped.

    Parameters
    ----------
    name : str
        A name in any spelling, Latin or Arabic script.

    Returns
    -------
    str
        The comparison key (may be empty for a name made only of generic words).

    Examples
    --------
    >>> normalise("Karm al-Myassar") == normalise("Karm el Myassar")
    True
    >>> normalise("الشيخ مقصود") == normalise("شيخ مقصود")
    True
    """
    text = unicodedata.normalize("NFKC", str(name)).strip()
    if re.search(r"[\u0600-\u06ff]", text):
        text = _AR_DIACRITICS.sub("", text)
        text = re.sub("[أإآ]", "ا", text)
        text = text.replace("ة", "ه").replace("ى", "ي")
        text = re.sub(r"(^|\s)ال", r"\1", text)
        return re.sub(r"\s+", " ", text).strip()
    text = "".join(
        c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)
    ).lower()
    text = re.sub(f"[{_APOSTROPHES}]", "", text)
    text = re.sub(r"\(.*?\)", " ", text)
    text = re.sub(r"[^a-z0-9]+", " ", text)
    text = _ARTICLE.sub("", text + " ").strip()
    text = _GENERIC.sub(" ", text)
    text = re.sub(r"\s+", " ", text).strip()
    return _NUMERAL.sub("", text).strip()


def _name_keys(frame: pd.DataFrame, source: str) -> tuple[dict[str, str], list[Problem]]:
    """Map every normalised name, alias and Arabic name to its district id.

    Returns the keys and a problem for every name that points to two districts. An
    Arabic name shared by two districts (boundary files reuse one name for an
    industrial zone and the quarter beside it) is ambiguous: it resolves to neither.
    """
    keys: dict[str, str] = {}
    problems: list[Problem] = []
    ar_counts = Counter(normalise(v) for v in frame["name_ar"].fillna("") if str(v).strip())
    for i, rec in enumerate(frame.to_dict("records"), start=1):
        did = rec["district_id"]
        names = [did, did.replace("-", " "), rec["name_en"], *rec["aliases"]]
        if rec["name_ar"] and ar_counts[normalise(rec["name_ar"])] < 2:
            names.append(rec["name_ar"])
        for name in names:
            key = normalise(name)
            if not key:
                continue
            other = keys.get(key)
            if other is not None and other != did:
                problems.append(
                    Problem(source, "aliases", "each name to point to one district",
                            f"{name!r} for both {other!r} and {did!r}", row=i)
                )
            keys.setdefault(key, did)
    return keys, problems


@dataclass(frozen=True)
class Gazetteer:
    """The districts, their names and aliases, centres and areas.

    Attributes
    ----------
    frame : pandas.DataFrame
        Indexed by ``district_id``; ``aliases`` as lists; ``lat``, ``lon`` and
        ``area_km2`` as floats (NaN where unknown).
    keys : dict
        Normalised name -> district id, for every name, alias and Arabic name.
    source : str
        Where the gazetteer was read from.
    """

    frame: pd.DataFrame
    keys: dict[str, str]
    source: str = "gazetteer"

    @classmethod
    def from_frame(cls, df: pd.DataFrame, source: str = "gazetteer") -> Gazetteer:
        """Build from a table with the columns of :data:`GAZETTEER_COLUMNS`.

        Parameters
        ----------
        df : pandas.DataFrame
            The table (strings as read from CSV, or already typed).
        source : str
            File name for messages.

        Returns
        -------
        Gazetteer
            The gazetteer.

        Raises
        ------
        ValidationError
            Listing every problem at once: unknown or missing columns, bad cells
            (checked against :data:`aleppo_map.schema.GAZETTEER`), duplicate ids, a
            name that points to two districts.
        """
        chk = check_table(df, GAZETTEER, source)
        keys: dict[str, str] = {}
        if not chk.missing:
            frame = chk.frame
            # a sub-area's parent is a district of the table that is not itself a sub-area
            parent = frame["parent_id"]
            parent_of = pd.Series(parent.to_numpy(), index=frame["district_id"].to_numpy())
            parent_of = parent_of[~parent_of.index.duplicated()]
            chk.bad("parent_id", chk.valid("parent_id") & (parent != "") & (
                ~parent.isin(frame["district_id"]) | (parent == frame["district_id"])
                | (parent.map(parent_of).fillna("") != "")),
                "the id of a district that is not itself a sub-area")
            keys, clashes = _name_keys(frame[chk.valid("district_id")], source)
            chk.problems.extend(clashes)
        chk.raise_if_any(GAZETTEER.names)
        return cls(chk.frame.set_index("district_id", drop=False), keys, source)

    @property
    def ids(self) -> list[str]:
        """District ids in file order."""
        return list(self.frame.index)

    def lookup(self, name: str) -> str | None:
        """Return the id a name resolves to, or ``None``.

        Parameters
        ----------
        name : str
            A district id, name or alias in any spelling covered by :func:`normalise`.

        Returns
        -------
        str or None
            The district id.
        """
        if name in self.frame.index:
            return name
        return self.keys.get(normalise(name))

    def suggest(self, name: str, n: int = 3) -> list[str]:
        """Return the *n* closest district ids to *name*.

        Parameters
        ----------
        name : str
            An unknown name.
        n : int
            How many suggestions.

        Returns
        -------
        list of str
            District ids, closest first, without repeats.
        """
        key = normalise(name) or str(name).lower()
        hits = process.extract(key, list(self.keys), scorer=fuzz.WRatio, limit=n * 6)
        out: list[str] = []
        for cand, _score, _ in hits:
            did = self.keys[cand]
            if did not in out:
                out.append(did)
            if len(out) == n:
                break
        return out

    def resolve(self, name: str, context: str = "") -> str:
        """Return the id of *name*, or raise with the three closest names.

        Parameters
        ----------
        name : str
            A district name in any spelling.
        context : str
            Where the name came from, for the message.

        Returns
        -------
        str
            The district id.

        Raises
        ------
        UnknownNameError
            When the name is unknown.
        """
        found = self.lookup(name)
        if found is None:
            raise UnknownNameError(name, self.suggest(name), context)
        return found

    def resolve_many(self, names: Iterable[str]) -> dict[str, str | None]:
        """Look up several names at once.

        Parameters
        ----------
        names : Iterable[str]
            Names.

        Returns
        -------
        dict
            Name -> id or ``None``.
        """
        return {n: self.lookup(n) for n in names}

    def name_en(self, district_id: str) -> str:
        """English name of a district."""
        return str(self.frame.at[district_id, "name_en"])

    def name_ar(self, district_id: str) -> str:
        """Arabic name of a district ('' when unknown)."""
        value = self.frame.at[district_id, "name_ar"]
        return "" if pd.isna(value) else str(value)

    def centre(self, district_id: str) -> tuple[float, float]:
        """Centre of a district as (lon, lat)."""
        row = self.frame.loc[district_id]
        return float(row["lon"]), float(row["lat"])

    def area_km2(self, district_id: str) -> float:
        """Gazetteer area of a district in km²."""
        return float(self.frame.at[district_id, "area_km2"])

    def parent(self, district_id: str) -> str | None:
        """Return the district a sub-area is part of (``None`` for a whole district)."""
        value = str(self.frame.at[district_id, "parent_id"])
        return value or None

    def sector(self, district_id: str) -> str:
        """Sector of the city (east, west, old-city, ...)."""
        return str(self.frame.at[district_id, "sector"])

    def aliases(self, district_id: str) -> list[str]:
        """Every known spelling of a district, its English and Arabic names first."""
        row = self.frame.loc[district_id]
        names = [row["name_en"], *row["aliases"]]
        if self.name_ar(district_id):
            names.append(self.name_ar(district_id))
        return list(dict.fromkeys(names))


def load_gazetteer(path: Path | None = None) -> Gazetteer:
    """Read and check a gazetteer CSV against :data:`aleppo_map.schema.GAZETTEER`.

    Parameters
    ----------
    path : pathlib.Path, optional
        Default: the embedded ``data/gazetteer.csv``.

    Returns
    -------
    Gazetteer
        The gazetteer.

    Raises
    ------
    InputFileError
        When the file cannot be read as a UTF-8, comma-separated table with rows.
    ValidationError
        Listing every problem at once: unknown or missing columns, bad cells,
        duplicate ids, a name that points to two districts.
    """
    path = Path(path) if path is not None else DEFAULTS.gazetteer_path
    return Gazetteer.from_frame(io.read_csv(path, GAZETTEER.what), source=str(path))
