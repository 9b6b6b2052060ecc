"""Variable-length sequences for the recurrent layers (``torch.nn.utils.rnn``).

A batch of sequences of different lengths is *packed* time step by time step: ``data`` holds,
for t = 0, 1, …, the rows of every sequence still running at t (longest first), and
``batch_sizes[t]`` says how many there are. With lengths [3, 1]::

    padded (T=3, B=2)        packed data        batch_sizes
    t0: a0 b0                a0 b0 a1 a2        [2, 1, 1]
    t1: a1 .
    t2: a2 .

Sequences must be sorted by decreasing length; with ``enforce_sorted=False`` they are sorted
here and ``sorted_indices`` / ``unsorted_indices`` remember the permutation (results come back
in the caller's order). Packing, padding and their gradients are one row gather each.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, NamedTuple

import numpy as np

from ...autograd.function import run
from ...ops.rnn import GatherRows
from ...tensor import Tensor

__all__ = [
    "PackedSequence", "invert_permutation", "pack_padded_sequence", "pad_packed_sequence",
    "pad_sequence", "unpad_sequence", "pack_sequence", "unpack_sequence",
]


class PackedSequence_(NamedTuple):  # noqa: N801 - PyTorch's name
    data: Tensor
    batch_sizes: Tensor
    sorted_indices: Tensor | None
    unsorted_indices: Tensor | None


class PackedSequence(PackedSequence_):
    """Holds the ``data`` and the list of ``batch_sizes`` of a packed sequence.

    Never build one by hand: use :func:`pack_padded_sequence` or :func:`pack_sequence`.
    ``data`` is (sum of lengths, *), ``batch_sizes`` an int64 tensor with one entry per time
    step; ``sorted_indices`` (or None) is the order the batch was packed in and
    ``unsorted_indices`` its inverse.
    """

    def __new__(cls, data: Any, batch_sizes: Tensor | None = None, sorted_indices: Tensor | None = None,
                unsorted_indices: Tensor | None = None) -> PackedSequence:
        if unsorted_indices is None:
            unsorted_indices = invert_permutation(sorted_indices)
        if batch_sizes is None:
            if not (isinstance(data, (list, tuple)) and len(data) == 2):
                raise AssertionError("Expected data to be a list or tuple of length 2")
            data, batch_sizes = data
        return super().__new__(cls, data, batch_sizes, sorted_indices, unsorted_indices)

    def to(self, *args: Any, **kwargs: Any) -> PackedSequence:
        data = self.data.to(*args, **kwargs)
        if data is self.data:
            return self
        return type(self)(data, self.batch_sizes, self.sorted_indices, self.unsorted_indices)

    def cpu(self, *args: Any, **kwargs: Any) -> PackedSequence:
        return self

    def cuda(self, *args: Any, **kwargs: Any) -> PackedSequence:
        return self.to("cuda")

    def pin_memory(self) -> PackedSequence:
        return self

    def double(self) -> PackedSequence:
        return self.to(dtype=_dt("float64"))

    def float(self) -> PackedSequence:
        return self.to(dtype=_dt("float32"))

    def half(self) -> PackedSequence:
        return self.to(dtype=_dt("float16"))

    def long(self) -> PackedSequence:
        return self.to(dtype=_dt("int64"))

    def int(self) -> PackedSequence:
        return self.to(dtype=_dt("int32"))

    def short(self) -> PackedSequence:
        return self.to(dtype=_dt("int16"))

    def char(self) -> PackedSequence:
        return self.to(dtype=_dt("int8"))

    def byte(self) -> PackedSequence:
        return self.to(dtype=_dt("uint8"))

    @property
    def is_cuda(self) -> bool:
        return False

    def is_pinned(self) -> bool:
        return False


def _dt(name: str) -> Any:
    from ... import _dtype

    return getattr(_dtype, name)


def _long(arr: Any) -> Tensor:
    return Tensor._wrap(np.ascontiguousarray(arr, dtype=np.int64))


def _int_array(t: Any) -> np.ndarray:
    if isinstance(t, Tensor):
        return t._data
    if type(t).__module__.startswith("torch"):
        return t.detach().cpu().numpy()
    return np.asarray(t)


def invert_permutation(permutation: Tensor | None) -> Tensor | None:
    """The inverse permutation: ``out[permutation[i]] = i``."""
    if permutation is None:
        return None
    perm = _int_array(permutation).astype(np.int64, copy=False)
    out = np.empty_like(perm)
    out[perm] = np.arange(perm.size, dtype=np.int64)
    return _long(out)


def _lengths_array(lengths: Any) -> np.ndarray:
    arr = _int_array(lengths)
    if arr.ndim != 1:
        raise RuntimeError(f"'lengths' argument should be a 1D CPU int64 tensor, but got {arr.ndim}D tensor")
    return arr.astype(np.int64)


def _batch_sizes(lengths: np.ndarray) -> np.ndarray:
    """batch_sizes[t] = number of (sorted) sequences longer than t."""
    steps = np.arange(int(lengths.max()) if lengths.size else 0)
    return (lengths[None, :] > steps[:, None]).sum(axis=1).astype(np.int64)


def _lengths_from_batch_sizes(batch_sizes: np.ndarray) -> np.ndarray:
    """lengths[b] = number of steps whose batch size exceeds b (sorted order)."""
    b = int(batch_sizes[0]) if batch_sizes.size else 0
    return (batch_sizes[:, None] > np.arange(b)[None, :]).sum(axis=0).astype(np.int64)


def packed_rows(batch_sizes: np.ndarray, n_batch: int, order: np.ndarray | None = None,
                batch_first: bool = False, n_steps: int | None = None) -> np.ndarray:
    """For each packed row, its row in a padded (T, B) (or (B, T)) array, flattened.

    ``order[s]`` is the padded batch column of sorted sequence s (identity if None).
    """
    t_idx, s_idx = [], []
    for t, n in enumerate(batch_sizes.tolist()):
        t_idx.append(np.full(n, t, np.int64))
        s_idx.append(np.arange(n, dtype=np.int64))
    t_all = np.concatenate(t_idx) if t_idx else np.zeros(0, np.int64)
    s_all = np.concatenate(s_idx) if s_idx else np.zeros(0, np.int64)
    b_all = s_all if order is None else order[s_all]
    if batch_first:
        steps = len(batch_sizes) if n_steps is None else n_steps
        return b_all * steps + t_all
    return t_all * n_batch + b_all


def pack_padded_sequence(input: Tensor, lengths: Any, batch_first: bool = False,
                         enforce_sorted: bool = True) -> PackedSequence:
    """Pack a padded batch (T, B, *) — (B, T, *) with ``batch_first`` — of sequences of the
    given ``lengths``. Unless ``enforce_sorted=False`` the lengths must be decreasing."""
    lens = _lengths_array(lengths)
    batch_dim = 0 if batch_first else 1
    if input.ndim < 2:
        raise RuntimeError(
            f"pack_padded_sequence: expected an input of at least 2 dimensions (T, B, *), got shape "
            f"{list(input.shape)}"
        )
    n_batch, n_steps = input.shape[batch_dim], input.shape[1 - batch_dim]
    sorted_indices = None
    order = None
    if not enforce_sorted:
        order = np.argsort(-lens, kind="stable")
        lens = lens[order]
        sorted_indices = _long(order)
    if lens.size != n_batch:
        raise RuntimeError(
            f"Expected `len(lengths)` to be equal to batch_size, but got {lens.size} (batch_size={n_batch})"
        )
    if lens.size and lens.min() <= 0:
        raise RuntimeError(
            "Length of all samples has to be greater than 0, but found an element in 'lengths' that is <= 0"
        )
    if enforce_sorted and np.any(lens[1:] > lens[:-1]):
        raise RuntimeError(
            "`lengths` array must be sorted in decreasing order when `enforce_sorted` is True. You can "
            "pass `enforce_sorted=False` to pack_padded_sequence and/or pack_sequence to sidestep this "
            "requirement if you do not need ONNX exportability."
        )
    if lens.size and lens.max() > n_steps:
        raise RuntimeError(
            f"pack_padded_sequence: a length of {int(lens.max())} exceeds the {n_steps} time steps of the "
            f"input (shape {list(input.shape)}, batch_first={batch_first})"
        )
    bs = _batch_sizes(lens)
    rows = packed_rows(bs, n_batch, order, batch_first, n_steps)
    data = run(GatherRows(rows, 2, (rows.size,)), input)
    return PackedSequence(data, _long(bs), sorted_indices, None)


def pad_packed_sequence(sequence: PackedSequence, batch_first: bool = False, padding_value: float = 0.0,
                        total_length: int | None = None) -> tuple[Tensor, Tensor]:
    """Undo :func:`pack_padded_sequence`: the padded batch (T, B, *) (or (B, T, *)) in the
    original order, and the lengths (int64). ``total_length`` pads to that many steps."""
    data, batch_sizes, _, unsorted_indices = sequence
    bs = _int_array(batch_sizes).astype(np.int64)
    max_len = bs.size
    if total_length is not None:
        if total_length < max_len:
            raise ValueError(
                "Expected total_length to be at least the length of the longest sequence in input, but "
                f"got total_length={total_length} and max sequence length being {max_len}"
            )
        max_len = total_length
    n_batch = int(bs[0]) if bs.size else 0
    lens = _lengths_from_batch_sizes(bs)
    unsorted = None if unsorted_indices is None else _int_array(unsorted_indices).astype(np.int64)
    offsets = np.concatenate([[0], np.cumsum(bs)[:-1]]).astype(np.int64)
    sorted_pos = np.arange(n_batch) if unsorted is None else unsorted  # output column j <- sorted s
    t = np.arange(max_len)[:, None]
    step_off = np.concatenate([offsets, np.zeros(max_len - bs.size, np.int64)])[:, None]
    idx = np.where(t < lens[sorted_pos][None, :], step_off + sorted_pos[None, :], -1)  # (T, B)
    if batch_first:
        idx = idx.T
    shape = idx.shape
    padded = run(GatherRows(idx.reshape(-1), 1, shape, padding_value), data)
    out_lens = lens if unsorted is None else lens[unsorted]
    return padded, _long(out_lens)


def pad_sequence(sequences: Any, batch_first: bool = False, padding_value: float = 0.0,
                 padding_side: str = "right") -> Tensor:
    """Stack tensors of shape (L_i, *) into (T, B, *) (or (B, T, *)), T = max L_i, filling
    with ``padding_value`` on the right (or the left)."""
    from ...api.shape import cat

    if not isinstance(sequences, Iterable):
        raise RuntimeError(
            f"pad_sequence: Expected iterable for input sequences, but got arg of type: {type(sequences)}"
        )
    seqs = tuple(sequences)
    if padding_side not in ("left", "right"):
        raise RuntimeError(f"Expected padding_side to be one of left or right, but got {padding_side}.")
    if not seqs:
        raise RuntimeError("received an empty list of sequences")
    trailing = tuple(seqs[0].shape[1:])
    for i, s in enumerate(seqs):
        if s.ndim == 0 or tuple(s.shape[1:]) != trailing:
            raise RuntimeError(
                f"pad_sequence: every sequence must have shape (L, {', '.join(map(str, trailing)) or ''}"
                f"{', ' if trailing else ''}*) like the first one {list(seqs[0].shape)}; sequence {i} has "
                f"shape {list(s.shape)}"
            )
    lens = np.array([s.shape[0] for s in seqs], np.int64)
    starts = np.concatenate([[0], np.cumsum(lens)[:-1]]).astype(np.int64)
    max_len = int(lens.max())
    t = np.arange(max_len)[:, None]
    shift = (max_len - lens)[None, :] if padding_side == "left" else 0
    pos = t - shift
    idx = np.where((pos >= 0) & (pos < lens[None, :]), starts[None, :] + pos, -1)  # (T, B)
    if batch_first:
        idx = idx.T
    flat = seqs[0] if len(seqs) == 1 else cat(list(seqs), 0)
    return run(GatherRows(idx.reshape(-1), 1, idx.shape, padding_value), flat)


def unpad_sequence(padded_sequences: Tensor, lengths: Any, batch_first: bool = False) -> list[Tensor]:
    """The list of sequences in a padded batch: ``padded[:lengths[i], i]`` (batch_first:
    ``padded[i, :lengths[i]]``). Unlike PyTorch, the input is not transposed in place."""
    lens = _lengths_array(lengths)
    if batch_first:
        return [padded_sequences[i, :int(n)] for i, n in enumerate(lens)]
    return [padded_sequences[:int(n), i] for i, n in enumerate(lens)]


def pack_sequence(sequences: list[Tensor], enforce_sorted: bool = True) -> PackedSequence:
    """Pack a list of tensors (L_i, *) (decreasing lengths unless ``enforce_sorted=False``)."""
    lengths = [s.shape[0] for s in sequences]
    return pack_padded_sequence(pad_sequence(sequences), lengths, enforce_sorted=enforce_sorted)


def unpack_sequence(packed_sequences: PackedSequence) -> list[Tensor]:
    """The list of tensors a :class:`PackedSequence` holds, in the original order."""
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lengths, batch_first=True)
