"""Diagnostics that teach: ``detect_anomaly`` (the first op that made a NaN/Inf) and the
graph-leak warning (a value accumulated with its graph across training steps).

**detect_anomaly** (PyTorch's name). While it is on, every operation checks its result:
an op whose *inputs were finite* but whose output holds NaN/Inf raises at once, naming the
op, the shapes, where in your code it was called, and a hint (``log(0)``, ``exp`` overflow,
division by zero …); so does an op that makes NaN out of ±inf inputs (a fully masked softmax
row, inf − inf). The backward pass checks every gradient the same way
("Function 'LogBackward0' returned nan values in its 0th output"). ``check_nan=False``
keeps the mode on (forward call sites are recorded) but skips the checks, as in PyTorch.

**Graph leak.** ``total += loss`` (instead of ``loss.item()``) chains every step's graph to
the next: nothing is ever freed. Each recorded node remembers the oldest training step
(``backward()`` call) its graph reaches; when a new node reaches back more than
``steps`` steps (50 by default), a :class:`GraphLeakWarning` is issued once, pointing at
the line of your code and at the fix.
"""

from __future__ import annotations

import os
import traceback
import warnings
from typing import Any

import numpy as np

from .grad_mode import _Mode

_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class GraphLeakWarning(UserWarning):
    """A tensor's graph spans many training steps: something accumulates values with their graph."""


# -- where in the user's code ---------------------------------------------------------------------


def user_frame() -> traceback.FrameSummary | None:
    """The innermost stack frame outside neurona (the user's line that called into it)."""
    for frame in reversed(traceback.extract_stack()[:-1]):
        if not os.path.abspath(frame.filename).startswith(_PACKAGE_DIR):
            return frame
    return None


def _where(frame: traceback.FrameSummary | None) -> str:
    if frame is None:
        return "(location unknown)"
    code = f"\n    {frame.line.strip()}" if frame.line else ""
    return f'File "{frame.filename}", line {frame.lineno}, in {frame.name}{code}'


# -- detect_anomaly -----------------------------------------------------------------------------------

_HINTS = (
    (("Log",), "log of 0 (or of a negative number): add an epsilon, e.g. log(x + 1e-8), or use "
               "log_softmax / BCEWithLogitsLoss / cross_entropy on logits instead of log(softmax(x)) "
               "or BCELoss on sigmoid outputs"),
    (("Exp",), "exp overflowed (inputs above ~88 in float32, ~709 in float64): use logsumexp / "
               "log_softmax / softmax (they subtract the max), or scale the inputs down"),
    (("Div", "Reciprocal"), "division by zero: add an epsilon to the denominator or clamp it away "
                            "from 0 (x / (d + 1e-8))"),
    (("Sqrt", "Rsqrt", "Pow"), "sqrt/pow of a negative number, or the gradient of sqrt at 0 "
                               "(infinite): clamp the input, e.g. x.clamp(min=1e-12).sqrt()"),
    (("Asin", "Acos"), "asin/acos outside [−1, 1], or their gradient at ±1: clamp the input"),
    (("Mm", "Addmm", "Matmul", "Convolution", "Bmm"), "the values are exploding: lower the "
     "learning rate, normalise the inputs, or clip gradients (nn.utils.clip_grad_norm_)"),
)


def hint_for(name: str) -> str:
    for prefixes, hint in _HINTS:
        if any(name.startswith(p) for p in prefixes):
            return hint
    return ("check this operation's inputs; lower the learning rate or clip gradients if values "
            "grow step after step")


_CHECK_NAN = [True]  # is_anomaly_check_nan_enabled(); meaningful while anomaly mode is on


def _set_anomaly(mode: bool, check_nan: bool) -> None:
    _Mode.anomaly = bool(mode)
    _Mode.watch = _Mode.anomaly
    _CHECK_NAN[0] = bool(check_nan)


class detect_anomaly:  # noqa: N801 - PyTorch's name
    """Context manager (and decorator) that makes NaN/Inf raise where they are born.

    As in PyTorch, ``check_nan=False`` keeps anomaly mode on (``is_anomaly_enabled()`` is
    True, and every op records where it was called) but skips the NaN/Inf checks."""

    def __init__(self, check_nan: bool = True) -> None:
        self.check_nan = check_nan

    def __enter__(self) -> None:
        self.prev = (_Mode.anomaly, _CHECK_NAN[0])
        _set_anomaly(True, self.check_nan)

    def __exit__(self, *exc: object) -> None:
        _set_anomaly(*self.prev)

    def __call__(self, fn: Any) -> Any:
        import functools

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with detect_anomaly(self.check_nan):
                return fn(*args, **kwargs)

        return wrapper


class set_detect_anomaly:  # noqa: N801 - PyTorch's name
    """Turn anomaly detection on or off now; as a context manager, restore it on exit."""

    def __init__(self, mode: bool, check_nan: bool = True) -> None:
        self.prev = (_Mode.anomaly, _CHECK_NAN[0])
        _set_anomaly(mode, check_nan)

    def __enter__(self) -> None:
        pass

    def __exit__(self, *exc: object) -> None:
        _set_anomaly(*self.prev)


