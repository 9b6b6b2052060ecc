"""Convolution, pooling and resampling functions of ``nn.functional`` (re-exported there).

Argument handling and PyTorch's shape errors live here; the math is in
:mod:`neurona.ops.conv` and :mod:`neurona.ops.pool`. 1-D versions run the 2-D ops with a
height of 1. Unbatched inputs (no N dim) get one added and removed.
"""

from __future__ import annotations

import math
from typing import Any

from ..api import shape as S
from ..autograd.function import run
from ..ops import conv as C
from ..ops import pool as Po
from ..tensor import Tensor


def _pair(v: Any, n: int = 2, name: str = "value") -> tuple[int, ...]:
    """An int, or a sequence of 1 or n ints, as a tuple of n ints (RuntimeError otherwise, as
    PyTorch's functions raise)."""
    if isinstance(v, (tuple, list)):
        if len(v) == 1:
            return tuple(int(v[0]) for _ in range(n))
        if len(v) != n:
            raise RuntimeError(f"expected {name} to be a single integer value or a list of {n} values, "
                               f"but got {name}={list(v)}")
        return tuple(int(x) for x in v)
    return (int(v),) * n


def _batched(input: Tensor, spatial: int, fn: str) -> tuple[Tensor, bool]:
    nd = input.ndim
    if nd == spatial + 2:
        return input, False
    if nd == spatial + 1:
        return S.unsqueeze(input, 0), True
    raise RuntimeError(
        f"Expected {spatial + 1}D (unbatched) or {spatial + 2}D (batched) input to {fn}, but got "
        f"input of size: {list(input.shape)}"
    )


def _unbatch(out: Tensor, squeeze: bool) -> Tensor:
    return S.squeeze(out, 0) if squeeze else out


def same_padding(k: tuple, d: tuple, stride: tuple) -> tuple[tuple[int, int], ...]:
    """(before, after) padding per spatial dim that keeps the output size equal to the input's
    (stride 1): d(k − 1) in total, the odd one extra after, as PyTorch pads."""
    return tuple((di * (ki - 1) // 2, di * (ki - 1) - di * (ki - 1) // 2) for ki, di in zip(k, d))


def _conv_nd(input: Tensor, weight: Tensor, bias: Tensor | None, stride: Any, padding: Any,
             dilation: Any, groups: int, spatial: int, fn: str) -> Tensor:
    x, unbatched = _batched(input, spatial, fn)
    if weight.ndim != spatial + 2:
        raise RuntimeError(
            f"Expected {spatial + 2}-dimensional weight for {spatial + 2}-dimensional input "
            f"{list(x.shape)}, but got {weight.ndim}-dimensional weight of size {list(weight.shape)} instead"
        )
    k = tuple(weight.shape[2:])
    s, d = _pair(stride, spatial, "stride"), _pair(dilation, spatial, "dilation")
    if groups <= 0:
        raise RuntimeError("non-positive groups is not supported")
    if any(v <= 0 for v in s):
        raise RuntimeError("non-positive stride is not supported")
    if x.shape[1] != weight.shape[1] * groups:
        raise RuntimeError(
            f"Given groups={groups}, weight of size {list(weight.shape)}, expected input"
            f"{list(x.shape)} to have {weight.shape[1] * groups} channels, but got {x.shape[1]} "
            "channels instead"
        )
    if weight.shape[0] % groups:
        raise RuntimeError(
            f"Given groups={groups}, expected weight to be divisible by {groups} at dimension 0, but got "
            f"weight of size {list(weight.shape)} instead"
        )
    if bias is not None and (bias.ndim != 1 or bias.shape[0] != weight.shape[0]):
        raise RuntimeError(
            f"Given weight of size {list(weight.shape)}, expected bias to be 1-dimensional with "
            f"{weight.shape[0]} elements, but got bias of size {list(bias.shape)} instead"
        )
    if x.dtype != weight.dtype or (bias is not None and bias.dtype != weight.dtype):
        raise RuntimeError(
            f"Input type ({x.dtype}) and weight type ({weight.dtype}) should be the same"
            if x.dtype != weight.dtype else
            f"Input type ({x.dtype}) and bias type ({bias.dtype}) should be the same"
        )
    if isinstance(padding, str):
        if padding == "valid":
            p = ((0, 0),) * spatial
        elif padding == "same":
            if any(v != 1 for v in s):
                raise RuntimeError("padding='same' is not supported for strided convolutions")
            p = same_padding(k, d, s)
        else:
            raise RuntimeError(f"Invalid padding string: '{padding}'")
    else:
        p = tuple((q, q) for q in _pair(padding, spatial, "padding"))
        if any(q < 0 for q, _ in p):
            raise RuntimeError("negative padding is not supported")
    size = tuple(x.shape[2:])
    for n, ki, (lo, hi), di in zip(size, k, p, d):
        if n + lo + hi < di * (ki - 1) + 1:
            padded = " x ".join(str(a + b + c) for a, (b, c) in zip(size, p))
            kernel = " x ".join(str(di * (ki - 1) + 1) for ki, di in zip(k, d))
            raise RuntimeError(
                f"Calculated padded input size per channel: ({padded}). Kernel size: ({kernel}). "
                "Kernel size can't be greater than actual input size"
            )
    if spatial == 1:
        x4 = S.unsqueeze(x, 2)
        w4 = S.unsqueeze(weight, 2)
        node = C.Conv2d((1, s[0]), ((0, 0), p[0]), (1, d[0]), groups)
        out = run(node, x4, w4) if bias is None else run(node, x4, w4, bias)
        out = S.squeeze(out, 2)
    else:
        node = C.Conv2d(s, p, d, groups)
        out = run(node, x, weight) if bias is None else run(node, x, weight, bias)
    return _unbatch(out, unbatched)


def conv2d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Any = 1,
           padding: Any = 0, dilation: Any = 1, groups: int = 1) -> Tensor:
    """2-D convolution (cross-correlation) of (N, C, H, W) with W (O, C/groups, kh, kw)."""
    return _conv_nd(input, weight, bias, stride, padding, dilation, groups, 2, "conv2d")


def conv1d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Any = 1,
           padding: Any = 0, dilation: Any = 1, groups: int = 1) -> Tensor:
    """1-D convolution of (N, C, L) with W (O, C/groups, k)."""
    return _conv_nd(input, weight, bias, stride, padding, dilation, groups, 1, "conv1d")


