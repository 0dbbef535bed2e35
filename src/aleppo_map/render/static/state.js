/* state.js: the page data, and the state of every district on a day.
 *
 * The renderer concatenates state.js, patterns.js, map.js, panel.js, controls.js,
 * export.js, painter.js, front.js, context.js, landmarks.js and main.js, in this order, inside one
 * function scope. Each file defines one function
 * that takes the shared explorer object X and adds what it owns to it. X.D is the page
 * data of render/html.py's page_payload(), packed into flat columns; this module unpacks
 * what the rest reads:
 *   D.sides[k]     = {id, label, short, colour, hatch}        (legend order)
 *   D.districts[i] = {id, en, ar, sector, kind, basis, area, pt, note?, parent?}
 *                    (sent as columns; D.names = {keys, n} every district's search keys
 *                    in a row and how many each, read on the first search; the
 *                    geometry, D.geom, is decoded by map.js
 *                    straight into the map's layers and then dropped)
 *   X.S            = the state segments of every district, in typed arrays: district i's
 *                    are the global indices X.S.off[i] .. X.S.off[i + 1] - 1; from day[g]
 *                    on it is held by side[g] (an index of D.sides) with share[g]; rest[g]
 *                    holds the remainder (-1 when the district is held whole); row[g] is
 *                    the history row behind the state (-1 when none); since[g] is the day
 *                    the state began; unc[g] is 1 inside a date window (the texts do not
 *                    say whether the change of row win[g] had happened yet), with from[g]
 *                    and to[g] the two candidate sides (-1 when settled).
 *   D.rows         = the history as columns (D.rows.id[k] ...; the repeated words as
 *                    {v: values, i: codes}, or {v: [value], n} when every row has the
 *                    same; X.cell reads either); X.row(k) makes row k's object on demand,
 *                    X.rowField(k, key) reads one field.
 * Every name, note and citation is inserted with textContent (never as HTML).
 */
