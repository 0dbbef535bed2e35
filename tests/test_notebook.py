"""notebooks/explore.ipynb runs top to bottom, and the committed file is the generated one."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "notebooks" / "explore.ipynb"


def _generator():
    path = ROOT / "notebooks" / "make_explore.py"
    spec = importlib.util.spec_from_file_location("make_explore", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_committed_notebook_is_generated_and_has_no_outputs():
    text = NOTEBOOK.read_text(encoding="utf-8")
    assert text == _generator().render(), "run: python notebooks/make_explore.py"
    import nbformat

    nb = nbformat.reads(text, as_version=4)
    nbformat.validate(nb)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == []
            assert cell.execution_count is None


@pytest.mark.slow
def test_notebook_runs_top_to_bottom(tmp_path, monkeypatch):
    monkeypatch.setenv("JUPYTER_PLATFORM_DIRS", "1")  # jupyter_core's path warning
    monkeypatch.setenv("MPLBACKEND", "Agg")
    monkeypatch.setenv("TMPDIR", str(tmp_path))  # the notebook writes only into a temp dir
    monkeypatch.delenv("ALEPPO_MAP_DISTRICTS", raising=False)
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(NOTEBOOK, as_version=4)
    # "python3" is the kernel of the running interpreter: jupyter_client starts it with
    # sys.executable, so this works from .venv/bin/python without activating the venv.
    client = NotebookClient(nb, kernel_name="python3", timeout=600,
                            resources={"metadata": {"path": str(tmp_path)}})
    client.execute()
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    text = "\n".join(str(o.get("text", "")) + str(o.get("data", {}).get("text/plain", ""))
                     for o in outputs)
    assert "consistent" in text  # the figure check ran and printed verdicts
    images = [o for o in outputs if "image/png" in o.get("data", {})]
    assert len(images) == 2  # the statistics chart and one frame
    written = sorted(p.name for p in tmp_path.rglob("*") if p.is_file())
    assert "stats.png" in written
    assert "2016-12-06.png" in written
