"""The benchmark workloads: each written once as a function of the framework module ``m``.

A workload is built by ``setup(m, data)`` returning a zero-argument ``step`` callable (one
training step or one call) and a ``loss`` reader; both engines get the same NumPy data.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import numpy as np

BATCH = 128
SIZES = (784, 256, 256, 10)
LR = 0.05


@dataclass(frozen=True)
class Workload:
    """A benchmark: what it measures, its target ratio, and how to build one step."""

    name: str
    title: str
    target: float
    default_steps: int
    setup: Callable[[ModuleType, dict[str, Any]], tuple[Callable[[], Any], Callable[[], float]]]


def make_data(seed: int = 0) -> dict[str, Any]:
    """Weights (PyTorch's Linear init bounds, ``(in, out)`` layout), a batch and tiny tensors."""
    rng = np.random.default_rng(seed)
    weights = []
    for fan_in, fan_out in zip(SIZES[:-1], SIZES[1:]):
        bound = 1.0 / np.sqrt(fan_in)
        weights.append(rng.uniform(-bound, bound, (fan_in, fan_out)).astype(np.float32))
        weights.append(rng.uniform(-bound, bound, (fan_out,)).astype(np.float32))
    x = rng.standard_normal((BATCH, SIZES[0])).astype(np.float32)
    y = rng.integers(0, SIZES[-1], BATCH).astype(np.int64)
    tiny = [rng.standard_normal(10).astype(np.float32) for _ in range(3)]
    return {"weights": weights, "x": x, "y": y, "tiny": tiny}


# -- tiny op: per-op overhead --------------------------------------------------------------------


def _tiny(m: ModuleType, data: dict[str, Any]) -> tuple[Callable[[], Any], Callable[[], float]]:
    a, b, c = (m.tensor(v.copy(), requires_grad=True) for v in data["tiny"])

    def step() -> None:
        (a * b + c).sum().backward()

    return step, lambda: float(a.grad.sum().item())


# -- MLP from raw tensor ops (issue 2) ------------------------------------------------------------


def mlp_raw_step(m: ModuleType, params: Sequence[Any], x: Any, y: Any, lr: float) -> Any:
    """One SGD step of a ReLU MLP with a raw-op softmax cross-entropy; returns the loss.

    ``loss = −mean_i log_softmax(f(x))[i, y_i]``; then ``p ← p − lr·∂loss/∂p`` under
    ``no_grad`` and the gradients are cleared.
    """
    w1, b1, w2, b2, w3, b3 = params
    h = m.relu(x @ w1 + b1)
    h = m.relu(h @ w2 + b2)
    logits = h @ w3 + b3
    lp = logits.log_softmax(dim=1)
    loss = -lp[m.arange(x.shape[0]), y].mean()
    loss.backward()
    with m.no_grad():
        for p in params:
            p -= lr * p.grad
            p.grad = None
    return loss


def _mlp_raw(m: ModuleType, data: dict[str, Any]) -> tuple[Callable[[], Any], Callable[[], float]]:
    params = [m.tensor(w.copy(), requires_grad=True) for w in data["weights"]]
    x, y = m.tensor(data["x"]), m.tensor(data["y"])
    last: list[Any] = [None]

    def step() -> None:
        last[0] = mlp_raw_step(m, params, x, y, LR)

    return step, lambda: float(last[0].item())


# -- MLP from nn.Linear / CrossEntropyLoss / Adam (issue 3) ---------------------------------------


def _mlp_nn(m: ModuleType, data: dict[str, Any]) -> tuple[Callable[[], Any], Callable[[], float]]:
    nn = m.nn
    model = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(),
                          nn.Linear(256, 10))
    w = data["weights"]
    model.load_state_dict({
        "0.weight": w[0].T.copy(), "0.bias": w[1], "2.weight": w[2].T.copy(), "2.bias": w[3],
        "4.weight": w[4].T.copy(), "4.bias": w[5],
    } if m.__name__ == "neurona" else {
        k: m.from_numpy(np.ascontiguousarray(v)) for k, v in {
            "0.weight": w[0].T, "0.bias": w[1], "2.weight": w[2].T, "2.bias": w[3],
            "4.weight": w[4].T, "4.bias": w[5]}.items()
    })
    loss_fn = nn.CrossEntropyLoss()
    opt = m.optim.Adam(model.parameters(), lr=1e-3)
    x, y = m.tensor(data["x"]), m.tensor(data["y"])
    last: list[Any] = [None]

    def step() -> None:
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        last[0] = loss

    return step, lambda: float(last[0].item())


WORKLOADS: dict[str, Workload] = {
    w.name: w
    for w in (
        Workload("tiny-op", "tiny op + backward (10 elems)", 3.0, 2000, _tiny),
        Workload("mlp-raw", "MLP 784-256-256-10 raw ops + SGD (B=128)", 1.15, 200, _mlp_raw),
        Workload("mlp-nn", "MLP nn.Linear + CrossEntropyLoss + Adam (B=128)", 1.10, 200, _mlp_nn),
    )
}
