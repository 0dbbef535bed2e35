"""Text on static frames: Arabic shaping, scale-bar lengths, attribution and boundary lines.

Arabic text
-----------
Matplotlib draws glyphs in the order given unless it lays text out itself (it
does from version 3.11, through libraqm). :func:`arabic_label` returns what must be
passed to matplotlib for correct joining and right-to-left order in either case:
the logical string when matplotlib shapes text, else the string reshaped into
presentation forms (``arabic_reshaper``) and put in visual order (``python-bidi``),
see :func:`shape_arabic`. The bundled DejaVu Sans font has the Arabic glyphs.

Examples
--------
>>> [hex(ord(c)) for c in shape_arabic("حلب")]  # final ba, medial lam, initial ha
['0xfe90', '0xfee0', '0xfea3']
>>> nice_length(3700.0)
2000.0
"""

from __future__ import annotations

import functools
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from aleppo_map.render.style import FONT
from aleppo_map.sources import quote_title

if TYPE_CHECKING:
    from aleppo_map.project import Project


# ----------------------------------------------------------------------------- text
def shape_arabic(text: str) -> str:
    """Reshape Arabic letters into their joined forms and put the string in visual order.

    Parameters
    ----------
    text : str
        Text in logical order (as typed and stored).

    Returns
    -------
    str
        Presentation-form characters, left to right as they are to be drawn.
    """
    import arabic_reshaper
    from bidi.algorithm import get_display

    return str(get_display(arabic_reshaper.reshape(text)))


@functools.cache
def matplotlib_shapes_text() -> bool:
    """Tell whether matplotlib joins and reorders right-to-left text itself.

    Probes the installed matplotlib: lays out a three-letter Arabic word and checks
    that its last letter, in final form, comes first from the left.

    Returns
    -------
    bool
        ``True`` for matplotlib with complex text layout (3.11 and later).
    """
    from matplotlib import font_manager
    from matplotlib.ft2font import FT2Font, LoadFlags

    font = FT2Font(font_manager.findfont(FONT))
    if not hasattr(font, "_layout"):
        return False
    by_glyph = {g: c for c, g in font.get_charmap().items()}
    items = list(font._layout("حلب", LoadFlags.NO_HINTING))  # noqa: SLF001  # probed above
    return bool(items) and by_glyph.get(items[0].glyph_index) == 0xFE90


def arabic_label(text: str) -> str:
    """Return Arabic text ready to hand to matplotlib, so that it is drawn joined and right-to-left.

    Parameters
    ----------
    text : str
        Text in logical order.

    Returns
    -------
    str
        *text* itself when matplotlib shapes text (see :func:`matplotlib_shapes_text`),
        else :func:`shape_arabic` of it.
    """
    if not text or matplotlib_shapes_text():
        return text
    return shape_arabic(text)


def nice_length(span: float) -> float:
    """Return a round scale-bar length (1, 2 or 5 times a power of ten) of at most *span*.

    Parameters
    ----------
    span : float
        Largest acceptable length, in metres.

    Returns
    -------
    float
        The length in metres.
    """
    if span <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(span))
    return float(max(m * power for m in (1, 2, 5) if m * power <= span))


# ----------------------------------------------------------------------------- scene data
def metric_crs(project: Project) -> str:
    """Return the battle's metric CRS, with ``"utm"`` resolved to the UTM zone of the districts.

    Parameters
    ----------
    project : Project
        Loaded inputs.

    Returns
    -------
    str
        An ``EPSG:`` code.
    """
    crs = str(project.settings.metric_crs)
    if crs.lower() != "utm":
        return crs
    if project.layer is None:
        raise ValueError("the UTM zone of the data needs the district layer")
    lon0, lat0, lon1, lat1 = project.layer.gdf.to_crs("EPSG:4326").total_bounds
    return project.battle.metric_crs_for((lon0 + lon1) / 2, (lat0 + lat1) / 2)


