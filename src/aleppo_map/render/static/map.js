/* map.js: the districts on the Leaflet map (fills, hatches, outlines, tooltips, keyboard
 * focus) and the optional street-map tiles.
 *
 * Adds to X: layers, markers, patternFill(side, rest, share), makePattern(...), restyle(i,
 * force), restyleDay(prev, day), refreshTips(), tipOpenFor(), tooltipContent(i),
 * estimated(i), isMarker(i), setTiles(on).
 */
function explorerMap(X) {
  const D = X.D;
  const map = X.map;
  const now = X.now;

  // ---------------------------------------------------------------- hatch patterns
  let defs = null;
  /** A fill for a district shared by two sides: stripes of the gaining side over the holder. */
  X.patternFill = function (side, rest, share) {
    const tenth = Math.max(1, Math.min(9, Math.round(share * 10)));
    const id = "am-hatch-" + X.side(side).id + "-" + X.side(rest).id + "-" + tenth;
    if (!document.getElementById(id)) {
      if (!defs) {
        const host = map.getPanes().overlayPane.querySelector("svg");
        defs = X.svg("defs", {});
        host.insertBefore(defs, host.firstChild);
      }
      defs.appendChild(X.makePattern(id, X.colour(side), X.colour(rest), tenth));
    }
    return "url(#" + id + ")";
  };
  // stripes of the gaining side (width in proportion to its share) over the holder's colour
  X.makePattern = function (id, gain, hold, tenth) {
    const p = X.svg("pattern", {
      id: id, width: 10, height: 10, patternUnits: "userSpaceOnUse",
      patternTransform: "rotate(45)",
    });
    p.appendChild(X.svg("rect", { width: 10, height: 10, fill: hold }));
    p.appendChild(X.svg("rect", { width: tenth, height: 10, fill: gain }));
    return p;
  };

  /** A fill for a district inside a date window: a checkerboard of the two candidate sides. */
  X.uncertainFill = function (from, to) {
    const id = "am-unc-" + X.side(from).id + "-" + X.side(to).id;
    if (!document.getElementById(id)) {
      if (!defs) {
        const host = map.getPanes().overlayPane.querySelector("svg");
        defs = X.svg("defs", {});
        host.insertBefore(defs, host.firstChild);
      }
      defs.appendChild(X.makeUncertainPattern(id, X.colour(from), X.colour(to)));
    }
    return "url(#" + id + ")";
  };
  // squares of the side after the change on the side before it: unlike the stripes of a
  // shared district, it says "one or the other", not "both"
  X.makeUncertainPattern = function (id, before, after) {
    const p = X.svg("pattern", { id: id, width: 12, height: 12, patternUnits: "userSpaceOnUse" });
    p.appendChild(X.svg("rect", { width: 12, height: 12, fill: before }));
    p.appendChild(X.svg("rect", { width: 6, height: 6, fill: after }));
    p.appendChild(X.svg("rect", { x: 6, y: 6, width: 6, height: 6, fill: after }));
    return p;
  };

  /** A legend swatch of the checkerboard. */
  X.uncertainSwatch = function () {
    const s = X.svg("svg", { width: 18, height: 13, class: "am-sw-svg", "aria-hidden": "true" });
    const defs = X.svg("defs", {});
    defs.appendChild(X.makeUncertainPattern("am-legend-unc", X.colour(1), X.colour(0)));
    s.appendChild(defs);
    s.appendChild(X.svg("rect", { width: 18, height: 13, fill: "url(#am-legend-unc)" }));
    return s;
  };

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
  X.isMarker = (i) => D.districts[i].kind === "point" || D.districts[i].g.type === "Point";
  const shown = new Array(X.ND).fill(-1); // segment index currently drawn
  /** Index of the segment district i is drawn with (-1 before it is drawn). */
  X.shownSegment = (i) => shown[i];
  /** Restyle district i for the current day (only when its state changed, unless force). */
  X.restyle = function (i, force) {
    const k = X.segIndex(i, now.day);
    if (!force && shown[i] === k) return;
    shown[i] = k;
    const st = X.segment(i, k);
    const path = X.layers[i].getElement();
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
      const r = D.rows[st.row];
      box.appendChild(X.el("div", "am-tip-meta", "basis: " + r.basis + " · confidence: " +
        r.confidence + " · click or press Enter for sources"));
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
  map.getRenderer(L.polygon([]));
  const day0 = X.firstDay || 0;
  const group = L.featureGroup().addTo(map);
  const markers = L.featureGroup().addTo(map);
  D.districts.forEach((d, i) => {
    let layer;
    if (X.isMarker(i)) {
      const mark = document.createElement("span");
      mark.className = "am-sub-mark";
      const at = d.g.type === "Point" ? [d.g.coordinates[1], d.g.coordinates[0]] : d.pt;
      layer = L.marker(at, {
        icon: L.divIcon({ html: mark, className: "am-sub", iconSize: [12, 12], iconAnchor: [6, 6] }),
        keyboard: false, riseOnHover: true,
      });
      layer.addTo(markers);
    } else {
      layer = L.GeoJSON.geometryToLayer({ type: "Feature", properties: {}, geometry: d.g });
      shown[i] = X.segIndex(i, day0);
      layer.setStyle(styleFor(i, X.segment(i, shown[i])));
      layer.addTo(group);
    }
    const path = layer.getElement();
    path.setAttribute("data-district", d.id);
    if (d.basis === "estimated" || d.basis === "sub-area") path.setAttribute("data-basis", d.basis);
    path.classList.add("am-district");
    // every district is reachable with Tab; Enter (or space) opens its history
    path.setAttribute("tabindex", "0");
    path.setAttribute("role", "button");
    layer.amIndex = i;
    X.layers.push(layer);
  });
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
  const box = map.getContainer();
  box.addEventListener("focusin", (ev) => {
    const i = districtOf(ev.target);
    if (i === undefined) return;
    now.focused = i;
    ev.target.closest(".am-district").setAttribute("aria-label", X.nameText(i, X.stateAt(i, now.day)));
    X.restyle(i, true);
    openTip(i, D.districts[i].pt);
  });
  box.addEventListener("focusout", (ev) => {
    const i = districtOf(ev.target);
    if (i === undefined) return;
    if (now.focused === i) now.focused = -1;
    closeTip(i);
    X.restyle(i, true);
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
