"""Landmarks for the page and the frames: their markers, history and day-by-day holder.

:func:`landmark_payload` is what the page's ``landmarks.js`` receives (through
``tojson``): every landmark with its point, kind, placement and history rows, each
row's citation an index of the page's shared citation list. :func:`landmark_marks`
gives the frames the landmarks to draw on a day: those whose own history changes
hands on that day or the day before.

Examples
--------
>>> from datetime import date
>>> from aleppo_map.project import load_project
>>> proj = load_project(with_layer=False)
>>> [m.landmark_id for m in landmark_marks(proj, date(2016, 11, 27))]
['jandoul-factories', 'sakhour-bridge']
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    from aleppo_map.project import Project

#: Marker symbol per landmark kind (page and frames).
SYMBOLS: Final[dict[str, str]] = {
    "hill": "▲", "factory": "■", "housing": "⌂", "roundabout": "◎", "hospital": "✚",
    "mosque": "☪", "bridge": "═", "gate": "∩", "souq": "◆", "school": "✎", "base": "★",
    "other": "●",
}
#: Matplotlib marker per landmark kind (frames).
MPL_MARKERS: Final[dict[str, str]] = {
    "hill": "^", "factory": "s", "housing": "p", "roundabout": "o", "hospital": "P",
    "mosque": "h", "bridge": "D", "gate": "v", "souq": "d", "school": "X", "base": "*",
    "other": "o",
}
#: Colour of a landmark whose holder the texts do not state on a day.
NOT_STATED: Final = "#9e9e9e"
#: Days after a change during which frames still draw the landmark.
RECENT_DAYS: Final = 1


def placement_text(placement: str, district_name: str) -> str:
    """Say how a landmark's point was placed, for the page and frames.

    Parameters
    ----------
    placement : str
        ``district``, ``described``, ``surveyed`` or ``published``.
    district_name : str
        The district's English name.

    Returns
    -------
    str
        One sentence.

    Examples
    --------
    >>> placement_text("district", "Qadi Askar")
    'Position within Qadi Askar not known: drawn at the district’s representative point.'
    """
    if placement == "district":
        return (f"Position within {district_name} not known: drawn at the district’s "
                "representative point.")
    if placement == "described":
        return f"Placed in {district_name} where the cited text describes it (approximate)."
    if placement == "published":
        return (f"Placed in {district_name} at the place’s published coordinates (an "
                "encyclopaedia article, cited).")
    return f"Placed in {district_name} from a surveyed point."


def landmark_payload(project: Project, cites: dict[tuple[str, int], int]) -> dict[str, Any]:
    """Return the landmarks for the page; their citations join *cites* (source, line) -> index.

    Parameters
    ----------
    project : Project
        The project (``project.landmarks`` may be ``None``).
    cites : dict
        The page's citation index, extended in place with the landmarks' citations.

    Returns
    -------
    dict
        ``items`` (one per landmark: ``id, name, ar, kind, sym, district, lat, lon,
        placement, where, rows``; each row ``date, earliest, latest, side, event,
        confidence, note, cite, sets``) and ``setters`` (control-table change id ->
        names of the landmarks that set its share).
    """
    lm = project.landmarks
    if lm is None:
        return {"items": [], "setters": {}}
    gaz = project.gazetteer
    items = []
    for rec in lm.records():
        rows = []
        for r in rec["rows"]:
            key = (r["source_id"], r["line"])
            if key not in cites:
                cites[key] = len(cites)
            rows.append({"date": r["date"], "earliest": r["earliest"], "latest": r["latest"],
                         "side": r["controller"], "event": r["event"],
                         "confidence": r["confidence"], "note": r["note"],
                         "cite": cites[key], "sets": r["sets_change"]})
        district = gaz.name_en(rec["district"])
        items.append({
            "id": rec["id"], "name": rec["name"], "ar": rec["name_ar"], "kind": rec["kind"],
            "sym": SYMBOLS.get(rec["kind"], SYMBOLS["other"]), "district": rec["district"],
            "districtName": district, "lat": round(rec["lat"], 5), "lon": round(rec["lon"], 5),
            "placement": rec["placement"], "where": placement_text(rec["placement"], district),
            "placementNote": rec["placement_note"], "rows": rows,
        })
    setters = {cid: [str(lm.frame.at[lid, "name_en"]) for lid in lids]
               for cid, lids in lm.setters().items()}
    return {"items": items, "setters": setters}


@dataclass(frozen=True)
class Mark:
    """A landmark a frame draws on one day.

    Attributes
    ----------
    landmark_id, name, kind : str
        Which landmark.
    lon, lat : float
        Its point, in degrees.
    controller : str
        Its holder at the end of the day by its own history.
    placement : str
        How its point was placed (``district``: position within the district unknown).
    """

    landmark_id: str
    name: str
    kind: str
    lon: float
    lat: float
    controller: str
    placement: str


def landmark_marks(project: Project, day: date, recent: int = RECENT_DAYS) -> list[Mark]:
    """Return the landmarks that change hands on *day* or up to *recent* days before it.

    Opening states (``baseline``) and repelled assaults are not changes.

    Parameters
    ----------
    project : Project
        The project.
    day : datetime.date
        The frame's day.
    recent : int
        How many days a change stays on the frames.

    Returns
    -------
    list of Mark
        In landmark id order.
    """
    lm = project.landmarks
    if lm is None:
        return []
    ch = lm.changes
    moving = ch[~ch["event"].isin(("repelled", "baseline")) & (ch["date"] <= day)
                & (ch["date"] >= day - timedelta(days=recent))]
    out = []
    for lid in sorted(set(moving["landmark_id"])):
        row = lm.frame.loc[lid]
        out.append(Mark(str(lid), str(row["name_en"]), str(row["kind"]), float(row["lon"]),
                        float(row["lat"]), lm.controller_on(str(lid), day),
                        str(row["placement"])))
    return out


#: Legend text of the landmark markers on frames.
LEGEND_TEXT: Final = ("Landmark that changed hands that day or the day before (symbol by kind, "
                      "fill: its holder; * its position within the district is not known)")


def frame_landmarks(project: Project, days: list[date], crs: Any, sides: tuple[str, ...],
                    ) -> tuple[list[tuple[float, float, str, str]], dict[int, list[tuple[int, int]]]]:
    """Return the landmarks for frames: their points in *crs* and, per frame, those to draw.

    Parameters
    ----------
    project : Project
        The project.
    days : list of datetime.date
        The frames' days.
    crs : Any
        The metric CRS of the frames.
    sides : tuple of str
        Side ids in legend order (a holder's index is its colour's).

    Returns
    -------
    points : list of tuple
        ``(x, y, label, kind)`` per landmark, in metres; the label ends with ``*`` when
        the position within the district is not known.
    per_day : dict
        Frame index -> ``(landmark position, side index or -1)`` for each landmark drawn.
    """
    lm = project.landmarks
    if lm is None or lm.frame.empty:
        return [], {}
    import geopandas as gpd

    f = lm.frame
    pts = gpd.GeoSeries(gpd.points_from_xy(f["lon"], f["lat"]), crs="EPSG:4326").to_crs(crs)
    points = [(float(p.x), float(p.y),
               str(name) + ("*" if placement == "district" else ""), str(kind))
              for p, name, kind, placement in zip(pts, f["name_en"], f["kind"], f["placement"],
                                                  strict=True)]
    pos = {lid: n for n, lid in enumerate(f.index)}
    per_day: dict[int, list[tuple[int, int]]] = {}
    for i, day in enumerate(days):
        marks = landmark_marks(project, day)
        if marks:
            per_day[i] = [(pos[m.landmark_id],
                           sides.index(m.controller) if m.controller in sides else -1)
                          for m in marks]
    return points, per_day
