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
    if isinstance(v, (tuple, list)):
        if len(v) == 1:
            return tuple(int(v[0]) for _ in range(n))
        if len(v) != n:
            raise ValueError(f"{name} must be an int or a tuple of {n} ints, got {v!r}")
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


def _same_padding(k: tuple, d: tuple, stride: tuple) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Symmetric padding and the extra right padding that make output size = input size."""
    if any(s != 1 for s in stride):
        raise ValueError("padding='same' is not supported for strided convolutions")
    total = [di * (ki - 1) for ki, di in zip(k, d)]
    return tuple(t // 2 for t in total), tuple(t - 2 * (t // 2) for t in total)


def _conv_nd(input: Tensor, weight: Tensor, bias: Tensor | None, stride: Any, padding: Any,
             dilation: Any, groups: int, spatial: int, fn: str) -> Tensor:
    x, unbatched = _batched(input, spatial, fn)
    if weight.ndim != spatial + 2:
        raise RuntimeError(f"{fn}: expected a {spatial + 2}-D weight, got shape {list(weight.shape)}")
    k = tuple(weight.shape[2:])
    s, d = _pair(stride, spatial, "stride"), _pair(dilation, spatial, "dilation")
    if x.shape[1] != weight.shape[1] * groups:
        raise RuntimeError(
            f"Given groups={groups}, weight of size {list(weight.shape)}, expected input"
            f"{list(x.shape)} to have {weight.shape[1] * groups} channels, but got {x.shape[1]} "
            "channels instead"
        )
    if weight.shape[0] % groups:
        raise RuntimeError(f"{fn}: out_channels ({weight.shape[0]}) must be divisible by groups ({groups})")
    if x.dtype != weight.dtype:
        raise RuntimeError(
            f"Input type ({x.dtype}) and weight type ({weight.dtype}) should be the same"
        )
    if isinstance(padding, str):
        if padding == "valid":
            p = (0,) * spatial
        elif padding == "same":
            p, extra = _same_padding(k, d, s)
            if any(extra):
                pads: list[int] = []
                for e in reversed(extra):
                    pads += [0, e]
                from .functional import pad as _pad

                x = _pad(x, pads)
        else:
            raise ValueError(f"Invalid padding string '{padding}', should be one of {{'valid', 'same'}}")
    else:
        p = _pair(padding, spatial, "padding")
    size = tuple(x.shape[2:])
    for n, ki, pi, di in zip(size, k, p, d):
        if n + 2 * pi < di * (ki - 1) + 1:
            padded = " x ".join(str(a + 2 * b) for a, b in zip(size, p))
            kernel = " x ".join(str(di * (ki - 1) + 1) for ki, di in zip(k, d))
            raise RuntimeError(
                f"Calculated padded input size per channel: ({padded}). Kernel size: ({kernel}). "
                "Kernel size can't be greater than actual input size"
            )
    if spatial == 1:
        x4 = S.unsqueeze(x, 2)
        w4 = S.unsqueeze(weight, 2)
        node = C.Conv2d((1, s[0]), (0, p[0]), (1, d[0]), groups)
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
    for o, si, di in zip(op, s, d):
        if o >= max(si, di):
            raise RuntimeError("output padding must be smaller than either stride or dilation, "
                               f"but got output_padding={op}, stride={s}, dilation={d}")
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


# -- pooling --------------------------------------------------------------------------------------


def _check_pool_pad(k: tuple, p: tuple, d: tuple = (1, 1)) -> None:
    for ki, pi, di in zip(k, p, d):
        if pi > (di * (ki - 1) + 1) // 2:
            raise RuntimeError(
                f"pad should be at most half of effective kernel size, but got pad={pi}, "
                f"kernel_size={ki} and dilation={di}"
            )


def _max_pool(input: Tensor, kernel_size: Any, stride: Any, padding: Any, dilation: Any,
              ceil_mode: bool, return_indices: bool, spatial: int, fn: str) -> Any:
    x, unbatched = _batched(input, spatial, fn)
    k = _pair(kernel_size, spatial)
    s = _pair(stride if stride not in (None, ()) else kernel_size, spatial)
    p, d = _pair(padding, spatial), _pair(dilation, spatial)
    _check_pool_pad(k, p, d)
    if spatial == 1:
        k, s, p, d = (1, *k), (1, *s), (0, *p), (1, *d)
        x = S.unsqueeze(x, 2)
    node = Po.MaxPool2d(k, s, p, d, ceil_mode)
    out = run(node, x)
    idx = node.indices()
    if spatial == 1:
        out = S.squeeze(out, 2)
        idx = idx[:, :, 0]
    out = _unbatch(out, unbatched)
    if return_indices:
        idx_t = Tensor._wrap(idx[0] if unbatched else idx)
        return out, idx_t
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
    out = _pair(output_size, spatial) if not isinstance(output_size, (tuple, list)) else tuple(
        size[i] if o is None else int(o) for i, o in enumerate(output_size))
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


def interpolate(input: Tensor, size: Any = None, scale_factor: Any = None, mode: str = "nearest",
                align_corners: bool | None = None, recompute_scale_factor: bool | None = None,
                antialias: bool = False) -> Tensor:
    """Resize the spatial dims: 'nearest', 'linear' (3-D input) or 'bilinear' (4-D input)."""
    spatial = input.ndim - 2
    if spatial not in (1, 2):
        raise NotImplementedError(f"interpolate supports 3-D and 4-D inputs, got {input.ndim}-D")
    if mode not in ("nearest", "linear", "bilinear"):
        raise NotImplementedError(f"interpolate: mode '{mode}' is not supported")
    if mode == "nearest" and align_corners is not None:
        raise ValueError("align_corners option can only be set with the interpolating modes: "
                         "linear | bilinear | bicubic | trilinear")
    if (size is None) == (scale_factor is None):
        raise ValueError("only one of size or scale_factor should be defined")
    in_size = tuple(input.shape[2:])
    scales: tuple = (None,) * spatial
    if size is not None:
        out = _pair(size, spatial, "size")
    else:
        sf = tuple(float(f) for f in (scale_factor if isinstance(scale_factor, (tuple, list))
                                      else (scale_factor,) * spatial))
        out = tuple(int(math.floor(n * f)) for n, f in zip(in_size, sf))
        scales = (None,) * spatial if recompute_scale_factor else sf
    kind = "nearest" if mode == "nearest" else "linear"
    x = input if spatial == 2 else S.unsqueeze(input, 2)
    ins, outs, scl = (in_size, out, scales) if spatial == 2 else ((1, *in_size), (1, *out), (None, *scales))
    ah = Po.interp_matrix(ins[0], outs[0], kind, align_corners, scl[0])
    aw = Po.interp_matrix(ins[1], outs[1], kind, align_corners, scl[1])
    y = run(Po.Resample2d(ah, aw), x)
    return y if spatial == 2 else S.squeeze(y, 2)


def upsample(input: Tensor, size: Any = None, scale_factor: Any = None, mode: str = "nearest",
             align_corners: bool | None = None) -> Tensor:
    return interpolate(input, size, scale_factor, mode, align_corners)


def unfold(input: Tensor, kernel_size: Any, dilation: Any = 1, padding: Any = 0,
           stride: Any = 1) -> Tensor:
    """Patches as columns: (N, C, H, W) → (N, C·kh·kw, L)."""
    if input.ndim != 4:
        raise NotImplementedError(f"Input Error: Only 4D input Tensors are supported (got {input.ndim}D)")
    return run(C.Unfold(_pair(kernel_size), _pair(dilation), _pair(padding), _pair(stride)), input)


def fold(input: Tensor, output_size: Any, kernel_size: Any, dilation: Any = 1, padding: Any = 0,
         stride: Any = 1) -> Tensor:
    """Columns back to an image, summing overlaps: (N, C·kh·kw, L) → (N, C, H, W)."""
    if input.ndim != 3:
        raise NotImplementedError(f"Input Error: Only 3D input Tensors are supported (got {input.ndim}D)")
    return run(C.Fold(_pair(output_size), _pair(kernel_size), _pair(dilation), _pair(padding),
                      _pair(stride)), input)


def pixel_shuffle(input: Tensor, upscale_factor: int) -> Tensor:
    """(N, C·r², H, W) → (N, C, H·r, W·r)."""
    r = upscale_factor
    n, c, h, w = input.shape[-4:] if input.ndim >= 4 else (1, *input.shape)
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
    c, h, w = input.shape[-3:]
    x = S.reshape(input, (-1, c, h // r, r, w // r, r))
    x = S.permute(x, (0, 1, 3, 5, 2, 4))
    return S.reshape(x, (*input.shape[:-3], c * r * r, h // r, w // r))
