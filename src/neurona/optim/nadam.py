"""``NAdam``: Adam with Nesterov momentum (Dozat, 2016)."""

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
    _scalar_np_dtype,
    _step_tensor,
)

__all__ = ["NAdam"]


class NAdam(Optimizer):
    r"""NAdam, as ``torch.optim.NAdam``.

    For each parameter θ with gradient ∇, at step t = 1, 2, ...::

        g ← −∇ if maximize else ∇
        if λ ≠ 0:                                   (λ = weight_decay)
            θ ← θ·(1 − γ·λ)   if decoupled_weight_decay
            g ← g + λ·θ       otherwise
        μₜ   ← β₁·(1 − ½·0.96^(t·ψ))                (ψ = momentum_decay)
        μₜ₊₁ ← β₁·(1 − ½·0.96^((t+1)·ψ))
        m ← β₁·m + (1 − β₁)·g
        v ← β₂·v + (1 − β₂)·g²
        d ← √(v / (1 − β₂ᵗ)) + ε
        θ ← θ − γ·(1 − μₜ)/(1 − Πᵢ₌₁ᵗ μᵢ) · g / d − γ·μₜ₊₁/(1 − Πᵢ₌₁ᵗ⁺¹ μᵢ) · m / d

    State per parameter: ``'step'``, ``'mu_product'`` (the running Π μᵢ, a 0-d tensor of the
    scalar dtype — float32 unless the default dtype is float64 — exactly as PyTorch keeps
    it), ``'exp_avg'``, ``'exp_avg_sq'``.

    Args:
        params: tensors or parameter groups to optimize.
        lr: learning rate γ (default 2e-3).
        betas: (β₁, β₂) (default (0.9, 0.999)).
        eps: ε (default 1e-8).
        weight_decay: λ (default 0).
        momentum_decay: ψ (default 4e-3).
        decoupled_weight_decay: decay the weights directly (NAdamW) instead of adding λ·θ to g.
        maximize: maximize the objective instead of minimizing it.
        foreach, capturable, differentiable: accepted for compatibility.
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float | Tensor = 2e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        momentum_decay: float = 4e-3,
        decoupled_weight_decay: bool = False,
        *,
        foreach: bool | None = None,
        maximize: bool = False,
        capturable: bool = False,
        differentiable: bool = False,
    ) -> None:
        _check_lr(lr)
        _check_nonneg(eps, "epsilon")
        _check_betas(betas)
        _check_nonneg(weight_decay, "weight_decay")
        _check_nonneg(momentum_decay, "momentum_decay")
        defaults = dict(
            lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, momentum_decay=momentum_decay,
            decoupled_weight_decay=decoupled_weight_decay, maximize=maximize, foreach=foreach,
            capturable=capturable, differentiable=differentiable,
        )
        super().__init__(params, defaults)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Perform one optimization step; returns the closure's loss if a closure is given."""
        return _run_step(self, closure, self._update_group)

    def _update_group(self, group: dict[str, Any]) -> None:
        lr = _float(group["lr"])
        beta1, beta2 = group["betas"]
        eps = group["eps"]
        weight_decay = _float(group["weight_decay"])
        psi = group["momentum_decay"]
        decoupled = group["decoupled_weight_decay"]
        maximize = group["maximize"]
        for p in group["params"]:
            if p._grad is None:
                continue
            state = self.state[p]
            if "step" not in state:
                state["step"] = _step_tensor()
                state["mu_product"] = Tensor._wrap(np.ones((), dtype=_scalar_np_dtype()))
                state["exp_avg"] = Tensor._wrap(np.zeros_like(p._data))
                state["exp_avg_sq"] = Tensor._wrap(np.zeros_like(p._data))
            step = _next_step(state)
            param = p._data
            if decoupled:
                if weight_decay != 0:
                    param *= 1 - lr * weight_decay
                g, _ = _grad_with_decay(p, maximize, 0.0)
            else:
                g, _ = _grad_with_decay(p, maximize, weight_decay)

            bias_correction2 = 1 - beta2**step
            mu = beta1 * (1.0 - 0.5 * 0.96 ** (step * psi))
            mu_next = beta1 * (1.0 - 0.5 * 0.96 ** ((step + 1) * psi))
            mu_prod_arr = state["mu_product"]._data
            mu_prod_arr *= mu  # in the scalar dtype, as PyTorch does
            mu_product = float(mu_prod_arr)
            mu_product_next = mu_product * mu_next

            m = state["exp_avg"]._data
            v = state["exp_avg_sq"]._data
            tmp = np.empty_like(param)
            _lerp_(m, g, 1 - beta1, tmp)  # m ← β₁·m + (1 − β₁)·g
            v *= beta2  # v ← β₂·v + (1 − β₂)·g²
            np.multiply(g, 1 - beta2, out=tmp)
            tmp *= g
            v += tmp
            denom = np.divide(v, bias_correction2)  # d ← √(v / (1 − β₂ᵗ)) + ε
            np.sqrt(denom, out=denom)
            denom += eps
            np.divide(g, denom, out=tmp)
            tmp *= -lr * (1.0 - mu) / (1.0 - mu_product)
            param += tmp
            np.divide(m, denom, out=tmp)
            tmp *= (-lr * mu_next) / (1.0 - mu_product_next)
            param += tmp
            p._vc[0] += 1
