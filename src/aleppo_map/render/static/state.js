/* state.js: the page data, and the state of every district on a day.
 *
 * The renderer concatenates state.js, map.js, panel.js, controls.js, export.js and
 * main.js, in this order, inside one function scope. Each file defines one function that
 * takes the shared explorer object X and adds what it owns to it. X.D is the page data of
 * render/html.py's page_data():
 *   D.sides[k]     = {id, label, short, colour, hatch}        (legend order)
 *   D.states[i]    = {day: [], side: [], share: [], rest: [], row: []}
 *                    columns of district i's state segments: from day[k] on it is held
 *                    by side[k] (an index of D.sides) with share[k]; rest[k] holds the
 *                    remainder (-1 when the district is held whole); row[k] is the
 *                    history row behind the state (-1 when none); since[k] is the day
 *                    the state began; unc[k] is 1 inside a date window (the texts do
 *                    not say whether the change of row win[k] had happened yet), with
 *                    from[k] and to[k] the two candidate sides (-1 when settled).
 *   D.rows[k]      = {id, date, district, side, extent, share, rest, event, ...}
 *                    (sent as columns, D.rows.id[k] ..., and turned into objects here)
 * Every name, note and citation is inserted with textContent (never as HTML).
 */
function explorerState(X) {
  const D = X.D;
  // the history arrives as columns (a third of the bytes); one object per row from here on
  if (!Array.isArray(D.rows)) {
    const cols = D.rows, keys = Object.keys(cols), n = cols.id.length, rows = new Array(n);
    for (let k = 0; k < n; k++) {
      const r = {};
      for (const key of keys) r[key] = cols[key][k];
      rows[k] = r;
    }
    D.rows = rows;
  }
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

  /** Index of the segment of district i in force on day (binary search). */
  X.segIndex = function (i, day) {
    const days = D.states[i].day;
    let lo = 0, hi = days.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (days[mid] <= day) lo = mid; else hi = mid - 1;
    }
    return lo;
  };
  /** The state of district i in segment k: {since, side, share, rest, row, unc, from, to, win}. */
  X.segment = function (i, k) {
    const s = D.states[i];
    const unc = s.unc ? s.unc[k] === 1 : false;
    return {
      since: s.since ? s.since[k] : s.day[k], side: s.side[k], share: s.share[k],
      rest: s.rest[k], row: s.row[k], unc: unc,
      from: unc ? s.from[k] : -1, to: unc ? s.to[k] : -1, win: unc ? s.win[k] : -1,
    };
  };
  X.stateAt = (i, day) => X.segment(i, X.segIndex(i, day));
  X.anyUncertain = D.states.some((s) => s.unc && s.unc.some((u) => u === 1));

  // districts whose state changes on each day (segments starting after the first day)
  X.changers = Array.from({ length: X.N }, () => []);
  D.states.forEach((s, i) => s.day.forEach((d, k) => {
    if (k > 0 && d < X.N) X.changers[d].push(i);
  }));
  X.changeDays = [];
  X.changers.forEach((list, d) => { if (d > 0 && list.length) X.changeDays.push(d); });

  // history rows per district, and the remainder of the state each applied row started
  X.rowsOf = Array.from({ length: X.ND }, () => []);
  D.rows.forEach((r, k) => X.rowsOf[r.district].push(k));
  X.restOfRow = new Map();
  D.states.forEach((s) => s.row.forEach((r, k) => { if (r >= 0) X.restOfRow.set(r, s.rest[k]); }));

  // ---------------------------------------------------------------- text of a state
  X.stateText = function (st) {
    let t = X.label(st.side);
    if (st.rest >= 0) t += " " + X.pct(st.share) + ", " + X.label(st.rest) + " " + X.pct(1 - st.share);
    return t;
  };
  /** The history line of a state inside a date window ("" when settled). */
  X.windowText = function (st) {
    if (!st.unc) return "";
    const r = st.win >= 0 ? D.rows[st.win] : null;
    const when = r && r.window ? r.window : "the texts do not say when it changed hands";
    return "Uncertain: " + X.label(st.from) + " or " + X.label(st.to) + "; " + when + ".";
  };
  X.sinceText = function (st) {
    return st.since <= 0 ? "since at least " + X.longDate(D.dates[0])
      : "since " + X.longDate(D.dates[st.since]);
  };
  X.confidenceOf = (st) => (st.row >= 0 ? D.rows[st.row].confidence : "");
}
