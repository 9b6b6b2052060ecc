"""Every notebook in ``notebooks/`` runs top to bottom in a fresh kernel of this Python."""

import re
import sys
from pathlib import Path

import nbclient
import nbformat
import pytest
from nbclient.exceptions import CellExecutionError

pytestmark = pytest.mark.xdist_group("notebooks")

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))


def _execute(nb, tmp_path, monkeypatch):
    """Run ``nb`` in a python3 kernel (headless matplotlib) with ``tmp_path`` as its cwd.

    The kernel inherits this environment. The notebooks train small models, for which one BLAS /
    OpenMP thread is as fast as several; on a shared, loaded machine several threads spin-wait and
    make a notebook many times slower (clase3: 47 s with the default threads, 12 s with one)."""
    monkeypatch.setenv("MPLBACKEND", "Agg")
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        monkeypatch.setenv(var, "1")
    client = nbclient.NotebookClient(nb, timeout=600, kernel_name="python3",
                                     resources={"metadata": {"path": str(tmp_path)}})
    client.execute()
    return nb


def test_kernel_runs_this_python(tmp_path, monkeypatch):
    """Kernel "python3" is this interpreter (the project's venv), not some other Python."""
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("import sys; print(sys.prefix)")])
    _execute(nb, tmp_path, monkeypatch)
    out = "".join(o.get("text", "") for o in nb.cells[0].outputs).strip()
    assert out == sys.prefix, f"kernel python3 runs {out}, not {sys.prefix}"


def test_there_are_notebooks():
    assert NOTEBOOKS, "no notebooks found"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_runs(path, tmp_path, monkeypatch):
    nb = nbformat.read(path, as_version=4)
    try:
        _execute(nb, tmp_path, monkeypatch)
    except CellExecutionError as e:
        message = re.sub(r"\x1b\[[0-9;]*m", "", str(e))  # the traceback without terminal colours
        pytest.fail(f"{path.name}: a cell failed\n{message}", pytrace=False)