def set_anomaly_enabled(enabled: bool, check_nan: bool = True) -> None:
    """Switch anomaly mode on or off for good (``torch.set_anomaly_enabled``)."""
    _set_anomaly(bool(enabled), bool(check_nan))


def is_anomaly_enabled() -> bool:
    """True while anomaly mode is on (with or without the NaN checks)."""
    return _Mode.anomaly


def is_anomaly_check_nan_enabled() -> bool:
    """Whether anomaly mode checks results for NaN/Inf (PyTorch's flag: True by default)."""
    return _CHECK_NAN[0]


def _bad(a: np.ndarray) -> str | None:
    """'nan' or 'inf' if the float array holds such values, else None."""
    if a.dtype.kind != "f" or a.size == 0:
        return None
    if np.isfinite(a).all():
        return None
    return "nan" if np.isnan(a).any() else "inf"


def remember_origin(node: Any) -> None:
    """Keep where the op was called, for the backward report."""
    node._origin = user_frame()


_SOFTMAX = ("Softmax", "LogSoftmax", "Softmin")


def _nan_from_inf_hint(name: str, arrays: list) -> str:
    """The hint for a NaN made out of ±inf inputs (inf − inf, 0·inf, inf/inf)."""
    neg_inf = any(isinstance(a, np.ndarray) and a.dtype.kind == "f" and np.isneginf(a).any()
                  for a in arrays)
    if name.startswith(_SOFTMAX) and neg_inf:
        return ("a row with every logit -inf (fully masked attention row?): its softmax is "
                "0/0 = nan. Leave at least one position unmasked in every row, or mask with a "
                "large finite negative number (e.g. -1e9) instead of -inf")
    return ("the input already held ±inf, and inf − inf, 0·inf or inf/inf is nan: find where "
            "the inf was made (before detect_anomaly was on, or on purpose, e.g. a -inf mask)")


def check_forward(node: Any, arrays: list, out: np.ndarray) -> None:
    """Raise if ``out`` holds NaN/Inf that the inputs did not (nan made from ±inf inputs
    counts: a fully masked softmax row, inf − inf)."""
    if not _CHECK_NAN[0]:
        return
    kind = _bad(out)
    if kind is None:
        return
    inputs_bad = [_bad(a) for a in arrays if isinstance(a, np.ndarray)]
    if kind == "inf" and any(inputs_bad):
        return
    if kind == "nan" and "nan" in inputs_bad:
        return
    name = node.name().replace("Backward0", "").replace("Backward1", "")
    shapes = ", ".join(str(list(a.shape)) for a in arrays if isinstance(a, np.ndarray))
    if any(inputs_bad):  # nan out of inputs holding ±inf
        source, held, hint = "non-finite", "they hold ±inf; ", _nan_from_inf_hint(name, arrays)
    else:
        source, held, hint = "finite", "", hint_for(node.name())
    raise RuntimeError(
        f"detect_anomaly: the forward of '{name}' produced {kind} values from {source} inputs "
        f"({held}input shapes {shapes}; output shape {list(out.shape)}).\n"
        f"Hint: {hint}.\nCalled from {_where(user_frame())}"
    )


def check_backward(node: Any, grads_in: list, results: tuple) -> None:
    """Raise if a gradient ``node`` returned holds NaN/Inf while the incoming ones did not."""
    if not _CHECK_NAN[0]:
        return
    if any(_bad(g) for g in grads_in if isinstance(g, np.ndarray)):
        return
    for i, g in enumerate(results):
        if g is None:
            continue
        kind = _bad(np.asarray(g))
        if kind:
            origin = node.__dict__.get("_origin")
            raise RuntimeError(
                f"Function '{node.name()}' returned {kind} values in its {i}th output "
                f"(gradient shape {list(np.shape(g))}).\nHint: {hint_for(node.name())}.\n"
                f"The forward of this operation was called from {_where(origin)}"
            )


# -- graph leaks ------------------------------------------------------------------------------------


def set_graph_leak_check(steps: int | None = 50) -> None:
    """Warn when a graph spans more than ``steps`` backward() calls (None: never)."""
    _Mode.leak_steps = None if steps is None else int(steps)
    _Mode.leak_warned = False


def warn_leak(node: Any) -> None:
    """Issue the graph-leak warning once (per ``set_graph_leak_check`` call)."""
    _Mode.leak_warned = True
    frame = user_frame()
    message = (
        f"this tensor's graph reaches back {_Mode.step - node._oldest} training steps "
        "(backward() calls): a value is being accumulated together with its graph, e.g. "
        "`total += loss`. That keeps every step's graph alive, so memory grows each step. "
        "Accumulate numbers instead: `total += loss.item()` (or `loss.detach()`)."
    )
    if frame is None:
        warnings.warn(message, GraphLeakWarning, stacklevel=2)
        return
    warnings.warn_explicit(message, GraphLeakWarning, frame.filename, frame.lineno or 0)
