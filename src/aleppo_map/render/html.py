"""The interactive HTML explorer: a folium map with our own slider, legend, chart and history.

folium's ``TimeSliderChoropleth`` stores a style for every district on every day and
restyles every path at each step. This module instead sends the geometry once, each
district's *state segments* (the days on which its state changed), the rows of the
control table for the history panel, and a few per-day totals; the browser works out the
rest and restyles only the districts whose state changed. The page therefore grows with
geometry plus changes, not with districts × days.

Everything reaches the page through jinja's ``tojson`` (which escapes ``<``, ``>``,
``&`` and ``'``) in a JSON script block, and the JavaScript inserts every name, note and
citation with ``textContent``, never as HTML, so a district called
``<img src=x onerror=alert(1)>`` shows as text. Every text of the page (title, side
labels, the reference area) comes from the project's battle. The templates live in
``templates/``; the script (modules :data:`JS_MODULES`, concatenated in that order) and
the stylesheet in ``static/``.

The default page is self-contained: Leaflet, script and styles are inlined and it makes
no request; street-map tiles are an optional layer the reader can switch on. Leaflet
comes from the ``django-js-lib-leaflet`` package (Leaflet 1.9.4, BSD 2-Clause, licence
kept in the page); ``cdn=True`` links the same version from a CDN instead, with
Subresource-Integrity hashes computed from the packaged files, and shows the tiles.

Examples
--------
>>> sorted(leaflet_assets(inline=False))[:3]
['css', 'css_sri', 'css_url']
>>> leaflet_assets(inline=False)["version"]
'1.9.4'
>>> JS_MODULES[0], JS_MODULES[-1]
('state.js', 'main.js')
"""

from __future__ import annotations

import base64
import hashlib
import importlib.metadata
import importlib.resources
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import folium
import jinja2
import numpy as np
import shapely
import xyzservices.providers as xyz
from branca.element import Element, Figure
from markupsafe import Markup

from aleppo_map import _io as io
from aleppo_map._errors import AleppoMapError
from aleppo_map.analysis import areas as stats
from aleppo_map.analysis import front as front_mod
from aleppo_map.gazetteer import normalise

if TYPE_CHECKING:
    from aleppo_map.battle import Battle
    from aleppo_map.project import Project

#: Package and folder the Leaflet files are read from.
LEAFLET_PACKAGE = "js_lib_leaflet"
LEAFLET_DIST = "django-js-lib-leaflet"
#: CDN the online page links Leaflet from (pinned with integrity hashes).
LEAFLET_CDN = "https://unpkg.com/leaflet@{version}/dist/{file}"
#: Fill opacity of the district polygons (tiles show through when they are on).
FILL_OPACITY = 0.8
#: The explorer's script, in the order the page concatenates it (see each file's header).
JS_MODULES: tuple[str, ...] = ("state.js", "map.js", "panel.js", "controls.js", "export.js",
                               "context.js", "main.js")
#: The explorer's stylesheet.
CSS_FILE = "explorer.css"
#: Element id of the map (the script's variable is ``map_<id>``).
MAP_ID = "explorer"

_TEMPLATES = "templates"
_STATIC = "static"


# ----------------------------------------------------------------------------- jinja
def _dumps(obj: Any, **kwargs: Any) -> str:
    """Compact JSON for the page (jinja's ``tojson`` then escapes ``<>&'`` for HTML)."""
    text = json.dumps(obj, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    # Line and paragraph separators are legal in JSON strings but old JS engines choke.
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


@lru_cache(maxsize=1)
def _env() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("aleppo_map.render", _TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )
    env.policies["json.dumps_function"] = _dumps
    env.policies["json.dumps_kwargs"] = {}
    return env


def _asset(name: str) -> str:
    """Text of a file of ``static/`` (script or stylesheet), checked to be embeddable."""
    text = (importlib.resources.files("aleppo_map.render") / _STATIC / name).read_text("utf-8")
    _check_embeddable(text, name)
    return text


def explorer_script() -> str:
    """Return the explorer's script: the modules of :data:`JS_MODULES`, in order.

    Returns
    -------
    str
        The concatenated JavaScript (it defines ``startExplorer(map, data)``).
    """
    return "\n".join(_asset(name) for name in JS_MODULES)


def _check_embeddable(text: str, what: str) -> None:
    low = text.lower()
    for closing in ("</script", "</style", "<!--"):
        if closing in low:
            raise AleppoMapError(
                f"{what}: cannot be inlined in the page, it contains {closing!r} "
                "(expected script or style text without closing tags)"
            )


class _Verbatim(Element):
    """A rendered fragment inserted as is.

    branca compiles the output of every macro into a *new* jinja template before the
    figure renders; data containing ``{{`` or ``{%`` would then be evaluated. Our
    fragments are final, so they bypass that second pass.
    """

    def __init__(self, text: str) -> None:
        super().__init__()
        self._name = "Verbatim"
        self._text = text

    def render(self, **kwargs: Any) -> str:
        """Return the fragment unchanged."""
        return self._text


def _render_parts(element: Element, kwargs: Mapping[str, Any]) -> None:
    """Render the header/html/script macros of *element* into its figure, once."""
    figure = element.get_root()
    if not isinstance(figure, Figure):  # pragma: no cover - programming error
        raise TypeError("the element must be inside a branca Figure to render")
    module = element._template.module
    for part in ("header", "html", "script"):
        macro = getattr(module, part, None)
        if macro is not None:
            getattr(figure, part).add_child(
                _Verbatim(str(macro(element, dict(kwargs)))), name=element.get_name()
            )
    for child in list(element._children.values()):
        child.render(**kwargs)


# ----------------------------------------------------------------------------- leaflet
def _sri(data: bytes) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(data).digest()).decode("ascii")


