/* controls.js: the day: setting it, the timeline bar (slider, buttons, speed), playback,
 * keyboard shortcuts and the deep link (#YYYY-MM-DD).
 *
 * Adds to X: setDay(d, fromUser), hashDay(), play(), pause(), buildControls().
 */
function explorerControls(X) {
  const D = X.D;
  const now = X.now;
  const $ = X.$;
  const N = X.N;

  X.setDay = function (d, fromUser) {
    d = Math.max(0, Math.min(N - 1, d | 0));
    if (d === now.day) return;
    const prev = now.day;
    now.day = d;
    X.restyleDay(prev, d);
    X.updateFront();
    const iso = D.dates[d];
    const slider = $("am-slider");
    slider.value = String(d);
    slider.setAttribute("aria-valuetext", X.longDate(iso));
    X.showDay();
    X.refreshTips();
    if (fromUser) {
      X.notice("");
      writeHash();
    }
    document.dispatchEvent(new CustomEvent("controlmap:date", { detail: { date: iso } }));
  };

  // ---------------------------------------------------------------- deep link
  // written a moment after the last change of day: replaceState costs several ms, more
  // than restyling the districts, and stepping or playing should not wait for it
  let hashTimer = null;
  function writeHash() {
    clearTimeout(hashTimer);
    hashTimer = setTimeout(() => {
      const iso = D.dates[now.day]; // the day shown then (a hash typed meanwhile moved it)
      if (location.hash === "#" + iso) return;
      try {
        history.replaceState(null, "", "#" + iso);
      } catch (e) {
        location.hash = iso;
      }
    }, 120);
  }
  X.hashDay = function () {
    const h = decodeURIComponent(location.hash.replace(/^#/, ""));
    if (!h) return -1;
    const k = D.dates.indexOf(h);
    if (k < 0) {
      X.notice("No such day on this map: “" + h + "”. Days run from " + X.longDate(D.dates[0]) +
        " to " + X.longDate(D.dates[N - 1]) + ".");
    }
    return k;
  };

  // ---------------------------------------------------------------- playback
  let playing = false;
  let timer = null;
  let speed = 1;
  function schedule() {
    clearTimeout(timer);
    timer = setTimeout(tick, 1000 / speed);
  }
  function tick() {
    if (!playing) return;
    if (now.day >= N - 1) { X.pause(); return; }
    X.setDay(now.day + 1, true);
    if (now.day >= N - 1) X.pause(); else schedule();
  }
  X.play = function () {
    if (now.day >= N - 1) X.setDay(0, true);
    playing = true;
    const b = $("am-play");
    b.textContent = "❚❚ pause";
    b.setAttribute("aria-label", "Pause");
    schedule();
  };
  X.pause = function () {
    playing = false;
    clearTimeout(timer);
    const b = $("am-play");
    b.textContent = "▶ play";
    b.setAttribute("aria-label", "Play");
  };
  const toggle = () => (playing ? X.pause() : X.play());
  function prevChange() {
    let k = -1;
    for (const d of X.changeDays) if (d < now.day) k = d;
    X.setDay(k >= 0 ? k : 0, true);
  }
  function nextChange() {
    const d = X.changeDays.find((x) => x > now.day);
    X.setDay(d === undefined ? N - 1 : d, true);
  }

  // ---------------------------------------------------------------- keys
  const KEYS = {
    ArrowLeft: () => X.setDay(now.day - 1, true),
    ArrowRight: () => X.setDay(now.day + 1, true),
    " ": toggle,
    Home: () => X.setDay(0, true),
    End: () => X.setDay(N - 1, true),
    PageUp: prevChange,
    PageDown: nextChange,
  };
  function ownKeys(t) {
    // form fields and editable text keep their keys (the speed box keeps its arrows;
    // Tab always leaves it); a focused button or box activates on space itself
    if (!t || t === document.body) return false;
    const tag = t.tagName;
    if (tag === "SELECT" || tag === "TEXTAREA" || t.isContentEditable) return true;
    if (tag === "INPUT" && t.type !== "range") return true;
    return false;
  }
  function onKey(ev) {
    if (ev.altKey || ev.ctrlKey || ev.metaKey) return;
    const t = ev.target;
    if (ev.key === "Escape") {
      if (t && t.tagName === "SELECT") $("am-slider").focus();
      X.closeHistory();
      return;
    }
    if (ownKeys(t)) return;
    if (ev.key === " " && t && (t.tagName === "BUTTON" || t.tagName === "A")) return;
    const f = KEYS[ev.key];
    if (!f) return;
    ev.preventDefault();
    f();
    // focus follows the date: a key pressed with nothing focused lands on the slider,
    // which speaks the new day (aria-valuetext)
    const a = document.activeElement;
    if (!a || a === document.body || a === X.map.getContainer()) $("am-slider").focus();
  }

  /** A first tab stop that skips the districts, visible when focused. */
  function skipLink() {
    const a = X.el("a", "am-skip", "Skip the districts: go to the timeline");
    a.href = "#";
    a.addEventListener("click", (ev) => {
      ev.preventDefault();
      $("am-slider").focus();
    });
    document.body.insertBefore(a, document.body.firstChild);
  }

  X.buildControls = function () {
    skipLink();
    const slider = $("am-slider");
    slider.max = String(N - 1);
    slider.addEventListener("input", () => X.setDay(Number(slider.value), true));
    $("am-play").addEventListener("click", toggle);
    $("am-back").addEventListener("click", () => X.setDay(now.day - 1, true));
    $("am-fwd").addEventListener("click", () => X.setDay(now.day + 1, true));
    $("am-prev-change").addEventListener("click", prevChange);
    $("am-next-change").addEventListener("click", nextChange);
    $("am-speed").addEventListener("change", (ev) => {
      speed = Number(ev.target.value) || 1;
      if (playing) schedule();
    });
    $("am-first").textContent = X.longDate(D.dates[0]);
    $("am-last").textContent = X.longDate(D.dates[N - 1]);
    const ticks = $("am-ticks");
    X.changeDays.forEach((d) => {
      const t = X.el("span");
      t.style.left = (N > 1 ? (100 * d) / (N - 1) : 0) + "%";
      t.title = X.longDate(D.dates[d]) + ": " + X.changers[d].length + " district(s) changed";
      ticks.appendChild(t);
    });
    document.addEventListener("keydown", onKey);
    window.addEventListener("hashchange", () => {
      const k = X.hashDay();
      if (k >= 0) X.setDay(k, false);
    });
  };
}
