"""Shared fixtures.

``shared_dir`` finds the files that live beside the project (the source texts and the
CSR boundary file): ``$ALEPPO_MAP_SHARED`` if set, else ``../shared``. Where they are
absent a test skips with that reason, except under ``CI=true``, where absence fails.
"""

from __future__ import annotations

import faulthandler
import os
import sys
import threading
from pathlib import Path

import pytest

from aleppo_map.testing import skip_or_fail

ROOT = Path(__file__).resolve().parents[1]


def _shared_root() -> Path:
    env = os.environ.get("ALEPPO_MAP_SHARED")
    return Path(env) if env else ROOT.parent / "shared"


def _need(path: Path) -> Path:
    if not path.exists():
        skip_or_fail(f"shared file not found: {path} "
                     "(set ALEPPO_MAP_SHARED to the folder holding seeds/ and data/)")
    return path


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """The folder beside the project holding ``seeds/`` and ``data/``."""
    root = _need(_shared_root())
    _need(root / "seeds")
    _need(root / "data")
    return root


@pytest.fixture(scope="session")
def seeds_dir(shared_dir: Path) -> Path:
    """The folder of the four source texts."""
    return _need(shared_dir / "seeds")


@pytest.fixture(scope="session")
def csr_path(shared_dir: Path) -> Path:
    """The real CSR neighbourhood boundaries of Aleppo (read at test time, never copied)."""
    return _need(shared_dir / "data" / "aleppo_neighborhoods_csr.geojson")


@pytest.fixture(scope="session")
def repo_root() -> Path:
    """The project's root folder."""
    return ROOT


# How long the interpreter may take to exit once the tests are done (seconds).
EXIT_GRACE = 120
_STATUS = pytest.StashKey[int]()


def pytest_unconfigure(config: pytest.Config) -> None:
    """Make a hang at interpreter exit visible and bounded instead of silent.

    Everything a test starts (browsers, worker processes, clusters) is ended by the test;
    should some library still hold the exit (a thread pool joined by an exit hook, a loop
    thread), every thread's stack is printed after ``EXIT_GRACE`` seconds and the process
    ends with the test session's own status, so CI shows the culprit rather than timing out.
    """
    status = config.stash.get(_STATUS, 0)

    def _stuck() -> None:
        sys.stderr.write(f"\nconftest: the interpreter did not exit {EXIT_GRACE} s after the tests "
                         "ended; the stacks of its threads follow\n")
        faulthandler.dump_traceback(file=sys.stderr, all_threads=True)
        sys.stderr.flush()
        os._exit(status)

    timer = threading.Timer(EXIT_GRACE, _stuck)
    timer.daemon = True
    timer.start()


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    session.config.stash[_STATUS] = int(exitstatus)
