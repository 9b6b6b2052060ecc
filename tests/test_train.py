"""neurona.train: fit / evaluate / predict, callbacks, History, metrics — on both engines."""

import math

import numpy as np
import pytest
import torch

import neurona as nt
from neurona.train import EarlyStopping, History, ModelCheckpoint, evaluate, fit, metrics, predict


def _blobs(n=240, seed=0):
    rng = np.random.default_rng(seed)
    centers = np.array([[2.0, 0.0], [-2.0, 0.0], [0.0, 2.5]])
    y = rng.integers(0, 3, n)
    x = centers[y] + rng.normal(0, 0.6, (n, 2))
    return x.astype(np.float32), y.astype(np.int64)


def _setup(fw, seed=0):
    fw.manual_seed(seed)
    x, y = _blobs()
    ds = fw.utils.data.TensorDataset(fw.tensor(x), fw.tensor(y))
    g = fw.Generator().manual_seed(seed)
    train = fw.utils.data.DataLoader(ds, batch_size=32, shuffle=True, generator=g)
    val = fw.utils.data.DataLoader(ds, batch_size=64)
    model = fw.nn.Sequential(fw.nn.Linear(2, 16), fw.nn.ReLU(), fw.nn.Linear(16, 3))
    opt = fw.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    return model, opt, train, val


@pytest.mark.parametrize("fw", [nt, torch], ids=["neurona", "torch"])
def test_fit_learns_and_logs_on_both_engines(fw):
    model, opt, train, val = _setup(fw)
    h = fit(model, fw.nn.CrossEntropyLoss(), opt, train, epochs=6, val_loader=val,
            metrics=["accuracy", "f1_macro"], progress=False)
    assert h.epochs == [1, 2, 3, 4, 5, 6]
    assert set(h.keys()) >= {"loss", "accuracy", "f1_macro", "val_loss", "val_accuracy", "lr"}
    assert h["loss"][-1] < h["loss"][0]
    assert h["val_accuracy"][-1] > 0.9
    assert len(h.batch_loss) == 6 * math.ceil(240 / 32)
    logs = evaluate(model, fw.nn.CrossEntropyLoss(), val, ["accuracy"])
    assert logs["accuracy"] == pytest.approx(h["val_accuracy"][-1])
    out = predict(model, val)
    assert tuple(out.shape) == (240, 3)


def test_early_stopping_restores_best_weights():
    model, opt, train, val = _setup(nt)
    es = EarlyStopping(monitor="val_loss", patience=2, min_delta=10.0)  # nothing counts as better
    h = fit(model, nt.nn.CrossEntropyLoss(), opt, train, epochs=20, val_loader=val, callbacks=[es],
            progress=False)
    assert len(h.epochs) == 3  # the first epoch sets the best, two more without improvement
    assert es.stopped_epoch == 3 and es.best_epoch == 1
    after = evaluate(model, nt.nn.CrossEntropyLoss(), val)["loss"]
    assert after == pytest.approx(h["val_loss"][0], rel=1e-6)


def test_early_stopping_needs_the_monitored_metric():
    model, opt, train, _ = _setup(nt)
    with pytest.raises(KeyError, match="val_loss"):
        fit(model, nt.nn.CrossEntropyLoss(), opt, train, epochs=1, callbacks=[EarlyStopping()],
            progress=False)


def test_model_checkpoint_saves_best(tmp_path):
    model, opt, train, val = _setup(nt)
    ck = ModelCheckpoint(tmp_path / "best.safetensors", monitor="val_accuracy", save_best_only=True)
    fit(model, nt.nn.CrossEntropyLoss(), opt, train, epochs=3, val_loader=val, metrics=["accuracy"],
        callbacks=[ck], progress=False)
    sd = nt.load(tmp_path / "best.safetensors")
    assert set(sd) == set(model.state_dict())


def test_fit_raises_on_divergence():
    model, _, train, _ = _setup(nt)
    opt = nt.optim.SGD(model.parameters(), lr=1e6)
    with pytest.raises(FloatingPointError, match="learning rate"):
        fit(model, nt.nn.CrossEntropyLoss(), opt, train, epochs=5, progress=False)


def test_scheduler_steps_per_epoch_and_plateau():
    model, opt, train, val = _setup(nt)
    sched = nt.optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)
    h = fit(model, nt.nn.CrossEntropyLoss(), opt, train, epochs=3, scheduler=sched, progress=False)
    assert h["lr"] == [0.1, 0.05, 0.025]
    model, opt, train, val = _setup(nt)
    plateau = nt.optim.lr_scheduler.ReduceLROnPlateau(opt, patience=0, factor=0.1, threshold=10.0)
    h = fit(model, nt.nn.CrossEntropyLoss(), opt, train, epochs=3, val_loader=val, scheduler=plateau,
            progress=False)
    assert opt.param_groups[0]["lr"] < 0.1


def test_history_plot_and_best():
    h = History()
    for e, (l, a) in enumerate([(1.0, 0.5), (0.5, 0.8), (0.7, 0.7)], start=1):
        h.log(e, {"loss": l, "val_loss": l + 0.1, "accuracy": a})
    assert h.best("val_loss") == (2, pytest.approx(0.6))
    assert h.best("accuracy") == (2, 0.8)
    fig = h.plot()
    assert len(fig.axes) == 2
    assert History.from_dict(h.to_dict()).history == h.history


def test_metrics_accept_tensors_of_both_engines():
    y = [0, 1, 2, 2, 1]
    p = [0, 2, 2, 2, 1]
    for conv in (nt.tensor, torch.tensor, np.asarray):
        assert metrics.accuracy(conv(y), conv(p)) == pytest.approx(0.8)
        assert metrics.confusion_matrix(conv(y), conv(p)).tolist() == [[1, 0, 0], [0, 1, 1], [0, 0, 2]]
    assert metrics.f1_macro(y, p) == pytest.approx(0.8222222, rel=1e-5)
    assert metrics.r2([1.0, 2.0, 3.0], [1.0, 2.0, 3.0]) == 1.0
    assert metrics.mae(nt.tensor([1.0, 2.0]), torch.tensor([2.0, 2.0])) == 0.5
    assert metrics.labels_from_output(nt.tensor([[0.1, 0.9], [2.0, -1.0]])).tolist() == [1, 0]
    assert metrics.labels_from_output(nt.tensor([[0.3], [-0.2]])).tolist() == [1, 0]
    with pytest.raises(ValueError, match="unknown metric"):
        metrics.resolve("acuracy")
