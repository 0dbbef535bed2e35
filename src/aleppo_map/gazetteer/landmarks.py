"""Landmarks: places the sources name that are not whole districts, and their history.

A landmark (a hill, factories, a roundabout, a hospital, a mosque, a bridge...) is a
point inside one gazetteer district (``landmarks.csv``). Where the texts do not say
where in its district it lies, the point is the district's representative point and
its ``placement`` is ``district``: the page and the frames then say that its
position within the district is not known. Its history (``landmark_changes.csv``)
cites a line of a source like the control table does; a row may name the control
table's change whose share of the district it sets (``sets_change``).

Landmark names resolve through the gazetteer (:meth:`Gazetteer.with_landmarks
<aleppo_map.gazetteer.Gazetteer.with_landmarks>`): a landmark's name resolves to its
district, and the resolution says which landmark it is.

Examples
--------
>>> from aleppo_map.gazetteer import load_gazetteer
>>> gaz = load_gazetteer()
>>> r = gaz.explain("Hill 420")
>>> r.district_id, r.landmark_id
('sheikh-lutfi', 'police-hill')
>>> lm = gaz.landmarks
>>> lm.controller_on("sakhour-bridge", lm.changes["date"].min())  # before its first row
''
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from aleppo_map import _io as io
from aleppo_map._errors import Problem, ValidationError
from aleppo_map._validate import Checked, check_table, did_you_mean, unknown_values
from aleppo_map.gazetteer.normalise import normalise
from aleppo_map.schema import CONFIDENCES, LANDMARK_CHANGES, LANDMARKS, Context

if TYPE_CHECKING:
    import geopandas as gpd

    from aleppo_map.gazetteer import Gazetteer

__all__ = ["POINT_TOLERANCE_M", "Landmarks", "check_cited_lines", "check_points",
           "landmarks_from_frames", "read_landmarks"]

#: How far (metres) a landmark's point may lie outside its district polygon (rounding).
POINT_TOLERANCE_M = 30.0


@dataclass(frozen=True)
class Landmarks:
    """The validated landmarks of a battle and their history.

    Attributes
    ----------
    frame : pandas.DataFrame
        Indexed by ``landmark_id``; ``aliases`` as lists, ``lat``/``lon`` floats.
    changes : pandas.DataFrame
        The history, typed, sorted by landmark, date and source rank.
    source : str
        Where the landmarks were read from.
    changes_source : str
        Where the history was read from.
    """

    frame: pd.DataFrame
    changes: pd.DataFrame
    source: str = "landmarks"
    changes_source: str = "landmark history"

    @property
    def ids(self) -> list[str]:
        """Landmark ids in file order."""
        return list(self.frame.index)

    def names(self, landmark_id: str) -> list[str]:
        """Every name of a landmark: English, aliases, Arabic (no repeats).

        Parameters
        ----------
        landmark_id : str
            A landmark id.

        Returns
        -------
        list of str
            Names, English first.
        """
        row = self.frame.loc[landmark_id]
        names = [str(row["name_en"]), *map(str, row["aliases"])]
        if str(row["name_ar"]).strip():
            names.append(str(row["name_ar"]))
        return list(dict.fromkeys(n for n in names if n))

    def district(self, landmark_id: str) -> str:
        """Return the district a landmark lies in."""
        return str(self.frame.at[landmark_id, "district_id"])

    def history(self, landmark_id: str) -> pd.DataFrame:
        """Return the rows of one landmark, oldest first.

        Parameters
        ----------
        landmark_id : str
            A landmark id.

        Returns
        -------
        pandas.DataFrame
            Its rows of the history table.
        """
        return self.changes[self.changes["landmark_id"] == landmark_id]

    def controller_on(self, landmark_id: str, day: date) -> str:
        """Return who held a landmark at the end of *day* by its own history (``""``: not stated).

        The last row on or before *day* that is not ``repelled`` decides (on one day,
        the best-ranked source, then the highest confidence).

        Parameters
        ----------
        landmark_id : str
            A landmark id.
        day : datetime.date
            The day.

        Returns
        -------
        str
            A side id, or ``""`` before the landmark's first row.
        """
        rows = self.history(landmark_id)
        rows = rows[(rows["event"] != "repelled") & (rows["date"] <= day)]
        return "" if rows.empty else str(rows.iloc[-1]["controller"])

    def setters(self) -> dict[str, list[str]]:
        """Control-table change id -> the landmarks whose rows set its share."""
        out: dict[str, list[str]] = {}
        for cid, lid in zip(self.changes["sets_change"], self.changes["landmark_id"],
                            strict=True):
            if cid and lid not in out.setdefault(str(cid), []):
                out[str(cid)].append(str(lid))
        return out

    def records(self) -> list[dict[str, Any]]:
        """Every landmark with its history, as plain JSON-ready records (for the page).

        Returns
        -------
        list of dict
            ``id, name, name_ar, kind, district, lat, lon, placement, placement_note,
            rows`` (each row: ``date, earliest, latest, controller, event, source_id,
            line, confidence, note, sets_change``).
        """
        out: list[dict[str, Any]] = []
        for lid, row in self.frame.iterrows():
            rows = [
                {"date": r["date"].isoformat(),
                 "earliest": r["date_earliest"].isoformat() if r["date_earliest"] else "",
                 "latest": r["date_latest"].isoformat() if r["date_latest"] else "",
                 "controller": str(r["controller"]), "event": str(r["event"]),
                 "source_id": str(r["source_id"]), "line": int(r["line"]),
                 "confidence": str(r["confidence"]), "note": str(r["note"]),
                 "sets_change": str(r["sets_change"])}
                for r in self.history(str(lid)).to_dict("records")
            ]
            out.append({
                "id": str(lid), "name": str(row["name_en"]), "name_ar": str(row["name_ar"]),
                "kind": str(row["kind"]), "district": str(row["district_id"]),
                "lat": float(row["lat"]), "lon": float(row["lon"]),
                "placement": str(row["placement"]), "placement_note": str(row["placement_note"]),
                "rows": rows,
            })
        return out


def _suggest(value: str, known: Sequence[str]) -> str:
    return did_you_mean(value, known)


def _check_names(chk: Checked, gazetteer: Gazetteer) -> None:
    """No landmark name may be the name of another district or of another landmark."""
    frame = chk.frame
    seen: dict[str, str] = {}
    district_keys = gazetteer.keys
    for pos, rec in enumerate(frame.to_dict("records")):
        lid, did = str(rec["landmark_id"]), str(rec["district_id"])
        if lid in gazetteer.frame.index:
            chk.add("landmark_id", "an id that is not a district id", repr(lid), rows=[pos])
        names = [str(rec["name_en"]), *map(str, rec["aliases"])]
        for name in names:
            key = normalise(name)
            if not key:
                continue
            other = district_keys.get(key)
            if other is not None and other != did:
                chk.add("aliases", "names that are not another district's",
                        f"{name!r}, a name of district {other!r}", rows=[pos],
                        hint=f"the landmark lies in {did!r}")
            owner = seen.setdefault(key, lid)
            if owner != lid:
                chk.add("aliases", "each name to point to one landmark",
                        f"{name!r} for both {owner!r} and {lid!r}", rows=[pos])


def _check_changes(chk: Checked, lm: pd.DataFrame, registry_lines: Mapping[str, int | None],
                   control: pd.DataFrame | None) -> None:
    """Cross-table checks of the history: ids, windows, citations, ``sets_change``."""
    frame = chk.frame
    unknown_values(chk, "landmark_id", list(lm.index), "an id of the landmarks table")
    unknown_values(chk, "source_id", list(registry_lines), "a source id of the registry")
    ok = chk.valid("date", "date_earliest", "date_latest")
    early = ok & frame["date_earliest"].notna() & (
        frame["date_earliest"].where(frame["date_earliest"].notna(), date.max)
        > frame["date"].where(frame["date"].notna(), date.min))
    chk.bad("date_earliest", early, "a day on or before `date`")
    late = ok & frame["date_latest"].notna() & (
        frame["date_latest"].where(frame["date_latest"].notna(), date.min)
        < frame["date"].where(frame["date"].notna(), date.max))
    chk.bad("date_latest", late, "a day on or after `date`")
    n_lines = frame["source_id"].map(lambda s: registry_lines.get(str(s)))
    beyond = chk.valid("line", "source_id") & n_lines.notna() & (
        frame["line"] > n_lines.fillna(0).astype(int))
    for pos in beyond[beyond].index:
        chk.add("line", f"a line of {frame.at[pos, 'source_id']!r} (1 to "
                f"{int(n_lines[pos])})", repr(int(str(frame.at[pos, "line"]))), rows=[pos])
    sets = frame["sets_change"].astype(str)
    todo = chk.valid("sets_change", "landmark_id", "date", "controller") & (sets != "")
    if control is None:
        return  # checked when the project loads the control table
    if "change_id" not in control:
        chk.bad("sets_change", todo, "empty (the control table has no change ids)")
        return
    rows = control.set_index(control["change_id"].astype(str))
    rows = rows[~rows.index.duplicated()]
    for pos in todo[todo].index:
        cid, lid = sets[pos], str(frame.at[pos, "landmark_id"])
        if cid not in rows.index:
            chk.add("sets_change", "a change_id of the control table", repr(cid), rows=[pos],
                    hint=did_you_mean(cid, list(rows.index), cutoff=80))
            continue
        row = rows.loc[cid]
        did = str(lm.at[lid, "district_id"]) if lid in lm.index else ""
        wants: list[str] = []
        if did and str(row["district_id"]) != did:
            wants.append(f"is for district {row['district_id']!r}, not the landmark's {did!r}")
        day = str(frame.at[pos, "date"])
        if str(pd.Timestamp(row["date"]).date()) != day:
            wants.append(f"is dated {pd.Timestamp(row['date']).date()}, not {day}")
        ctrl = str(frame.at[pos, "controller"])
        if ctrl not in (str(row["controller"]), str(row.get("remainder", "") or "")):
            wants.append(f"gives {row['controller']!r} (rest {row.get('remainder', '')!r}), "
                         f"not the landmark's {ctrl!r}")
        if wants:
            chk.add("sets_change", "a change of the landmark's district, on the same day, "
                    "whose controller or remainder is the row's controller",
                    f"{cid!r}, which " + " and ".join(wants), rows=[pos])


def landmarks_from_frames(
    landmarks_df: pd.DataFrame,
    changes_df: pd.DataFrame | None,
    gazetteer: Gazetteer,
    *,
    registry_lines: Mapping[str, int | None] | None = None,
    control: pd.DataFrame | None = None,
    context: Context | None = None,
    source: str = "landmarks.csv",
    changes_source: str = "landmark_changes.csv",
) -> Landmarks:
    """Validate the landmarks and their history against the gazetteer, registry and control table.

    Parameters
    ----------
    landmarks_df : pandas.DataFrame
        ``landmarks.csv`` as read (strings).
    changes_df : pandas.DataFrame or None
        ``landmark_changes.csv`` as read, or ``None`` for landmarks without history.
    gazetteer : Gazetteer
        The districts (without landmarks).
    registry_lines : Mapping[str, int or None], optional
        Source id -> its text's line count (``None`` when unknown); default: any source
        id is accepted.
    control : pandas.DataFrame, optional
        The validated control table, for ``sets_change`` (unchecked without it).
    context : Context, optional
        The battle's sides and days.
    source, changes_source : str
        File names for messages.

    Returns
    -------
    Landmarks
        The landmarks.

    Raises
    ------
    ValidationError
        Listing every problem of both tables at once.
    """
    ctx = context or Context()
    chk = check_table(landmarks_df, LANDMARKS, source, context=ctx)
    if not chk.missing:
        unknown_values(chk, "district_id", gazetteer.ids, "a district id of the gazetteer",
                       suggest=lambda v: gazetteer.suggest(v, 2))
        _check_names(chk, gazetteer)
    problems = chk.sorted_problems(LANDMARKS.names)
    frame = chk.frame.set_index("landmark_id", drop=False) if not chk.missing else pd.DataFrame()
    hist = pd.DataFrame(columns=list(LANDMARK_CHANGES.names))
    if changes_df is not None:
        hc = check_table(changes_df, LANDMARK_CHANGES, changes_source, context=ctx)
        if not hc.missing and not chk.missing:
            lines = registry_lines if registry_lines is not None else dict.fromkeys(hc.frame["source_id"])
            _check_changes(hc, frame[~frame.index.duplicated()], lines, control)
        problems += hc.sorted_problems(LANDMARK_CHANGES.names)
        hist = hc.frame
    if problems:
        raise ValidationError(problems)
    rank = {c: i for i, c in enumerate(CONFIDENCES)}
    hist = hist.assign(_conf=hist["confidence"].map(rank).fillna(9)).sort_values(
        ["landmark_id", "date", "_conf"], ascending=[True, True, False], kind="stable")
    hist = hist.drop(columns="_conf").reset_index(drop=True)
    return Landmarks(frame, hist, source, changes_source)


def read_landmarks(path: Path, changes_path: Path | None, gazetteer: Gazetteer,
                   **kwargs: Any) -> Landmarks:
    """Read ``landmarks.csv`` (and its history, when the file exists) and validate them.

    Parameters
    ----------
    path : pathlib.Path
        The landmarks table.
    changes_path : pathlib.Path or None
        The history table (skipped when ``None`` or absent).
    gazetteer : Gazetteer
        The districts.
    **kwargs
        As for :func:`landmarks_from_frames`.

    Returns
    -------
    Landmarks
        The landmarks.
    """
    lm = io.read_csv(Path(path), LANDMARKS.what, min_rows=0)
    ch = (io.read_csv(Path(changes_path), LANDMARK_CHANGES.what, min_rows=0)
          if changes_path is not None and Path(changes_path).is_file() else None)
    return landmarks_from_frames(lm, ch, gazetteer, source=str(path),
                                 changes_source=str(changes_path or ""), **kwargs)


def check_points(landmarks: Landmarks, layer: gpd.GeoDataFrame, metric_crs: str,
                 tolerance_m: float = POINT_TOLERANCE_M) -> list[Problem]:
    """Every landmark whose point lies outside its district's polygon (beyond *tolerance_m*).

    Parameters
    ----------
    landmarks : Landmarks
        The landmarks.
    layer : geopandas.GeoDataFrame
        District geometry indexed by ``district_id`` (any CRS); districts drawn as
        points are skipped.
    metric_crs : str
        A projected CRS for distances.
    tolerance_m : float
        Metres a point may stray (rounding of coordinates).

    Returns
    -------
    list of Problem
        One per point outside.
    """
    import geopandas as gpd

    f = landmarks.frame
    if f.empty:
        return []
    pts = gpd.GeoSeries(gpd.points_from_xy(f["lon"], f["lat"]), index=f.index,
                        crs="EPSG:4326").to_crs(metric_crs)
    polys = layer.geometry.to_crs(metric_crs)
    problems: list[Problem] = []
    for n, (lid, did) in enumerate(zip(f.index, f["district_id"], strict=True), start=1):
        if did not in polys.index:
            continue
        poly = polys.loc[did]
        if poly is None or poly.is_empty or poly.geom_type == "Point":
            continue
        dist = float(poly.distance(pts.loc[lid]))
        if dist > tolerance_m:
            rp = gpd.GeoSeries([poly.representative_point()], crs=metric_crs).to_crs("EPSG:4326")
            problems.append(Problem(
                landmarks.source, "lat/lon", f"a point inside district {did!r} (within "
                f"{tolerance_m:g} m)", f"{f['lat'][lid]!s}, {f['lon'][lid]!s}, {dist:.0f} m "
                "outside it", row=n,
                hint=f"its representative point is {rp.iloc[0].y:.5f}, {rp.iloc[0].x:.5f}"))
    return problems


def check_cited_lines(landmarks: Landmarks, gazetteer: Gazetteer,
                      lines_of: Callable[[str], Sequence[str] | None]) -> list[Problem]:
    """Every history row whose cited line names neither the landmark nor its district.

    Parameters
    ----------
    landmarks : Landmarks
        The landmarks.
    gazetteer : Gazetteer
        The districts (their names count: "a hill at Sheikh Lutfi").
    lines_of : callable
        Source id -> the lines of its text (``None`` when the text cannot be read;
        such rows are skipped, the missing text being reported elsewhere).

    Returns
    -------
    list of Problem
        One per row whose line names neither.
    """
    from aleppo_map.sources import district_names, names_in

    problems: list[Problem] = []
    for n, rec in enumerate(landmarks.changes.to_dict("records"), start=1):
        lines = lines_of(str(rec["source_id"]))
        line = int(rec["line"])
        if lines is None or not 1 <= line <= len(lines):
            continue
        lid = str(rec["landmark_id"])
        did = landmarks.district(lid)
        names = [*landmarks.names(lid), *district_names(gazetteer, did)]
        if not names_in(lines[line - 1], names):
            problems.append(Problem(
                landmarks.changes_source, "line", f"a line naming landmark {lid!r} or its "
                f"district {did!r}", f"{rec['source_id']} line {line}, which names neither",
                row=n, hint="or add the source's spelling to the landmark's aliases"))
    return problems
