"""neurona.data (= neurona.utils.data) against torch.utils.data.

Deterministic behaviour (sequential batching, drop_last, collation structure and dtypes,
lengths, random_split sizes, error types) is compared with PyTorch; randomness (different
bit streams) is checked by contract: seeded reproducibility, permutations, frequencies.
"""

from __future__ import annotations

import time
import warnings
from collections import namedtuple
from collections.abc import Mapping

import numpy as np
import pytest
import torch
import torch.utils.data as tud

import neurona as nt
import neurona.utils.data
from neurona.data import collate as ncollate
from neurona.data import dataloader as ndl
from neurona.utils.data import (
    BatchSampler,
    ChainDataset,
    ConcatDataset,
    DataLoader,
    Dataset,
    IterableDataset,
    RandomSampler,
    SequentialSampler,
    StackDataset,
    Subset,
    SubsetRandomSampler,
    TensorDataset,
    WeightedRandomSampler,
    default_collate,
    default_convert,
    random_split,
)

Point = namedtuple("Point", ["x", "y"])


# -- helpers -----------------------------------------------------------------------------------


def assert_same(nb, tb, path="batch"):
    """``nb`` (neurona) has ``tb``'s (torch) structure, container types, dtypes and values."""
    if isinstance(tb, torch.Tensor):
        assert isinstance(nb, nt.Tensor), f"{path}: {type(nb)} is not a Tensor"
        assert str(nb.dtype).split(".")[-1] == str(tb.dtype).split(".")[-1], f"{path}: dtype"
        assert tuple(nb.shape) == tuple(tb.shape), f"{path}: shape"
        np.testing.assert_array_equal(nb.numpy(), tb.numpy(), err_msg=path)
        assert not nb.requires_grad
    elif isinstance(tb, Mapping):
        assert type(nb) is type(tb) and list(nb) == list(tb), path
        for k in tb:
            assert_same(nb[k], tb[k], f"{path}[{k!r}]")
    elif isinstance(tb, (list, tuple)):
        assert type(nb).__name__ == type(tb).__name__, f"{path}: {type(nb)} vs {type(tb)}"
        assert len(nb) == len(tb), path
        for i, (a, b) in enumerate(zip(nb, tb)):
            assert_same(a, b, f"{path}[{i}]")
    elif isinstance(tb, np.ndarray):
        np.testing.assert_array_equal(nb, tb)
    else:
        assert type(nb) is type(tb) and nb == tb, f"{path}: {nb!r} vs {tb!r}"


def both_loaders(make_ds, **kw):
    """The same DataLoader on each engine; ``make_ds(module)`` builds the dataset."""
    return DataLoader(make_ds(nt), **kw), tud.DataLoader(make_ds(torch), **kw)


def xy(m, n=10, d=3):
    X = m.tensor(np.arange(n * d, dtype=np.float32).reshape(n, d))
    y = m.tensor(np.arange(n) % 3)
    return m.utils.data.TensorDataset(X, y) if m is torch else TensorDataset(X, y)


class ListDS(Dataset):
    def __init__(self, items):
        self.items = items

    def __getitem__(self, i):
        return self.items[i]

    def __len__(self):
        return len(self.items)


class TorchListDS(tud.Dataset):
    def __init__(self, items):
        self.items = items

    def __getitem__(self, i):
        return self.items[i]

    def __len__(self):
        return len(self.items)


def nested_samples(m, n=5):
    """Samples mixing every type default_collate handles, for engine ``m``."""
    out = []
    for i in range(n):
        out.append({
            "t": m.tensor([[i, i + 1.0]]),
            "ti": m.tensor([i, 2 * i]),
            "np": np.full((2,), i, dtype=np.float64),
            "npi32": np.full((1, 2), i, dtype=np.int32),
            "scal": np.float32(i) / 2,
            "i": i,
            "f": i / 4,
            "b": i % 2 == 0,
            "s": f"s{i}",
            "bytes": b"x",
            "tup": (i, f"w{i}", [i * 1.5, m.tensor(i)]),
            "pt": Point(i, m.tensor([i, i], dtype=m.float64)),
        })
    return out


# -- import paths ------------------------------------------------------------------------------


def test_import_paths():
    from neurona.data import DataLoader as DL2

    assert DataLoader is DL2 is neurona.utils.data.DataLoader
    assert set(neurona.utils.data.__all__) >= {"DataLoader", "TensorDataset", "random_split"}
    for name in ("Dataset", "TensorDataset", "DataLoader", "Subset", "ConcatDataset", "random_split",
                 "RandomSampler", "SequentialSampler", "BatchSampler", "WeightedRandomSampler",
                 "SubsetRandomSampler", "default_collate", "default_convert", "IterableDataset"):
        assert hasattr(tud, name) and hasattr(neurona.utils.data, name), name