def crs_name(crs: str) -> str:
    """Short name of a CRS for running text, e.g. ``"UTM zone 38N"``.

    Parameters
    ----------
    crs : str
        Anything :class:`pyproj.CRS` reads.

    Returns
    -------
    str
        The part of the CRS's name after its datum (``"WGS 84 / UTM zone 38N"`` gives
        ``"UTM zone 38N"``).

    Examples
    --------
    >>> crs_name("EPSG:32638"), crs_name("EPSG:3857")
    ('UTM zone 38N', 'Pseudo-Mercator')
    """
    from pyproj import CRS

    name = str(CRS.from_user_input(crs).name)
    return name.split(" / ", 1)[-1]


def east_line(project: Project) -> list[str] | None:
    """Per day, who holds the battle's reference area (``None`` when it has none).

    The reference area is the ground its side held on the battle's first day
    (``project.battle.reference``); the line names it by its label.

    Parameters
    ----------
    project : Project
        Loaded inputs, with a layer.

    Returns
    -------
    list of str or None
        One line per day of the timeline.
    """
    from aleppo_map.analysis import areas as stats

    battle = project.battle
    ref = battle.reference
    if project.layer is None or ref is None:
        return None
    table = stats.daily_stats(project)
    key = f"east_{ref.side}_pct"
    if key not in table or table[key].isna().all():
        return None
    shorts = battle.shorts
    first = battle.first_day  # the reference area always refers to the battle's first day
    lines = []
    for rec in table.to_dict("records"):
        parts = [f"{shorts[s]} {rec[f'east_{s}_pct']:.0f}%"
                 for s in battle.side_ids if rec.get(f"east_{s}_pct", 0) >= 0.5]
        lines.append(f"Of the {ref.label} (held by {shorts[ref.side]} on {first.day} "
                     f"{first:%b}): " + " · ".join(parts))
    return lines


def _where_to_read(registry: Any, sid: str) -> str:
    """`` at ADDRESS, revision R`` for a source whose registry row records them, else ``""``."""
    record = getattr(registry, "citation_record", None)
    if record is None:
        return ""
    rec = record(sid, 1)
    link = str(rec.get("source_url") or rec.get("archive_url") or "")
    if not link.startswith(("https://", "http://")):
        return ""
    text = " at " + unquote(link.split("://", 1)[1])
    if rec.get("revision"):
        text += f", revision {rec['revision']}"
    return text


def attribution(project: Project) -> str:
    """Build the attribution line: the sources cited and the boundary data.

    Parameters
    ----------
    project : Project
        Loaded inputs.

    Returns
    -------
    str
        One paragraph.
    """
    registry = project.registry
    cited = set(project.changes["source_id"])
    ids = [s for s in registry.ids if s in cited]
    frame = getattr(registry, "frame", None)
    parts = []
    for sid in ids:
        title = quote_title(registry.title(sid), "“”")
        if frame is not None and sid in frame.index:
            rec = frame.loc[sid]
            parts.append(f"{rec.get('publisher', '')}, {title} ({rec.get('published', '')})"
                         .lstrip(", ") + _where_to_read(registry, sid))
        else:
            parts.append(title)
    return (f"Sources: {'; '.join(parts)}. {boundary_line(project)}. "
            "Every state is traced to a source line.")


def boundary_line(project: Project) -> str:
    """Describe the boundary data for the attribution line.

    Parameters
    ----------
    project : Project
        Loaded inputs.

    Returns
    -------
    str
        The embedded layer's own attribution (or ``"Boundaries: approximate (built-in
        gazetteer)"`` for a layer without one),
        else the file's name (with the CSR licence for the Columbia file).
    """
    source = str(project.layer.source) if project.layer is not None else "embedded"
    if source == "embedded":
        credit = project.layer.attribution if project.layer is not None else ""
        return credit or "Boundaries: approximate (built-in gazetteer)"
    name = Path(source).name
    text = f"Boundaries: {name}"
    if "csr" in name.lower():
        text += " (Columbia Center for Spatial Research, MIT licence)"
    return text


