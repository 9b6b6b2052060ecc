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


def test_detect_anomaly_backward_report_has_shape_and_hint():
    x = nt.tensor([0.0, 4.0], requires_grad=True)
    with pytest.raises(RuntimeError) as e, nt.autograd.detect_anomaly():
        nt.sqrt(x).sum().backward()
    msg = str(e.value)
    assert "(gradient shape [2])" in msg
    assert "Hint: sqrt/pow of a negative number, or the gradient of sqrt at 0" in msg
    assert "x.clamp(min=1e-12).sqrt()" in msg
    assert "The forward of this operation was called from File" in msg


@pytest.mark.parametrize("expr,op,hint", [
    (lambda x: nt.asin(x + 1), "Asin", "asin/acos outside [−1, 1]"),
    (lambda x: nt.acos(x * 3), "Acos", "asin/acos outside [−1, 1]"),
    (lambda x: nt.pow(x - 3, 0.5), "Pow", "sqrt/pow of a negative number"),
    (lambda x: (x.reshape(2, 1) * 1e30) @ (x.reshape(1, 2) * 1e30), "Mm", "the values are exploding"),
    (lambda x: nt.exp(x).log() - 5 + (x * 0).reciprocal(), "Reciprocal", "division by zero"),
])
def test_detect_anomaly_documented_hints(expr, op, hint):
    x = nt.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError) as e, nt.autograd.detect_anomaly():
        expr(x)
    msg = str(e.value)
    assert f"the forward of '{op}' produced" in msg and "from finite inputs" in msg, msg
    assert hint in msg
    if op == "Mm":
        assert "clip gradients" in msg and "lower the" in msg


def test_detect_anomaly_nan_from_a_fully_masked_softmax_row():
    """A row of -inf logits gives 0/0 = nan: not 'from finite inputs', and a fitting hint."""
    logits = nt.tensor([[0.5, 1.0, -1.0], [0.0, 2.0, 1.0]], requires_grad=True)
    mask = nt.tensor([[False, True, False], [True, True, True]])  # the second row fully masked
    for softmax in (nt.softmax, nt.log_softmax):
        with pytest.raises(RuntimeError) as e, nt.autograd.detect_anomaly():
            softmax(logits.masked_fill(mask, float("-inf")), dim=1)
        msg = str(e.value)
        assert "produced nan values from non-finite inputs" in msg, msg
        assert "from finite inputs" not in msg
        assert "a row with every logit -inf (fully masked attention row?)" in msg
        assert "log(x + 1e-8)" not in msg  # not log's hint, although LogSoftmax starts with "Log"
    with pytest.raises(RuntimeError, match="from non-finite inputs") as e, nt.autograd.detect_anomaly():
        inf = nt.tensor([float("inf")])
        inf - inf
    assert "inf − inf" in str(e.value)
    with nt.autograd.detect_anomaly():  # one unmasked position per row: no nan, no error
        nt.softmax(logits.masked_fill(nt.tensor([[False, True, False]] * 2), float("-inf")), dim=1)


def test_detect_anomaly_check_nan_false_keeps_the_mode_on_as_in_torch():
    import torch

    from neurona.autograd.anomaly import is_anomaly_check_nan_enabled

    def both():
        return ((nt.autograd.is_anomaly_enabled(), is_anomaly_check_nan_enabled()),
                (torch.is_anomaly_enabled(), torch.is_anomaly_check_nan_enabled()))

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch: "Anomaly Detection has been enabled"
        ours, theirs = both()
        assert ours == theirs == (False, True)
        with nt.autograd.detect_anomaly(check_nan=False), torch.autograd.detect_anomaly(check_nan=False):
            ours, theirs = both()
            assert ours == theirs == (True, False)
            x = nt.tensor([0.0, 4.0], requires_grad=True)
            nt.log(x)  # no NaN/Inf check...
            nt.sqrt(x).sum().backward()  # ...forward or backward
            assert x.grad[0].item() == float("inf")
        assert both() == ((False, True), (False, True))
        with nt.autograd.set_detect_anomaly(True, check_nan=False), \
                torch.autograd.set_detect_anomaly(True, check_nan=False):
            ours, theirs = both()
            assert ours == theirs == (True, False)
        assert both() == ((False, True), (False, True))
        nt.autograd.set_detect_anomaly(False, check_nan=False)
        torch.autograd.set_detect_anomaly(False, check_nan=False)
        try:
            ours, theirs = both()
            assert ours == theirs == (False, False)
        finally:
            nt.autograd.set_detect_anomaly(False)
            torch.autograd.set_detect_anomaly(False)
    with pytest.raises(RuntimeError, match="'Log' produced inf"), nt.autograd.detect_anomaly():
        nt.log(nt.tensor([0.0]))  # check_nan=True (the default) checks again