# -- sequential batching against torch ---------------------------------------------------------


@pytest.mark.parametrize("n", [1, 7, 10, 12])
@pytest.mark.parametrize("batch_size", [1, 3, 4, 64])
@pytest.mark.parametrize("drop_last", [False, True])
def test_sequential_batches_match_torch(n, batch_size, drop_last):
    nl, tl = both_loaders(lambda m: xy(m, n), batch_size=batch_size, drop_last=drop_last)
    assert len(nl) == len(tl)
    nb, tb = list(nl), list(tl)
    assert len(nb) == len(tb) == len(nl)
    assert_same(nb, tb)


def test_batch_size_none_matches_torch():
    nl, tl = both_loaders(lambda m: xy(m, 4), batch_size=None)
    assert len(nl) == len(tl) == 4
    assert_same(list(nl), list(tl))
    items = [np.arange(3), (np.float32(2.0), "a"), {"k": np.ones(2, np.int32)}, 5]
    nl, tl = DataLoader(ListDS(items), batch_size=None), tud.DataLoader(TorchListDS(items), batch_size=None)
    assert_same(list(nl), list(tl))


def test_list_dataset_of_python_scalars_matches_torch():
    items = [(i, i * 0.5, bool(i % 2)) for i in range(7)]
    nl = DataLoader(ListDS(items), batch_size=3)
    tl = tud.DataLoader(TorchListDS(items), batch_size=3)
    assert_same(list(nl), list(tl))
    first = list(nl)[0]
    exact = default_collate([0.1, 1 / 3, 2.0**40 + 0.5])
    assert exact.tolist() == [0.1, 1 / 3, 2.0**40 + 0.5] and exact.dtype == nt.float64
    assert first[0].dtype == nt.int64 and first[1].dtype == nt.float64 and first[2].dtype == nt.bool


# -- collation ---------------------------------------------------------------------------------


def test_default_collate_nested_matches_torch():
    nb = default_collate(nested_samples(nt))
    tb = tud.default_collate(nested_samples(torch))
    assert_same(nb, tb)
    assert isinstance(nb["pt"], Point)
    assert nb["s"] == ["s0", "s1", "s2", "s3", "s4"]
    assert nb["tup"][1] == ("w0", "w1", "w2", "w3", "w4")  # strings in a transposed tuple stay a tuple
    assert nb["np"].dtype == nt.float64 and nb["npi32"].dtype == nt.int32 and nb["scal"].dtype == nt.float32


def test_default_collate_through_loader_matches_torch():
    nl = DataLoader(ListDS(nested_samples(nt, 7)), batch_size=3)
    tl = tud.DataLoader(TorchListDS(nested_samples(torch, 7)), batch_size=3)
    assert_same(list(nl), list(tl))


@pytest.mark.parametrize("batch", [
    [0, 1, 2, 3], ["a", "b"], [{"A": 0, "B": 1}, {"A": 100, "B": 100}], [Point(0, 0), Point(1, 1)],
    [(0, 1), (2, 3)], [[0, 1], [2, 3]], [1.5, 2], [True, False], [np.int64(3), np.int64(4)],
    [np.float16(1), np.float16(2)], [np.array([1, 2], np.uint8), np.array([3, 4], np.uint8)],
])
def test_default_collate_examples_match_torch(batch):
    assert_same(default_collate(batch), tud.default_collate(batch))


def test_collate_mixed_dtypes_promote_like_torch_stack():
    nb = default_collate([nt.tensor([1, 2]), nt.tensor([1.0, 2.0])])
    tb = tud.default_collate([torch.tensor([1, 2]), torch.tensor([1.0, 2.0])])
    assert_same(nb, tb)
    assert nb.dtype == nt.float32


@pytest.mark.parametrize("data", [
    np.arange(3), np.float64(2.5), np.int32(3), (np.arange(2), "s"), [np.ones(2), 1],
    {"a": np.zeros((2, 2), np.float32), "b": "x"}, Point(np.array(0), np.array(1)), 7, "text",
    np.array(["a", "b"]),
])
def test_default_convert_matches_torch(data):
    assert_same(default_convert(data), tud.default_convert(data))


def test_default_convert_passes_tensors_through():
    t = nt.ones(2)
    assert default_convert(t) is t


