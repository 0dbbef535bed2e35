/* main.js: start the explorer and publish its small scripting API.
 *
 * startExplorer(map, D) builds the shared object X, lets each module add its part, draws
 * the first day and sets window.controlMap:
 *   setDate(iso), getDate(), stateOf(districtId), districts(), labelPoint(id),
 *   openHistory(id), play(), pause(), snapshot() (a PNG data: URL of the current view),
 *   embedSnippet(), frontEdges() (ids of the shared edges on today's front),
 *   frontSettled() (false while a worker still draws the front on the canvas), search(q)
 *   (district ids matching a spelling, best first), labels() (districts labelled now).
 */
function startExplorer(map, D) {
  const X = { map: map, D: D };
  explorerState(X);
  // the day of the link (checked and explained by X.hashDay below), to draw it first
  X.firstDay = Math.max(0, D.dates.indexOf(decodeURIComponent(location.hash.replace(/^#/, ""))));
  explorerPatterns(X);
  explorerPanel(X);
  explorerControls(X);
  explorerExport(X);

  if (!document.documentElement.lang) document.documentElement.lang = "en";
  // The panel, the timeline bar and the day's header first: they decide the map's size
  // (the phone layout puts the header above the map), so that the districts are drawn
  // once, in the final view, and not drawn again when the layout settles.
  X.buildPanel();
  X.buildControls();
  X.buildExport();
  const first = X.hashDay();
  X.now.day = first >= 0 ? first : 0;
  X.showDay();
  X.now.day = -1;
  X.layout();
  map.invalidateSize({ animate: false, pan: false });
  map.fitBounds(D.bounds, { padding: [12, 12], animate: false });
  explorerMap(X);
  explorerFront(X);
  explorerContext(X);
  explorerLandmarks(X);
  X.buildLegend();
  X.buildContext();
  X.buildLandmarks();
  const size = map.getSize();
  X.setDay(first >= 0 ? first : 0, false);
  // the panel's header may have changed height with the day: fit the districts to the room left
  map.invalidateSize({ animate: false, pan: false });
  if (!map.getSize().equals(size)) map.fitBounds(D.bounds, { padding: [12, 12], animate: false });
  X.updateFront();
  X.updateLabels();
  X.setTiles(!!(D.tiles && D.tiles.on));
  if (typeof ResizeObserver !== "undefined") {
    new ResizeObserver(() => map.invalidateSize()).observe(map.getContainer());
  }

  const dates = D.dates;
  window.controlMap = {
    ready: true,
    map: map,
    dates: dates.slice(),
    setDate(iso) {
      const k = dates.indexOf(String(iso));
      if (k < 0) {
        throw new RangeError("controlMap.setDate: expected a day from " + dates[0] + " to " +
          dates[dates.length - 1] + " (YYYY-MM-DD), got " + JSON.stringify(iso));
      }
      X.setDay(k, true);
      return dates[X.now.day];
    },
    getDate() { return dates[X.now.day]; },
    stateOf(id) {
      const i = X.indexOf(id);
      if (i === undefined) return null;
      const st = X.stateAt(i, X.now.day);
      return {
        controller: X.side(st.side).id, share: st.share,
        remainder: st.rest >= 0 ? X.side(st.rest).id : null,
        extent: st.rest >= 0 ? "partial" : "full", since: dates[Math.max(0, st.since)],
        changeId: st.row >= 0 ? X.rowField(st.row, "id") : null,
        uncertain: st.unc, window: st.unc ? X.windowText(st) : null,
      };
    },
    districts() { return D.districts.map((d) => d.id); },
    labelPoint(id) {
      const i = X.indexOf(id);
      return i === undefined ? null : D.districts[i].pt.slice();
    },
    openHistory(id) {
      const i = X.indexOf(id);
      if (i !== undefined) X.openHistory(i);
    },
    play: X.play,
    pause: X.pause,
    snapshot() { return X.snapshot(2).toDataURL("image/png"); },
    embedSnippet: X.embedSnippet,
    frontEdges() { return X.frontIds(); },
    frontSettled() { return X.frontSettled(); },
    search(q) { return X.search(q).map((i) => D.districts[i].id); },
    labels() { return X.labelIds(); },
  };
  document.dispatchEvent(new CustomEvent("controlmap:ready"));
  // after the first frame with the districts has been painted (benchmarks/bench_page.py)
  requestAnimationFrame(() => setTimeout(() => performance.mark("controlmap:painted"), 0));
}
