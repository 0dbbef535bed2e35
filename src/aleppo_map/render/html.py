"""The interactive HTML explorer: a folium map with our own slider, legend, chart and history.

folium's ``TimeSliderChoropleth`` stores a style for every district on every day and
restyles every path at each step. This module instead sends the geometry once, each
district's list of *state segments* (the days on which its state changed), the rows of
the control table for the history panel, and a few per-day totals; the browser works
out the rest and restyles only the districts whose state changed. The page therefore
grows with geometry plus changes, not with districts × days.

Everything reaches the page through jinja's ``tojson`` (which escapes ``<``, ``>``,
``&`` and ``'``) and the JavaScript inserts every name, note and citation with
``textContent``, never as HTML, so a district called ``<img src=x onerror=alert(1)>``
shows as text. The templates, script and stylesheet live in ``templates/``.

Leaflet itself comes from the ``django-js-lib-leaflet`` package (Leaflet 1.9.4, BSD
2-Clause, licence kept in the page): ``offline=True`` inlines it, otherwise the page
links the same version from a CDN with Subresource-Integrity hashes computed from the
packaged files, so both modes run exactly the same Leaflet.

Examples
--------
>>> sorted(leaflet_assets(inline=False))[:3]
['css', 'css_sri', 'css_url']
>>> leaflet_assets(inline=False)["version"]
'1.9.4'
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
from branca.element import Element, Figure
from markupsafe import Markup

from aleppo_map import _io as io
from aleppo_map._errors import AleppoMapError
from aleppo_map.analysis import areas as stats
from aleppo_map.settings import CONTROLLERS, DEFAULTS, LABELS

if TYPE_CHECKING:
    from aleppo_map.project import Project

#: Package and folder the Leaflet files are read from.
LEAFLET_PACKAGE = "js_lib_leaflet"
LEAFLET_DIST = "django-js-lib-leaflet"
#: CDN the online page links Leaflet from (pinned with integrity hashes).
LEAFLET_CDN = "https://unpkg.com/leaflet@{version}/dist/{file}"
#: Fill opacity of the district polygons (tiles show through in online mode).
FILL_OPACITY = 0.8
#: Title of the page.
PAGE_TITLE = "Aleppo: who held which district, {start} to {end}"

_TEMPLATES = "templates"


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
    """Text of a file of ``templates/`` (script or stylesheet), checked to be embeddable."""
    text = (importlib.resources.files("aleppo_map.render") / _TEMPLATES / name).read_text("utf-8")
    _check_embeddable(text, name)
    return text


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
    the explorer needs none of them.

    Parameters
    ----------
    offline : bool
        Inline Leaflet and add no tiles; otherwise OpenStreetMap tiles with their
        attribution (from ``xyzservices``, linking to the copyright page).
    **kwargs
        Passed to :class:`folium.Map`.
    """

    default_js: list[tuple[str, str]] = []  # noqa: RUF012 - folium's class attribute
    default_css: list[tuple[str, str]] = []  # noqa: RUF012

    def __init__(self, *, offline: bool, **kwargs: Any) -> None:
        super().__init__(tiles=None, **kwargs)
        self._id = "aleppo"
        self._template = _env().get_template("map.html.j2")
        self.offline = offline
        self.leaflet = leaflet_assets(inline=offline)
        self.map_options = {
            "center": self.location,
            "zoom": self.options.get("zoom", 13),
            "zoomSnap": 0.25,
            "keyboard": False,  # the arrow keys step through days
            "preferCanvas": False,  # SVG paths, so that hatch patterns are <pattern> fills
        }
        if not offline:
            tile = folium.TileLayer("OpenStreetMap", max_zoom=19)
            tile._id = "osm"
            self.add_child(tile, name="osm")

    def render(self, **kwargs: Any) -> None:
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
        super().__init__()
        self._name = "Explorer"
        self._id = "aleppo"
        self._template = _env().get_template("explorer.html.j2")
        self.payload = payload
        self.css = Markup(_asset("explorer.css"))
        self.js = Markup(_asset("explorer.js"))

    def render(self, **kwargs: Any) -> None:
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
    """Per district, the days on which its state changed and the state from then on."""
    st = project.timeline.states
    st = st[st["district_id"].isin(index.keys())]
    code = {c: i for i, c in enumerate(CONTROLLERS)}
    di = st["district_id"].map(index).to_numpy()
    day = st["date"].map(day_index).to_numpy()
    order = np.lexsort((day, di))
    di, day = di[order], day[order]
    ctrl = st["controller"].to_numpy()[order]
    share = st["share"].to_numpy(dtype=float)[order]
    rem = st["remainder"].fillna("").to_numpy()[order]
    cid = st["change_id"].to_numpy()[order]
    new = np.ones(len(di), dtype=bool)
    if len(di) > 1:
        new[1:] = (
            (di[1:] != di[:-1]) | (ctrl[1:] != ctrl[:-1]) | (share[1:] != share[:-1])
            | (rem[1:] != rem[:-1]) | (cid[1:] != cid[:-1])
        )
    out: list[list[list[Any]]] = [[] for _ in index]
    for k in np.flatnonzero(new):
        out[int(di[k])].append([
            int(day[k]), code[ctrl[k]], _num(share[k], 3),
            code[rem[k]] if rem[k] else -1, row_index.get(cid[k], -1),
        ])
    return out