def _leaflet_licence() -> str:
    try:
        dist = importlib.metadata.distribution(LEAFLET_DIST)
    except importlib.metadata.PackageNotFoundError:  # pragma: no cover - install problem
        return ""
    for name in ("LICENSE", "licenses/LICENSE", "LICENSE.txt"):
        text = dist.read_text(name)
        if text:
            return text
    return ""  # pragma: no cover


@lru_cache(maxsize=2)
def leaflet_assets(*, inline: bool) -> dict[str, Any]:
    """Leaflet's script and stylesheet, from the ``django-js-lib-leaflet`` package.

    Parameters
    ----------
    inline : bool
        Return the file contents (for a self-contained page); otherwise only the CDN
        addresses and their Subresource-Integrity hashes.

    Returns
    -------
    dict
        ``version``, ``js_url``, ``css_url``, ``js_sri``, ``css_sri``, ``licence``,
        ``js`` and ``css`` (empty unless *inline*). The stylesheet's images are
        turned into ``data:`` URIs so the inlined page requests nothing.

    Raises
    ------
    AleppoMapError
        When the package is not installed.
    """
    try:
        root = importlib.resources.files(LEAFLET_PACKAGE) / "static" / LEAFLET_PACKAGE
        js = (root / "leaflet.js").read_bytes()
        css = (root / "leaflet.css").read_bytes()
    except (ModuleNotFoundError, FileNotFoundError):
        raise AleppoMapError(
            f"the interactive map needs Leaflet from the Python package {LEAFLET_DIST!r}; "
            f"install it with: pip install {LEAFLET_DIST}"
        ) from None
    match = re.search(rb"Leaflet (\d+\.\d+\.\d+)", js[:300])
    version = match.group(1).decode() if match else "1.9.4"
    out: dict[str, Any] = {
        "version": version,
        "js_url": LEAFLET_CDN.format(version=version, file="leaflet.js"),
        "css_url": LEAFLET_CDN.format(version=version, file="leaflet.css"),
        "js_sri": _sri(js),
        "css_sri": _sri(css),
        "licence": _leaflet_licence(),
        "js": "",
        "css": "",
    }
    if inline:
        css_text = css.decode("utf-8")

        def data_uri(m: re.Match[str]) -> str:
            png = (root / "images" / m.group(1)).read_bytes()
            return "url(data:image/png;base64," + base64.b64encode(png).decode("ascii") + ")"

        css_text = re.sub(r"url\(images/([\w.-]+\.png)\)", data_uri, css_text)
        js_text = js.decode("utf-8")
        _check_embeddable(js_text, "leaflet.js")
        _check_embeddable(css_text, "leaflet.css")
        out["js"] = Markup(js_text)
        out["css"] = Markup(css_text)
    licence = out["licence"].replace("*/", "* /")  # it sits in a /* comment */
    _check_embeddable(licence, "Leaflet's licence")
    out["licence"] = Markup(licence)
    return out


