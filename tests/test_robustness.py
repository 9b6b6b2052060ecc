"""Determinism and robustness under load: same seed → same bits; a long loop keeps memory flat."""

import gc
import os

import numpy as np
import pytest

import neurona as nt
from neurona.train import fit


def _fit_once(seed: int) -> tuple[list[float], dict]:
    nt.manual_seed(seed)
    rng = np.random.default_rng(0)
    x = nt.tensor(rng.standard_normal((64, 4)).astype(np.float32))
    y = nt.tensor(rng.integers(0, 2, 64))
    loader = nt.utils.data.DataLoader(nt.utils.data.TensorDataset(x, y), batch_size=8, shuffle=True)
    model = nt.nn.Sequential(nt.nn.Linear(4, 8), nt.nn.ReLU(), nt.nn.Dropout(0.2), nt.nn.Linear(8, 2))
    h = fit(model, nt.nn.CrossEntropyLoss(), nt.optim.Adam(model.parameters(), lr=0.01), loader, 3,
            progress=False)
    return h.batch_loss, {k: v.numpy().copy() for k, v in model.state_dict().items()}


def test_fit_is_bit_identical_for_a_seed_and_differs_across_seeds():
    a, wa = _fit_once(1)
    b, wb = _fit_once(1)
    c, _ = _fit_once(2)
    assert a == b
    for k in wa:
        assert np.array_equal(wa[k], wb[k])
    assert a != c


@pytest.mark.xdist_group("labs")
def test_lab_results_are_identical_for_a_seed(tmp_path):
    from neurona.labs import find
    from neurona.labs.runner import run_lab

    lab = find("1")
    r1 = run_lab(lab, "neurona", "fast", 5, str(tmp_path / "a"))
    r2 = run_lab(lab, "neurona", "fast", 5, str(tmp_path / "b"))
    r3 = run_lab(lab, "neurona", "fast", 6, str(tmp_path / "c"))
    assert r1.metrics == r2.metrics and r1.curves == r2.curves
    assert r1.curves != r3.curves  # another seed, another run
    for f1, f2 in zip(r1.figures, r2.figures):  # the figures too, byte for byte
        assert (tmp_path / "a" / f1.path).read_bytes() == (tmp_path / "b" / f2.path).read_bytes()


def _without_timings(value):
    """results.json minus its wall-clock fields (every "seconds")."""
    if isinstance(value, dict):
        return {k: _without_timings(v) for k, v in value.items() if k != "seconds"}
    if isinstance(value, list):
        return [_without_timings(v) for v in value]
    return value


@pytest.mark.xdist_group("labs")
def test_lab_report_is_identical_for_a_seed_except_timings(tmp_path, capsys):
    """Design note 16: two runs with the same seed write the same report — results.json, the
    HTML and every PNG (the engines' overlay included) — but for the timing fields."""
    import json
    import re

    from neurona.cli import main

    for d in ("a", "b"):
        assert main(["lab", "1", "--engine", "both", "--seed", "5", "--out", str(tmp_path / d),
                     "--quiet"]) == 0
    capsys.readouterr()
    a, b = tmp_path / "a", tmp_path / "b"
    ja, jb = (json.loads((d / "results.json").read_text()) for d in (a, b))
    assert _without_timings(ja) == _without_timings(jb)

    def html(d):
        text = (d / "index.html").read_text()
        text = re.sub(r"\d{4}-\d\d-\d\d \d\d:\d\d", "DATE", text)  # when the report was written
        return re.sub(r"\d+\.\d s\b", "T s", text)  # each run's seconds

    assert html(a) == html(b)
    figures = sorted(p.name for p in (a / "figures").iterdir())
    assert "clase1-engines-overlay.png" in figures
    assert figures == sorted(p.name for p in (b / "figures").iterdir())
    for name in figures:
        assert (a / "figures" / name).read_bytes() == (b / "figures" / name).read_bytes(), name


def _rss_mb() -> float:
    with open(f"/proc/{os.getpid()}/statm") as f:
        pages = int(f.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def test_two_thousand_steps_keep_memory_flat():
    nt.manual_seed(0)
    model = nt.nn.Sequential(nt.nn.Linear(64, 128), nt.nn.ReLU(), nt.nn.Dropout(0.1), nt.nn.Linear(128, 10))
    opt = nt.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nt.nn.CrossEntropyLoss()
    x = nt.randn(32, 64)
    y = nt.randint(0, 10, (32,))
    total = 0.0
    samples = []
    for step in range(2000):
        loss = loss_fn(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        total += loss.item()
        if step in (200, 1999):
            gc.collect()
            samples.append(_rss_mb())
    assert samples[1] - samples[0] < 8.0, f"RSS grew from {samples[0]:.1f} to {samples[1]:.1f} MB"
