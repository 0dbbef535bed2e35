"""District names, aliases and matching: the one place where spellings are reconciled.

The sources and boundary files spell a city's districts many ways. :func:`normalise`
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
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np
import pandas as pd
from rapidfuzz import fuzz, process

from aleppo_map import _io as io
from aleppo_map._errors import Problem
from aleppo_map._validate import check_table, isin_set
from aleppo_map.gazetteer.normalise import fold_arabic, normalise, normalise_many, phonetic_key
from aleppo_map.gazetteer.resolver import (
    AmbiguousNameError,
    Group,
    NameIndex,
    Resolution,
    build_groups,
    group_resolution,
)
from aleppo_map.schema import GAZETTEER
from aleppo_map.settings import DEFAULTS

if TYPE_CHECKING:
    import numpy.typing as npt

    from aleppo_map.gazetteer.landmarks import Landmarks

__all__ = [
    "GAZETTEER_COLUMNS",
    "GEOM_BASES",
    "AmbiguousNameError",
    "Gazetteer",
    "Resolution",
    "fold_arabic",
    "load_gazetteer",
    "normalise",
    "phonetic_key",
]

#: Resolver rules that never name a landmark (they drop or guess the landmark's own words).
_NOT_A_LANDMARK = frozenset({"landmark dropped", "partial name"})
#: Columns of ``gazetteer.csv`` (from :data:`aleppo_map.schema.GAZETTEER`).
GAZETTEER_COLUMNS: tuple[str, ...] = GAZETTEER.names
#: ``geom_basis`` values of the embedded gazetteer: centre and area from the CSR polygons;
#: an estimated polygon of the embedded layer; a part of another district (``parent_id``),
#: drawn as a marker. (Another battle may use its own values.)
GEOM_BASES: tuple[str, ...] = ("csr-derived", "estimated", "sub-area")


class _Names(NamedTuple):
    """Every name of every district in file order, with its district and name key."""

    district_ids: list[str]
    names: list[str]
    keys: list[str]


def _name_keys(frame: pd.DataFrame, source: str) -> tuple[
        dict[str, str], list[Problem], _Names]:
    """Map every normalised name, alias and Arabic name to its district id.

    Returns the keys, a problem for every name that points to two districts, and every
    name with its district and key for the resolver's index. An Arabic name
    shared by two districts (boundary files reuse one name for an industrial zone and
    the quarter beside it) resolves to neither by its key, and is reported as ambiguous
    by the resolver.

    Column-wise: the names of each kind are folded at once (:func:`normalise_many`),
    then put in row order (a district's id, its spaced form, English name, aliases,
    Arabic name); the first district to give a key keeps it, as a dict built from the
    reversed pairs does.
    """
    ids = [str(v) for v in frame["district_id"].tolist()]
    n = len(ids)
    en = [str(v) for v in frame["name_en"].tolist()]
    alias_lists = frame["aliases"].tolist()
    aliases = [str(a) for lst in alias_lists for a in lst]
    alias_rows = np.repeat(np.arange(n), [len(lst) for lst in alias_lists])
    ar_all = [str(v) if isinstance(v, str) and v.strip() else "" for v in frame["name_ar"].tolist()]
    ar_rows = np.flatnonzero([bool(v) for v in ar_all])
    ar = [ar_all[i] for i in ar_rows]
    id_keys = normalise_many(ids)  # an id and its spaced form share one key
    en_keys, alias_keys, ar_keys = normalise_many(en), normalise_many(aliases), normalise_many(ar)
    ar_counts = Counter(k for k in ar_keys if k)  # a count per name was quadratic
    rows = np.arange(n)
    row_of = np.concatenate([rows, rows, rows, alias_rows, ar_rows])
    # every name in row order: a stable sort by row keeps a row's names in the order of
    # the blocks (id, spaced id, English name, aliases in turn, Arabic name)
    order = np.argsort(row_of, kind="stable")
    row_of = row_of[order]

    def in_order(values: list[str]) -> npt.NDArray[np.object_]:
        column = np.empty(len(values), dtype=object)
        column[:] = values
        return column[order]

    dids = np.asarray(ids, dtype=object)[row_of]
    names = in_order([*ids, *(d.replace("-", " ") for d in ids), *en, *aliases, *ar])
    all_keys = in_order([*id_keys, *id_keys, *en_keys, *alias_keys, *ar_keys])
    # an Arabic name shared by two districts gives no key (it is ambiguous, not a clash)
    checked = np.concatenate([np.ones(3 * n + len(aliases), dtype=bool),
                              np.array([ar_counts[k] < 2 for k in ar_keys], dtype=bool)])[order]
    use = np.flatnonzero(checked & (all_keys != ""))
    use_keys, use_dids = all_keys[use].tolist(), dids[use].tolist()
    # the first district to give a key keeps it (the last assignment of the reversed
    # pairs), and the keys stay in the order they first appear
    keys: dict[str, str] = dict.fromkeys(use_keys, "")
    keys.update(zip(reversed(use_keys), reversed(use_dids), strict=True))
    first = np.empty(len(use_keys), dtype=object)
    first[:] = list(map(keys.__getitem__, use_keys))
    problems = [
        Problem(source, "aliases", "each name to point to one district",
                f"{names[j]!r} for both {keys[all_keys[j]]!r} and {dids[j]!r}", row=int(row_of[j]) + 1)
        for j in use[first != dids[use]].tolist()
    ]
    # lists, not (district, name) tuples: half a million tuples cost more than the rest
    return keys, problems, _Names(dids.tolist(), names.tolist(), all_keys.tolist())


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
    landmarks : Landmarks or None
        The battle's landmarks (:meth:`with_landmarks`): their names resolve to their
        district, and :meth:`explain` says which landmark a name is.
    """

    frame: pd.DataFrame
    keys: dict[str, str]
    source: str = "gazetteer"
    index: NameIndex | None = field(default=None, repr=False, compare=False)
    landmarks: Landmarks | None = field(default=None, repr=False, compare=False)
    landmark_index: NameIndex | None = field(default=None, repr=False, compare=False)
    groups: dict[str, Group] = field(default_factory=dict, repr=False, compare=False)
    _pending: _Names | None = field(
        default=None, repr=False, compare=False)

    def with_groups(self, aggregates: pd.DataFrame | None) -> Gazetteer:
        """Return this gazetteer with the battle's aggregate phrases as groups of districts.

        A name the gazetteer does not resolve that is a phrase of an aggregate ("the old
        city") is then reported as naming that group (rule ``group``), never as one district.

        Parameters
        ----------
        aggregates : pandas.DataFrame or None
            :func:`aleppo_map.sources.load_aggregates` (``aggregate``, ``phrases`` and
            ``members`` as lists); ``None`` returns the gazetteer unchanged.

        Returns
        -------
        Gazetteer
            A new gazetteer.
        """
        if aggregates is None or aggregates.empty:
            return self
        rows = zip(aggregates["aggregate"], aggregates["phrases"], aggregates["members"],
                   strict=True)
        return replace(self, groups=build_groups(
            ((str(a), list(p), list(m)) for a, p, m in rows), self.ids))

    def with_landmarks(self, landmarks: Landmarks | None) -> Gazetteer:
        """Return this gazetteer with *landmarks*: their names resolve to their district.

        Parameters
        ----------
        landmarks : Landmarks or None
            Validated landmarks (:func:`aleppo_map.gazetteer.landmarks.landmarks_from_frames`);
            ``None`` returns the gazetteer unchanged.

        Returns
        -------
        Gazetteer
            A new gazetteer whose index holds the landmark names too.
        """
        if landmarks is None or landmarks.frame.empty:
            return self
        base = self._index()
        pairs = list(base.pairs)
        lm_pairs: list[tuple[str, str]] = []
        keys = dict(self.keys)
        for lid in landmarks.ids:
            did = landmarks.district(lid)
            for name in (lid, lid.replace("-", " "), *landmarks.names(lid)):
                pairs.append((did, name))
                lm_pairs.append((lid, name))
                keys.setdefault(normalise(name), did)
        return replace(self, keys=keys, index=NameIndex.build(pairs), landmarks=landmarks,
                       landmark_index=NameIndex.build(lm_pairs))

    def _landmark_of(self, res: Resolution) -> Resolution:
        """Say which landmark a resolved name is, when the district matched a landmark's name."""
        lm, li = self.landmarks, self.landmark_index
        if lm is None or li is None or res.district_id is None:
            return res
        hit = li.resolve(res.query, suggest=False)
        lid = hit.district_id  # the landmark index keys landmarks as its "districts"
        # a landmark word is never dropped here: "Jandoul roundabout" is not the factories
        if lid is None or hit.rule in _NOT_A_LANDMARK or lm.district(lid) != res.district_id:
            return res
        names = set(lm.names(lid)) | {lid, lid.replace("-", " ")}
        if not any(d == res.district_id and n in names for d, n in res.matched):
            return res
        row = lm.frame.loc[lid]
        what = (f"{lid} ({row['name_en']}), a {row['kind']} in district {res.district_id} "
                f"({self.name_en(res.district_id)}); point placed by {row['placement']}")
        return replace(res, landmark_id=lid, landmark=what)

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
        pending: _Names | None = None
        if not chk.missing:
            frame = chk.frame
            # a sub-area's parent is a district of the table that is not itself a sub-area
            parent = frame["parent_id"]
            parent_of = pd.Series(parent.to_numpy(), index=frame["district_id"].to_numpy())
            parent_of = parent_of[~parent_of.index.duplicated()]
            chk.bad("parent_id", chk.valid("parent_id") & (parent != "") & (
                ~isin_set(parent, set(frame["district_id"].tolist())) | (parent == frame["district_id"])
                | (parent.map(parent_of).fillna("") != "")),
                "the id of a district that is not itself a sub-area")
            keys, clashes, pending = _name_keys(frame[chk.valid("district_id")], source)
            chk.problems.extend(clashes)
        chk.raise_if_any(GAZETTEER.names)
        return cls(chk.frame.set_index("district_id", drop=False), keys, source, None,
                   _pending=pending)

    @property
    def ids(self) -> list[str]:
        """District ids in file order."""
        return self.frame.index.tolist()

    @property
    def name_index(self) -> NameIndex:
        """The resolver's index of every name under every key (built on first use)."""
        return self._index()

    def _index(self) -> NameIndex:
        if self.index is not None:
            return self.index
        if self._pending is not None:
            p = self._pending  # indexed on first use: loading need not pay
            index = NameIndex.build(zip(p.district_ids, p.names, strict=True), p.keys)
            object.__setattr__(self, "index", index)
            return index
        pairs: list[tuple[str, str]] = []
        f = self.frame
        for key, en, aliases, ar in zip(f.index, f["name_en"], f["aliases"], f["name_ar"],
                                        strict=True):
            did = str(key)
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
        >>> gaz.explain("al-Shurta Hill").landmark_id
        'police-hill'
        """
        return group_resolution(self._landmark_of(self._index().resolve(name)), self.groups)

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
        value = self.frame["name_ar"].loc[district_id]
        return "" if pd.isna(value) else str(value)

    def centre(self, district_id: str) -> tuple[float, float]:
        """Centre of a district as (lon, lat)."""
        return float(self.frame["lon"].loc[district_id]), float(self.frame["lat"].loc[district_id])

    def area_km2(self, district_id: str) -> float:
        """Gazetteer area of a district in km²."""
        return float(self.frame["area_km2"].loc[district_id])

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


def load_gazetteer(path: Path | None = None, landmarks: Path | None = None,
                   aggregates: Path | None = None, **kwargs: Any) -> Gazetteer:
    """Read and check a gazetteer CSV against :data:`aleppo_map.schema.GAZETTEER`.

    Parameters
    ----------
    path : pathlib.Path, optional
        Default: the embedded ``data/gazetteer.csv``.
    landmarks : pathlib.Path, optional
        A landmarks table (its history beside it, named as the battle names it) whose
        names should resolve too; default: the embedded battle's when *path* is
        omitted, none otherwise.
    aggregates : pathlib.Path, optional
        An aggregate table whose phrases name groups of districts
        (:meth:`Gazetteer.with_groups`); default: the embedded battle's when *path* is
        omitted, none otherwise.
    **kwargs
        As for :func:`aleppo_map.gazetteer.landmarks.landmarks_from_frames`
        (``registry_lines``, ``control``, ``context``).

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
    if path is None and landmarks is None and DEFAULTS.landmarks_path.is_file():
        landmarks = DEFAULTS.landmarks_path
    if path is None and aggregates is None and DEFAULTS.aggregates_path.is_file():
        aggregates = DEFAULTS.aggregates_path
    path = Path(path) if path is not None else DEFAULTS.gazetteer_path
    gaz = Gazetteer.from_frame(io.read_csv(path, GAZETTEER.what), source=str(path))
    if aggregates is not None and Path(aggregates).is_file():
        from aleppo_map.sources import load_aggregates

        gaz = gaz.with_groups(load_aggregates(Path(aggregates)))
    if landmarks is None or not Path(landmarks).is_file():
        return gaz
    from aleppo_map.gazetteer.landmarks import read_landmarks

    changes = Path(landmarks).parent / DEFAULTS.landmark_changes_path.name
    return gaz.with_landmarks(read_landmarks(Path(landmarks), changes, gaz, **kwargs))
