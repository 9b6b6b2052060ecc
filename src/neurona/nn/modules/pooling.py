"""Pooling layers: max, average and adaptive, in 1-D and 2-D."""

from __future__ import annotations

from typing import Any

from ...ops.pool import pool_out_size
from ...tensor import Tensor
from .. import functional_conv as FC
from .module import Module

_POOL_HINT = ("every pooling layer divides the image by its stride; use fewer pooling layers, "
              "a smaller kernel_size, padding or ceil_mode=True, or a larger input.")


def _pool_call(layer: Module, spatial: int, fn: Any, input: Tensor, *args: Any) -> Any:
    """``fn(input, *args)``; a window that does not fit the input re-raised naming ``layer``,
    the input's shape and the smallest spatial size the layer accepts."""
    try:
        return fn(input, *args)
    except RuntimeError as err:
        if not FC.is_size_error(err):
            raise
        k = FC._pair(layer.kernel_size, spatial)
        s = FC._pair(layer.stride if layer.stride not in (None, ()) else layer.kernel_size, spatial)
        p = FC._pair(layer.padding, spatial)
        d = FC._pair(getattr(layer, "dilation", 1), spatial)
        need = tuple(next(n for n in range(1, di * (ki - 1) + 2)
                          if pool_out_size(n, ki, si, pi, di, layer.ceil_mode) > 0)
                     for ki, si, pi, di in zip(k, s, p, d))
        name = f"{type(layer).__name__}({layer.extra_repr()})"
        raise FC.layer_size_error(name, input, err, need, _POOL_HINT) from None


class _MaxPoolNd(Module):
    _fn: Any = None

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0, dilation: Any = 1,
                 return_indices: bool = False, ceil_mode: bool = False) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding, self.dilation = padding, dilation
        self.return_indices, self.ceil_mode = return_indices, ceil_mode

    _spatial = 2

    def forward(self, input: Tensor) -> Any:
        return _pool_call(self, self._spatial, type(self)._fn, input, self.kernel_size, self.stride,
                          self.padding, self.dilation, self.ceil_mode, self.return_indices)

    def extra_repr(self) -> str:
        return (f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
                f"dilation={self.dilation}, ceil_mode={self.ceil_mode}")


class MaxPool2d(_MaxPoolNd):
    """Max over kh×kw windows of (N, C, H, W); ``ceil_mode`` keeps a last partial window."""

    _fn = staticmethod(FC.max_pool2d)


class MaxPool1d(_MaxPoolNd):
    """Max over windows of length k of (N, C, L)."""

    _fn = staticmethod(FC.max_pool1d)
    _spatial = 1


class AvgPool2d(Module):
    """Mean over kh×kw windows of (N, C, H, W)."""

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0, ceil_mode: bool = False,
                 count_include_pad: bool = True, divisor_override: int | None = None) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding, self.ceil_mode = padding, ceil_mode
        self.count_include_pad, self.divisor_override = count_include_pad, divisor_override

    def forward(self, input: Tensor) -> Tensor:
        return _pool_call(self, 2, FC.avg_pool2d, input, self.kernel_size, self.stride, self.padding,
                          self.ceil_mode, self.count_include_pad, self.divisor_override)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AvgPool1d(Module):
    """Mean over windows of length k of (N, C, L)."""

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0, ceil_mode: bool = False,
                 count_include_pad: bool = True) -> None:
        super().__init__()
        self.kernel_size = FC._pair(kernel_size, 1)
        self.stride = FC._pair(stride if stride is not None else kernel_size, 1)
        self.padding = FC._pair(padding, 1)
        self.ceil_mode, self.count_include_pad = ceil_mode, count_include_pad

    def forward(self, input: Tensor) -> Tensor:
        return _pool_call(self, 1, FC.avg_pool1d, input, self.kernel_size, self.stride, self.padding,
                          self.ceil_mode, self.count_include_pad)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class _Adaptive(Module):
    def __init__(self, output_size: Any, return_indices: bool = False) -> None:
        super().__init__()
        self.output_size = output_size
        self.return_indices = return_indices

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class AdaptiveAvgPool2d(_Adaptive):
    """Average pooling to a fixed output size (H_out, W_out) whatever the input size."""

    def __init__(self, output_size: Any) -> None:
        super().__init__(output_size)

    def forward(self, input: Tensor) -> Tensor:
        return FC.adaptive_avg_pool2d(input, self.output_size)


class AdaptiveAvgPool1d(_Adaptive):
    def __init__(self, output_size: Any) -> None:
        super().__init__(output_size)

    def forward(self, input: Tensor) -> Tensor:
        return FC.adaptive_avg_pool1d(input, self.output_size)


class AdaptiveMaxPool2d(_Adaptive):
    """Max pooling to a fixed output size."""

    def forward(self, input: Tensor) -> Any:
        return FC.adaptive_max_pool2d(input, self.output_size, self.return_indices)


class AdaptiveMaxPool1d(_Adaptive):
    def forward(self, input: Tensor) -> Any:
        return FC.adaptive_max_pool1d(input, self.output_size, self.return_indices)