def test_collate_unequal_shapes_error_names_them():
    with pytest.raises(RuntimeError) as tr:
        tud.default_collate([torch.zeros(3), torch.zeros(2)])
    with pytest.raises(RuntimeError) as nr:
        default_collate([nt.zeros(3), nt.zeros(2)])
    assert str(nr.value) == str(tr.value)
    assert "[3]" in str(nr.value) and "[2]" in str(nr.value)
    with pytest.raises(RuntimeError, match=r"\[2, 2\] at entry 0 and \[3, 2\] at entry 2"):
        default_collate([np.zeros((2, 2)), np.zeros((2, 2)), np.zeros((3, 2))])
    with pytest.raises(RuntimeError, match="equal size"):
        tud.default_collate([(1, 2), (1, 2, 3)])
    with pytest.raises(RuntimeError, match="equal size"):
        default_collate([(1, 2), (1, 2, 3)])


@pytest.mark.parametrize("batch", [[object(), object()], [np.array(["a"]), np.array(["b"])], [None]])
def test_collate_unsupported_types_raise_typeerror(batch):
    with pytest.raises(TypeError):
        tud.default_collate(batch)
    with pytest.raises(TypeError, match="default_collate: batch must contain"):
        default_collate(batch)


def test_collated_tensors_do_not_require_grad_and_keep_dtype():
    X = nt.randn(6, 2, dtype=nt.float64).requires_grad_()
    y = nt.tensor([0, 1, 0, 1, 1, 0])
    for collate_fn in (None, lambda b: default_collate(b)):
        for xb, yb in DataLoader(TensorDataset(X, y), batch_size=4, collate_fn=collate_fn):
            assert not xb.requires_grad and xb.grad_fn is None
            assert xb.dtype == nt.float64 and yb.dtype == nt.int64
    xb = default_collate([X[0], X[1]])
    assert not xb.requires_grad


# -- the TensorDataset fast path ---------------------------------------------------------------


def _dtype_dataset(n=37):
    rng = np.random.default_rng(0)
    return TensorDataset(
        nt.tensor(rng.standard_normal((n, 3, 2)).astype(np.float32)),
        nt.tensor(rng.integers(0, 5, n)),
        nt.tensor(rng.standard_normal(n)),  # float64
        nt.tensor(rng.random(n) > 0.5),
        nt.tensor(rng.integers(0, 255, (n, 4)).astype(np.uint8)),
    )


def _slow(batch):
    return default_collate(batch)  # not default_collate itself: forces the per-row path


@pytest.mark.parametrize("kw", [
    dict(batch_size=5), dict(batch_size=8, drop_last=True), dict(batch_size=1),
    dict(batch_size=6, shuffle=True), dict(batch_size=100),
    dict(sampler=RandomSampler(range(37), replacement=True, num_samples=50), batch_size=7),
    dict(batch_sampler=[[3, 1, 4], [1, 5, 9, 2, 6], [-1, 0]]),
    dict(sampler=SubsetRandomSampler([0, 5, 7, 11, 30]), batch_size=2),
])
def test_fast_path_equals_slow_path(kw):
    ds = _dtype_dataset()
    fast = DataLoader(ds, generator=nt.Generator().manual_seed(3) if kw.get("shuffle") else None, **kw)
    slow = DataLoader(ds, collate_fn=_slow,
                      generator=nt.Generator().manual_seed(3) if kw.get("shuffle") else None, **kw)
    nt.manual_seed(11)
    fb = list(fast)
    nt.manual_seed(11)
    sb = list(slow)
    assert len(fb) == len(sb) > 0
    for a, b in zip(fb, sb):
        assert isinstance(a, list) and isinstance(b, list) and len(a) == len(b) == 5
        for ta, tb in zip(a, b):
            assert ta.dtype == tb.dtype and ta.shape == tb.shape
            np.testing.assert_array_equal(ta.numpy(), tb.numpy())
            assert not ta.requires_grad


def test_fast_path_through_subsets_equals_slow_path():
    ds = _dtype_dataset(40)
    train, val = random_split(ds, [0.75, 0.25], generator=nt.Generator().manual_seed(0))
    inner = Subset(train, list(range(0, 30, 2)))
    for sub in (train, val, inner):
        g1, g2 = nt.Generator().manual_seed(5), nt.Generator().manual_seed(5)
        fb = list(DataLoader(sub, batch_size=4, shuffle=True, generator=g1))
        sb = list(DataLoader(sub, batch_size=4, shuffle=True, generator=g2, collate_fn=_slow))
        assert len(fb) == len(sb)
        for a, b in zip(fb, sb):
            for ta, tb in zip(a, b):
                np.testing.assert_array_equal(ta.numpy(), tb.numpy())
                assert ta.dtype == tb.dtype


