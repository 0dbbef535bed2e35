"""An optional basemap under the frames: web tiles through contextily and xyzservices.

Off by default (``--basemap PROVIDER``). The tiles of the map's extent are fetched
once per run by :func:`contextily.bounds2img`, cached on disk (contextily's cache,
pointed at a user cache folder: :func:`tile_cache_dir`), re-projected into the
battle's metric CRS (:func:`contextily.warp_tiles`) and drawn under the districts,
which are then slightly transparent. The provider's attribution is added to the
frame's attribution line. Both libraries are the optional extra ``[basemap]``
(``pip install aleppo-map[basemap]``) and are imported only here, when asked for.

A provider is an :class:`xyzservices.TileProvider`, the name of one of
:data:`xyzservices.providers` (``"OpenStreetMap.Mapnik"``, ``"CartoDB.Positron"``),
or a URL template with ``{z}/{x}/{y}``. Whether a provider's terms allow the use is
the user's to check; the attribution it asks for is printed on every frame.
"""

from __future__ import annotations

import difflib
import math
import os
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from aleppo_map._errors import AleppoMapError

#: Environment variable naming the folder of cached tiles.
CACHE_ENV = "ALEPPO_MAP_TILE_CACHE"


def tile_cache_dir(path: Path | str | None = None) -> Path:
    """Folder where downloaded tiles are kept between runs.

    Parameters
    ----------
    path : pathlib.Path or str, optional
        A folder chosen by the user (``--tile-cache``).

    Returns
    -------
    pathlib.Path
        *path*, else ``$ALEPPO_MAP_TILE_CACHE``, else ``aleppo-map/tiles`` in the user's
        cache folder (``$XDG_CACHE_HOME`` or ``~/.cache``).

    Examples
    --------
    >>> tile_cache_dir("/tmp/tiles").as_posix()
    '/tmp/tiles'
    """
    if path is not None:
        return Path(path)
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV])
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "aleppo-map" / "tiles"


def _modules() -> tuple[Any, Any]:
    try:
        import contextily
        import xyzservices
    except ImportError as exc:
        raise AleppoMapError(
            f"--basemap needs contextily and xyzservices ({exc.name} is not installed): "
            "pip install 'aleppo-map[basemap]'"
        ) from None
    return contextily, xyzservices


def resolve_provider(provider: Any) -> Any:
    """Turn a provider name or URL template into an :class:`xyzservices.TileProvider`.

    Parameters
    ----------
    provider : str or xyzservices.TileProvider
        A provider, a name of :data:`xyzservices.providers` or a ``{z}/{x}/{y}`` URL.

    Returns
    -------
    xyzservices.TileProvider
        The provider.

    Raises
    ------
    AleppoMapError
        For an unknown name (with the closest known names).
    """
    _, xyz = _modules()
    if isinstance(provider, xyz.TileProvider):
        return provider
    text = str(provider).strip()
    if "{z}" in text and "{x}" in text and "{y}" in text:
        from urllib.parse import urlsplit

        host = urlsplit(text).netloc or text
        return xyz.TileProvider(name="custom", url=text, attribution=f"tiles from {host}")
    try:
        return xyz.providers.query_name(text)
    except ValueError:
        names = list(xyz.providers.flatten())
        close = difflib.get_close_matches(text, names, n=3, cutoff=0.5)
        hint = f"; did you mean {', '.join(close)}?" if close else \
            " (for example OpenStreetMap.Mapnik or CartoDB.Positron)"
        raise AleppoMapError(f"--basemap: expected a tile provider of xyzservices or a URL with "
                             f"{{z}}/{{x}}/{{y}}, got {text!r}{hint}") from None


def provider_credit(provider: Any) -> str:
    """Attribution the provider asks for, as plain text.

    Parameters
    ----------
    provider : str or xyzservices.TileProvider
        As :func:`resolve_provider`.

    Returns
    -------
    str
        Its ``attribution``, else its name.
    """
    tp = resolve_provider(provider)
    return str(tp.get("attribution") or tp.get("name") or "tile provider")


def _zoom(span_m: float, pixels: float, lat: float, max_zoom: int) -> int:
    """Tile zoom whose resolution is the map's (metres per pixel), capped by the provider."""
    mpp = span_m / max(pixels, 1.0)
    z = math.log2(156543.03 * math.cos(math.radians(lat)) / max(mpp, 1e-6))
    return int(min(max(round(z), 0), max_zoom))


def basemap_image(provider: Any, extent: tuple[float, float, float, float], crs: str,
                  size: tuple[int, int], cache: Path | str | None = None) -> tuple[
                      np.ndarray, tuple[float, float, float, float]]:
    """Fetch (or read from the cache) the tiles of *extent*, re-projected into *crs*.

    Parameters
    ----------
    provider : str or xyzservices.TileProvider
        As :func:`resolve_provider`.
    extent : tuple of float
        ``xmin, xmax, ymin, ymax`` in *crs*.
    crs : str
        The map's metric CRS.
    size : tuple of int
        Frame size in pixels (sets the zoom).
    cache : pathlib.Path or str, optional
        Tile cache folder (see :func:`tile_cache_dir`).

    Returns
    -------
    tuple
        ``(RGB uint8 image, (xmin, xmax, ymin, ymax))`` in *crs*.

    Raises
    ------
    AleppoMapError
        When the tiles cannot be fetched (no network, a wrong URL).
    """
    from pyproj import Transformer

    ctx, _ = _modules()
    tp = resolve_provider(provider)
    folder = tile_cache_dir(cache)
    folder.mkdir(parents=True, exist_ok=True)
    ctx.set_cache_dir(str(folder))
    x0, x1, y0, y1 = extent
    to_merc = Transformer.from_crs(crs, "EPSG:3857", always_xy=True)
    to_geo = Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
    xs, ys = to_merc.transform([x0, x1, x0, x1], [y0, y0, y1, y1])
    _, lat = to_geo.transform((x0 + x1) / 2, (y0 + y1) / 2)
    zoom = _zoom(x1 - x0, 0.62 * size[0], lat, int(tp.get("max_zoom", 19)))
    try:
        with warnings.catch_warnings():
            # rasterio (under contextily) multiplies transforms with `*`, which affine 3 deprecates
            warnings.filterwarnings("ignore", message="Use `@` matmul",
                                    category=PendingDeprecationWarning)
            img, merc = ctx.bounds2img(min(xs), min(ys), max(xs), max(ys), zoom=zoom, source=tp,
                                       ll=False, max_retries=1, wait=0, timeout=10)
            warped, (wx0, wx1, wy0, wy1) = ctx.warp_tiles(img, merc, t_crs=crs)
    except Exception as exc:  # noqa: BLE001  # requests, rasterio and PIL errors alike
        raise AleppoMapError(f"--basemap: could not fetch the tiles of {tp.get('name')} "
                             f"({tp.get('url')}): {exc}") from None
    rgb = np.ascontiguousarray(np.asarray(warped)[..., :3], dtype=np.uint8)
    return rgb, (float(wx0), float(wx1), float(wy0), float(wy1))
