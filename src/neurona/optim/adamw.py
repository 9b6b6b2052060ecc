"""``AdamW``: Adam with decoupled weight decay (Loshchilov & Hutter, 2019)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..tensor import Tensor
from .adam import Adam

__all__ = ["AdamW"]


class AdamW(Adam):
    r"""AdamW, as ``torch.optim.AdamW``: Adam whose weight decay shrinks the weights directly.

    For each parameter θ with gradient ∇, at step t = 1, 2, ...::

        g ← −∇ if maximize else ∇
        θ ← θ·(1 − γ·λ)                             (λ = weight_decay, default 1e-2)
        m ← β₁·m + (1 − β₁)·g
        v ← β₂·v + (1 − β₂)·g²
        if amsgrad: v̂ ← max(v̂, v)  and use v̂ below
        θ ← θ − (γ / (1 − β₁ᵗ)) · m / (√v / √(1 − β₂ᵗ) + ε)

    The decay does not pass through the moment estimates (unlike Adam's L2 penalty). It is
    ``Adam(..., decoupled_weight_decay=True)``; the groups record
    ``'decoupled_weight_decay': True`` as PyTorch's do. State per parameter: ``'step'``,
    ``'exp_avg'``, ``'exp_avg_sq'`` (and ``'max_exp_avg_sq'`` with ``amsgrad``).

    Args:
        params: tensors or parameter groups to optimize.
        lr: learning rate γ (default 1e-3).
        betas: (β₁, β₂) (default (0.9, 0.999)).
        eps: ε (default 1e-8).
        weight_decay: λ (default 1e-2).
        amsgrad: use the AMSGrad variant.
        maximize: maximize the objective instead of minimizing it.
        foreach, capturable, differentiable, fused: accepted for compatibility.
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float | Tensor = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
        amsgrad: bool = False,
        *,
        maximize: bool = False,
        foreach: bool | None = None,
        capturable: bool = False,
        differentiable: bool = False,
        fused: bool | None = None,
    ) -> None:
        super().__init__(
            params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad,
            foreach=foreach, maximize=maximize, capturable=capturable,
            differentiable=differentiable, fused=fused, decoupled_weight_decay=True,
        )