# ----------------------------------------------------------------------------- elements
class ControlMap(folium.Map):
    """A folium map laid out beside the explorer's panels, with only Leaflet loaded.

    folium's default page also loads jQuery, Bootstrap and Font Awesome from CDNs;
    the explorer needs none of them. Tiles are not added here: the explorer's script
    adds them as an optional layer (see :func:`page_data`, key ``tiles``).

    Parameters
    ----------
    inline : bool
        Inline Leaflet (a self-contained page); otherwise link it from a CDN.
    **kwargs
        Passed to :class:`folium.Map`.
    """

    default_js: list[tuple[str, str]] = []  # noqa: RUF012 - folium's class attribute
    default_css: list[tuple[str, str]] = []  # noqa: RUF012

    def __init__(self, *, inline: bool, **kwargs: Any) -> None:
        super().__init__(tiles=None, **kwargs)
        self._id = MAP_ID
        self._template = _env().get_template("map.html.j2")
        self.inline = inline
        self.leaflet = leaflet_assets(inline=inline)
        self.map_options = {
            "center": self.location,
            "zoom": self.options.get("zoom", 13),
            "zoomSnap": 0.25,
            "keyboard": False,  # the arrow keys step through days
            "preferCanvas": False,  # SVG paths, so that hatch patterns are <pattern> fills
        }

    def render(self, **kwargs: Any) -> None:  # type: ignore[override]  # folium's returns None
        """Render the header (Leaflet), the map container and the map's creation."""
        _render_parts(self, kwargs)


class Explorer(folium.MacroElement):
    """The time explorer: controls, legend, totals, chart, hover and history panel.

    Parameters
    ----------
    payload : dict
        The page data (see :func:`page_data`), passed to the script with ``tojson``.
    """

    def __init__(self, payload: Mapping[str, Any]) -> None:
        super().__init__()  # type: ignore[no-untyped-call]  # folium is untyped
        self._name = "Explorer"
        self._id = MAP_ID
        self._template = _env().get_template("explorer.html.j2")
        self.payload = payload
        self.css = Markup(_asset(CSS_FILE))
        self.js = Markup(explorer_script())

    def render(self, **kwargs: Any) -> None:  # type: ignore[override]  # folium's returns None
        """Render the stylesheet, the panels and the script, once."""
        _render_parts(self, kwargs)


# ----------------------------------------------------------------------------- data
def _round_geoms(geoms: Sequence[Any], decimals: int) -> np.ndarray:
    arr = np.asarray(geoms, dtype=object)
    arr = shapely.transform(arr, lambda c: np.round(c, decimals))
    return shapely.remove_repeated_points(arr)


def _num(x: float, nd: int = 4) -> float | int:
    """Round for the page, dropping a useless ``.0``."""
    v = round(float(x), nd)
    return int(v) if v == int(v) else v


def _segments(project: Project, index: Mapping[str, int], day_index: Mapping[date, int],
              row_index: Mapping[str, int]) -> list[list[list[Any]]]:
    """Per district, the days on which its state changed and the state from then on.

    Read from the timeline's intervals (one per district and state), never from a
    table of every district on every day. *day_index* is kept for callers; the
    intervals already carry day numbers.
    """
    iv = project.timeline.intervals
    code = {c: i for i, c in enumerate(project.battle.side_ids)}
    mapped = iv["district_id"].map(index)
    keep = mapped.notna().to_numpy()
    di = mapped.to_numpy()[keep].astype(int)
    first = iv["first"].to_numpy()[keep]
    ctrl = iv["controller"].to_numpy()[keep]
    share = iv["share"].to_numpy(dtype=float)[keep]
    rem = iv["remainder"].fillna("").to_numpy()[keep]
    cid = iv["change_id"].to_numpy()[keep]
    # date windows (see aleppo_map.timeline): the two candidate sides, the row of the window
    start = project.timeline.dates[0]
    since = np.array([(d - start).days for d in iv["since"]], dtype=np.int64)[keep]
    n = int(keep.sum())
    unc = (iv["uncertain"].to_numpy(dtype=bool)[keep] if "uncertain" in iv.columns
           else np.zeros(n, dtype=bool))

    def col(name: str) -> np.ndarray:
        return (iv[name].fillna("").to_numpy()[keep] if name in iv.columns
                else np.full(n, "", dtype=object))

    before, after, wcid = col("before_controller"), col("after_controller"), col("window_change_id")
    out: list[list[list[Any]]] = [[] for _ in index]
    for k in np.lexsort((first, di)):
        out[int(di[k])].append([
            int(first[k]), code[ctrl[k]], _num(share[k], 3),
            code[rem[k]] if rem[k] else -1, row_index.get(cid[k], -1),
            int(since[k]), int(unc[k]),
            code[before[k]] if unc[k] else -1, code[after[k]] if unc[k] else -1,
            row_index.get(wcid[k], -1) if unc[k] else -1,
        ])
    return out


