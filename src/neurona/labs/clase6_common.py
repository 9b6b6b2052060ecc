"""Helpers shared by the parts of clase 6: the training loop, parameter counts, batched inference.

Every model of the class has its own forward (teacher forcing needs the targets, a language model
returns its state), so the loop takes a ``step_loss(model, *batch) -> loss`` function instead of
``loss_fn(model(x), y)``. It is the loop of the slides: forward, ``zero_grad``, ``backward``,
optional ``clip_grad_norm_``, ``step``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np


def n_params(model: Any) -> int:
    """The number of trainable parameters of ``model``."""
    return int(sum(p.numel() for p in model.parameters() if p.requires_grad))


def train(ctx: Any, model: Any, step_loss: Callable[..., Any], optimizer: Any, batches: Iterable,
          epochs: int, *, clip: float | None = None, scheduler: Any = None, desc: str = "") -> list[float]:
    """Train for ``epochs`` passes over ``batches``; returns the mean training loss of each epoch.

    ``scheduler`` (if any) steps after every batch; ``clip`` is the ``max_norm`` of
    ``nn.utils.clip_grad_norm_``."""
    params = [p for p in model.parameters() if p.requires_grad]
    history = []
    for _ in ctx.iterate(range(epochs), desc, total=epochs):
        model.train()
        total, count = 0.0, 0
        for batch in batches:
            loss = step_loss(model, *batch)
            optimizer.zero_grad()
            loss.backward()
            if clip is not None:
                ctx.nn.utils.clip_grad_norm_(params, clip)
            optimizer.step()
            if scheduler is not None:
                scheduler.step()
            total += loss.item()
            count += 1
        history.append(total / max(count, 1))
    return history


def adam_cosine(ctx: Any, model: Any, lr: float, total_steps: int) -> tuple[Any, Any]:
    """Adam with the learning rate annealed to 0 along a half cosine over ``total_steps`` batches."""
    opt = ctx.optim.Adam(model.parameters(), lr=lr)
    return opt, ctx.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=max(total_steps, 1))


def predict(ctx: Any, fn: Callable[[Any], Any], x: np.ndarray, batch_size: int = 500) -> np.ndarray:
    """``fn`` applied to ``x`` in batches, without a graph; the outputs as one NumPy array."""
    outs = []
    with ctx.fw.no_grad():
        for i in range(0, len(x), batch_size):
            outs.append(ctx.numpy(fn(ctx.tensor(x[i:i + batch_size]))))
    return np.concatenate(outs)


class Timer:
    """``with Timer() as t: ...`` then ``t.seconds``."""

    def __enter__(self) -> Timer:
        self.t0 = time.perf_counter()
        self.seconds = 0.0
        return self

    def __exit__(self, *exc: Any) -> None:
        self.seconds = time.perf_counter() - self.t0
