"""MNIST-1D (Greydanus, 2020): ten 1-D "digit" templates turned into 40-sample signals.

Each example is one of ten hand-made 12-point templates, padded, randomly translated, scaled,
sheared, mixed with correlated and white noise and resampled to length 40; the whole data set
is then centred and scaled to unit standard deviation. The paper's default arguments give
5,000 examples: 4,000 for training and 1,000 for test. Its reported test accuracies:
logistic regression 32%, MLP 68%, CNN 94%, GRU 91% — small models separate clearly here,
which is what makes it a good benchmark for spatial inductive biases.

The examples are *generated* locally with the ``mnist1d`` package's ``make_dataset`` (never its
``get_dataset``, which tries the network and writes a pickle in the working directory). The
generator seeds Python's and NumPy's global random state; :func:`load_mnist1d` saves and
restores both, so loading the data has no side effect on the caller's randomness. Results are
cached in memory only (per argument set), never on disk.
"""

from __future__ import annotations

import random
from typing import Any

import numpy as np

#: The paper's test accuracies (Greydanus 2020, table 1), for comparison in the labs.
PAPER_ACCURACY: dict[str, float] = {"logistic": 0.32, "mlp": 0.68, "cnn": 0.94, "gru": 0.91}

_CACHE: dict[tuple[Any, ...], tuple[np.ndarray, ...]] = {}


def dataset_args(**overrides: Any) -> dict[str, Any]:
    """The paper's generator arguments (``mnist1d.data.get_dataset_args``) with ``overrides``.

    Defaults: 5,000 samples, ``train_split`` 0.8, ``template_len`` 12, ``padding`` [36, 60],
    ``scale_coeff`` 0.4, ``max_translation`` 48, ``corr_noise_scale`` 0.25,
    ``iid_noise_scale`` 0.02, ``shear_scale`` 0.75, ``final_seq_length`` 40, ``seed`` 42.
    """
    from mnist1d.data import get_dataset_args

    args = dict(get_dataset_args(as_dict=True))
    unknown = set(overrides) - set(args)
    if unknown:
        raise TypeError(f"unknown MNIST-1D argument(s): {sorted(unknown)}; known: {sorted(args)}")
    args.update(overrides)
    args.pop("url", None)  # never used: nothing is downloaded
    return args


def _generate(args: dict[str, Any]) -> tuple[np.ndarray, ...]:
    from mnist1d.data import make_dataset
    from mnist1d.utils import ObjectView

    py_state, np_state = random.getstate(), np.random.get_state()
    try:
        data = make_dataset(ObjectView(dict(args)))
    finally:  # make_dataset reseeds the global generators: put them back as they were
        random.setstate(py_state)
        np.random.set_state(np_state)
    return (np.asarray(data["x"], dtype=np.float32), np.asarray(data["y"], dtype=np.int64),
            np.asarray(data["x_test"], dtype=np.float32), np.asarray(data["y_test"], dtype=np.int64),
            np.asarray(data["t"], dtype=np.float32))


def _cached(args: dict[str, Any]) -> tuple[np.ndarray, ...]:
    key = tuple(sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in args.items()))
    if key not in _CACHE:
        _CACHE[key] = _generate(args)
    return _CACHE[key]


def load_mnist1d(seed: int = 42, num_samples: int = 5000, train_split: float = 0.8,
                 **overrides: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """MNIST-1D as ``(x_train, y_train, x_test, y_test)``.

    ``x`` float32 of shape (n, 40), ``y`` int64 in 0…9. With the defaults (the paper's data set,
    seed 42) that is 4,000 training and 1,000 test examples. ``seed`` and any generator argument
    (see :func:`dataset_args`) give other, equally distributed data sets. The arrays are
    generated once per process and argument set and returned as fresh copies.
    """
    args = dataset_args(seed=seed, num_samples=num_samples, train_split=train_split, **overrides)
    x, y, xt, yt, _ = _cached(args)
    return x.copy(), y.copy(), xt.copy(), yt.copy()


def templates() -> tuple[np.ndarray, np.ndarray]:
    """The ten 12-point templates the digits are made from: ``(x (10, 12), t (12,))``."""
    from mnist1d.data import get_templates

    tpl = get_templates()
    return np.asarray(tpl["x"], dtype=np.float32), np.asarray(tpl["t"], dtype=np.float32)
