"""Metrics from scikit-learn, accepting tensors of either engine (or arrays, or lists).

Classification metrics take class labels; ``labels_from_output`` turns a model's output
into labels (argmax of logits or probabilities over classes; a threshold for a single
binary output).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np


def to_numpy(x: Any) -> np.ndarray:
    """A neurona or torch tensor (or anything array-like) as an ndarray, outside any graph."""
    data = getattr(x, "_data", None)
    if isinstance(data, np.ndarray):
        return data
    if hasattr(x, "detach"):
        return x.detach().cpu().numpy()
    return np.asarray(x)


def labels_from_output(output: Any, threshold: float = 0.0) -> np.ndarray:
    """Class labels from model outputs: argmax over dim 1 for (N, C), C > 1; else
    ``output > threshold`` (0 for logits, use 0.5 for probabilities)."""
    out = to_numpy(output)
    if out.ndim >= 2 and out.shape[1] > 1:
        return out.argmax(axis=1)
    return (out.reshape(out.shape[0], -1)[:, 0] > threshold).astype(np.int64) if out.ndim else out


def accuracy(y_true: Any, y_pred: Any) -> float:
    """Fraction of labels predicted exactly."""
    from sklearn.metrics import accuracy_score

    return float(accuracy_score(to_numpy(y_true).reshape(-1), to_numpy(y_pred).reshape(-1)))


def _prf(kind: str, average: str) -> Callable[[Any, Any], float]:
    def metric(y_true: Any, y_pred: Any) -> float:
        from sklearn import metrics as skm

        fn = {"precision": skm.precision_score, "recall": skm.recall_score, "f1": skm.f1_score}[kind]
        return float(fn(to_numpy(y_true).reshape(-1), to_numpy(y_pred).reshape(-1), average=average,
                        zero_division=0))

    metric.__name__ = f"{kind}_{average}"
    metric.__doc__ = f"{kind.capitalize()} ({average} average over classes)."
    return metric


precision_macro = _prf("precision", "macro")
precision_micro = _prf("precision", "micro")
recall_macro = _prf("recall", "macro")
recall_micro = _prf("recall", "micro")
f1_macro = _prf("f1", "macro")
f1_micro = _prf("f1", "micro")


def confusion_matrix(y_true: Any, y_pred: Any, labels: Any = None) -> np.ndarray:
    """Counts C[i, j] of samples of class i predicted as j."""
    from sklearn.metrics import confusion_matrix as cm

    return cm(to_numpy(y_true).reshape(-1), to_numpy(y_pred).reshape(-1), labels=labels)


def classification_report(y_true: Any, y_pred: Any, **kwargs: Any) -> str:
    from sklearn.metrics import classification_report as cr

    return cr(to_numpy(y_true).reshape(-1), to_numpy(y_pred).reshape(-1), zero_division=0, **kwargs)


def r2(y_true: Any, y_pred: Any) -> float:
    """Coefficient of determination R² = 1 − SS_res/SS_tot."""
    from sklearn.metrics import r2_score

    return float(r2_score(to_numpy(y_true).reshape(len(to_numpy(y_true)), -1),
                          to_numpy(y_pred).reshape(len(to_numpy(y_pred)), -1)))


def mae(y_true: Any, y_pred: Any) -> float:
    """Mean absolute error."""
    from sklearn.metrics import mean_absolute_error

    return float(mean_absolute_error(to_numpy(y_true).reshape(-1), to_numpy(y_pred).reshape(-1)))


def mse(y_true: Any, y_pred: Any) -> float:
    """Mean squared error."""
    from sklearn.metrics import mean_squared_error

    return float(mean_squared_error(to_numpy(y_true).reshape(-1), to_numpy(y_pred).reshape(-1)))


# name -> (function, needs class labels)
REGISTRY: dict[str, tuple[Callable[[Any, Any], float], bool]] = {
    "accuracy": (accuracy, True),
    "precision_macro": (precision_macro, True), "precision_micro": (precision_micro, True),
    "recall_macro": (recall_macro, True), "recall_micro": (recall_micro, True),
    "f1_macro": (f1_macro, True), "f1_micro": (f1_micro, True),
    "r2": (r2, False), "mae": (mae, False), "mse": (mse, False),
}


def resolve(metric: str | Callable) -> tuple[str, Callable[[Any, Any], float], bool]:
    """(name, function, needs_labels) for a metric name or a callable(y_true, output)."""
    if callable(metric):
        return getattr(metric, "__name__", "metric"), metric, False
    if metric not in REGISTRY:
        raise ValueError(f"unknown metric '{metric}'; choose from {sorted(REGISTRY)} or pass a callable")
    fn, labels = REGISTRY[metric]
    return metric, fn, labels
