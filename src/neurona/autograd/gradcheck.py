"""``gradcheck``: compare autograd's Jacobian with finite differences (PyTorch's meaning).

For every input x that requires grad and every output y, the numerical Jacobian is
  J_num[j, k] = (y_j(x + ε·e_k) − y_j(x − ε·e_k)) / (2ε)   (central differences),
and the analytical one is built row by row with backward passes: row j is the gradient
of y_j, i.e. a vector-Jacobian product with the one-hot vector e_j. The check passes
when |J_ana − J_num| ≤ atol + rtol·|J_num| everywhere. Use float64 inputs: in float32
the differences are dominated by rounding.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from .engine import grad as autograd_grad
from .grad_mode import no_grad


class GradcheckError(RuntimeError):
    """Raised by :func:`gradcheck` when the analytical and numerical Jacobians disagree."""


def _as_tuple(x: Any) -> tuple:
    return x if isinstance(x, tuple) else (x,)


def _position(flat: Any, shape: tuple) -> list[int]:
    """The multi-index of flat position ``flat`` in ``shape``, as plain ints: ``[0, 2]``."""
    return [int(i) for i in np.unravel_index(int(flat), tuple(shape))]


def _outputs_array(func: Callable, inputs: tuple) -> list[np.ndarray]:
    with no_grad():
        outs = _as_tuple(func(*inputs))
    return [np.array(o._data, dtype=np.float64, copy=True) for o in outs if hasattr(o, "_data")]


def gradcheck(
    func: Callable,
    inputs: Any,
    *,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
    nondet_tol: float = 0.0,
    check_undefined_grad: bool = True,
    check_grad_dtypes: bool = False,
    check_batched_grad: bool = False,
    fast_mode: bool = False,
) -> bool:
    """True if ``func``'s analytical gradients match finite differences at ``inputs``."""
    from ..tensor import Tensor

    inputs = (inputs,) if isinstance(inputs, Tensor) else tuple(inputs)
    diff = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad]
    if not diff:
        raise ValueError("gradcheck expects at least one input tensor to require gradient")
    for i in diff:
        if inputs[i].dtype.name != "float64":
            warnings.warn(
                f"Input #{i} requires gradient and is not a double precision floating point. "
                "This check will likely fail if all the inputs are not of double precision "
                "floating point.",
                UserWarning,
                stacklevel=2,
            )
    outputs = _as_tuple(func(*inputs))
    out_tensors = [o for o in outputs if isinstance(o, Tensor)]

    for oi, out in enumerate(out_tensors):
        n_out = out.numel()
        for ii in diff:
            x = inputs[ii]
            n_in = x.numel()
            analytic = np.zeros((n_out, n_in))
            if out.requires_grad:
                for j in range(n_out):
                    onehot = np.zeros(out.shape, out._data.dtype)
                    onehot.reshape(-1)[j] = 1
                    g = autograd_grad(out, x, Tensor._wrap(onehot), retain_graph=True,
                                      allow_unused=True)[0]
                    if g is not None:
                        analytic[j] = g._data.reshape(-1)
            numeric = np.zeros((n_out, n_in))
            flat = x._data.reshape(-1)
            if n_in and not np.shares_memory(flat, x._data):
                raise ValueError("gradcheck needs contiguous inputs")
            for k in range(n_in):
                orig = flat[k]
                flat[k] = orig + eps
                plus = _outputs_array(func, inputs)[oi]
                flat[k] = orig - eps
                minus = _outputs_array(func, inputs)[oi]
                flat[k] = orig
                numeric[:, k] = ((plus - minus) / (2 * eps)).reshape(-1)
            bad = np.abs(analytic - numeric) > atol + rtol * np.abs(numeric)
            if bad.any():
                j, k = np.unravel_index(np.argmax(np.abs(analytic - numeric) * bad), bad.shape)
                diff = abs(analytic[j, k] - numeric[j, k])
                msg = (
                    f"Jacobian mismatch for output {oi} with respect to input {ii}: worst entry "
                    f"d(out{_position(j, out.shape)})/d(in{_position(k, x.shape)}): "
                    f"analytical {analytic[j, k]:.10g} vs numerical {numeric[j, k]:.10g} "
                    f"(|diff| {diff:.3g} > atol {atol} + rtol {rtol}·|numerical|; "
                    f"{int(bad.sum())} of {bad.size} entries differ)\n"
                    f"numerical:\n{numeric}\nanalytical:\n{analytic}"
                )
                if raise_exception:
                    raise GradcheckError(msg)
                return False
    return True
