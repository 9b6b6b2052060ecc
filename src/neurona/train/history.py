"""``History``: the per-epoch values a training run produced, and their plot."""

from __future__ import annotations

from typing import Any


class History:
    """Per-epoch values: ``history['loss']``, ``history['val_accuracy']``, ...

    Also keeps ``batch_loss`` (every step's loss) for smooth curves.
    """

    def __init__(self) -> None:
        self.history: dict[str, list[float]] = {}
        self.batch_loss: list[float] = []
        self.epochs: list[int] = []

    def log(self, epoch: int, values: dict[str, float]) -> None:
        self.epochs.append(epoch)
        for k, v in values.items():
            self.history.setdefault(k, []).append(float(v))

    def __getitem__(self, key: str) -> list[float]:
        return self.history[key]

    def __contains__(self, key: str) -> bool:
        return key in self.history

    def keys(self) -> list[str]:
        return list(self.history)

    def last(self, key: str) -> float:
        return self.history[key][-1]

    def best(self, key: str, mode: str = "auto") -> tuple[int, float]:
        """(epoch, value) of the best value of ``key`` (min for losses/errors, else max)."""
        values = self.history[key]
        if mode == "auto":
            mode = "min" if any(s in key for s in ("loss", "mse", "mae", "err")) else "max"
        pick = min if mode == "min" else max
        v = pick(values)
        return self.epochs[values.index(v)], v

    def to_dict(self) -> dict[str, Any]:
        return {"epochs": list(self.epochs), "history": {k: list(v) for k, v in self.history.items()},
                "batch_loss": list(self.batch_loss)}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> History:
        h = cls()
        h.epochs = [int(e) for e in d.get("epochs", [])]
        h.history = {k: [float(x) for x in v] for k, v in d.get("history", {}).items()}
        h.batch_loss = [float(x) for x in d.get("batch_loss", [])]
        return h

    def plot(self, metrics: list[str] | None = None, ax: Any = None, title: str | None = None) -> Any:
        """Draw each metric against the epoch (training solid, validation dashed); one panel
        for losses and one for the other metrics. Returns the matplotlib figure."""
        import matplotlib.pyplot as plt

        keys = metrics or [k for k in self.history if not k.startswith("lr")]
        loss_keys = [k for k in keys if "loss" in k]
        other = [k for k in keys if k not in loss_keys]
        if ax is None:
            fig, axes = plt.subplots(1, 2 if other and loss_keys else 1,
                                     figsize=(11 if other and loss_keys else 6, 4), squeeze=False)
            axes = list(axes[0])
        else:
            fig, axes = ax.figure, [ax, ax]
        panels = [(loss_keys, "loss"), (other, "metric")] if loss_keys and other else \
            [(loss_keys or other, "loss" if loss_keys else "metric")]
        for a, (group, label) in zip(axes, panels):
            for k in group:
                a.plot(self.epochs, self.history[k], "--" if k.startswith("val_") else "-", label=k)
            a.set_xlabel("epoch")
            a.set_ylabel(label)
            a.grid(alpha=0.3)
            a.legend()
        if title:
            fig.suptitle(title)
        fig.tight_layout()
        return fig

    def __repr__(self) -> str:
        last = ", ".join(f"{k}={v[-1]:.4g}" for k, v in self.history.items())
        return f"History(epochs={len(self.epochs)}, {last})"
