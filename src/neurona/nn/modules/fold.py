"""``Unfold`` and ``Fold``: sliding patches as columns and back (im2col / col2im as layers)."""

from __future__ import annotations

from typing import Any

from ...tensor import Tensor
from .. import functional_conv as FC
from .module import Module


class Unfold(Module):
    """Extract sliding local blocks: (N, C, H, W) → (N, C·kh·kw, L).

    With L = Π_d ⌊(size_d + 2·padding_d − dilation_d·(k_d − 1) − 1) / stride_d + 1⌋ blocks, each
    column holds one block's values, rows ordered by channel, then kernel row, then kernel column.
    """

    def __init__(self, kernel_size: Any, dilation: Any = 1, padding: Any = 0, stride: Any = 1) -> None:
        super().__init__()
        self.kernel_size, self.dilation, self.padding, self.stride = kernel_size, dilation, padding, stride

    def forward(self, input: Tensor) -> Tensor:
        return FC.unfold(input, self.kernel_size, self.dilation, self.padding, self.stride)

    def extra_repr(self) -> str:
        return (f"kernel_size={self.kernel_size}, dilation={self.dilation}, padding={self.padding}, "
                f"stride={self.stride}")


class Fold(Module):
    """Combine sliding local blocks into an image, summing where blocks overlap:
    (N, C·kh·kw, L) → (N, C, H, W) with (H, W) = ``output_size``; the adjoint of :class:`Unfold`."""

    def __init__(self, output_size: Any, kernel_size: Any, dilation: Any = 1, padding: Any = 0,
                 stride: Any = 1) -> None:
        super().__init__()
        self.output_size, self.kernel_size = output_size, kernel_size
        self.dilation, self.padding, self.stride = dilation, padding, stride

    def forward(self, input: Tensor) -> Tensor:
        return FC.fold(input, self.output_size, self.kernel_size, self.dilation, self.padding, self.stride)

    def extra_repr(self) -> str:
        return (f"output_size={self.output_size}, kernel_size={self.kernel_size}, "
                f"dilation={self.dilation}, padding={self.padding}, stride={self.stride}")