function explorerState(X) {
  const D = X.D;
  // ---------------------------------------------------------------- districts
  /** Value k of a column, plain or coded (html.py _cat: {v, i} or {v, n}). */
  X.cell = (c, k) => (Array.isArray(c) ? c[k] : c.v[c.i ? c.i[k] : 0]);
  {
    const c = D.districts, n = c.id.length, list = new Array(n), cell = X.cell;
    for (let i = 0; i < n; i++) {
      const d = {
        id: c.id[i], en: c.en[i], ar: c.ar[i], sector: cell(c.sector, i), kind: cell(c.kind, i),
        basis: cell(c.basis, i), area: c.area[i], pt: [c.pt[2 * i], c.pt[2 * i + 1]],
      };
      if (c.note[i]) d.note = c.note[i];
      if (c.parent[i] >= 0) d.parent = c.parent[i];
      list[i] = d;
    }
    D.names = { keys: c.names, n: c.nn };
    D.districts = list;
  }
  // ---------------------------------------------------------------- segments
  {
    const st = D.states, total = st.day.length, nd = st.n.length;
    const off = new Int32Array(nd + 1);
    for (let i = 0; i < nd; i++) off[i + 1] = off[i] + st.n[i];
    const S = {
      off: off, day: Int32Array.from(st.day), side: Int32Array.from(st.side),
      share: Float64Array.from(st.share), rest: Int32Array.from(st.rest),
      row: Int32Array.from(st.row), since: Int32Array.from(st.day),
      unc: new Uint8Array(total), from: new Int32Array(total).fill(-1),
      to: new Int32Array(total).fill(-1), win: new Int32Array(total).fill(-1),
    };
    st.since.at.forEach((g, k) => { S.since[g] = st.since.v[k]; });
    st.unc.at.forEach((g, k) => {
      S.unc[g] = 1;
      S.from[g] = st.unc.from[k];
      S.to[g] = st.unc.to[k];
      S.win[g] = st.unc.win[k];
    });
    X.S = S;
    X.anyUncertain = st.unc.at.length > 0;
    delete D.states;
  }
  // ---------------------------------------------------------------- history rows
  const R = D.rows;
  const rowKeys = Object.keys(R);
  X.NR = R.id.length;
  /** Field key of history row k. */
  X.rowField = function (k, key) {
    const c = R[key];
    if (c === undefined) return undefined;
    const v = X.cell(c, k);
    return key === "disputed" ? v === 1 : v;
  };
  /** History row k as an object {id, date, district, side, extent, share, rest, event, ...}. */
  X.row = function (k) {
    const r = {};
    for (const key of rowKeys) r[key] = X.rowField(k, key);
    return r;
  };
  const MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
    "September", "October", "November", "December"];

  X.N = D.dates.length;
  X.ND = D.districts.length;
  X.now = { day: -1, selected: -1, hovered: -1, focused: -1 };
  X.$ = (id) => document.getElementById(id);

  // ---------------------------------------------------------------- small helpers
  X.el = function (tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  };
  /** Cited source k (D.cites[k]), linked to the version read if http(s), else text only. */
  X.citation = function (k) {
    const cite = X.el("div", "am-cite", "Source: " + D.cites[k]);
    const url = D.citeUrls ? D.citeUrls[k] : "";
    if (url && /^https?:\/\//.test(url)) {
      cite.appendChild(document.createTextNode(" · "));
      const a = X.el("a", null, "read the cited version");
      a.href = url;
      a.target = "_blank";
      a.rel = "noopener noreferrer";
      cite.appendChild(a);
    }
    return cite;
  };
  /** A history's heading into box: the English name, and the Arabic one (right to left) if any. */
  X.nameHeading = function (box, name, ar) {
    box.appendChild(X.el("p", "am-hname", name));
    if (!ar) return;
    const p = X.el("p", "am-har", ar);
    p.dir = "auto";
    p.lang = "ar";
    box.appendChild(p);
  };
  X.svg = function (tag, attrs) {
    const e = document.createElementNS("http://www.w3.org/2000/svg", tag);
    for (const k in attrs) e.setAttribute(k, attrs[k]);
    return e;
  };
  X.longDate = function (iso) {
    const [y, m, d] = iso.split("-").map(Number);
    return d + " " + MONTHS[m - 1] + " " + y;
  };
  X.shortDate = function (iso) {
    const [, m, d] = iso.split("-").map(Number);
    return d + " " + MONTHS[m - 1].slice(0, 3);
  };
  X.pct = (x) => Math.round(x * 100) + "%";

  // ---------------------------------------------------------------- sides
  const sideIndex = new Map();
  D.sides.forEach((s, k) => sideIndex.set(s.id, k));
  /** The side record for an index of D.sides or a side id. */
  X.side = function (k) {
    const i = typeof k === "number" ? k : sideIndex.get(k);
    return D.sides[i] || { id: String(k), label: String(k), short: String(k), colour: "#999999" };
  };
  X.colour = (k) => X.side(k).colour;
  X.label = (k) => X.side(k).label;
  X.refSide = D.reference ? sideIndex.get(D.reference.side) : -1;

  // ---------------------------------------------------------------- state lookup
  const idIndex = new Map();
  D.districts.forEach((d, i) => idIndex.set(d.id, i));
  X.indexOf = (id) => idIndex.get(String(id));

  /** Global index of the segment of district i in force on day (binary search). */
  const S = X.S;
  X.segIndex = function (i, day) {
    const days = S.day;
    let lo = S.off[i], hi = S.off[i + 1] - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (days[mid] <= day) lo = mid; else hi = mid - 1;
    }
    return lo;
  };
  /** The state of segment g (of district i): {since, side, share, rest, row, unc, from, to, win}. */
  X.segment = function (i, g) {
    const unc = S.unc[g] === 1;
    return {
      since: S.since[g], side: S.side[g], share: S.share[g], rest: S.rest[g], row: S.row[g],
      unc: unc, from: unc ? S.from[g] : -1, to: unc ? S.to[g] : -1, win: unc ? S.win[g] : -1,
    };
  };
  X.stateAt = (i, day) => X.segment(i, X.segIndex(i, day));

  // districts whose state changes on each day (segments starting after the first day)
  X.changers = Array.from({ length: X.N }, () => []);
  for (let i = 0; i < X.ND; i++) {
    for (let g = S.off[i] + 1; g < S.off[i + 1]; g++) {
      const d = S.day[g];
      if (d < X.N) X.changers[d].push(i);
    }
  }
  X.changeDays = [];
  X.changers.forEach((list, d) => { if (d > 0 && list.length) X.changeDays.push(d); });

  // history rows per district, and the remainder of the state each applied row started:
  // built when a history is first opened, not while the page loads
  let rowsOf = null, restOfRow = null;
  /** The history rows of district i, in order. */
  X.rowsOf = function (i) {
    if (!rowsOf) {
      const dist = R.district, start = new Int32Array(X.ND + 1);
      for (let k = 0; k < X.NR; k++) start[dist[k] + 1]++;
      for (let j = 0; j < X.ND; j++) start[j + 1] += start[j];
      const at = start.slice(0, X.ND), list = new Int32Array(X.NR);
      for (let k = 0; k < X.NR; k++) list[at[dist[k]]++] = k;
      rowsOf = { start: start, list: list };
    }
    return Array.from(rowsOf.list.subarray(rowsOf.start[i], rowsOf.start[i + 1]));
  };
  /** The remainder (side index, -1 when whole) of the state row k started, or undefined. */
  X.restOfRow = function (k) {
    if (!restOfRow) {
      restOfRow = new Map();
      for (let g = 0; g < S.row.length; g++) if (S.row[g] >= 0) restOfRow.set(S.row[g], S.rest[g]);
    }
    return restOfRow.get(k);
  };

  // ---------------------------------------------------------------- text of a state
  X.stateText = function (st) {
    let t = X.label(st.side);
    if (st.rest >= 0) t += " " + X.pct(st.share) + ", " + X.label(st.rest) + " " + X.pct(1 - st.share);
    return t;
  };
  /** The history line of a state inside a date window ("" when settled). */
  X.windowText = function (st) {
    if (!st.unc) return "";
    const w = st.win >= 0 ? X.rowField(st.win, "window") : "";
    const when = w || "the texts do not say when it changed hands";
    return "Uncertain: " + X.label(st.from) + " or " + X.label(st.to) + "; " + when + ".";
  };
  X.sinceText = function (st) {
    return st.since <= 0 ? "since at least " + X.longDate(D.dates[0])
      : "since " + X.longDate(D.dates[st.since]);
  };
  X.confidenceOf = (st) => (st.row >= 0 ? X.rowField(st.row, "confidence") : "");
}