def test_fit_stops_when_the_loss_is_not_finite():
    from neurona.train import fit

    x = nt.randn(8, 2)
    x[3, 0] = float("nan")
    loader = nt.utils.data.DataLoader(nt.utils.data.TensorDataset(x, nt.zeros(8, dtype=nt.int64)),
                                      batch_size=8)
    model = nt.nn.Linear(2, 3)
    with pytest.raises(FloatingPointError) as e:
        fit(model, nt.nn.CrossEntropyLoss(), nt.optim.SGD(model.parameters(), lr=0.1), loader,
            epochs=2, progress=False)
    assert str(e.value) == ("the loss became nan at epoch 1 (step 1): lower the learning rate, "
                            "clip gradients, or check the inputs for NaN")


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
        assert str(leaks[0].message).startswith(
            "this tensor's graph reaches back 21 training steps (backward() calls): a value is "
            "being accumulated together with its graph, e.g. `total += loss`.")
        assert "Accumulate numbers instead: `total += loss.item()` (or `loss.detach()`)." in str(
            leaks[0].message)
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


@pytest.mark.parametrize("dtype", ["bool", "int32", "int64", "uint8"])
def test_cross_entropy_one_hot_target_of_any_integer_dtype_gets_a_fix_that_works(dtype):
    """torch reads a target shaped like the input as probabilities; 'use target.long()' (the
    old hint for a bool/int32 one) led to a second error, so the hint now names the two fixes
    (argmax for class indices, float for probabilities), and both work."""
    import torch

    logits = nt.randn(4, 3)
    onehot = nt.nn.functional.one_hot(nt.tensor([0, 1, 2, 1]), 3).to(getattr(nt, dtype))
    with pytest.raises(RuntimeError) as e:
        nt.nn.CrossEntropyLoss()(logits, onehot)
    msg = str(e.value)
    with pytest.raises(RuntimeError) as t:
        torch.nn.CrossEntropyLoss()(torch.randn(4, 3), torch.from_numpy(onehot.numpy()))
    assert msg.startswith(str(t.value))  # PyTorch's message, then the hint
    assert "target.long()" not in msg.replace("target.long().argmax(1)", "")
    fix = "target.long().argmax(1)" if dtype == "bool" else "target.argmax(1)"
    assert f"class indices, {fix}, or probabilities, target.float()" in msg
    by_index = nt.nn.CrossEntropyLoss()(logits, eval(fix, {"target": onehot}))
    by_probs = nt.nn.CrossEntropyLoss()(logits, onehot.float())
    assert abs(by_index.item() - by_probs.item()) < 1e-6
    tgt = torch.from_numpy(onehot.numpy())
    torch.nn.CrossEntropyLoss()(torch.randn(4, 3), eval(fix, {"target": tgt}))  # works in torch too


def test_nll_loss_with_one_hot_target_suggests_argmax_only():
    onehot = nt.nn.functional.one_hot(nt.tensor([0, 1, 2, 1]), 3)
    with pytest.raises(RuntimeError) as e:
        nt.nn.functional.nll_loss(nt.randn(4, 3), onehot)
    assert "target.argmax(1)" in str(e.value) and "float" not in str(e.value)


def _mse_size_warnings(call):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("default")  # Python's default: once per location
        call()
    return [w for w in caught if "different to the input size" in str(w.message)]


def test_mse_broadcasting_warns_with_the_fix():
    with pytest.warns(UserWarning, match="different to the input size") as caught:
        nt.nn.MSELoss()(nt.randn(5, 1), nt.randn(5))
    msg = str(caught[0].message)
    assert msg == (
        "Using a target size (neurona.Size([5])) that is different to the input size "
        "(neurona.Size([5, 1])). This will likely lead to incorrect results due to broadcasting. "
        "Please ensure they have the same size. Fix: target.unsqueeze(1) (or input.squeeze(1)): "
        "(N,) against (N, 1) broadcasts to (N, N)."
    )
    assert caught[0].filename == __file__  # at the user's line
    with pytest.warns(UserWarning, match=r"Fix: target\.squeeze\(1\) \(or input\.unsqueeze\(1\)\)"):
        nt.nn.L1Loss()(nt.randn(5), nt.randn(5, 1))


def test_mse_broadcasting_warns_once_per_line():
    """As PyTorch's warnings.warn: under the default filter, once per line of user code."""
    loss = nt.nn.MSELoss()
    x, y = nt.randn(5, 1), nt.randn(5)

    def loop():
        for _ in range(5):
            loss(x, y)  # one line, five calls

    def two_lines():
        loss(x, y)
        loss(x, y)

    assert len(_mse_size_warnings(loop)) == 1
    assert len(_mse_size_warnings(two_lines)) == 2
    # another file, the same line number: still its own location
    lineno = loop.__code__.co_firstlineno + 2
    code = compile("\n" * (lineno - 1) + "loss(x, y)", "other_script.py", "exec")
    ws = _mse_size_warnings(lambda: (loop(), exec(code, {"loss": loss, "x": x, "y": y})))
    assert [(w.filename, w.lineno) for w in ws] == [(__file__, lineno), ("other_script.py", lineno)]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")  # 'always' means every call, as for any warning
        loop()
    assert len(caught) == 5


def test_linear_in_features_mismatch_names_both_numbers():
    model = nt.nn.Sequential(nt.nn.Flatten(), nt.nn.Linear(100, 10))
    with pytest.raises(RuntimeError) as e:
        model(nt.randn(2, 1, 8, 8))
    assert "in_features=100" in str(e.value) and "64" in str(e.value)


