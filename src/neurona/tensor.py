"""``Tensor``: a NumPy array plus what autograd needs. Operator sugar only — math lives in ops/.

A tensor holds

* ``_data`` — the ndarray (views share memory, as PyTorch's views share storage);
* ``requires_grad`` and, after backward, ``grad``;
* ``grad_fn`` — the :class:`~neurona.autograd.function.Node` that produced it (``None`` for
  leaves), and ``_output_nr``, which output of that node it is;
* ``_vc`` — a version counter (a one-item list shared by a tensor and its views), bumped by
  every in-place change, so backward can tell if something it saved was overwritten.

Methods are the functions of ``neurona.api`` bound at the bottom of this file, so
``x.exp()`` and ``neurona.exp(x)`` are one code path.
"""

from __future__ import annotations

import weakref
from typing import Any

import numpy as np

from . import _dtype
from ._repr import tensor_repr
from .autograd import engine
from .autograd.function import _accumulator_for, current_grad_fn


class Size(tuple):
    """A tensor's shape (``torch.Size``): a tuple of ints."""

    def __repr__(self) -> str:
        return f"neurona.Size({list(self)})"

    def numel(self) -> int:
        n = 1
        for s in self:
            n *= s
        return n


class device:  # noqa: N801 - PyTorch's name
    """Where a tensor lives. neurona computes on the CPU only."""

    __slots__ = ("type", "index")

    def __init__(self, type: str | device = "cpu", index: int | None = None) -> None:  # noqa: A002
        if isinstance(type, device):
            type, index = type.type, type.index
        name = str(type)
        if ":" in name:
            name, idx = name.split(":", 1)
            index = int(idx)
        if name != "cpu":
            raise RuntimeError(
                f"neurona runs on the CPU only; device '{type}' is not available "
                "(use the PyTorch engine for GPUs)"
            )
        self.type = name
        self.index = index

    def __repr__(self) -> str:
        return f"device(type='{self.type}')"

    def __str__(self) -> str:
        return self.type

    def __eq__(self, other: object) -> bool:
        return str(other) == self.type

    def __hash__(self) -> int:
        return hash(self.type)


CPU = device("cpu")


class _Handle:
    """Returned by ``register_hook``: ``.remove()`` unregisters the hook."""

    def __init__(self, container: list, fn: Any) -> None:
        self._container = container
        self._fn = fn

    def remove(self) -> None:
        if self._fn in self._container:
            self._container.remove(self._fn)


