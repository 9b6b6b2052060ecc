"""Convolution layers: ``Conv1d``, ``Conv2d``, ``ConvTranspose1d``, ``ConvTranspose2d``.

Weights have PyTorch's layouts: (out, in/groups, *kernel) for convolutions and
(in, out/groups, *kernel) for transposed ones, initialised as PyTorch does
(kaiming-uniform with a = √5, bias ~ U(±1/√fan_in)).
"""

from __future__ import annotations

import math
from typing import Any

from ...api import creation as Cr
from ...tensor import Tensor
from .. import functional_conv as FC
from .. import init
from ..parameter import Parameter
from .module import Module

_PAD_MODES = ("zeros", "reflect", "replicate", "circular")


class _ConvNd(Module):
    _spatial = 2
    _transposed = False

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any = 1,
                 padding: Any = 0, dilation: Any = 1, groups: int = 1, bias: bool = True,
                 padding_mode: str = "zeros", output_padding: Any = 0, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__()
        n = self._spatial
        if groups <= 0:
            raise ValueError("groups must be a positive integer")
        if in_channels % groups:
            raise ValueError("in_channels must be divisible by groups")
        if out_channels % groups:
            raise ValueError("out_channels must be divisible by groups")
        if padding_mode not in _PAD_MODES:
            raise ValueError(
                f"padding_mode must be one of {list(_PAD_MODES)}, but got padding_mode='{padding_mode}'"
            )
        self.in_channels, self.out_channels = in_channels, out_channels
        self.kernel_size = FC._pair(kernel_size, n, "kernel_size")
        self.stride = FC._pair(stride, n, "stride")
        self.dilation = FC._pair(dilation, n, "dilation")
        if isinstance(padding, str):
            if padding not in ("same", "valid"):
                raise ValueError(f"Invalid padding string '{padding}', should be one of {{'valid', 'same'}}")
            if padding == "same" and any(s != 1 for s in self.stride):
                raise ValueError("padding='same' is not supported for strided convolutions")
            self.padding: Any = padding
        else:
            self.padding = FC._pair(padding, n, "padding")
        self.output_padding = FC._pair(output_padding, n, "output_padding")
        self.groups = groups
        self.padding_mode = padding_mode
        self.transposed = self._transposed
        shape = ((in_channels, out_channels // groups) if self._transposed
                 else (out_channels, in_channels // groups)) + self.kernel_size
        self.weight = Parameter(Cr.empty(shape, dtype=dtype))
        if bias:
            self.bias = Parameter(Cr.empty(out_channels, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in, _ = init._calculate_fan_in_and_fan_out(self.weight)
            if fan_in:
                bound = 1 / math.sqrt(fan_in)
                init.uniform_(self.bias, -bound, bound)

    def extra_repr(self) -> str:
        zeros, ones = (0,) * len(self.kernel_size), (1,) * len(self.kernel_size)
        s = (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
             f"stride={self.stride}")
        if self.padding != zeros:
            s += f", padding={self.padding}"
        if self.dilation != ones:
            s += f", dilation={self.dilation}"
        if self.output_padding != zeros:
            s += f", output_padding={self.output_padding}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        if self.padding_mode != "zeros":
            s += f", padding_mode={self.padding_mode}"
        return s

    def _name_for_errors(self) -> str:
        return f"{type(self).__name__}({self.extra_repr()})"

    def _check_input(self, input: Tensor) -> None:
        n = self._spatial
        if input.ndim not in (n + 1, n + 2):
            raise RuntimeError(
                f"{self._name_for_errors()}: expected a {n + 1}-D (unbatched) or {n + 2}-D (batched) "
                f"input {'(N, C, H, W)' if n == 2 else '(N, C, L)'}, got shape {list(input.shape)}"
            )
        c = input.shape[-n - 1]
        if c != self.in_channels:
            raise RuntimeError(
                f"{self._name_for_errors()}: expected input with {self.in_channels} channels "
                f"(dim {input.ndim - n - 1}), got input of shape {list(input.shape)} with {c} channels"
            )

    def _size_error(self, input: Tensor, err: RuntimeError, need: tuple[int, ...],
                    hint: str) -> RuntimeError:
        return FC.layer_size_error(self._name_for_errors(), input, err, need, hint)


class _Conv(_ConvNd):
    def _pad_input(self, input: Tensor) -> Tensor:
        """``input`` padded by ``padding_mode`` ('reflect', 'replicate', 'circular'): the
        padding ints, or what 'same' / 'valid' mean for this kernel (odd totals pad one more
        after, as PyTorch)."""
        from ..functional import pad

        if self.padding == "valid":
            widths = [(0, 0)] * self._spatial
        elif self.padding == "same":
            widths = list(FC.same_padding(self.kernel_size, self.dilation, self.stride))
        else:
            widths = [(p, p) for p in self.padding]
        pads: list[int] = []
        for lo, hi in reversed(widths):
            pads += [lo, hi]
        return pad(input, pads, mode=self.padding_mode)

    def forward(self, input: Tensor) -> Tensor:
        self._check_input(input)
        conv = FC.conv2d if self._spatial == 2 else FC.conv1d
        try:
            if self.padding_mode != "zeros":
                return conv(self._pad_input(input), self.weight, self.bias, self.stride, 0,
                            self.dilation, self.groups)
            return conv(input, self.weight, self.bias, self.stride, self.padding, self.dilation,
                        self.groups)
        except RuntimeError as err:
            if not FC.is_size_error(err):
                raise
            if self.padding == "same":  # pads d(k − 1): any non-empty input fits
                need = (1,) * self._spatial
            else:
                pads = (0,) * self._spatial if self.padding == "valid" else self.padding
                need = tuple(max(1, d * (k - 1) + 1 - 2 * p)
                             for k, d, p in zip(self.kernel_size, self.dilation, pads))
            raise self._size_error(
                input, err, need, "the (dilated) kernel must fit inside the padded input; use a "
                "smaller kernel_size, more padding (or padding='same'), fewer pooling layers before "
                "this one, or a larger input.") from None


class Conv2d(_Conv):
    """2-D convolution over (N, C_in, H, W): out = bias + Σ W ⋆ x, weight (C_out, C_in/groups, kh, kw).

    Output size per spatial dim: ⌊(n + 2p − d(k − 1) − 1)/s⌋ + 1.
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any = 1,
                 padding: Any = 0, dilation: Any = 1, groups: int = 1, bias: bool = True,
                 padding_mode: str = "zeros", device: Any = None, dtype: Any = None) -> None:
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, groups,
                         bias, padding_mode, 0, device, dtype)


class Conv1d(_Conv):
    """1-D convolution over (N, C_in, L), weight (C_out, C_in/groups, k)."""

    _spatial = 1

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any = 1,
                 padding: Any = 0, dilation: Any = 1, groups: int = 1, bias: bool = True,
                 padding_mode: str = "zeros", device: Any = None, dtype: Any = None) -> None:
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, groups,
                         bias, padding_mode, 0, device, dtype)


class _ConvTranspose(_ConvNd):
    _transposed = True

    def forward(self, input: Tensor, output_size: Any = None) -> Tensor:
        self._check_input(input)
        op = self.output_padding
        if output_size is not None:
            op = self._output_padding_for(input, output_size)
        fn = FC.conv_transpose2d if self._spatial == 2 else FC.conv_transpose1d
        try:
            return fn(input, self.weight, self.bias, self.stride, self.padding, op, self.groups,
                      self.dilation)
        except RuntimeError as err:
            if not FC.is_size_error(err):
                raise
            # (n − 1)s − 2p + d(k − 1) + output_padding + 1 ≥ 1
            need = tuple(max(1, 1 - (d * (k - 1) + o - 2 * p) // s)
                         for k, s, p, d, o in zip(self.kernel_size, self.stride, self.padding,
                                                  self.dilation, FC._pair(op, self._spatial)))
            raise self._size_error(
                input, err, need, "padding removes 2·padding cells from the output; lower padding "
                "or use a larger input.") from None

    def _output_padding_for(self, input: Tensor, output_size: Any) -> tuple[int, ...]:
        """The output_padding that makes the output ``output_size`` (its last dims); it must
        lie in [0, stride) — PyTorch's rule and message."""
        n = self._spatial
        output_size = tuple(int(v) for v in output_size)
        if len(output_size) == n + 2:
            output_size = output_size[2:]
        if len(output_size) != n:
            raise ValueError(
                f"ConvTranspose{n}D: for {input.ndim}D input, output_size must have {n} or {n + 2} "
                f"elements (got {len(output_size)})"
            )
        lows = [(input.shape[-n + i] - 1) * self.stride[i] - 2 * self.padding[i]
                + self.dilation[i] * (self.kernel_size[i] - 1) + 1 for i in range(n)]
        highs = [lo + self.stride[i] - 1 for i, lo in enumerate(lows)]
        if any(not lo <= want <= hi for want, lo, hi in zip(output_size, lows, highs)):
            raise ValueError(
                f"requested an output size of {output_size}, but valid sizes range from {lows} to "
                f"{highs} (for an input of {tuple(input.shape[-n:])})"
            )
        return tuple(want - lo for want, lo in zip(output_size, lows))


class ConvTranspose2d(_ConvTranspose):
    """Transposed 2-D convolution (a learnable upsampling), weight (C_in, C_out/groups, kh, kw).

    Output size: (n − 1)s − 2p + d(k − 1) + output_padding + 1.
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any = 1,
                 padding: Any = 0, output_padding: Any = 0, groups: int = 1, bias: bool = True,
                 dilation: Any = 1, padding_mode: str = "zeros", device: Any = None,
                 dtype: Any = None) -> None:
        if padding_mode != "zeros":
            raise ValueError(f'Only "zeros" padding mode is supported for {type(self).__name__}')
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, groups,
                         bias, padding_mode, output_padding, device, dtype)


class ConvTranspose1d(_ConvTranspose):
    """Transposed 1-D convolution, weight (C_in, C_out/groups, k)."""

    _spatial = 1

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any = 1,
                 padding: Any = 0, output_padding: Any = 0, groups: int = 1, bias: bool = True,
                 dilation: Any = 1, padding_mode: str = "zeros", device: Any = None,
                 dtype: Any = None) -> None:
        if padding_mode != "zeros":
            raise ValueError(f'Only "zeros" padding mode is supported for {type(self).__name__}')
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, groups,
                         bias, padding_mode, output_padding, device, dtype)
