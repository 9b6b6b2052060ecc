"""``LabContext``: everything a lab receives — the framework, the profile, and the recorder.

A lab is written once against ``ctx.fw`` (the ``neurona`` or ``torch`` module) and the
public PyTorch-shaped API. The context makes the two engines comparable:

* ``ctx.model(key, factory)`` builds a model; the first engine to build ``key`` stores its
  initial weights and every later engine loads them, so ``--engine both`` starts from
  identical weights;
* ``ctx.loader(X, y, ...)`` yields batches in an order drawn from a NumPy generator seeded
  by the lab's seed and the loader's key — identical batches on both engines;
* ``ctx.metric`` / ``ctx.curve`` / ``ctx.figure`` / ``ctx.table`` / ``ctx.text`` record what
  the report shows.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np


@dataclass
class Figure:
    name: str
    path: str
    caption: str = ""


@dataclass
class Table:
    name: str
    columns: list[str]
    rows: list[list[Any]]
    caption: str = ""


@dataclass
class Shared:
    """State shared by the engine runs of one lab: initial weights, per model key."""

    init_weights: dict[str, dict[str, np.ndarray]] = field(default_factory=dict)


def _seed_for(seed: int, key: str) -> int:
    digest = hashlib.sha256(f"{seed}:{key}".encode()).digest()
    return int.from_bytes(digest[:8], "little")


class Batches:
    """Mini-batches of (x, y) over arrays, reshuffled every epoch from a seeded generator.

    Iterating gives one epoch; ``len()`` is the number of batches. The order depends only on
    the seed and key, so both engines see the same batches.
    """

    def __init__(self, ctx: LabContext, tensors: Sequence[Any], batch_size: int, shuffle: bool,
                 drop_last: bool, key: str) -> None:
        self.ctx, self.tensors = ctx, list(tensors)
        self.n = len(tensors[0])
        self.batch_size, self.shuffle, self.drop_last = batch_size, shuffle, drop_last
        self.rng = np.random.default_rng(_seed_for(ctx.seed, "loader:" + key))

    def __len__(self) -> int:
        full, rest = divmod(self.n, self.batch_size)
        return full if self.drop_last or not rest else full + 1

    def __iter__(self) -> Iterator[tuple[Any, ...]]:
        order = self.rng.permutation(self.n) if self.shuffle else np.arange(self.n)
        fw = self.ctx.fw
        for i in range(len(self)):
            idx = order[i * self.batch_size:(i + 1) * self.batch_size]
            index = fw.as_tensor(idx)
            if self.ctx.device not in (None, "cpu"):
                index = index.to(self.ctx.device)
            yield tuple(t[index] for t in self.tensors)


class LabContext:
    """What a lab's ``run(ctx)`` receives. See the module docstring."""

    def __init__(self, fw: Any, lab_id: str, profile: str = "fast", seed: int = 0,
                 out_dir: str = "neurona-report", device: str = "cpu", shared: Shared | None = None,
                 progress: bool = False, engine_label: str | None = None) -> None:
        self.fw = fw
        self.nn = fw.nn
        self.F = fw.nn.functional
        self.optim = fw.optim
        self.engine = fw.__name__
        self.lab_id = lab_id
        self.profile = profile
        self.fast = profile == "fast"
        self.seed = seed
        self.out_dir = out_dir
        self.device = device
        self.shared = shared or Shared()
        self.progress = progress
        self.label = engine_label or self.engine
        self.metrics: dict[str, float] = {}
        self.curves: dict[str, list[float]] = {}
        self.figures: list[Figure] = []
        self.tables: list[Table] = []
        self.texts: list[str] = []
        self.notes: list[str] = []
        self._t0 = time.perf_counter()
        fw.manual_seed(seed)

    # -- profile and randomness ------------------------------------------------------------------
    def pick(self, fast: Any, full: Any) -> Any:
        """``fast`` in the fast profile, ``full`` otherwise."""
        return fast if self.fast else full

    def rng(self, key: str = "") -> np.random.Generator:
        """A NumPy generator seeded by the lab's seed and ``key`` (the same on every engine)."""
        return np.random.default_rng(_seed_for(self.seed, key))

    # -- building blocks -------------------------------------------------------------------------
    def tensor(self, array: Any, dtype: Any = None) -> Any:
        """A tensor of this engine (on the lab's device) from an array; floating-point data
        becomes the default float dtype (float32) unless ``dtype`` says otherwise."""
        arr = np.asarray(array)
        if dtype is None and arr.dtype.kind == "f":
            dtype = self.fw.get_default_dtype()
        t = self.fw.tensor(arr) if dtype is None else self.fw.tensor(arr, dtype=dtype)
        return t.to(self.device) if self.device not in (None, "cpu") else t

    def model(self, key: str, factory: Callable[[Any], Any]) -> Any:
        """``factory(fw)`` with the initial weights shared across engines under ``key``."""
        self.fw.manual_seed(_seed_for(self.seed, "model:" + key) % (2**63))
        m = factory(self.fw)
        stored = self.shared.init_weights.get(key)
        if stored is None:
            self.shared.init_weights[key] = {
                k: np.array(v.detach().cpu().numpy() if hasattr(v, "cpu") else v.numpy())
                for k, v in m.state_dict().items()
            }
        else:
            m.load_state_dict({k: self.fw.as_tensor(v.copy()) for k, v in stored.items()})
        if self.device not in (None, "cpu"):
            m = m.to(self.device)
        return m

    def loader(self, *arrays: Any, batch_size: int = 32, shuffle: bool = True,
               drop_last: bool = False, key: str = "train") -> Batches:
        """Seeded mini-batches over arrays (or tensors) of equal length."""
        tensors = [a if hasattr(a, "shape") and not isinstance(a, np.ndarray) else self.tensor(a)
                   for a in arrays]
        return Batches(self, tensors, batch_size, shuffle, drop_last, key)

    def fit(self, model: Any, loss_fn: Any, optimizer: Any, loader: Any, epochs: int,
            **kwargs: Any) -> Any:
        """``neurona.train.fit`` with this lab's progress bar and label."""
        from ..train import fit

        kwargs.setdefault("progress", self.progress)
        kwargs.setdefault("desc", f"[{self.lab_id}:{self.label}] ")
        if self.device not in (None, "cpu"):
            kwargs.setdefault("device", self.device)
        return fit(model, loss_fn, optimizer, loader, epochs, **kwargs)

    def iterate(self, iterable: Any, desc: str = "", total: int | None = None) -> Any:
        """A progress bar over ``iterable`` (silent unless progress is on)."""
        if not self.progress:
            return iterable
        import sys

        from tqdm import tqdm

        return tqdm(iterable, desc=f"[{self.lab_id}:{self.label}] {desc}", total=total, leave=False,
                    dynamic_ncols=True, file=sys.stderr)

    @staticmethod
    def numpy(t: Any) -> np.ndarray:
        """Any tensor (either engine, any device) as an ndarray outside the graph."""
        from ..train.metrics import to_numpy

        return to_numpy(t)

    # -- recording -------------------------------------------------------------------------------
    def metric(self, name: str, value: float) -> float:
        """Record a scalar result (compared with the lab's targets)."""
        self.metrics[name] = float(value)
        return float(value)

    def curve(self, name: str, values: Sequence[float]) -> None:
        """Record a sequence (e.g. loss per epoch) — compared across engines with --engine both."""
        self.curves[name] = [float(v) for v in values]

    def plt(self) -> Any:
        """matplotlib.pyplot, headless."""
        import matplotlib

        matplotlib.use("Agg", force=False)
        import matplotlib.pyplot as plt

        return plt

    def figure(self, name: str, fig: Any, caption: str = "") -> str:
        """Save a matplotlib figure as PNG for the report; returns its path."""
        folder = os.path.join(self.out_dir, "figures")
        os.makedirs(folder, exist_ok=True)
        fname = f"{self.lab_id}-{name}" + ("" if self.label == "neurona" else f"-{self.label}") + ".png"
        path = os.path.join(folder, fname)
        fig.savefig(path, dpi=90, bbox_inches="tight")
        self.plt().close(fig)
        self.figures.append(Figure(name, os.path.join("figures", fname), caption))
        return path

    def table(self, name: str, columns: Sequence[str], rows: Sequence[Sequence[Any]],
              caption: str = "") -> None:
        """Record a table for the report."""
        self.tables.append(Table(name, list(columns), [list(r) for r in rows], caption))

    def text(self, markdown: str) -> None:
        """A paragraph of explanation for the report (light Markdown: **bold**, `code`)."""
        self.texts.append(markdown.strip())

    def note(self, message: str) -> None:
        """A line for the console and the report."""
        self.notes.append(message)

    @property
    def elapsed(self) -> float:
        return time.perf_counter() - self._t0
