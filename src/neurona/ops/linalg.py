"""Matrix products: ``matmul`` (1-D, 2-D, batched, broadcast) and ``einsum``.

For C = A·B, ∂L/∂A = G·Bᵀ and ∂L/∂B = Aᵀ·G. A 1-D operand is treated as a row (left)
or a column (right) vector and the extra axis removed again; batch axes broadcast, and
the engine sums each gradient back over the batch axes its input did not have.
"""

from __future__ import annotations

import numpy as np

from ..autograd.function import Node


class MatMul(Node):
    """C = A @ B with NumPy's (and PyTorch's) matmul semantics."""

    _name = "MmBackward0"
    saves = (0, 1)

    def forward(self, a, b):
        self.a, self.b = a, b
        return np.matmul(a, b)

    def backward(self, g):
        a, b = self.a, self.b
        need = self.needs_input_grad
        ga = gb = None
        if a.ndim == 1 and b.ndim == 1:
            return (g * b if need[0] else None), (g * a if need[1] else None)
        if a.ndim == 1:  # (n) @ (..., n, m) -> (..., m)
            g2 = g[..., None, :]
            if need[0]:
                ga = np.matmul(g2, np.swapaxes(b, -1, -2))[..., 0, :]
            if need[1]:
                gb = a[:, None] * g2
            return ga, gb
        if b.ndim == 1:  # (..., k, n) @ (n) -> (..., k)
            g2 = g[..., :, None]
            if need[0]:
                ga = g2 * b
            if need[1]:
                gb = np.matmul(np.swapaxes(a, -1, -2), g2)[..., 0]
            return ga, gb
        if need[0]:
            ga = np.matmul(g, np.swapaxes(b, -1, -2))
        if need[1]:
            if b.ndim == 2 and a.ndim > 2:  # shared weight: one GEMM over all batch rows
                gb = np.tensordot(a, g, axes=(list(range(a.ndim - 1)), list(range(g.ndim - 1))))  # 0-size ok
            else:
                gb = np.matmul(np.swapaxes(a, -1, -2), g)
        return ga, gb


class Einsum(Node):
    """Any product expressible in Einstein notation; the gradient of an operand is the einsum
    of the output gradient with the other operands, back to that operand's subscripts."""

    _name = "EinsumBackward0"

    def __init__(self, inputs: list[str], output: str) -> None:
        self.inputs, self.output = inputs, output
        self.saves = tuple(range(len(inputs)))

    def forward(self, *ops):
        self.ops = ops
        eq = ",".join(self.inputs) + "->" + self.output
        return np.einsum(eq, *ops, optimize=len(ops) > 2)

    def backward(self, g):
        grads = []
        sizes = {}
        for subs, op in zip(self.inputs, self.ops):
            for c, n in zip(subs, op.shape):
                sizes[c] = n if sizes.get(c, 1) == 1 else sizes[c]  # size 1 broadcasts (to 0 too)
        for i, (subs, op) in enumerate(zip(self.inputs, self.ops)):
            if not self.needs_input_grad[i]:
                grads.append(None)
                continue
            others = [(s, o) for j, (s, o) in enumerate(zip(self.inputs, self.ops)) if j != i]
            unique = "".join(dict.fromkeys(subs))
            available = set(self.output).union(*[set(s) for s, _ in others])
            kept = "".join(c for c in unique if c in available)
            eq = ",".join([self.output] + [s for s, _ in others]) + "->" + kept
            gi = np.einsum(eq, g, *[o for _, o in others], optimize=len(others) > 1)
            # letters summed only inside this operand: the gradient is constant along them
            full = np.broadcast_to(
                gi.reshape([sizes[c] if c in kept else 1 for c in unique]),
                [sizes[c] for c in unique],
            ) if kept != unique else gi
            if len(unique) != len(subs):  # repeated letters (a diagonal): scatter onto it
                out = np.zeros(op.shape, g.dtype)
                out[_diagonal_index(subs, unique, op.shape)] = full
                full = out
            grads.append(full)
        return tuple(grads)


def _diagonal_index(subs: str, unique: str, shape: tuple) -> tuple:
    """Index arrays selecting the entries of an operand where repeated letters agree."""
    grids = np.indices([dict(zip(subs, shape))[c] for c in unique], sparse=True)
    pos = {c: k for k, c in enumerate(unique)}
    return tuple(grids[pos[c]] for c in subs)
