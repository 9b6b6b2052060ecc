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
Reads take the 8-byte length and the header first and validate every field (bounded sizes,
integer shapes and offsets inside the real file size, no overlaps or gaps) before reading any
tensor data; pickles (any protocol, and torch.save zip archives) and non-regular files
(devices, FIFOs) are refused with a clear message, naming the file. Nothing is ever executed.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import stat
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


_PICKLE_MESSAGE = (
    "this is a pickle (e.g. a PyTorch .pt/.pth file); neurona never unpickles files. "
    "Convert it once with PyTorch: torch.save → safetensors via "
    "neurona.interop.convert_torch_checkpoint(path, out_path) (uses weights_only=True)."
)
# How protocol 0/1 pickles of containers usually start: MARK + dict/list/tuple/INST opcodes,
# EMPTY_DICT / EMPTY_LIST + memo put or MARK, and zip archives (torch.save since 1.6).
_PICKLE_STARTS = (
    b"(d", b"(l", b"(t", b"(i", b"(I", b"(K", b"(J", b"(M", b"(L", b"(F", b"(G", b"(S", b"(U",
    b"(V", b"(X", b"(N", b"(c", b"((", b"}q", b"}r", b"}(", b"}.", b"]q", b"]r", b"](", b"].",
    b"PK\x03\x04", b"PK\x05\x06",
)
_PICKLE_GLOBAL = re.compile(rb"c[A-Za-z_][\w.]*\n")  # GLOBAL opcode: c<module>\n<name>\n


def _looks_like_pickle(head: bytes) -> bool:
    """A pickle (protocol 2+ starts 0x80 <protocol>; 0/1 see above) or a zip (torch.save).

    ``head`` is the first 16 bytes (or fewer) of the file; only inspected, never executed.
    """
    if len(head) >= 9 and head[8:9] == b"{" and struct.unpack("<Q", head[:8])[0] <= MAX_HEADER:
        return False  # a plausible safetensors header length followed by a JSON object
    if head[:1] == b"\x80" and head[1:2] in (b"\x02", b"\x03", b"\x04", b"\x05"):
        return True
    return head.startswith(_PICKLE_STARTS) or _PICKLE_GLOBAL.match(head) is not None


