/* context.js: what a reader needs around the districts: labels that appear as the reader
 * zooms in, a search box that finds a district by any spelling, and the legend (the front
 * line is front.js).
 *
 * D.names.keys: every district's spellings in a row (D.names.n[i] of them for district i),
 * normalised in Python by the
 * gazetteer's normalise(); the query is normalised here the same way, then both are
 * folded (fold()) over the common transliteration variants.
 *
 * Adds to X: updateLabels(), labelIds(), search(q), fold(s), jumpTo(i), buildLegend() (the
 * whole legend, called by main.js once the districts are drawn), buildContext().
 */
function explorerContext(X) {
  const D = X.D;
  const map = X.map;
  const now = X.now;

  // ---------------------------------------------------------------- labels
  // Shown as the reader zooms in: a district gets its label once it is large enough on
  // screen; larger districts first, and a label whose box overlaps one already placed is
  // left out. Sub-areas are labelled from LABEL_ZOOM on, beside their marker.
  map.createPane("am-labels");
  map.getPane("am-labels").style.zIndex = 640;
  map.getPane("am-labels").style.pointerEvents = "none";
  const labelPane = map.getPane("am-labels");
  const LABEL_ZOOM = 14.5;
  const MIN_PX = 38; // side of the district's square equivalent, on screen
  const order = D.districts.map((_, i) => i)
    .sort((p, q) => (D.districts[q].parent === undefined) - (D.districts[p].parent === undefined)
      || D.districts[q].area - D.districts[p].area);
  const labelEls = new Map();
  function labelEl(i) {
    let e = labelEls.get(i);
    if (!e) {
      e = X.el("div", "am-label" + (X.isMarker(i) ? " am-label-sub" : ""), D.districts[i].en);
      e.dataset.district = D.districts[i].id;
      labelEls.set(i, e);
    }
    return e;
  }
  X.updateLabels = function () {
    const z = map.getZoom();
    const size = map.getSize();
    // metres per pixel at the map's centre
    const c = map.getCenter();
    const mpp = 40075016.686 * Math.cos(c.lat * Math.PI / 180) / Math.pow(2, z + 8);
    const boxes = [];
    const keep = new Set();
    const frag = document.createDocumentFragment();
    for (const i of order) {
      const d = D.districts[i];
      const sub = X.isMarker(i);
      if (sub ? z < LABEL_ZOOM : Math.sqrt(d.area * 1e6) / mpp < MIN_PX) continue;
      const p = map.latLngToContainerPoint(d.pt);
      if (p.x < -50 || p.y < -20 || p.x > size.x + 50 || p.y > size.y + 20) continue;
      const w = d.en.length * 6.2 + 8, h = 15;
      const x0 = sub ? p.x + 8 : p.x - w / 2, y0 = p.y - h / 2;
      let hit = false;
      for (let n = 0; n < boxes.length && !hit; n++) {
        const b = boxes[n];
        hit = x0 < b[2] && x0 + w > b[0] && y0 < b[3] && y0 + h > b[1];
      }
      if (hit) continue;
      boxes.push([x0, y0, x0 + w, y0 + h]);
      keep.add(i);
      const e = labelEl(i);
      const lp = map.containerPointToLayerPoint([x0, y0]);
      e.style.transform = "translate(" + Math.round(lp.x) + "px," + Math.round(lp.y) + "px)";
      e.style.width = Math.round(w) + "px";
      if (e.parentNode !== labelPane) frag.appendChild(e);
      if (boxes.length >= 400) break;
    }
    labelEls.forEach((e, i) => { if (!keep.has(i) && e.parentNode) e.remove(); });
    labelPane.appendChild(frag);
  };
  X.labelIds = () => Array.from(labelPane.children, (e) => e.dataset.district);

  // ---------------------------------------------------------------- search
  const ARTICLE = /\b(?:al|el|ash|as|ad|aj|an|az|at|ar|ath|adh|ul)[\s-]+(?=\w)/g;
  const GENERIC = /\b(?:district|districts|neighbou?rhoods?|quarters?|housings?|residences?|area|areas|the|of|city)\b/g;
  /** The query as the gazetteer's normalise() in Python folds a name. */
  function normalise(q) {
    let t = String(q).normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
    if (/[\u0600-\u06ff]/.test(t)) {
      return t.replace(/[\u064b-\u065f\u0670\u0640]/g, "").replace(/[أإآ]/g, "ا")
        .replace(/ة/g, "ه").replace(/ى/g, "ي").replace(/(^|\s)ال/g, "$1").replace(/\s+/g, " ").trim();
    }
    t = t.replace(/['’‘`´ʼʻʾʿ′]/g, "").replace(/\(.*?\)/g, " ").replace(/[^a-z0-9]+/g, " ");
    t = (t + " ").replace(ARTICLE, "").trim().replace(GENERIC, " ");
    return t.replace(/\s+/g, " ").trim().replace(/(?:\s+(?:i{1,3}|iv|vi{0,3}|ix|x|[0-9]{1,2}))+$/, "").trim();
  }
  /** Fold the common transliteration variants together (applied to both sides): kh/h,
   * gh/g, dh/d, th/t, q/k; every run of vowels (ou/u, ee/i, ei/ay, a/e ...) to one; double
   * letters to one. */
  X.fold = function (key) {
    return key.replace(/\s+/g, "")
      .replace(/kh/g, "h").replace(/gh/g, "g").replace(/dh/g, "d").replace(/th/g, "t")
      .replace(/q/g, "k").replace(/[aeiouy]+/g, "a").replace(/(.)\1+/g, "$1");
  };
  // folded on the first search, not while the page loads
  let plain = null, keys = null;
  /** Districts matching a query, best first: the same normalised spelling, the same folded
   * spelling, a folded spelling starting with it, then containing it. */
  X.search = function (q) {
    const n = normalise(q);
    if (!n) return [];
    if (!keys) {
      let at = 0;
      plain = D.districts.map((d, i) => {
        const n = D.names ? D.names.n[i] : 0;
        at += n;
        return n ? D.names.keys.slice(at - n, at) : [d.en];
      });
      keys = plain.map((list) => list.map((x) => X.fold(x)));
    }
    const f = X.fold(n) || n;
    const rank = [];
    keys.forEach((list, i) => {
      let best = 9;
      if (plain[i].includes(n)) best = 0;
      for (const k of list) {
        if (k === f) best = Math.min(best, 1);
        else if (k.startsWith(f)) best = Math.min(best, 2);
        else if (f.length >= 3 && k.includes(f)) best = Math.min(best, 3);
      }
      if (best < 9) rank.push([best, D.districts[i].parent === undefined ? 0 : 1, i]);
    });
    rank.sort((p, q2) => p[0] - q2[0] || p[1] - q2[1] || D.districts[p[2]].en.localeCompare(D.districts[q2[2]].en));
    return rank.map((r) => r[2]);
  };
  /** Fit the map to district i and open its history. */
  X.jumpTo = function (i) {
    const layer = X.layers[i];
    if (layer.getBounds) map.fitBounds(layer.getBounds(), { maxZoom: 15.5, padding: [30, 30], animate: false });
    else map.setView(layer.getLatLng(), Math.max(map.getZoom(), 15.5), { animate: false });
    X.openHistory(i);
  };
  const SearchControl = L.Control.extend({
    options: { position: "topleft" },
    onAdd() {
      const box = L.DomUtil.create("form", "leaflet-bar am-search");
      box.setAttribute("role", "search");
      const input = L.DomUtil.create("input", "", box);
      input.type = "search";
      input.id = "am-search";
      input.placeholder = "find a district";
      input.setAttribute("aria-label", "Find a district by name (any spelling)");
      input.autocomplete = "off";
      const out = L.DomUtil.create("div", "am-search-out", box);
      out.id = "am-search-out";
      out.setAttribute("role", "status");
      out.hidden = true;
      L.DomEvent.disableClickPropagation(box);
      L.DomEvent.disableScrollPropagation(box);
      function show(list, q) {
        out.replaceChildren();
        out.hidden = !q;
        if (!q) return;
        if (!list.length) {
          out.appendChild(X.el("div", "am-search-none", "no match"));
          return;
        }
        list.slice(0, 6).forEach((i) => {
          const b = X.el("button", null, D.districts[i].en);
          b.type = "button";
          b.dataset.district = D.districts[i].id;
          b.addEventListener("click", () => X.jumpTo(i));
          out.appendChild(b);
        });
      }
      input.addEventListener("input", () => show(X.search(input.value), input.value.trim()));
      input.addEventListener("keydown", (ev) => ev.stopPropagation()); // not the day keys
      box.addEventListener("submit", (ev) => {
        ev.preventDefault();
        const list = X.search(input.value);
        show(list, input.value.trim());
        if (list.length) X.jumpTo(list[0]);
      });
      return box;
    },
  });

  // ---------------------------------------------------------------- legend
  const el = X.el, svg = X.svg, $ = X.$;
  function legendItem(ul, mark, text) {
    const li = el("li");
    li.appendChild(mark);
    li.appendChild(document.createTextNode(text));
    ul.appendChild(li);
  }
  X.buildLegend = function () {
    const ul = $("am-legend");
    D.sides.forEach((s, k) => legendItem(ul, X.swatch(k), s.label));
    if (D.sides.length > 1) {
      const s = svg("svg", { width: 18, height: 13, class: "am-sw-svg", "aria-hidden": "true" });
      const defs = svg("defs", {});
      const hold = X.refSide >= 0 ? X.refSide : 1;
      const gain = hold === 0 ? 1 : 0;
      defs.appendChild(X.makePattern("am-legend-hatch", X.colour(gain), X.colour(hold), 5));
      s.appendChild(defs);
      s.appendChild(svg("rect", { width: 18, height: 13, fill: "url(#am-legend-hatch)" }));
      legendItem(ul, s, "Partial control: stripes of the gaining side over the holder, their width in proportion to its share");
    }
    if (D.sides.length > 1 && X.anyUncertain) legendItem(ul, X.uncertainSwatch(), "Checkerboard: uncertain, the texts date the change only to a window of days (the two candidate sides)");
    legendItem(ul, el("span", "am-sw-dash"), "Dashed outline: low-confidence state");
    if (D.edges && D.edges.a.length) {
      legendItem(ul, el("span", "am-sw-front"), "Front line: where districts held mostly by different sides meet");
    }
    if (D.districts.some((x) => x.basis === "estimated")) {
      legendItem(ul, el("span", "am-sw-est"), "Dotted grey outline: estimated boundary");
    }
    if (D.districts.some((x) => x.parent !== undefined)) {
      legendItem(ul, el("span", "am-sw-sub"), "Diamond: a place inside a district, with its own history");
    }
    if (D.districts.some((x) => x.kind === "point" && x.parent === undefined)) {
      legendItem(ul, el("span", "am-sw-sub"), "Diamond: a district without a polygon in the boundary file, at its centre");
    }
    ul.appendChild(el("li", "am-small am-noprint", "Hover or Tab to a district for its state; click it or press Enter for every report behind it."));
  };

  X.buildContext = function () {
    new SearchControl().addTo(map);
    map.on("zoomstart", () => { labelPane.style.visibility = "hidden"; });
    map.on("zoomend moveend", () => { labelPane.style.visibility = ""; X.updateLabels(); });
  };
}
