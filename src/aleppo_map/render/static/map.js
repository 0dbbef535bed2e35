/* map.js: the districts on the Leaflet map (fills, hatches, outlines, tooltips, keyboard
 * focus) and the optional street-map tiles.
 *
 * D.renderer says how the districts are drawn: "svg" (one path each; hatching as SVG
 * <pattern> fills) or, for large cities, "canvas" (Leaflet's canvas renderer: one canvas
 * for all districts, hatching as CanvasPatterns of the same tiles, hit-testing by Leaflet
 * for the tooltips and clicks, and one focusable stand-in that Tab moves from district to
 * district). D.geom (see render/html.py _geometry) is decoded here, once, straight into
 * the layers' LatLngs, and dropped.
 *
 * The fills of shared and uncertain districts come from patterns.js.
 *
 * Adds to X: layers, markers, restyle(i, force), restyleDay(prev, day), refreshTips(),
 * tipOpenFor(), tooltipContent(i), estimated(i), isMarker(i), focusTarget(i), setTiles(on).
 */
function explorerMap(X) {
  const D = X.D;
  const map = X.map;
  const now = X.now;
  const CANVAS = X.canvas;

  // ---------------------------------------------------------------- styles
  // an estimated shape has a dotted grey outline; a low-confidence state a dashed one
  X.estimated = (i) => D.districts[i].basis === "estimated";
  function styleFor(i, st) {
    const whole = st.rest < 0;
    const strong = i === now.selected || i === now.focused;
    const est = X.estimated(i);
    let dash = X.confidenceOf(st) === "low" ? "4 3" : null;
    if (est) dash = "1 4";
    return {
      fillColor: st.unc ? X.uncertainFill(st.from, st.to)
        : (whole ? X.colour(st.side) : X.patternFill(st.side, st.rest, st.share)),
      fillOpacity: D.fillOpacity,
      color: strong ? "#000" : (i === now.hovered ? "#222" : (est ? "#6b6b6b" : "#4a4a4a")),
      weight: strong ? 3 : (i === now.hovered ? 2 : (est ? 1.8 : 0.8)),
      opacity: 0.9,
      dashArray: dash,
      lineCap: est ? "round" : "butt",
    };
  }
  /** The accessible name of district i in state st. */
  X.nameText = (i, st) => D.districts[i].en + ": " + (st.unc ? X.windowText(st) : X.stateText(st));
  /** Whether district i is drawn as a marker (a sub-area or a district without a polygon). */
  const G = D.geom;
  const geomType = G.type; // 0 Polygon, 1 MultiPolygon, 2 Point, -1 another (G.other)
  X.isMarker = (i) => D.districts[i].kind === "point" || geomType[i] === 2;
  const shown = new Array(X.ND).fill(-1); // segment index currently drawn
  /** Index of the segment district i is drawn with (-1 before it is drawn). */
  X.shownSegment = (i) => shown[i];
  /** Restyle district i for the current day (only when its state changed, unless force). */
  X.restyle = function (i, force) {
    const k = X.segIndex(i, now.day);
    if (!force && shown[i] === k) return;
    shown[i] = k;
    const st = X.segment(i, k);
    const path = X.layers[i].getElement ? X.layers[i].getElement() : null;
    if (X.isMarker(i)) {
      if (path) styleMarker(i, st, path);
    } else {
      X.layers[i].setStyle(styleFor(i, st));
    }
    if (path) {
      // the accessible name says the state: set when the district has the focus (and on
      // focus below), not on 10,000 paths at every change of day
      if (path === document.activeElement) path.setAttribute("aria-label", X.nameText(i, st));
      path.classList.toggle("am-uncertain", !!st.unc);
    } else if (proxy && now.focused === i && proxy === document.activeElement) {
      proxy.setAttribute("aria-label", X.nameText(i, st));
    }
    if (X.onRestyle) X.onRestyle(i, st);
  };
  // a sub-area (or a district the boundary file lacks) is a small diamond in its holder's
  // colour (two colours when shared): a place, not a shape that claims ground
  function styleMarker(i, st, el) {
    const mark = el.firstChild;
    const a = X.colour(st.side);
    // inside a date window: a checkerboard of the two candidate sides, as for the polygons
    mark.style.background = st.unc && st.from >= 0 && st.to >= 0
      ? "repeating-conic-gradient(" + X.colour(st.from) + " 0 25%, " + X.colour(st.to) + " 0 50%) 0 0 / 5px 5px"
      : (st.rest < 0 ? a : "linear-gradient(135deg, " + a + " 50%, " + X.colour(st.rest) + " 50%)");
    const strong = i === now.selected || i === now.focused || i === now.hovered;
    mark.style.borderColor = strong ? "#000" : "#222";
    mark.style.borderWidth = strong ? "2.5px" : "1.5px";
    mark.style.borderStyle = X.confidenceOf(st) === "low" ? "dashed" : "solid";
  }
  /** Restyle the districts that changed between two days (all of them on the first draw). */
  X.restyleDay = function (prev, day) {
    if (prev < 0 || Math.abs(day - prev) > 45) {
      for (let i = 0; i < X.ND; i++) X.restyle(i, false);
      return;
    }
    const lo = Math.min(prev, day) + 1, hi = Math.max(prev, day);
    const seen = new Set();
    for (let d = lo; d <= hi; d++) X.changers[d].forEach((i) => seen.add(i));
    seen.forEach((i) => X.restyle(i, false));
  };

  // ---------------------------------------------------------------- tooltips
  X.tooltipContent = function (i) {
    const d = D.districts[i];
    const st = X.stateAt(i, now.day);
    const box = X.el("div");
    box.appendChild(X.el("div", "am-tip-name", d.en));
    if (d.ar) {
      const ar = X.el("div", "am-tip-ar", d.ar);
      ar.dir = "auto";
      ar.lang = "ar";
      box.appendChild(ar);
    }
    const line = X.el("div", "am-tip-state");
    line.appendChild(X.swatch(st.side));
    line.appendChild(document.createTextNode(" " + X.stateText(st) + " — " + X.sinceText(st)));
    box.appendChild(line);
    if (st.unc) box.appendChild(X.el("div", "am-tip-window", X.windowText(st)));
    if (d.basis === "estimated") {
      box.appendChild(X.el("div", "am-tip-est", "boundary estimated (" + (d.note || "no polygon in the boundary file") + ")"));
    } else if (d.parent !== undefined) {
      box.appendChild(X.el("div", "am-tip-meta", "a place inside " + D.districts[d.parent].en + " (sub-area, drawn as a marker)"));
    }
    if (st.row >= 0) {
      box.appendChild(X.el("div", "am-tip-meta", "basis: " + X.rowField(st.row, "basis") +
        " · confidence: " + X.rowField(st.row, "confidence") + " · click or press Enter for sources"));
    }
    return box;
  };
  /** Bring open tooltips (hovered or focused district) up to the current day. */
  X.refreshTips = function () {
    const i = X.tipOpenFor();
    if (i >= 0) tip.setContent(X.tooltipContent(i));
  };

  // ---------------------------------------------------------------- layers
  X.layers = [];
  // Each polygon gets the first day's style before it is added, so that it is drawn once
  // (the SVG renderer, which holds the hatch patterns, is created first).
  const renderer = CANVAS ? L.canvas({ padding: 0.1 }) : map.getRenderer(L.polygon([]));
  const day0 = X.firstDay || 0;
  const group = L.featureGroup().addTo(map);
  const markers = L.featureGroup().addTo(map);
  // the geometry, decoded in one pass: steps of 1/scale degree, lat then lon, from 0
  const gc = G.c, scale = G.scale;
  let gpos = 0, gla = 0, glo = 0, gring = 0, gvert = 0;
  function ring() {
    const n = G.verts[gvert++], out = new Array(n);
    for (let k = 0; k < n; k++) {
      gla += gc[gpos];
      glo += gc[gpos + 1];
      gpos += 2;
      out[k] = L.latLng(gla / scale, glo / scale);
    }
    return out;
  }
  function geometry(i) {
    const parts = G.parts[i], polys = new Array(parts);
    for (let p = 0; p < parts; p++) {
      const n = G.rings[gring++], rings = new Array(n);
      for (let r = 0; r < n; r++) rings[r] = ring();
      polys[p] = rings;
    }
    return polys;
  }
  D.districts.forEach((d, i) => {
    const type = geomType[i];
    const polys = type >= 0 ? geometry(i) : null;
    let layer;
    if (X.isMarker(i)) {
      const mark = document.createElement("span");
      mark.className = "am-sub-mark";
      const at = type === 2 ? polys[0][0][0] : d.pt;
      layer = L.marker(at, {
        icon: L.divIcon({ html: mark, className: "am-sub", iconSize: [12, 12], iconAnchor: [6, 6] }),
        keyboard: false, riseOnHover: true,
      });
      layer.addTo(markers);
    } else {
      const opts = { renderer: renderer };
      layer = type < 0
        ? L.GeoJSON.geometryToLayer({ type: "Feature", properties: {}, geometry: G.other[i] }, opts)
        : L.polygon(type === 0 ? polys[0] : polys, opts);
      shown[i] = X.segIndex(i, day0);
      layer.setStyle(styleFor(i, X.segment(i, shown[i])));
      layer.addTo(group);
    }
    layer.amIndex = i;
    X.layers.push(layer);
    const path = layer.getElement ? layer.getElement() : null;
    if (!path) return; // a district on the canvas: see the stand-in below
    path.setAttribute("data-district", d.id);
    if (d.basis === "estimated" || d.basis === "sub-area") path.setAttribute("data-basis", d.basis);
    path.classList.add("am-district");
    // every district is reachable with Tab; Enter (or space) opens its history
    path.setAttribute("tabindex", "0");
    path.setAttribute("role", "button");
  });
  delete D.geom; // decoded: the layers hold the points now
  // One tooltip and one set of listeners for every district (on the groups and the map's
  // container), not one per district: a city of 10,000 districts loads as fast as a page
  // that only draws them.
  const tip = L.tooltip({ sticky: true, direction: "top", className: "am-tip", opacity: 0.96 });
  let tipFor = -1;
  function openTip(i, latlng) {
    tipFor = i;
    tip.setContent(X.tooltipContent(i));
    tip.setLatLng(latlng);
    if (!map.hasLayer(tip)) map.openTooltip(tip);
  }
  function closeTip(i) {
    if (tipFor !== i) return;
    tipFor = -1;
    map.closeTooltip(tip);
  }
  X.tipOpenFor = () => (map.hasLayer(tip) ? tipFor : -1);
  [group, markers].forEach((g) => {
    g.on("mouseover", (e) => {
      const i = e.layer.amIndex;
      now.hovered = i;
      X.restyle(i, true);
      openTip(i, e.latlng);
    });
    g.on("mousemove", (e) => { if (tipFor === e.layer.amIndex) tip.setLatLng(e.latlng); });
    g.on("mouseout", (e) => {
      const i = e.layer.amIndex;
      now.hovered = -1;
      X.restyle(i, true);
      if (now.focused !== i) closeTip(i);
    });
    g.on("click", (e) => X.openHistory(e.layer.amIndex));
  });
  function districtOf(target) {
    const el = target && target.closest ? target.closest(".am-district") : null;
    return el ? X.indexOf(el.getAttribute("data-district")) : undefined;
  }
  function focusOn(i, el) {
    now.focused = i;
    el.setAttribute("aria-label", X.nameText(i, X.stateAt(i, now.day)));
    X.restyle(i, true);
    openTip(i, D.districts[i].pt);
  }
  function focusOff(i) {
    if (now.focused === i) now.focused = -1;
    closeTip(i);
    X.restyle(i, true);
  }
  const box = map.getContainer();
  // On the canvas the districts have no element each: one stand-in takes the focus, and Tab
  // and Shift+Tab move it from district to district (in the order of the SVG paths) before
  // leaving the map; the focused district is outlined and its tooltip opens, as in SVG.
  let proxy = null, pending = -1;
  const polygons = [];
  if (CANVAS) {
    for (let i = 0; i < X.ND; i++) if (!X.isMarker(i)) polygons.push(i);
    proxy = document.createElement("div");
    proxy.className = "am-district am-proxy";
    // no box of its own: the focused district's bold outline and tooltip show the focus
    proxy.style.cssText = "position:absolute;left:0;top:0;width:1px;height:1px;outline:none;pointer-events:none";
    proxy.setAttribute("tabindex", "0");
    proxy.setAttribute("role", "button");
    if (polygons.length) proxy.setAttribute("data-district", D.districts[polygons[0]].id);
    map.getPanes().overlayPane.appendChild(proxy);
    proxy.addEventListener("keydown", (ev) => {
      if (ev.key !== "Tab" || ev.altKey || ev.ctrlKey || ev.metaKey) return;
      const i = districtOf(proxy);
      const at = polygons.indexOf(i) + (ev.shiftKey ? -1 : 1);
      if (at < 0 || at >= polygons.length) return; // leave the map
      ev.preventDefault();
      focusOff(i);
      const j = polygons[at];
      proxy.setAttribute("data-district", D.districts[j].id);
      focusOn(j, proxy);
    });
  }
  /** The element that takes the focus for district i (on the canvas: the stand-in, set to i). */
  X.focusTarget = function (i) {
    if (!proxy || X.isMarker(i)) return X.layers[i].getElement();
    pending = i;
    return proxy;
  };
  box.addEventListener("focusin", (ev) => {
    if (proxy && ev.target === proxy) {
      // entering: the district asked for, else the first (or the last, from after the map)
      let j = pending;
      if (j < 0) {
        const from = ev.relatedTarget;
        const after = from && (proxy.compareDocumentPosition(from) & Node.DOCUMENT_POSITION_FOLLOWING);
        j = polygons[after ? polygons.length - 1 : 0];
      }
      pending = -1;
      if (j === undefined) return;
      proxy.setAttribute("data-district", D.districts[j].id);
    }
    const i = districtOf(ev.target);
    if (i === undefined) return;
    focusOn(i, ev.target.closest(".am-district"));
  });
  box.addEventListener("focusout", (ev) => {
    const i = districtOf(ev.target);
    if (i === undefined) return;
    focusOff(i);
  });
  box.addEventListener("keydown", (ev) => {
    if (ev.key !== "Enter" && ev.key !== " ") return;
    const i = districtOf(ev.target);
    if (i === undefined) return;
    ev.preventDefault();
    ev.stopPropagation();
    X.openHistory(i, true);
  });
  X.markers = markers;

  // ---------------------------------------------------------------- street-map tiles
  // Off in the self-contained page (nothing is fetched until the reader asks for it); when
  // the tiles cannot load, the districts stay usable and one line says so.
  let tiles = null;
  let loaded = 0;
  function tilesNote(text) {
    const n = X.$("am-tiles-note");
    n.textContent = text;
    n.hidden = !text;
  }
  X.setTiles = function (on) {
    const box = X.$("am-tiles");
    if (box) box.checked = !!on;
    if (!D.tiles) return;
    if (!on) {
      if (tiles) map.removeLayer(tiles);
      tilesNote("");
      return;
    }
    if (!tiles) {
      tiles = L.tileLayer(D.tiles.url, { attribution: D.tiles.attribution, maxZoom: D.tiles.maxZoom });
      tiles.on("tileload", () => { loaded += 1; tilesNote(""); });
      tiles.on("tileerror", () => {
        if (!loaded) tilesNote("Street map tiles could not be loaded (no internet?); the districts are drawn without them.");
      });
    }
    tiles.addTo(map);
    tiles.bringToBack();
  };
  const TilesControl = L.Control.extend({
    options: { position: "topright" },
    onAdd() {
      const box = L.DomUtil.create("label", "leaflet-bar am-tiles-toggle");
      const input = L.DomUtil.create("input", "", box);
      input.type = "checkbox";
      input.id = "am-tiles";
      box.appendChild(document.createTextNode(" street map"));
      box.title = "OpenStreetMap tiles under the districts (needs internet)";
      L.DomEvent.disableClickPropagation(box);
      input.addEventListener("change", () => X.setTiles(input.checked));
      return box;
    },
  });
  if (D.tiles) new TilesControl().addTo(map);
}
