"""The course's own small data sets: the slides' tables and documented, seeded generators."""

from __future__ import annotations

import numpy as np


def fahrenheit_celsius() -> tuple[np.ndarray, np.ndarray]:
    """Class 1's five thermometer readings: (°F, °C), float64."""
    f = np.array([32.4, 50.1, 67.6, 85.8, 103.5])
    c = np.array([0.2, 10.4, 19.7, 29.9, 39.4])
    return f, c


def xor() -> tuple[np.ndarray, np.ndarray]:
    """The four XOR points (float32 inputs, float32 targets 0/1)."""
    x = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float32)
    y = np.array([0, 1, 1, 0], dtype=np.float32)
    return x, y


def continuous_xor(n: int = 400, noise: float = 0.15, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """"Continuous XOR": n points scattered (Gaussian, std ``noise``) around the four corners
    of the unit square, labelled by the XOR of the corner. Returns (x float32 (n, 2), y int64)."""
    rng = np.random.default_rng(seed)
    corners, labels = xor()
    which = rng.integers(0, 4, n)
    x = corners[which] + rng.normal(0.0, noise, (n, 2)).astype(np.float32)
    return x.astype(np.float32), labels[which].astype(np.int64)


def two_sines(n_series: int = 10_000, length: int = 50, seed: int = 42,
              noise: float = 0.05) -> np.ndarray:
    """Noisy sums of two sines: ``0.5·sin((t − o₁)(10f₁ + 10)) + 0.2·sin((t − o₂)(20f₂ + 20))``
    on t ∈ [0, 1], plus Gaussian noise; float32 of shape (n_series, length, 1)."""
    rng = np.random.default_rng(seed)
    f1, f2, o1, o2 = rng.random((4, n_series, 1))
    t = np.linspace(0, 1, length)
    s = 0.5 * np.sin((t - o1) * (f1 * 10 + 10)) + 0.2 * np.sin((t - o2) * (f2 * 20 + 20))
    s += noise * (rng.random((n_series, length)) - 0.5)
    return s[..., None].astype(np.float32)


def split(n: int, fractions: tuple[float, ...], seed: int = 0) -> list[np.ndarray]:
    """Index arrays of a seeded random split of range(n) into parts with these fractions."""
    rng = np.random.default_rng(seed)
    order = rng.permutation(n)
    bounds = np.cumsum([0] + [int(round(f * n)) for f in fractions])
    bounds[-1] = n
    return [order[a:b] for a, b in zip(bounds[:-1], bounds[1:])]
