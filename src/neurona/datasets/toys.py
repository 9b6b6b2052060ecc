"""Small seeded toy tasks for the labs: a noisy curve to regress, two moons, interleaved spirals.

Every generator is deterministic given ``seed``, needs no download, and returns NumPy arrays
(inputs float32, regression targets float32, class labels int64).

* ``noisy_sine`` — regression: ``y = sin(x) + 0.3·x + ε``, ε ~ N(0, noise²), x ~ U(−3, 3).
* ``moons`` — binary classification: two interleaved half circles with Gaussian noise (the
  layout of scikit-learn's ``make_moons``, generated here without importing it).
* ``spirals`` — multiclass: K arms of an Archimedean spiral, class k at angle offset 2πk/K.
"""

from __future__ import annotations

import numpy as np


def noisy_sine(n: int = 256, noise: float = 0.1, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """``n`` samples of ``y = sin(x) + 0.3·x + ε`` with x ~ U(−3, 3) and ε ~ N(0, noise²).

    Returns ``(x, y)``, both float32 of shape (n, 1).
    """
    rng = np.random.default_rng(seed)
    x = rng.uniform(-3.0, 3.0, (n, 1))
    y = np.sin(x) + 0.3 * x + rng.normal(0.0, noise, (n, 1))
    return x.astype(np.float32), y.astype(np.float32)


def moons(n: int = 400, noise: float = 0.2, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaved half circles, ``n`` points in all (⌈n/2⌉ of class 0).

    Class 0: ``(cos θ, sin θ)``, class 1: ``(1 − cos θ, 0.5 − sin θ)``, with θ evenly spaced in
    [0, π] — the layout of scikit-learn's ``make_moons`` — plus Gaussian noise of std ``noise``
    on both coordinates, then shuffled. Returns ``(x float32 (n, 2), y int64 (n,))``.
    """
    rng = np.random.default_rng(seed)
    n0 = n - n // 2
    t0, t1 = np.linspace(0, np.pi, n0), np.linspace(0, np.pi, n // 2)
    x = np.r_[np.c_[np.cos(t0), np.sin(t0)], np.c_[1 - np.cos(t1), 0.5 - np.sin(t1)]]
    x += rng.normal(0.0, noise, x.shape)
    y = np.r_[np.zeros(n0), np.ones(n // 2)]
    order = rng.permutation(n)
    return x[order].astype(np.float32), y[order].astype(np.int64)


def spirals(n_per_class: int = 100, classes: int = 3, noise: float = 0.2, turns: float = 0.65,
            seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """``classes`` interleaved spiral arms with ``n_per_class`` points each.

    Point j of arm k: ``t = j/(n_per_class − 1)``, radius ``r = t``, angle
    ``θ = 2πk/classes + 2π·turns·t + noise·N(0, 1)``; ``x = r·(cos θ, sin θ)``. The noise is on
    the angle, so it grows with the radius — the arms touch far from the centre.
    Returns ``(x float32 (classes·n_per_class, 2), y int64)``, shuffled.
    """
    rng = np.random.default_rng(seed)
    t = np.linspace(0.0, 1.0, n_per_class)
    xs, ys = [], []
    for k in range(classes):
        theta = 2 * np.pi * k / classes + 2 * np.pi * turns * t + noise * rng.standard_normal(n_per_class)
        xs.append(np.c_[t * np.cos(theta), t * np.sin(theta)])
        ys.append(np.full(n_per_class, k))
    x, y = np.concatenate(xs), np.concatenate(ys)
    order = rng.permutation(len(x))
    return x[order].astype(np.float32), y[order].astype(np.int64)
