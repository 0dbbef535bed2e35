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
import os
import shutil
import tempfile
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

from aleppo_map._errors import InputFileError
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
    InputFileError
        When *folder* is a file or a folder that is not empty, or cannot be created.
    """
    folder = Path(folder)
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise InputFileError(
            f"{folder}: expected a new or empty folder for the example battle, got "
            + ("a file" if not folder.is_dir() else "a folder that is not empty")
            + "; nothing was written (choose another name)")
    parent = folder.resolve().parent
    if not parent.is_dir():
        raise InputFileError(f"{folder}: expected its parent folder {parent} to exist, "
                             "got no such folder")
    tmp = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", suffix=".tmp", dir=parent))
    try:
        _copy_tree(importlib.resources.files("aleppo_map") / TEMPLATE, tmp)
        _register_checksums(tmp)
        os.chmod(tmp, 0o777 & ~_umask())
        if folder.exists():
            folder.rmdir()  # empty (checked above): replaced by the complete copy
        os.rename(tmp, folder)
    except OSError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        raise InputFileError(f"{folder}: could not write the example battle ({exc})") from None
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return folder


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


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
