/* aleppo-map explorer.
 *
 * aleppoExplorer(map, D) draws the districts once, then on every change of day restyles
 * only the districts whose state changed. D comes from render_html.page_data():
 *   D.segs[i] = [[firstDay, controller, share, remainder (-1 when full), historyRow], ...]
 *   D.rows[k].ci indexes D.cites, where each citation is stored once
 * Every name, note and citation is inserted with textContent (never as HTML).
 * Public API: window.aleppoMap.setDate(iso), getDate(), stateOf(districtId), ...
 */
function aleppoExplorer(map, D) {
  "use strict";
  const CTRL = D.controllers;
  const N = D.dates.length;
  const ND = D.districts.length;
  const SVGNS = "http://www.w3.org/2000/svg";
  const MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
    "September", "October", "November", "December"];
  const EVENTS = {
    baseline: "opening state", capture: "captured by", advance: "advance by",
    recapture: "retaken by", repelled: "assault repelled", state: "held by",
  };
  const STATUS = {
    applied: "", superseded: "not used: a stronger report of the same day wins",
    repelled: "changes nothing", "after-end": "after the last day shown",
  };
  const $ = (id) => document.getElementById(id);

  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  function svg(tag, attrs) {
    const e = document.createElementNS(SVGNS, tag);
    for (const k in attrs) e.setAttribute(k, attrs[k]);
    return e;
  }
  function longDate(iso) {
    const [y, m, d] = iso.split("-").map(Number);
    return d + " " + MONTHS[m - 1] + " " + y;
  }
  function shortDate(iso) {
    const [, m, d] = iso.split("-").map(Number);
    return d + " " + MONTHS[m - 1].slice(0, 3);
  }
  function pct(x) { return Math.round(x * 100) + "%"; }
  function label(c) { return D.labels[c] || c; }
  function swatch(c) {
    const s = el("span", "am-sw");
    s.style.background = D.colours[c] || "#999";
    return s;
  }

  // ------------------------------------------------------------------ state lookup
  const segs = D.segs;
  const idIndex = new Map();
  D.districts.forEach((d, i) => idIndex.set(d.id, i));
  function segIndex(i, day) {
    const s = segs[i];
    let lo = 0, hi = s.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (s[mid][0] <= day) lo = mid; else hi = mid - 1;
    }
    return lo;
  }
  function stateAt(i, day) {
    const s = segs[i][segIndex(i, day)];
    return { since: s[0], c: s[1], share: s[2], r: s[3], row: s[4] };
  }
  // districts whose state changes on each day (segment starts after the first day)
  const changers = Array.from({ length: N }, () => []);
  segs.forEach((s, i) => s.forEach((seg, k) => { if (k > 0 && seg[0] < N) changers[seg[0]].push(i); }));
  const changeDays = [];
  changers.forEach((list, d) => { if (d > 0 && list.length) changeDays.push(d); });
  // history rows per district, and the state segment each applied row started
  const rowsOf = Array.from({ length: ND }, () => []);
  D.rows.forEach((r, k) => rowsOf[r.d].push(k));
  const segOfRow = new Map();
  segs.forEach((s, i) => s.forEach((seg) => { if (seg[4] >= 0) segOfRow.set(seg[4], seg); }));

  // ------------------------------------------------------------------ hatch patterns
  let defs = null;
  function patternId(c, r, share) {
    const tenth = Math.max(1, Math.min(9, Math.round(share * 10)));
    const id = "am-hatch-" + CTRL[c] + "-" + CTRL[r] + "-" + tenth;
    if (!document.getElementById(id)) {
      if (!defs) {
        const host = map.getPanes().overlayPane.querySelector("svg");
        defs = svg("defs", {});
        host.insertBefore(defs, host.firstChild);
      }
      defs.appendChild(makePattern(id, D.colours[CTRL[c]], D.colours[CTRL[r]], tenth));
    }
    return id;
  }
  // stripes of the gaining side (width in proportion to its share) over the holder's colour
  function makePattern(id, gain, hold, tenth) {
    const p = svg("pattern", {
      id: id, width: 10, height: 10, patternUnits: "userSpaceOnUse",
      patternTransform: "rotate(45)",
    });
    p.appendChild(svg("rect", { width: 10, height: 10, fill: hold }));
    p.appendChild(svg("rect", { width: tenth, height: 10, fill: gain }));
    return p;
  }

  // ------------------------------------------------------------------ layers
  let cur = -1;
  let selected = -1;
  let hovered = -1;
  const shown = new Array(ND).fill(-1); // segment index currently drawn
  const layers = [];
  const group = L.featureGroup().addTo(map);
  D.districts.forEach((d, i) => {
    let layer;
    if (d.kind === "point" || d.g.type === "Point") {
      layer = L.circleMarker(d.pt, { radius: 7 });
    } else {
      layer = L.GeoJSON.geometryToLayer({ type: "Feature", properties: {}, geometry: d.g });
    }
    layer.addTo(group);
    const path = layer.getElement();
    path.setAttribute("data-district", d.id);
    path.classList.add("am-district");
    layer.bindTooltip(() => tooltipContent(i), { sticky: true, direction: "top", className: "am-tip", opacity: 0.96 });
    layer.on("mouseover", () => { hovered = i; restyle(i, true); });
    layer.on("mouseout", () => { hovered = -1; restyle(i, true); });
    layer.on("click", () => openHistory(i));
    layers.push(layer);
  });

  function confidenceOf(st) {
    return st.row >= 0 ? D.rows[st.row].cf : "";
  }
  function styleFor(i, st) {
    const full = st.r < 0;
    const sel = i === selected;
    return {
      fillColor: full ? D.colours[CTRL[st.c]] : "url(#" + patternId(st.c, st.r, st.share) + ")",
      fillOpacity: D.fillOpacity,
      color: sel ? "#000" : (i === hovered ? "#222" : "#4a4a4a"),
      weight: sel ? 3 : (i === hovered ? 2 : 0.8),
      opacity: 0.9,
      dashArray: confidenceOf(st) === "low" ? "4 3" : null,
    };
  }
  function restyle(i, force) {
    const k = segIndex(i, cur);
    if (!force && shown[i] === k) return;
    shown[i] = k;
    const s = segs[i][k];
    layers[i].setStyle(styleFor(i, { since: s[0], c: s[1], share: s[2], r: s[3], row: s[4] }));
  }

  // ------------------------------------------------------------------ text of a state
  function stateText(st) {
    let t = label(CTRL[st.c]);
    if (st.r >= 0) t += " " + pct(st.share) + ", " + label(CTRL[st.r]) + " " + pct(1 - st.share);
    return t;
  }
  function sinceText(st) {
    return st.since <= 0 ? "since at least " + longDate(D.dates[0]) : "since " + longDate(D.dates[st.since]);
  }
  function tooltipContent(i) {
    const d = D.districts[i];
    const st = stateAt(i, cur);
    const box = el("div");
    box.appendChild(el("div", "am-tip-name", d.en));
    if (d.ar) {
      const ar = el("div", "am-tip-ar", d.ar);
      ar.dir = "auto";
      ar.lang = "ar";
      box.appendChild(ar);
    }
    const line = el("div", "am-tip-state");
    line.appendChild(swatch(CTRL[st.c]));
    line.appendChild(document.createTextNode(" " + stateText(st) + " — " + sinceText(st)));
    box.appendChild(line);
    if (st.row >= 0) {
      const r = D.rows[st.row];
      box.appendChild(el("div", "am-tip-meta", "basis: " + r.b + " · confidence: " + r.cf + " · click for sources"));
    }
    return box;
  }

  // ------------------------------------------------------------------ history panel
  function openHistory(i) {
    const prev = selected;
    selected = i;
    if (prev >= 0) restyle(prev, true);
    restyle(i, true);
    layers[i].bringToFront();
    renderHistory();
    const box = $("am-history");
    box.hidden = false;
    // bring the panel's top just under the sticky date header
    const side = $("am-side");
    const head = side.querySelector(".am-head");
    side.scrollTop = box.offsetTop - head.offsetHeight - 8;
  }
  function closeHistory() {
    const prev = selected;
    selected = -1;
    if (prev >= 0) restyle(prev, true);
    $("am-history").hidden = true;
  }
  function entryCard(k, currentRow) {
    const r = D.rows[k];
    const card = el("div", "am-entry");
    card.dataset.change = r.id;
    card.style.borderLeftColor = D.colours[r.c] || "#999";
    if (k === currentRow) card.classList.add("am-current");
    if (r.date > D.dates[cur]) card.classList.add("am-later");
    if (r.st === "superseded") card.classList.add("am-superseded");
    const what = el("div", "am-what");
    what.appendChild(swatch(r.c));
    let t = " " + (EVENTS[r.ev] || r.ev) + " " + label(r.c);
    if (r.ev === "baseline") t = " " + label(r.c) + " (opening state)";
    if (r.ev === "repelled") t = " assault by " + label(r.c) + " repelled";
    if (r.x === "partial") {
      t += ": " + pct(r.s) + " of the district";
      const seg = segOfRow.get(k);
      const rest = r.r || (seg && seg[3] >= 0 ? CTRL[seg[3]] : "");
      if (rest) t += ", rest " + label(rest);
    }
    what.appendChild(document.createTextNode(t));
    if (k === currentRow) what.appendChild(el("span", "am-badge", "in force on this day"));
    if (r.dp) what.appendChild(el("span", "am-badge", "disputed"));
    card.appendChild(what);
    const meta = "basis: " + r.b + " · confidence: " + r.cf + " · " + r.id + (STATUS[r.st] ? " · " + STATUS[r.st] : "");
    card.appendChild(el("div", "am-meta", meta));
    card.appendChild(el("div", "am-cite", "Source: " + D.cites[r.ci]));
    if (r.ag) card.appendChild(el("div", "am-meta", "applies a statement about a wider area: " + r.ag));
    if (r.note) card.appendChild(el("div", "am-note", r.note));
    return card;
  }
  function renderHistory() {
    const body = $("am-history-body");
    body.replaceChildren();
    if (selected < 0) return;
    const i = selected;
    const d = D.districts[i];
    body.appendChild(el("p", "am-hname", d.en));
    if (d.ar) {
      const ar = el("p", "am-har", d.ar);
      ar.dir = "auto";
      ar.lang = "ar";
      body.appendChild(ar);
    }
    let facts = [];
    if (d.sector) facts.push("sector: " + d.sector);
    if (d.area) facts.push(d.area + " km²");
    if (d.kind === "point") facts.push("drawn as a point: the boundary file has no polygon for it");
    if (facts.length) body.appendChild(el("p", "am-small", facts.join(" · ")));
    const st = stateAt(i, cur);
    const now = el("p", "am-now");
    now.appendChild(swatch(CTRL[st.c]));
    now.appendChild(document.createTextNode(" On " + longDate(D.dates[cur]) + ": " + stateText(st) + ", " + sinceText(st) + "."));
    body.appendChild(now);
    // group the rows by date; several reports of one day stand side by side
    const groups = [];
    rowsOf[i].forEach((k) => {
      const last = groups[groups.length - 1];
      if (last && D.rows[last[0]].date === D.rows[k].date) last.push(k); else groups.push([k]);
    });
    groups.forEach((g) => {
      const box = el("div", "am-group");
      box.appendChild(el("div", "am-group-date", longDate(D.rows[g[0]].date)));
      if (g.length > 1) {
        const disputed = g.some((k) => D.rows[k].dp);
        box.appendChild(el("div", "am-group-note", disputed
          ? "Conflicting reports (" + g.length + "), side by side:"
          : g.length + " reports of this day:"));
      }
      const cards = el("div", "am-cards");
      g.forEach((k) => cards.appendChild(entryCard(k, st.row)));
      box.appendChild(cards);
      body.appendChild(box);
    });
  }

  // ------------------------------------------------------------------ legend and footer
  function buildLegend() {
    const ul = $("am-legend");
    CTRL.forEach((c) => {
      const li = el("li");
      li.appendChild(swatch(c));
      li.appendChild(document.createTextNode(label(c)));
      ul.appendChild(li);
    });
    const li = el("li");
    const s = svg("svg", { width: 18, height: 13, class: "am-sw-svg", "aria-hidden": "true" });
    const d = svg("defs", {});
    d.appendChild(makePattern("am-legend-hatch", D.colours.government, D.colours.rebel, 5));
    s.appendChild(d);
    s.appendChild(svg("rect", { width: 18, height: 13, fill: "url(#am-legend-hatch)" }));
    li.appendChild(s);
    li.appendChild(document.createTextNode("Partial control: stripes of the gaining side over the holder, their width in proportion to its share"));
    ul.appendChild(li);
    const dash = el("li");
    dash.appendChild(el("span", "am-sw-dash"));
    dash.appendChild(document.createTextNode("Dashed outline: low-confidence state"));
    ul.appendChild(dash);
    if (D.districts.some((x) => x.kind === "point")) {
      const pt = el("li");
      pt.appendChild(el("span", "am-sw-dot"));
      pt.appendChild(document.createTextNode("Dot: district without a polygon in the boundary file"));
      ul.appendChild(pt);
    }
    const tip = el("li", "am-small", "Hover a district for its state; click it for every report behind it.");
    ul.appendChild(tip);
  }
  function buildMeta() {
    const m = D.meta;
    const f = $("am-meta");
    f.appendChild(el("div", null, "Control table: " + m.changes + " (" + m.nrows + " rows). Sources: " + m.sources.join("; ") + "."));
    f.appendChild(el("div", null, "Boundaries: " + m.coverage));
    $("am-totals").title = "Shares of the city area the rebels held on " + longDate(D.east.day) +
      " (" + D.east.km2 + " km² in " + D.east.n + " districts).";
    $("am-east-def").textContent = "Formerly rebel-held east: the city area the rebels held on " +
      longDate(D.east.day) + ", " + D.east.km2 + " km² in " + D.east.n +
      " districts (each district's area times the rebels' share that day; outskirts left out).";
    $("am-title").textContent = D.title;
  }

  // ------------------------------------------------------------------ chart
  const chart = { mode: D.east.share ? "east" : "all" };
  // km² per side per day: of the formerly rebel-held east, or of every mapped district
  function chartSeries() {
    if (chart.mode === "east") return D.east.share.map((row) => row.map((v) => v * D.east.km2));
    return D.area;
  }
  function setChartMode(mode) {
    if (mode === "east" && !D.east.share) return;
    chart.mode = mode;
    $("am-chart-east").setAttribute("aria-pressed", String(mode === "east"));
    $("am-chart-all").setAttribute("aria-pressed", String(mode === "all"));
    buildChart();
    if (cur >= 0) moveMarker();
  }
  function moveMarker() {
    chart.marker.setAttribute("x1", chart.x(cur));
    chart.marker.setAttribute("x2", chart.x(cur));
  }
  function buildChart() {
    const W = 340, H = 120, L0 = 34, R0 = 6, T0 = 6, B0 = 16;
    const box = $("am-chart");
    box.replaceChildren();
    const series = chartSeries();
    const s = svg("svg", { viewBox: "0 0 " + W + " " + H, role: "img", "aria-label": "Area held by each side, per day" });
    const totals = series.map((a) => a.reduce((x, y) => x + y, 0));
    const ymax = Math.max(1e-9, ...totals);
    const x = (d) => L0 + (N > 1 ? (d * (W - L0 - R0)) / (N - 1) : 0);
    const y = (v) => T0 + (H - T0 - B0) * (1 - v / ymax);
    const base = new Array(N).fill(0);
    CTRL.forEach((c, ci) => {
      const top = base.map((b, d) => b + series[d][ci]);
      let p = "M" + x(0) + "," + y(top[0]);
      for (let d = 1; d < N; d++) p += "L" + x(d) + "," + y(top[d]);
      for (let d = N - 1; d >= 0; d--) p += "L" + x(d) + "," + y(base[d]);
      s.appendChild(svg("path", { d: p + "Z", fill: D.colours[c], stroke: "none", "data-controller": c }));
      top.forEach((v, d) => { base[d] = v; });
    });
    s.appendChild(svg("line", { x1: L0, x2: W - R0, y1: y(0), y2: y(0), stroke: "#888" }));
    s.appendChild(svg("line", { x1: L0, x2: L0, y1: T0, y2: y(0), stroke: "#888" }));
    const yl = svg("text", { x: L0 - 3, y: T0 + 8, "text-anchor": "end", class: "am-axis" });
    yl.textContent = String(Math.round(ymax * 10) / 10);
    s.appendChild(yl);
    const y0 = svg("text", { x: L0 - 3, y: y(0), "text-anchor": "end", class: "am-axis" });
    y0.textContent = "0";
    s.appendChild(y0);
    const x0 = svg("text", { x: L0, y: H - 3, "text-anchor": "start", class: "am-axis" });
    x0.textContent = shortDate(D.dates[0]);
    s.appendChild(x0);
    const x1 = svg("text", { x: W - R0, y: H - 3, "text-anchor": "end", class: "am-axis" });
    x1.textContent = shortDate(D.dates[N - 1]);
    s.appendChild(x1);
    chart.marker = svg("line", { y1: T0 - 2, y2: y(0), stroke: "#000", "stroke-width": 1.5, id: "am-chart-marker" });
    s.appendChild(chart.marker);
    chart.x = x;
    s.addEventListener("click", (ev) => {
      const rect = s.getBoundingClientRect();
      const px = ((ev.clientX - rect.left) / rect.width) * W;
      setDay(Math.round(((px - L0) / (W - L0 - R0)) * (N - 1)), true);
    });
    box.appendChild(s);
  }

  // ------------------------------------------------------------------ day display
  function updateTotals() {
    const p = $("am-totals");
    p.replaceChildren();
    if (!D.east.share) {
      p.textContent = "No district was held by the rebels on " + longDate(D.dates[0]) + ".";
      return;
    }
    const sh = D.east.share[cur];
    const parts = [];
    // government and rebels always; the SDF and "contested" when they hold any of it
    CTRL.forEach((c, ci) => {
      if (c === "government" || c === "rebel" || sh[ci] >= 0.005) parts.push([c, sh[ci]]);
    });
    parts.forEach(([c, v], k) => {
      if (k > 0) p.appendChild(document.createTextNode(", "));
      p.appendChild(swatch(c));
      const name = { government: "government", rebel: "rebels", sdf: "SDF", contested: "contested" }[c] || c;
      p.appendChild(document.createTextNode(" " + name + " "));
      p.appendChild(el("b", null, pct(v)));
      if (k === 0) p.appendChild(document.createTextNode(" of the formerly rebel-held east"));
    });
  }
  function updateDayInfo() {
    const info = $("am-dayinfo");
    info.replaceChildren();
    info.appendChild(document.createTextNode("Day " + (cur + 1) + " of " + N + ". "));
    const list = changers[cur];
    if (cur === 0) {
      info.appendChild(document.createTextNode("Opening state."));
    } else if (!list.length) {
      info.appendChild(document.createTextNode("No change on this day."));
    } else {
      info.appendChild(document.createTextNode("Changed: "));
      list.slice(0, 8).forEach((i, k) => {
        if (k > 0) info.appendChild(document.createTextNode(", "));
        const b = el("button", null, D.districts[i].en);
        b.type = "button";
        b.title = "Open its history";
        b.addEventListener("click", () => openHistory(i));
        info.appendChild(b);
      });
      if (list.length > 8) info.appendChild(document.createTextNode(" and " + (list.length - 8) + " more"));
      info.appendChild(document.createTextNode("."));
    }
  }
  function updateFigures() {
    if (!D.figures.length) return;
    const box = $("am-figures-box");
    const ul = $("am-figures");
    ul.replaceChildren();
    const today = D.figures.filter((f) => f.date === D.dates[cur]);
    box.hidden = false;
    if (!today.length) {
      ul.appendChild(el("li", "am-small", "None reported for this day."));
      return;
    }
    today.forEach((f) => {
      const li = el("li");
      if (f.claim) {
        li.appendChild(el("div", null, f.claim + (f.when ? " (" + f.when + ")" : "")));
        const m = el("div", "am-small", f.computed ? "The map: " + f.computed : "");
        if (f.verdict) m.appendChild(el("span", "am-verdict", f.verdict));
        li.appendChild(m);
        if (f.reason) li.appendChild(el("div", "am-small", f.reason));
        if (f.source) li.appendChild(el("div", "am-small", f.source));
      } else {
        li.appendChild(document.createTextNode(f.text));
        if (f.verdict) li.appendChild(el("span", "am-verdict", f.verdict));
      }
      ul.appendChild(li);
    });
  }
  function notice(text) {
    const n = $("am-notice");
    n.textContent = text || "";
    n.hidden = !text;
  }

  function setDay(d, fromUser) {
    d = Math.max(0, Math.min(N - 1, d | 0));
    if (d === cur) return;
    const prev = cur;
    cur = d;
    // restyle only districts that changed between the two days (all of them on the first draw)
    if (prev < 0 || Math.abs(d - prev) > 45) {
      for (let i = 0; i < ND; i++) restyle(i, false);
    } else {
      const lo = Math.min(prev, d) + 1, hi = Math.max(prev, d);
      const seen = new Set();
      for (let day = lo; day <= hi; day++) changers[day].forEach((i) => seen.add(i));
      seen.forEach((i) => restyle(i, false));
    }
    const iso = D.dates[d];
    $("am-date").textContent = longDate(iso);
    const slider = $("am-slider");
    slider.value = String(d);
    slider.setAttribute("aria-valuetext", longDate(iso));
    moveMarker();
    updateTotals();
    updateDayInfo();
    updateFigures();
    if (selected >= 0) renderHistory();
    if (hovered >= 0) {
      const tt = layers[hovered].getTooltip();
      if (tt && tt.isOpen()) tt.update();
    }
    if (fromUser) {
      notice("");
      writeHash(iso);
    }
    document.dispatchEvent(new CustomEvent("aleppomap:date", { detail: { date: iso } }));
  }

  // ------------------------------------------------------------------ deep link
  function writeHash(iso) {
    if (location.hash === "#" + iso) return;
    try {
      history.replaceState(null, "", "#" + iso);
    } catch (e) {
      location.hash = iso;
    }
  }
  function hashDay() {
    const h = decodeURIComponent(location.hash.replace(/^#/, ""));
    if (!h) return -1;
    const k = D.dates.indexOf(h);
    if (k < 0) {
      notice("No such day on this map: “" + h + "”. Days run from " + longDate(D.dates[0]) +
        " to " + longDate(D.dates[N - 1]) + ".");
    }
    return k;
  }
  window.addEventListener("hashchange", () => {
    const k = hashDay();
    if (k >= 0) setDay(k, false);
  });

  // ------------------------------------------------------------------ playback
  let playing = false;
  let timer = null;
  let speed = 1;
  function schedule() {
    clearTimeout(timer);
    timer = setTimeout(tick, 1000 / speed);
  }
  function tick() {
    if (!playing) return;
    if (cur >= N - 1) { pause(); return; }
    setDay(cur + 1, true);
    if (cur >= N - 1) pause(); else schedule();
  }
  function play() {
    if (cur >= N - 1) setDay(0, true);
    playing = true;
    const b = $("am-play");
    b.textContent = "❚❚ pause";
    b.setAttribute("aria-label", "Pause");
    schedule();
  }
  function pause() {
    playing = false;
    clearTimeout(timer);
    const b = $("am-play");
    b.textContent = "▶ play";
    b.setAttribute("aria-label", "Play");
  }
  function toggle() { if (playing) pause(); else play(); }
  function prevChange() {
    let k = -1;
    for (const d of changeDays) if (d < cur) k = d;
    setDay(k >= 0 ? k : 0, true);
  }
  function nextChange() {
    const d = changeDays.find((x) => x > cur);
    setDay(d === undefined ? N - 1 : d, true);
  }

  // ------------------------------------------------------------------ controls
  const slider = $("am-slider");
  slider.max = String(N - 1);
  slider.addEventListener("input", () => setDay(Number(slider.value), true));
  $("am-play").addEventListener("click", toggle);
  $("am-back").addEventListener("click", () => setDay(cur - 1, true));
  $("am-fwd").addEventListener("click", () => setDay(cur + 1, true));
  $("am-prev-change").addEventListener("click", prevChange);
  $("am-next-change").addEventListener("click", nextChange);
  $("am-speed").addEventListener("change", (ev) => {
    speed = Number(ev.target.value) || 1;
    if (playing) schedule();
  });
  $("am-history-close").addEventListener("click", closeHistory);
  $("am-chart-east").addEventListener("click", () => setChartMode("east"));
  $("am-chart-all").addEventListener("click", () => setChartMode("all"));
  if (!D.east.share) $("am-chart-east").disabled = true;
  $("am-first").textContent = longDate(D.dates[0]);
  $("am-last").textContent = longDate(D.dates[N - 1]);
  const ticks = $("am-ticks");
  changeDays.forEach((d) => {
    const t = el("span");
    t.style.left = (N > 1 ? (100 * d) / (N - 1) : 0) + "%";
    t.title = longDate(D.dates[d]) + ": " + changers[d].length + " district(s) changed";
    ticks.appendChild(t);
  });
  const KEYS = {
    ArrowLeft: () => setDay(cur - 1, true),
    ArrowRight: () => setDay(cur + 1, true),
    " ": toggle,
    Home: () => setDay(0, true),
    End: () => setDay(N - 1, true),
    PageUp: prevChange,
    PageDown: nextChange,
    Escape: closeHistory,
  };
  document.addEventListener("keydown", (ev) => {
    if (ev.altKey || ev.ctrlKey || ev.metaKey) return;
    const t = ev.target;
    if (t && (t.tagName === "SELECT" || t.tagName === "TEXTAREA" ||
      (t.tagName === "INPUT" && t.type !== "range") || t.isContentEditable)) return;
    const f = KEYS[ev.key];
    if (!f) return;
    ev.preventDefault();
    f();
  });
  // a focused button would also "click" on space: the keydown above already acted
  document.addEventListener("keyup", (ev) => { if (ev.key === " ") ev.preventDefault(); });

  // ------------------------------------------------------------------ start
  if (!document.documentElement.lang) document.documentElement.lang = "en";
  buildLegend();
  buildMeta();
  setChartMode(chart.mode);
  map.fitBounds(D.bounds, { padding: [12, 12] });
  const first = hashDay();
  setDay(first >= 0 ? first : 0, false);
  if (typeof ResizeObserver !== "undefined") {
    new ResizeObserver(() => map.invalidateSize()).observe(map.getContainer());
  }

  window.aleppoMap = {
    ready: true,
    map: map,
    dates: D.dates.slice(),
    setDate(iso) {
      const k = D.dates.indexOf(String(iso));
      if (k < 0) {
        throw new RangeError("aleppoMap.setDate: expected a day from " + D.dates[0] + " to " +
          D.dates[N - 1] + " (YYYY-MM-DD), got " + JSON.stringify(iso));
      }
      setDay(k, true);
      return D.dates[cur];
    },
    getDate() { return D.dates[cur]; },
    stateOf(id) {
      const i = idIndex.get(String(id));
      if (i === undefined) return null;
      const st = stateAt(i, cur);
      return {
        controller: CTRL[st.c], share: st.share, remainder: st.r >= 0 ? CTRL[st.r] : null,
        extent: st.r >= 0 ? "partial" : "full", since: D.dates[Math.max(0, st.since)],
        changeId: st.row >= 0 ? D.rows[st.row].id : null,
      };
    },
    districts() { return D.districts.map((d) => d.id); },
    labelPoint(id) {
      const i = idIndex.get(String(id));
      return i === undefined ? null : D.districts[i].pt.slice();
    },
    openHistory(id) {
      const i = idIndex.get(String(id));
      if (i !== undefined) openHistory(i);
    },
    play: play,
    pause: pause,
  };
  document.dispatchEvent(new CustomEvent("aleppomap:ready"));
}
