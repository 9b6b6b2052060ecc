"""``Parameter``: a tensor that a Module registers as learnable when assigned as an attribute."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..tensor import Tensor, _init


class Parameter(Tensor):
    """A leaf tensor that requires grad by default and is collected by ``Module.parameters()``.

    It shares memory with ``data`` (as PyTorch's Parameter shares storage).
    """

    def __init__(self, data: Tensor | np.ndarray | None = None, requires_grad: bool = True) -> None:
        if data is None:
            arr = np.empty((0,), np.float32)
        elif isinstance(data, Tensor):
            arr = data._data
        else:
            arr = np.asarray(data)
        _init(self, arr)
        if requires_grad:
            self.requires_grad_(True)

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()

    __str__ = __repr__

    def __deepcopy__(self, memo: dict) -> Parameter:
        new = Parameter(Tensor._wrap(self._data.copy()), self._requires_grad)
        if self._grad is not None:
            new._grad = Tensor._wrap(self._grad._data.copy())
        memo[id(self)] = new
        return new

    def __reduce_ex__(self, protocol: int) -> Any:
        raise TypeError("neurona parameters are not pickled; save a state_dict with neurona.save")


class Buffer(Tensor):
    """Marks a tensor to be registered as a buffer when assigned to a Module attribute."""

    def __init__(self, data: Tensor | np.ndarray, *, persistent: bool = True) -> None:
        arr = data._data if isinstance(data, Tensor) else np.asarray(data)
        _init(self, arr)
        self.persistent = persistent


def is_lazy(param: Any) -> bool:
    return False