def _json(raw: bytes | str, path: str, what: str) -> Any:
    try:
        return json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise _fail(path, f"{what} is not valid JSON ({e.__class__.__name__})") from None
    except RecursionError:
        raise _fail(path, f"{what} is nested too deeply (not a valid safetensors file)") from None


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _parse_header(head: bytes, read: Any, size: int, path: str) -> tuple[list, dict, int]:
    """Validate everything but the tensor bytes.

    ``head`` is the start of the file (at least its first 8 bytes if it has them), ``read(n)``
    returns the next ``n`` bytes after those 8, ``size`` is the real size of the file. Returns
    ([(name, dtype, shape, begin, end)], metadata, data_start); no tensor data is read here.
    """
    if _looks_like_pickle(head):
        raise _fail(path, _PICKLE_MESSAGE)
    if size < 8:
        raise _fail(path, f"file too short to be a safetensors file ({size} bytes)")
    (n,) = struct.unpack("<Q", head[:8])
    if n > MAX_HEADER:
        raise _fail(path, f"header length {n} exceeds the {MAX_HEADER}-byte limit (not safetensors?)")
    if 8 + n > size:
        raise _fail(path, f"truncated: header says {n} bytes but only {size - 8} follow")
    raw = read(n)
    if len(raw) != n:
        raise _fail(path, f"truncated: header says {n} bytes but only {len(raw)} could be read")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise _fail(path, "header is not valid JSON (UnicodeDecodeError)") from None
    header = _json(text, path, "header")
    if not isinstance(header, dict):
        raise _fail(path, "header is not a JSON object")
    meta = header.pop("__metadata__", {}) or {}
    if not isinstance(meta, dict) or not all(isinstance(v, str) for v in meta.values()):
        raise _fail(path, "__metadata__ must map strings to strings")
    body = size - 8 - n
    entries = []
    for name, info in header.items():
        if not isinstance(info, dict):
            raise _fail(path, f"entry '{name}' is not an object")
        dt = info.get("dtype")
        if not isinstance(dt, str) or dt not in _DTYPES:
            raise _fail(path, f"entry '{name}' has unsupported dtype {dt!r}")
        shape = info.get("shape")
        if not isinstance(shape, list) or not all(_is_int(s) and s >= 0 for s in shape):
            raise _fail(path, f"entry '{name}' has an invalid shape {shape!r} "
                              "(expected a list of non-negative integers)")
        if len(shape) > 64:  # NumPy's limit (NPY_MAXDIMS)
            raise _fail(path, f"entry '{name}' has {len(shape)} dimensions (at most 64)")
        offs = info.get("data_offsets")
        if not isinstance(offs, list) or len(offs) != 2 or not all(_is_int(o) for o in offs):
            raise _fail(path, f"entry '{name}' has invalid data_offsets {offs!r} "
                              "(expected [begin, end] integers)")
        begin, end = offs
        if begin < 0 or end < begin or end > body:
            raise _fail(path, f"entry '{name}' data_offsets {offs} fall outside the "
                              f"{body}-byte data section (truncated or corrupt file)")
        itemsize = np.dtype(_DTYPES[dt]).itemsize
        nbytes = itemsize
        span = itemsize  # NumPy's own bound: the product of the non-zero dims must fit intp
        for s in shape:  # Python ints: no overflow
            nbytes *= s
            span *= max(s, 1)
        if nbytes > body:
            raise _fail(path, f"entry '{name}' shape {shape} needs more bytes than the file has")
        if span > np.iinfo(np.intp).max:
            raise _fail(path, f"entry '{name}' has an impossible shape {shape} (its dimensions "
                              "multiply beyond the largest array NumPy can describe)")
        if nbytes != end - begin:
            raise _fail(path, f"entry '{name}': shape {shape} of {dt} needs {nbytes} bytes, "
                              f"data_offsets give {end - begin}")
        entries.append((name, dt, shape, begin, end))
    pos = 0
    for name, _, _, begin, end in sorted(entries, key=lambda e: (e[3], e[4])):
        if begin < pos:
            raise _fail(path, f"entry '{name}' overlaps another tensor's data")
        if begin > pos:
            raise _fail(path, f"gap in the data section before entry '{name}'")
        pos = end
    if pos != body:
        raise _fail(path, f"{body - pos} trailing bytes after the last tensor")
    return entries, meta, 8 + n


def _empty(dt: str, shape: list) -> np.ndarray:
    return np.empty(shape, dtype=np.dtype(_DTYPES[dt]).newbyteorder("<"))


def _native(arr: np.ndarray) -> np.ndarray:
    return arr.astype(arr.dtype.newbyteorder("="), copy=False)


def deserialize(data: bytes | memoryview, path: str = "<bytes>") -> tuple[dict, dict]:
    """Parse safetensors bytes into ({name: ndarray}, metadata), validating everything."""
    view = memoryview(data).cast("B")
    cursor = [8]

    def read(k: int) -> bytes:
        out = bytes(view[cursor[0]:cursor[0] + k])
        cursor[0] += k
        return out

    entries, meta, start = _parse_header(bytes(view[:16]), read, len(view), path)
    tensors: dict[str, np.ndarray] = {}
    for name, dt, shape, begin, end in entries:
        arr = _empty(dt, shape)
        arr.reshape(-1).view(np.uint8)[:] = np.frombuffer(view[start + begin:start + end], np.uint8)
        tensors[name] = _native(arr)
    return tensors, meta