def test_fast_path_is_used_and_is_fast(monkeypatch):
    n = 50_000
    ds = TensorDataset(nt.randn(n, 20), nt.randint(0, 10, (n,)))
    calls = {"n": 0}
    orig = nt.Tensor.__getitem__

    def counting(self, idx):
        calls["n"] += 1
        return orig(self, idx)

    monkeypatch.setattr(nt.Tensor, "__getitem__", counting)
    loader = DataLoader(ds, batch_size=64, shuffle=True)
    t0 = time.perf_counter()
    total = sum(len(yb) for _, yb in loader)
    elapsed = time.perf_counter() - t0
    assert total == n and calls["n"] == 0  # never indexed row by row
    assert elapsed < 1.0, elapsed  # ~10 ms on a laptop; row-by-row takes seconds


def test_subclassed_tensor_dataset_uses_its_getitem():
    class Doubled(TensorDataset):
        def __getitem__(self, i):
            x, y = super().__getitem__(i)
            return x * 2, y

    ds = Doubled(nt.arange(6.0).reshape(3, 2), nt.arange(3))
    xb, yb = next(iter(DataLoader(ds, batch_size=3)))
    np.testing.assert_array_equal(xb.numpy(), np.arange(6.0).reshape(3, 2) * 2)


# -- shuffling and seeds -----------------------------------------------------------------------


def _order(loader):
    return [yb.tolist() for _, yb in loader]


def _ids_ds(n=50):
    return TensorDataset(nt.zeros(n, 1), nt.arange(n))


def test_shuffle_with_generator_is_reproducible_and_changes_per_epoch():
    ds = _ids_ds()
    g = nt.Generator().manual_seed(42)
    loader = DataLoader(ds, batch_size=8, shuffle=True, generator=g)
    e1, e2 = _order(loader), _order(loader)
    assert e1 != e2
    for e in (e1, e2):
        assert sorted(sum(e, [])) == list(range(50))
    g.manual_seed(42)
    assert _order(loader) == e1 and _order(loader) == e2
    other = DataLoader(ds, batch_size=8, shuffle=True, generator=nt.Generator().manual_seed(42))
    assert _order(other) == e1
    assert _order(DataLoader(ds, batch_size=8, shuffle=True, generator=nt.Generator().manual_seed(7))) != e1


def test_shuffle_with_manual_seed_is_reproducible():
    ds = _ids_ds()
    nt.manual_seed(0)
    loader = DataLoader(ds, batch_size=10, shuffle=True)
    e1, e2 = _order(loader), _order(loader)
    assert e1 != e2
    nt.manual_seed(0)
    assert _order(DataLoader(ds, batch_size=10, shuffle=True)) == e1
    assert _order(loader) == e2


def test_shuffle_order_is_the_same_for_any_batch_size_and_path():
    ds = _ids_ds(23)
    orders = []
    for bs, collate in ((1, None), (5, None), (5, _slow), (23, None)):
        loader = DataLoader(ds, batch_size=bs, shuffle=True, collate_fn=collate,
                            generator=nt.Generator().manual_seed(1))
        orders.append(sum(_order(loader), []))
    assert all(o == orders[0] for o in orders)
    plain = list(RandomSampler(ds, generator=nt.Generator().manual_seed(1)))
    assert plain == orders[0]


def test_shuffle_is_roughly_uniform():
    ds = _ids_ds(5)
    counts = np.zeros((5, 5))
    loader = DataLoader(ds, batch_size=5, shuffle=True, generator=nt.Generator().manual_seed(0))
    for _ in range(2000):
        (_, yb), = list(loader)
        counts[np.arange(5), yb.numpy()] += 1
    assert np.all(np.abs(counts / 2000 - 0.2) < 0.05)


def test_num_workers_runs_in_process_with_same_batches():
    ds = _ids_ds(20)
    a = DataLoader(ds, batch_size=4, shuffle=True, generator=nt.Generator().manual_seed(2), num_workers=2,
                   prefetch_factor=4, persistent_workers=True, worker_init_fn=lambda i: 1 / 0)
    b = DataLoader(ds, batch_size=4, shuffle=True, generator=nt.Generator().manual_seed(2))
    assert a.prefetch_factor == 4
    assert _order(a) == _order(b)
    assert DataLoader(ds, num_workers=3).prefetch_factor == 2
    assert neurona.utils.data.get_worker_info() is None


# -- samplers ----------------------------------------------------------------------------------


def test_sequential_and_batch_sampler_match_torch():
    assert list(SequentialSampler(range(5))) == list(tud.SequentialSampler(range(5)))
    for bs in (1, 3, 4, 10, 11):
        for drop in (False, True):
            for src in (range(10), [5, 3, 8, 1, 9, 2, 7], iter(range(10))):
                src2 = iter(range(10)) if not isinstance(src, (range, list)) else src
                nb = BatchSampler(src, bs, drop)
                tb = tud.BatchSampler(src2, bs, drop)
                assert list(nb) == list(tb)
            assert len(BatchSampler(range(10), bs, drop)) == len(tud.BatchSampler(range(10), bs, drop))


