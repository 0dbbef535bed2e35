"""Resolve a place name in any spelling to one district, or say why it cannot.

The :class:`NameIndex` holds every name of every district (id, English name,
aliases, Arabic name) under several keys, tried in order:

1. ``exact``: the name as written (case and Unicode form folded);
2. ``name key``: :func:`~aleppo_map.gazetteer.normalise.normalise`;
3. ``sound key``: :func:`~aleppo_map.gazetteer.normalise.phonetic_key`, then its
   variants without articles joined to the word;
4. ``landmark dropped``: the sound key without landmark words. A roundabout, a bridge
   or factories named after a district are in it ("Jazmati roundabout", "Jandoul
   Factories"); a hill may not be ("Zouhor hill", by Sheikh Najjar, is not the western
   district az-Zuhour), so a hill resolves this way only to a district that the
   gazetteer already names after a hill; industrial zones, barracks and cemeteries are
   districts of their own, so they never do;
5. ``fuzzy``: :func:`rapidfuzz.fuzz.ratio` on name keys (after a first word both
   share, such as "Sheikh" or "Bab"); it resolves only at or above
   :data:`FUZZY_RESOLVE` and :data:`FUZZY_MARGIN` points ahead of the next district;
6. ``partial name``: a name that only begins the names of two or more districts
   ("Hallak", "Bustan") is reported as ambiguous between them.

7. ``group``: a name the gazetteer does not resolve that is a phrase of one of the
   battle's aggregates ("the old city") names that **group** of districts; it is
   reported with its members and never resolved to one of them (a partial name whose
   districts all belong to the group keeps that narrower answer).

At any step, a key that two districts share makes the name **ambiguous**: the
result lists both and resolves to neither. Nothing below the fuzzy threshold is
resolved; the closest districts are given as suggestions.

Examples
--------
>>> from aleppo_map.gazetteer import load_gazetteer
>>> gaz = load_gazetteer()
>>> r = gaz.explain("Cheikh Maksoud")
>>> r.district_id, r.rule
('sheikh-maqsoud', 'sound key')
>>> gaz.explain("جبرين").status
'ambiguous'
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property

from rapidfuzz import fuzz, process

from aleppo_map._errors import UnknownNameError
from aleppo_map.gazetteer.normalise import (
    is_arabic,
    key_variants,
    normalise,
    normalise_many,
    phonetic_key,
)

__all__ = [
    "FUZZY_MARGIN",
    "FUZZY_RESOLVE",
    "RULES",
    "AmbiguousNameError",
    "Group",
    "NameIndex",
    "Resolution",
    "build_groups",
    "group_resolution",
]

#: Lowest fuzzy score (0-100, :func:`rapidfuzz.fuzz.ratio`) that resolves a name.
FUZZY_RESOLVE = 90.0
#: Points by which the best district must lead the next one for a fuzzy match to resolve.
FUZZY_MARGIN = 6.0
#: Lowest fuzzy score for which a second district makes a fuzzy match ambiguous.
FUZZY_SUGGEST = 70.0

#: The rules, in the order they are tried, and what each folds.
RULES: dict[str, str] = {
    "id": "a district id",
    "exact": "a gazetteer name or alias as written (case folded)",
    "name key": "case, accents, apostrophes, articles written apart, generic words and "
                "subdivision numerals folded",
    "sound key": "also articles of every form, Sheikh/Shaykh/Cheikh, generic words before "
                 "or after, q/k/g, p/b, dh/z, kh/h, doubled letters and vowels folded",
    "landmark dropped": "the sound key without its landmark words: roundabouts, bridges "
                        "and factories lie in the district they are named after, a hill only "
                        "when the gazetteer names the district after it",
    "partial name": "the first words of the names of two or more districts: never resolved",
    "group": "a phrase of the battle's aggregates naming several districts: never resolved "
             "to one of them",
    "fuzzy": f"a near spelling (score >= {FUZZY_RESOLVE:.0f}, {FUZZY_MARGIN:.0f} points "
             "ahead of any other district)",
}

_MARK_WORDS = frozenset({"TAL", "FACT", "RBT", "IND", "BRG", "BRK", "CEM"})
#: Landmarks that lie in the district they are named after.
_DROPPABLE = frozenset({"FACT", "RBT", "BRG"})
#: Landmarks that are districts of their own.
_SEPARATE = frozenset({"IND", "BRK", "CEM"})


class AmbiguousNameError(UnknownNameError):
    """A name that fits two or more districts: never resolved silently.

    A subclass of :class:`~aleppo_map._errors.UnknownNameError`, so code that
    handles unknown names handles it too; its ``suggestions`` are the candidates.

    Parameters
    ----------
    name : str
        The name as given.
    candidates : Sequence[str]
        The districts the name fits.
    rule : str
        The rule under which it fits them.
    context : str, optional
        Where the name came from, prefixed to the message.
    """

    def __init__(self, name: str, candidates: Sequence[str], rule: str = "",
                 context: str = "") -> None:
        self.candidates = list(candidates)
        self.rule = rule
        super().__init__(name, self.candidates, context)
        where = f"{context}: " if context else ""
        how = f" by its {rule}" if rule else ""
        self.args = (
            f"{where}ambiguous district name {name!r}: it fits{how} "
            + " and ".join(repr(c) for c in self.candidates)
            + "; use a district id or a fuller name",
        )


@dataclass(frozen=True)
class Resolution:
    """What a name resolves to, and why.

    Attributes
    ----------
    query : str
        The name as given.
    district_id : str or None
        The district, when exactly one fits.
    candidates : tuple of str
        Every district that fits (one when resolved, two or more when ambiguous), or
        the closest suggestions when the name is unknown.
    rule : str
        The rule that decided (a key of :data:`RULES`), or ``""`` when nothing fits.
    key : str
        The query's key under that rule.
    matched : tuple of (str, str)
        ``(district_id, gazetteer name)`` pairs that share the key.
    score : float or None
        Fuzzy score of the best district (fuzzy rule and unknown names).
    note : str
        Why a near match was not resolved, when it was not.
    landmark_id : str or None
        When the name is a landmark's (a hill, a roundabout... inside the district):
        its id in the landmarks table.
    landmark : str
        What that landmark is, in words ("hill 'Police Hill' in district ...").
    group : str
        When the name is a phrase of the battle's aggregates (rule ``group``): the
        aggregate id (ids joined by ``" / "`` when two aggregates share the phrase).
    """

    query: str
    district_id: str | None
    candidates: tuple[str, ...] = ()
    rule: str = ""
    key: str = ""
    matched: tuple[tuple[str, str], ...] = ()
    score: float | None = None
    note: str = ""
    landmark_id: str | None = None
    landmark: str = ""
    group: str = ""

    @property
    def status(self) -> str:
        """``"resolved"``, ``"ambiguous"`` or ``"unknown"``."""
        if self.district_id is not None:
            return "resolved"
        return "ambiguous" if len(self.candidates) > 1 and self.rule else "unknown"

    def explain(self, names: Mapping[str, str] | None = None) -> str:
        """Text saying why the name resolved (or did not).

        Parameters
        ----------
        names : Mapping[str, str], optional
            District id -> English name, to print beside ids.

        Returns
        -------
        str
            Several lines: the verdict, the rule and key, the names that share the key.
        """
        names = names or {}

        def label(did: str) -> str:
            return f"{did} ({names[did]})" if did in names else did

        head = f"{self.query!r}: "
        if self.status == "resolved":
            head += f"-> {label(str(self.district_id))}"
        elif self.rule == "group":
            head += (f"names the GROUP {self.group} of {len(self.candidates)} districts: "
                     + ", ".join(label(c) for c in self.candidates))
        elif self.status == "ambiguous":
            head += "AMBIGUOUS between " + " and ".join(label(c) for c in self.candidates)
        else:
            head += "unknown"
        out = [head]
        if self.rule:
            line = f"  rule: {self.rule} ({RULES.get(self.rule, '')})"
            out.append(line)
            if self.key:
                out.append(f"  key: {self.key!r}")
        if self.score is not None:
            out.append(f"  fuzzy score: {self.score:.1f}")
        shown = [(d, n) for d, n in self.matched if n not in (d, d.replace("-", " "))]
        for did, name in shown or list(self.matched):
            out.append(f"  matches {name!r} of {label(did)}")
        if self.landmark_id:
            out.append(f"  landmark: {self.landmark}")
        if self.note:
            out.append(f"  note: {self.note}")
        if self.status == "unknown" and self.candidates:
            out.append("  closest: " + ", ".join(label(c) for c in self.candidates))
        return "\n".join(out)

    def require(self, context: str = "") -> str:
        """Return the district id, or raise.

        Parameters
        ----------
        context : str
            Where the name came from, for the message.

        Returns
        -------
        str
            The district id.

        Raises
        ------
        AmbiguousNameError
            When two or more districts fit.
        UnknownNameError
            When none does.
        """
        if self.district_id is not None:
            return self.district_id
        if self.status == "ambiguous":
            raise AmbiguousNameError(self.query, self.candidates, self.rule, context)
        raise UnknownNameError(self.query, self.candidates, context)


def _exact(name: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", str(name)).casefold().split())


def _marks(key: str) -> frozenset[str]:
    return frozenset(w for w in key.split() if w in _MARK_WORDS)


def _landmark_dropped(key: str) -> str:
    words = [w for w in key.split() if w not in _MARK_WORDS]
    return " ".join(words) if words else ""


def _fuzzy_score(query: str, choice: str) -> float:
    q, c = query.split(), choice.split()
    if len(q) > 1 and len(c) > 1 and q[0] == c[0]:
        return float(fuzz.ratio(" ".join(q[1:]), " ".join(c[1:])))
    return float(fuzz.ratio(query, choice))


def _add(table: dict[str, dict[str, list[str]]], key: str, did: str, name: str) -> None:
    if key:
        names_of = table.setdefault(key, {}).setdefault(did, [])
        if name not in names_of:
            names_of.append(name)


@dataclass(frozen=True)
class Group:
    """A phrase of the battle's aggregates that names several districts.

    Attributes
    ----------
    group_id : str
        The aggregate id (ids joined by ``" / "`` when aggregates share the phrase).
    phrase : str
        The phrase as the aggregate table gives it.
    members : tuple of str
        The member districts, in table order.
    """

    group_id: str
    phrase: str
    members: tuple[str, ...]


def build_groups(rows: Iterable[tuple[str, Sequence[str], Sequence[str]]],
                 ids: Iterable[str]) -> dict[str, Group]:
    """Index aggregate phrases by name key.

    Parameters
    ----------
    rows : Iterable[tuple[str, Sequence[str], Sequence[str]]]
        ``(aggregate id, phrases, member ids)`` per aggregate.
    ids : Iterable[str]
        The gazetteer's district ids; other members are left out.

    Returns
    -------
    dict
        Name key of a phrase -> :class:`Group`; only groups of two or more districts
        (a phrase for one district says nothing the gazetteer can check).

    Examples
    --------
    >>> g = build_groups([("old", ["the old city"], ["a", "b"]), ("one", ["x"], ["a"])],
    ...                  ["a", "b"])
    >>> sorted(g), g["old"].members
    (['old'], ('a', 'b'))
    """
    known = set(ids)
    out: dict[str, Group] = {}
    for gid, phrases, members in rows:
        kept = tuple(m for m in members if m in known)
        for phrase in phrases:
            key = normalise(phrase)
            if not key:
                continue
            if key in out:  # two aggregates share the phrase: report both
                old = out[key]
                kept_all = tuple(dict.fromkeys((*old.members, *kept)))
                out[key] = Group(f"{old.group_id} / {gid}", old.phrase, kept_all)
            else:
                out[key] = Group(gid, phrase, kept)
    return {k: g for k, g in out.items() if len(g.members) > 1}


def group_resolution(res: Resolution, groups: Mapping[str, Group]) -> Resolution:
    """Report a name the index leaves unresolved that names a group of districts.

    Parameters
    ----------
    res : Resolution
        The index's answer.
    groups : Mapping[str, Group]
        From :func:`build_groups`.

    Returns
    -------
    Resolution
        *res* unchanged when it resolved, is not a group phrase, or is a partial name
        whose districts all belong to the group; otherwise an ambiguous resolution by
        rule ``group`` whose candidates are the group's members.
    """
    if res.district_id is not None or not groups:
        return res
    key = normalise(res.query)
    group = groups.get(key)
    if group is None:
        return res
    if res.rule == "partial name" and set(res.candidates) <= set(group.members):
        return res
    if res.rule not in ("", "partial name"):
        return res
    return Resolution(
        res.query, None, group.members, "group", key, (), None,
        note=f"the battle's aggregate {group.group_id!r} reads {group.phrase!r} as these "
             f"{len(group.members)} districts; name one of them",
        group=group.group_id)


@dataclass(frozen=True)
class NameIndex:
    """Every name of every district under each key of the resolver.

    The ``exact`` and ``name key`` tables are built at once; the sound-key tables on
    the first query that needs them (most names a program looks up are ids or names
    as written, and a large gazetteer need not pay for the rest).

    Attributes
    ----------
    ids : tuple of str
        District ids.
    pairs : tuple of (str, str)
        Every ``(district_id, name)`` indexed.
    tables : dict
        Rule -> key -> district id -> gazetteer names carrying that key.
    """

    ids: tuple[str, ...]
    pairs: tuple[tuple[str, str], ...] = field(repr=False)
    tables: dict[str, dict[str, dict[str, list[str]]]] = field(repr=False)
    _marks: dict[str, frozenset[str]] = field(default_factory=dict, repr=False, compare=False)
    _choices: dict[bool, list[str]] = field(default_factory=dict, repr=False, compare=False)
    _cache: dict[tuple[str, bool], Resolution] = field(default_factory=dict, repr=False,
                                                       compare=False)

    @classmethod
    def build(cls, names: Iterable[tuple[str, str]],
              name_keys: Sequence[str] | None = None) -> NameIndex:
        """Index ``(district_id, name)`` pairs.

        Parameters
        ----------
        names : Iterable[tuple[str, str]]
            Every name of every district; ids included.
        name_keys : Sequence[str], optional
            :func:`~aleppo_map.gazetteer.normalise.normalise` of each name, when the
            caller has them already.

        Returns
        -------
        NameIndex
            The index.
        """
        pairs = tuple(names)
        keys = list(name_keys) if name_keys is not None else normalise_many([n for _, n in pairs])
        exact: dict[str, dict[str, list[str]]] = {}
        named: dict[str, dict[str, list[str]]] = {}
        for (did, name), key in zip(pairs, keys, strict=True):
            _add(exact, _exact(name), did, name)
            _add(named, key, did, name)
        choices: dict[bool, list[str]] = {True: [], False: []}
        for key in named:
            choices[is_arabic(key)].append(key)
        ids = tuple(dict.fromkeys(did for did, _ in pairs))
        return cls(ids, pairs, {"exact": exact, "name key": named}, _choices=choices)

    def table(self, rule: str) -> dict[str, dict[str, list[str]]]:
        """Return the table of one rule (key -> district id -> names), built on first use.

        Parameters
        ----------
        rule : str
            ``exact``, ``name key``, ``sound key``, ``landmark dropped`` or
            ``partial name``.

        Returns
        -------
        dict
            The table.
        """
        if rule not in self.tables:
            sound: dict[str, dict[str, list[str]]] = {}
            dropped: dict[str, dict[str, list[str]]] = {}
            for did, name in self.pairs:
                if name in (did, did.replace("-", " ")):
                    continue  # an id is found as written; its sound is its name's
                key = phonetic_key(name)
                own = _marks(key)
                if own:
                    self._marks[did] = self._marks.get(did, frozenset()) | own
                _add(sound, key, did, name)
                # a name is found without its landmark only when the landmark lies in it
                if own <= _DROPPABLE:
                    _add(dropped, _landmark_dropped(key), did, name)
            partial: dict[str, dict[str, list[str]]] = {}
            for key, found in sound.items():
                words = key.split()
                for n in range(1, len(words)):
                    for did, names in found.items():
                        for name in names:
                            _add(partial, " ".join(words[:n]), did, name)
            self.tables["sound key"] = sound
            self.tables["landmark dropped"] = dropped
            self.tables["partial name"] = partial
        return self.tables[rule]

    @property
    def marks(self) -> dict[str, frozenset[str]]:
        """District id -> the landmark words its names carry."""
        self.table("sound key")
        return self._marks

    def collisions(self, rule: str = "sound key") -> dict[str, list[str]]:
        """Keys that two or more districts share under *rule*.

        Parameters
        ----------
        rule : str
            A key of :attr:`tables`.

        Returns
        -------
        dict
            Key -> district ids.
        """
        return {k: sorted(v) for k, v in self.table(rule).items() if len(v) > 1}

    def _hit(self, query: str, rule: str, key: str) -> Resolution | None:
        found = self.table(rule).get(key)
        if not found:
            return None
        matched = tuple((d, n) for d, names in found.items() for n in names)
        cands = tuple(found)
        if len(cands) == 1:
            return Resolution(query, cands[0], cands, rule, key, matched)
        return Resolution(query, None, cands, rule, key, matched)

    def resolve(self, name: str, *, suggest: bool = True) -> Resolution:
        """Resolve one name (see the module docstring for the rules).

        Parameters
        ----------
        name : str
            A district id, name or alias in any spelling or script.
        suggest : bool
            For an unknown name, list the closest districts as ``candidates`` (skip it
            when only the answer matters: it costs a pass over every name).

        Returns
        -------
        Resolution
            Resolved, ambiguous (two or more candidates) or unknown (suggestions).
        """
        key = (str(name), suggest)
        if key not in self._cache:
            if len(self._cache) > 50_000:
                self._cache.clear()
            self._cache[key] = self._resolve(str(name), suggest)
        return self._cache[key]

    @cached_property
    def _id_set(self) -> frozenset[str]:
        # a membership test on the ids tuple made every lookup O(districts)
        return frozenset(self.ids)

    def _resolve(self, query: str, suggest: bool) -> Resolution:
        if query in self._id_set:
            return Resolution(query, query, (query,), "id", query)
        # keys computed in turn: most names are found by the first
        for rule, fold in (("exact", _exact), ("name key", normalise),
                           ("sound key", phonetic_key)):
            key = fold(query)
            hit = self._hit(query, rule, key) if key else None
            if hit is not None:
                return hit
        sound = phonetic_key(query)
        hits = [h for k in key_variants(query) if (h := self._hit(query, "sound key", k))]
        if hits:
            cands = tuple(dict.fromkeys(c for h in hits for c in h.candidates))
            matched = tuple(m for h in hits for m in h.matched)
            key = " | ".join(h.key for h in hits)
            did = cands[0] if len(cands) == 1 else None
            return Resolution(query, did, cands, "sound key", key, matched,
                              note="article joined to the word removed")
        asked = _marks(sound)
        dropped = _landmark_dropped(sound)
        hit = (self._hit(query, "landmark dropped", dropped)
               if dropped and len(dropped) >= 4 and not asked & _SEPARATE else None)
        if hit is not None:
            refused = tuple(c for c in hit.candidates
                            if not asked <= _DROPPABLE | self.marks.get(c, frozenset()))
            if not refused:
                return hit
            return Resolution(
                query, None, hit.candidates, "", dropped, hit.matched,
                note="the name fits " + ", ".join(repr(c) for c in refused)
                + " only without its landmark word, and a hill named like a district need "
                "not lie in it (the gazetteer does not name that district after one): "
                "not resolved",
            )
        fuzzy = self._fuzzy(query, suggest)
        if fuzzy.district_id is None and sound:
            # "Hallak" for Hallak Fuqani and Hallak Tahtani: say which, never choose
            partial = self.table("partial name").get(sound, {})
            if len(partial) > 1:
                return Resolution(
                    query, None, tuple(partial), "partial name", sound,
                    tuple((d, n) for d, names in partial.items() for n in names[:1]),
                    note="the name begins the names of several districts")
        return fuzzy

    def _fuzzy(self, query: str, suggest: bool) -> Resolution:
        key = normalise(query)
        if not key:
            return Resolution(query, None, ())
        choices = self._choices.get(is_arabic(query), [])
        # fuzz.ratio of the whole keys bounds the score after a shared first word from
        # above, so the C-speed pass with a cutoff keeps every name that could count
        hits = process.extract(key, choices, scorer=fuzz.ratio, limit=50,
                               score_cutoff=FUZZY_SUGGEST)
        best: dict[str, tuple[float, str]] = {}
        for choice, _whole, _ in hits:
            score = _fuzzy_score(key, choice)
            for did, names in self.tables["name key"][choice].items():
                if did not in best or score > best[did][0]:
                    best[did] = (score, names[0])
        ranked = sorted(best.items(), key=lambda kv: -kv[1][0])
        (top, (s1, name1)) = ranked[0] if ranked else ("", (0.0, ""))
        s2 = ranked[1][1][0] if len(ranked) > 1 else 0.0
        close: tuple[str, ...] = ()
        if suggest and not (s1 >= FUZZY_RESOLVE and s1 - s2 >= FUZZY_MARGIN):
            near = process.extract(key, choices, scorer=fuzz.WRatio, limit=18)
            close = tuple(dict.fromkeys(
                d for c, _, _ in near for d in self.tables["name key"][c]))[:3]
        if not ranked:
            return Resolution(query, None, close, "", key, (), None,
                              note=f"no name scores {FUZZY_SUGGEST:.0f} or more: not resolved")
        if s1 >= FUZZY_RESOLVE and s1 - s2 >= FUZZY_MARGIN:
            return Resolution(query, top, (top,), "fuzzy", key, ((top, name1),), s1)
        if s1 >= FUZZY_RESOLVE:
            tied = tuple(d for d, (s, _) in ranked if s >= max(FUZZY_SUGGEST, s1 - FUZZY_MARGIN))
            return Resolution(query, None, tied, "fuzzy", key,
                              tuple((d, best[d][1]) for d in tied), s1,
                              note=f"two districts within {FUZZY_MARGIN:.0f} points")
        return Resolution(query, None, close, "", key, (), s1,
                          note=f"best fuzzy score {s1:.1f} is below {FUZZY_RESOLVE:.0f}: "
                               "not resolved")