def test_conv2d_channel_mismatch_names_both_channel_counts():
    with pytest.raises(RuntimeError) as e:
        nt.nn.Conv2d(3, 16, 3)(nt.randn(2, 1, 28, 28))
    assert str(e.value) == ("Conv2d(3, 16, kernel_size=(3, 3), stride=(1, 1)): expected input with "
                            "3 channels (dim 1), got input of shape [2, 1, 28, 28] with 1 channels")


def test_bce_on_logits_asks_whether_they_are_logits():
    for call in (lambda: nt.nn.BCELoss()(nt.tensor([2.0, -1.0]), nt.tensor([1.0, 0.0])),
                 lambda: nt.nn.functional.binary_cross_entropy(nt.tensor([0.5, 1.5]), nt.tensor([1.0, 0.0]))):
        with pytest.raises(RuntimeError) as e:
            call()
        assert str(e.value) == ("all elements of input should be between 0 and 1 (did you pass "
                                "logits? use binary_cross_entropy_with_logits / BCEWithLogitsLoss)")


def _backward_twice():
    y = nt.tensor([1.0], requires_grad=True).exp().sum()
    y.backward()
    y.backward()


def _modify_saved():
    x = nt.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x.exp()
    y.add_(1)
    y.sum().backward()


@pytest.mark.parametrize("call,error,phrases", [
    (lambda: nt.randn(2, 3) + nt.randn(4), RuntimeError,
     ["The size of tensor a (3) must match the size of tensor b (4) at non-singleton dimension 1: "
      "shapes [2, 3] and [4] cannot be broadcast"]),
    (lambda: nt.randn(2, 3) @ nt.randn(4, 5), RuntimeError,
     ["mat1 and mat2 shapes cannot be multiplied (2x3 and 4x5)"]),
    (lambda: nt.randn(2, 3) @ nt.randn(3, 2, dtype=nt.float64), RuntimeError,
     ["matmul: expected m1 and m2 to have the same dtype, but got: float != double"]),
    (lambda: nt.randn(3, 4).t().view(-1), RuntimeError,
     ["view size is not compatible with input tensor's size and stride (at least one dimension "
      "spans across two contiguous subspaces). Use .reshape(...) instead."]),
    (lambda: nt.nn.Sequential(nt.nn.Flatten(), nt.nn.Linear(100, 10))(nt.randn(2, 1, 8, 8)),
     RuntimeError,
     ["Linear(in_features=100, out_features=10): expected input with last dimension "
      "in_features=100, got input of shape [2, 64] (last dimension 64). mat1 and mat2 shapes "
      "cannot be multiplied (2x64 and 100x10). Hint: after Flatten the number of features is the "
      "product of the remaining dims; set in_features to match."]),
    (lambda: nt.nn.Embedding(10, 3)(nt.tensor([1, 12])), IndexError,
     ["index out of range in self: embedding index 12 is not in [0, 10) (the table has "
      "num_embeddings=10 rows)"]),
    (lambda: nt.nn.CrossEntropyLoss()(nt.randn(4, 3), nt.tensor([[0], [1], [2], [1]])), RuntimeError,
     ["Expected target size [4], got [4, 1] for input of shape [4, 3] — squeeze the target: "
      "target.squeeze(1) (or target.view(-1))"]),
    (lambda: nt.nn.CrossEntropyLoss()(nt.randn(4, 3), nt.nn.functional.one_hot(nt.tensor([0, 1, 2, 1]), 3)),
     RuntimeError,
     ["Expected floating point type for target with class probabilities, got Long",
      "for a one-hot target pass class indices, target.argmax(1), or probabilities, target.float()"]),
    # autograd misuse (PyTorch's messages)
    (lambda: (nt.randn(3, requires_grad=True) * 2).backward(), RuntimeError,
     ["grad can be implicitly created only for scalar outputs"]),
    (_backward_twice, RuntimeError,
     ["Trying to backward through the graph a second time (",
      "Specify retain_graph=True if you need to backward through the graph a second time"]),
    (lambda: nt.tensor([1, 2], requires_grad=True), RuntimeError,
     ["Only Tensors of floating point and complex dtype can require gradients"]),
    (lambda: nt.randn(3, requires_grad=True).add_(1), RuntimeError,
     ["a leaf Variable that requires grad is being used in an in-place operation."]),
    (_modify_saved, RuntimeError,
     ["one of the variables needed for gradient computation has been modified by an inplace "
      "operation: [", "], which is output 0 of ExpBackward0, is at version 1; expected version 0 "
      "instead. Hint: "]),
], ids=["broadcast", "matmul", "matmul-dtype", "view", "linear", "embedding", "ce-column",
        "ce-one-hot", "non-scalar", "backward-twice", "int-requires-grad", "leaf-inplace",
        "saved-modified"])
def test_documented_messages(call, error, phrases):
    """Each message of the tables in docs/diagnostics.md, as documented there."""
    with pytest.raises(error) as e:
        call()
    for phrase in phrases:
        assert phrase in str(e.value), str(e.value)


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