def _conv_transpose_nd(input: Tensor, weight: Tensor, bias: Tensor | None, stride: Any,
                       padding: Any, output_padding: Any, groups: int, dilation: Any, spatial: int,
                       fn: str) -> Tensor:
    x, unbatched = _batched(input, spatial, fn)
    if x.shape[1] != weight.shape[0]:
        raise RuntimeError(
            f"Given transposed=1, weight of size {list(weight.shape)}, expected input{list(x.shape)} "
            f"to have {weight.shape[0]} channels, but got {x.shape[1]} channels instead"
        )
    s, p = _pair(stride, spatial, "stride"), _pair(padding, spatial, "padding")
    op, d = _pair(output_padding, spatial, "output_padding"), _pair(dilation, spatial, "dilation")
    if any(v <= 0 for v in s):
        raise RuntimeError("non-positive stride is not supported")
    if any(v < 0 for v in p):
        raise RuntimeError("negative padding is not supported")
    if weight.shape[0] % groups:
        raise RuntimeError(
            f"Given groups={groups}, expected weight to be divisible by {groups} at dimension 0, but got "
            f"weight of size {list(weight.shape)} instead"
        )
    if any(o >= max(si, di) for o, si, di in zip(op, s, d)):
        names = ("height", "width") if spatial == 2 else ("",)
        parts = [" ".join(f"{what}{'_' + n if n else ''}: {v[i]}" for i, n in enumerate(names))
                 for what, v in (("output_padding", op), ("stride", s), ("dilation", d))]
        raise RuntimeError("output padding must be smaller than either stride or dilation, but got "
                           + " ".join(parts))
    if x.dtype != weight.dtype:
        raise RuntimeError(f"Input type ({x.dtype}) and weight type ({weight.dtype}) should be the same")
    size = tuple(x.shape[2:])
    out = [(n - 1) * si - 2 * pi + di * (ki - 1) + oi + 1
           for n, si, pi, di, ki, oi in zip(size, s, p, d, weight.shape[2:], op)]
    if any(o <= 0 for o in out):
        shown_in, shown_out = ((1, *size), (1, *out)) if spatial == 1 else (size, out)  # 1-D as 2-D
        raise RuntimeError(f"Given input size per channel: ({' x '.join(map(str, shown_in))}). Calculated "
                           f"output size per channel: ({' x '.join(map(str, shown_out))}). Output size is "
                           "too small")
    if spatial == 1:
        node = C.ConvTranspose2d((1, s[0]), (0, p[0]), (0, op[0]), (1, d[0]), groups)
        x4, w4 = S.unsqueeze(x, 2), S.unsqueeze(weight, 2)
        out = run(node, x4, w4) if bias is None else run(node, x4, w4, bias)
        out = S.squeeze(out, 2)
    else:
        node = C.ConvTranspose2d(s, p, op, d, groups)
        out = run(node, x, weight) if bias is None else run(node, x, weight, bias)
    return _unbatch(out, unbatched)


