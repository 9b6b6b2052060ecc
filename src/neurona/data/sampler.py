"""Samplers: the order in which a :class:`DataLoader` visits a map-style dataset.

A sampler yields indices (``SequentialSampler``: 0, 1, 2, …; ``RandomSampler``: a fresh
permutation every epoch); a :class:`BatchSampler` groups them into lists of ``batch_size``.
Randomness comes from the ``generator`` given, or from the default generator seeded by
``neurona.manual_seed``: the same seed gives the same order, every epoch a new one.

Each built-in sampler also knows its whole epoch as one NumPy array (``_epoch_indices``);
``__iter__`` yields the same indices from it, so the DataLoader's fast path (slicing that
array into batches) and plain iteration see identical batches from the same seed.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Sequence, Sized
from typing import Any, Generic, TypeVar

import numpy as np

from .. import random as _random
from ..tensor import Tensor

__all__ = [
    "BatchSampler",
    "RandomSampler",
    "Sampler",
    "SequentialSampler",
    "SubsetRandomSampler",
    "WeightedRandomSampler",
]

T_co = TypeVar("T_co", covariant=True)


class Sampler(Generic[T_co]):
    """Base class of samplers: subclasses implement ``__iter__`` (and usually ``__len__``)."""

    def __init__(self, data_source: Sized | None = None) -> None:
        pass

    def __iter__(self) -> Iterator[T_co]:
        raise NotImplementedError

    def _epoch_indices(self) -> np.ndarray | None:
        """All of one epoch's indices as an int64 array, or None if unknown (custom samplers)."""
        return None


def _own_epoch(sampler: Any) -> np.ndarray | None:
    """``sampler``'s epoch as an array if it is a built-in sampler whose ``__iter__`` is intact."""
    cls = type(sampler)
    if cls.__iter__ in _ARRAY_ITERS and cls._epoch_indices in _ARRAY_EPOCHS:
        return sampler._epoch_indices()
    return None


def _private_generator(generator: _random.Generator | None) -> np.random.Generator:
    """The NumPy generator to draw one epoch from.

    With no ``generator``, a seed is drawn from the default generator and a private one is
    made from it (as PyTorch does), so the epoch depends on ``manual_seed`` only.
    """
    if generator is not None:
        return _random._np(generator)
    seed = int(_random.default_generator.np.integers(0, 2**63 - 1))
    return np.random.Generator(np.random.PCG64(seed))


class SequentialSampler(Sampler[int]):
    """Indices ``0, 1, …, len(data_source) - 1``, always in that order."""

    data_source: Sized

    def __init__(self, data_source: Sized) -> None:
        self.data_source = data_source

    def __iter__(self) -> Iterator[int]:
        return iter(range(len(self.data_source)))

    def _epoch_indices(self) -> np.ndarray:
        return np.arange(len(self.data_source), dtype=np.int64)

    def __len__(self) -> int:
        return len(self.data_source)


class RandomSampler(Sampler[int]):
    """Indices in random order: a new permutation of ``range(len(data_source))`` every epoch.

    With ``replacement=True`` it draws ``num_samples`` indices uniformly with replacement;
    without, ``num_samples`` (default ``len(data_source)``) may exceed the length, and then
    whole permutations are concatenated (PyTorch's rule).
    """

    data_source: Sized
    replacement: bool

    def __init__(self, data_source: Sized, replacement: bool = False, num_samples: int | None = None,
                 generator: _random.Generator | None = None) -> None:
        self.data_source = data_source
        self.replacement = replacement
        self._num_samples = num_samples
        self.generator = generator
        if not isinstance(self.replacement, bool):
            raise TypeError(f"replacement should be a boolean value, but got replacement={self.replacement}")
        if not isinstance(self.num_samples, int) or self.num_samples <= 0:
            raise ValueError(
                f"num_samples should be a positive integer value, but got num_samples={self.num_samples}"
            )

    @property
    def num_samples(self) -> int:
        """How many indices one epoch yields."""
        if self._num_samples is None:
            return len(self.data_source)
        return self._num_samples

    def _epoch_indices(self) -> np.ndarray:
        n = len(self.data_source)
        rng = _private_generator(self.generator)
        if self.replacement:
            return rng.integers(0, n, size=self.num_samples, dtype=np.int64)
        full, rest = divmod(self.num_samples, n)
        perms = [rng.permutation(n) for _ in range(full)]
        perms.append(rng.permutation(n)[:rest])
        return np.concatenate(perms).astype(np.int64, copy=False)

    def __iter__(self) -> Iterator[int]:
        yield from self._epoch_indices().tolist()

    def __len__(self) -> int:
        return self.num_samples


