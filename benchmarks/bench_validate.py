"""Time of reading and checking a control table against its schema, by number of rows.

For each size a synthetic control table is written to a temporary CSV (districts
``d0``..., one source, dates cycling over the default battle's days), then timed:

=========  ==================================================================
read       ``_io.read_csv``: decoding, delimiter and field-count checks, parse
clean      ``timeline.validate_changes`` on the table as read
dirty      the same with 1 % of the controllers misspelt (every problem worded)
=========  ==================================================================

Each figure is the best of three runs, in milliseconds, with the time per thousand
rows: the check is column-wise, so the time grows with the rows only.

Run: ``python benchmarks/bench_validate.py [--sizes 1000,10000,100000]``.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from aleppo_map import _io as io
from aleppo_map._errors import ValidationError
from aleppo_map.battle import default_battle
from aleppo_map.settings import DEFAULTS
from aleppo_map.timeline import CHANGE_COLUMNS, validate_changes


def table(n: int, seed: int = 0) -> tuple[pd.DataFrame, list[str]]:
    """Return a clean synthetic control table of *n* rows and its district ids."""
    rng = np.random.default_rng(seed)
    ids = [f"d{k}" for k in range(max(n // 20, 10))]
    days = [(DEFAULTS.start + timedelta(days=int(k))).isoformat()
            for k in rng.integers(0, DEFAULTS.n_days, n)]
    frame = pd.DataFrame({
        "change_id": [f"C{i}" for i in range(n)], "date": days,
        "district_id": [ids[i % len(ids)] for i in range(n)],
        "controller": rng.choice(list(default_battle().side_ids), n), "extent": "full", "share": "",
        "remainder": "", "event": "capture", "basis": "stated", "source_id": "s",
        "line": rng.integers(1, 500, n).astype(str), "confidence": "high", "aggregate": "",
        "note": "a note, with a comma",
    })
    return frame[list(CHANGE_COLUMNS)], ids


def best(fn: Callable[[], object], runs: int = 3) -> float:
    """Best wall time of *runs* calls, in milliseconds."""
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return 1000 * min(times)


def main() -> None:
    """Print the table of timings."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    args = parser.parse_args()
    print(f"{'rows':>8} {'read ms':>9} {'clean ms':>9} {'dirty ms':>9} {'problems':>9}"
          f" {'clean ms/1k':>12}")
    with tempfile.TemporaryDirectory() as tmp:
        for n in (int(s) for s in args.sizes.split(",")):
            frame, ids = table(n)
            path = Path(tmp) / f"changes_{n}.csv"
            frame.to_csv(path, index=False)
            read = best(lambda p=path: io.read_csv(p, "control table"))
            raw = io.read_csv(path, "control table")
            clean = best(lambda r=raw, i=ids, f=str(path): validate_changes(r, f, i, {"s": 1}))
            dirty_frame = raw.copy()
            rows = np.random.default_rng(1).choice(n, max(n // 100, 1), replace=False)
            dirty_frame.loc[rows, "controller"] = default_battle().side_ids[0][:-1] + "x"
            found: list[int] = []

            def dirty(d: pd.DataFrame = dirty_frame, i: list[str] = ids,
                      out: list[int] = found, f: str = str(path)) -> None:
                try:
                    validate_changes(d, f, i, {"s": 1})
                except ValidationError as exc:
                    out.append(len(exc.problems))

            dirty_ms = best(dirty)
            print(f"{n:>8} {read:>9.0f} {clean:>9.0f} {dirty_ms:>9.0f} {found[-1]:>9}"
                  f" {clean / n * 1000:>12.1f}")


if __name__ == "__main__":
    main()
