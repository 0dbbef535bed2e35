/* patterns.js: how the districts are filled when two sides share one: the hatch of a
 * partly held district (stripes of the gaining side over the holder, their width in
 * proportion to its share) and the checkerboard of a district inside a date window (the
 * two candidate sides), as SVG <pattern> fills, or, when the districts are drawn on a
 * canvas (D.renderer "canvas"), as CanvasPatterns of the same tiles in the same space.
 *
 * Adds to X: canvas (whether the districts are on a canvas), patternFill(side, rest,
 * share), makePattern(id, gain, hold, tenth), uncertainFill(from, to),
 * makeUncertainPattern(id, before, after), uncertainSwatch().
 */
function explorerPatterns(X) {
  const D = X.D;
  const map = X.map;
  const CANVAS = D.renderer === "canvas";
  X.canvas = CANVAS;
  // canvas fills of the hatch and checkerboard patterns (canvas renderer only), by id
  const canvasFills = new Map();
  function canvasFill(id, size, rotate, paint) {
    let p = canvasFills.get(id);
    if (!p) {
      const tile = document.createElement("canvas");
      tile.width = size;
      tile.height = size;
      const t = tile.getContext("2d");
      paint(t);
      p = t.createPattern(tile, "repeat");
      // patternTransform="rotate(45)" of the SVG pattern, in the same (layer point) space
      if (rotate) p.setTransform(new DOMMatrix().rotate(45));
      canvasFills.set(id, p);
    }
    return p;
  }

  // ---------------------------------------------------------------- hatch patterns
  let defs = null;
  /** A fill for a district shared by two sides: stripes of the gaining side over the holder. */
  X.patternFill = function (side, rest, share) {
    const tenth = Math.max(1, Math.min(9, Math.round(share * 10)));
    const id = "am-hatch-" + X.side(side).id + "-" + X.side(rest).id + "-" + tenth;
    if (CANVAS) {
      return canvasFill(id, 10, true, (t) => {
        t.fillStyle = X.colour(rest);
        t.fillRect(0, 0, 10, 10);
        t.fillStyle = X.colour(side);
        t.fillRect(0, 0, tenth, 10);
      });
    }
    if (!document.getElementById(id)) {
      if (!defs) {
        const host = map.getPanes().overlayPane.querySelector("svg");
        defs = X.svg("defs", {});
        host.insertBefore(defs, host.firstChild);
      }
      defs.appendChild(X.makePattern(id, X.colour(side), X.colour(rest), tenth));
    }
    return "url(#" + id + ")";
  };
  // stripes of the gaining side (width in proportion to its share) over the holder's colour
  X.makePattern = function (id, gain, hold, tenth) {
    const p = X.svg("pattern", {
      id: id, width: 10, height: 10, patternUnits: "userSpaceOnUse",
      patternTransform: "rotate(45)",
    });
    p.appendChild(X.svg("rect", { width: 10, height: 10, fill: hold }));
    p.appendChild(X.svg("rect", { width: tenth, height: 10, fill: gain }));
    return p;
  };

  /** A fill for a district inside a date window: a checkerboard of the two candidate sides. */
  X.uncertainFill = function (from, to) {
    const id = "am-unc-" + X.side(from).id + "-" + X.side(to).id;
    if (CANVAS) {
      return canvasFill(id, 12, false, (t) => {
        t.fillStyle = X.colour(from);
        t.fillRect(0, 0, 12, 12);
        t.fillStyle = X.colour(to);
        t.fillRect(0, 0, 6, 6);
        t.fillRect(6, 6, 6, 6);
      });
    }
    if (!document.getElementById(id)) {
      if (!defs) {
        const host = map.getPanes().overlayPane.querySelector("svg");
        defs = X.svg("defs", {});
        host.insertBefore(defs, host.firstChild);
      }
      defs.appendChild(X.makeUncertainPattern(id, X.colour(from), X.colour(to)));
    }
    return "url(#" + id + ")";
  };
  // squares of the side after the change on the side before it: unlike the stripes of a
  // shared district, it says "one or the other", not "both"
  X.makeUncertainPattern = function (id, before, after) {
    const p = X.svg("pattern", { id: id, width: 12, height: 12, patternUnits: "userSpaceOnUse" });
    p.appendChild(X.svg("rect", { width: 12, height: 12, fill: before }));
    p.appendChild(X.svg("rect", { width: 6, height: 6, fill: after }));
    p.appendChild(X.svg("rect", { x: 6, y: 6, width: 6, height: 6, fill: after }));
    return p;
  };

  /** A legend swatch of the checkerboard. */
  X.uncertainSwatch = function () {
    const s = X.svg("svg", { width: 18, height: 13, class: "am-sw-svg", "aria-hidden": "true" });
    const defs = X.svg("defs", {});
    defs.appendChild(X.makeUncertainPattern("am-legend-unc", X.colour(1), X.colour(0)));
    s.appendChild(defs);
    s.appendChild(X.svg("rect", { width: 18, height: 13, fill: "url(#am-legend-unc)" }));
    return s;
  };
}
