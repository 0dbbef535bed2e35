/* landmarks.js: hills, factories, roundabouts, a mosque... as small markers with their own
 * history.
 *
 * D.landmarks = {items: [...], setters: {changeId: [landmark names]}} (render/landmarks.py):
 *   items[j] = {id, name, ar, kind, sym, district, districtName, lat, lon, placement,
 *               where, placementNote, rows: [{date, earliest, latest, side, event,
 *               confidence, note, cite, sets}]}; rows[k].cite indexes D.cites.
 * A marker shows its kind's symbol, coloured by who held the landmark at the end of the
 * slider's day by its own rows (grey "not stated" before its first row); its name is a
 * label from LM_LABEL_ZOOM on. A click, Enter or Space opens its history (with its
 * citations) in the history panel; a district's history says which landmark set a share.
 * Adds to X: buildLandmarks(), openLandmark(j, fromKeyboard). Text only via textContent.
 */
function explorerLandmarks(X) {
  const D = X.D;
  const map = X.map;
  const el = X.el;
  const LM = D.landmarks || { items: [], setters: {} };
  const items = LM.items || [];
  const LM_LABEL_ZOOM = 14;
  const NOT_STATED = "#9e9e9e";
  const EVENTS = {
    baseline: "held by", capture: "taken by", advance: "advance by",
    recapture: "retaken by", state: "held by",
  };
  const markers = [];
  let current = -1;
  let returnFocus = null;

  /** Row of landmark j in force at the end of day iso (-1: none stated yet). */
  function rowOn(j, iso) {
    const rows = items[j].rows;
    let best = -1;
    for (let k = 0; k < rows.length; k++) {
      if (rows[k].date <= iso && rows[k].event !== "repelled") best = k;
    }
    return best;
  }
  function today() { return D.dates[Math.max(0, X.now.day)]; }
  function stateText(j, iso) {
    const k = rowOn(j, iso);
    return k < 0 ? "who held it is not stated in the texts yet"
      : "held by " + X.label(items[j].rows[k].side) + " (since " + X.longDate(items[j].rows[k].date) + ")";
  }

  function paint(j) {
    const e = markers[j] && markers[j].getElement();
    if (!e) return;
    const iso = today();
    const k = rowOn(j, iso);
    e.style.background = k < 0 ? NOT_STATED : X.colour(items[j].rows[k].side);
    e.dataset.controller = k < 0 ? "" : items[j].rows[k].side;
    e.setAttribute("aria-label", items[j].name + " (" + items[j].kind + " in " +
      items[j].districtName + "): " + stateText(j, iso) + ". Open its history");
  }
  function paintAll() { for (let j = 0; j < items.length; j++) paint(j); }

  // The labels are permanent tooltips (Leaflet reopens those whenever a marker is added
  // again); below LM_LABEL_ZOOM a class on the map hides them, whatever opened them.
  // Where two labels would overlap, the one of a landmark with a history (then the first
  // in the table) is kept and the other hidden until the reader zooms further in.
  function showLabels() {
    const off = map.getZoom() < LM_LABEL_ZOOM;
    map.getContainer().classList.toggle("am-lm-labels-off", off);
    if (off) return;
    requestAnimationFrame(() => {
      const kept = [];
      const order = markers.map((_, j) => j)
        .sort((a, b) => (items[b].rows.length > 0) - (items[a].rows.length > 0) || a - b);
      for (const j of order) {
        const tip = markers[j].getTooltip();
        const e = tip && tip.getElement();
        if (!e) continue;
        e.classList.remove("am-lm-tip-hidden");
        const r = e.getBoundingClientRect();
        const hit = kept.some((k) => r.left < k.right && k.left < r.right &&
          r.top < k.bottom && k.top < r.bottom);
        if (hit) e.classList.add("am-lm-tip-hidden");
        else kept.push(r);
      }
    });
  }

  function card(j, k, inForce) {
    const r = items[j].rows[k];
    const c = el("div", "am-entry");
    c.style.borderLeftColor = X.colour(r.side);
    if (k === inForce) c.classList.add("am-current");
    if (r.date > today()) c.classList.add("am-later");
    const what = el("div", "am-what");
    what.appendChild(X.swatch(r.side));
    const t = r.event === "repelled" ? " assault by " + X.label(r.side) + " repelled"
      : " " + (EVENTS[r.event] || r.event) + " " + X.label(r.side) +
        (r.event === "baseline" ? " (opening state)" : "");
    what.appendChild(document.createTextNode(t));
    if (k === inForce) what.appendChild(el("span", "am-badge", "in force on this day"));
    c.appendChild(what);
    let meta = "confidence: " + r.confidence;
    if (r.sets) meta += " · sets the share of " + items[j].districtName + " in change " + r.sets;
    c.appendChild(el("div", "am-meta", meta));
    c.appendChild(X.citation(r.cite));
    if (r.earliest || r.latest) {
      c.appendChild(el("div", "am-window", "Date window: between " +
        X.longDate(r.earliest || r.date) + " and " + X.longDate(r.latest || r.date) +
        "; the text does not give the day."));
    }
    if (r.note) c.appendChild(el("div", "am-note", r.note));
    return c;
  }

  function render() {
    const body = X.$("am-history-body");
    body.replaceChildren();
    const j = current;
    if (j < 0) return;
    const it = items[j];
    body.dataset.landmark = it.id;
    X.nameHeading(body, it.name, it.ar);
    body.appendChild(el("p", "am-small", "A " + it.kind + " in " + it.districtName + ". " + it.where));
    body.appendChild(el("p", "am-small", "Placement: " + it.placementNote));
    const iso = today();
    const k = rowOn(j, iso);
    const p = el("p", "am-now");
    if (k >= 0) p.appendChild(X.swatch(it.rows[k].side));
    p.appendChild(document.createTextNode(" On " + X.longDate(iso) + ": " + stateText(j, iso) + "."));
    body.appendChild(p);
    const cards = el("div", "am-cards");
    it.rows.forEach((_, n) => {
      const box = el("div", "am-group");
      box.appendChild(el("div", "am-group-date", X.longDate(it.rows[n].date)));
      box.appendChild(card(j, n, k));
      cards.appendChild(box);
    });
    body.appendChild(cards);
  }

  X.openLandmark = function (j, fromKeyboard) {
    if (X.now.selected >= 0) X.closeHistory();
    current = j;
    X.$("am-history-h").textContent = "Landmark history";
    render();
    const box = X.$("am-history");
    box.hidden = false;
    const side = X.$("am-side");
    side.scrollTop = box.offsetTop - side.querySelector(".am-head").offsetHeight - 8;
    if (fromKeyboard) {
      returnFocus = markers[j].getElement();
      X.$("am-history-h").focus({ preventScroll: true });
    }
  };

  /** A district's history: say which landmark set the share of a row. */
  function annotateDistrict() {
    if (X.now.selected < 0) return;
    X.$("am-history-body").querySelectorAll(".am-entry").forEach((c) => {
      const names = LM.setters[c.dataset.change];
      if (names && !c.querySelector(".am-set-by")) {
        c.appendChild(el("div", "am-meta am-set-by", "Share set by the landmark " + names.join(" and ") + "."));
      }
    });
  }

  X.buildLandmarks = function () {
    const openHistory = X.openHistory, closeHistory = X.closeHistory, showDay = X.showDay;
    X.openHistory = function (i, fromKeyboard) {
      current = -1;
      delete X.$("am-history-body").dataset.landmark;
      X.$("am-history-h").textContent = "District history";
      openHistory(i, fromKeyboard);
      annotateDistrict();
    };
    X.closeHistory = function () {
      if (current >= 0) {
        current = -1;
        delete X.$("am-history-body").dataset.landmark;
        X.$("am-history").hidden = true;
        X.$("am-history-h").textContent = "District history";
        if (returnFocus) returnFocus.focus();
        returnFocus = null;
        return;
      }
      closeHistory();
    };
    X.showDay = function () {
      showDay();
      paintAll();
      if (current >= 0) render(); else annotateDistrict();
    };
    // the button's own listener (panel.js) hides the box; this one forgets the landmark
    X.$("am-history-close").addEventListener("click", () => { if (current >= 0) X.closeHistory(); });
    if (!items.length) return;
    const li = el("li");
    const sw = el("span", "am-sw", "▲");
    Object.assign(sw.style, { background: NOT_STATED, color: "#ffffff", fontSize: "9px",
      textAlign: "center", lineHeight: "13px", border: "1px solid #222222" });
    li.appendChild(sw);
    li.appendChild(document.createTextNode("Landmark (symbol by kind: ▲ hill, ■ factory, ⌂ housing, " +
      "◎ roundabout, ✚ hospital, ☪ mosque, ═ bridge): its holder by its own history, grey " +
      "before the texts say; click or press Enter for its sources"));
    li.id = "am-legend-landmarks";
    X.$("am-legend").appendChild(li);
    const seen = new Map(); // landmarks sharing a point stand side by side
    items.forEach((it, j) => {
      const key = it.lat + "," + it.lon;
      const n = seen.get(key) || 0;
      seen.set(key, n + 1);
      // above and right of its point, so that the district under the point stays reachable
      // (most points are a district's own label point); landmarks sharing a point stack up
      const icon = L.divIcon({ className: "am-lm", html: "", iconSize: [18, 18],
        iconAnchor: [-6, 24 + 20 * n] });
      const m = L.marker([it.lat, it.lon], { icon: icon, keyboard: true, riseOnHover: true,
        zIndexOffset: 500 });
      const tip = el("span", "am-lm-label", it.name);
      m.bindTooltip(tip, { permanent: true, direction: "right", offset: [26, -15 - 20 * n],
        className: "am-lm-tip", interactive: false });
      m.on("tooltipopen", (ev) => Object.assign(ev.tooltip.getElement().style, {
        padding: "0 4px", fontSize: "11px", boxShadow: "none", border: "0",
        background: "rgba(255,255,255,0.85)" }));
      m.on("add", () => {
        const e = m.getElement();
        e.textContent = it.sym;
        e.dataset.landmark = it.id;
        e.setAttribute("role", "button");
        Object.assign(e.style, { color: "#ffffff", border: "1.5px solid #222222",
          borderRadius: "4px", font: "bold 11px/15px sans-serif", textAlign: "center",
          cursor: "pointer", boxSizing: "border-box" });
        e.addEventListener("keydown", (ev) => {
          if (ev.key === "Enter" || ev.key === " ") {
            ev.preventDefault();
            ev.stopPropagation();
            X.openLandmark(j, true);
          }
        });
        paint(j);
      });
      m.on("click", () => X.openLandmark(j, false));
      markers.push(m);
      m.addTo(map);
    });
    map.on("zoomend", showLabels);
    showLabels();
    paintAll();
  };

  document.addEventListener("controlmap:ready", () => {
    const api = window.controlMap;
    api.landmarks = () => items.map((it) => it.id);
    api.openLandmark = (id) => {
      const j = items.findIndex((it) => it.id === id);
      if (j >= 0) X.openLandmark(j, false);
    };
    api.landmarkState = (id) => {
      const j = items.findIndex((it) => it.id === id);
      if (j < 0) return null;
      const k = rowOn(j, today());
      return { controller: k < 0 ? null : items[j].rows[k].side, placement: items[j].placement };
    };
  }, { once: true });
}