def _open_regular(path: str) -> Any:
    """Open ``path`` for reading, refusing anything but a regular file — without blocking.

    ``stat`` first (a FIFO is never opened), then ``O_NONBLOCK`` and ``fstat`` on the open
    descriptor, in case the path was swapped in between.
    """
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise FileNotFoundError(f"No such file: '{path}'") from None
    if stat.S_ISDIR(st.st_mode):
        raise IsADirectoryError(f"'{path}' is a directory, not a file")
    if not stat.S_ISREG(st.st_mode):
        raise _fail(path, "is not a regular file (a device, FIFO or socket); "
                          "neurona.load reads safetensors files only")
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise _fail(path, "is not a regular file (a device, FIFO or socket); "
                              "neurona.load reads safetensors files only")
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_file(f: str | os.PathLike, *, metadata_only: bool = False) -> tuple[dict, dict]:
    """({name: ndarray}, metadata) of a safetensors file.

    Reads the 8-byte length and the header, validates every entry against the real file
    size (``os.fstat``), and only then reads the tensors, one at a time, straight into
    their arrays: a corrupt file is rejected after reading at most its header.
    """
    path = os.fspath(f)
    with _open_regular(path) as fh:
        size = os.fstat(fh.fileno()).st_size
        head = fh.read(min(size, 16))
        fh.seek(min(size, 8))
        entries, meta, start = _parse_header(head, fh.read, size, path)
        tensors: dict[str, np.ndarray] = {}
        if metadata_only:
            return tensors, meta
        for name, dt, shape, begin, end in entries:
            arr = _empty(dt, shape)
            fh.seek(start + begin)
            got = fh.readinto(memoryview(arr.reshape(-1).view(np.uint8)))
            if got != end - begin:
                raise _fail(path, f"truncated while reading entry '{name}' "
                                  "(the file changed while being read?)")
            tensors[name] = _native(arr)
    return tensors, meta


def _unflatten(node: Any, tensors: dict[str, np.ndarray], path: str) -> Any:
    if isinstance(node, dict):
        if _REF in node:
            name = node[_REF]
            if not isinstance(name, str) or name not in tensors:
                raise _fail(path, f"neurona.tree refers to a missing tensor {name!r}")
            return Tensor._wrap(tensors[name])
        if "__dict__" in node:
            items = node["__dict__"]
            if not isinstance(items, dict):
                raise _fail(path, "corrupt neurona.tree metadata (__dict__ is not an object)")
            out: dict = {}
            for k, v in items.items():
                try:
                    key: Any = int(k[2:]) if k.startswith("i:") else k[2:]
                except ValueError:
                    raise _fail(path, f"corrupt neurona.tree metadata (bad key {k!r})") from None
                out[key] = _unflatten(v, tensors, path)
            return out
        for tag, kind in (("__list__", list), ("__tuple__", tuple)):
            if tag in node:
                if not isinstance(node[tag], list):
                    raise _fail(path, f"corrupt neurona.tree metadata ({tag} is not a list)")
                return kind(_unflatten(v, tensors, path) for v in node[tag])
        if "__float__" in node:
            try:
                return float(node["__float__"])
            except (TypeError, ValueError):
                raise _fail(path, "corrupt neurona.tree metadata (bad __float__)") from None
        raise _fail(path, "unknown structure node in neurona.tree")
    if isinstance(node, list):
        raise _fail(path, "corrupt neurona.tree metadata (bare list)")
    return node


def load(f: str | os.PathLike, map_location: Any = None, weights_only: bool = True,
         **kwargs: Any) -> Any:
    """Load what :func:`save` stored (or any safetensors file, as a state dict of tensors)."""
    path = os.fspath(f)
    tensors, meta = read_file(path)
    if _TREE_KEY in meta:
        tree = _json(meta[_TREE_KEY], path, "neurona.tree metadata")
        try:
            return _unflatten(tree, tensors, path)
        except RecursionError:
            raise _fail(path, "neurona.tree metadata is nested too deeply") from None
    return OrderedDict((k, Tensor._wrap(v)) for k, v in tensors.items())


def load_metadata(f: str | os.PathLike) -> dict[str, str]:
    """The ``__metadata__`` strings of a saved file (the tensor data is not read)."""
    return read_file(f, metadata_only=True)[1]
