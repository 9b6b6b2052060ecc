"""``summary(model, input_size)``: each layer's output shape and parameter count (torchinfo-like).

One forward pass on zeros of ``input_size`` (batch dim included) with a forward hook on
every module records the output shapes; parameter counts come from each module's own
parameters. Works for neurona and PyTorch models alike (the framework is detected).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..._engines import framework_of

_WIDTH = 90


@dataclass
class LayerInfo:
    """One row of the summary."""

    name: str
    type: str
    depth: int
    index: int
    output_shape: list[int] | None
    num_params: int
    trainable: bool
    is_leaf: bool


@dataclass
class ModelSummary:
    """The table ``summary`` returns; ``print(it)`` shows it."""

    layers: list[LayerInfo] = field(default_factory=list)
    total_params: int = 0
    trainable_params: int = 0
    input_size: list[int] | None = None
    output_shape: list[int] | None = None

    @property
    def non_trainable_params(self) -> int:
        return self.total_params - self.trainable_params

    def __str__(self) -> str:
        bar = "=" * _WIDTH
        lines = [bar, f"{'Layer (type:depth-idx)':<45}{'Output Shape':<28}{'Param #':>15}", bar]
        for row in self.layers:
            prefix = "" if row.depth == 0 else "│    " * (row.depth - 1) + "├─"
            label = row.type if row.depth == 0 else f"{prefix}{row.type}: {row.depth}-{row.index}"
            shape = str(row.output_shape) if row.output_shape is not None else "--"
            params = f"{row.num_params:,}" if row.num_params else "--"
            lines.append(f"{label:<45}{shape:<28}{params:>15}")
        lines += [
            bar,
            f"Total params: {self.total_params:,}",
            f"Trainable params: {self.trainable_params:,}",
            f"Non-trainable params: {self.non_trainable_params:,}",
            bar,
        ]
        return "\n".join(lines)

    __repr__ = __str__


def _shape_of(out: Any) -> list[int] | None:
    if hasattr(out, "shape"):
        return list(out.shape)
    if isinstance(out, (tuple, list)) and out and hasattr(out[0], "shape"):
        return list(out[0].shape)
    return None


def summary(model: Any, input_size: Any = None, *, input_data: Any = None, dtype: Any = None,
            depth: int = 3) -> ModelSummary:
    """Run ``model`` once on zeros of ``input_size`` and tabulate layers, shapes, parameters."""
    fw = framework_of(model)
    if input_data is None:
        if input_size is None:
            raise ValueError("summary needs input_size (batch dim included) or input_data")
        sizes = input_size if isinstance(input_size[0], (tuple, list)) else [input_size]
        input_data = [fw.zeros(*s, dtype=dtype or fw.get_default_dtype()) for s in sizes]
    elif not isinstance(input_data, (list, tuple)):
        input_data = [input_data]

    rows: list[LayerInfo] = []
    handles = []
    counters: dict[int, int] = {}
    seen_modules: set[int] = set()  # a module reachable by two names gets one row (the first)
    counted: set[int] = set()  # a parameter shared by two modules is counted once

    def count(params: Any) -> int:
        total = 0
        for p in params:
            if id(p) not in counted:
                counted.add(id(p))
                total += p.numel()
        return total

    def visit(module: Any, name: str, d: int) -> None:
        seen_modules.add(id(module))
        counters[d] = counters.get(d, 0) + 1
        own = list(module.parameters(recurse=False))
        children = [(n, c) for n, c in module.named_children() if id(c) not in seen_modules]
        row = LayerInfo(
            name=name, type=type(module).__name__, depth=d, index=counters[d],
            output_shape=None, num_params=count(own),
            trainable=all(p.requires_grad for p in own), is_leaf=not children,
        )
        rows.append(row)

        def hook(mod: Any, inp: Any, out: Any, row: LayerInfo = row) -> None:
            if row.output_shape is None:
                row.output_shape = _shape_of(out)

        handles.append(module.register_forward_hook(hook))
        if d < depth:
            for child_name, child in children:
                if id(child) not in seen_modules:
                    visit(child, f"{name}.{child_name}" if name else child_name, d + 1)
        else:  # fold deeper parameters into this row
            row.num_params += count(module.parameters())

    visit(model, "", 0)
    modes = [(m, m.training) for m in model.modules()]  # restored one by one afterwards
    model.eval()
    try:
        with fw.no_grad():
            out = model(*input_data)
    finally:
        for h in handles:
            h.remove()
        for m, mode in modes:
            m.training = mode
    params = list(model.parameters())
    return ModelSummary(
        layers=rows,
        total_params=sum(p.numel() for p in params),
        trainable_params=sum(p.numel() for p in params if p.requires_grad),
        input_size=[list(x.shape) for x in input_data][0],
        output_shape=_shape_of(out),
    )
