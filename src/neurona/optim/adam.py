"""``Adam``: adaptive moment estimation (Kingma & Ba, 2015), optionally AMSGrad."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from ..tensor import Tensor
from .optimizer import (
    Optimizer,
    _check_betas,
    _check_lr,
    _check_nonneg,
    _float,
    _grad_with_decay,
    _lerp_,
    _next_step,
    _run_step,
    _step_tensor,
)

__all__ = ["Adam"]


class Adam(Optimizer):
    r"""Adam, as ``torch.optim.Adam``.

    For each parameter θ with gradient ∇, at step t = 1, 2, ...::

        g ← −∇ if maximize else ∇
        if λ ≠ 0:                                   (λ = weight_decay)
            θ ← θ·(1 − γ·λ)   if decoupled_weight_decay (AdamW)
            g ← g + λ·θ       otherwise (L2 penalty)
        m ← β₁·m + (1 − β₁)·g                       (first moment, 'exp_avg')
        v ← β₂·v + (1 − β₂)·g²                      (second moment, 'exp_avg_sq')
        if amsgrad: v̂ ← max(v̂, v)  and use v̂ below ('max_exp_avg_sq')
        θ ← θ − (γ / (1 − β₁ᵗ)) · m / (√v / √(1 − β₂ᵗ) + ε)

    State per parameter: ``'step'`` (a float tensor), ``'exp_avg'``, ``'exp_avg_sq'`` and, with
    ``amsgrad``, ``'max_exp_avg_sq'``.

    Args:
        params: tensors or parameter groups to optimize.
        lr: learning rate γ (default 1e-3).
        betas: (β₁, β₂), the decay rates of the moment averages (default (0.9, 0.999)).
        eps: ε added to the denominator for numerical stability (default 1e-8).
        weight_decay: λ (default 0).
        amsgrad: use the AMSGrad variant (the running maximum of v).
        maximize: maximize the objective instead of minimizing it.
        decoupled_weight_decay: decay the weights directly (AdamW) instead of adding λ·θ to g.
        foreach, capturable, differentiable, fused: accepted for compatibility.
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float | Tensor = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        amsgrad: bool = False,
        *,
        foreach: bool | None = None,
        maximize: bool = False,
        capturable: bool = False,
        differentiable: bool = False,
        fused: bool | None = None,
        decoupled_weight_decay: bool = False,
    ) -> None:
        _check_lr(lr)
        _check_nonneg(eps, "epsilon")
        _check_betas(betas)
        _check_nonneg(weight_decay, "weight_decay")
        defaults = dict(
            lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad,
            maximize=maximize, foreach=foreach, capturable=capturable,
            differentiable=differentiable, fused=fused, decoupled_weight_decay=decoupled_weight_decay,
        )
        super().__init__(params, defaults)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Perform one optimization step; returns the closure's loss if a closure is given."""
        return _run_step(self, closure, self._update_group)

    def _update_group(self, group: dict[str, Any]) -> None:
        lr = _float(group["lr"])
        beta1, beta2 = (_float(b) for b in group["betas"])
        eps = group["eps"]
        weight_decay = _float(group["weight_decay"])
        amsgrad = group["amsgrad"]
        maximize = group["maximize"]
        decoupled = group["decoupled_weight_decay"]
        for p in group["params"]:
            if p._grad is None:
                continue
            state = self.state[p]
            if "step" not in state:
                state["step"] = _step_tensor()
                state["exp_avg"] = Tensor._wrap(np.zeros_like(p._data))
                state["exp_avg_sq"] = Tensor._wrap(np.zeros_like(p._data))
            if amsgrad and "max_exp_avg_sq" not in state:
                state["max_exp_avg_sq"] = Tensor._wrap(np.zeros_like(p._data))
            step = _next_step(state)
            param = p._data
            if decoupled:
                if weight_decay != 0:
                    param *= 1 - lr * weight_decay
                g, owned = _grad_with_decay(p, maximize, 0.0)
            else:
                g, owned = _grad_with_decay(p, maximize, weight_decay)
            m = state["exp_avg"]._data
            v = state["exp_avg_sq"]._data
            tmp = np.empty_like(param)

            _lerp_(m, g, 1 - beta1, tmp)  # m ← β₁·m + (1 − β₁)·g
            v *= beta2  # v ← β₂·v + (1 − β₂)·g²
            np.multiply(g, 1 - beta2, out=tmp)
            tmp *= g
            v += tmp

            bias_correction1 = 1 - beta1**step
            bias_correction2_sqrt = (1 - beta2**step) ** 0.5
            if amsgrad:
                vmax = state["max_exp_avg_sq"]._data
                np.maximum(vmax, v, out=vmax)
                v = vmax
            np.sqrt(v, out=tmp)  # denominator √v / √(1 − β₂ᵗ) + ε
            tmp /= bias_correction2_sqrt
            tmp += eps
            np.divide(m, tmp, out=tmp)
            tmp *= -(lr / bias_correction1)
            param += tmp
            p._vc[0] += 1
