/* front.js: the front line, where districts held mostly by different sides meet.
 *
 * D.edges = {id: [], a: [], b: [], np: [], nv: [], c: [], scale}: the boundary shared by
 * districts a[k] and b[k] (indices of D.districts), sent once; edge k has np[k] parts, part
 * p has nv[p] points, and c holds every point as lat, lon in units of 1/scale degree, each
 * as its step from the one before, across all parts of all edges in order (id, the row in
 * analysis.front, defaults to k). On each day the front is the edges whose two districts
 * have different majority holders (the side holding more than half; an even split stays
 * with the remainder, as in analysis.areas.majority_holder in Python). Only the edges of
 * districts whose state changed are looked at again.
 *
 * SVG: the front is drawn in buckets of consecutive edges, one path per bucket (a halo in
 * a pane below, the line above), and only the buckets whose edges changed are redrawn.
 * Canvas (D.renderer "canvas"): one canvas of its own draws the halo of every front edge,
 * then the line, straight from the edges' points projected once per zoom: no Leaflet
 * layer or LatLng per edge, and a change of day repaints that canvas only.
 *
 * Adds to X: holderOf(st), frontIds(), updateFront(), frontImage(), frontSettled(),
 * frontStill(on);
 * X.onRestyle (called by map.js).
 */
