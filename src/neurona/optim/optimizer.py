"""``Optimizer``: the base class of every optimizer (``torch.optim.Optimizer``'s contract).

An optimizer holds

* ``param_groups`` — a list of dicts, each with ``'params'`` (a list of tensors) and that
  group's options (``'lr'``, ``'momentum'``, ...); options a group leaves out are filled in
  from ``defaults``;
* ``state`` — a dict from parameter tensor to that parameter's buffers (``'step'``,
  ``'exp_avg'``, ...), created lazily on the first ``step``;
* ``defaults`` — the options given to the constructor.

``state_dict()`` packs both in PyTorch's layout, with parameters replaced by their position
(counting across groups in order)::

    {'state': {0: {'step': tensor(10.), 'exp_avg': tensor(...), ...}, ...},
     'param_groups': [{'lr': 0.001, ..., 'params': [0, 1]}, ...]}

so a state dict saved by neurona has the same keys and nesting as PyTorch's.

Subclasses implement ``step(closure=None)``. Updates work on the parameters' arrays in
place (NumPy ``out=`` operations, no graph): reading ``p._data`` and ``p.grad._data`` is the
fast path an optimizer is allowed to take. Each update bumps the parameter's version counter,
as PyTorch's in-place updates do, so a backward that saved the old value notices.
"""

from __future__ import annotations

import copy
import warnings
from collections import defaultdict
from collections.abc import Callable, Iterable
from itertools import chain
from typing import Any

import numpy as np

from .. import _dtype
from ..autograd.grad_mode import enable_grad
from ..tensor import Tensor

__all__ = ["Optimizer", "required"]


class _RequiredParameter:
    """Marks a default that every param group must give (PyTorch's ``required``)."""

    def __repr__(self) -> str:
        return "<required parameter>"


required = _RequiredParameter()