def _shared(column: Any) -> list[Any]:
    """List the values of a column (a pandas Series), equal values as one object.

    The history repeats a few words (sides, events, statuses) in every row; one
    string object per distinct value keeps the page data O(rows) small.
    """
    seen: dict[Any, Any] = {}
    return [seen.setdefault(v, v) for v in column.tolist()]


def _rows(project: Project, index: Mapping[str, int],
          cites: dict[tuple[str, int], int] | None = None) -> list[dict[str, Any]]:
    """List the rows of the history panel, with their citation and fate.

    Each citation is written once: a row's ``ci`` is its index in *cites* (filled
    here, in order of first use; its keys are ``(source id, line)``), whose texts
    :func:`page_data` sends as ``cites``.
    """
    hist = project.timeline.history
    hist = hist[hist["district_id"].isin(index.keys())]
    cites = {} if cites is None else cites
    cols = {c: _shared(hist[c]) if c in hist.columns else [""] * len(hist)
            for c in ("change_id", "date", "district_id", "controller", "extent", "share",
                      "remainder", "event", "basis", "confidence", "source_id", "line",
                      "status", "disputed", "aggregate", "note", "window")}
    iso = {d: d.isoformat() for d in set(cols["date"])}
    rows = []
    for k in range(len(hist)):
        key = (str(cols["source_id"][k]), int(cols["line"][k]))
        ci = cites.get(key)
        if ci is None:
            ci = cites[key] = len(cites)
        rows.append({
            "id": str(cols["change_id"][k]),
            "date": iso[cols["date"][k]],
            "d": index[cols["district_id"][k]],
            "c": str(cols["controller"][k]),
            "x": str(cols["extent"][k]),
            "s": _num(float(cols["share"][k]), 3),
            "r": str(cols["remainder"][k] or ""),
            "ev": str(cols["event"][k]),
            "b": str(cols["basis"][k]),
            "cf": str(cols["confidence"][k]),
            "src": key[0],
            "ln": key[1],
            "ci": ci,
            "st": str(cols["status"][k]),
            "dp": bool(cols["disputed"][k]),
            "ag": str(cols["aggregate"][k] or ""),
            "note": str(cols["note"][k] or ""),
            "win": str(cols["window"][k] or ""),
        })
    return rows


def _totals(project: Project) -> tuple[list[list[float]], dict[str, Any]]:
    """km² per side per day, and shares of the battle's reference area, from :mod:`.stats`.

    The page shows the very numbers ``aleppo-map stats`` prints.
    """
    table = stats.daily_stats(project)
    sides = project.battle.side_ids
    km2 = table[[f"{side}_km2" for side in sides]].to_numpy(dtype=float)
    pct = table[[f"east_{side}_pct" for side in sides]].to_numpy(dtype=float)
    east = stats.east_ids(project)
    share = None if np.isnan(pct).all() else [[_num(v / 100, 4) for v in row] for row in pct]
    # ground inside a date window, counted apart by stats (see aleppo_map.timeline)
    unc_km2 = (table["uncertain_km2"].to_numpy(dtype=float) if "uncertain_km2" in table
               else np.zeros(len(table)))
    unc_pct = (table["east_uncertain_pct"].to_numpy(dtype=float)
               if "east_uncertain_pct" in table else np.zeros(len(table)))
    return (
        [[_num(v, 3) for v in row] for row in km2],
        {"km2": _num(stats.east_km2(project) if east else 0.0, 2), "n": len(east),
         "share": share, "day": project.battle.first_day.isoformat(),
         "unc_km2": [_num(v, 3) for v in unc_km2],
         "unc_share": None if share is None else [_num(v / 100, 4) for v in unc_pct]},
    )


