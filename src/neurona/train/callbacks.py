"""Callbacks for ``fit``: ``EarlyStopping`` and ``ModelCheckpoint``.

A callback sees the training loop at fixed points: ``on_train_begin(loop)``,
``on_epoch_end(loop, epoch, logs)`` and ``on_train_end(loop)``; it may set
``loop.stop_training = True``. ``loop`` exposes ``model``, ``optimizer``, ``history``.
"""

from __future__ import annotations

import copy
import math
import os
from typing import Any


class Callback:
    """Base class: override the hooks you need."""

    def on_train_begin(self, loop: Any) -> None:
        pass

    def on_epoch_end(self, loop: Any, epoch: int, logs: dict[str, float]) -> None:
        pass

    def on_train_end(self, loop: Any) -> None:
        pass

    def state_dict(self) -> dict[str, Any]:
        return {}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        pass


def _improved(value: float, best: float, mode: str, min_delta: float) -> bool:
    if math.isnan(value):
        return False
    return value < best - min_delta if mode == "min" else value > best + min_delta


def _mode_for(monitor: str, mode: str) -> str:
    if mode != "auto":
        if mode not in ("min", "max"):
            raise ValueError(f"mode must be 'min', 'max' or 'auto', got '{mode}'")
        return mode
    return "min" if any(s in monitor for s in ("loss", "mse", "mae", "err")) else "max"


class EarlyStopping(Callback):
    """Stop when ``monitor`` has not improved by more than ``min_delta`` for ``patience``
    epochs; with ``restore_best_weights`` the model ends with its best epoch's weights."""

    def __init__(self, monitor: str = "val_loss", patience: int = 5, min_delta: float = 0.0,
                 mode: str = "auto", restore_best_weights: bool = True) -> None:
        self.monitor, self.patience, self.min_delta = monitor, patience, abs(min_delta)
        self.mode = _mode_for(monitor, mode)
        self.restore_best_weights = restore_best_weights
        self.best = math.inf if self.mode == "min" else -math.inf
        self.best_epoch = -1
        self.wait = 0
        self.stopped_epoch: int | None = None
        self._best_state: dict | None = None

    def on_epoch_end(self, loop: Any, epoch: int, logs: dict[str, float]) -> None:
        if self.monitor not in logs:
            raise KeyError(
                f"EarlyStopping monitors '{self.monitor}' but the epoch logged {sorted(logs)} "
                "(pass val_loader to fit, or monitor 'loss')"
            )
        value = logs[self.monitor]
        if _improved(value, self.best, self.mode, self.min_delta):
            self.best, self.best_epoch, self.wait = value, epoch, 0
            if self.restore_best_weights:
                self._best_state = copy.deepcopy(
                    {k: v.detach().clone() for k, v in loop.model.state_dict().items()}
                )
        else:
            self.wait += 1
            if self.wait >= self.patience:
                self.stopped_epoch = epoch
                loop.stop_training = True

    def on_train_end(self, loop: Any) -> None:
        if self.restore_best_weights and self._best_state is not None:
            loop.model.load_state_dict(self._best_state)

    def state_dict(self) -> dict[str, Any]:
        return {"best": self.best, "best_epoch": self.best_epoch, "wait": self.wait,
                "best_state": self._best_state}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.best, self.best_epoch, self.wait = state["best"], state["best_epoch"], state["wait"]
        self._best_state = state.get("best_state")


class ModelCheckpoint(Callback):
    """Save the model's state dict to ``filepath`` (safetensors, atomically) after each
    epoch, or only when ``monitor`` improves (``save_best_only``). ``filepath`` may contain
    ``{epoch}`` and any logged metric, e.g. ``'ckpt-{epoch:02d}-{val_loss:.3f}.safetensors'``."""

    def __init__(self, filepath: str | os.PathLike, monitor: str = "val_loss",
                 save_best_only: bool = False, mode: str = "auto") -> None:
        self.filepath = os.fspath(filepath)
        self.monitor = monitor
        self.save_best_only = save_best_only
        self.mode = _mode_for(monitor, mode)
        self.best = math.inf if self.mode == "min" else -math.inf
        self.last_saved: str | None = None

    def on_epoch_end(self, loop: Any, epoch: int, logs: dict[str, float]) -> None:
        if self.save_best_only:
            if self.monitor not in logs:
                raise KeyError(
                    f"ModelCheckpoint monitors '{self.monitor}' but the epoch logged {sorted(logs)}"
                )
            if not _improved(logs[self.monitor], self.best, self.mode, 0.0):
                return
            self.best = logs[self.monitor]
        from ..io import save

        path = self.filepath.format(epoch=epoch, **logs)
        directory = os.path.dirname(os.path.abspath(path))
        os.makedirs(directory, exist_ok=True)
        save({k: _to_array(v) for k, v in loop.model.state_dict().items()}, path)
        self.last_saved = path

    def state_dict(self) -> dict[str, Any]:
        return {"best": self.best, "last_saved": self.last_saved}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.best, self.last_saved = state["best"], state.get("last_saved")


def _to_array(v: Any) -> Any:
    data = getattr(v, "_data", None)
    if data is not None:
        return data
    return v.detach().cpu().numpy()