def test_random_sampler_lengths_and_replacement():
    g = nt.Generator().manual_seed(0)
    s = RandomSampler(range(10), generator=g)
    assert len(s) == 10 and sorted(s) == list(range(10))
    s = RandomSampler(range(4), num_samples=10, generator=g)
    idx = list(s)
    assert len(s) == len(idx) == 10
    assert sorted(idx[:4]) == sorted(idx[4:8]) == [0, 1, 2, 3] and len(set(idx[8:])) == 2
    s = RandomSampler(range(3), replacement=True, num_samples=6000, generator=g)
    idx = np.array(list(s))
    assert len(idx) == 6000 and set(idx.tolist()) == {0, 1, 2}
    assert np.all(np.abs(np.bincount(idx) / 6000 - 1 / 3) < 0.03)
    assert all(isinstance(i, int) for i in RandomSampler(range(3), generator=g))


def test_subset_random_sampler():
    idx = [10, 3, 7, 42, 5]
    s = SubsetRandomSampler(idx, generator=nt.Generator().manual_seed(0))
    a, b = list(s), list(s)
    assert sorted(a) == sorted(b) == sorted(idx) and len(s) == 5
    assert list(SubsetRandomSampler(idx, generator=nt.Generator().manual_seed(0))) == a
    firsts = np.bincount([next(iter(s)) for _ in range(3000)], minlength=43)[idx] / 3000
    assert np.all(np.abs(firsts - 0.2) < 0.05)
    keys = SubsetRandomSampler(["a", "b", "c"], generator=nt.Generator().manual_seed(0))
    assert sorted(keys) == ["a", "b", "c"]
    assert sorted(SubsetRandomSampler(nt.tensor([4, 2]))) == [2, 4]


def test_weighted_random_sampler_statistics():
    w = [1.0, 0.0, 3.0, 4.0]
    s = WeightedRandomSampler(w, 40_000, generator=nt.Generator().manual_seed(0))
    idx = np.array(list(s))
    assert len(s) == len(idx) == 40_000
    freq = np.bincount(idx, minlength=4) / len(idx)
    np.testing.assert_allclose(freq, np.array(w) / 8, atol=0.01)
    assert freq[1] == 0
    s = WeightedRandomSampler(nt.tensor([0.1, 5.0, 0.0, 2.0, 1.0]), 4, replacement=False)
    for _ in range(20):
        idx = list(s)
        assert len(set(idx)) == 4 and 2 not in idx
    assert s.weights.dtype == nt.float64
    g1, g2 = nt.Generator().manual_seed(9), nt.Generator().manual_seed(9)
    assert list(WeightedRandomSampler(w, 20, generator=g1)) == list(
        WeightedRandomSampler(w, 20, generator=g2))
    loader = DataLoader(_ids_ds(4), batch_size=10, sampler=WeightedRandomSampler(w, 10))
    assert len(loader) == 1 and 1 not in next(iter(loader))[1].tolist()


@pytest.mark.parametrize("make", [
    lambda m: m.RandomSampler(range(3), replacement=1),
    lambda m: m.RandomSampler(range(3), num_samples=0),
    lambda m: m.RandomSampler([]),
    lambda m: m.WeightedRandomSampler([1.0, 2.0], 0),
    lambda m: m.WeightedRandomSampler([1.0, 2.0], True),
    lambda m: m.WeightedRandomSampler([1.0, 2.0], 3, replacement="yes"),
    lambda m: m.WeightedRandomSampler([[1.0, 2.0]], 1),
    lambda m: m.BatchSampler(range(3), 0, False),
    lambda m: m.BatchSampler(range(3), 2.0, False),
    lambda m: m.BatchSampler(range(3), 2, None),
])
def test_sampler_argument_errors_match_torch(make):
    with pytest.raises(Exception) as te:
        make(tud)
    with pytest.raises(type(te.value)) as ne:
        make(neurona.utils.data)
    assert str(ne.value) == str(te.value)


# -- DataLoader arguments ----------------------------------------------------------------------


class NumStream(IterableDataset):
    def __init__(self, n, with_len=True):
        self.n, self.with_len = n, with_len

    def __iter__(self):
        return iter(range(self.n))

    def __len__(self):
        return self.n


class TorchNumStream(tud.IterableDataset):
    def __init__(self, n):
        self.n = n

    def __iter__(self):
        return iter(range(self.n))

    def __len__(self):
        return self.n


