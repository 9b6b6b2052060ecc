"""DataLoader: batches from a dataset, as ``torch.utils.data.DataLoader``.

``for xb, yb in DataLoader(TensorDataset(X, y), batch_size=32, shuffle=True):`` gives
mini-batches in a new random order every epoch. The pieces are PyTorch's: a *sampler* decides
the order of indices, a :class:`BatchSampler` groups them, the dataset is asked for those
samples and ``collate_fn`` (:func:`default_collate`) turns them into batched tensors.

Differences from PyTorch, all on purpose:

* ``num_workers > 0`` is accepted (with PyTorch's checks on ``prefetch_factor``,
  ``persistent_workers`` and ``timeout``) but loading runs **in-process**, exactly as with
  ``num_workers=0``: there are no worker processes, ``worker_init_fn`` is never called and
  :func:`get_worker_info` returns None. Results are the same batches, in the same order.
* ``pin_memory`` does nothing (there is no accelerator); like PyTorch on a CPU-only machine,
  asking for it warns once per epoch.
* Fast path: for a :class:`TensorDataset` or a Tensor used as the dataset (or a
  :class:`Subset` of either, e.g. from :func:`random_split`) with the default collate, each
  batch is built with one fancy-index per tensor (``X._data[idx]``) instead of ``len(idx)``
  calls to ``__getitem__`` and a stack. The result is identical (same values, dtypes and
  structure: a list of tensors, or one tensor for a Tensor dataset).
* Batched tensors never require grad (collation makes new arrays outside the graph).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Iterable, Iterator
from typing import Any, Generic, TypeVar

import numpy as np

from .. import random as _random
from ..tensor import Tensor
from .collate import default_collate, default_convert
from .dataset import Dataset, IterableDataset, Subset, TensorDataset
from .sampler import BatchSampler, RandomSampler, Sampler, SequentialSampler

__all__ = ["DataLoader", "get_worker_info"]

T_co = TypeVar("T_co", covariant=True)


def get_worker_info() -> None:
    """Information about the current worker process: always None, as data loads in-process."""
    return None


class _DatasetKind:
    Map = 0
    Iterable = 1


class _InfiniteConstantSampler(Sampler[None]):
    """The placeholder sampler of an IterableDataset: yields None forever (as PyTorch)."""

    def __iter__(self) -> Iterator[None]:
        while True:
            yield None


class DataLoader(Generic[T_co]):
    """Iterate over ``dataset`` in batches (``torch.utils.data.DataLoader``, same arguments).

    Args:
        dataset: a map-style :class:`Dataset` (``__getitem__``/``__len__``) or an
            :class:`IterableDataset`.
        batch_size: samples per batch (default 1); ``None`` turns batching off: each
            sample is yielded alone, passed through ``collate_fn`` (default
            :func:`default_convert`).
        shuffle: a new random order every epoch (map-style only), drawn from ``generator``
            or the default generator (``neurona.manual_seed``).
        sampler: the order of indices (excludes ``shuffle``).
        batch_sampler: yields lists of indices (excludes ``batch_size``, ``shuffle``,
            ``sampler`` and ``drop_last``).
        num_workers: accepted for compatibility; loading always runs in-process.
        collate_fn: turns a list of samples into a batch (default :func:`default_collate`).
        pin_memory: accepted; no effect on the CPU.
        drop_last: leave out the last batch if it is smaller than ``batch_size``.
        timeout: accepted (must be 0 with ``num_workers=0``, as in PyTorch).
        worker_init_fn: accepted; never called (there are no worker processes).
        multiprocessing_context: accepted (needs ``num_workers > 0``, as in PyTorch).
        generator: a :class:`neurona.Generator` for the random sampler.
        prefetch_factor: accepted (needs ``num_workers > 0``, as in PyTorch).
        persistent_workers: accepted (needs ``num_workers > 0``, as in PyTorch).

    ``len(loader)`` is the number of batches: ``ceil(n / batch_size)``, or ``floor`` with
    ``drop_last=True``.
    """

    dataset: Dataset[T_co]
    batch_size: int | None
    num_workers: int
    pin_memory: bool
    drop_last: bool
    timeout: float
    sampler: Sampler[Any] | Iterable[Any]
    prefetch_factor: int | None
    __initialized = False

    def __init__(
        self,
        dataset: Dataset[T_co],
        batch_size: int | None = 1,
        shuffle: bool | None = None,
        sampler: Sampler[Any] | Iterable[Any] | None = None,
        batch_sampler: Sampler[list[Any]] | Iterable[list[Any]] | None = None,
        num_workers: int = 0,
        collate_fn: Callable[[list[Any]], Any] | None = None,
        pin_memory: bool = False,
        drop_last: bool = False,
        timeout: float = 0,
        worker_init_fn: Callable[[int], None] | None = None,
        multiprocessing_context: Any = None,
        generator: _random.Generator | None = None,
        *,
        prefetch_factor: int | None = None,
        persistent_workers: bool = False,
        pin_memory_device: str = "",
        in_order: bool = True,
    ) -> None:
        if num_workers < 0:
            raise ValueError(
                "num_workers option should be non-negative; use num_workers=0 to disable multiprocessing."
            )
        if timeout < 0:
            raise ValueError("timeout option should be non-negative")
        if num_workers == 0 and prefetch_factor is not None:
            raise ValueError(
                "prefetch_factor option could only be specified in multiprocessing."
                "let num_workers > 0 to enable multiprocessing, otherwise set prefetch_factor to None."
            )
        elif num_workers > 0 and prefetch_factor is None:
            prefetch_factor = 2
        elif prefetch_factor is not None and prefetch_factor < 0:
            raise ValueError("prefetch_factor option should be non-negative")
        if persistent_workers and num_workers == 0:
            raise ValueError("persistent_workers option needs num_workers > 0")
        if multiprocessing_context is not None and num_workers == 0:
            raise ValueError(
                "multiprocessing_context can only be used with multi-process loading "
                f"(num_workers > 0), but got num_workers={num_workers}"
            )

        self.dataset = dataset
        self.num_workers = num_workers
        self.prefetch_factor = prefetch_factor
        self.pin_memory = pin_memory
        self.pin_memory_device = pin_memory_device
        self.timeout = timeout
        self.worker_init_fn = worker_init_fn
        self.multiprocessing_context = multiprocessing_context
        self.in_order = in_order

        if isinstance(dataset, IterableDataset):
            self._dataset_kind = _DatasetKind.Iterable
            if shuffle not in {False, None}:
                raise ValueError(
                    "DataLoader with IterableDataset: expected unspecified shuffle option, "
                    f"but got shuffle={shuffle}"
                )
            if sampler is not None:
                raise ValueError(
                    "DataLoader with IterableDataset: expected unspecified sampler option, "
                    f"but got sampler={sampler}"
                )
            if batch_sampler is not None:
                raise ValueError(
                    "DataLoader with IterableDataset: expected unspecified batch_sampler option, "
                    f"but got batch_sampler={batch_sampler}"
                )
        else:
            shuffle = bool(shuffle)
            self._dataset_kind = _DatasetKind.Map

        if sampler is not None and shuffle:
            raise ValueError("sampler option is mutually exclusive with shuffle")

        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError(
                    "batch_sampler option is mutually exclusive with batch_size, shuffle, sampler, "
                    "and drop_last"
                )
            batch_size = None
            drop_last = False
        elif batch_size is None and drop_last:
            raise ValueError(
                "batch_size=None option disables auto-batching and is mutually exclusive with drop_last"
            )

        if sampler is None:
            if self._dataset_kind == _DatasetKind.Iterable:
                sampler = _InfiniteConstantSampler()
            elif shuffle:
                sampler = RandomSampler(dataset, generator=generator)  # type: ignore[arg-type]
            else:
                sampler = SequentialSampler(dataset)  # type: ignore[arg-type]

        if batch_size is not None and batch_sampler is None:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)

        self.batch_size = batch_size
        self.drop_last = drop_last
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        self.generator = generator

        if collate_fn is None:
            collate_fn = default_collate if self._auto_collation else default_convert
        self.collate_fn = collate_fn
        self.persistent_workers = persistent_workers
        self.__initialized = True
        self._IterableDataset_len_called: int | None = None

    def __setattr__(self, attr: str, val: Any) -> None:
        if self.__initialized and attr in (
            "batch_size", "batch_sampler", "sampler", "drop_last", "dataset", "persistent_workers"
        ):
            raise ValueError(
                f"{attr} attribute should not be set after {self.__class__.__name__} is initialized"
            )
        super().__setattr__(attr, val)

    @property
    def _auto_collation(self) -> bool:
        return self.batch_sampler is not None

    @property
    def _index_sampler(self) -> Any:
        """What yields the indices: the batch sampler when batching, else the sampler."""
        return self.batch_sampler if self._auto_collation else self.sampler

    def __iter__(self) -> _DataLoaderIter:
        """A new pass over the data (a new random order when shuffling)."""
        return _DataLoaderIter(self)

    def __len__(self) -> int:
        """The number of batches per epoch (samples, when ``batch_size=None``)."""
        if self._dataset_kind == _DatasetKind.Iterable:
            length = self._IterableDataset_len_called = len(self.dataset)  # type: ignore[arg-type]
            if self.batch_size is not None:
                length = length // self.batch_size if self.drop_last else math.ceil(length / self.batch_size)
            return length
        return len(self._index_sampler)

    def check_worker_number_rationality(self) -> None:
        """Nothing to check: no worker processes are started."""


# -- fast path ---------------------------------------------------------------------------------


def _is_plain_tensor_dataset(ds: Any) -> bool:
    cls = type(ds)
    return (isinstance(ds, TensorDataset) and cls.__getitem__ is TensorDataset.__getitem__
            and getattr(cls, "__getitems__", None) is None)


def _is_plain_subset(ds: Any) -> bool:
    cls = type(ds)
    return (isinstance(ds, Subset) and cls.__getitem__ is Subset.__getitem__
            and cls.__getitems__ is Subset.__getitems__)


def _int_array(indices: Any) -> np.ndarray | None:
    """``indices`` as a 1-D int64 array, or None if they are not plain integers."""
    if isinstance(indices, Tensor):
        indices = indices._data
    if isinstance(indices, range):
        return np.arange(indices.start, indices.stop, indices.step, dtype=np.int64)
    try:
        arr = np.asarray(indices)
    except (TypeError, ValueError):
        return None
    if arr.ndim != 1 or (arr.dtype.kind not in "iu" and arr.size):
        return None
    return arr.astype(np.int64, copy=False)


class _TensorFetcher:
    """Builds a batch of a TensorDataset, or of a Tensor used as a dataset (through any plain
    Subsets), by fancy-indexing each tensor once."""

    def __init__(self, tensors: tuple[Tensor, ...], maps: list[np.ndarray], single: bool = False) -> None:
        self.tensors = tensors
        self.maps = maps  # Subset index arrays, outermost first
        self.single = single  # the dataset is one Tensor: its batch is a Tensor, not a list

    @staticmethod
    def plan(dataset: Any) -> _TensorFetcher | None:
        maps: list[np.ndarray] = []
        while _is_plain_subset(dataset):
            arr = _int_array(dataset.indices)
            if arr is None:
                return None
            maps.append(arr)
            dataset = dataset.dataset
        if isinstance(dataset, Tensor) and dataset.ndim > 0:
            return _TensorFetcher((dataset,), maps, single=True)
        if not _is_plain_tensor_dataset(dataset):
            return None
        return _TensorFetcher(dataset.tensors, maps)

    def __call__(self, idx: np.ndarray) -> list[Tensor] | Tensor:
        for m in self.maps:
            idx = m[idx]
        if self.single:
            return Tensor._wrap(self.tensors[0]._data[idx])
        return [Tensor._wrap(t._data[idx]) for t in self.tensors]


def _is_plain_batch_sampler(bs: Any) -> bool:
    cls = type(bs)
    return (isinstance(bs, BatchSampler) and cls.__iter__ is BatchSampler.__iter__
            and cls._batch_arrays is BatchSampler._batch_arrays)


# -- the iterator ------------------------------------------------------------------------------


class _DataLoaderIter:
    """One pass over a DataLoader (what ``iter(loader)`` returns); ``len()`` as the loader's."""

    def __init__(self, loader: DataLoader[Any]) -> None:
        if loader.num_workers == 0 and loader.timeout != 0:
            raise AssertionError("_SingleProcessDataLoaderIter requires timeout == 0")
        if loader.pin_memory:
            warnings.warn(
                "'pin_memory' argument is set as true but no accelerator is found, "
                "then device pinned memory won't be used.",
                stacklevel=3,
            )
        self._loader = loader
        self._dataset = loader.dataset
        self._index_sampler = loader._index_sampler
        self._len_called = loader._IterableDataset_len_called
        self._num_yielded = 0
        self._batches = self._generate()  # runs lazily, from the first next()

    def __iter__(self) -> _DataLoaderIter:
        return self

    def __len__(self) -> int:
        return len(self._index_sampler)

    def __next__(self) -> Any:
        data = next(self._batches)
        self._num_yielded += 1
        loader = self._loader
        if (loader._dataset_kind == _DatasetKind.Iterable and self._len_called is not None
                and self._num_yielded > self._len_called):
            warnings.warn(
                f"Length of IterableDataset {self._dataset} was reported to be {self._len_called}"
                f"(when accessing len(dataloader)), but {self._num_yielded} samples have been fetched. ",
                stacklevel=2,
            )
        return data

    def _generate(self) -> Iterator[Any]:
        loader = self._loader
        if loader._dataset_kind == _DatasetKind.Iterable:
            yield from self._generate_iterable()
        elif loader._auto_collation:
            yield from self._generate_batches()
        else:
            dataset, collate_fn = self._dataset, loader.collate_fn
            for index in iter(loader.sampler):
                yield collate_fn(dataset[index])

    def _generate_batches(self) -> Iterator[Any]:
        loader, dataset = self._loader, self._dataset
        collate_fn = loader.collate_fn
        bs = loader.batch_sampler
        arrays = bs._batch_arrays() if _is_plain_batch_sampler(bs) else None  # type: ignore[union-attr]
        fast = _TensorFetcher.plan(dataset) if collate_fn is default_collate else None
        getitems = getattr(dataset, "__getitems__", None)
        for index in (arrays if arrays is not None else iter(bs)):  # type: ignore[arg-type]
            if fast is not None:
                idx = index if isinstance(index, np.ndarray) else _int_array(index)
                if idx is not None and len(idx):
                    yield fast(idx)
                    continue
            if isinstance(index, np.ndarray):
                index = index.tolist()
            data = getitems(index) if getitems else [dataset[i] for i in index]
            yield collate_fn(data)

    def _generate_iterable(self) -> Iterator[Any]:
        loader = self._loader
        collate_fn = loader.collate_fn
        it = iter(self._dataset)
        if not loader._auto_collation:
            for sample in it:
                yield collate_fn(sample)
            return
        batch_size = loader.batch_size
        while True:
            data = []
            for sample in it:
                data.append(sample)
                if len(data) == batch_size:
                    break
            if not data or (loader.drop_last and len(data) < batch_size):  # type: ignore[operator]
                return
            yield collate_fn(data)
            if len(data) < batch_size:  # type: ignore[operator]
                return
