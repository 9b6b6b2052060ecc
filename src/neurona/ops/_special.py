"""Special functions NumPy lacks: the error function.

erf(x) = 2/√π ∫₀ˣ e^(−t²) dt. For |x| < 3 the series of positive terms
erf(x) = 2/√π · e^(−x²) · Σₙ 2ⁿ x^(2n+1) / (1·3·…·(2n+1)) has no cancellation; for |x| ≥ 3,
erfc(|x|) = e^(−x²)/√π / (x + ½/(x + 1/(x + (3/2)/(x + …)))) (Laplace's continued
fraction, evaluated from the tail). Both are accurate to a few ulps in float64.
SciPy's implementation is used instead when SciPy is installed.
"""

from __future__ import annotations

import numpy as np

_SQRT_PI = np.sqrt(np.pi)

try:  # pragma: no cover - depends on the environment
    from scipy.special import erf as _scipy_erf
except ImportError:  # pragma: no cover
    _scipy_erf = None


def erf_numpy(x: np.ndarray) -> np.ndarray:
    """erf in pure NumPy (series below 3, continued fraction above)."""
    x64 = np.asarray(x, dtype=np.float64)
    ax = np.abs(x64)
    out = np.empty_like(x64)
    small = ax < 3.0
    xs = ax[small]
    if xs.size:
        x2 = xs * xs
        term = xs.copy()
        total = xs.copy()
        for n in range(1, 60):
            term *= 2 * x2 / (2 * n + 1)
            total += term
        out[small] = 2 / _SQRT_PI * np.exp(-x2) * total
    xl = ax[~small]
    if xl.size:
        f = xl.copy()
        for k in range(80, 0, -1):
            f = xl + (k / 2) / f
        out[~small] = 1.0 - np.exp(-xl * xl) / (_SQRT_PI * f)
    out = np.copysign(out, x64)
    out[np.isnan(x64)] = np.nan
    return out.astype(np.asarray(x).dtype, copy=False)


def erf(x: np.ndarray) -> np.ndarray:
    """The error function, element-wise, in the input's dtype."""
    if _scipy_erf is not None:
        return _scipy_erf(x)
    return erf_numpy(x)
