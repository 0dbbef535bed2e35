"""Style of the static renderers: formats, layout sizes, fonts and drawing colours."""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Any, Final

#: Image formats of :func:`render_frames`.
FRAME_FORMATS: Final[tuple[str, ...]] = ("png", "svg", "pdf")
#: Animation formats of :func:`write_animation`.
ANIMATION_FORMATS: Final[tuple[str, ...]] = ("gif", "mp4")
#: File formats of :func:`write_contact_sheet`, chosen by the file's suffix.
SHEET_FORMATS: Final[tuple[str, ...]] = ("png", "pdf")
#: District label modes: none, the key districts (see :func:`key_districts`), all, or
#: per day the districts that changed that day with the key districts (``changed``).
LABEL_MODES: Final[tuple[str, ...]] = ("none", "key", "all", "changed")
#: Languages of district labels: English, Arabic, or both (English above Arabic).
LABEL_LANGS: Final[tuple[str, ...]] = ("en", "ar", "both")
#: Number of districts labelled with ``labels="key"``.
N_KEY_LABELS: Final = 12
#: Key districts labelled on every day with ``labels="changed"`` (beside the day's changes).
N_DAY_KEY_LABELS: Final = 8
#: The gazetteer district drawn bold and labelled on every frame (a landmark).
CITADEL_ID: Final = "citadel"
#: Hatch pattern of partial control.
HATCH: Final = "////"
#: Width in inches the frame layout is designed at; text and lines scale with the width.
DESIGN_WIDTH_IN: Final = 8.0
#: Font of every text (shipped with matplotlib; it has Arabic glyphs).
FONT: Final = "DejaVu Sans"
#: Radius of the circle drawn for a district without a polygon, as a share of the map width.
POINT_RADIUS: Final = 0.016
#: Radius of the marker of a sub-area (a part of a larger district), as a share of the map width.
MARKER_RADIUS: Final = 0.0045
#: The front line: width in points (at the design width) and colour, over a white halo.
FRONT_WIDTH: Final = 1.8
FRONT_COLOUR: Final = "#111111"
#: Outline of an estimated polygon (dotted) and of the city.
ESTIMATED_EDGE: Final = "#4d4d4d"
CITY_EDGE: Final = "#8a8a8a"
#: Page width of the contact sheet (A4 portrait), in inches, and its resolution.
SHEET_WIDTH_IN: Final = 8.27
SHEET_DPI: Final = 200

_EDGE = "#ffffff"
_POINT_EDGE = "#222222"
_INK = "#1a1a1a"
_MUTED = "#555555"
_SEA = "#f2f1ee"
_LOW_EDGE = "#222222"
_MOVETO, _LINETO, _CLOSE = 1, 2, 79

#: Stripes of partial control across the width of the map's extent (frames and animations).
STRIPES_ACROSS: Final = 90
#: The same for the small panels of the contact sheet.
SHEET_STRIPES_ACROSS: Final = 45
#: Matplotlib settings for vector output a designer can edit: SVG with real ``<text>``
#: elements, PDF (and PS) with embedded TrueType (Type 42) fonts instead of Type 3.
VECTOR_RC: Final[dict[str, Any]] = {"svg.fonttype": "none", "pdf.fonttype": 42,
                                    "ps.fonttype": 42}


def vector_text() -> AbstractContextManager[None]:
    """Return a context in which :data:`VECTOR_RC` is in force (around ``savefig``).

    Returns
    -------
    contextlib.AbstractContextManager
        :func:`matplotlib.rc_context` of :data:`VECTOR_RC`.
    """
    from matplotlib import rc_context

    return rc_context(dict(VECTOR_RC))  # type: ignore[arg-type]  # typed keys only


def share_tenth(share: float) -> int:
    """Round a gaining side's share to the tenth that sets its stripe width (1 to 9).

    The same rule as the HTML page: the stripe covers ``tenth / 10`` of each period.

    Parameters
    ----------
    share : float
        Share of the district held by the gaining side, 0 to 1.

    Returns
    -------
    int
        1 to 9.

    Examples
    --------
    >>> share_tenth(0.04), share_tenth(0.4), share_tenth(0.96)
    (1, 4, 9)
    """
    return max(1, min(9, round(share * 10)))

