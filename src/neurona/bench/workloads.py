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


def _copy_weights(m: ModuleType, model: Any, key: str, data: dict[str, Any]) -> None:
    """Every engine's model of workload ``key`` starts from the same weights: the first
    engine's initial state dict is stored in ``data`` and loaded by the others."""
    store = data.setdefault("init", {})
    sd = model.state_dict()
    if key not in store:
        store[key] = {k: np.array(v.detach().cpu().numpy()) for k, v in sd.items()}
    else:
        model.load_state_dict({k: m.from_numpy(v.copy()) for k, v in store[key].items()})


def _train_step(m: ModuleType, model: Any, x: Any, y: Any, loss_fn: Any, opt: Any
                ) -> tuple[Callable[[], Any], Callable[[], float]]:
    last: list[Any] = [None]

    def step() -> None:
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        last[0] = loss

    return step, lambda: float(last[0].item())


# -- CNN on 28×28 digits (issue 5) ----------------------------------------------------------------


def _cnn(m: ModuleType, data: dict[str, Any]) -> tuple[Callable[[], Any], Callable[[], float]]:
    nn = m.nn
    model = nn.Sequential(nn.Conv2d(1, 16, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(16, 32, 3),
                          nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(32 * 5 * 5, 10))
    _copy_weights(m, model, "cnn", data)
    rng = np.random.default_rng(1)
    x = m.from_numpy(rng.random((64, 1, 28, 28), dtype=np.float32))
    y = m.from_numpy(rng.integers(0, 10, 64))
    return _train_step(m, model, x, y, nn.CrossEntropyLoss(), m.optim.SGD(model.parameters(), lr=0.01))


def _conv1d(m: ModuleType, data: dict[str, Any]) -> tuple[Callable[[], Any], Callable[[], float]]:
    """MNIST-1D's CNN: three Conv1d(k=5, stride 2, 25 channels) + ReLU, then a linear layer."""
    nn = m.nn
    model = nn.Sequential(nn.Conv1d(1, 25, 5, stride=2, padding=1), nn.ReLU(),
                          nn.Conv1d(25, 25, 3, stride=2, padding=1), nn.ReLU(),
                          nn.Conv1d(25, 25, 3, stride=2, padding=1), nn.ReLU(),
                          nn.Flatten(), nn.Linear(25 * 5, 10))
    _copy_weights(m, model, "conv1d", data)
    rng = np.random.default_rng(2)
    x = m.from_numpy(rng.standard_normal((100, 1, 40)).astype(np.float32))
    y = m.from_numpy(rng.integers(0, 10, 100))
    return _train_step(m, model, x, y, nn.CrossEntropyLoss(), m.optim.Adam(model.parameters(), lr=1e-3))


# -- recurrent layers and attention (issue 6) -------------------------------------------------------


class _LastStep:
    """Adapter: run a recurrent layer and keep a loss-able tensor (sum of outputs and h_n)."""

    def __init__(self, layer: Any) -> None:
        self.layer = layer

    def parameters(self) -> Any:
        return self.layer.parameters()

    def __call__(self, x: Any) -> Any:
        out, _ = self.layer(x)
        return out


Setup = Callable[[ModuleType, dict[str, Any]], tuple[Callable[[], Any], Callable[[], float]]]


def _recurrent(kind: str) -> Setup:
    def setup(m: ModuleType, data: dict[str, Any]) -> tuple[Callable[[], Any], Callable[[], float]]:
        layer = getattr(m.nn, kind)(32, 128, batch_first=True)
        _copy_weights(m, layer, kind, data)
        rng = np.random.default_rng(3)
        x = m.from_numpy(rng.standard_normal((64, 50, 32)).astype(np.float32))
        target = m.from_numpy(rng.standard_normal((64, 50, 128)).astype(np.float32))
        model = _LastStep(layer)
        return _train_step(m, model, x, target, m.nn.MSELoss(), m.optim.SGD(layer.parameters(), lr=0.01))

    return setup


def _transformer(m: ModuleType, data: dict[str, Any]) -> tuple[Callable[[], Any], Callable[[], float]]:
    layer = m.nn.TransformerEncoderLayer(128, 4, dim_feedforward=256, dropout=0.0, batch_first=True)
    _copy_weights(m, layer, "transformer", data)
    rng = np.random.default_rng(4)
    x = m.from_numpy(rng.standard_normal((32, 64, 128)).astype(np.float32))
    target = m.from_numpy(rng.standard_normal((32, 64, 128)).astype(np.float32))
    return _train_step(m, layer, x, target, m.nn.MSELoss(), m.optim.SGD(layer.parameters(), lr=0.01))


WORKLOADS: dict[str, Workload] = {
    w.name: w
    for w in (
        Workload("tiny-op", "tiny op + backward (10 elems)", 3.0, 2000, _tiny),
        Workload("mlp-raw", "MLP 784-256-256-10 raw ops + SGD (B=128)", 1.15, 200, _mlp_raw),
        Workload("mlp-nn", "MLP nn.Linear + CrossEntropyLoss + Adam (B=128)", 1.10, 200, _mlp_nn),
        Workload("cnn", "CNN 2×(conv3×3+ReLU+maxpool2)+Linear, 1×28×28, B=64, SGD", 1.5, 50, _cnn),
        Workload("conv1d", "MNIST-1D CNN: 3×Conv1d+ReLU+Linear, L=40, B=100, Adam", 1.5, 100, _conv1d),
        Workload("lstm", "LSTM 32→128, T=50, B=64, forward+backward+SGD", 2.0, 10, _recurrent("LSTM")),
        Workload("gru", "GRU 32→128, T=50, B=64, forward+backward+SGD", 2.0, 10, _recurrent("GRU")),
        Workload("transformer", "TransformerEncoderLayer d=128, 4 heads, T=64, B=32", 1.5, 10,
                 _transformer),
    )
}
