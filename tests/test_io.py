"""neurona.save / neurona.load: round trips, safetensors compatibility, atomicity, bad files."""

import json
import os
import pickle
import stat
import struct
import tracemalloc
from collections import OrderedDict

import numpy as np
import pytest
import torch
from safetensors.numpy import load_file as st_load_file
from safetensors.torch import save_file as st_save_torch

import neurona as nt
from neurona.io import SerializationError


def test_state_dict_round_trip_exact(tmp_path):
    model = nt.nn.Sequential(nt.nn.Linear(3, 4), nt.nn.BatchNorm1d(4), nt.nn.Linear(4, 2)).double()
    path = tmp_path / "m.safetensors"
    nt.save(model.state_dict(), path)
    loaded = nt.load(path)
    assert list(loaded) == list(model.state_dict())
    for k, v in model.state_dict().items():
        assert loaded[k].dtype == v.dtype
        np.testing.assert_array_equal(loaded[k].numpy(), v.numpy())
    twin = nt.nn.Sequential(nt.nn.Linear(3, 4), nt.nn.BatchNorm1d(4), nt.nn.Linear(4, 2)).double()
    twin.load_state_dict(loaded)
    x = nt.randn(5, 3, dtype=nt.float64)
    model.eval(), twin.eval()
    np.testing.assert_array_equal(model(x).detach().numpy(), twin(x).detach().numpy())


def test_flat_state_dict_is_plain_safetensors(tmp_path):
    sd = {"w": nt.randn(2, 3), "b": nt.zeros(3, dtype=nt.float64), "n": nt.tensor(7)}
    path = tmp_path / "sd.safetensors"
    nt.save(sd, path)
    other = st_load_file(str(path))  # read by the reference implementation
    assert set(other) == set(sd)
    for k in sd:
        np.testing.assert_array_equal(other[k], sd[k].numpy())
        assert other[k].dtype == sd[k].numpy().dtype


def test_reads_files_written_by_safetensors_torch(tmp_path):
    path = tmp_path / "t.safetensors"
    ref = {"a": torch.randn(4, 5), "b": torch.arange(6).reshape(2, 3), "c": torch.tensor([True, False])}
    st_save_torch(ref, str(path))
    got = nt.load(path)
    for k, v in ref.items():
        np.testing.assert_array_equal(got[k].numpy(), v.numpy())


def test_nested_structures_round_trip(tmp_path):
    obj = {
        "state": {0: {"step": nt.tensor(3.0), "exp_avg": nt.ones(2, 2)}, 1: {}},
        "param_groups": [{"lr": 0.1, "betas": (0.9, 0.999), "params": [0, 1], "name": None}],
        "inf": float("inf"),
        "flag": True,
    }
    path = tmp_path / "opt.safetensors"
    nt.save(obj, path)
    got = nt.load(path)
    assert got["param_groups"][0]["betas"] == (0.9, 0.999)
    assert got["param_groups"][0]["params"] == [0, 1]
    assert got["param_groups"][0]["name"] is None
    assert got["inf"] == float("inf") and got["flag"] is True
    assert set(got["state"]) == {0, 1}
    np.testing.assert_array_equal(got["state"][0]["exp_avg"].numpy(), np.ones((2, 2), np.float32))
    assert got["state"][0]["step"].item() == 3.0


def test_single_tensor_round_trip(tmp_path):
    t = nt.arange(10).reshape(2, 5)
    nt.save(t, tmp_path / "t")
    got = nt.load(tmp_path / "t")
    assert isinstance(got, nt.Tensor) and got.dtype == nt.int64
    np.testing.assert_array_equal(got.numpy(), t.numpy())


def test_save_is_atomic_and_leaves_no_temp_files(tmp_path, monkeypatch):
    path = tmp_path / "ckpt.safetensors"
    nt.save({"w": nt.ones(3)}, path)
    good = path.read_bytes()

    def boom(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError):
        nt.save({"w": nt.zeros(1000)}, path)
    assert path.read_bytes() == good  # the old file is intact
    assert sorted(os.listdir(tmp_path)) == ["ckpt.safetensors"]  # the temp file was removed


def _write_raw(path, header, data=b""):
    raw = json.dumps(header).encode()
    path.write_bytes(struct.pack("<Q", len(raw)) + raw + data)


