"""``SGD``: stochastic gradient descent, with optional momentum, Nesterov and weight decay."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from ..tensor import Tensor
from .optimizer import Optimizer, _check_lr, _check_nonneg, _float, _grad_with_decay, _run_step

__all__ = ["SGD"]


class SGD(Optimizer):
    r"""Stochastic gradient descent (optionally with momentum), as ``torch.optim.SGD``.

    For each parameter :math:`\theta` with gradient :math:`\nabla` at step :math:`t`::

        g ← −∇ if maximize else ∇
        g ← g + λ·θ                                    (λ = weight_decay, if λ ≠ 0)
        if μ ≠ 0 (momentum):
            b ← g                       at the first step
            b ← μ·b + (1 − τ)·g         afterwards     (τ = dampening)
            g ← g + μ·b  if nesterov  else  b
        θ ← θ − γ·g                                    (γ = lr)

    State per parameter: ``'momentum_buffer'`` (only when ``momentum ≠ 0``).

    Args:
        params: tensors or parameter groups to optimize.
        lr: learning rate γ (default 1e-3, as in PyTorch 2.x).
        momentum: momentum factor μ (default 0).
        dampening: dampening τ for momentum (default 0).
        weight_decay: L2 penalty λ (default 0).
        nesterov: use Nesterov momentum (needs ``momentum > 0`` and ``dampening = 0``).
        maximize: maximize the objective instead of minimizing it.
        foreach, differentiable, fused: accepted for compatibility (NumPy has one code path).

    Example::

        >>> opt = neurona.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        >>> opt.zero_grad(); loss_fn(model(x), y).backward(); opt.step()
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float | Tensor = 1e-3,
        momentum: float = 0,
        dampening: float = 0,
        weight_decay: float | Tensor = 0,
        nesterov: bool = False,
        *,
        maximize: bool = False,
        foreach: bool | None = None,
        differentiable: bool = False,
        fused: bool | None = None,
    ) -> None:
        _check_lr(lr)
        _check_nonneg(momentum, "momentum")
        _check_nonneg(weight_decay, "weight_decay")
        defaults = dict(
            lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay,
            nesterov=nesterov, maximize=maximize, foreach=foreach, differentiable=differentiable,
            fused=fused,
        )
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        super().__init__(params, defaults)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Perform one optimization step; returns the closure's loss if a closure is given."""
        return _run_step(self, closure, self._update_group)

    def _update_group(self, group: dict[str, Any]) -> None:
        lr = _float(group["lr"])
        momentum = group["momentum"]
        dampening = group["dampening"]
        nesterov = group["nesterov"]
        maximize = group["maximize"]
        weight_decay = _float(group["weight_decay"])
        for p in group["params"]:
            if p._grad is None:
                continue
            g, owned = _grad_with_decay(p, maximize, weight_decay)
            if momentum != 0:
                state = self.state[p]
                buf_t = state.get("momentum_buffer")
                if buf_t is None:
                    buf = g if owned else np.array(g, copy=True)  # b ← g (a copy)
                    state["momentum_buffer"] = Tensor._wrap(buf)
                else:
                    buf = buf_t._data
                    buf *= momentum  # b ← μ·b + (1 − τ)·g
                    if dampening != 0:
                        buf += np.multiply(g, 1 - dampening)
                    else:
                        buf += g
                if nesterov:  # g ← g + μ·b
                    upd = np.multiply(buf, momentum)
                    upd += g
                    g, owned = upd, True
                else:
                    g, owned = buf, False
            if owned:  # θ ← θ − γ·g
                p._data += np.multiply(g, -lr, out=g)
            else:
                p._data += np.multiply(g, -lr)
            p._vc[0] += 1
