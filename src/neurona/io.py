"""``neurona.save`` / ``neurona.load``: tensors and state dicts as safetensors files.

The safetensors layout is: 8 bytes (little-endian u64) giving the header length N, then N
bytes of JSON ``{name: {"dtype": "F32", "shape": [...], "data_offsets": [begin, end]},
"__metadata__": {...}}``, then the raw little-endian data. Nothing in it can execute code.

* A flat ``{str: tensor}`` dict (a model's ``state_dict``) is stored as is, so other
  safetensors readers (``safetensors.torch.load_file``) read it as a normal state dict.
* Anything else — a single tensor, nested dicts and lists with numbers, strings, None
  (optimizer state, checkpoints) — keeps its structure as JSON in the metadata entry
  ``neurona.tree``, where each tensor is replaced by a reference to its stored name.

Writes are atomic: a temporary file in the same directory, flushed, fsynced, then renamed
over the target — a crash never leaves a half-written file under the real name.
Reads validate every header field before allocating (bounded sizes, offsets inside the
file, no overlaps) and refuse pickles with a clear message.
"""

from __future__ import annotations

import contextlib
import json
import os
import struct
import tempfile
from collections import OrderedDict
from typing import Any

import numpy as np

from .tensor import Tensor

_DTYPES = {
    "F64": np.float64, "F32": np.float32, "F16": np.float16, "I64": np.int64, "I32": np.int32,
    "I16": np.int16, "I8": np.int8, "U8": np.uint8, "BOOL": np.bool_,
}
_CODES = {np.dtype(v): k for k, v in _DTYPES.items()}
MAX_HEADER = 100 * 1024 * 1024  # safetensors' own limit
_TREE_KEY = "neurona.tree"
_REF = "__tensor__"


class SerializationError(RuntimeError):
    """A file that is not a valid neurona/safetensors file."""


# -- writing -------------------------------------------------------------------------------


def _as_array(value: Any) -> np.ndarray | None:
    if isinstance(value, Tensor):
        return value._data
    if isinstance(value, np.ndarray):
        return value
    if type(value).__module__.startswith("torch") and hasattr(value, "detach"):
        return value.detach().cpu().numpy()
    return None


def _flatten(obj: Any, tensors: dict[str, np.ndarray], path: str) -> Any:
    """Replace every tensor in ``obj`` by a reference, collecting the arrays."""
    arr = _as_array(obj)
    if arr is not None:
        name = path or "tensor"
        tensors[name] = arr
        return {_REF: name}
    if isinstance(obj, dict):
        out = {}
        for k, v in obj.items():
            if not isinstance(k, (str, int)):
                raise TypeError(f"neurona.save: dict keys must be str or int, got {type(k).__name__}")
            key = ("i:" if isinstance(k, int) else "s:") + str(k)
            out[key] = _flatten(v, tensors, f"{path}.{k}" if path else str(k))
        return {"__dict__": out}
    if isinstance(obj, (list, tuple)):
        items = [_flatten(v, tensors, f"{path}.{i}" if path else str(i)) for i, v in enumerate(obj)]
        return {"__tuple__" if isinstance(obj, tuple) else "__list__": items}
    if obj is None or isinstance(obj, (bool, int, float, str)):
        if isinstance(obj, float) and not np.isfinite(obj):
            return {"__float__": repr(obj)}
        return obj
    if isinstance(obj, (np.integer, np.floating, np.bool_)):
        return _flatten(obj.item(), tensors, path)
    raise TypeError(
        f"neurona.save: cannot store a {type(obj).__name__} (only tensors, arrays, numbers, "
        "strings, None, and dicts/lists/tuples of them)"
    )


def _is_flat_state_dict(obj: Any) -> bool:
    return isinstance(obj, dict) and bool(obj) and all(
        isinstance(k, str) and _as_array(v) is not None for k, v in obj.items()
    )


