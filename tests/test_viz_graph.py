"""draw_graph: operation nodes show the shape they produced (and retained gradients)."""

import neurona as nt


def _texts(fig):
    return [t.get_text() for t in fig.axes[0].texts]


def test_draw_graph_shows_shapes_on_operation_nodes(tmp_path):
    from neurona.viz import draw_graph

    w = nt.randn(3, 4, requires_grad=True)
    x = nt.randn(2, 3)
    h = (x @ w).tanh()  # [2, 4]
    h.retain_grad()
    y = h.sum()
    fig = draw_graph(y, names={"w": w})
    texts = _texts(fig)
    assert "MmBackward0\n[2, 4]" in texts
    assert "TanhBackward0\n[2, 4]" in texts  # h has not been given a gradient yet
    assert any(t.startswith("SumBackward") and t.endswith("\n[]") for t in texts)  # a scalar
    assert any(t.startswith("w\n[3, 4]\ngrad: —") for t in texts)  # before backward

    y.backward()
    texts = _texts(draw_graph(y, tmp_path / "g.png", names={"w": w}))
    # shapes survive backward (which frees what forward saved)
    tanh = next(t for t in texts if t.startswith("TanhBackward0"))
    assert tanh.startswith("TanhBackward0\n[2, 4]\ngrad: [2, 4]")  # h.retain_grad()
    assert any(t.startswith("w\n[3, 4]\ngrad: [3, 4]") for t in texts)
    assert (tmp_path / "g.png").read_bytes()[:4] == b"\x89PNG"


def test_draw_graph_small_retained_grad_is_printed_and_show_grads_false_hides_it():
    from neurona.viz import draw_graph

    w = nt.tensor([0.5, -1.0], requires_grad=True)
    z = w * nt.tensor([2.0, 3.0])
    z.retain_grad()
    y = z.sum()
    y.backward()
    texts = _texts(draw_graph(y, names={"w": w}))
    assert any(t.startswith("MulBackward0\n[2]\ngrad: [1., 1.]") for t in texts)
    assert any(t.startswith("w\n[2]\ngrad: [2., 3.]") for t in texts)
    texts = _texts(draw_graph(y, names={"w": w}, show_grads=False))
    assert "MulBackward0\n[2]" in texts and "w\n[2]" in texts


def test_draw_graph_multi_output_op_lists_each_output_shape():
    from neurona.viz import draw_graph

    def lstm_label(y):
        (label,) = [t for t in _texts(draw_graph(y)) if t.startswith("LstmBackward")]
        return label

    cell = nt.nn.LSTMCell(3, 5)
    h, c = cell(nt.randn(2, 3))
    y = h.sum() + c.mean()
    assert lstm_label(y).endswith("[2, 5], [2, 5]")  # h and c
    y.backward()
    assert lstm_label(y).endswith("[2, 5], [2, 5]")  # still known after backward
