/* panel.js: everything beside the map: the day's header and totals, the chart, the
 * legend, the sources' own numbers, a district's history, the footer, and the narrow
 * (phone) layout in which the panel collapses to its header.
 *
 * Adds to X: swatch(side), openHistory(i, fromKeyboard), closeHistory(), showDay(),
 * notice(text), buildPanel(), setChartMode(mode), layout().
 */
function explorerPanel(X) {
  const D = X.D;
  const now = X.now;
  const $ = X.$, el = X.el, svg = X.svg;
  const EVENTS = {
    baseline: "opening state", capture: "captured by", advance: "advance by",
    recapture: "retaken by", repelled: "assault repelled", state: "held by",
  };
  const STATUS = {
    applied: "", superseded: "not used: a stronger report of the same day wins",
    repelled: "changes nothing", "after-end": "after the last day shown",
  };
  const REF = D.reference;

  X.swatch = function (side) {
    const s = el("span", "am-sw");
    s.style.background = X.colour(side);
    return s;
  };
  X.notice = function (text) {
    const n = $("am-notice");
    n.textContent = text || "";
    n.hidden = !text;
  };

  // ---------------------------------------------------------------- narrow layout
  const narrow = window.matchMedia("(max-width: 820px)");
  function setCollapsed(on) {
    document.body.classList.toggle("am-collapsed", on);
    $("am-details").setAttribute("aria-expanded", String(!on));
    $("am-details").textContent = on ? "details ▴" : "map ▾";
    measure();
  }
  function expand() { if (narrow.matches) setCollapsed(false); }
  $("am-details").addEventListener("click", () =>
    setCollapsed(!document.body.classList.contains("am-collapsed")));
  // the map and panel make room for the header and the timeline bar, whatever their height
  // Set as the elements' own top/bottom, and only when a height changed: a custom property
  // set on the root would restyle every element of the page, 10,000 district paths included,
  // each time the day's header changes height.
  let measured = "";
  function measure() {
    const bar = $("am-bar").offsetHeight;
    const head = document.querySelector(".am-head").offsetHeight;
    const collapsed = document.body.classList.contains("am-collapsed");
    const key = [bar, head, narrow.matches, collapsed].join("/");
    if (key === measured) return;
    measured = key;
    const m = document.querySelector(".am-map").style;
    m.bottom = bar + "px";
    m.top = narrow.matches ? head + "px" : "";
    $("am-side").style.bottom = narrow.matches && !collapsed ? bar + "px" : "";
    $("am-tiles-note").style.bottom = bar + 22 + "px";
  }
  if (typeof ResizeObserver !== "undefined") {
    const ro = new ResizeObserver(measure);
    ro.observe($("am-bar"));
    ro.observe(document.querySelector(".am-head"));
  }

  // ---------------------------------------------------------------- history panel
  let returnFocus = null;
  X.openHistory = function (i, fromKeyboard) {
    const prev = now.selected;
    now.selected = i;
    if (prev >= 0) X.restyle(prev, true);
    X.restyle(i, true);
    if (X.layers[i].bringToFront) X.layers[i].bringToFront();
    renderHistory();
    const box = $("am-history");
    box.hidden = false;
    expand();
    // bring the panel's top just under the sticky date header
    const side = $("am-side");
    side.scrollTop = box.offsetTop - side.querySelector(".am-head").offsetHeight - 8;
    if (fromKeyboard) {
      returnFocus = i;
      $("am-history-h").focus({ preventScroll: true });
    }
  };
  X.closeHistory = function () {
    const prev = now.selected;
    now.selected = -1;
    if (prev >= 0) X.restyle(prev, true);
    $("am-history").hidden = true;
    if (returnFocus !== null && document.activeElement && $("am-history").contains(document.activeElement)) {
      const target = X.focusTarget(returnFocus);
      if (target) target.focus();
    }
    returnFocus = null;
  };
  function entryCard(k, currentRow) {
    const r = X.row(k);
    const card = el("div", "am-entry");
    card.dataset.change = r.id;
    card.style.borderLeftColor = X.colour(r.side);
    if (k === currentRow) card.classList.add("am-current");
    if (r.date > D.dates[now.day]) card.classList.add("am-later");
    if (r.status === "superseded") card.classList.add("am-superseded");
    const what = el("div", "am-what");
    what.appendChild(X.swatch(r.side));
    let t = " " + (EVENTS[r.event] || r.event) + " " + X.label(r.side);
    if (r.event === "baseline") t = " " + X.label(r.side) + " (opening state)";
    if (r.event === "repelled") t = " assault by " + X.label(r.side) + " repelled";
    if (r.extent === "partial") {
      t += ": " + X.pct(r.share) + " of the district";
      const restIndex = X.restOfRow(k);
      const rest = r.rest || (restIndex !== undefined && restIndex >= 0 ? X.side(restIndex).id : "");
      if (rest) t += ", rest " + X.label(rest);
    }
    what.appendChild(document.createTextNode(t));
    if (k === currentRow) what.appendChild(el("span", "am-badge", "in force on this day"));
    if (r.disputed) what.appendChild(el("span", "am-badge", "disputed"));
    card.appendChild(what);
    const meta = "basis: " + r.basis + " · confidence: " + r.confidence + " · " + r.id +
      (STATUS[r.status] ? " · " + STATUS[r.status] : "");
    card.appendChild(el("div", "am-meta", meta));
    card.appendChild(X.citation(r.cite));
    if (r.aggregate) card.appendChild(el("div", "am-meta", "applies a statement about a wider area: " + r.aggregate));
    if (r.window) card.appendChild(el("div", "am-window", "Date window: " + r.window + "."));
    if (r.note) card.appendChild(el("div", "am-note", r.note));
    return card;
  }
  function renderHistory() {
    const body = $("am-history-body");
    body.replaceChildren();
    const i = now.selected;
    if (i < 0) return;
    const d = D.districts[i];
    X.nameHeading(body, d.en, d.ar);
    const facts = [];
    if (d.sector) facts.push("sector: " + d.sector);
    if (d.area) facts.push(d.area + " km²");
    if (d.parent !== undefined) {
      facts.push("a place inside " + D.districts[d.parent].en + ", drawn as a marker");
    } else if (d.kind === "point") {
      facts.push("drawn as a point: the boundary file has no polygon for it");
    }
    if (facts.length) body.appendChild(el("p", "am-small", facts.join(" · ")));
    facts.length = 0;
    if (d.basis === "estimated") facts.push("boundary estimated (" + (d.note || "no polygon in the boundary file") + ")");
    if (facts.length) body.appendChild(el("p", "am-small", facts.join(" · ")));
    const st = X.stateAt(i, now.day);
    const p = el("p", "am-now");
    p.appendChild(X.swatch(st.side));
    p.appendChild(document.createTextNode(" On " + X.longDate(D.dates[now.day]) + ": " +
      X.stateText(st) + ", " + X.sinceText(st) + "."));
    body.appendChild(p);
    if (st.unc) body.appendChild(el("p", "am-now am-window", X.windowText(st)));
    // group the rows by date; several reports of one day stand side by side
    const groups = [];
    const dateOf = (k) => X.rowField(k, "date");
    X.rowsOf(i).forEach((k) => {
      const last = groups[groups.length - 1];
      if (last && dateOf(last[0]) === dateOf(k)) last.push(k); else groups.push([k]);
    });
    groups.forEach((g) => {
      const box = el("div", "am-group");
      box.appendChild(el("div", "am-group-date", X.longDate(dateOf(g[0]))));
      if (g.length > 1) {
        const disputed = g.some((k) => X.rowField(k, "disputed"));
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

  // ---------------------------------------------------------------- footer (the legend: context.js)
  function buildMeta() {
    const m = D.meta;
    const f = $("am-meta");
    f.appendChild(el("div", null, "Control table: " + m.changes + " (" + m.nrows + " rows). Sources: " +
      m.sources.join("; ") + "."));
    f.appendChild(el("div", null, "Boundaries: " + m.coverage + (m.attribution ? ". " + m.attribution : "")));
    $("am-title").textContent = D.title;
    if (D.boundaries) {
      $("am-bounds").textContent = D.boundaries.text + (m.attribution ? " " + m.attribution + "." : "");
    }
    if (!REF) {
      $("am-chart-east").hidden = true;
      return;
    }
    const short = X.side(REF.side).short;
    const what = REF.label + ": " + (REF.description ? REF.description + ", " : "") +
      X.longDate(REF.day) + ": " + REF.km2 + " km² in " + REF.n + " districts";
    $("am-chart-east").textContent = REF.label;
    $("am-totals").title = what + ".";
    $("am-east-def").textContent = what.charAt(0).toUpperCase() + what.slice(1) +
      " (each district's area times the share " + short + " held that day" +
      (REF.excluded.length ? "; " + REF.excluded.join(", ") + " left out" : "") + ").";
  }

  // ---------------------------------------------------------------- chart
  const chart = { mode: REF && REF.share ? "east" : "all" };
  // km² per side per day: of the reference area, or of every mapped district
  function value(k, day) {
    const id = D.sides[k].id;
    if (chart.mode === "east") return REF.share[id][day] * REF.km2;
    return D.area[id][day];
  }
  // ground inside a date window (counted apart by the statistics), drawn on top in grey
  const UNC = D.uncertain || { area: null, share: null };
  function uncValue(day) {
    if (chart.mode === "east") return UNC.share ? UNC.share[day] * REF.km2 : 0;
    return UNC.area ? UNC.area[day] : 0;
  }
  X.setChartMode = function (mode) {
    if (mode === "east" && !(REF && REF.share)) return;
    chart.mode = mode;
    $("am-chart-east").setAttribute("aria-pressed", String(mode === "east"));
    $("am-chart-all").setAttribute("aria-pressed", String(mode === "all"));
    buildChart();
    if (now.day >= 0) moveMarker();
  };
  function moveMarker() {
    chart.marker.setAttribute("x1", chart.x(now.day));
    chart.marker.setAttribute("x2", chart.x(now.day));
  }
  function buildChart() {
    const N = X.N, W = 340, H = 120, L0 = 34, R0 = 6, T0 = 6, B0 = 16;
    const box = $("am-chart");
    box.replaceChildren();
    const s = svg("svg", { viewBox: "0 0 " + W + " " + H, role: "img", "aria-label": "Area held by each side, per day" });
    const totals = D.dates.map((_, d) => D.sides.reduce((a, _s, k) => a + value(k, d), 0) +
      uncValue(d));
    const ymax = Math.max(1e-9, ...totals);
    const x = (d) => L0 + (N > 1 ? (d * (W - L0 - R0)) / (N - 1) : 0);
    const y = (v) => T0 + (H - T0 - B0) * (1 - v / ymax);
    const base = new Array(N).fill(0);
    D.sides.forEach((side, k) => {
      const top = base.map((b, d) => b + value(k, d));
      let p = "M" + x(0) + "," + y(top[0]);
      for (let d = 1; d < N; d++) p += "L" + x(d) + "," + y(top[d]);
      for (let d = N - 1; d >= 0; d--) p += "L" + x(d) + "," + y(base[d]);
      s.appendChild(svg("path", { d: p + "Z", fill: side.colour, stroke: "none", "data-controller": side.id }));
      top.forEach((v, d) => { base[d] = v; });
    });
    if (D.dates.some((_, d) => uncValue(d) > 0)) {
      const top = base.map((b, d) => b + uncValue(d));
      let p = "M" + x(0) + "," + y(top[0]);
      for (let d = 1; d < N; d++) p += "L" + x(d) + "," + y(top[d]);
      for (let d = N - 1; d >= 0; d--) p += "L" + x(d) + "," + y(base[d]);
      s.appendChild(svg("path", { d: p + "Z", fill: "#9e9e9e", stroke: "none", "data-controller": "uncertain" }));
    }
    s.appendChild(svg("line", { x1: L0, x2: W - R0, y1: y(0), y2: y(0), stroke: "#888" }));
    s.appendChild(svg("line", { x1: L0, x2: L0, y1: T0, y2: y(0), stroke: "#888" }));
    const text = (tx, ty, anchor, content) => {
      const t = svg("text", { x: tx, y: ty, "text-anchor": anchor, class: "am-axis" });
      t.textContent = content;
      s.appendChild(t);
    };
    text(L0 - 3, T0 + 8, "end", String(Math.round(ymax * 10) / 10));
    text(L0 - 3, y(0), "end", "0");
    text(L0, H - 3, "start", X.shortDate(D.dates[0]));
    text(W - R0, H - 3, "end", X.shortDate(D.dates[N - 1]));
    chart.marker = svg("line", { y1: T0 - 2, y2: y(0), stroke: "#000", "stroke-width": 1.5, id: "am-chart-marker" });
    s.appendChild(chart.marker);
    chart.x = x;
    s.addEventListener("click", (ev) => {
      const rect = s.getBoundingClientRect();
      const px = ((ev.clientX - rect.left) / rect.width) * W;
      X.setDay(Math.round(((px - L0) / (W - L0 - R0)) * (N - 1)), true);
    });
    box.appendChild(s);
  }

  // ---------------------------------------------------------------- the day
  /** The day's share of the reference area per side, as [[side index, share], ...]. */
  X.dayShares = function () {
    if (!REF || !REF.share) return [];
    const out = [];
    D.sides.forEach((s, k) => {
      const v = REF.share[s.id][now.day];
      if (k === X.refSide || v >= 0.005) out.push([k, v]);
    });
    return out;
  };
  function updateTotals() {
    const p = $("am-totals");
    p.replaceChildren();
    if (!REF) return;
    if (!REF.share) {
      p.textContent = "No district was held by " + X.side(REF.side).short + " on " + X.longDate(REF.day) + ".";
      return;
    }
    X.dayShares().forEach(([k, v], n) => {
      if (n > 0) p.appendChild(document.createTextNode(", "));
      p.appendChild(X.swatch(k));
      p.appendChild(document.createTextNode(" " + X.side(k).short + " "));
      p.appendChild(el("b", null, X.pct(v)));
      if (n === 0) p.appendChild(document.createTextNode(" of the " + REF.label));
    });
    const u = UNC.share ? UNC.share[now.day] : 0;
    if (u >= 0.005) p.append(", uncertain (date windows) ", el("b", null, X.pct(u)));
  }
  function updateDayInfo() {
    const info = $("am-dayinfo");
    info.replaceChildren();
    info.appendChild(document.createTextNode("Day " + (now.day + 1) + " of " + X.N + ". "));
    const list = X.changers[now.day];
    if (now.day === 0) {
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
        b.addEventListener("click", () => X.openHistory(i));
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
    const today = D.figures.filter((f) => f.date === D.dates[now.day]);
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
  /** Bring every panel to the current day. */
  X.showDay = function () {
    $("am-date").textContent = X.longDate(D.dates[now.day]);
    moveMarker();
    updateTotals();
    updateDayInfo();
    updateFigures();
    if (now.selected >= 0) renderHistory();
  };

  /** Give the map and panel their room now (before the districts are drawn in it). */
  X.layout = measure;
  // The legend (context.js builds it) comes after the districts are drawn (main.js).
  X.buildPanel = function () {
    buildMeta();
    X.setChartMode(chart.mode);
    $("am-history-close").addEventListener("click", X.closeHistory);
    $("am-chart-east").addEventListener("click", () => X.setChartMode("east"));
    $("am-chart-all").addEventListener("click", () => X.setChartMode("all"));
    setCollapsed(narrow.matches);
    measure();
  };
}
