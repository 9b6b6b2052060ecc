"""``RMSprop``: divide the gradient by a running root-mean-square of its recent values (Hinton)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from ..tensor import Tensor
from .optimizer import (
    Optimizer,
    _check_lr,
    _check_nonneg,
    _float,
    _grad_with_decay,
    _lerp_,
    _next_step,
    _run_step,
    _step_tensor,
)

__all__ = ["RMSprop"]


class RMSprop(Optimizer):
    r"""RMSprop, as ``torch.optim.RMSprop``.

    For each parameter θ with gradient ∇::

        g ← −∇ if maximize else ∇
        g ← g + λ·θ                                  (λ = weight_decay, if λ ≠ 0)
        v ← α·v + (1 − α)·g²                         ('square_avg')
        if centered:
            ḡ ← α·ḡ + (1 − α)·g                      ('grad_avg')
            d ← √(v − ḡ²) + ε
        else:
            d ← √v + ε
        if μ > 0 (momentum):
            b ← μ·b + g / d                          ('momentum_buffer', starts at 0)
            θ ← θ − γ·b
        else:
            θ ← θ − γ·g / d

    State per parameter: ``'step'``, ``'square_avg'``, and ``'momentum_buffer'`` (momentum > 0)
    and ``'grad_avg'`` (centered).

    Args:
        params: tensors or parameter groups to optimize.
        lr: learning rate γ (default 1e-2).
        alpha: smoothing constant α (default 0.99).
        eps: ε (default 1e-8).
        weight_decay: λ (default 0).
        momentum: momentum factor μ (default 0).
        centered: normalize by an estimate of the gradient's variance instead of its raw
            second moment.
        maximize: maximize the objective instead of minimizing it.
        capturable, foreach, differentiable: accepted for compatibility.
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float | Tensor = 1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0,
        momentum: float = 0,
        centered: bool = False,
        capturable: bool = False,
        foreach: bool | None = None,
        maximize: bool = False,
        differentiable: bool = False,
    ) -> None:
        _check_lr(lr)
        _check_nonneg(eps, "epsilon")
        _check_nonneg(momentum, "momentum")
        _check_nonneg(weight_decay, "weight_decay")
        _check_nonneg(alpha, "alpha")
        defaults = dict(
            lr=lr, momentum=momentum, alpha=alpha, eps=eps, centered=centered,
            weight_decay=weight_decay, capturable=capturable, foreach=foreach, maximize=maximize,
            differentiable=differentiable,
        )
        super().__init__(params, defaults)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Perform one optimization step; returns the closure's loss if a closure is given."""
        return _run_step(self, closure, self._update_group)

    def _update_group(self, group: dict[str, Any]) -> None:
        lr = _float(group["lr"])
        alpha = group["alpha"]
        eps = group["eps"]
        weight_decay = _float(group["weight_decay"])
        momentum = group["momentum"]
        centered = group["centered"]
        maximize = group["maximize"]
        for p in group["params"]:
            if p._grad is None:
                continue
            state = self.state[p]
            if "step" not in state:
                state["step"] = _step_tensor()
                state["square_avg"] = Tensor._wrap(np.zeros_like(p._data))
            if momentum > 0 and "momentum_buffer" not in state:
                state["momentum_buffer"] = Tensor._wrap(np.zeros_like(p._data))
            if centered and "grad_avg" not in state:
                state["grad_avg"] = Tensor._wrap(np.zeros_like(p._data))
            _next_step(state)
            g, _ = _grad_with_decay(p, maximize, weight_decay)
            v = state["square_avg"]._data
            tmp = np.empty_like(p._data)

            v *= alpha  # v ← α·v + (1 − α)·g²
            np.multiply(g, 1 - alpha, out=tmp)
            tmp *= g
            v += tmp
            if centered:  # d ← √(v − ḡ²) + ε
                gbar = state["grad_avg"]._data
                _lerp_(gbar, g, 1 - alpha, tmp)
                np.multiply(gbar, gbar, out=tmp)
                np.subtract(v, tmp, out=tmp)
                np.sqrt(tmp, out=tmp)
            else:  # d ← √v + ε
                np.sqrt(v, out=tmp)
            tmp += eps
            np.divide(g, tmp, out=tmp)  # g / d
            if momentum > 0:
                buf = state["momentum_buffer"]._data
                buf *= momentum
                buf += tmp
                np.multiply(buf, -lr, out=tmp)
            else:
                tmp *= -lr
            p._data += tmp
            p._vc[0] += 1
