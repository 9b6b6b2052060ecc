"""Diagnostics a student meets: detect_anomaly, the graph-leak warning, shape-mistake messages."""

import warnings

import numpy as np
import pytest

import neurona as nt
from neurona.autograd import GraphLeakWarning


@pytest.fixture(autouse=True)
def _quiet_numpy():
    with np.errstate(all="ignore"):
        yield


@pytest.mark.parametrize("expr,op,kind,hint", [
    (lambda x: nt.log(x - 1), "Log", "inf", "log of 0"),
    (lambda x: nt.exp(x * 1000), "Exp", "inf", "exp overflowed"),
    (lambda x: x / (x - 1), "Div", "inf", "division by zero"),
    (lambda x: nt.sqrt(x - 2), "Sqrt", "nan", "sqrt/pow of a negative"),
])
def test_detect_anomaly_names_the_forward_op_and_hints(expr, op, kind, hint):
    x = nt.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError) as e, nt.autograd.detect_anomaly():
        expr(x)
    msg = str(e.value)
    assert f"'{op}' produced {kind}" in msg and hint in msg
    assert "input shapes [2]" in msg
    assert "test_diagnostics.py" in msg  # points at the user's line
    expr(x)  # outside the context: no error, as in PyTorch


def test_detect_anomaly_names_the_backward_op():
    x = nt.tensor([0.0, 4.0], requires_grad=True)
    expected = "Function 'SqrtBackward0' returned inf values in its 0th output"
    with pytest.raises(RuntimeError, match=expected) as e, nt.autograd.detect_anomaly():
        nt.sqrt(x).sum().backward()
    assert "nt.sqrt(x).sum().backward()" in str(e.value)  # where its forward was called


def test_detect_anomaly_ignores_values_that_were_already_bad():
    x = nt.tensor([float("inf"), 1.0], requires_grad=True)
    with nt.autograd.detect_anomaly():
        y = (x * 2).sum()  # inf in, inf out: not born here
        mask = nt.tensor([True, False])
        nt.zeros(2).masked_fill(mask, float("-inf"))  # -inf by design (attention masks)
    assert y.item() == float("inf")


def test_set_detect_anomaly_and_query():
    assert not nt.autograd.is_anomaly_enabled()
    with nt.autograd.set_detect_anomaly(True):
        assert nt.autograd.is_anomaly_enabled()
    assert not nt.autograd.is_anomaly_enabled()


def _train(accumulate, steps=70):
    nt.manual_seed(0)
    m = nt.nn.Linear(3, 1)
    opt = nt.optim.SGD(m.parameters(), lr=0.01)
    total = 0.0
    for _ in range(steps):
        loss = m(nt.randn(4, 3)).pow(2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        total = accumulate(total, loss)
    return total


def test_graph_leak_warns_once_at_the_users_line():
    nt.autograd.set_graph_leak_check(20)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            _train(lambda total, loss: total + loss)
        leaks = [w for w in caught if issubclass(w.category, GraphLeakWarning)]
        assert len(leaks) == 1
        assert "loss.item()" in str(leaks[0].message)
        assert leaks[0].filename.endswith("test_diagnostics.py")
    finally:
        nt.autograd.set_graph_leak_check(50)


def test_no_leak_warning_for_correct_code():
    nt.autograd.set_graph_leak_check(20)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", GraphLeakWarning)
            _train(lambda total, loss: total + loss.item())
            _train(lambda total, loss: total + loss.detach())
    finally:
        nt.autograd.set_graph_leak_check(50)


def test_graph_leak_check_can_be_disabled():
    nt.autograd.set_graph_leak_check(None)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", GraphLeakWarning)
            _train(lambda total, loss: total + loss)
    finally:
        nt.autograd.set_graph_leak_check(50)


# -- shape mistakes ---------------------------------------------------------------------------


def test_cross_entropy_with_n_by_1_targets_suggests_squeeze():
    logits = nt.randn(4, 3)
    with pytest.raises(RuntimeError, match=r"squeeze"):
        nt.nn.CrossEntropyLoss()(logits, nt.tensor([[0], [1], [2], [1]]))


def test_cross_entropy_with_integer_one_hot_targets_explains():
    logits = nt.randn(4, 3)
    onehot = nt.nn.functional.one_hot(nt.tensor([0, 1, 2, 1]), 3)
    with pytest.raises(RuntimeError, match=r"argmax|one-hot|class indices"):
        nt.nn.CrossEntropyLoss()(logits, onehot)


def test_mse_broadcasting_warns_with_the_fix():
    with pytest.warns(UserWarning, match="different to the input size"):
        nt.nn.MSELoss()(nt.randn(5, 1), nt.randn(5))


def test_linear_in_features_mismatch_names_both_numbers():
    model = nt.nn.Sequential(nt.nn.Flatten(), nt.nn.Linear(100, 10))
    with pytest.raises(RuntimeError) as e:
        model(nt.randn(2, 1, 8, 8))
    assert "in_features=100" in str(e.value) and "64" in str(e.value)


def test_embedding_index_out_of_range_names_index_and_size():
    emb = nt.nn.Embedding(10, 3)
    with pytest.raises(IndexError) as e:
        emb(nt.tensor([1, 12]))
    assert "12" in str(e.value) and "10" in str(e.value)


def test_draw_graph_renders_png_and_svg(tmp_path):
    from neurona.viz import draw_graph

    w = nt.tensor([0.5, -1.0], requires_grad=True)
    x = nt.tensor([2.0, 3.0])
    y = (w * x).tanh().sum()
    y.backward()
    fig = draw_graph(y, tmp_path / "g.svg", names={"w": w})
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert any(t.startswith("SumBackward") for t in texts)
    assert any(t.startswith("TanhBackward") for t in texts)
    assert any(t.startswith("w\n[2]\ngrad:") for t in texts)  # the leaf, its shape and gradient
    assert (tmp_path / "g.svg").read_text().startswith("<?xml")
    draw_graph(y, tmp_path / "g.png")
    assert (tmp_path / "g.png").read_bytes()[:4] == b"\x89PNG"
    with pytest.raises(ValueError, match="no graph"):
        draw_graph(w)