class Optimizer:
    """Base class for all optimizers.

    Args:
        params: an iterable of tensors, of ``(name, tensor)`` pairs, or of dicts (parameter
            groups: ``{'params': [...], 'lr': ..., ...}`` with per-group options).
        defaults: the default value of every option, used where a group doesn't give one.
    """

    def __init__(self, params: Iterable[Any], defaults: dict[str, Any]) -> None:
        self.defaults = defaults
        self.state: defaultdict[Any, dict[str, Any]] = defaultdict(dict)
        self.param_groups: list[dict[str, Any]] = []

        if isinstance(params, Tensor):
            raise TypeError(
                "params argument given to the optimizer should be an iterable of Tensors or dicts, "
                f"but got {_typename(params)}"
            )
        param_groups = list(params)
        if len(param_groups) == 0:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(param_groups[0], dict):
            param_groups = [{"params": param_groups}]
        for group in param_groups:
            self.add_param_group(group)

    # -- groups --------------------------------------------------------------------------
    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Add a group of parameters with its own options (e.g. to unfreeze layers mid-training).

        Options the group leaves out take the optimizer's ``defaults``. A parameter may belong
        to one group only.
        """
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group).__name__}")
        params = param_group["params"]
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, set):
            raise TypeError(_SET_ERROR)
        else:
            params = list(params)

        tensors, names = [], []
        for p in params:
            if isinstance(p, tuple):
                names.append(p[0])
                tensors.append(p[1])
            else:
                tensors.append(p)
        param_group["params"] = tensors
        if names:
            if len(names) != len(tensors):
                raise ValueError(
                    "all optimizer params should be with/without names. Some param names are missing"
                )
            param_group["param_names"] = names

        for p in tensors:
            if not isinstance(p, Tensor):
                raise TypeError(
                    f"optimizer can only optimize Tensors, but one of the params is {_typename(p)}"
                )
            if not self.defaults.get("differentiable", None) and not (p.is_leaf or p.retains_grad):
                raise ValueError("can't optimize a non-leaf Tensor")

        for name, default in self.defaults.items():
            if default is required and name not in param_group:
                raise ValueError(
                    f"parameter group didn't specify a value of required optimization parameter {name}"
                )
            param_group.setdefault(name, default)

        if len(tensors) != len({id(p) for p in tensors}):
            warnings.warn(
                "optimizer contains a parameter group with duplicate parameters; in future, this will "
                "cause an error; see github.com/pytorch/pytorch/issues/40967 for more information",
                stacklevel=3,
            )

        seen: set[int] = set()
        for group in self.param_groups:
            seen.update(id(p) for p in group["params"])
            if ("param_names" in param_group) != ("param_names" in group):
                which = "with names" if "param_names" in param_group else "without names"
                raise ValueError(
                    "all optimizer param groups should be with/without names. "
                    f"cannot add param group {which} to the optimizer"
                )
        if not seen.isdisjoint(id(p) for p in tensors):
            raise ValueError("some parameters appear in more than one parameter group")

        self.param_groups.append(param_group)

    # -- gradients -----------------------------------------------------------------------
    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset the gradients of all optimized parameters.

        ``set_to_none=True`` (the default) drops them (``p.grad = None``: less memory, and the
        optimizers skip parameters without a gradient); ``False`` fills them with zeros.
        """
        for group in self.param_groups:
            for p in group["params"]:
                g = p._grad
                if g is None:
                    continue
                if set_to_none:
                    p._grad = None
                else:
                    if g.grad_fn is not None:
                        g.detach_()
                    else:
                        g._requires_grad = False
                    g._data.fill(0)
                    g._vc[0] += 1

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Perform one optimization step; ``closure`` re-evaluates the model and returns the loss."""
        raise NotImplementedError

    @staticmethod
    def _eval_closure(closure: Callable[[], Any] | None) -> Any:
        """Call the closure with grad mode on (as PyTorch does) and return its loss."""
        if closure is None:
            return None
        with enable_grad():
            return closure()

    # -- state dict ----------------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        """The optimizer's state in PyTorch's layout: ``{'state': {...}, 'param_groups': [...]}``.

        Parameters appear as integer ids (their position across the groups, in order); the
        state's tensors are the optimizer's own buffers (not copies), as in PyTorch.
        """
        index: dict[int, int] = {}
        start = 0
        groups = []
        for group in self.param_groups:
            packed = {k: v for k, v in group.items() if k != "params"}
            for i, p in enumerate(group["params"], start):
                index.setdefault(id(p), i)
            packed["params"] = [index[id(p)] for p in group["params"]]
            start += len(packed["params"])
            groups.append(packed)
        state = {
            (index[id(k)] if isinstance(k, Tensor) else k): v for k, v in self.state.items()
        }
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Load a state produced by ``state_dict()`` (neurona's or PyTorch's layout).

        The groups' sizes must match this optimizer's. The saved options replace the groups'
        options; the saved buffers are copied (so the source keeps its own), floating-point
        buffers are converted to their parameter's dtype, and ``'step'`` keeps its dtype.
        """
        groups = self.param_groups
        saved_groups = copy.deepcopy(state_dict["param_groups"])
        if len(groups) != len(saved_groups):
            raise ValueError("loaded state dict has a different number of parameter groups")
        if any(len(g["params"]) != len(s["params"]) for g, s in zip(groups, saved_groups)):
            raise ValueError(
                "loaded state dict contains a parameter group that doesn't match the size of "
                "optimizer's group"
            )
        id_map = dict(
            zip(
                chain.from_iterable(s["params"] for s in saved_groups),
                chain.from_iterable(g["params"] for g in groups),
            )
        )

        state: defaultdict[Any, dict[str, Any]] = defaultdict(dict)
        for k, v in state_dict["state"].items():
            if k in id_map:
                p = id_map[k]
                state[p] = {key: _cast(p, key, val) for key, val in v.items()}
            else:
                state[k] = copy.deepcopy(v)

        new_groups = []
        for group, saved in zip(groups, saved_groups):
            saved["params"] = group["params"]
            if "param_names" in group and "param_names" not in saved:
                saved["param_names"] = group["param_names"]
            new_groups.append(saved)
        self.__setstate__({"state": state, "param_groups": new_groups})

    def __getstate__(self) -> dict[str, Any]:
        return {"defaults": self.defaults, "state": self.state, "param_groups": self.param_groups}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        for group in self.param_groups:  # options added in later versions get their defaults
            for name, default in self.defaults.items():
                if default is not required:
                    group.setdefault(name, default)
        for buffers in self.state.values():  # old checkpoints stored 'step' as a number
            if isinstance(buffers, dict) and isinstance(buffers.get("step"), (int, float)):
                buffers["step"] = _step_tensor(float(buffers["step"]))

    def __repr__(self) -> str:
        text = self.__class__.__name__ + " ("
        for i, group in enumerate(self.param_groups):
            text += f"\nParameter Group {i}\n"
            text += "".join(f"    {key}: {group[key]}\n" for key in sorted(group) if key != "params")
        return text + ")"


_SET_ERROR = (
    "optimizer parameters need to be organized in ordered collections, but the ordering of tensors "
    "in sets will change between runs. Please use a list instead."
)


