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
import difflib
import hashlib
import importlib.metadata
import importlib.resources
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import folium
import jinja2
import numpy as np
import pandas as pd
import pyproj
import shapely
import xyzservices.providers as xyz
from branca.element import Element, Figure
from markupsafe import Markup

from aleppo_map import _io as io
from aleppo_map._errors import AleppoMapError
from aleppo_map.analysis import areas as stats
from aleppo_map.analysis import front as front_mod
from aleppo_map.gazetteer.normalise import normalise_many

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
JS_MODULES: tuple[str, ...] = ("state.js", "patterns.js", "map.js", "panel.js", "controls.js",
                               "export.js", "painter.js", "front.js", "context.js",
                               "landmarks.js",  # landmark markers and their history
                               "main.js")
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


def _nums(values: Any, nd: int) -> list[float | int]:
    """:func:`_num` over an array, at once."""
    arr = np.round(np.asarray(values, dtype=float), nd)
    whole = arr == np.floor(arr)
    out: list[float | int] = arr.tolist()
    for k in np.flatnonzero(whole).tolist():
        out[k] = int(arr[k])
    return out


def _cat(values: Iterable[Any]) -> dict[str, Any]:
    """Encode a text column as its distinct values (``v``, in order of first use) and codes (``i``).

    The history repeats a few words (sides, events, statuses, dates) in every row: the page
    carries each once, and a row refers to it by its index. A column of one value is
    that value and the number of rows (``n``).
    """
    items = list(values)
    arr = np.empty(len(items), dtype=object)  # strings stay objects (no numpy str type)
    arr[:] = items
    codes, vocab = pd.factorize(arr)  # in order of first use
    if len(vocab) == 1:  # the same value in every row: no codes
        return {"v": vocab.tolist(), "n": len(codes)}
    return {"v": vocab.tolist(), "i": codes.tolist()}


def _uncat(col: Any) -> list[Any]:
    """Undo :func:`_cat` (a plain list is returned as it is)."""
    if isinstance(col, Mapping):
        vocab = col["v"]
        if "i" not in col:
            return [vocab[0]] * int(col["n"])
        return [vocab[i] for i in col["i"]]
    return list(col)


#: Names the page gives the keys of a history row, in order (see :func:`_rows`).
ROW_KEYS: Mapping[str, str] = {
    "id": "id", "date": "date", "d": "district", "c": "side", "x": "extent", "s": "share",
    "r": "rest", "ev": "event", "b": "basis", "cf": "confidence", "src": "source", "ln": "line",
    "ci": "cite", "st": "status", "dp": "disputed", "ag": "aggregate", "note": "note",
    "win": "window",
}


def _rows(project: Project, index: Mapping[str, int],
          cites: dict[tuple[str, int], int]) -> dict[str, Any]:
    """List the rows of the history panel, as columns named by :data:`ROW_KEYS`' values.

    Each citation is written once: a row's ``cite`` is its index in *cites* (filled
    here, in order of first use; its keys are ``(source id, line)``). The text columns
    that repeat a few words are encoded by :func:`_cat`; ``disputed`` is 0 or 1.
    """
    hist = project.timeline.history
    hist = hist[hist["district_id"].isin(index.keys())]
    n = len(hist)

    def col(name: str) -> list[Any]:
        return hist[name].tolist() if name in hist.columns else [""] * n

    def text(name: str) -> list[str]:
        return [str(v or "") for v in col(name)]

    src = [str(v) for v in col("source_id")]
    line = [int(v) for v in col("line")]
    ci = [cites.setdefault(key, len(cites)) for key in zip(src, line, strict=True)]
    iso: dict[Any, str] = {}
    dates = [iso.get(d) or iso.setdefault(d, d.isoformat()) for d in col("date")]
    return {
        "id": [str(v) for v in col("change_id")],
        "date": _cat(dates),
        "district": [index[d] for d in col("district_id")],
        "side": _cat(text("controller")),
        "extent": _cat(text("extent")),
        "share": _nums(col("share"), 3),
        "rest": _cat(text("remainder")),
        "event": _cat(text("event")),
        "basis": _cat(text("basis")),
        "confidence": _cat(text("confidence")),
        "source": _cat(src),
        "line": line,
        "cite": ci,
        "status": _cat(text("status")),
        "disputed": [int(bool(v)) for v in col("disputed")],
        "aggregate": _cat(text("aggregate")),
        "note": text("note"),
        "window": _cat(text("window")),
    }


