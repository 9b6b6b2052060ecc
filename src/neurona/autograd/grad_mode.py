"""Grad mode: whether operations record the graph (``no_grad``, ``enable_grad``, ...).

One global flag, read by every operation before it records anything. The context
managers save and restore it, so they nest; used as decorators they wrap a function.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any


class _Mode:
    enabled = True  # record the graph
    anomaly = False  # detect_anomaly: check every result for new NaN/Inf
    step = 0  # backward() calls so far (a "training step" for the graph-leak check)
    leak_steps: int | None = 50  # warn when a graph spans more steps than this
    leak_warned = False


def is_grad_enabled() -> bool:
    """True when operations record the graph for backward."""
    return _Mode.enabled


class _GradContext:
    """Base for the grad-mode context managers; also usable as decorators.

    ``@no_grad`` without parentheses works too (as PyTorch 2.x): the class is then called
    with the function itself, and returns the function wrapped by an instance.
    """

    _target: bool = True

    def __new__(cls, orig_func: Callable | None = None) -> Any:
        if orig_func is None:
            return super().__new__(cls)
        return cls()(orig_func)

    def __enter__(self) -> None:
        self._prev = _Mode.enabled
        _Mode.enabled = self._target

    def __exit__(self, *exc: object) -> None:
        _Mode.enabled = self._prev

    def __call__(self, fn: Callable) -> Callable:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with type(self)():
                return fn(*args, **kwargs)

        return wrapper


class no_grad(_GradContext):  # noqa: N801 - PyTorch's name
    """Disable graph recording: results never require grad. Context manager or decorator."""

    _target = False

    def __init__(self) -> None:
        pass


class enable_grad(_GradContext):  # noqa: N801
    """Enable graph recording inside a ``no_grad`` block. Context manager or decorator."""

    _target = True


class inference_mode(_GradContext):  # noqa: N801
    """Like ``no_grad`` (neurona has no separate inference tensors).

    ``@inference_mode`` without parentheses decorates the function (mode True).
    """

    def __new__(cls, mode: Any = True) -> Any:
        if isinstance(mode, bool):
            return object.__new__(cls)
        return cls()(mode)

    def __init__(self, mode: bool = True) -> None:
        self._target = not mode

    def __call__(self, fn: Callable) -> Callable:
        target = self._target

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with inference_mode(not target):
                return fn(*args, **kwargs)

        return wrapper


class set_grad_enabled(_GradContext):  # noqa: N801
    """Set grad mode to ``mode`` now; as a context manager, restore it on exit."""

    def __new__(cls, mode: bool) -> Any:
        return object.__new__(cls)

    def __init__(self, mode: bool) -> None:
        self._prev = _Mode.enabled
        self._target = bool(mode)
        _Mode.enabled = self._target

    def __enter__(self) -> None:
        pass

    def __call__(self, fn: Callable) -> Callable:
        _Mode.enabled = self._prev  # used as a decorator: don't change the mode now
        target = self._target

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with set_grad_enabled(target):
                return fn(*args, **kwargs)

        return wrapper
