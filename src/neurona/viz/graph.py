"""``draw_graph(tensor)``: the computational graph of a small expression, drawn with
matplotlib (no Graphviz needed) — operation nodes with the shape of what they produced,
leaf tensors with their shapes, and gradients once ``backward()`` has run (the leaves'
``.grad``, and an operation's output gradient when that tensor called ``retain_grad()``).

Layout: the output at the top; every node one row below the deepest node that uses it
(its longest distance from the output), so the picture reads like the chain rule, from
the loss down to the leaves.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from ..autograd.function import AccumulateGrad


def _short(arr: np.ndarray | None, limit: int = 4) -> str:
    if arr is None:
        return "grad: —"
    flat = np.asarray(arr).reshape(-1)
    if flat.size <= limit:
        return "grad: " + np.array2string(flat.round(4), separator=", ")
    return f"grad: {list(np.shape(arr))}"


def _collect(root_fn: Any, root_nr: int, root_shape: tuple) -> tuple[dict, list[tuple[Any, Any]], dict]:
    """Nodes with their level (longest distance from the root), the edges, and the shape of
    each output of each node ({node: {output_nr: shape}}), read from the edges that use it
    (every edge records the shape of the tensor it carries; that survives ``backward``)."""
    shapes: dict[Any, dict[int, tuple]] = {root_fn: {root_nr: tuple(root_shape)}}
    level = {root_fn: 0}
    order = [root_fn]
    edges = []
    i = 0
    while i < len(order):
        node = order[i]
        i += 1
        for e in getattr(node, "next", ()) or ():
            if e is None:
                continue
            child = e[0]
            edges.append((node, child))
            if len(e) > 2:
                shapes.setdefault(child, {})[e[1]] = tuple(e[2])
            if child not in level:
                level[child] = level[node] + 1
                order.append(child)
    changed = True
    while changed:  # longest path: push children below all their parents
        changed = False
        for parent, child in edges:
            if level[child] <= level[parent]:
                level[child] = level[parent] + 1
                changed = True
    return level, edges, shapes


def _retained_grads(node: Any) -> dict[int, np.ndarray]:
    """{output_nr: grad} of this node's outputs that called ``retain_grad()`` and have one."""
    out = {}
    for nr, ref in (getattr(node, "_retain", None) or {}).items():
        t = ref() if callable(ref) else None
        if t is not None and t._grad is not None:
            out[nr] = t._grad._data
    return out


def _label(node: Any, names: dict[int, str], show_grads: bool,
           shapes: dict[int, tuple]) -> tuple[str, str]:
    if isinstance(node, AccumulateGrad):
        t = node.variable
        name = names.get(id(t), "leaf")
        text = f"{name}\n{list(t.shape)}"
        if show_grads:
            text += "\n" + _short(None if t._grad is None else t._grad._data)
        return text, "#d9f2d9"
    meta = getattr(node, "_out_meta", None)  # multi-output ops (before backward frees it)
    if meta:
        shapes = {i: tuple(m[0]) for i, m in enumerate(meta)} | shapes
    text = node.name()
    if shapes:
        text += "\n" + ", ".join(str(list(shapes[nr])) for nr in sorted(shapes))
    if show_grads:
        for nr, g in sorted(_retained_grads(node).items()):
            text += "\n" + _short(g) + (f" (output {nr})" if len(shapes) > 1 else "")
    return text, "#dbe8fb"


def draw_graph(tensor: Any, path: str | os.PathLike | None = None, *, names: dict[str, Any] | None = None,
               show_grads: bool = True, title: str | None = None) -> Any:
    """Draw the graph that produced ``tensor``; save to ``path`` (.svg/.png/.pdf) if given.

    ``names`` maps labels to leaf tensors (e.g. ``{"w": w, "x": x}``) so leaves are shown by
    name. Returns the matplotlib Figure.
    """
    import matplotlib

    matplotlib.use(matplotlib.get_backend() or "Agg")
    import matplotlib.pyplot as plt

    if tensor.grad_fn is None:
        raise ValueError("draw_graph: this tensor has no graph (it is a leaf or was computed "
                         "under no_grad); build it from tensors with requires_grad=True")
    by_id = {id(t): n for n, t in (names or {}).items()}
    level, edges, shapes = _collect(tensor.grad_fn, tensor._output_nr, tensor.shape)
    rows: dict[int, list[Any]] = {}
    for node, lv in level.items():
        rows.setdefault(lv, []).append(node)
    depth = max(rows) + 2
    width = max(len(r) for r in rows.values())
    fig, ax = plt.subplots(figsize=(max(4.0, 2.6 * width), 1.3 * depth + 0.5))
    pos: dict[Any, tuple[float, float]] = {}
    out_y = depth - 0.6
    for lv, nodes in rows.items():
        y = depth - 1.6 - lv
        for k, node in enumerate(nodes):
            x = (k + 0.5) * width / len(nodes)
            pos[node] = (x, y)
    out_x = pos[tensor.grad_fn][0]
    out_text = f"output {list(tensor.shape)}"
    if tensor._data.size == 1:
        out_text += f"\n= {float(tensor._data.reshape(())):.4g}"
    ax.annotate("", xy=pos[tensor.grad_fn], xytext=(out_x, out_y),
                arrowprops={"arrowstyle": "<-", "color": "#555"})
    ax.text(out_x, out_y, out_text, ha="center", va="center", fontsize=9,
            bbox={"boxstyle": "round", "fc": "#fde2c8", "ec": "#999"})
    for parent, child in edges:
        ax.annotate("", xy=pos[child], xytext=pos[parent],
                    arrowprops={"arrowstyle": "->", "color": "#777", "shrinkA": 14, "shrinkB": 14})
    for node, (x, y) in pos.items():
        text, color = _label(node, by_id, show_grads, shapes.get(node, {}))
        ax.text(x, y, text, ha="center", va="center", fontsize=9,
                bbox={"boxstyle": "round", "fc": color, "ec": "#999"})
    ax.set_xlim(0, width)
    ax.set_ylim(-0.2, depth)
    ax.axis("off")
    ax.set_title(title or "computational graph (arrows: backward, from the output to the leaves)",
                 fontsize=10)
    fig.tight_layout()
    if path is not None:
        fig.savefig(os.fspath(path), bbox_inches="tight")
    return fig