def row_records(data: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Turn the history columns of :func:`page_data` back into one dict per row.

    Parameters
    ----------
    data : Mapping
        The page data (or its packed form, as carried by the page: see
        :func:`page_payload`).

    Returns
    -------
    list of dict
        Rows with the keys of :data:`ROW_KEYS`' values.
    """
    cols = {k: _uncat(v) for k, v in data["rows"].items()}
    if cols and cols["disputed"] and not isinstance(cols["disputed"][0], bool):
        cols["disputed"] = [bool(v) for v in cols["disputed"]]
    n = len(cols["id"])
    return [{k: cols[k][i] for k in cols} for i in range(n)]


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


#: Names the page gives the columns of a district's state segments (see :func:`_states`).
SEGMENT_KEYS: tuple[str, ...] = ("day", "side", "share", "rest", "row", "since", "unc", "from",
                                  "to", "win")


def _states(project: Project, index: Mapping[str, int],
            row_index: Mapping[str, int]) -> dict[str, Any]:
    """Every district's state segments, as flat columns (districts in order).

    Read from the timeline's intervals (one per district and state), never from a
    table of every district on every day. ``n`` is the number of segments of each
    district; ``day``, ``side``, ``share``, ``rest`` and ``row`` one value per segment
    (see :func:`page_data`). The rare values are sparse: ``since`` (``at``, the segments
    whose state began before their first day, and ``v``, that day) and ``unc`` (``at``,
    the segments inside a date window, with their ``from``, ``to`` and ``win``).
    """
    iv = project.timeline.intervals
    code = {c: i for i, c in enumerate(project.battle.side_ids)}
    mapped = iv["district_id"].map(index)
    keep = mapped.notna().to_numpy()
    di = mapped.to_numpy()[keep].astype(np.int64)
    first = iv["first"].to_numpy()[keep].astype(np.int64)
    order = np.lexsort((first, di))
    di, first = di[order], first[order]

    def col(name: str, default: Any = "") -> np.ndarray:
        if name not in iv.columns:
            return np.full(len(di), default, dtype=object)
        values = iv[name]
        if default == "":
            values = values.fillna("")
        return values.to_numpy()[keep][order]

    ctrl, rem = col("controller"), col("remainder")
    start = project.timeline.dates[0]
    since = np.array([(d - start).days for d in iv["since"]], dtype=np.int64)[keep][order]
    unc = (iv["uncertain"].to_numpy(dtype=bool)[keep][order] if "uncertain" in iv.columns
           else np.zeros(len(di), dtype=bool))
    rows = [row_index.get(c, -1) for c in col("change_id").tolist()]
    at = np.flatnonzero(unc).tolist()
    before, after, wcid = col("before_controller"), col("after_controller"), col("window_change_id")
    moved = np.flatnonzero(since != first).tolist()
    return {
        "n": np.bincount(di, minlength=len(index)).tolist(),
        "day": first.tolist(),
        "side": [code[c] for c in ctrl.tolist()],
        "share": _nums(col("share", 1.0).astype(float), 3),
        "rest": [code[r] if r else -1 for r in rem.tolist()],
        "row": rows,
        "since": {"at": moved, "v": since[moved].tolist()},
        "unc": {"at": at, "from": [code[before[k]] for k in at],
                "to": [code[after[k]] for k in at],
                "win": [row_index.get(wcid[k], -1) for k in at]},
    }


def _unpack_states(st: Mapping[str, Any]) -> list[dict[str, list[Any]]]:
    """Per district, its segments as named columns (:data:`SEGMENT_KEYS`), from :func:`_states`."""
    total = len(st["day"])
    since = list(st["day"])
    for k, v in zip(st["since"]["at"], st["since"]["v"], strict=True):
        since[k] = v
    unc, frm, to, win = [0] * total, [-1] * total, [-1] * total, [-1] * total
    u = st["unc"]
    for k, a, b, w in zip(u["at"], u["from"], u["to"], u["win"], strict=True):
        unc[k], frm[k], to[k], win[k] = 1, a, b, w
    cols = {"day": st["day"], "side": st["side"], "share": st["share"], "rest": st["rest"],
            "row": st["row"], "since": since, "unc": unc, "from": frm, "to": to, "win": win}
    out = []
    lo = 0
    for n in st["n"]:
        out.append({key: list(cols[key][lo:lo + n]) for key in SEGMENT_KEYS})
        lo += n
    return out


#: Geometry types of :func:`_geometry`: ``type`` codes of the page.
GEOM_TYPES: tuple[str, ...] = ("Polygon", "MultiPolygon", "Point")


def _geometry(geoms: np.ndarray, decimals: int) -> dict[str, Any]:
    """Every district's (rounded) geometry as flat integer columns, encoded at once.

    ``type`` (index of :data:`GEOM_TYPES`, or -1 for another type, whose GeoJSON is in
    ``other`` under the district's index), ``parts`` (polygons of each district; 1 for a
    point), ``rings`` (rings of each polygon), ``verts`` (points of each ring, without the
    closing one; a point is one ring of one point) and ``c``: latitude and longitude of
    every point in units of ``1/scale`` degree (``scale = 10**decimals``), each as its step
    from the point before, across all districts in order, the first from 0. No loop
    over districts in Python; the page decodes it in one pass.
    """
    scale = 10 ** int(decimals)
    tid = shapely.get_type_id(geoms)
    known = {3: 0, 6: 1, 0: 2}
    code = np.array([known.get(int(t), -1) for t in tid], dtype=np.int64)
    other = {str(k): shapely.geometry.mapping(geoms[k]) for k in np.flatnonzero(code < 0).tolist()}
    simple = geoms.copy()
    simple[code < 0] = None
    parts, part_of = shapely.get_parts(simple, return_index=True)
    is_poly = shapely.get_type_id(parts) == 3
    poly_at = np.flatnonzero(is_poly)
    rings, ring_of = shapely.get_rings(parts[is_poly], return_index=True)
    # a ring-like item per ring of each polygon and per point, in part order
    items = np.concatenate([rings, parts[~is_poly]])
    item_part = np.concatenate([poly_at[ring_of], np.flatnonzero(~is_poly)])
    item_ring = np.concatenate([np.ones(len(rings), dtype=bool), np.zeros(int((~is_poly).sum()), dtype=bool)])
    order = np.argsort(item_part, kind="stable")
    items, item_part, item_ring = items[order], item_part[order], item_ring[order]
    coords, coord_of = shapely.get_coordinates(items, return_index=True)
    counts = np.bincount(coord_of, minlength=len(items))
    # drop each ring's closing point (the page closes its polygons)
    ends = np.cumsum(counts) - 1
    drop = np.zeros(len(coords), dtype=bool)
    closing = ends[item_ring & (counts > 1)]
    drop[closing] = True
    coords = coords[~drop]
    verts = counts - (item_ring & (counts > 1))
    ints = np.rint(coords[:, ::-1] * scale).astype(np.int64)  # lat, lon
    steps = np.diff(ints, axis=0, prepend=np.zeros((1, 2), dtype=np.int64)).ravel()
    return {
        "scale": scale,
        "type": code.tolist(),
        "parts": np.bincount(part_of, minlength=len(geoms)).tolist(),
        "rings": np.bincount(item_part, minlength=len(parts)).tolist(),
        "verts": verts.tolist(),
        "c": steps.tolist(),
        "other": other,
    }


def _unpack_geometry(g: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Each district's GeoJSON geometry (as ``shapely.geometry.mapping`` gives it), from :func:`_geometry`."""
    scale = g["scale"]
    c = g["c"]
    rings_of, verts_of = iter(g["rings"]), iter(g["verts"])
    la = lo = 0
    pos = 0
    out: list[dict[str, Any]] = []

    def ring(closed: bool) -> list[list[float]]:
        nonlocal la, lo, pos
        pts = []
        for _ in range(next(verts_of)):
            la += c[pos]
            lo += c[pos + 1]
            pos += 2
            pts.append([lo / scale, la / scale])
        if closed and pts:
            pts.append(list(pts[0]))
        return pts

    for k, (code, nparts) in enumerate(zip(g["type"], g["parts"], strict=True)):
        if code < 0:
            out.append(g["other"][str(k)])
            continue
        polys = []
        for _ in range(nparts):
            nrings = next(rings_of)
            if code == 2:
                polys.append([ring(closed=False) for _ in range(nrings)])
            else:
                polys.append([ring(closed=True) for _ in range(nrings)])
        if code == 2:
            out.append({"type": "Point", "coordinates": polys[0][0][0]})
        elif code == 0:
            out.append({"type": "Polygon", "coordinates": polys[0] if polys else []})
        else:
            out.append({"type": "MultiPolygon", "coordinates": polys})
    return out


def _battle(project: Project) -> Battle:
    return project.battle


def _tiles(cdn: bool) -> dict[str, Any]:
    """Describe the optional street-map layer (OpenStreetMap, from ``xyzservices``)."""
    provider = xyz.OpenStreetMap.Mapnik
    return {
        "url": provider.build_url(), "attribution": provider.html_attribution,
        "text": provider.attribution, "maxZoom": int(provider.get("max_zoom", 19)), "on": cdn,
    }


#: From this many districts the page draws them on one canvas (Leaflet's canvas renderer,
#: hatching as canvas patterns, the front line drawn by a worker) instead of one SVG path
#: each: at 1,000 districts the canvas page already loads faster and steps and jumps
#: in half the time (benchmarks/README.md, bench_page). Below it, SVG keeps every
#: district an element of its own and prints as vectors.
CANVAS_THRESHOLD = 1000
#: Values of ``renderer`` (see :func:`page_payload`).
RENDERERS: tuple[str, ...] = ("auto", "svg", "canvas")


def _renderer(renderer: str, n: int) -> str:
    """``svg`` or ``canvas`` for a page of *n* districts (*renderer* as :func:`page_payload` takes it)."""
    if renderer not in RENDERERS:
        close = difflib.get_close_matches(str(renderer), RENDERERS, 1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise AleppoMapError(f"renderer: expected one of {', '.join(RENDERERS)}, got "
                             f"{renderer!r}{hint}")
    if renderer == "auto":
        return "canvas" if n >= CANVAS_THRESHOLD else "svg"
    return renderer


def page_payload(project: Project, *, figures: Iterable[Mapping[str, Any]] = (),
                 cdn: bool = False, renderer: str = "auto") -> dict[str, Any]:
    r"""Build the page data as the page carries it: :func:`page_data`, packed into flat columns.

    The districts are columns (``districts.id``, ``districts.en``, ... with ``note`` ""
    and ``parent`` -1 when none; ``sector``, ``kind`` and ``basis`` coded by :func:`_cat`;
    ``names`` every district's search keys in a row, ``nn`` how many each), their geometry is
    ``geom`` (see :func:`_geometry`), the segments ``states`` (see :func:`_states`), the
    history's repeated words are coded (see :func:`_cat`) and the edges' parts are flat
    (``np`` parts per edge, ``nv`` points per part, ``c`` the steps). Every other key is
    as in :func:`page_data`, which is this payload unpacked (:func:`unpack_page_data`).
    The page parses fewer bytes and keeps few objects: a city of 10,000 districts loads
    in about the time of a page that only draws them.

    Parameters
    ----------
    project : Project
        Loaded inputs, with a district layer.
    figures : Iterable of mapping
        As for :func:`page_data`.
    cdn : bool
        As for :func:`page_data`.
    renderer : {"auto", "svg", "canvas"}
        How the page draws the districts (``renderer`` in the payload): SVG paths, or one
        canvas; ``auto`` is the canvas from :data:`CANVAS_THRESHOLD` districts on.

    Returns
    -------
    dict
        JSON-ready.

    Raises
    ------
    AleppoMapError
        When the project has no district layer, or *renderer* is unknown.
    """
    if project.layer is None:
        raise AleppoMapError("the interactive map needs the district geometry (load it with "
                             "with_layer=True)")
    battle = _battle(project)
    settings = project.settings
    tl = project.timeline
    gdf = project.layer.gdf
    ids = [d for d in tl.district_ids if d in gdf.index]
    mode = _renderer(renderer, len(ids))
    index = {d: i for i, d in enumerate(ids)}
    sub = gdf.loc[ids]
    raw = sub.geometry.to_numpy()
    geoms = _round_geoms(raw, settings.coord_decimals)
    # a point surely inside each polygon, for hover/click targets and tests
    points = shapely.get_coordinates(
        _round_geoms(shapely.point_on_surface(raw), settings.coord_decimals))
    areas = stats.district_areas(project).reindex(ids).fillna(0.0).to_numpy()

    def column(name: str, default: str) -> list[str]:
        if name not in sub.columns:
            return [default] * len(ids)
        return [str(v or default) for v in sub[name].tolist()]

    en = [str(v or did) for v, did in zip(
        sub["name_en"].tolist() if "name_en" in sub.columns else [""] * len(ids), ids, strict=True)]
    basis = column("geom_basis", "")
    note = column("geom_note", "")
    subareas = dict(project.layer.subareas)
    pt = np.round(points[:, ::-1], 6).ravel()
    districts = {
        "id": ids, "en": en, "ar": column("name_ar", ""), "sector": _cat(column("sector", "")),
        "kind": _cat(column("geom_kind", "polygon")), "basis": _cat(basis),
        "area": _nums(areas, 3), "pt": _nums(pt, 6),
        "note": [n if b in ("estimated", "sub-area") else "" for n, b in zip(note, basis, strict=True)],
        "parent": [index.get(subareas.get(did, ""), -1) for did in ids],
    }
    keys = _search_keys(project, ids, en)
    districts["names"] = [k for ks in keys for k in ks]
    districts["nn"] = [len(ks) for ks in keys]
    cite_index: dict[tuple[str, int], int] = {}
    rows = _rows(project, index, cite_index)
    from aleppo_map.render.landmarks import landmark_payload  # landmarks cite like the rows

    landmarks = landmark_payload(project, cite_index)
    registry = project.registry
    cites = [_citation(project, key) for key in cite_index]
    # the link to the version read is the source's (revision, address or archived copy),
    # whatever the line: asked once per source, not once per cited line
    url_of: dict[str, str] = {}
    for key in cite_index:
        if key[0] not in url_of:
            url_of[key[0]] = _citation_url(project, key)
    cite_urls = [url_of[key[0]] for key in cite_index]
    row_index = {r: i for i, r in enumerate(rows["id"])}
    # _states and _totals number the sides in the battle's order; name them by id here
    order = list(battle.side_ids)
    area, east = _totals(project)
    minx, miny, maxx, maxy = (float(v) for v in sub.total_bounds)
    layer = project.layer
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
        "renderer": mode,
        "dates": [d.isoformat() for d in tl.dates],
        "sides": [{"id": s.id, "label": s.label, "short": s.short,
                   "colour": settings.colours.get(s.id, s.colour), "hatch": s.hatch_colour}
                  for s in sorted(battle.sides, key=lambda s: order.index(s.id)
                                  if s.id in order else len(order))],
        "fillOpacity": FILL_OPACITY,
        "districts": districts,
        "geom": _geometry(geoms, settings.coord_decimals),
        "states": _states(project, index, row_index),
        "rows": rows,
        "cites": cites,
        "citeUrls": cite_urls,
        "landmarks": landmarks,
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
        "boundaries": _boundaries(project, basis),
        "edges": _edges(project, index),
        "bounds": [[round(miny, 5), round(minx, 5)], [round(maxy, 5), round(maxx, 5)]],
        "tiles": _tiles(cdn),
    }


def unpack_page_data(payload: Mapping[str, Any]) -> dict[str, Any]:
    """Unpack the page's packed payload into the page data with named keys (:func:`page_data`).

    Parameters
    ----------
    payload : Mapping
        :func:`page_payload`'s result, or the JSON the page carries, decoded.

    Returns
    -------
    dict
        As :func:`page_data` describes it.
    """
    out = dict(payload)
    cols = {k: _uncat(v) if isinstance(v, Mapping) else v
            for k, v in payload["districts"].items()}
    geoms = _unpack_geometry(payload["geom"])
    names, at = [], 0
    for n in cols["nn"]:
        names.append(list(cols["names"][at:at + n]))
        at += n
    pt = cols["pt"]
    districts = []
    for k, did in enumerate(cols["id"]):
        item: dict[str, Any] = {
            "id": did, "en": cols["en"][k], "ar": cols["ar"][k], "sector": cols["sector"][k],
            "kind": cols["kind"][k], "basis": cols["basis"][k], "area": cols["area"][k],
            "pt": [pt[2 * k], pt[2 * k + 1]], "g": geoms[k],
            "names": names[k],
        }
        if cols["note"][k]:
            item["note"] = cols["note"][k]
        if cols["parent"][k] >= 0:
            item["parent"] = cols["parent"][k]
        districts.append(item)
    out["districts"] = districts
    del out["geom"]
    out["states"] = _unpack_states(payload["states"])
    rows = {k: _uncat(v) for k, v in payload["rows"].items()}
    rows["disputed"] = [bool(v) for v in rows["disputed"]]
    out["rows"] = rows
    e = dict(payload["edges"])
    g, pos, parts = [], 0, iter(e.pop("nv", []))
    c = e.pop("c", [])
    for n in e.pop("np", []):
        edge = []
        for _ in range(n):
            m = 2 * next(parts)
            edge.append(list(c[pos:pos + m]))
            pos += m
        g.append(edge)
    e["g"] = g
    out["edges"] = e
    return out


def page_data(project: Project, *, figures: Iterable[Mapping[str, Any]] = (),
              cdn: bool = False, renderer: str = "auto") -> dict[str, Any]:
    """Everything the page's script needs, as JSON-ready Python objects with named keys.

    The page carries it packed (:func:`page_payload`); this is that payload unpacked.

    Parameters
    ----------
    project : Project
        Loaded inputs, with a district layer.
    figures : Iterable of mapping
        The sources' own numbers to show for each day: items with ``date``
        (YYYY-MM-DD), ``text`` and ``verdict``.
    cdn : bool
        Whether the page is the linked (online) variant: its street-map tiles start on.
    renderer : {"auto", "svg", "canvas"}
        As for :func:`page_payload`.

    Returns
    -------
    dict
        ``title`` and ``slug`` (of the battle), ``renderer`` (``svg`` or ``canvas``),
        ``dates``, ``sides`` (``id``, ``label``,
        ``short``, ``colour``, ``hatch`` in legend order), ``districts`` (``id``, names
        ``en``/``ar``, ``sector``, ``kind``, ``area``, label point ``pt``, geometry ``g``
        rounded to ``settings.coord_decimals``), ``states`` (per district, the columns
        ``day``, ``side`` (index of ``sides``), ``share``, ``rest`` (index, -1 when held
        whole), ``row`` (history row, -1 when none), ``since`` (day the state began,
        which a date window may split into segments), ``unc`` (1 inside a date window:
        the texts do not say whether the change of history row ``win`` had happened;
        ``from`` and ``to`` are the two candidate sides, -1 when settled) of each state
        it went through),
        ``rows`` (the history, as columns named by :data:`ROW_KEYS`' values; ``cite``
        indexes ``cites``; see :func:`row_records`), ``cites``
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
    return unpack_page_data(page_payload(project, figures=figures, cdn=cdn, renderer=renderer))


def _search_keys(project: Project, ids: Sequence[str], en: Sequence[Any]) -> list[list[str]]:
    """Per district, every spelling the search box matches, folded by :func:`normalise`.

    The gazetteer's keys when it knows the district (its id, English name, aliases and
    Arabic name, already normalised when the gazetteer was loaded: see
    :attr:`~aleppo_map.gazetteer.Gazetteer.keys`), with its Arabic name even when another
    district shares it and the layer's English name when it differs; else the layer's
    English name and the id. Each key once.
    """
    gaz = getattr(project, "gazetteer", None)
    by_id: dict[str, list[str]] = {}
    name_en: dict[str, str] = {}
    name_ar: dict[str, str] = {}
    if gaz is not None:
        for key, did in gaz.keys.items():
            by_id.setdefault(str(did), []).append(key)
        frame = gaz.frame
        index = [str(d) for d in frame.index]
        name_en = dict(zip(index, frame["name_en"].fillna("").astype(str), strict=True))
        if "name_ar" in frame.columns:
            name_ar = dict(zip(index, frame["name_ar"].fillna("").astype(str), strict=True))
    spans: list[tuple[list[str], int, int]] = []
    spellings: list[str] = []  # folded at once (normalise_many): one call per name was slow
    for k, did in enumerate(ids):
        name = str(en[k] or "")
        known = by_id.get(did)
        if known is None:
            more = [x for x in dict.fromkeys((name, did.replace("-", " "))) if x]
        else:
            more = [x for x in (name if name != name_en.get(did) else "",
                                name_ar.get(did, "")) if x.strip()]
        spans.append((known or [], len(spellings), len(spellings) + len(more)))
        spellings += more
    folded = normalise_many(spellings)
    return [list(dict.fromkeys(x for x in (*known, *folded[a:b]) if x)) for known, a, b in spans]


def _boundaries(project: Project, bases: Sequence[str]) -> dict[str, Any]:
    """Say which boundaries the page draws.

    ``kind`` (``real`` for the CSR-derived layer, ``file`` for the user's), the counts
    ``real``, ``estimated``, ``subareas`` and ``points``, and ``text``, one line for the
    header. *bases* is each district's ``geom_basis``.
    """
    count: dict[str, int] = {}
    for b in bases:
        count[b] = count.get(b, 0) + 1
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
        text = f"Boundaries: your file {source} ({len(bases) - sub - pts} polygons)"
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
    ``a`` and ``b`` (indices of ``districts``), and the lines, flat: ``np`` (parts of each
    edge), ``nv`` (points of each part) and ``c`` (latitude and longitude in units of
    ``1/scale`` degree, each point as its step from the point before, across all parts of
    all edges in order, the first from 0; ``scale`` is ``10**settings.coord_decimals``, so
    the edges are rounded like the polygons). Unpacked (:func:`page_data`), ``g`` holds
    each edge's parts, each a flat list of those steps. The page draws, each day, the
    edges whose majority holders differ.
    """
    scale = 10 ** int(project.settings.coord_decimals)
    out: dict[str, Any] = {"id": [], "a": [], "b": [], "np": [], "nv": [], "c": [], "scale": scale}
    try:
        edges = front_mod.project_edges(project)
    except AleppoMapError:
        del out["id"]
        return out
    if edges.empty:
        del out["id"]
        return out
    ia = edges["a"].map(index)
    ib = edges["b"].map(index)
    geo = edges.geometry.to_numpy()
    keep = (ia.notna() & ib.notna()).to_numpy() & ~shapely.is_empty(geo)
    rows = np.flatnonzero(keep)
    # every point of every part of every kept edge, at once (no loop over edges in Python),
    # then to longitude and latitude in one call (what GeoDataFrame.to_crs does, per geometry)
    parts, part_edge = shapely.get_parts(geo[keep], return_index=True)
    coords, point_part = shapely.get_coordinates(parts, return_index=True)
    if edges.crs is not None and not edges.crs.equals("EPSG:4326"):
        to_wgs84 = pyproj.Transformer.from_crs(edges.crs, "EPSG:4326", always_xy=True)
        lon, lat = to_wgs84.transform(coords[:, 0], coords[:, 1])
        coords = np.column_stack([lon, lat])
    ints = np.rint(coords[:, ::-1] * scale).astype(np.int64)  # lat, lon
    # the rounding can repeat a point: keep the first (as _round_geoms does for polygons)
    same = np.zeros(len(ints), dtype=bool)
    same[1:] = (ints[1:] == ints[:-1]).all(axis=1) & (point_part[1:] == point_part[:-1])
    ints, point_part = ints[~same], point_part[~same]
    steps = np.diff(ints, axis=0, prepend=np.zeros((1, 2), dtype=np.int64)).ravel()
    per_part = np.bincount(point_part, minlength=len(parts))
    nonempty = per_part > 0  # a part left without points is dropped
    out["id"] = rows.tolist()
    out["a"] = ia.to_numpy()[keep].astype(int).tolist()
    out["b"] = ib.to_numpy()[keep].astype(int).tolist()
    out["np"] = np.bincount(part_edge[nonempty], minlength=len(rows)).tolist()
    out["nv"] = per_part[nonempty].tolist()
    out["c"] = steps.tolist()
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
              figures: Iterable[Mapping[str, Any]] | None = None,
              renderer: str = "auto") -> ControlMap:
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
    renderer : {"auto", "svg", "canvas"}
        How the page draws the districts (see :func:`page_payload`).

    Returns
    -------
    ControlMap
        The map, inside a branca Figure.
    """
    items = _default_figures(project) if figures is None else list(figures)
    payload = page_payload(project, figures=items, cdn=cdn, renderer=renderer)
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
                figures: Iterable[Mapping[str, Any]] | None = None,
                renderer: str = "auto") -> str:
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
    renderer : {"auto", "svg", "canvas"}
        As for :func:`build_map`.

    Returns
    -------
    str
        The page.
    """
    return build_map(project, cdn=cdn, figures=figures, renderer=renderer).get_root().render()


def write_map(project: Project, dest: Path, *, cdn: bool = False,
              figures: Iterable[Mapping[str, Any]] | None = None, overwrite: bool = False,
              renderer: str = "auto") -> Path:
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
    renderer : {"auto", "svg", "canvas"}
        As for :func:`build_map`.

    Returns
    -------
    pathlib.Path
        *dest*.
    """
    return io.atomic_write_text(Path(dest), render_page(project, cdn=cdn, figures=figures,
                                                        renderer=renderer),
                                overwrite=overwrite)
