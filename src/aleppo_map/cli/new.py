"""``new``: write a small runnable example battle into a new folder.

The example (a made-up town, three districts, three sides, two short source texts, a few
changes, an aggregate and two reported figures) is shipped as package data in
``aleppo_map/battle_template``; every command accepts the folder as written. The folder
is filled in a temporary sibling and moved into place when complete; a folder that
exists and is not empty is never written into.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import importlib.resources
import io
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

from aleppo_map._io import output_dir
from aleppo_map.cli import _options as opt

NAME = "new"
#: Package folder holding the example battle.
TEMPLATE = "battle_template"


def add_parser(sub: Any) -> None:
    """Register the command.

    Parameters
    ----------
    sub : argparse._SubParsersAction
        The subcommand registry.
    """
    p = sub.add_parser(NAME, help="write a small example battle to start a new one from",
                       description="Write DIR: a runnable example battle (manifest, gazetteer, "
                                   "polygons, control table, sources and their texts, and a "
                                   "README explaining each file). DIR must not exist or be empty.")
    p.add_argument("folder", type=Path, metavar="DIR", help="the folder to create")
    opt.add_quiet(p)
    p.set_defaults(func=run)


def _copy_tree(src: Traversable, dest: Path) -> None:
    dest.mkdir(exist_ok=True)
    for item in src.iterdir():
        if item.name.startswith((".", "__")):
            continue
        if item.is_dir():
            _copy_tree(item, dest / item.name)
        else:
            (dest / item.name).write_bytes(item.read_bytes())


def _register_checksums(folder: Path) -> None:
    """Fill the ``sha256`` column of ``sources.csv`` from the texts in ``seeds/``."""
    path = folder / "sources.csv"
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    for row in rows:
        row["sha256"] = hashlib.sha256((folder / "seeds" / row["file"]).read_bytes()).hexdigest()
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")


def write_example(folder: Path) -> Path:
    """Write the example battle into *folder*, which must not exist or be empty.

    Parameters
    ----------
    folder : pathlib.Path
        The folder to create.

    Returns
    -------
    pathlib.Path
        The folder.

    Raises
    ------
    OutputError
        When *folder* is a file or a folder that is not empty, or cannot be written.
    """
    folder = Path(folder)
    # one transaction, as every output: complete, or nothing; never into a non-empty folder
    with output_dir(folder) as tmp:
        _copy_tree(importlib.resources.files("aleppo_map") / TEMPLATE, tmp)
        _register_checksums(tmp)
    return folder




def run(args: argparse.Namespace) -> int:
    """Write the example battle and say what to run next.

    Parameters
    ----------
    args : argparse.Namespace
        Parsed options.

    Returns
    -------
    int
        Exit status.
    """
    folder = write_example(args.folder)
    opt.say(args, f"wrote {folder}: an example battle; read {folder / 'README.md'}, then try\n"
                  f"  aleppo-map validate --battle {folder} --seeds {folder / 'seeds'}\n"
                  f"  aleppo-map render --battle {folder} --out {folder / 'out'}")
    return 0
