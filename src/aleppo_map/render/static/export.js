/* export.js: save, print and embed the current view.
 *
 * The PNG is drawn on a canvas from the map's own SVG paths (Path2D reads their "d"), or,
 * when the districts are drawn on a canvas (D.renderer "canvas"), from that canvas and the
 * front line drawn again by painter.js,
 * with the title, the date, the totals, the legend and the attribution: no library and no
 * request, so it works offline. Street-map tiles are not drawn (their servers forbid
 * reading them back); the attribution says so when they are on.
 *
 * Adds to X: snapshot(scale) -> canvas, downloadPng(), embedSnippet(), buildExport().
 */
function explorerExport(X) {
  const D = X.D;
  const map = X.map;
  const $ = X.$;
  const FONT = 'system-ui, "DejaVu Sans", "Noto Sans", Arial, sans-serif';
  const MAP_BG = "#e8e6df";

  function wrap(ctx, text, width) {
    const words = String(text).split(/\s+/);
    const lines = [];
    let line = "";
    words.forEach((w) => {
      const t = line ? line + " " + w : w;
      if (line && ctx.measureText(t).width > width) { lines.push(line); line = w; } else line = t;
    });
    if (line) lines.push(line);
    return lines;
  }
  function hatch(ctx, id) {
    const p = document.getElementById(id);
    if (!p) return "#999";
    const rects = p.querySelectorAll("rect");
    const tile = document.createElement("canvas");
    tile.width = 10;
    tile.height = 10;
    const t = tile.getContext("2d");
    t.fillStyle = rects[0].getAttribute("fill");
    t.fillRect(0, 0, 10, 10);
    t.fillStyle = rects[1].getAttribute("fill");
    t.fillRect(0, 0, Number(rects[1].getAttribute("width")), 10);
    const pattern = ctx.createPattern(tile, "repeat");
    pattern.setTransform(new DOMMatrix().rotate(45));
    return pattern;
  }
  function fillOf(ctx, value) {
    const m = /^url\(["']?#([\w-]+)["']?\)$/.exec(value || "");
    return m ? hatch(ctx, m[1]) : (value || "#999");
  }
  function drawDistricts(ctx, w, h) {
    const box = map.getContainer().getBoundingClientRect();
    const host = map.getPanes().overlayPane.querySelector("svg");
    ctx.save();
    ctx.beginPath();
    ctx.rect(0, 0, w, h);
    ctx.clip();
    ctx.fillStyle = MAP_BG;
    ctx.fillRect(0, 0, w, h);
    if (X.canvas) {
      // the districts' canvas as shown, then the front line (drawn again: a worker may
      // draw the one on screen)
      const c = map.getPanes().overlayPane.querySelector("canvas");
      if (c && c.width) {
        const r = c.getBoundingClientRect();
        ctx.drawImage(c, r.left - box.left, r.top - box.top, r.width, r.height);
      }
      const front = X.frontImage();
      if (front) {
        const r = front.at;
        ctx.drawImage(front.canvas, r.left - box.left, r.top - box.top, r.width, r.height);
      }
    } else {
      // the districts, then the front line (its own pane, so its own SVG)
      const svgOf = (pane) => (map.getPane(pane) ? map.getPane(pane).querySelector("svg") : null);
      [[host, "path.am-district"], [svgOf("am-front-halo"), "path"], [svgOf("am-front"), "path"]]
        .forEach(([svgEl, selector]) => { if (svgEl) drawPaths(ctx, box, svgEl, selector); });
    }
    drawMarkersAndLabels(ctx, box);
    ctx.restore();
  }
  function drawPaths(ctx, box, host, selector) {
    ctx.save();
    const r = host.getBoundingClientRect();
    const vb = host.viewBox.baseVal;
    ctx.translate(r.left - box.left - (vb ? vb.x : 0), r.top - box.top - (vb ? vb.y : 0));
    host.querySelectorAll(selector).forEach((p) => {
      const d = p.getAttribute("d");
      if (!d) return;
      const path = new Path2D(d);
      if (p.getAttribute("fill") !== "none") {
        ctx.globalAlpha = Number(p.getAttribute("fill-opacity") || 1);
        ctx.fillStyle = fillOf(ctx, p.getAttribute("fill"));
        ctx.fill(path, "evenodd");
      }
      ctx.globalAlpha = Number(p.getAttribute("stroke-opacity") || 1);
      ctx.strokeStyle = p.getAttribute("stroke") || "#444";
      ctx.lineWidth = Number(p.getAttribute("stroke-width") || 1);
      ctx.lineCap = p.getAttribute("stroke-linecap") || "butt";
      ctx.lineJoin = p.getAttribute("stroke-linejoin") || "miter";
      const dash = p.getAttribute("stroke-dasharray");
      ctx.setLineDash(dash ? dash.split(/[ ,]+/).map(Number) : []);
      ctx.stroke(path);
    });
    ctx.restore();
  }
  // the sub-area diamonds and the district labels, where the page shows them
  function drawMarkersAndLabels(ctx, box) {
    map.getPanes().markerPane.querySelectorAll(".am-sub").forEach((m) => {
      const r = m.getBoundingClientRect();
      const mark = m.firstChild;
      if (!mark || !r.width) return;
      const cs = getComputedStyle(mark);
      const colours = (cs.backgroundImage.match(/rgba?\([^)]*\)/g) || [cs.backgroundColor]);
      const cx = r.left - box.left + r.width / 2, cy = r.top - box.top + r.height / 2;
      ctx.save();
      ctx.translate(cx, cy);
      ctx.rotate(Math.PI / 4);
      ctx.fillStyle = "#fff";
      ctx.fillRect(-6.5, -6.5, 13, 13);
      ctx.fillStyle = colours[0];
      ctx.fillRect(-5.5, -5.5, 11, 11);
      if (colours.length > 1) {
        ctx.fillStyle = colours[colours.length - 1];
        ctx.beginPath();
        ctx.moveTo(5.5, -5.5);
        ctx.lineTo(5.5, 5.5);
        ctx.lineTo(-5.5, 5.5);
        ctx.fill();
      }
      ctx.strokeStyle = cs.borderTopColor;
      ctx.lineWidth = parseFloat(cs.borderTopWidth) || 1.5;
      ctx.strokeRect(-5.5, -5.5, 11, 11);
      ctx.restore();
    });
    const pane = map.getPane("am-labels");
    if (!pane || pane.style.visibility === "hidden") return;
    ctx.save();
    ctx.textBaseline = "middle";
    ctx.lineJoin = "round";
    pane.querySelectorAll(".am-label").forEach((e) => {
      const r = e.getBoundingClientRect();
      const cs = getComputedStyle(e);
      ctx.font = cs.fontStyle + " " + cs.fontWeight + " " + cs.fontSize + " " + FONT;
      ctx.textAlign = cs.textAlign === "left" ? "left" : "center";
      const x = r.left - box.left + (ctx.textAlign === "left" ? 0 : r.width / 2);
      const y = r.top - box.top + r.height / 2;
      ctx.strokeStyle = "rgba(255,255,255,0.9)";
      ctx.lineWidth = 3;
      ctx.strokeText(e.textContent, x, y);
      ctx.fillStyle = cs.color;
      ctx.fillText(e.textContent, x, y);
    });
    ctx.restore();
  }

  /** The current view as a canvas: title, date, totals, map, legend and attribution. */
  X.snapshot = function (scale) {
    const s = scale || 2;
    const size = map.getSize();
    const W = Math.max(560, size.x), mapH = size.y;
    const pad = 14;
    const measure = document.createElement("canvas").getContext("2d");
    measure.font = "11px " + FONT;
    const date = D.dates[X.now.day];
    const totals = X.dayShares().map(([k, v]) => X.side(k).short + " " + X.pct(v)).join(", ");
    const attribution = ["Sources: " + D.meta.sources.join("; ") + ".",
      "Control table: " + D.meta.changes + " (" + D.meta.nrows + " rows). Boundaries: " + D.meta.coverage + "." + (D.meta.attribution ? " " + D.meta.attribution + "." : ""),
      "Map drawn with Leaflet" + ($("am-tiles") && $("am-tiles").checked
        ? "; street map tiles not included (" + D.tiles.text + ")." : ".")];
    const attrLines = attribution.flatMap((t) => wrap(measure, t, W - 2 * pad));
    measure.font = "12px " + FONT;
    const legendItems = D.sides.map((side) => side.label).concat(
      ["partial control (stripes of the gaining side)", "dashed: low confidence"]);
    // lay the legend out in rows
    const legendRows = [[]];
    let x = pad;
    legendItems.forEach((t, k) => {
      const wItem = 22 + measure.measureText(t).width + 16;
      if (x + wItem > W - pad && legendRows[legendRows.length - 1].length) { legendRows.push([]); x = pad; }
      legendRows[legendRows.length - 1].push([k, x, t]);
      x += wItem;
    });
    const headH = totals && D.reference ? 86 : 66;
    const footH = pad + legendRows.length * 20 + 6 + attrLines.length * 14 + pad;
    const H = headH + mapH + footH;
    const canvas = document.createElement("canvas");
    canvas.width = Math.round(W * s);
    canvas.height = Math.round(H * s);
    const ctx = canvas.getContext("2d");
    ctx.scale(s, s);
    ctx.fillStyle = "#ffffff";
    ctx.fillRect(0, 0, W, H);
    ctx.textBaseline = "alphabetic";
    ctx.fillStyle = "#5b5b63";
    ctx.font = "13px " + FONT;
    ctx.fillText(D.title, pad, 22);
    ctx.fillStyle = "#1d1d1f";
    ctx.font = "bold 26px " + FONT;
    ctx.fillText(X.longDate(date), pad, 52);
    if (totals && D.reference) {
      ctx.font = "13px " + FONT;
      ctx.fillText(D.reference.label + ": " + totals, pad, 74);
    }
    ctx.save();
    ctx.translate((W - size.x) / 2, headH);
    drawDistricts(ctx, size.x, mapH);
    ctx.restore();
    // legend
    let y = headH + mapH + pad;
    ctx.font = "12px " + FONT;
    legendRows.forEach((row) => {
      row.forEach(([k, lx, t]) => {
        if (k < D.sides.length) {
          ctx.fillStyle = D.sides[k].colour;
          ctx.fillRect(lx, y, 18, 12);
        } else if (k === D.sides.length && D.sides.length > 1) {
          ctx.save();
          ctx.beginPath();
          ctx.rect(lx, y, 18, 12);
          ctx.clip();
          ctx.fillStyle = D.sides[X.refSide >= 0 ? X.refSide : 1].colour;
          ctx.fillRect(lx, y, 18, 12);
          ctx.strokeStyle = D.sides[X.refSide === 0 ? 1 : 0].colour;
          ctx.lineWidth = 3;
          for (let d = -12; d < 30; d += 7) {
            ctx.beginPath(); ctx.moveTo(lx + d, y + 12); ctx.lineTo(lx + d + 12, y); ctx.stroke();
          }
          ctx.restore();
        } else {
          ctx.setLineDash([3, 2]);
          ctx.strokeStyle = "#333";
          ctx.strokeRect(lx + 0.5, y + 0.5, 17, 11);
          ctx.setLineDash([]);
        }
        ctx.strokeStyle = "#555";
        ctx.lineWidth = 1;
        if (k < D.sides.length) ctx.strokeRect(lx + 0.5, y + 0.5, 17, 11);
        ctx.fillStyle = "#1d1d1f";
        ctx.fillText(t, lx + 22, y + 10.5);
      });
      y += 20;
    });
    y += 6;
    ctx.font = "11px " + FONT;
    ctx.fillStyle = "#5b5b63";
    attrLines.forEach((line) => { ctx.fillText(line, pad, y + 10); y += 14; });
    return canvas;
  };

  X.pngName = () => (D.slug || "map") + "_" + D.dates[X.now.day] + ".png";
  X.downloadPng = function () {
    const canvas = X.snapshot(2);
    canvas.toBlob((blob) => {
      const a = document.createElement("a");
      a.href = URL.createObjectURL(blob);
      a.download = X.pngName();
      document.body.appendChild(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(a.href), 10000);
    }, "image/png");
  };

  // ---------------------------------------------------------------- embed
  function attr(text) {
    return String(text).replace(/&/g, "&amp;").replace(/"/g, "&quot;")
      .replace(/</g, "&lt;").replace(/>/g, "&gt;");
  }
  /** An iframe that shows this page on the current day (the deep link #YYYY-MM-DD). */
  X.embedSnippet = function () {
    const url = location.href.split("#")[0] + "#" + D.dates[X.now.day];
    return '<iframe src="' + attr(url) + '" title="' + attr(D.title) +
      '" width="100%" height="640" style="border:0" loading="lazy"></iframe>';
  };
  function showEmbed(on) {
    const box = $("am-embed-box");
    box.hidden = !on;
    $("am-embed").setAttribute("aria-expanded", String(on));
    if (on) {
      const t = $("am-embed-code");
      t.value = X.embedSnippet();
      t.focus();
      t.select();
    }
  }
  function copyEmbed() {
    const t = $("am-embed-code");
    t.select();
    const done = () => { $("am-embed-copied").hidden = false; };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(t.value).then(done, () => {
        if (document.execCommand("copy")) done();
      });
    } else if (document.execCommand("copy")) {
      done();
    }
  }

  // ---------------------------------------------------------------- print
  // The print stylesheet gives the map a fixed size (PRINT_SIZE, which fits A4 and Letter).
  // The browser lays the page out for print only after "beforeprint", so the map takes
  // that size at once, inline, fits the districts into it, and gets its view back after.
  const PRINT_SIZE = ["180mm", "140mm"];
  let before = null;
  function toPrint() {
    if (before) return;
    const c = map.getContainer();
    before = { center: map.getCenter(), zoom: map.getZoom() };
    c.style.width = PRINT_SIZE[0];
    c.style.height = PRINT_SIZE[1];
    map.invalidateSize({ animate: false, pan: false });
    map.fitBounds(D.bounds, { padding: [6, 6], animate: false });
    X.frontStill(true);
  }
  function fromPrint() {
    if (!before) return;
    const c = map.getContainer();
    c.style.width = "";
    c.style.height = "";
    map.invalidateSize({ animate: false, pan: false });
    map.setView(before.center, before.zoom, { animate: false });
    X.frontStill(false);
    before = null;
  }

  X.buildExport = function () {
    $("am-png").addEventListener("click", X.downloadPng);
    $("am-print").addEventListener("click", () => window.print());
    $("am-embed").addEventListener("click", () => showEmbed($("am-embed-box").hidden));
    $("am-embed-copy").addEventListener("click", copyEmbed);
    document.addEventListener("controlmap:date", () => {
      if (!$("am-embed-box").hidden) $("am-embed-code").value = X.embedSnippet();
    });
    window.addEventListener("beforeprint", toPrint);
    window.addEventListener("afterprint", fromPrint);
    const media = window.matchMedia("print");
    media.addEventListener("change", (ev) => (ev.matches ? toPrint() : fromPrint()));
  };
}
