"""District names, aliases and matching: the one place where spellings are reconciled.

The sources and boundary files spell Aleppo's districts many ways. :func:`normalise`
folds a name to a comparison key (case, diacritics, every apostrophe form, Arabic
articles, subdivision numerals, generic words such as *district*) and
:func:`phonetic_key` to a sound key (vowels, consonant pairs, Sheikh/Shaykh/Cheikh,
generic words before or after); see :mod:`aleppo_map.gazetteer.normalise`. The
:class:`Gazetteer` indexes every name of every district under those keys
(:mod:`aleppo_map.gazetteer.resolver`): :meth:`Gazetteer.explain` says which
district a name is and by which rule, reports a name that fits two districts as
ambiguous, and suggests the closest names (with :mod:`rapidfuzz`) when a name is
unknown.

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

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from rapidfuzz import fuzz, process

from aleppo_map import _io as io
from aleppo_map._errors import Problem, ValidationError
from aleppo_map.gazetteer.normalise import fold_arabic, normalise, phonetic_key
from aleppo_map.gazetteer.resolver import AmbiguousNameError, NameIndex, Resolution
from aleppo_map.settings import DEFAULTS

__all__ = [
    "GAZETTEER_COLUMNS",
    "AmbiguousNameError",
    "Gazetteer",
    "Resolution",
    "fold_arabic",
    "load_gazetteer",
    "normalise",
    "phonetic_key",
]

#: Columns of ``gazetteer.csv``.
GAZETTEER_COLUMNS: tuple[str, ...] = (
    "district_id", "name_en", "name_ar", "aliases", "lat", "lon", "area_km2", "sector",
    "geom_basis", "parent_id", "geom_note",
)
#: ``geom_basis`` values: centre and area from the CSR polygons; an estimated polygon of
#: the embedded layer; a part of another district (``parent_id``), drawn as a marker.
GEOM_BASES: tuple[str, ...] = ("csr-derived", "estimated", "sub-area")

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
    index : NameIndex or None
        Every name under every key of the resolver (built by :meth:`from_frame`;
        built from *frame* on first use when ``None``).
    """

    frame: pd.DataFrame
    keys: dict[str, str]
    source: str = "gazetteer"
    index: NameIndex | None = field(default=None, repr=False, compare=False)

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
            On duplicate ids, or an alias that points to two districts.
        """
        frame = df.copy()
        for col in GAZETTEER_COLUMNS:
            if col not in frame.columns:
                frame[col] = ""
        frame["aliases"] = [
            [a.strip() for a in str(v).split("|") if a.strip()] if not isinstance(v, list) else v
            for v in frame["aliases"]
        ]
        for col in ("lat", "lon", "area_km2"):
            frame[col] = pd.to_numeric(frame[col].replace("", None), errors="coerce")
        for col in ("parent_id", "geom_note"):
            frame[col] = frame[col].fillna("").astype(str).str.strip()
        problems: list[Problem] = []
        known = set(frame["district_id"])
        parents = dict(zip(frame["district_id"], frame["parent_id"], strict=True))
        for row, (did, parent) in enumerate(zip(frame["district_id"], frame["parent_id"],
                                                strict=True), start=1):
            if parent and (parent not in known or parent == did or parents.get(parent)):
                problems.append(Problem(source, "parent_id", "the id of a district that is not "
                                        "itself a sub-area", repr(parent), row=row,
                                        hint=f"district {did!r}"))
        dup = frame["district_id"][frame["district_id"].duplicated()]
        for row, did in dup.items():
            problems.append(Problem(source, "district_id", "a unique id", repr(did),
                                    row=int(row) + 1))
        keys: dict[str, str] = {}
        # An Arabic name shared by two districts (boundary files reuse one name for an
        # industrial zone and the quarter beside it) is ambiguous: it resolves to neither
        # by its key here, and as ambiguous in the resolver's index.
        ar_names = [str(v) if isinstance(v, str) and v.strip() else ""
                    for v in frame["name_ar"]]
        ar_norm = [normalise(v) if v else "" for v in ar_names]
        ar_keys = Counter(k for k in ar_norm if k)
        shared_ar = {k for k, n in ar_keys.items() if n > 1}  # a count per name was quadratic
        pairs: list[tuple[str, str]] = []
        pair_keys: list[str] = []
        for i, rec in enumerate(frame.to_dict("records"), start=1):
            did = rec["district_id"]
            names = [did, did.replace("-", " "), rec["name_en"], *rec["aliases"]]
            for name in names:
                key = normalise(name)
                pairs.append((did, str(name)))
                pair_keys.append(key)
                if not key:
                    continue
                other = keys.get(key)
                if other is not None and other != did:
                    problems.append(
                        Problem(source, "aliases", "each name to point to one district",
                                f"{name!r} for both {other!r} and {did!r}", row=i)
                    )
                keys.setdefault(key, did)
            if ar_names[i - 1]:
                ar_key = ar_norm[i - 1]
                pairs.append((did, ar_names[i - 1]))
                pair_keys.append(ar_key)
                if ar_key and ar_key not in shared_ar:
                    other = keys.get(ar_key)
                    if other is not None and other != did:
                        problems.append(
                            Problem(source, "name_ar", "each name to point to one district",
                                    f"{ar_names[i - 1]!r} for both {other!r} and {did!r}", row=i)
                        )
                    keys.setdefault(ar_key, did)
        if problems:
            raise ValidationError(problems)
        return cls(frame.set_index("district_id", drop=False), keys, source,
                   NameIndex.build(pairs, pair_keys))

    @property
    def ids(self) -> list[str]:
        """District ids in file order."""
        return list(self.frame.index)

    @property
    def name_index(self) -> NameIndex:
        """The resolver's index of every name under every key (built on first use)."""
        return self._index()

    def _index(self) -> NameIndex:
        if self.index is not None:
            return self.index
        pairs: list[tuple[str, str]] = []
        f = self.frame
        for did, en, aliases, ar in zip(f.index, f["name_en"], f["aliases"], f["name_ar"],
                                        strict=True):
            did = str(did)
            pairs += [(did, did), (did, did.replace("-", " ")), (did, str(en))]
            pairs += [(did, str(a)) for a in aliases]
            if isinstance(ar, str) and ar.strip():
                pairs.append((did, ar))
        # a shared Arabic name is indexed for both districts: it resolves as ambiguous
        index = NameIndex.build(pairs)
        object.__setattr__(self, "index", index)
        return index

    def explain(self, name: str) -> Resolution:
        """Resolve a name and say why: the district, or the candidates, and the rule.

        Parameters
        ----------
        name : str
            A district id, name or alias in any spelling or script.

        Returns
        -------
        Resolution
            ``district_id`` when exactly one district fits; ``candidates`` (two or more)
            when the name is ambiguous; suggestions when it is unknown. See
            :mod:`aleppo_map.gazetteer.resolver` for the rules.

        Examples
        --------
        >>> gaz = load_gazetteer()
        >>> gaz.explain("Shaykh Maqsood").district_id
        'sheikh-maqsoud'
        >>> gaz.explain("الراموسة").candidates
        ('ramouseh-industrial', 'ramouseh')
        """
        return self._index().resolve(name)

    def lookup(self, name: str) -> str | None:
        """Return the id a name resolves to, or ``None`` (unknown or ambiguous).

        Parameters
        ----------
        name : str
            A district id, name or alias in any spelling covered by :meth:`explain`.

        Returns
        -------
        str or None
            The district id.
        """
        if name in self.frame.index:
            return name
        return self._index().resolve(name, suggest=False).district_id

    def suggest(self, name: str, n: int = 3) -> list[str]:
        """Return the *n* closest district ids to *name*.

        The candidates of an ambiguous name come first, then the closest names by
        :func:`rapidfuzz.fuzz.WRatio` on name keys.

        Parameters
        ----------
        name : str
            An unknown or ambiguous name.
        n : int
            How many suggestions.

        Returns
        -------
        list of str
            District ids, closest first, without repeats.
        """
        res = self.explain(name)
        out: list[str] = list(res.candidates) if res.status == "ambiguous" else []
        key = normalise(name) or str(name).lower()
        hits = process.extract(key, list(self.keys), scorer=fuzz.WRatio, limit=n * 6)
        for cand, _score, _ in hits:
            did = self.keys[cand]
            if did not in out:
                out.append(did)
        return out[:max(n, len(out) if res.status == "ambiguous" else n)]

    def resolve(self, name: str, context: str = "") -> str:
        """Return the id of *name*, or raise with the candidates or closest names.

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
        AmbiguousNameError
            When the name fits two or more districts (a subclass of UnknownNameError).
        UnknownNameError
            When the name is unknown.
        """
        res = self.explain(name)
        if res.district_id is None and res.status == "unknown":
            res = Resolution(res.query, None, tuple(self.suggest(name)), res.rule, res.key,
                             res.matched, res.score, res.note)
        return res.require(context)

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
    """Read and check a gazetteer CSV.

    Parameters
    ----------
    path : pathlib.Path, optional
        Default: the embedded ``data/gazetteer.csv``.

    Returns
    -------
    Gazetteer
        The gazetteer.
    """
    path = Path(path) if path is not None else DEFAULTS.gazetteer_path
    frame = io.read_csv(path, "gazetteer", required=("district_id", "name_en", "aliases"))
    return Gazetteer.from_frame(frame, source=str(path))
