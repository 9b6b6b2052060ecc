"""Which framework an object belongs to (neurona or PyTorch), for code that serves both."""

from __future__ import annotations

from typing import Any


def is_torch(obj: Any) -> bool:
    """True for PyTorch modules, tensors and optimizers (checked without importing torch)."""
    return any(c.__module__.split(".")[0] == "torch" for c in type(obj).__mro__)


def framework_of(obj: Any) -> Any:
    """The module (``torch`` or ``neurona``) that ``obj`` comes from."""
    if is_torch(obj):
        import torch

        return torch
    import neurona

    return neurona