#: Names the page gives the keys of a history row (see :func:`_rows`).
ROW_KEYS: Mapping[str, str] = {
    "id": "id", "date": "date", "d": "district", "c": "side", "x": "extent", "s": "share",
    "r": "rest", "ev": "event", "b": "basis", "cf": "confidence", "src": "source", "ln": "line",
    "ci": "cite", "st": "status", "dp": "disputed", "ag": "aggregate", "note": "note",
    "win": "window",
}
def row_records(data: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Turn the history columns of :func:`page_data` back into one dict per row.

    Parameters
    ----------
    data : Mapping
        The page data (or the payload decoded from a page).

    Returns
    -------
    list of dict
        Rows with the keys of :data:`ROW_KEYS`' values.
    """
    cols = data["rows"]
    n = len(cols["id"])
    return [{k: cols[k][i] for k in cols} for i in range(n)]


#: Names the page gives the columns of a district's state segments (see :func:`_segments`).
SEGMENT_KEYS: tuple[str, ...] = ("day", "side", "share", "rest", "row", "since", "unc", "from",
                                  "to", "win")


def _named_segments(segs: Sequence[Sequence[Sequence[Any]]]) -> list[dict[str, list[Any]]]:
    """Per district, its segments as named columns (:data:`SEGMENT_KEYS`)."""
    return [{key: [seg[k] for seg in district] for k, key in enumerate(SEGMENT_KEYS)}
            for district in segs]


def _battle(project: Project) -> Battle:
    return project.battle


def _tiles(cdn: bool) -> dict[str, Any]:
    """Describe the optional street-map layer (OpenStreetMap, from ``xyzservices``)."""
    provider = xyz.OpenStreetMap.Mapnik
    return {
        "url": provider.build_url(), "attribution": provider.html_attribution,
        "text": provider.attribution, "maxZoom": int(provider.get("max_zoom", 19)), "on": cdn,
    }


def page_data(project: Project, *, figures: Iterable[Mapping[str, Any]] = (),
              cdn: bool = False) -> dict[str, Any]:
    """Everything the page's script needs, as JSON-ready Python objects with named keys.

    Parameters
    ----------
    project : Project
        Loaded inputs, with a district layer.
    figures : Iterable of mapping
        The sources' own numbers to show for each day: items with ``date``
        (YYYY-MM-DD), ``text`` and ``verdict``.
    cdn : bool
        Whether the page is the linked (online) variant: its street-map tiles start on.

    Returns
    -------
    dict
        ``title`` and ``slug`` (of the battle), ``dates``, ``sides`` (``id``, ``label``,
        ``short``, ``colour``, ``hatch`` in legend order), ``districts`` (``id``, names
        ``en``/``ar``, ``sector``, ``kind``, ``area``, label point ``pt``, geometry ``g``
        rounded to ``settings.coord_decimals``), ``states`` (per district, the columns
        ``day``, ``side`` (index of ``sides``), ``share``, ``rest`` (index, -1 when held
        whole), ``row`` (history row, -1 when none), ``since`` (day the state began,
        which a date window may split into segments), ``unc`` (1 inside a date window:
        the texts do not say whether the change of history row ``win`` had happened;
        ``from`` and ``to`` are the two candidate sides, -1 when settled) of each state
        it went through),
        ``rows`` (the history, as columns named by :data:`ROW_KEYS`: a third of the bytes of
        one object per row; ``cite`` indexes ``cites``; see :func:`row_records`), ``cites``
        (each citation once), ``citeUrls`` (for each citation the link to the version read,
        or ""), ``area`` (km² per
        side id per day), ``reference`` (the battle's reference area: ``label``,
        ``description``, ``side``, ``day``, ``km2``, ``n``, ``excluded`` and ``share``,
        per side id per day, or ``None``), ``uncertain`` (``area``: km² inside a date
        window per day; ``share``: the part of the reference area inside one, or
        ``None``), ``figures``, ``meta``, ``boundaries`` (which boundaries are drawn, see
        :func:`_boundaries`), ``edges`` (the shared boundaries the front line is made of,
        see :func:`_edges`), ``bounds``, ``tiles`` and ``fillOpacity``. Each district also
        has ``basis`` (where its shape comes from), ``note`` (why, for an estimated shape or
        a sub-area), ``parent`` (index of the district a sub-area lies in) and ``names``
        (its spellings, normalised, for the search box).

    Raises
    ------
    AleppoMapError
        When the project has no district layer.
    """
    if project.layer is None:
        raise AleppoMapError("the interactive map needs the district geometry (load it with "
                             "with_layer=True)")
    battle = _battle(project)
    settings = project.settings
    tl = project.timeline
    gdf = project.layer.gdf
    ids = [d for d in tl.district_ids if d in gdf.index]
    index = {d: i for i, d in enumerate(ids)}
    day_index = {d: i for i, d in enumerate(tl.dates)}
    sub = gdf.loc[ids]
    geoms = _round_geoms(sub.geometry.to_numpy(), settings.coord_decimals)
    # a point surely inside each polygon, for hover/click targets and tests
    points = shapely.get_coordinates(
        _round_geoms(shapely.point_on_surface(sub.geometry.to_numpy()), settings.coord_decimals)
    )
    areas = stats.district_areas(project).reindex(ids).fillna(0.0).to_numpy()

    def column(name: str, default: str) -> list[Any]:
        if name not in sub.columns:
            return [default] * len(ids)
        values: list[Any] = sub[name].tolist()  # geopandas: untyped
        return values

    en, ar = column("name_en", ""), column("name_ar", "")
    sector, kind = column("sector", ""), column("geom_kind", "polygon")
    basis, note = column("geom_basis", ""), column("geom_note", "")
    subareas = dict(project.layer.subareas) if project.layer is not None else {}
    names = _search_keys(project, ids, en)
    districts = []
    for k, did in enumerate(ids):
        item: dict[str, Any] = {
            "id": did,
            "en": str(en[k] or did),
            "ar": str(ar[k] or ""),
            "sector": str(sector[k] or ""),
            "kind": str(kind[k] or "polygon"),
            "basis": str(basis[k] or ""),
            "area": _num(areas[k], 3),
            "pt": [_num(points[k][1], 6), _num(points[k][0], 6)],
            "g": shapely.geometry.mapping(geoms[k]),
            "names": names[k],
        }
        if item["basis"] in ("estimated", "sub-area") and note[k]:
            item["note"] = str(note[k])
        parent = index.get(subareas.get(did, ""), -1)
        if parent >= 0:
            item["parent"] = parent
        districts.append(item)
    cite_index: dict[tuple[str, int], int] = {}
    rows = _rows(project, index, cite_index)
    cites = [_citation(project, key) for key in cite_index]
    cite_urls = [_citation_url(project, key) for key in cite_index]
    row_index = {r["id"]: i for i, r in enumerate(rows)}
    for i, r in enumerate(rows):  # renamed in place: one copy of the history at a time
        rows[i] = {ROW_KEYS.get(k, k): v for k, v in r.items()}
    # _segments and _totals number the sides in the battle's order; name them by id here
    order = list(battle.side_ids)
    area, east = _totals(project)
    minx, miny, maxx, maxy = (float(v) for v in sub.total_bounds)
    layer = project.layer
    registry = project.registry
    ref = battle.reference
    reference = None
    if ref is not None:
        share = east["share"]
        reference = {
            "label": ref.label, "description": ref.description, "side": ref.side,
            "excluded": list(ref.exclude_sectors), "day": battle.first_day.isoformat(),
            "km2": east["km2"], "n": east["n"],
            "share": None if share is None else {
                side: [day[k] for day in share] for k, side in enumerate(order)},
        }
    return {
        "title": battle.title,
        "slug": battle.id,
        "dates": [d.isoformat() for d in tl.dates],
        "sides": [{"id": s.id, "label": s.label, "short": s.short,
                   "colour": settings.colours.get(s.id, s.colour), "hatch": s.hatch_colour}
                  for s in sorted(battle.sides, key=lambda s: order.index(s.id)
                                  if s.id in order else len(order))],
        "fillOpacity": FILL_OPACITY,
        "districts": districts,
        "states": _named_segments(_segments(project, index, day_index, row_index)),
        "rows": {name: [r.get(name) for r in rows]
                 for name in (rows[0] if rows else ROW_KEYS.values())},
        "cites": cites,
        "citeUrls": cite_urls,
        "area": {side: [day[k] for day in area] for k, side in enumerate(order)},
        "uncertain": {"area": east["unc_km2"], "share": east["unc_share"]},
        "reference": reference,
        "figures": [_figure_item(f) for f in figures],
        "meta": {
            "changes": Path(project.changes_path).name,
            "nrows": len(project.changes),
            "sources": [str(registry.title(s)) for s in sorted(set(project.changes["source_id"]))],
            "coverage": str(layer.coverage_line()),
            "attribution": layer.attribution,
        },
        "boundaries": _boundaries(project, districts),
        "edges": _edges(project, index),
        "bounds": [[round(miny, 5), round(minx, 5)], [round(maxy, 5), round(maxx, 5)]],
        "tiles": _tiles(cdn),
    }


def _search_keys(project: Project, ids: Sequence[str], en: Sequence[Any]) -> list[list[str]]:
    """Per district, every spelling the search box matches, folded by :func:`normalise`.

    The gazetteer's aliases (and English and Arabic names) when it knows the district,
    else the layer's English name and the id; each key once.
    """
    gaz = getattr(project, "gazetteer", None)
    frame = gaz.frame if gaz is not None else None
    extra: dict[str, list[str]] = {}
    if frame is not None:  # the columns once, not a .loc per district
        ar = frame["name_ar"].fillna("").astype(str) if "name_ar" in frame.columns else None
        for k, (did, name, aliases) in enumerate(zip(frame.index, frame["name_en"],
                                                      frame["aliases"], strict=True)):
            extra[str(did)] = [str(name), *aliases, *([ar.iloc[k]] if ar is not None else [])]
    out = []
    for k, did in enumerate(ids):
        spellings = [str(en[k] or ""), did.replace("-", " "), *extra.get(did, [])]
        keys = [normalise(x) for x in dict.fromkeys(x for x in spellings if x)]
        out.append(list(dict.fromkeys(x for x in keys if x)))
    return out


def _boundaries(project: Project, districts: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Say which boundaries the page draws.

    ``kind`` (``real`` for the CSR-derived layer, ``file`` for the user's), the counts
    ``real``, ``estimated``, ``subareas`` and ``points``, and ``text``, one line for the
    header.
    """
    count: dict[str, int] = {}
    for d in districts:
        count[d["basis"]] = count.get(d["basis"], 0) + 1
    layer = project.layer
    embedded = layer is not None and bool(layer.attribution)
    real = count.get("csr", 0)
    est = count.get("estimated", 0)
    sub = count.get("sub-area", 0)
    pts = count.get("missing", 0)
    if embedded:
        text = f"Boundaries: {real} real (CSR-derived)"
        kind = "real"
    else:
        source = Path(str(getattr(layer, "source", "") or "your boundary file")).name
        text = f"Boundaries: your file {source} ({len(districts) - sub - pts} polygons)"
        kind = "file"
    if est:
        text += f", {est} estimated"
    if sub:
        text += f", {sub} sub-areas as markers"
    if pts:
        text += f", {pts} without a polygon (dots)"
    return {"kind": kind, "real": real, "estimated": est, "subareas": sub, "points": pts,
            "text": text + "."}


def _edges(project: Project, index: Mapping[str, int]) -> dict[str, Any]:
    """List the shared boundaries of neighbouring districts, computed once.

    See :func:`aleppo_map.analysis.front.shared_edges`. Columns ``id`` (the row of
    :func:`~aleppo_map.analysis.front.project_edges`; left out when it is 0, 1, 2, ...),
    ``a`` and ``b`` (indices of ``districts``) and ``g`` (the line's parts, each a flat list
    of integers: latitude and longitude in units of ``1/scale`` degree, each point as its
    step from the point before, across all parts of all edges in order, the first from 0;
    ``scale`` is ``10**settings.coord_decimals``, so the edges are rounded like the
    polygons). The page draws, each day, the edges whose majority holders differ.
    """
    scale = 10 ** int(project.settings.coord_decimals)
    out: dict[str, Any] = {"id": [], "a": [], "b": [], "g": [], "scale": scale}
    try:
        edges = front_mod.project_edges(project)
    except AleppoMapError:
        return out
    if edges.empty:
        return out
    ia = edges["a"].map(index)
    ib = edges["b"].map(index)
    geo = edges.to_crs("EPSG:4326").geometry.to_numpy()
    keep = (ia.notna() & ib.notna()).to_numpy() & ~shapely.is_empty(geo)
    rows = np.flatnonzero(keep)
    # every point of every part of every kept edge, at once (no loop over edges in Python)
    parts, part_edge = shapely.get_parts(geo[keep], return_index=True)
    coords, point_part = shapely.get_coordinates(parts, return_index=True)
    ints = np.rint(coords[:, ::-1] * scale).astype(np.int64)  # lat, lon
    # the rounding can repeat a point: keep the first (as _round_geoms does for polygons)
    same = np.zeros(len(ints), dtype=bool)
    same[1:] = (ints[1:] == ints[:-1]).all(axis=1) & (point_part[1:] == point_part[:-1])
    ints, point_part = ints[~same], point_part[~same]
    steps = np.diff(ints, axis=0, prepend=np.zeros((1, 2), dtype=np.int64)).ravel().tolist()
    ends = np.cumsum(np.bincount(point_part, minlength=len(parts))) * 2
    flat = [steps[b:e] for b, e in zip(np.r_[0, ends[:-1]], ends, strict=True)]
    per_edge = np.cumsum(np.bincount(part_edge, minlength=len(rows)))
    out["id"] = rows.tolist()
    out["a"] = ia.to_numpy()[keep].astype(int).tolist()
    out["b"] = ib.to_numpy()[keep].astype(int).tolist()
    out["g"] = [[p for p in flat[b:e] if p] for b, e in zip(np.r_[0, per_edge[:-1]], per_edge,
                                                             strict=True)]
    if out["id"] == list(range(len(out["id"]))):
        del out["id"]  # the page numbers them 0, 1, 2, ...
    return out


def _citation(project: Project, key: tuple[str, int]) -> str:
    """Human citation of one (source id, line), from the project's registry."""
    return str(project.registry.citation(*key))


def _citation_url(project: Project, key: tuple[str, int]) -> str:
    """Link to the cited version of a source (``""`` when the registry records none)."""
    record = getattr(project.registry, "citation_record", None)
    url = str(record(*key).get("url", "")) if record is not None else ""
    return url if url.startswith(("https://", "http://")) else ""


#: Optional keys of a figure item shown by the page (see :func:`aleppo_map.analysis.claims.html_items`).
FIGURE_KEYS: tuple[str, ...] = ("claim", "when", "source", "claimed", "computed", "reason")


def _figure_item(item: Mapping[str, Any]) -> dict[str, str]:
    out = {"date": str(item["date"]), "text": str(item["text"]),
           "verdict": str(item.get("verdict", "") or "")}
    for key in FIGURE_KEYS:
        value = item.get(key)
        if value is not None and str(value) != "":
            out[key] = str(value)
    return out


def _default_figures(project: Project) -> list[dict[str, Any]]:
    """Get the sources' own numbers from :mod:`aleppo_map.analysis.claims`, when it and its table exist."""
    path = getattr(project.settings, "figures_path", None)
    if path is None or not Path(path).is_file():
        return []
    try:
        from aleppo_map.analysis import claims as figures_module
    except ImportError:
        return []
    items = getattr(figures_module, "html_items", None)
    if items is None:
        return []
    return list(items(project))


# ----------------------------------------------------------------------------- public
def build_map(project: Project, *, cdn: bool = False,
              figures: Iterable[Mapping[str, Any]] | None = None) -> ControlMap:
    """Build the folium map with the explorer on it.

    Parameters
    ----------
    project : Project
        Loaded inputs, with a district layer.
    cdn : bool
        Link Leaflet from a CDN and show street-map tiles (a smaller page that needs the
        network); by default Leaflet and every script and style are inlined.
    figures : Iterable of mapping, optional
        The sources' own numbers (``date``, ``text``, ``verdict``); default: those of
        :mod:`aleppo_map.analysis.claims` when present, else none.

    Returns
    -------
    ControlMap
        The map, inside a branca Figure.
    """
    items = _default_figures(project) if figures is None else list(figures)
    payload = page_data(project, figures=items, cdn=cdn)
    (s, w), (n, e) = payload["bounds"]
    fmap = ControlMap(
        inline=not cdn,
        location=[(s + n) / 2, (w + e) / 2],
        zoom_start=13,
    )
    figure = fmap.get_root()
    if isinstance(figure, Figure):
        figure.title = Markup.escape(payload["title"])
    fmap.add_child(Explorer(payload), name="explorer")
    return fmap


def render_page(project: Project, *, cdn: bool = False,
                figures: Iterable[Mapping[str, Any]] | None = None) -> str:
    """Return the explorer page as HTML text.

    Parameters
    ----------
    project : Project
        Loaded inputs, with a district layer.
    cdn : bool
        As for :func:`build_map`; by default one self-contained page that makes no
        request until the reader switches the street map on.
    figures : Iterable of mapping, optional
        As for :func:`build_map`.

    Returns
    -------
    str
        The page.
    """
    return build_map(project, cdn=cdn, figures=figures).get_root().render()


def write_map(project: Project, dest: Path, *, cdn: bool = False,
              figures: Iterable[Mapping[str, Any]] | None = None, overwrite: bool = False) -> Path:
    """Write the interactive explorer to *dest* (atomically).

    Parameters
    ----------
    project : Project
        Loaded inputs, with a district layer.
    dest : pathlib.Path
        The HTML file to write.
    cdn : bool
        As for :func:`build_map`; by default one self-contained file that works with the
        network cut.
    figures : Iterable of mapping, optional
        As for :func:`build_map`.
    overwrite : bool
        Replace *dest* when it exists (otherwise that is an error).

    Returns
    -------
    pathlib.Path
        *dest*.
    """
    return io.atomic_write_text(Path(dest), render_page(project, cdn=cdn, figures=figures),
                                overwrite=overwrite)
