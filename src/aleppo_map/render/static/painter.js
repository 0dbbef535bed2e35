/* painter.js: draws the front line on a canvas, for the canvas renderer (see front.js).
 *
 * frontPainter() is self-contained (it uses nothing outside its own body), so that the
 * same code runs in a worker, from its source text, on an OffscreenCanvas the page hands
 * over: rasterising a front of thousands of edges then costs the page's own thread
 * nothing. It also runs on the page's thread when workers or OffscreenCanvas are not
 * available, and for the PNG export. Messages (or direct calls of handle(m)):
 *   {init: {canvas, pts, firstPart, partPos, nv, active}}  the edges, once: pts holds
 *     every point's latitude and longitude; edge k's parts are firstPart[k] ..
 *     firstPart[k + 1] - 1, part p's points start at pts[partPos[p]] and number nv[p];
 *     active (0/1 per edge) is the front of the first day
 *   {place: {w, h, dpr, scale, ox, oy}}  the canvas's size in CSS pixels, the device pixel
 *     ratio, the map's pixel scale (Leaflet's crs.scale(zoom), spherical Mercator) and
 *     the world pixel of the canvas's top left corner: project the points, draw all
 *   {set: [k, on, k, on, ...]} (an Int32Array)  edges that went on or off the front: draw
 *     their region
 * The front is a white halo under a dark line, stroked in paths of CHUNK edges, every
 * halo first: butt ends (round caps on thousands of short edges made rasterising cost
 * more than drawing every district).
 */
function frontPainter() {
  const CHUNK = 256;
  const MAX_LAT = 85.0511287798;
  let canvas = null, ctx = null, pts = null, px = null, box = null;
  let firstPart = null, partPos = null, nv = null, active = null, NE = 0;
  let scale = null, ox = 0, oy = 0, full = true, changed = [];

  function project() {
    const d = Math.PI / 180;
    for (let n = 0; n < pts.length; n += 2) {
      const sin = Math.sin(Math.max(Math.min(MAX_LAT, pts[n]), -MAX_LAT) * d);
      px[n] = scale * (0.5 + pts[n + 1] / 360);
      px[n + 1] = scale * (0.5 - Math.log((1 + sin) / (1 - sin)) / (4 * Math.PI));
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
  function draw() {
    if (scale === null || (!full && !changed.length)) return;
    // the region to draw again, in world pixels (everything when much changed)
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
      ctx.rect(x0 - ox, y0 - oy, x1 - x0, y1 - y0);
      ctx.clip();
      ctx.clearRect(x0 - ox, y0 - oy, x1 - x0, y1 - y0);
    } else {
      ctx.clearRect(0, 0, canvas.width, canvas.height);
    }
    const paths = [];
    let path = null, count = 0;
    for (let k = 0; k < NE; k++) {
      if (!active[k] || box[4 * k] > x1 || box[4 * k + 2] < x0 || box[4 * k + 1] > y1 ||
          box[4 * k + 3] < y0) continue;
      if (!path || count === CHUNK) {
        paths.push((path = new Path2D()));
        count = 0;
      }
      count++;
      for (let p = firstPart[k]; p < firstPart[k + 1]; p++) {
        const a = partPos[p], b = a + 2 * nv[p];
        path.moveTo(px[a] - ox, px[a + 1] - oy);
        for (let q = a + 2; q < b; q += 2) path.lineTo(px[q] - ox, px[q + 1] - oy);
      }
    }
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
  }
  function handle(m) {
    if (m.init) {
      const d = m.init;
      canvas = d.canvas;
      ctx = canvas.getContext("2d");
      pts = d.pts;
      firstPart = d.firstPart;
      partPos = d.partPos;
      nv = d.nv;
      NE = firstPart.length - 1;
      active = Uint8Array.from(d.active);
      px = new Float64Array(pts.length);
      box = new Float64Array(4 * NE);
    }
    if (m.place) {
      const v = m.place;
      canvas.width = Math.round(v.w * v.dpr);
      canvas.height = Math.round(v.h * v.dpr);
      ctx.setTransform(v.dpr, 0, 0, v.dpr, 0, 0);
      if (scale !== v.scale) {
        scale = v.scale;
        project();
      }
      ox = v.ox;
      oy = v.oy;
      full = true;
    }
    if (m.set) {
      for (let n = 0; n < m.set.length; n += 2) {
        active[m.set[n]] = m.set[n + 1];
        if (!full) changed.push(m.set[n]);
      }
    }
    draw();
  }
  return { handle: handle };
}