@pytest.mark.parametrize("kw", [
    dict(shuffle=True, sampler=[0, 1]),
    dict(batch_sampler=[[0]], batch_size=2),
    dict(batch_sampler=[[0]], shuffle=True),
    dict(batch_sampler=[[0]], sampler=[0]),
    dict(batch_sampler=[[0]], drop_last=True),
    dict(batch_size=None, drop_last=True),
    dict(num_workers=-1),
    dict(timeout=-1),
    dict(prefetch_factor=2),
    dict(num_workers=2, prefetch_factor=-1),
    dict(persistent_workers=True),
    dict(multiprocessing_context="spawn"),
    dict(batch_size=0),
    dict(batch_size=-2),
])
def test_dataloader_argument_errors_match_torch(kw):
    with pytest.raises(Exception) as te:
        tud.DataLoader(xy(torch, 4), **kw)
    with pytest.raises(type(te.value)) as ne:
        DataLoader(xy(nt, 4), **kw)
    assert str(ne.value) == str(te.value)


@pytest.mark.parametrize("kw", [dict(shuffle=True), dict(sampler=[0]), dict(batch_sampler=[[0]])])
def test_iterable_dataset_argument_errors_match_torch(kw):
    with pytest.raises(ValueError):
        tud.DataLoader(TorchNumStream(3), **kw)
    with pytest.raises(ValueError, match="IterableDataset"):
        DataLoader(NumStream(3), **kw)


@pytest.mark.parametrize("n", [0, 1, 6, 7])
@pytest.mark.parametrize("kw", [dict(batch_size=3), dict(batch_size=3, drop_last=True), dict(batch_size=None),
                                dict(batch_size=1), dict(batch_size=10)])
def test_iterable_dataset_matches_torch(n, kw):
    nl, tl = DataLoader(NumStream(n), **kw), tud.DataLoader(TorchNumStream(n), **kw)
    assert len(nl) == len(tl)
    assert_same(list(nl), list(tl))
    assert_same(list(nl), list(tl))  # a second epoch restarts the stream


def test_iterable_dataset_longer_than_reported_warns():
    class Liar(NumStream):
        def __len__(self):
            return 2

    loader = DataLoader(Liar(4), batch_size=None)
    assert len(loader) == 2
    with pytest.warns(UserWarning, match="Length of IterableDataset"):
        assert len(list(loader)) == 4


def test_custom_sampler_and_batch_sampler_match_torch():
    order = [9, 0, 4, 4, 2]
    nl, tl = both_loaders(xy, sampler=order, batch_size=2)
    assert len(nl) == len(tl) == 3
    assert_same(list(nl), list(tl))
    batches = [[1, 2, 3], [9], [0, 0]]
    nl, tl = both_loaders(xy, batch_sampler=batches)
    assert len(nl) == len(tl) == 3 and nl.batch_size is None and nl.drop_last is False
    assert_same(list(nl), list(tl))
    nl, tl = both_loaders(xy, sampler=order, batch_size=None)
    assert_same(list(nl), list(tl))


def test_custom_collate_fn_and_getitems():
    class Batched(ListDS):
        def __getitems__(self, idx):
            return [("batched", self.items[i]) for i in idx]

    loader = DataLoader(Batched(list(range(5))), batch_size=2, collate_fn=lambda b: b)
    assert list(loader)[0] == [("batched", 0), ("batched", 1)]
    assert list(loader)[2] == [("batched", 4)]


def test_loader_attributes_and_frozen_fields():
    loader = DataLoader(xy(nt), batch_size=4)
    tloader = tud.DataLoader(xy(torch), batch_size=4)
    assert isinstance(loader.sampler, SequentialSampler) and isinstance(loader.batch_sampler, BatchSampler)
    assert loader.collate_fn is default_collate
    assert DataLoader(xy(nt), batch_size=None).collate_fn is default_convert
    assert isinstance(DataLoader(xy(nt), shuffle=True).sampler, RandomSampler)
    for attr in ("batch_size", "sampler", "dataset", "drop_last"):
        with pytest.raises(ValueError) as te:
            setattr(tloader, attr, 2)
        with pytest.raises(ValueError) as ne:
            setattr(loader, attr, 2)
        assert str(ne.value) == str(te.value)
    loader.collate_fn = default_convert  # allowed, as in torch
    it = iter(loader)
    assert len(it) == len(loader) == 3
    with pytest.warns(UserWarning, match="pin_memory"):
        list(DataLoader(xy(nt), pin_memory=True))
    with pytest.raises(AssertionError):
        iter(DataLoader(xy(nt), timeout=5))


def test_map_dataset_without_len_needs_a_sampler():
    class NoLen(Dataset):
        def __getitem__(self, i):
            return i * 10

    loader = DataLoader(NoLen(), sampler=[3, 1], batch_size=2)
    assert loader.dataset[0] == 0
    assert next(iter(loader)).tolist() == [30, 10]
    with pytest.raises(NotImplementedError):
        Dataset()[0]