class Tensor:
    """A multi-dimensional array that can record operations for automatic differentiation."""

    __slots__ = ("_data", "_grad", "_requires_grad", "grad_fn", "_output_nr", "_vc", "_base",
                 "_accum", "_hooks", "_post_acc_hooks", "__weakref__")
    __array_priority__ = 1000
    __array_ufunc__ = None  # numpy defers `ndarray op tensor` to our reflected operators

    def __init__(self, *args: Any, dtype: Any = None, device: Any = None) -> None:
        """Legacy constructor: ``Tensor(2, 3)`` (uninitialised) or ``Tensor([1, 2])`` (float)."""
        if args and all(isinstance(a, (int, np.integer)) for a in args):
            arr = np.empty(tuple(int(a) for a in args), _dtype.get_default_dtype().np)
        elif len(args) == 1 and isinstance(args[0], (tuple, list)) and all(
            isinstance(a, (int, np.integer)) for a in args[0]
        ) and isinstance(args[0], tuple):
            arr = np.empty(args[0], _dtype.get_default_dtype().np)
        elif len(args) == 1:
            src = args[0]._data if isinstance(args[0], Tensor) else args[0]
            d = _dtype.as_dtype(dtype) if dtype is not None else _dtype.get_default_dtype()
            arr = np.array(src, dtype=d.np)
        elif not args:
            arr = np.empty((0,), _dtype.get_default_dtype().np)
        else:
            raise TypeError(f"Tensor(): invalid arguments {args!r}")
        _init(self, arr)

    @staticmethod
    def _wrap(arr: np.ndarray) -> Tensor:
        """Wrap an ndarray without copying (internal fast path)."""
        t = object.__new__(Tensor)
        _init(t, arr)
        return t

    # -- basic attributes ----------------------------------------------------------------
    @property
    def shape(self) -> Size:
        return Size(self._data.shape)

    @property
    def dtype(self) -> _dtype.dtype:
        return _dtype._BY_NP[self._data.dtype]

    @property
    def ndim(self) -> int:
        return self._data.ndim

    @property
    def device(self) -> device:
        return CPU

    is_cuda = False
    is_sparse = False
    is_quantized = False

    def size(self, dim: int | None = None) -> Size | int:
        if dim is None:
            return Size(self._data.shape)
        return self._data.shape[_wrap_dim(dim, self._data.ndim)]

    def dim(self) -> int:
        return self._data.ndim

    def ndimension(self) -> int:
        return self._data.ndim

    def numel(self) -> int:
        return int(self._data.size)

    nelement = numel

    def element_size(self) -> int:
        return self._data.itemsize

    @property
    def itemsize(self) -> int:
        return self._data.itemsize

    @property
    def nbytes(self) -> int:
        return self._data.nbytes

    def stride(self, dim: int | None = None) -> tuple | int:
        """Element steps between neighbours along each dim (an empty tensor: contiguous ones)."""
        if self._data.size == 0:
            st, n = [], 1
            for s in reversed(self._data.shape):
                st.append(n)
                n *= max(s, 1)
            st = tuple(reversed(st))
        else:
            st = tuple(s // self._data.itemsize for s in self._data.strides)
        return st if dim is None else st[_wrap_dim(dim, self._data.ndim)]

    def is_contiguous(self) -> bool:
        return bool(self._data.flags.c_contiguous)

    def is_floating_point(self) -> bool:
        return self._data.dtype.kind == "f"

    def is_complex(self) -> bool:
        return False

    def data_ptr(self) -> int:
        return self._data.ctypes.data

    def get_device(self) -> int:
        return -1

    # -- autograd attributes -------------------------------------------------------------
    @property
    def requires_grad(self) -> bool:
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value: bool) -> None:
        self._set_requires_grad(value, "only Tensors of floating point and complex dtype")

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        """Set ``requires_grad`` in place (leaves only; floating-point dtypes only)."""
        return self._set_requires_grad(requires_grad, "only Tensors of floating point dtype")

    def _set_requires_grad(self, requires_grad: bool, who: str) -> Tensor:
        """Flag a leaf as requiring grad; ``who`` starts PyTorch's error for non-float dtypes."""
        if self.grad_fn is not None:
            if not requires_grad:
                raise RuntimeError(
                    "you can only change requires_grad flags of leaf variables. If you want to "
                    "use a computed variable in a subgraph that doesn't require differentiation "
                    "use var_no_grad = var.detach()."
                )
            return self
        if requires_grad and self._data.dtype.kind != "f":
            raise RuntimeError(f"{who} can require gradients")
        self._requires_grad = bool(requires_grad)
        return self

    @property
    def grad(self) -> Tensor | None:
        if self.grad_fn is not None and self._grad is None and not self._retains():
            import warnings

            warnings.warn(
                "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. "
                "Its .grad attribute won't be populated during autograd.backward(). If you "
                "indeed want the gradient for a non-leaf Tensor, use .retain_grad() on the "
                "non-leaf Tensor.",
                UserWarning,
                stacklevel=2,
            )
        return self._grad

    @grad.setter
    def grad(self, value: Tensor | None) -> None:
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError(
                    "assigned grad expected to be a Tensor or None but got grad of type "
                    f"{type(value).__name__}"
                )
            if value._data.shape != self._data.shape:
                raise RuntimeError(
                    f"attempting to assign a gradient of size '{list(value.shape)}' to a tensor "
                    f"of size '{list(self.shape)}'. Please ensure that the gradient and the "
                    "tensor are the same size"
                )
            if value._data.dtype != self._data.dtype:
                raise RuntimeError(
                    f"attempting to assign a gradient with dtype '{value.dtype.name}' to a tensor "
                    f"with dtype '{self.dtype.name}'. The gradient must match the tensor's dtype."
                )
        self._grad = value

    @property
    def is_leaf(self) -> bool:
        return self.grad_fn is None

    @property
    def retains_grad(self) -> bool:
        return self._retains()

    def _retains(self) -> bool:
        fn = self.grad_fn
        retain = getattr(fn, "_retain", None) if fn is not None else None
        return bool(retain) and self._output_nr in retain

    def retain_grad(self) -> None:
        """Keep ``.grad`` of this non-leaf tensor after backward (leaves always keep it)."""
        if not self._requires_grad:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        fn = current_grad_fn(self)
        if fn is None:
            return
        retain = getattr(fn, "_retain", None)
        if retain is None:
            retain = fn._retain = {}
        retain[self._output_nr] = weakref.ref(self)

    def register_hook(self, hook: Any) -> _Handle:
        """Call ``hook(grad)`` when this tensor's gradient is computed; it may return a new grad."""
        if not self._requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        fn = current_grad_fn(self)
        if fn is None:
            if self._hooks is None:
                self._hooks = []
            self._hooks.append(hook)
            return _Handle(self._hooks, hook)
        fn._add_pre_hook(self._output_nr, hook)
        return _Handle(fn._pre_hooks[self._output_nr], hook)

    def register_post_accumulate_grad_hook(self, hook: Any) -> _Handle:
        if self.grad_fn is not None:
            raise RuntimeError("post accumulate grad hooks cannot be registered on non-leaf tensors")
        if self._post_acc_hooks is None:
            self._post_acc_hooks = []
        self._post_acc_hooks.append(hook)
        return _Handle(self._post_acc_hooks, hook)

    def _accumulator(self):
        return _accumulator_for(self)

    def backward(
        self,
        gradient: Tensor | None = None,
        retain_graph: bool | None = None,
        create_graph: bool = False,
        inputs: Any = None,
    ) -> None:
        """Accumulate the gradient of this tensor w.r.t. the graph's leaves into their ``.grad``."""
        engine.backward(self, gradient, retain_graph, create_graph, inputs)

    @property
    def data(self) -> Tensor:
        """The same memory as a tensor outside the graph (changes are not tracked)."""
        return Tensor._wrap(self._data)

    @data.setter
    def data(self, value: Tensor) -> None:
        self._data = value._data if isinstance(value, Tensor) else np.asarray(value)

    @property
    def _version(self) -> int:
        return self._vc[0]

    @property
    def output_nr(self) -> int:
        return self._output_nr

    # -- conversion ----------------------------------------------------------------------
    def item(self) -> Any:
        """The value of a one-element tensor as a Python number."""
        if self._data.size != 1:
            raise RuntimeError(
                f"a Tensor with {self._data.size} elements cannot be converted to Scalar"
            )
        return self._data.item() if self._data.ndim else self._data[()].item()

    def tolist(self) -> Any:
        return self._data.tolist()

    def numpy(self, *, force: bool = False) -> np.ndarray:
        """The ndarray itself (shared memory)."""
        if self._requires_grad and not force:
            raise RuntimeError(
                "Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() "
                "instead."
            )
        return self._data

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        arr = self.numpy()
        return arr if dtype is None else arr.astype(dtype, copy=False)

    def __repr__(self) -> str:
        return tensor_repr(self)

    __str__ = __repr__

    def __format__(self, spec: str) -> str:
        if self._data.ndim == 0:
            return self.item().__format__(spec)
        return repr(self)

    def __len__(self) -> int:
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __iter__(self):
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return iter(self.unbind(0))

    def __bool__(self) -> bool:
        if self._data.size != 1:
            raise RuntimeError("Boolean value of Tensor with more than one value is ambiguous")
        return bool(self._data.reshape(()))

    def _scalar(self) -> Any:
        if self._data.size != 1:
            raise ValueError("only one element tensors can be converted to Python scalars")
        return self.item()

    def __float__(self) -> float:
        return float(self._scalar())

    def __int__(self) -> int:
        return int(self._scalar())

    def __index__(self) -> int:
        if self._data.dtype.kind not in "iub" or self._data.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self.item())

    def __complex__(self) -> complex:
        return complex(self._scalar())

    def __hash__(self) -> int:
        return id(self)

    def __reduce_ex__(self, protocol: int):
        raise TypeError("neurona tensors are not pickled; use neurona.save (safetensors)")

    def __deepcopy__(self, memo: dict) -> Tensor:
        if self.grad_fn is not None:
            raise RuntimeError(
                "Only Tensors created explicitly by the user (graph leaves) support the "
                "deepcopy protocol at the moment."
            )
        new = Tensor._wrap(self._data.copy())
        new._requires_grad = self._requires_grad
        if self._grad is not None:
            new._grad = Tensor._wrap(self._grad._data.copy())
        memo[id(self)] = new
        return new

    def cpu(self) -> Tensor:
        return self

    def cuda(self, *args: Any, **kwargs: Any) -> Tensor:
        device("cuda")
        return self

    def pin_memory(self) -> Tensor:
        return self


def _init(t: Tensor, arr: np.ndarray) -> None:
    t._data = arr
    t._grad = None
    t._requires_grad = False
    t.grad_fn = None
    t._output_nr = 0
    t._vc = [0]
    t._base = None
    t._accum = None
    t._hooks = None
    t._post_acc_hooks = None


def _wrap_dim(dim: int, ndim: int) -> int:
    """Turn a possibly negative ``dim`` into an axis index; PyTorch's IndexError otherwise."""
    n = max(ndim, 1)
    if not -n <= dim < n:
        raise IndexError(
            f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {dim})"
        )
    return dim + n if dim < 0 else dim


# -- methods: the api functions, bound once ---------------------------------------------
from .autograd import function as _function  # noqa: E402

_function.Tensor = Tensor

from .api import _methods  # noqa: E402

_methods.bind(Tensor)