def _typename(obj: Any) -> str:
    if isinstance(obj, Tensor):
        return f"neurona.{obj.dtype.name.capitalize()}Tensor"
    return type(obj).__name__


def _as_array(value: Any) -> np.ndarray | None:
    """The ndarray behind a neurona tensor, a NumPy array or a PyTorch tensor; else None."""
    if isinstance(value, Tensor):
        return value._data
    if isinstance(value, np.ndarray):
        return value
    if type(value).__module__.startswith("torch") and hasattr(value, "detach"):
        return value.detach().cpu().numpy()
    return None


def _cast(param: Tensor, key: Any, value: Any) -> Any:
    """A copy of a saved state value for ``param`` (PyTorch's dtype policy for buffers)."""
    arr = _as_array(value)
    if arr is not None:
        if key != "step" and param._data.dtype.kind == "f" and arr.dtype.kind == "f":
            return Tensor._wrap(np.array(arr, dtype=param._data.dtype))
        return Tensor._wrap(np.array(arr))
    if isinstance(value, dict):
        return {k: _cast(param, k, v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_cast(param, key, v) for v in value)
    return copy.deepcopy(value)


# -- helpers shared by the optimizers ---------------------------------------------------------


def _scalar_np_dtype() -> np.dtype:
    """The dtype of scalar state (``step``, ``mu_product``): float64 if that is the default dtype,
    else float32 — PyTorch's ``_get_scalar_dtype``."""
    d = _dtype.get_default_dtype()
    return np.dtype(np.float64) if d.np == np.float64 else np.dtype(np.float32)


def _step_tensor(value: float = 0.0) -> Tensor:
    """A 0-d tensor holding a step count (PyTorch keeps ``step`` as a float tensor)."""
    return Tensor._wrap(np.array(value, dtype=_scalar_np_dtype()))


def _next_step(state: dict[str, Any]) -> float:
    """Increment ``state['step']`` in place and return the new count as a Python float."""
    arr = state["step"]._data
    arr += 1
    return float(arr)


def _run_step(opt: Optimizer, closure: Callable[[], Any] | None, update_group: Callable[[Any], None]) -> Any:
    """The body of every ``step``: evaluate the closure (grad enabled), then update each group.

    The update runs with NumPy's floating-point warnings off: like PyTorch, a step that makes
    inf/nan (a diverging run, 0/0 with ``eps=0``) does so silently.
    """
    loss = opt._eval_closure(closure)
    with np.errstate(all="ignore"):
        for group in opt.param_groups:
            update_group(group)
    return loss


def _float(x: Any) -> float:
    """A hyper-parameter as a Python float (an ``lr`` may be a one-element tensor)."""
    return x if type(x) is float else float(x)


def _check_lr(lr: Any) -> None:
    if isinstance(lr, Tensor) and lr.numel() != 1:
        raise ValueError("Tensor lr must be 1-element")
    if not lr >= 0.0:
        raise ValueError(f"Invalid learning rate: {lr}")


def _check_nonneg(value: Any, what: str) -> None:
    if not value >= 0.0:
        raise ValueError(f"Invalid {what} value: {value}")


def _check_betas(betas: tuple[Any, Any]) -> None:
    for i in (0, 1):
        if not 0.0 <= betas[i] < 1.0:
            raise ValueError(f"Invalid beta parameter at index {i}: {betas[i]}")


def _grad_with_decay(p: Tensor, maximize: bool, weight_decay: float) -> tuple[np.ndarray, bool]:
    """``g = ±∇`` (minus when maximizing) plus ``weight_decay·θ`` (L2 penalty, coupled).

    Returns ``(g, owned)``: ``owned`` is True when ``g`` is a fresh array the caller may
    overwrite, False when it is the gradient's own array (read-only for the optimizer).
    """
    g = p._grad._data
    if weight_decay != 0:
        out = np.multiply(p._data, weight_decay)
        if maximize:
            out -= g
        else:
            out += g
        return out, True
    if maximize:
        return np.negative(g), True
    return g, False


def _lerp_(start: np.ndarray, end: np.ndarray, weight: float, tmp: np.ndarray) -> None:
    """``start ← start + weight·(end − start)`` in place (``Tensor.lerp_``; ``tmp`` is scratch).

    Like PyTorch, the form is chosen by the weight so both ends are reproduced exactly:
    ``start + w·(end − start)`` for ``w < 0.5``, ``end − (end − start)·(1 − w)`` otherwise.
    """
    np.subtract(end, start, out=tmp)
    if weight < 0.5:
        tmp *= weight
        start += tmp
    else:
        tmp *= 1.0 - weight
        np.subtract(end, tmp, out=start)

