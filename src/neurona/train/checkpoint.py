"""Training checkpoints that make a killed run resumable *exactly*.

A checkpoint holds everything the rest of the run depends on: the model's and the
optimizer's (and scheduler's) state dicts, the history so far, the callbacks' state, the
position in the epoch (batches already done, and the running sums of the epoch's loss),
and two snapshots of the random generators — at the start of the epoch (so the data
loader can redraw the same shuffle and skip the batches already done) and now (so dropout
continues with the same numbers). Files are written atomically by ``neurona.save``: a
crash while saving leaves the previous checkpoint intact.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from .._engines import is_torch
from ..io import load, save

FORMAT = "neurona-fit-checkpoint-1"


def _array(t: Any) -> np.ndarray:
    data = getattr(t, "_data", None)
    if isinstance(data, np.ndarray):
        return data
    return t.detach().cpu().numpy() if hasattr(t, "detach") else np.asarray(t)


def capture_rng(fw: Any, loader: Any) -> dict[str, Any]:
    """The states of the framework's default generator and of the loader's own generator."""
    state = {"default": _array(fw.get_rng_state()).copy()}
    gen = getattr(loader, "generator", None)
    if gen is not None:
        state["loader"] = _array(gen.get_state()).copy()
    return state


def restore_rng(fw: Any, loader: Any, state: dict[str, Any]) -> None:
    """Put the generators back in the captured states."""
    fw.set_rng_state(_to_fw(fw, state["default"]))
    gen = getattr(loader, "generator", None)
    if gen is not None and "loader" in state:
        gen.set_state(_to_fw(fw, state["loader"]))


def _to_fw(fw: Any, value: Any) -> Any:
    arr = _array(value)
    if fw.__name__ == "torch":
        return fw.from_numpy(np.array(arr, dtype=np.uint8))
    return fw.tensor(np.array(arr, dtype=np.uint8))


def _convert_tree(obj: Any, fw: Any) -> Any:
    """Tensors in a loaded structure, as tensors of ``fw`` (torch optimizers need torch's)."""
    if hasattr(obj, "_data") and isinstance(getattr(obj, "_data", None), np.ndarray):
        return fw.from_numpy(np.array(obj._data)) if fw.__name__ == "torch" else obj
    if isinstance(obj, dict):
        return {k: _convert_tree(v, fw) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_convert_tree(v, fw) for v in obj]
    if isinstance(obj, tuple):
        return tuple(_convert_tree(v, fw) for v in obj)
    return obj


def save_checkpoint(path: str | os.PathLike, *, model: Any, optimizer: Any, scheduler: Any,
                    history: Any, callbacks: Any, epoch: int, step_in_epoch: int,
                    partial: dict[str, Any], rng_epoch_start: dict[str, Any],
                    rng_now: dict[str, Any]) -> None:
    """Write a resumable training checkpoint to ``path`` (atomically)."""
    state = {
        "format": FORMAT,
        "epoch": int(epoch),
        "step_in_epoch": int(step_in_epoch),
        "model": {k: _array(v) for k, v in model.state_dict().items()},
        "optimizer": optimizer.state_dict(),
        "scheduler": scheduler.state_dict() if scheduler is not None else None,
        "history": history.to_dict(),
        "callbacks": [cb.state_dict() for cb in callbacks],
        "partial": partial,
        "rng_epoch_start": rng_epoch_start,
        "rng_now": rng_now,
    }
    directory = os.path.dirname(os.path.abspath(os.fspath(path)))
    os.makedirs(directory, exist_ok=True)
    save(state, path)


def load_checkpoint(path: str | os.PathLike, fw: Any) -> dict[str, Any]:
    """Read a checkpoint written by :func:`save_checkpoint`, tensors converted for ``fw``."""
    state = load(path)
    if not isinstance(state, dict) or state.get("format") != FORMAT:
        raise ValueError(f"{os.fspath(path)} is not a neurona training checkpoint (fit(resume=...))")
    return _convert_tree(state, fw)


def is_torch_model(model: Any) -> bool:
    return is_torch(model)