@pytest.mark.parametrize(
    "header,data,match",
    [
        ({"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}}, b"\0" * 4, "outside"),
        ({"a": {"dtype": "F32", "shape": [3], "data_offsets": [0, 8]}}, b"\0" * 8, "needs"),
        ({"a": {"dtype": "X9", "shape": [1], "data_offsets": [0, 4]}}, b"\0" * 4, "dtype"),
        ({"a": {"dtype": "F32", "shape": [-1], "data_offsets": [0, 4]}}, b"\0" * 4, "shape"),
        ({"a": {"dtype": "F32", "shape": [1], "data_offsets": [-4, 0]}}, b"\0" * 4, "outside"),
        ({"a": {"dtype": "F32", "shape": [10**12, 10**12], "data_offsets": [0, 4]}}, b"\0" * 4, "more bytes"),
        (
            {"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
             "b": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]}},
            b"\0" * 12, "overlaps",
        ),
        ({"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}}, b"\0" * 8, "trailing"),
        ([1, 2, 3], b"", "not a JSON object"),
        # bools are ints in Python/JSON; safetensors wants real integers
        ({"a": {"dtype": "U8", "shape": [1], "data_offsets": [False, True]}}, b"\7", "invalid data_offsets"),
        ({"a": {"dtype": "U8", "shape": [True], "data_offsets": [0, 1]}}, b"\7", "invalid shape"),
        ({"a": {"dtype": "U8", "shape": [1], "data_offsets": [0.0, 1.0]}}, b"\7", "invalid data_offsets"),
        ({"a": {"dtype": "U8", "shape": [1.0], "data_offsets": [0, 1]}}, b"\7", "invalid shape"),
        # zero elements, but a dimension NumPy cannot represent
        ({"a": {"dtype": "F32", "shape": [0, 2**70], "data_offsets": [0, 0]}}, b"",
         "entry 'a' has an impossible shape"),
        ({"a": {"dtype": "F32", "shape": [0, 2**40, 2**40], "data_offsets": [0, 0]}}, b"",
         "impossible shape"),
    ],
)
def test_crafted_headers_are_rejected(tmp_path, header, data, match):
    path = tmp_path / "bad.safetensors"
    _write_raw(path, header, data)
    with pytest.raises(SerializationError, match=match) as e:
        nt.load(path)
    assert str(path) in str(e.value)


def test_huge_header_length_is_rejected_without_allocating(tmp_path):
    path = tmp_path / "huge"
    path.write_bytes(struct.pack("<Q", 2**62) + b"{}")
    with pytest.raises(SerializationError, match="exceeds"):
        nt.load(path)


def test_truncated_file(tmp_path):
    path = tmp_path / "t.safetensors"
    nt.save({"w": nt.ones(100)}, path)
    path.write_bytes(path.read_bytes()[:-10])
    with pytest.raises(SerializationError):
        nt.load(path)
    path.write_bytes(b"\x01\x02")
    with pytest.raises(SerializationError, match="too short"):
        nt.load(path)


class _Evil:
    def __reduce__(self):
        return (os.system, ("touch /tmp/neurona-pwned",))


def test_pickle_files_are_refused_not_executed(tmp_path):
    marker = "/tmp/neurona-pwned"
    if os.path.exists(marker):
        os.unlink(marker)
    path = tmp_path / "evil.pt"
    path.write_bytes(pickle.dumps(_Evil()))
    with pytest.raises(SerializationError, match="never unpickles"):
        nt.load(path)
    assert not os.path.exists(marker)
    torch_path = tmp_path / "model.pt"
    torch.save({"w": torch.ones(2)}, torch_path)  # a zip archive with a pickle inside
    with pytest.raises(SerializationError, match="pickle"):
        nt.load(torch_path)


@pytest.mark.parametrize("protocol", [0, 1])
@pytest.mark.parametrize("obj", [_Evil(), {"w": [1.0, 2.0]}, [1, 2], OrderedDict(w=1), (1, 2)])
def test_old_protocol_pickles_are_refused_not_executed(tmp_path, protocol, obj):
    marker = "/tmp/neurona-pwned"
    if os.path.exists(marker):
        os.unlink(marker)
    path = tmp_path / "old.pkl"
    path.write_bytes(pickle.dumps(obj, protocol=protocol))
    with pytest.raises(SerializationError, match="this is a pickle.*never unpickles"):
        nt.load(path)
    assert not os.path.exists(marker)


def test_header_length_that_looks_like_a_pickle_start_is_still_safetensors(tmp_path):
    # b"(d" is how protocol-0 dict pickles start; as a little-endian length it is 0x6428
    path = tmp_path / "odd.safetensors"
    n = int.from_bytes(b"(d", "little")
    raw = json.dumps({"a": {"dtype": "U8", "shape": [1], "data_offsets": [0, 1]}}).encode()
    path.write_bytes(struct.pack("<Q", n) + raw.ljust(n) + b"\7")
    assert nt.load(path)["a"].tolist() == [7]


def test_corrupt_big_file_is_rejected_before_reading_its_data(tmp_path):
    # a valid-looking tiny header, then 600 MB (sparse) the offsets do not account for
    path = tmp_path / "sparse.safetensors"
    raw = json.dumps({"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}}).encode()
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(raw)) + raw + b"\0" * 8)
        f.truncate(600 * 1024 * 1024)
    tracemalloc.start()
    try:
        with pytest.raises(SerializationError, match="trailing bytes"):
            nt.load(path)
        with pytest.raises(SerializationError, match="trailing bytes"):
            nt.io.load_metadata(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 50 * 1024 * 1024, f"peak {peak / 2**20:.0f} MB while rejecting a bad file"


def test_deeply_nested_json_is_a_clear_error(tmp_path):
    path = tmp_path / "deep.safetensors"
    raw = b"[" * 200_000
    path.write_bytes(struct.pack("<Q", len(raw)) + raw)
    with pytest.raises(SerializationError, match="header is nested too deeply") as e:
        nt.load(path)
    assert str(path) in str(e.value)
    # the same inside the neurona.tree metadata that keeps nested structures
    _write_raw(path, {"__metadata__": {"neurona.tree": "[" * 200_000}})
    with pytest.raises(SerializationError, match="neurona.tree metadata is nested too deeply"):
        nt.load(path)
    deep = '{"__list__": [' * 2000 + "1" + "]}" * 2000  # valid JSON only if parsed iteratively
    _write_raw(path, {"__metadata__": {"neurona.tree": deep}})
    with pytest.raises(SerializationError, match="nested too deeply"):
        nt.load(path)


@pytest.mark.parametrize("tree", ['{"__dict__": [1]}', '{"__list__": 3}', '{"__tensor__": []}',
                                  '{"__float__": "x"}', '{"__dict__": {"i:x": 1}}', '[1]'])
def test_corrupt_structure_metadata_is_a_clear_error(tmp_path, tree):
    path = tmp_path / "tree.safetensors"
    _write_raw(path, {"__metadata__": {"neurona.tree": tree}})
    with pytest.raises(SerializationError, match="neurona.tree"):
        nt.load(path)


def test_non_file_paths(tmp_path):
    with pytest.raises(FileNotFoundError):
        nt.load(tmp_path / "missing.safetensors")
    with pytest.raises(IsADirectoryError):
        nt.load(tmp_path)


@pytest.mark.skipif(not hasattr(os, "mkfifo") or not os.path.exists("/dev/zero"), reason="POSIX only")
def test_devices_and_fifos_are_refused_without_reading(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)  # opening it for reading would block forever: it must not be opened
    link = tmp_path / "zero.safetensors"
    link.symlink_to("/dev/zero")
    for bad in ("/dev/zero", fifo, link):
        with pytest.raises(SerializationError, match="is not a regular file") as e:
            nt.load(bad)
        assert str(bad) in str(e.value)
        assert not isinstance(e.value, OSError)
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)


def test_unsupported_objects_are_refused(tmp_path):
    with pytest.raises(TypeError, match="cannot store"):
        nt.save({"f": lambda x: x}, tmp_path / "x")


def test_load_torch_checkpoint_via_weights_only(tmp_path):
    from neurona.interop import convert_torch_checkpoint, load_torch_checkpoint

    tm = torch.nn.Linear(3, 2)
    pt = tmp_path / "lin.pt"
    torch.save(tm.state_dict(), pt)
    sd = load_torch_checkpoint(pt)
    m = nt.nn.Linear(3, 2)
    m.load_state_dict(sd)
    np.testing.assert_array_equal(m.weight.detach().numpy(), tm.weight.detach().numpy())
    out = tmp_path / "lin.safetensors"
    convert_torch_checkpoint(pt, out)
    assert set(nt.load(out)) == {"weight", "bias"}