def serialize(obj: Any, metadata: dict[str, str] | None = None) -> bytes:
    """The safetensors bytes of ``obj``."""
    tensors: dict[str, np.ndarray] = {}
    meta = dict(metadata or {})
    if _is_flat_state_dict(obj):
        for k, v in obj.items():
            tensors[k] = _as_array(v)
    else:
        meta[_TREE_KEY] = json.dumps(_flatten(obj, tensors, ""))
    header: dict[str, Any] = {}
    offset = 0
    blobs = []
    for name, arr in tensors.items():
        arr = np.array(arr, order="C", copy=None)  # (ascontiguousarray would make 0-d 1-d)
        if arr.dtype not in _CODES:
            raise TypeError(f"neurona.save: unsupported dtype {arr.dtype} for '{name}'")
        data = arr.astype(arr.dtype.newbyteorder("<"), copy=False).tobytes()
        header[name] = {"dtype": _CODES[arr.dtype], "shape": list(arr.shape),
                        "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    if meta:
        header["__metadata__"] = {str(k): str(v) for k, v in meta.items()}
    raw = json.dumps(header, separators=(",", ":")).encode()
    raw += b" " * (-len(raw) % 8)  # align the data to 8 bytes, as safetensors does
    return struct.pack("<Q", len(raw)) + raw + b"".join(blobs)


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically (temp file + fsync + rename)."""
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".part", dir=directory)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    try:
        dfd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)
    except OSError:
        pass


def save(obj: Any, f: str | os.PathLike, metadata: dict[str, str] | None = None) -> None:
    """Save a tensor, a state dict, or nested dicts/lists of them to ``f`` (safetensors)."""
    atomic_write_bytes(f, serialize(obj, metadata))


# -- reading -------------------------------------------------------------------------------


def _fail(path: str, why: str) -> SerializationError:
    return SerializationError(f"{path}: {why}")


def _looks_like_pickle(data: bytes | memoryview) -> bool:
    """A pickle (protocol 2+ starts 0x80, protocol byte) or a zip archive (torch.save)."""
    if bytes(data[8:9]) == b"{":  # a safetensors header follows the length
        return False
    head = bytes(data[:2])
    return (head[:1] == b"\x80" and head[1:2] in (b"\x02", b"\x03", b"\x04", b"\x05")) or head == b"PK"


def deserialize(data: bytes | memoryview, path: str = "<bytes>") -> tuple[dict, dict]:
    """Parse safetensors bytes into ({name: ndarray}, metadata), validating everything."""
    size = len(data)
    if size < 8:
        raise _fail(path, f"file too short to be a safetensors file ({size} bytes)")
    head = bytes(data[:8])
    if _looks_like_pickle(data):
        raise _fail(
            path,
            "this is a pickle (e.g. a PyTorch .pt/.pth file); neurona never unpickles files. "
            "Convert it once with PyTorch: torch.save → safetensors via "
            "neurona.interop.convert_torch_checkpoint(path, out_path) (uses weights_only=True).",
        )
    (n,) = struct.unpack("<Q", head)
    if n > MAX_HEADER:
        raise _fail(path, f"header length {n} exceeds the {MAX_HEADER}-byte limit (not safetensors?)")
    if 8 + n > size:
        raise _fail(path, f"truncated: header says {n} bytes but only {size - 8} follow")
    try:
        header = json.loads(bytes(data[8:8 + n]).decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise _fail(path, f"header is not valid JSON ({e.__class__.__name__})") from None
    if not isinstance(header, dict):
        raise _fail(path, "header is not a JSON object")
    meta = header.pop("__metadata__", {}) or {}
    if not isinstance(meta, dict) or not all(isinstance(v, str) for v in meta.values()):
        raise _fail(path, "__metadata__ must map strings to strings")
    body = memoryview(data)[8 + n:]
    spans = []
    tensors: dict[str, np.ndarray] = {}
    for name, info in header.items():
        if not isinstance(info, dict):
            raise _fail(path, f"entry '{name}' is not an object")
        dt = info.get("dtype")
        if dt not in _DTYPES:
            raise _fail(path, f"entry '{name}' has unsupported dtype {dt!r}")
        shape = info.get("shape")
        if not isinstance(shape, list) or not all(isinstance(s, int) and s >= 0 for s in shape):
            raise _fail(path, f"entry '{name}' has an invalid shape {shape!r}")
        offs = info.get("data_offsets")
        if (not isinstance(offs, list) or len(offs) != 2
                or not all(isinstance(o, int) for o in offs)):
            raise _fail(path, f"entry '{name}' has invalid data_offsets {offs!r}")
        begin, end = offs
        if begin < 0 or end < begin or end > len(body):
            raise _fail(path, f"entry '{name}' data_offsets {offs} fall outside the "
                              f"{len(body)}-byte data section (truncated or corrupt file)")
        itemsize = np.dtype(_DTYPES[dt]).itemsize
        count = 1
        for s in shape:
            count *= s
            if count * itemsize > len(body):
                raise _fail(path, f"entry '{name}' shape {shape} needs more bytes than the file has")
        if count * itemsize != end - begin:
            raise _fail(path, f"entry '{name}': shape {shape} of {dt} needs {count * itemsize} bytes, "
                              f"data_offsets give {end - begin}")
        spans.append((begin, end, name))
        arr = np.frombuffer(body[begin:end], dtype=np.dtype(_DTYPES[dt]).newbyteorder("<"))
        tensors[name] = arr.astype(arr.dtype.newbyteorder("="), copy=True).reshape(shape)
    spans.sort()
    pos = 0
    for begin, end, name in spans:
        if begin < pos:
            raise _fail(path, f"entry '{name}' overlaps another tensor's data")
        if begin > pos:
            raise _fail(path, f"gap in the data section before entry '{name}'")
        pos = end
    if pos != len(body):
        raise _fail(path, f"{len(body) - pos} trailing bytes after the last tensor")
    return tensors, meta


def _unflatten(node: Any, tensors: dict[str, np.ndarray], path: str) -> Any:
    if isinstance(node, dict):
        if _REF in node:
            name = node[_REF]
            if name not in tensors:
                raise _fail(path, f"structure refers to a missing tensor '{name}'")
            return Tensor._wrap(tensors[name])
        if "__dict__" in node:
            out: dict = {}
            for k, v in node["__dict__"].items():
                key: Any = int(k[2:]) if k.startswith("i:") else k[2:]
                out[key] = _unflatten(v, tensors, path)
            return out
        if "__list__" in node:
            return [_unflatten(v, tensors, path) for v in node["__list__"]]
        if "__tuple__" in node:
            return tuple(_unflatten(v, tensors, path) for v in node["__tuple__"])
        if "__float__" in node:
            return float(node["__float__"])
        raise _fail(path, "unknown structure node in neurona.tree")
    return node


def load(f: str | os.PathLike, map_location: Any = None, weights_only: bool = True,
         **kwargs: Any) -> Any:
    """Load what :func:`save` stored (or any safetensors file, as a state dict of tensors)."""
    path = os.fspath(f)
    if not os.path.exists(path):
        raise FileNotFoundError(f"No such file: '{path}'")
    if not os.path.isfile(path):
        raise IsADirectoryError(f"'{path}' is not a regular file")
    with open(path, "rb") as fh:
        data = fh.read()
    tensors, meta = deserialize(data, path)
    if _TREE_KEY in meta:
        try:
            tree = json.loads(meta[_TREE_KEY])
        except json.JSONDecodeError:
            raise _fail(path, "corrupt neurona.tree metadata") from None
        return _unflatten(tree, tensors, path)
    return OrderedDict((k, Tensor._wrap(v)) for k, v in tensors.items())


def load_metadata(f: str | os.PathLike) -> dict[str, str]:
    """The ``__metadata__`` strings of a saved file."""
    with open(os.fspath(f), "rb") as fh:
        data = fh.read()
    return deserialize(data, os.fspath(f))[1]