# -- datasets ----------------------------------------------------------------------------------


def test_tensor_dataset():
    X, y = nt.arange(12.0).reshape(6, 2), nt.arange(6)
    ds = TensorDataset(X, y)
    assert len(ds) == 6
    x1, y1 = ds[1]
    np.testing.assert_array_equal(x1.numpy(), [2.0, 3.0])
    assert y1.item() == 1
    with pytest.raises(AssertionError):
        tud.TensorDataset(torch.zeros(3), torch.zeros(4))
    with pytest.raises(AssertionError, match="Size mismatch"):
        TensorDataset(nt.zeros(3), nt.zeros(4))


def test_concat_subset_stack_chain_match_torch():
    a, b = list(range(5)), list(range(100, 103))
    nc = ConcatDataset([ListDS(a), ListDS(b)])
    tc = tud.ConcatDataset([TorchListDS(a), TorchListDS(b)])
    assert len(nc) == len(tc) == 8 and nc.cumulative_sizes == tc.cumulative_sizes
    assert [nc[i] for i in range(-8, 8)] == [tc[i] for i in range(-8, 8)]
    assert len(ListDS(a) + ListDS(b)) == 8
    with pytest.raises(ValueError):
        nc[-9]
    with pytest.raises(AssertionError):
        ConcatDataset([])
    with pytest.raises(AssertionError):
        ConcatDataset([NumStream(2)])
    nl = DataLoader(nc, batch_size=3)
    tl = tud.DataLoader(tc, batch_size=3)
    assert_same(list(nl), list(tl))

    sub = Subset(ListDS(a), [4, 0, 2])
    assert [sub[i] for i in range(3)] == [4, 0, 2] and len(sub) == 3
    assert sub.__getitems__([2, 0]) == [2, 4]

    st = StackDataset(ListDS(a), ListDS([x * 2 for x in a]))
    assert st[3] == (3, 6) and len(st) == 5
    sd = StackDataset(x=ListDS(a), y=ListDS(a))
    assert sd[1] == {"x": 1, "y": 1}
    with pytest.raises(ValueError):
        StackDataset(ListDS(a), ListDS(b))

    ch = NumStream(2) + NumStream(3)
    assert isinstance(ch, ChainDataset) and list(ch) == [0, 1, 0, 1, 2] and len(ch) == 5
    assert [t.tolist() for t in DataLoader(ch, batch_size=2)] == [[0, 1], [0, 1], [2]]


# -- random_split ------------------------------------------------------------------------------


@pytest.mark.parametrize("n,lengths", [
    (10, [3, 7]), (10, [0.3, 0.7]), (10, [0.33, 0.33, 0.34]), (30, [0.3, 0.3, 0.4]), (7, [0.5, 0.5]),
    (101, [0.8, 0.1, 0.1]), (5, [1.0]), (3, [0.1, 0.1, 0.1, 0.7]), (12, [12, 0]), (10, [0.25] * 4),
])
def test_random_split_lengths_match_torch(n, lengths):
    with warnings.catch_warnings(record=True) as tw:
        warnings.simplefilter("always")
        tparts = tud.random_split(range(n), lengths, generator=torch.Generator().manual_seed(0))
    with warnings.catch_warnings(record=True) as nw:
        warnings.simplefilter("always")
        nparts = random_split(range(n), lengths, generator=nt.Generator().manual_seed(0))
    assert [len(p) for p in nparts] == [len(p) for p in tparts]
    assert len(nw) == len(tw)
    flat = sorted(i for p in nparts for i in (p[j] for j in range(len(p))))
    assert flat == list(range(n))
    assert all(isinstance(p, Subset) for p in nparts)


def test_random_split_seeded_and_errors():
    g = lambda s: nt.Generator().manual_seed(s)  # noqa: E731
    a = [p.indices for p in random_split(range(20), [5, 15], generator=g(1))]
    b = [p.indices for p in random_split(range(20), [5, 15], generator=g(1))]
    c = [p.indices for p in random_split(range(20), [5, 15], generator=g(2))]
    assert a == b and a != c
    nt.manual_seed(4)
    d = [p.indices for p in random_split(range(20), [0.5, 0.5])]
    nt.manual_seed(4)
    assert d == [p.indices for p in random_split(range(20), [0.5, 0.5])]
    for lengths in ([3, 3], [0.5, 0.6], [11], [0.2, 0.2]):
        with pytest.raises(ValueError) as te:
            tud.random_split(range(10), lengths)
        with pytest.raises(ValueError) as ne:
            random_split(range(10), lengths)
        assert str(ne.value).startswith(str(te.value).split("!")[0])
    with pytest.raises(ValueError, match="Fraction at index 1"):
        random_split(range(10), [0.5, 1.5, -1.0])


