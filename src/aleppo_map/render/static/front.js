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
 * Adds to X: holderOf(st), frontIds(), updateFront(); X.onRestyle (called by map.js).
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
  function frontCanvas() {
    // every point of every edge, absolute (lat, lon in 1/scale degree), and its projection
    // on the map at the zoom it was last projected for
    const pts = new Float64Array(C.length);
    for (let n = 0, la = 0, lo = 0; n < C.length; n += 2) {
      la += C[n];
      lo += C[n + 1];
      pts[n] = la / E.scale;
      pts[n + 1] = lo / E.scale;
    }
    const px = new Float64Array(C.length);
    let zoom = null, origin = null;
    const canvas = L.DomUtil.create("canvas", "am-front-canvas", map.getPane("am-front"));
    const ctx = canvas.getContext("2d");
    const box = new Float64Array(4 * NE); // each edge's pixel bounds at that zoom
    const CHUNK = 256;
    // the edges that went on or off since the last drawing (all: -1)
    let changed = [], full = true;
    const layer = {
      touch(k) { if (!full) changed.push(k); },
    };
    function place() {
      const size = map.getSize(), pad = size.multiplyBy(0.1).round();
      const dpr = window.devicePixelRatio || 1;
      origin = map.containerPointToLayerPoint(pad.multiplyBy(-1)).round();
      L.DomUtil.setPosition(canvas, origin);
      const w = size.x + 2 * pad.x, h = size.y + 2 * pad.y;
      canvas.width = Math.round(w * dpr);
      canvas.height = Math.round(h * dpr);
      canvas.style.width = w + "px";
      canvas.style.height = h + "px";
      ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
      if (zoom !== map.getZoom()) {
        zoom = map.getZoom();
        const crs = map.options.crs;
        if (crs === L.CRS.EPSG3857) {
          // Leaflet's spherical Mercator, inlined: no Point object per point
          const sc = crs.scale(zoom), d = Math.PI / 180, max = L.Projection.SphericalMercator.MAX_LATITUDE;
          for (let n = 0; n < pts.length; n += 2) {
            const sin = Math.sin(Math.max(Math.min(max, pts[n]), -max) * d);
            px[n] = sc * (0.5 + pts[n + 1] / 360);
            px[n + 1] = sc * (0.5 - Math.log((1 + sin) / (1 - sin)) / (4 * Math.PI));
          }
        } else {
          for (let n = 0; n < pts.length; n += 2) {
            const p = map.project([pts[n], pts[n + 1]], zoom);
            px[n] = p.x;
            px[n + 1] = p.y;
          }
        }
        for (let k = 0; k < NE; k++) {
          let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
          for (let n = partPos[firstPart[k]]; n < partPos[firstPart[k + 1]]; n += 2) {
            if (px[n] < x0) x0 = px[n];
            if (px[n] > x1) x1 = px[n];
            if (px[n + 1] < y0) y0 = px[n + 1];
            if (px[n + 1] > y1) y1 = px[n + 1];
          }
          box[4 * k] = x0;
          box[4 * k + 1] = y0;
          box[4 * k + 2] = x1;
          box[4 * k + 3] = y1;
        }
      }
      full = true;
      layer.draw();
    }
    /** Draw the front: all of it, or only the region of the edges that changed. */
    layer.draw = function () {
      if (!full && !changed.length) return;
      if (zoom === null) return;
      const o = map.getPixelOrigin().add(origin);
      // the region to draw again, in the canvas's pixels (everything when too much changed)
      let x0 = -Infinity, y0 = -Infinity, x1 = Infinity, y1 = Infinity;
      if (!full && changed.length < NE / 8) {
        x0 = y0 = Infinity;
        x1 = y1 = -Infinity;
        for (const k of changed) {
          x0 = Math.min(x0, box[4 * k]); y0 = Math.min(y0, box[4 * k + 1]);
          x1 = Math.max(x1, box[4 * k + 2]); y1 = Math.max(y1, box[4 * k + 3]);
        }
        const m = 6; // half the halo, and a pixel of anti-aliasing
        x0 -= m; y0 -= m; x1 += m; y1 += m;
      }
      changed = [];
      full = false;
      ctx.save();
      if (x0 > -Infinity) {
        ctx.beginPath();
        ctx.rect(x0 - o.x, y0 - o.y, x1 - x0, y1 - y0);
        ctx.clip();
        ctx.clearRect(x0 - o.x, y0 - o.y, x1 - x0, y1 - y0);
      } else {
        ctx.clearRect(0, 0, canvas.width, canvas.height);
      }
      // the edges in paths of CHUNK edges each (one path of 10,000 edges rasterised far
      // slower than many small ones), every halo first, then every line over them
      const paths = [];
      let path = null, n = 0;
      for (let k = 0; k < NE; k++) {
        if (!active[k] || box[4 * k] > x1 || box[4 * k + 2] < x0 || box[4 * k + 1] > y1 ||
            box[4 * k + 3] < y0) continue;
        if (!path || n === CHUNK) {
          paths.push((path = new Path2D()));
          n = 0;
        }
        n++;
        for (let p = firstPart[k]; p < firstPart[k + 1]; p++) {
          const a = partPos[p], b = a + 2 * NV[p];
          path.moveTo(px[a] - o.x, px[a + 1] - o.y);
          for (let q = a + 2; q < b; q += 2) path.lineTo(px[q] - o.x, px[q + 1] - o.y);
        }
      }
      // butt ends: round caps on thousands of short edges made rasterising the canvas cost
      // more than drawing every district (measured at 10,000 districts: 3x the frame time)
      ctx.lineCap = "butt";
      ctx.lineJoin = "round";
      ctx.globalAlpha = 0.85;
      ctx.strokeStyle = "#ffffff";
      ctx.lineWidth = 6.5;
      paths.forEach((q) => ctx.stroke(q));
      ctx.globalAlpha = 1;
      ctx.strokeStyle = "#111111";
      ctx.lineWidth = 3;
      paths.forEach((q) => ctx.stroke(q));
      ctx.restore();
    };
    // hidden while the map zooms (as the labels are), drawn again once it has
    map.on("zoomstart", () => { canvas.style.visibility = "hidden"; });
    map.on("moveend zoomend resize viewreset", () => { canvas.style.visibility = ""; place(); });
    place();
    return layer;
  }
}
