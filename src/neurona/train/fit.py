"""``fit``: the training loop of the course, for neurona and PyTorch models alike.

Each epoch: for every batch, ``loss = loss_fn(model(x), y)``, ``optimizer.zero_grad()``,
``loss.backward()``, optional gradient clipping, ``optimizer.step()``; then validation
under ``no_grad`` in eval mode, metrics, the scheduler, callbacks, and one log line.
Only the public, PyTorch-shaped API is used, so a torch model, loss, optimizer and
DataLoader work unchanged (duck typing).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np

from .._engines import framework_of
from .callbacks import Callback
from .history import History
from .metrics import labels_from_output, resolve, to_numpy


class TrainLoop:
    """The state callbacks see: ``model``, ``optimizer``, ``history``, ``stop_training``."""

    def __init__(self, model: Any, optimizer: Any, history: History) -> None:
        self.model, self.optimizer, self.history = model, optimizer, history
        self.stop_training = False
        self.epoch = 0


def _split_batch(batch: Any) -> tuple[Any, Any]:
    if isinstance(batch, dict):
        keys = list(batch)
        return batch[keys[0]], batch[keys[1]]
    if isinstance(batch, (tuple, list)) and len(batch) >= 2:
        return batch[0], batch[1]
    raise ValueError("fit expects batches of (inputs, targets)")


def _to_device(x: Any, device: Any) -> Any:
    return x.to(device) if device is not None and hasattr(x, "to") else x


def _compute_metrics(metrics: Sequence[Any], targets: list, outputs: list, prefix: str,
                     threshold: float) -> dict[str, float]:
    if not metrics or not outputs:
        return {}
    y = np.concatenate([to_numpy(t).reshape(len(to_numpy(t)), -1) for t in targets])
    out = np.concatenate([to_numpy(o).reshape(len(to_numpy(o)), -1) for o in outputs])
    y_flat = y.reshape(-1) if y.shape[1] == 1 else y
    logs = {}
    for m in metrics:
        name, fn, needs_labels = resolve(m)
        pred = labels_from_output(out, threshold) if needs_labels else out
        logs[prefix + name] = float(fn(y_flat, pred))
    return logs


def evaluate(model: Any, loss_fn: Callable | None, loader: Iterable, metrics: Sequence[Any] = (),
             threshold: float = 0.0, device: Any = None, prefix: str = "") -> dict[str, float]:
    """Mean loss and metrics of ``model`` over ``loader`` (eval mode, no graph)."""
    fw = framework_of(model)
    was_training = model.training
    model.eval()
    total, count = 0.0, 0
    targets, outputs = [], []
    try:
        with fw.no_grad():
            for batch in loader:
                x, y = _split_batch(batch)
                x, y = _to_device(x, device), _to_device(y, device)
                out = model(x)
                n = len(y)
                if loss_fn is not None:
                    total += float(loss_fn(out, y).item()) * n
                count += n
                if metrics:
                    targets.append(to_numpy(y))
                    outputs.append(to_numpy(out))
    finally:
        model.train(was_training)
    logs = {prefix + "loss": total / max(count, 1)} if loss_fn is not None else {}
    logs.update(_compute_metrics(metrics, targets, outputs, prefix, threshold))
    return logs


def predict(model: Any, data: Any, batch_size: int = 256) -> Any:
    """Outputs of ``model`` on a tensor (in batches) or a loader of (x, y)/(x,) batches."""
    fw = framework_of(model)
    was_training = model.training
    model.eval()
    outs = []
    try:
        with fw.no_grad():
            if hasattr(data, "shape"):
                for i in range(0, len(data), batch_size):
                    outs.append(model(data[i:i + batch_size]))
            else:
                for batch in data:
                    x = batch[0] if isinstance(batch, (tuple, list)) else batch
                    outs.append(model(x))
    finally:
        model.train(was_training)
    return fw.cat(outs) if outs else None


def _progress_enabled(progress: bool | None) -> bool:
    if progress is not None:
        return progress
    return os.environ.get("NEURONA_PROGRESS", "1") != "0"


def fit(
    model: Any,
    loss_fn: Callable,
    optimizer: Any,
    train_loader: Iterable,
    epochs: int = 1,
    val_loader: Iterable | None = None,
    metrics: Sequence[Any] = (),
    scheduler: Any = None,
    callbacks: Sequence[Callback] = (),
    *,
    progress: bool | None = None,
    threshold: float = 0.0,
    clip_grad_norm: float | None = None,
    scheduler_step: str = "epoch",
    device: Any = None,
    history: History | None = None,
    desc: str = "",
    resume: str | os.PathLike | None = None,
    checkpoint_every: int | None = None,
) -> History:
    """Train ``model`` for ``epochs`` and return the :class:`History` of losses and metrics.

    ``metrics``: names (``'accuracy'``, ``'f1_macro'``, ``'r2'``, ``'mae'``, ...) or callables
    ``f(y_true, output)``; computed on the training batches and on ``val_loader``
    (as ``val_<name>``). ``threshold``: the decision threshold for single-output binary
    models (0 for logits). ``scheduler_step``: ``'epoch'`` or ``'batch'``;
    ``ReduceLROnPlateau`` receives ``val_loss`` (or ``loss``).

    ``resume``: a checkpoint file. If it exists, training continues exactly where it was
    saved (model, optimizer, scheduler, history, callbacks, random generators and the
    position in the epoch); the run then ends with the same weights and history as one
    never interrupted. The file is (re)written atomically after every epoch and, with
    ``checkpoint_every=N``, every N steps.
    """
    from .checkpoint import capture_rng, load_checkpoint, restore_rng, save_checkpoint

    if epochs < 0:
        raise ValueError(f"epochs must be >= 0, got {epochs}")
    if scheduler_step not in ("epoch", "batch"):
        raise ValueError(f"scheduler_step must be 'epoch' or 'batch', got '{scheduler_step}'")
    if checkpoint_every is not None and (resume is None or checkpoint_every < 1):
        raise ValueError("checkpoint_every needs resume=PATH and a positive number of steps")
    fw = framework_of(model)
    history = history or History()
    loop = TrainLoop(model, optimizer, history)
    show = _progress_enabled(progress)
    saved = None
    if resume is not None and os.path.exists(resume):
        saved = load_checkpoint(resume, fw)
        model.load_state_dict(saved["model"])
        optimizer.load_state_dict(saved["optimizer"])
        if scheduler is not None and saved["scheduler"] is not None:
            scheduler.load_state_dict(saved["scheduler"])
        history = loop.history = History.from_dict(saved["history"])
        for cb, st in zip(callbacks, saved["callbacks"]):
            cb.load_state_dict(st)
    for cb in callbacks:
        cb.on_train_begin(loop)
    start = saved["epoch"] if saved is not None else len(history.epochs) + 1
    params = [p for p in model.parameters() if p.requires_grad]

    def checkpoint(epoch: int, done: int, partial: dict, rng_start: dict) -> None:
        save_checkpoint(resume, model=model, optimizer=optimizer, scheduler=scheduler,
                        history=history, callbacks=callbacks, epoch=epoch, step_in_epoch=done,
                        partial=partial, rng_epoch_start=rng_start, rng_now=capture_rng(fw, train_loader))

    for epoch in range(start, epochs + 1):
        loop.epoch = epoch
        model.train()
        skip = 0
        partial: dict[str, Any] = {"total": 0.0, "count": 0, "targets": [], "outputs": []}
        if saved is not None and epoch == saved["epoch"]:
            restore_rng(fw, train_loader, saved["rng_epoch_start"])
            skip = saved["step_in_epoch"]
            partial = {k: list(v) if isinstance(v, (list, tuple)) else v for k, v in saved["partial"].items()}
        rng_start = capture_rng(fw, train_loader)
        bar = _bar(train_loader, f"{desc}epoch {epoch}/{epochs}", show)
        done = 0
        for i, batch in enumerate(bar):
            if i < skip:
                continue  # already trained on before the interruption (same shuffle)
            if i == skip and skip:
                restore_rng(fw, train_loader, saved["rng_now"])
            x, y = _split_batch(batch)
            x, y = _to_device(x, device), _to_device(y, device)
            out = model(x)
            loss = loss_fn(out, y)
            optimizer.zero_grad()
            loss.backward()
            if clip_grad_norm is not None:
                fw.nn.utils.clip_grad_norm_(params, clip_grad_norm)
            optimizer.step()
            if scheduler is not None and scheduler_step == "batch":
                scheduler.step()
            value = float(loss.item())
            if not np.isfinite(value):
                raise FloatingPointError(
                    f"the loss became {value} at epoch {epoch} (step {len(history.batch_loss) + 1}): "
                    "lower the learning rate, clip gradients, or check the inputs for NaN"
                )
            n = len(y)
            partial["total"] += value * n
            partial["count"] += n
            history.batch_loss.append(value)
            if metrics:
                partial["targets"].append(to_numpy(y))
                partial["outputs"].append(to_numpy(out))
            if show:
                bar.set_postfix(loss=f"{value:.4f}", refresh=False)
            done = i + 1
            if checkpoint_every and done % checkpoint_every == 0:
                checkpoint(epoch, done, partial, rng_start)
        if skip and done < skip + 1 and saved is not None:
            restore_rng(fw, train_loader, saved["rng_now"])  # nothing left in this epoch
        logs = {"loss": partial["total"] / max(partial["count"], 1)}
        logs.update(_compute_metrics(metrics, partial["targets"], partial["outputs"], "", threshold))
        if val_loader is not None:
            logs.update(evaluate(model, loss_fn, val_loader, metrics, threshold, device, prefix="val_"))
        logs["lr"] = float(optimizer.param_groups[0]["lr"])
        if scheduler is not None and scheduler_step == "epoch":
            if type(scheduler).__name__ == "ReduceLROnPlateau":
                scheduler.step(logs.get("val_loss", logs["loss"]))
            else:
                scheduler.step()
        history.log(epoch, logs)
        for cb in callbacks:
            cb.on_epoch_end(loop, epoch, logs)
        if show:
            line = " ".join(f"{k}={v:.4g}" for k, v in logs.items())
            _write(f"{desc}epoch {epoch}/{epochs}: {line}")
        if resume is not None:
            checkpoint(epoch + 1, 0, {"total": 0.0, "count": 0, "targets": [], "outputs": []},
                       capture_rng(fw, train_loader))
        if loop.stop_training:
            break
    for cb in callbacks:
        cb.on_train_end(loop)
    return history


def _bar(iterable: Iterable, desc: str, show: bool) -> Any:
    if not show:
        return _Silent(iterable)
    from tqdm import tqdm

    return tqdm(iterable, desc=desc, leave=False, dynamic_ncols=True, file=sys.stderr)


def _write(line: str) -> None:
    from tqdm import tqdm

    tqdm.write(line, file=sys.stderr)


class _Silent:
    def __init__(self, iterable: Iterable) -> None:
        self.iterable = iterable

    def __iter__(self) -> Any:
        return iter(self.iterable)

    def set_postfix(self, **kwargs: Any) -> None:
        pass