def conv_transpose2d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Any = 1,
                     padding: Any = 0, output_padding: Any = 0, groups: int = 1,
                     dilation: Any = 1) -> Tensor:
    """Transposed 2-D convolution (the gradient of conv2d w.r.t. its input), W (C_in, C_out/g, kh, kw)."""
    return _conv_transpose_nd(input, weight, bias, stride, padding, output_padding, groups, dilation,
                              2, "conv_transpose2d")


def conv_transpose1d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Any = 1,
                     padding: Any = 0, output_padding: Any = 0, groups: int = 1,
                     dilation: Any = 1) -> Tensor:
    """Transposed 1-D convolution, W (C_in, C_out/g, k)."""
    return _conv_transpose_nd(input, weight, bias, stride, padding, output_padding, groups, dilation,
                              1, "conv_transpose1d")


def layer_size_error(layer: str, input: Tensor, err: RuntimeError, need: tuple[int, ...],
                     hint: str) -> RuntimeError:
    """The error a layer raises when its input is spatially too small: the layer, the input's
    shape, the smallest spatial size it accepts, then PyTorch's own sentence (``err``)."""
    n = len(need)
    have = tuple(input.shape[-n:])
    dims = "(H x W)" if n == 2 else "(L)"
    return RuntimeError(
        f"{layer}: input of shape {list(input.shape)} is too small for this layer: its spatial size "
        f"{dims} is {' x '.join(map(str, have))}, and it needs at least {' x '.join(map(str, need))}. "
        f"{err}. Hint: {hint}"
    )


def is_size_error(err: RuntimeError) -> bool:
    """Whether ``err`` is PyTorch's 'the window/kernel does not fit the input' error."""
    msg = str(err)
    return ("Output size is too small" in msg or "Invalid computed output size" in msg
            or "Kernel size can't be greater than actual input size" in msg)


# -- pooling --------------------------------------------------------------------------------------


