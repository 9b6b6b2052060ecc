"""``Adagrad``: per-coordinate learning rates from the sum of squared gradients (Duchi et al.)."""

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

__all__ = ["Adagrad"]


class Adagrad(Optimizer):
    r"""Adagrad, as ``torch.optim.Adagrad``.

    For each parameter θ with gradient ∇, at step t = 1, 2, ...::

        g ← −∇ if maximize else ∇
        g ← g + λ·θ                                  (λ = weight_decay, if λ ≠ 0)
        γ̃ ← γ / (1 + (t − 1)·η)                      (η = lr_decay)
        s ← s + g²                                   ('sum', starts at initial_accumulator_value)
        θ ← θ − γ̃ · g / (√s + ε)

    Unlike the other optimizers, the state (``'step'`` = 0 and ``'sum'``) is created in the
    constructor, so a fresh Adagrad's ``state_dict()`` already lists every parameter.

    Args:
        params: tensors or parameter groups to optimize.
        lr: learning rate γ (default 1e-2).
        lr_decay: η (default 0).
        weight_decay: λ (default 0).
        initial_accumulator_value: the starting value of ``sum`` (default 0).
        eps: ε (default 1e-10).
        maximize: maximize the objective instead of minimizing it.
        foreach, differentiable, fused: accepted for compatibility.
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float | Tensor = 1e-2,
        lr_decay: float = 0,
        weight_decay: float = 0,
        initial_accumulator_value: float = 0,
        eps: float = 1e-10,
        foreach: bool | None = None,
        *,
        maximize: bool = False,
        differentiable: bool = False,
        fused: bool | None = None,
    ) -> None:
        _check_lr(lr)
        _check_nonneg(lr_decay, "lr_decay")
        _check_nonneg(weight_decay, "weight_decay")
        _check_nonneg(initial_accumulator_value, "initial_accumulator_value")
        _check_nonneg(eps, "epsilon")
        defaults = dict(
            lr=lr, lr_decay=lr_decay, eps=eps, weight_decay=weight_decay,
            initial_accumulator_value=initial_accumulator_value, foreach=foreach,
            maximize=maximize, differentiable=differentiable, fused=fused,
        )
        super().__init__(params, defaults)
        for group in self.param_groups:
            for p in group["params"]:
                self._init_state(p, group)

    def _init_state(self, p: Tensor, group: dict[str, Any]) -> dict[str, Any]:
        state = self.state[p]
        state["step"] = _step_tensor()
        state["sum"] = Tensor._wrap(np.full_like(p._data, group["initial_accumulator_value"]))
        return state

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Perform one optimization step; returns the closure's loss if a closure is given."""
        return _run_step(self, closure, self._update_group)

    def _update_group(self, group: dict[str, Any]) -> None:
        lr = _float(group["lr"])
        lr_decay = group["lr_decay"]
        eps = group["eps"]
        weight_decay = _float(group["weight_decay"])
        maximize = group["maximize"]
        for p in group["params"]:
            if p._grad is None:
                continue
            state = self.state[p]
            if "sum" not in state:  # a group added after construction
                state = self._init_state(p, group)
            step = _next_step(state)
            g, _ = _grad_with_decay(p, maximize, weight_decay)
            clr = lr / (1 + (step - 1) * lr_decay)
            s = state["sum"]._data
            tmp = np.multiply(g, g)
            s += tmp  # s ← s + g²
            np.sqrt(s, out=tmp)
            tmp += eps
            np.divide(g, tmp, out=tmp)
            tmp *= -clr
            p._data += tmp
            p._vc[0] += 1