def _rows(project: Project, index: Mapping[str, int]) -> list[dict[str, Any]]:
    """List the rows of the history panel, with their citation and fate."""
    hist = project.timeline.history
    hist = hist[hist["district_id"].isin(index.keys())]
    registry = project.registry
    cites: dict[tuple[str, int], str] = {}
    rows = []
    for rec in hist.to_dict("records"):
        key = (str(rec["source_id"]), int(rec["line"]))
        if key not in cites:
            cites[key] = registry.citation(*key)
        rows.append({
            "id": str(rec["change_id"]),
            "date": rec["date"].isoformat(),
            "d": index[rec["district_id"]],
            "c": str(rec["controller"]),
            "x": str(rec["extent"]),
            "s": _num(rec["share"], 3),
            "r": str(rec.get("remainder") or ""),
            "ev": str(rec["event"]),
            "b": str(rec["basis"]),
            "cf": str(rec["confidence"]),
            "src": key[0],
            "ln": key[1],
            "cite": cites[key],
            "st": str(rec["status"]),
            "dp": bool(rec["disputed"]),
            "ag": str(rec.get("aggregate") or ""),
            "note": str(rec.get("note") or ""),
        })
    return rows


def _totals(project: Project) -> tuple[list[list[float]], dict[str, Any]]:
    """km² per side per day, and shares of the formerly rebel-held east, from :mod:`.stats`.

    The page shows the very numbers ``aleppo-map stats`` prints.
    """
    table = stats.daily_stats(project)
    km2 = table[[f"{side}_km2" for side in CONTROLLERS]].to_numpy(dtype=float)
    pct = table[[f"east_{side}_pct" for side in CONTROLLERS]].to_numpy(dtype=float)
    east = stats.east_ids(project)
    share = None if np.isnan(pct).all() else [[_num(v / 100, 4) for v in row] for row in pct]
    return (
        [[_num(v, 3) for v in row] for row in km2],
        {"km2": _num(stats.east_km2(project) if east else 0.0, 2), "n": len(east),
         "share": share, "day": DEFAULTS.start.isoformat()},
    )


def page_data(project: Project, *, figures: Iterable[Mapping[str, Any]] = ()) -> dict[str, Any]:
    """Everything the page's script needs, as JSON-ready Python objects.

    Parameters
    ----------
    project : Project
        Loaded inputs, with a district layer.
    figures : Iterable of mapping
        The sources' own numbers to show for each day: items with ``date``
        (YYYY-MM-DD), ``text`` and ``verdict``.

    Returns
    -------
    dict
        ``dates``, ``controllers``, ``labels``, ``colours``, ``districts``
        (id, names, sector, kind, area, label point, geometry rounded to
        ``settings.coord_decimals``), ``segs`` (per district: ``[first day, controller,
        share, remainder or -1, history row or -1]`` for each state it went through),
        ``rows`` (the history, with citations), ``area`` (km² per controller per day),
        ``east`` (shares of the formerly rebel-held east per day), ``figures``,
        ``meta`` and ``bounds``.

    Raises
    ------
    AleppoMapError
        When the project has no district layer.
    """
    if project.layer is None:
        raise AleppoMapError("the interactive map needs the district geometry (load it with "
                             "with_layer=True)")
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
    areas = stats.district_areas(project).reindex(ids).fillna(0.0)
    districts = []
    for k, did in enumerate(ids):
        rec = sub.iloc[k]
        districts.append({
            "id": did,
            "en": str(rec.get("name_en", "") or did),
            "ar": str(rec.get("name_ar", "") or ""),
            "sector": str(rec.get("sector", "") or ""),
            "kind": str(rec.get("geom_kind", "polygon") or "polygon"),
            "area": _num(areas.iloc[k], 3),
            "pt": [_num(points[k][1], 6), _num(points[k][0], 6)],
            "g": shapely.geometry.mapping(geoms[k]),
        })
    rows = _rows(project, index)
    row_index = {r["id"]: i for i, r in enumerate(rows)}
    area, east = _totals(project)
    minx, miny, maxx, maxy = (float(v) for v in sub.total_bounds)
    layer = project.layer
    registry = project.registry
    return {
        "title": PAGE_TITLE.format(start=_long_date(tl.dates[0]), end=_long_date(tl.dates[-1])),
        "dates": [d.isoformat() for d in tl.dates],
        "controllers": list(CONTROLLERS),
        "labels": dict(LABELS),
        "colours": {c: settings.colours[c] for c in CONTROLLERS},
        "fillOpacity": FILL_OPACITY,
        "districts": districts,
        "segs": _segments(project, index, day_index, row_index),
        "rows": rows,
        "area": area,
        "east": east,
        "figures": [_figure_item(f) for f in figures],
        "meta": {
            "changes": Path(str(getattr(project, "changes_path", "control table"))).name,
            "nrows": len(project.changes),
            "sources": [str(registry.title(s)) for s in sorted(set(project.changes["source_id"]))],
            "coverage": str(layer.coverage_line()),
        },
        "bounds": [[round(miny, 5), round(minx, 5)], [round(maxy, 5), round(maxx, 5)]],
    }


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