def _check_pool_pad(k: tuple, p: tuple, d: tuple | None = None, fn: str = "") -> None:
    """Padding may be at most half the kernel: PyTorch checks against the effective (dilated)
    kernel first, then (max pooling) against the kernel itself, each with its own message."""
    for ki, pi, di in zip(k, p, d or (1,) * len(k)):
        if pi > (di * (ki - 1) + 1) // 2:
            raise RuntimeError(
                f"pad should be at most half of effective kernel size, but got pad={pi}, "
                f"kernel_size={ki} and dilation={di}"
            )
    if d is not None and any(pi > ki // 2 for ki, pi in zip(k, p)):
        if len(k) == 1:
            raise RuntimeError(f"{fn}() padding should be at most half of kernel size, but got "
                               f"padding={p[0]} and kernel_size={k[0]}")
        raise RuntimeError("pad should be smaller than or equal to half of kernel size, but got "
                           f"padW = {p[1]}, padH = {p[0]}, kW = {k[1]}, kH = {k[0]}")


def _check_pool_size(x: Tensor, k: tuple, s: tuple, p: tuple, d: tuple, ceil_mode: bool,
                     fn: str) -> None:
    """PyTorch's errors for a zero stride and for windows that leave no output."""
    if any(v == 0 for v in s):
        raise RuntimeError("stride should not be zero")
    if any(v <= 0 for v in k):
        raise RuntimeError(f"kernel size should be greater than zero, but got kernel_size={k}")
    size = tuple(x.shape[2:])
    out = [Po.pool_out_size(n, ki, si, pi, di, ceil_mode) for n, ki, si, pi, di in zip(size, k, s, p, d)]
    if any(o <= 0 for o in out):
        if fn == "max_pool1d":
            raise RuntimeError(f"{fn}() Invalid computed output size: {out[0]}")
        if len(size) == 1:  # avg_pool1d runs as 2-D with a height of 1, and says so
            size, out = (1, *size), [1, *out]
        c = x.shape[1]
        raise RuntimeError(f"Given input size: ({c}x{'x'.join(map(str, size))}). Calculated output size: "
                           f"({c}x{'x'.join(map(str, out))}). Output size is too small")


def _max_pool(input: Tensor, kernel_size: Any, stride: Any, padding: Any, dilation: Any,
              ceil_mode: bool, return_indices: bool, spatial: int, fn: str) -> Any:
    x, unbatched = _batched(input, spatial, fn)
    k = _pair(kernel_size, spatial)
    s = _pair(stride if stride not in (None, ()) else kernel_size, spatial)
    p, d = _pair(padding, spatial), _pair(dilation, spatial)
    _check_pool_pad(k, p, d, fn)
    _check_pool_size(x, k, s, p, d, ceil_mode, fn)
    if spatial == 1:
        k, s, p, d = (1, *k), (1, *s), (0, *p), (1, *d)
        x = S.unsqueeze(x, 2)
    node = Po.MaxPool2d(k, s, p, d, ceil_mode)
    out = run(node, x)
    if spatial == 1:
        out = S.squeeze(out, 2)
    out = _unbatch(out, unbatched)
    if return_indices:
        idx = node.indices()
        if spatial == 1:
            idx = idx[:, :, 0]
        return out, Tensor._wrap(idx[0] if unbatched else idx)
    return out


def max_pool2d(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0,
               dilation: Any = 1, ceil_mode: bool = False, return_indices: bool = False) -> Any:
    """Max over each kh×kw window (windows step by ``stride``, default the kernel size)."""
    return _max_pool(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices, 2,
                     "max_pool2d")


def max_pool1d(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0,
               dilation: Any = 1, ceil_mode: bool = False, return_indices: bool = False) -> Any:
    return _max_pool(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices, 1,
                     "max_pool1d")


def _avg_pool(input: Tensor, kernel_size: Any, stride: Any, padding: Any, ceil_mode: bool,
              count_include_pad: bool, divisor_override: Any, spatial: int, fn: str) -> Tensor:
    x, unbatched = _batched(input, spatial, fn)
    k = _pair(kernel_size, spatial)
    s = _pair(stride if stride not in (None, ()) else kernel_size, spatial)
    p = _pair(padding, spatial)
    _check_pool_pad(k, p)
    _check_pool_size(x, k, s, p, (1,) * spatial, ceil_mode, fn)
    if spatial == 1:
        k, s, p = (1, *k), (1, *s), (0, *p)
        x = S.unsqueeze(x, 2)
    out = run(Po.AvgPool2d(k, s, p, ceil_mode, count_include_pad, divisor_override), x)
    if spatial == 1:
        out = S.squeeze(out, 2)
    return _unbatch(out, unbatched)


def avg_pool2d(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0,
               ceil_mode: bool = False, count_include_pad: bool = True,
               divisor_override: int | None = None) -> Tensor:
    """Mean over each window (zero padding counted unless ``count_include_pad=False``)."""
    return _avg_pool(input, kernel_size, stride, padding, ceil_mode, count_include_pad,
                     divisor_override, 2, "avg_pool2d")


def avg_pool1d(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0,
               ceil_mode: bool = False, count_include_pad: bool = True) -> Tensor:
    return _avg_pool(input, kernel_size, stride, padding, ceil_mode, count_include_pad, None, 1,
                     "avg_pool1d")


def _adaptive(input: Tensor, output_size: Any, mode: str, spatial: int, fn: str,
              return_indices: bool = False) -> Any:
    x, unbatched = _batched(input, spatial, fn)
    size = tuple(x.shape[2:])
    if isinstance(output_size, (tuple, list)):
        if len(output_size) != spatial:
            raise RuntimeError(
                f"{fn}: output_size must be {spatial}" if spatial == 2 else
                f"{fn}() argument 'output_size' should contain one int (got {len(output_size)})")
        out = tuple(size[i] if o is None else int(o) for i, o in enumerate(output_size))
    else:
        out = (int(output_size),) * spatial
    if any(o < 0 for o in out):
        raise RuntimeError(f"{fn}: elements of output_size must be greater than or equal to 0 but "
                           f"received {out}")
    if spatial == 1:
        x = S.unsqueeze(x, 2)
        out = (1, *out)
    node = Po.AdaptivePool2d(out, mode)
    y = run(node, x)
    if spatial == 1:
        y = S.squeeze(y, 2)
    y = _unbatch(y, unbatched)
    if return_indices:
        idx = node.arg[:, :, 0] if spatial == 1 else node.arg
        return y, Tensor._wrap(idx[0] if unbatched else idx)
    return y


def adaptive_avg_pool2d(input: Tensor, output_size: Any) -> Tensor:
    """Average pooling to a fixed (H_out, W_out), windows ⌊i·H/H_out⌋ … ⌈(i+1)·H/H_out⌉."""
    return _adaptive(input, output_size, "avg", 2, "adaptive_avg_pool2d")


def adaptive_avg_pool1d(input: Tensor, output_size: Any) -> Tensor:
    return _adaptive(input, output_size, "avg", 1, "adaptive_avg_pool1d")


def adaptive_max_pool2d(input: Tensor, output_size: Any, return_indices: bool = False) -> Any:
    return _adaptive(input, output_size, "max", 2, "adaptive_max_pool2d", return_indices)


def adaptive_max_pool1d(input: Tensor, output_size: Any, return_indices: bool = False) -> Any:
    return _adaptive(input, output_size, "max", 1, "adaptive_max_pool1d", return_indices)


# -- resampling, patches ----------------------------------------------------------------------------


_INTERP_MODES = "nearest | linear | bilinear | bicubic | trilinear | lanczos | area | nearest-exact"


def interpolate(input: Tensor, size: Any = None, scale_factor: Any = None, mode: str = "nearest",
                align_corners: bool | None = None, recompute_scale_factor: bool | None = None,
                antialias: bool = False) -> Tensor:
    """Resize the spatial dims of (N, C, L) or (N, C, H, W): 'nearest', 'linear' (3-D) or
    'bilinear' (4-D), to ``size`` or ⌊n·scale_factor⌋.

    Each axis is resampled by a matrix (:func:`neurona.ops.pool.interp_matrix`): 'nearest'
    reads src = ⌊dst·r⌋ (2-D: src = dst for an unchanged size, ⌊dst/2⌋ for a doubled one);
    the linear modes blend the two neighbours of src = (dst + ½)·r − ½ (clamped at 0), or
    src = dst·(n_in − 1)/(n_out − 1) with ``align_corners``; r = 1/scale_factor when a scale
    factor is given (and not recomputed), else n_in/n_out. Other modes raise NotImplementedError.
    """
    nd = input.ndim
    if mode == "nearest" and align_corners is not None:
        raise ValueError("align_corners option can only be set with the interpolating modes: "
                         "linear | bilinear | bicubic | trilinear")
    if antialias and not (mode in ("bilinear", "bicubic", "lanczos") and nd == 4):
        raise ValueError("Anti-alias option is restricted to bilinear, bicubic, and lanczos modes and "
                         "requires a 4-D tensor as input")
    spatial = nd - 2
    in_size = list(input.shape[2:])
    if size is not None and scale_factor is not None:
        raise ValueError("only one of size or scale_factor should be defined")
    if size is None and scale_factor is None:
        raise ValueError("either size or scale_factor should be defined")
    scales: tuple = (None,) * max(spatial, 0)
    if size is not None:
        if isinstance(size, (tuple, list)) and len(size) != spatial:
            raise ValueError(
                "Input and output must have the same number of spatial dimensions, but got input with "
                f"spatial dimensions of {in_size} and output size of {size}. Please provide input tensor "
                "in (N, C, d1, d2, ...,dK) format and output size in (o1, o2, ...,oK) format.")
        out = tuple(int(v) for v in size) if isinstance(size, (tuple, list)) else (int(size),) * spatial
    else:
        if isinstance(scale_factor, (tuple, list)) and len(scale_factor) != spatial:
            raise ValueError(
                "Input and scale_factor must have the same number of spatial dimensions, but got input "
                f"with spatial dimensions of {in_size} and scale_factor of shape {scale_factor}. Please "
                "provide input tensor in (N, C, d1, d2, ...,dK) format and scale_factor in (s1, s2, "
                "...,sK) format.")
        sf = tuple(float(f) for f in (scale_factor if isinstance(scale_factor, (tuple, list))
                                      else (scale_factor,) * spatial))
        out = tuple(int(math.floor(n * f)) for n, f in zip(in_size, sf))
        scales = (None,) * spatial if recompute_scale_factor else sf
    if mode == "linear" and nd != 3:
        raise NotImplementedError(f"Got {nd}D input, but linear mode needs 3D input")
    if mode == "bilinear" and nd != 4:
        raise NotImplementedError(f"Got {nd}D input, but bilinear mode needs 4D input")
    if nd not in (3, 4, 5) or mode not in _INTERP_MODES.split(" | "):
        raise NotImplementedError(f"Input Error: Only 3D, 4D and 5D input Tensors supported (got {nd}D) "
                                  f"for the modes: {_INTERP_MODES} (got {mode})")
    if nd == 5 or mode not in ("nearest", "linear", "bilinear") or antialias:
        raise NotImplementedError(f"interpolate: mode '{mode}' on {nd}-D input"
                                  f"{' with antialias' if antialias else ''} is not supported by neurona")
    kind = "nearest" if mode == "nearest" else "linear"
    x = input if spatial == 2 else S.unsqueeze(input, 2)
    if spatial == 1:  # run as 2-D with height 1
        in_size, out, scales = [1, *in_size], (1, *out), (None, *scales)
    ins, outs, scl = in_size, out, scales
    # PyTorch's 1-D nearest forward applies ⌊dst·r⌋ even where its 2-D kernel (and every
    # backward) short-cuts equal and doubled sizes; neurona follows each forward, and its
    # gradient is always the forward's adjoint
    ah = Po.interp_matrix(ins[0], outs[0], kind, align_corners, scl[0], spatial == 2)
    aw = Po.interp_matrix(ins[1], outs[1], kind, align_corners, scl[1], spatial == 2)
    y = run(Po.Resample2d(ah, aw), x)
    return y if spatial == 2 else S.squeeze(y, 2)


def upsample(input: Tensor, size: Any = None, scale_factor: Any = None, mode: str = "nearest",
             align_corners: bool | None = None) -> Tensor:
    """Deprecated alias of :func:`interpolate` (as in PyTorch)."""
    return interpolate(input, size, scale_factor, mode, align_corners)


def unfold(input: Tensor, kernel_size: Any, dilation: Any = 1, padding: Any = 0,
           stride: Any = 1) -> Tensor:
    """Sliding patches as columns: (N, C, H, W) → (N, C·kh·kw, L), rows ordered (c, a, b),
    L = Ho·Wo windows in row-major order; an unbatched (C, H, W) gives (C·kh·kw, L)."""
    if input.ndim not in (3, 4):
        raise RuntimeError("Expected 3D or 4D (batch mode) tensor with possibly 0 batch size and other "
                           f"non-zero dimensions for input, but got: {list(input.shape)}")
    x, unbatched = _batched(input, 2, "unfold")
    k, d, p, s = _pair(kernel_size), _pair(dilation), _pair(padding), _pair(stride)
    out = [Po.pool_out_size(n, ki, si, pi, di, False) for n, ki, si, pi, di in zip(x.shape[2:], k, s, p, d)]
    if any(o <= 0 for o in out):
        raise RuntimeError(
            f"Given input with spatial size {tuple(x.shape[2:])}, kernel_size={k}, dilation={d}, "
            f"padding={p}, calculated shape of the array of sliding blocks as ({out[0]}, {out[1]}), but its "
            "components must be at least one.")
    return _unbatch(run(C.Unfold(k, d, p, s), x), unbatched)


def fold(input: Tensor, output_size: Any, kernel_size: Any, dilation: Any = 1, padding: Any = 0,
         stride: Any = 1) -> Tensor:
    """Columns back to an image, summing overlaps (the adjoint of :func:`unfold`):
    (N, C·kh·kw, L) → (N, C, H, W); an unbatched (C·kh·kw, L) gives (C, H, W)."""
    if input.ndim not in (2, 3):
        raise RuntimeError("Expected 2D or 3D (batch mode) tensor for input with possibly 0 batch size "
                           f"and non-zero dimensions for input, but got: {list(input.shape)}")
    x, unbatched = _batched(input, 1, "fold")
    size, k, d = _pair(output_size), _pair(kernel_size), _pair(dilation)
    p, s = _pair(padding), _pair(stride)
    if x.shape[1] % (k[0] * k[1]):
        raise RuntimeError("Expected size of input's dimension 1 to be divisible by the product of "
                           f"kernel_size, but got input.size(1)={x.shape[1]} and kernel_size={k}.")
    blocks = [Po.pool_out_size(n, ki, si, pi, di, False) for n, ki, si, pi, di in zip(size, k, s, p, d)]
    if blocks[0] * blocks[1] != x.shape[2]:
        raise RuntimeError(
            f"Given output_size={size}, kernel_size={k}, dilation={d}, padding={p}, stride={s}, expected "
            f"size of input's dimension 2 to match the calculated number of sliding blocks {blocks[0]} * "
            f"{blocks[1]} = {blocks[0] * blocks[1]}, but got input.size(2)={x.shape[2]}.")
    return _unbatch(run(C.Fold(size, k, d, p, s), x), unbatched)


def pixel_shuffle(input: Tensor, upscale_factor: int) -> Tensor:
    """(N, C·r², H, W) → (N, C, H·r, W·r)."""
    r = upscale_factor
    if input.ndim < 3:
        raise RuntimeError("pixel_shuffle expects input to have at least 3 dimensions, but got input with "
                           f"{input.ndim} dimension(s)")
    c, h, w = input.shape[-3:]
    if c % (r * r):
        raise RuntimeError(f"pixel_shuffle expects its input's 'channel' dimension to be divisible by the "
                           f"square of upscale_factor, but input.size(-3)={c} is not divisible by {r * r}")
    x = S.reshape(input, (-1, c // (r * r), r, r, h, w))
    x = S.permute(x, (0, 1, 4, 2, 5, 3))
    out = S.reshape(x, (*input.shape[:-3], c // (r * r), h * r, w * r))
    return out


def pixel_unshuffle(input: Tensor, downscale_factor: int) -> Tensor:
    """(N, C, H·r, W·r) → (N, C·r², H, W)."""
    r = downscale_factor
    if input.ndim < 3:
        raise RuntimeError("pixel_unshuffle expects input to have at least 3 dimensions, but got input "
                           f"with {input.ndim} dimension(s)")
    c, h, w = input.shape[-3:]
    for what, n, dim in (("height", h, -2), ("width", w, -1)):
        if n % r:
            raise RuntimeError(f"pixel_unshuffle expects {what} to be divisible by downscale_factor, but "
                               f"input.size({dim})={n} is not divisible by {r}")
    x = S.reshape(input, (-1, c, h // r, r, w // r, r))
    x = S.permute(x, (0, 1, 3, 5, 2, 4))
    return S.reshape(x, (*input.shape[:-3], c * r * r, h // r, w // r))
