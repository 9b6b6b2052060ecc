"""``Adadelta``: an adaptive learning rate from running averages of g² and Δθ² (Zeiler, 2012)."""

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
    _next_step,
    _run_step,
    _step_tensor,
)

__all__ = ["Adadelta"]


class Adadelta(Optimizer):
    r"""Adadelta, as ``torch.optim.Adadelta``.

    For each parameter θ with gradient ∇::

        g ← −∇ if maximize else ∇
        g ← g + λ·θ                                  (λ = weight_decay, if λ ≠ 0)
        v ← ρ·v + (1 − ρ)·g²                         ('square_avg')
        Δ ← √(u + ε) / √(v + ε) · g
        u ← ρ·u + (1 − ρ)·Δ²                         ('acc_delta')
        θ ← θ − γ·Δ

    State per parameter: ``'step'``, ``'square_avg'``, ``'acc_delta'``.

    Args:
        params: tensors or parameter groups to optimize.
        lr: coefficient γ that scales Δ before it is applied (default 1.0).
        rho: ρ, the decay of the running averages (default 0.9).
        eps: ε (default 1e-6).
        weight_decay: λ (default 0).
        maximize: maximize the objective instead of minimizing it.
        foreach, capturable, differentiable: accepted for compatibility.
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float | Tensor = 1.0,
        rho: float = 0.9,
        eps: float = 1e-6,
        weight_decay: float = 0,
        foreach: bool | None = None,
        *,
        capturable: bool = False,
        maximize: bool = False,
        differentiable: bool = False,
    ) -> None:
        _check_lr(lr)
        if not 0.0 <= rho <= 1.0:
            raise ValueError(f"Invalid rho value: {rho}")
        _check_nonneg(eps, "epsilon")
        _check_nonneg(weight_decay, "weight_decay")
        defaults = dict(
            lr=lr, rho=rho, eps=eps, weight_decay=weight_decay, maximize=maximize,
            capturable=capturable, foreach=foreach, differentiable=differentiable,
        )
        super().__init__(params, defaults)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Perform one optimization step; returns the closure's loss if a closure is given."""
        return _run_step(self, closure, self._update_group)

    def _update_group(self, group: dict[str, Any]) -> None:
        lr = _float(group["lr"])
        rho = group["rho"]
        eps = group["eps"]
        weight_decay = _float(group["weight_decay"])
        maximize = group["maximize"]
        for p in group["params"]:
            if p._grad is None:
                continue
            state = self.state[p]
            if "step" not in state:
                state["step"] = _step_tensor()
                state["square_avg"] = Tensor._wrap(np.zeros_like(p._data))
                state["acc_delta"] = Tensor._wrap(np.zeros_like(p._data))
            _next_step(state)
            g, _ = _grad_with_decay(p, maximize, weight_decay)
            v = state["square_avg"]._data
            u = state["acc_delta"]._data
            tmp = np.empty_like(p._data)
            delta = np.empty_like(p._data)

            v *= rho  # v ← ρ·v + (1 − ρ)·g²
            np.multiply(g, 1 - rho, out=tmp)
            tmp *= g
            v += tmp
            np.add(v, eps, out=tmp)  # √(v + ε)
            np.sqrt(tmp, out=tmp)
            np.add(u, eps, out=delta)  # Δ ← √(u + ε) / √(v + ε) · g
            np.sqrt(delta, out=delta)
            delta /= tmp
            delta *= g
            u *= rho  # u ← ρ·u + (1 − ρ)·Δ²
            np.multiply(delta, 1 - rho, out=tmp)
            tmp *= delta
            u += tmp
            delta *= -lr
            p._data += delta
            p._vc[0] += 1