function explorerFront(X) {
  const D = X.D;
  const map = X.map;
  const E = D.edges || { a: [], b: [], np: [], nv: [], c: [], scale: 1 };
  const NE = E.a.length;
  const edgeId = E.id || null;
  // Where each edge's parts start in c, and the point its first step starts from (the steps
  // run on across edges); an edge's points are decoded to LatLngs only when it first goes
  // on the front. The steps are kept in a typed array, the JSON arrays dropped.
  const C = Int32Array.from(E.c || []), NV = Int32Array.from(E.nv || []);
  const firstPart = new Int32Array(NE + 1);
  const startAt = new Float64Array(2 * NE);
  {
    let la = 0, lo = 0, pos = 0, part = 0;
    for (let k = 0; k < NE; k++) {
      firstPart[k] = part;
      startAt[2 * k] = la;
      startAt[2 * k + 1] = lo;
      for (let p = 0; p < E.np[k]; p++, part++) {
        for (let n = 0; n < NV[part]; n++, pos += 2) { la += C[pos]; lo += C[pos + 1]; }
      }
    }
    firstPart[NE] = part;
  }
  const partPos = new Int32Array(NV.length + 1);
  for (let p = 0; p < NV.length; p++) partPos[p + 1] = partPos[p] + 2 * NV[p];
  delete E.c;
  delete E.nv;
  function decode(k) {
    let la = startAt[2 * k], lo = startAt[2 * k + 1];
    const out = [];
    for (let p = firstPart[k]; p < firstPart[k + 1]; p++) {
      const pts = new Array(NV[p]);
      for (let n = 0, pos = partPos[p]; n < NV[p]; n++, pos += 2) {
        la += C[pos];
        lo += C[pos + 1];
        pts[n] = L.latLng(la / E.scale, lo / E.scale);
      }
      out.push(pts);
    }
    return out;
  }

  /** Majority holder of a state: the side holding more than half of the district. */
  X.holderOf = (st) => (st.rest < 0 || st.share > 0.5 ? st.side : st.rest);
  // the edges of each district (k for edge k of district a, as of b), as offsets
  const edgeStart = new Int32Array(X.ND + 1);
  for (let k = 0; k < NE; k++) { edgeStart[E.a[k] + 1]++; edgeStart[E.b[k] + 1]++; }
  for (let i = 0; i < X.ND; i++) edgeStart[i + 1] += edgeStart[i];
  const edgeList = new Int32Array(2 * NE);
  {
    const at = edgeStart.slice(0, X.ND);
    for (let k = 0; k < NE; k++) { edgeList[at[E.a[k]]++] = k; edgeList[at[E.b[k]]++] = k; }
  }
  let canvasFront = null; // the canvas layer (canvas renderer), made below
  const holder = new Int32Array(X.ND).fill(-1);
  const active = new Uint8Array(NE);
  // The front is drawn in buckets of BUCKET consecutive edges (neighbours of neighbouring
  // districts), one path per bucket (a halo in a pane below, the line above). A day's change
  // redraws only the buckets it touches: one path for the whole front made the browser
  // repaint every district under its bounding box, often the whole city, and one path per
  // edge made long jumps add and remove thousands of elements.
  const BUCKET = 32;
  const dirty = new Set();
  ["am-front-halo", "am-front"].forEach((name, n) => {
    const pane = map.createPane(name);
    pane.style.zIndex = 449 + n;
    pane.style.pointerEvents = "none";
  });
  const frontGroup = L.layerGroup().addTo(map);
  const buckets = new Map(); // bucket -> [halo, line]
  const decoded = new Map(); // edge on the front -> its LatLngs (dropped when it goes off)
  const frontOpts = { interactive: false, lineCap: "round", lineJoin: "round" };
  function drawBucket(b) {
    const ids = [], latlngs = [];
    for (let k = b * BUCKET; k < Math.min(NE, (b + 1) * BUCKET); k++) {
      if (!active[k]) continue;
      ids.push(edgeId ? edgeId[k] : k);
      let ll = decoded.get(k);
      if (!ll) decoded.set(k, (ll = decode(k)));
      for (const part of ll) latlngs.push(part);
    }
    let pair = buckets.get(b);
    if (!ids.length) {
      if (pair) pair.forEach((l) => frontGroup.removeLayer(l));
      return;
    }
    if (!pair) {
      pair = [
        L.polyline(latlngs, Object.assign({ pane: "am-front-halo", color: "#ffffff", weight: 6.5, opacity: 0.85, className: "am-front-halo" }, frontOpts)),
        L.polyline(latlngs, Object.assign({ pane: "am-front", color: "#111111", weight: 3, opacity: 1, className: "am-front" }, frontOpts)),
      ];
      buckets.set(b, pair);
    } else {
      pair.forEach((l) => l.setLatLngs(latlngs));
    }
    pair.forEach((l) => {
      frontGroup.addLayer(l);
      l.getElement().setAttribute("data-edges", ids.join(" "));
    });
  }
  function setEdge(k) {
    const ha = holder[E.a[k]], hb = holder[E.b[k]];
    const on = ha >= 0 && hb >= 0 && ha !== hb ? 1 : 0;
    if (on !== active[k]) {
      active[k] = on;
      if (!on) decoded.delete(k);
      if (canvasFront) canvasFront.touch(k); else dirty.add((k / BUCKET) | 0);
    }
  }
  // the districts already drawn (with the first day's style) and the edges between them
  for (let i = 0; i < X.ND; i++) {
    const k = X.shownSegment(i);
    if (k >= 0) holder[i] = X.holderOf(X.segment(i, k));
  }
  for (let k = 0; k < NE; k++) setEdge(k);
  if (X.canvas) {
    dirty.clear();
    canvasFront = frontCanvas();
  }
  // called by X.restyle whenever a district's drawn state changes
  X.onRestyle = function (i, st) {
    const h = X.holderOf(st);
    if (h === holder[i]) return;
    holder[i] = h;
    for (let n = edgeStart[i]; n < edgeStart[i + 1]; n++) setEdge(edgeList[n]);
  };
  /** Redraw the buckets whose edges went on or off since the last call. */
  X.updateFront = function () {
    if (canvasFront) {
      canvasFront.draw();
      return;
    }
    dirty.forEach(drawBucket);
    dirty.clear();
  };
  /** Ids (rows of analysis.front.project_edges) of the edges on the front today. */
  X.frontIds = function () {
    const out = [];
    for (let k = 0; k < NE; k++) if (active[k]) out.push(edgeId ? edgeId[k] : k);
    return out;
  };
  // ---------------------------------------------------------------- the front on a canvas
  // painter.js draws it: in a worker, on the canvas handed over to it, when the browser
  // can (else here). A change of day sends the edges that went on or off.
  function frontCanvas() {
    // every point of every edge, absolute (latitude, longitude)
    const pts = new Float64Array(C.length);
    for (let n = 0, la = 0, lo = 0; n < C.length; n += 2) {
      la += C[n];
      lo += C[n + 1];
      pts[n] = la / E.scale;
      pts[n + 1] = lo / E.scale;
    }
    const data = () => ({ pts: pts, firstPart: firstPart, partPos: partPos, nv: NV, active: active });
    let canvas = L.DomUtil.create("canvas", "am-front-canvas", map.getPane("am-front"));
    let send = null, unanswered = 0;
    const mercator = map.options.crs === L.CRS.EPSG3857;
    if (mercator && typeof Worker !== "undefined" && canvas.transferControlToOffscreen) {
      try {
        // the worker answers each message once it has drawn
        const src = "const P = (" + frontPainter.toString() + ")();\n" +
          "onmessage = (e) => { P.handle(e.data); postMessage(0); };";
        const worker = new Worker("data:text/javascript;charset=utf-8," + encodeURIComponent(src));
        const off = canvas.transferControlToOffscreen();
        worker.postMessage({ init: Object.assign(data(), { canvas: off }) }, [off]);
        unanswered = 1;
        worker.addEventListener("message", () => { unanswered--; });
        send = (m) => {
          unanswered++;
          worker.postMessage(m, m.set ? [m.set.buffer] : []); // the toggles moved, not copied
        };
        worker.addEventListener("error", () => { unanswered = 0; local(); place(); });
      } catch (e) {
        send = null;
      }
    }
    function local() {
      // on this thread (a new canvas: the first one may have been handed over)
      const fresh = L.DomUtil.create("canvas", "am-front-canvas", map.getPane("am-front"));
      canvas.remove();
      canvas = fresh;
      const painter = frontPainter();
      painter.handle({ init: Object.assign(data(), { canvas: canvas }) });
      send = (m) => painter.handle(m);
    }
    if (!send) local();
    let view = null, origin = null, still = null;
    // a copy drawn on this thread, shown instead while printing: the browser prints at
    // once, before a worker could draw the front for the printed view
    function drawStill() {
      if (!still) still = L.DomUtil.create("canvas", "am-front-still", map.getPane("am-front"));
      frontPainter().handle({ init: Object.assign(data(), { canvas: still }), place: view });
      still.style.width = view.w + "px";
      still.style.height = view.h + "px";
      L.DomUtil.setPosition(still, origin);
    }
    function place() {
      const size = map.getSize(), pad = size.multiplyBy(0.1).round();
      origin = map.containerPointToLayerPoint(pad.multiplyBy(-1)).round();
      L.DomUtil.setPosition(canvas, origin);
      const w = size.x + 2 * pad.x, h = size.y + 2 * pad.y;
      canvas.style.width = w + "px";
      canvas.style.height = h + "px";
      const o = map.getPixelOrigin().add(origin);
      view = { w: w, h: h, dpr: window.devicePixelRatio || 1,
        scale: map.options.crs.scale(map.getZoom()), ox: o.x, oy: o.y };
      send({ place: view, set: Int32Array.from(pending) });
      pending = [];
      if (still) drawStill();
    }
    let pending = []; // edges that went on or off, as [k, on, ...], not yet sent
    // hidden while the map zooms (as the labels are), drawn again once it has
    map.on("zoomstart", () => { canvas.style.visibility = "hidden"; });
    map.on("moveend zoomend resize viewreset", () => {
      canvas.style.visibility = still ? "hidden" : "";
      place();
    });
    place();
    return {
      settled: () => unanswered === 0,
      still(on) {
        canvas.style.visibility = on ? "hidden" : "";
        if (on) drawStill();
        else if (still) {
          still.remove();
          still = null;
        }
      },
      touch(k) { pending.push(k, active[k]); },
      draw() {
        if (!pending.length) return;
        send({ set: Int32Array.from(pending) });
        pending = [];
      },
      /** The front as shown, drawn again on a canvas of the view's size (for the PNG). */
      image() {
        const c = document.createElement("canvas");
        const p = frontPainter();
        p.handle({ init: Object.assign(data(), { canvas: c }), place: Object.assign({}, view, { dpr: 1 }) });
        return { canvas: c, at: canvas.getBoundingClientRect() };
      },
    };
  }
  /** The front line's canvas as shown, for the PNG (canvas renderer only), or null. */
  X.frontImage = () => (canvasFront ? canvasFront.image() : null);
  /** Show the front drawn on this thread (on) or the live one again (off), for printing. */
  X.frontStill = (on) => { if (canvasFront) canvasFront.still(on); };
  /** Whether the front on screen is the current one (a worker may still be drawing it). */
  X.frontSettled = () => !canvasFront || canvasFront.settled();
}
