"""2-D toy distributions for generative models: a ring of Gaussians.

The "8 Gaussians" benchmark of the GAN literature: a mixture of ``modes`` equally likely
isotropic Gaussians whose centres sit evenly on a circle. It is easy to look at (a scatter
plot shows every mode) and hard enough that a badly trained GAN visibly drops modes
(*mode collapse*).

* ``ring_centres`` — the centres ``μₖ = r·(cos 2πk/K, sin 2πk/K)``, k = 0 … K − 1.
* ``ring_of_gaussians`` — ``n`` samples ``x = μₖ + σ·ε`` with k ~ U{0 … K − 1} and
  ε ~ N(0, I₂); deterministic given ``seed``.
"""

from __future__ import annotations

import numpy as np


def ring_centres(modes: int = 8, radius: float = 2.0) -> np.ndarray:
    """The ``modes`` centres ``μₖ = radius·(cos 2πk/modes, sin 2πk/modes)`` as float64 (modes, 2)."""
    if modes < 1:
        raise ValueError(f"modes must be positive, got {modes}")
    angle = 2.0 * np.pi * np.arange(modes) / modes
    return radius * np.c_[np.cos(angle), np.sin(angle)]


def ring_of_gaussians(n: int = 10_000, modes: int = 8, radius: float = 2.0, std: float = 0.1,
                      seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """``n`` samples of the mixture ``p(x) = (1/K) Σₖ N(x; μₖ, σ²I)`` with the centres of
    :func:`ring_centres` (K = ``modes``, σ = ``std``).

    Returns ``(x float32 (n, 2), k int64 (n,))``: the points and the component each came from.
    """
    rng = np.random.default_rng(seed)
    k = rng.integers(0, modes, n)
    x = ring_centres(modes, radius)[k] + std * rng.standard_normal((n, 2))
    return x.astype(np.float32), k.astype(np.int64)