def _long_date(d: date) -> str:
    return f"{d.day} {d:%B %Y}"


def _default_figures(project: Project) -> list[dict[str, Any]]:
    """Get the sources' own numbers from :mod:`aleppo_map.analysis.claims`, when it and its table exist."""
    path = getattr(project.settings, "figures_path", None)
    if path is None or not Path(path).is_file():
        return []
    try:
        from aleppo_map import figures as figures_module
    except ImportError:
        return []
    items = getattr(figures_module, "html_items", None)
    if items is None:
        return []
    return list(items(project))


# ----------------------------------------------------------------------------- public
def build_map(project: Project, *, offline: bool = False,
              figures: Iterable[Mapping[str, Any]] | None = None) -> ControlMap:
    """Build the folium map with the explorer on it.

    Parameters
    ----------
    project : Project
        Loaded inputs, with a district layer.
    offline : bool
        Inline Leaflet and every script and style; no tiles.
    figures : Iterable of mapping, optional
        The sources' own numbers (``date``, ``text``, ``verdict``); default: those of
        :mod:`aleppo_map.analysis.claims` when present, else none.

    Returns
    -------
    ControlMap
        The map, inside a branca Figure.
    """
    items = _default_figures(project) if figures is None else list(figures)
    payload = page_data(project, figures=items)
    (s, w), (n, e) = payload["bounds"]
    fmap = ControlMap(
        offline=offline,
        location=[(s + n) / 2, (w + e) / 2],
        zoom_start=13,
    )
    figure = fmap.get_root()
    figure.title = Markup.escape(payload["title"])
    fmap.add_child(Explorer(payload), name="explorer")
    return fmap


def render_page(project: Project, *, offline: bool = False,
                figures: Iterable[Mapping[str, Any]] | None = None) -> str:
    """Return the explorer page as HTML text.

    Parameters
    ----------
    project : Project
        Loaded inputs, with a district layer.
    offline : bool
        One self-contained page: Leaflet inlined, no tiles, no request.
    figures : Iterable of mapping, optional
        As for :func:`build_map`.

    Returns
    -------
    str
        The page.
    """
    return build_map(project, offline=offline, figures=figures).get_root().render()


def write_map(project: Project, dest: Path, *, offline: bool = False,
              figures: Iterable[Mapping[str, Any]] | None = None, overwrite: bool = False) -> Path:
    """Write the interactive explorer to *dest* (atomically).

    Parameters
    ----------
    project : Project
        Loaded inputs, with a district layer.
    dest : pathlib.Path
        The HTML file to write.
    offline : bool
        One self-contained file with Leaflet and every script and style inlined and no
        tiles, which works with the network cut.
    figures : Iterable of mapping, optional
        As for :func:`build_map`.
    overwrite : bool
        Replace *dest* when it exists (otherwise that is an error).

    Returns
    -------
    pathlib.Path
        *dest*.
    """
    return io.atomic_write_text(Path(dest), render_page(project, offline=offline, figures=figures),
                                overwrite=overwrite)