class SubsetRandomSampler(Sampler[int]):
    """The given ``indices`` in a random order, without replacement, new every epoch."""

    indices: Sequence[int]

    def __init__(self, indices: Sequence[int], generator: _random.Generator | None = None) -> None:
        self.indices = indices
        self.generator = generator

    def _int_indices(self) -> np.ndarray | None:
        """``indices`` as an int64 array, or None if they are not integers (e.g. string keys)."""
        idx = self.indices._data if isinstance(self.indices, Tensor) else self.indices
        try:
            arr = np.asarray(idx)
        except (TypeError, ValueError):
            return None
        if arr.ndim != 1 or arr.dtype.kind not in "iu":
            return None
        return arr.astype(np.int64, copy=False)

    def _epoch_indices(self) -> np.ndarray | None:
        arr = self._int_indices()
        if arr is None:
            return None
        return arr[_random._np(self.generator).permutation(len(self.indices))]

    def __iter__(self) -> Iterator[int]:
        arr = self._int_indices()
        perm = _random._np(self.generator).permutation(len(self.indices))
        if arr is not None:
            yield from arr[perm].tolist()
        else:
            for i in perm.tolist():
                yield self.indices[i]

    def __len__(self) -> int:
        return len(self.indices)


class WeightedRandomSampler(Sampler[int]):
    """Indices ``0 … len(weights)-1`` drawn with probability ``weights[i] / sum(weights)``.

    With ``replacement=False`` an index is drawn at most once per epoch (then
    ``num_samples <= number of non-zero weights``).
    """

    weights: Tensor
    num_samples: int
    replacement: bool

    def __init__(self, weights: Sequence[float], num_samples: int, replacement: bool = True,
                 generator: _random.Generator | None = None) -> None:
        if not isinstance(num_samples, int) or isinstance(num_samples, bool) or num_samples <= 0:
            raise ValueError(
                f"num_samples should be a positive integer value, but got num_samples={num_samples}"
            )
        if not isinstance(replacement, bool):
            raise ValueError(f"replacement should be a boolean value, but got replacement={replacement}")
        w = weights._data if isinstance(weights, Tensor) else weights
        arr = np.array(w, dtype=np.float64)
        if arr.ndim != 1:
            raise ValueError(
                f"weights should be a 1d sequence but given weights have shape {tuple(arr.shape)}"
            )
        self.weights = Tensor._wrap(arr)
        self.num_samples = num_samples
        self.replacement = replacement
        self.generator = generator

    def _epoch_indices(self) -> np.ndarray:
        from ..api.creation import multinomial

        draw = multinomial(self.weights, self.num_samples, self.replacement, generator=self.generator)
        return draw._data

    def __iter__(self) -> Iterator[int]:
        yield from self._epoch_indices().tolist()

    def __len__(self) -> int:
        return self.num_samples


class BatchSampler(Sampler[list[int]]):
    """Groups the indices of ``sampler`` into lists of ``batch_size``.

    ``list(BatchSampler(SequentialSampler(range(10)), 3, drop_last=False))`` is
    ``[[0, 1, 2], [3, 4, 5], [6, 7, 8], [9]]``; with ``drop_last=True`` the short last
    batch is left out.
    """

    def __init__(self, sampler: Sampler[int] | Iterable[int], batch_size: int, drop_last: bool) -> None:
        if not isinstance(batch_size, int) or isinstance(batch_size, bool) or batch_size <= 0:
            raise ValueError(
                f"batch_size should be a positive integer value, but got batch_size={batch_size}"
            )
        if not isinstance(drop_last, bool):
            raise ValueError(f"drop_last should be a boolean value, but got drop_last={drop_last}")
        self.sampler = sampler
        self.batch_size = batch_size
        self.drop_last = drop_last

    def _batch_arrays(self) -> Iterator[np.ndarray] | None:
        """The epoch's batches as index arrays (slices of one array), or None for custom samplers."""
        idx = _own_epoch(self.sampler)
        if idx is None:
            return None
        return self._slices(idx)

    def _slices(self, idx: np.ndarray) -> Iterator[np.ndarray]:
        n, bs = len(idx), self.batch_size
        stop = n - n % bs if self.drop_last else n
        for start in range(0, stop, bs):
            yield idx[start: start + bs]

    def __iter__(self) -> Iterator[list[int]]:
        arrays = self._batch_arrays()
        if arrays is not None:
            for batch in arrays:
                yield batch.tolist()
            return
        sampler_iter = iter(self.sampler)
        if self.drop_last:
            args = [sampler_iter] * self.batch_size
            for batch_droplast in zip(*args):
                yield [*batch_droplast]
        else:
            batch = [*itertools.islice(sampler_iter, self.batch_size)]
            while batch:
                yield batch
                batch = [*itertools.islice(sampler_iter, self.batch_size)]

    def __len__(self) -> int:
        if self.drop_last:
            return len(self.sampler) // self.batch_size  # type: ignore[arg-type]
        return (len(self.sampler) + self.batch_size - 1) // self.batch_size  # type: ignore[arg-type]


_ARRAY_ITERS = {SequentialSampler.__iter__, RandomSampler.__iter__, SubsetRandomSampler.__iter__,
                WeightedRandomSampler.__iter__}
_ARRAY_EPOCHS = {SequentialSampler._epoch_indices, RandomSampler._epoch_indices,
                 SubsetRandomSampler._epoch_indices, WeightedRandomSampler._epoch_indices}