def test_collate_module_exposes_registry():
    assert ncollate.default_collate_fn_map[int] is ncollate.collate_int_fn
    custom = {**ncollate.default_collate_fn_map, str: lambda b, *, collate_fn_map=None: "".join(b)}
    assert ncollate.collate([("a", 1), ("b", 2)], collate_fn_map=custom)[0] == "ab"
    assert ndl.get_worker_info() is None


def test_batch_sampler_over_builtin_samplers_matches_plain_iteration():
    for make in (lambda g: RandomSampler(range(11), generator=g),
                 lambda g: RandomSampler(range(4), replacement=True, num_samples=9, generator=g),
                 lambda g: SubsetRandomSampler([2, 4, 6, 8, 10], generator=g),
                 lambda g: WeightedRandomSampler([1.0, 2.0, 3.0], 7, generator=g)):
        for drop in (False, True):
            idx = list(make(nt.Generator().manual_seed(3)))
            batches = list(BatchSampler(make(nt.Generator().manual_seed(3)), 3, drop))
            expected = [idx[i:i + 3] for i in range(0, len(idx), 3)]
            if drop:
                expected = [b for b in expected if len(b) == 3]
            assert batches == expected
            assert all(type(i) is int for b in batches for i in b)
    assert list(BatchSampler(SequentialSampler(range(10)), 4, True)) == list(
        tud.BatchSampler(tud.SequentialSampler(range(10)), 4, True))


def test_subset_index_kinds_on_fast_path():
    ds = _dtype_dataset(12)
    for indices in (range(1, 12, 3), nt.tensor([5, 0, 11]), np.array([3, 3, 1]), [7, -1]):
        sub = Subset(ds, indices)
        fb = list(DataLoader(sub, batch_size=2))
        sb = list(DataLoader(sub, batch_size=2, collate_fn=_slow))
        for a, b in zip(fb, sb, strict=True):
            for ta, tb in zip(a, b):
                np.testing.assert_array_equal(ta.numpy(), tb.numpy())
    it = iter(DataLoader(ds))
    assert iter(it) is it


def test_tensor_as_dataset_matches_torch_and_slow_path():
    arr = np.arange(24, dtype=np.float32).reshape(8, 3)
    nl, tl = DataLoader(nt.tensor(arr), batch_size=3), tud.DataLoader(torch.tensor(arr), batch_size=3)
    assert_same(list(nl), list(tl))
    X = nt.tensor(arr)
    for sub in (X, Subset(X, [7, 1, 3, 3])):
        fb = list(DataLoader(sub, batch_size=3, shuffle=True, generator=nt.Generator().manual_seed(0)))
        sb = list(DataLoader(sub, batch_size=3, shuffle=True, generator=nt.Generator().manual_seed(0),
                             collate_fn=_slow))
        for a, b in zip(fb, sb, strict=True):
            assert isinstance(a, nt.Tensor) and a.dtype == b.dtype
            np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_collate_containers_that_cannot_be_rebuilt_match_torch():
    import types

    class Pair(Mapping):  # a mapping that cannot be built from a dict
        def __init__(self, a, b):
            self.d = {"a": a, "b": b}

        def __getitem__(self, k):
            return self.d[k]

        def __iter__(self):
            return iter(self.d)

        def __len__(self):
            return 2

    batch = [range(2), range(2)]
    assert_same(default_collate(batch), tud.default_collate(batch))
    for mp in ([types.MappingProxyType({"a": 1}), types.MappingProxyType({"a": 2})],
               [Pair(1, 2.0), Pair(3, 4.0)]):
        assert_same(default_collate(mp), tud.default_collate(mp))
        assert_same(default_convert(mp[0]), tud.default_convert(mp[0]))
    assert_same(default_convert(range(3)), tud.default_convert(range(3)))


def test_dataset_error_paths_match_torch():
    for m in (tud, neurona.utils.data):
        with pytest.raises(ValueError):
            m.StackDataset(ListDS([1]), x=ListDS([1]))
        with pytest.raises(ValueError):
            m.StackDataset()
        with pytest.raises(AssertionError):
            list(m.ChainDataset([ListDS([1])]))
        with pytest.raises(AssertionError):
            len(m.ChainDataset([ListDS([1])]))
    with pytest.raises(NotImplementedError):
        iter(IterableDataset())

    class Bad(Subset):
        def __getitem__(self, i):
            return 0

    with pytest.raises(NotImplementedError, match="__getitems__"):
        Bad(ListDS([1]), [0])
    ds = TensorDataset(nt.arange(5))
    (row,) = Subset(ds, [4, 2, 0])[[0, 2]]
    assert row.tolist() == [4, 0]
