"""Nothing lost: a training run SIGKILLed at any moment (mid-epoch, or while saving) resumes
from its last complete checkpoint and ends bit-identical to an uninterrupted run."""

import json
import os
import signal
import subprocess
import sys
import textwrap

import numpy as np
import pytest

pytestmark = pytest.mark.xdist_group("resume")

SCRIPT = textwrap.dedent('''
    import json, os, signal, sys
    import numpy as np
    import neurona as nt
    from neurona.train import EarlyStopping, fit

    mode, ckpt, out, kill_at = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    if mode == "kill-in-save":
        import neurona.io as io
        saves = {"n": 0}
        real = io.os.replace
        def replace(a, b):
            saves["n"] += 1
            if saves["n"] == kill_at:
                os.kill(os.getpid(), signal.SIGKILL)  # dies with the temp file written, not renamed
            return real(a, b)
        io.os.replace = replace
    nt.manual_seed(123)
    rng = np.random.default_rng(0)
    x = nt.tensor(rng.standard_normal((96, 5)).astype(np.float32))
    y = nt.tensor(rng.integers(0, 3, 96))
    ds = nt.utils.data.TensorDataset(x, y)
    gen = nt.Generator().manual_seed(7)
    loader = nt.utils.data.DataLoader(ds, batch_size=16, shuffle=True, generator=gen)
    val = nt.utils.data.DataLoader(ds, batch_size=48)
    model = nt.nn.Sequential(nt.nn.Linear(5, 16), nt.nn.ReLU(), nt.nn.Dropout(0.3), nt.nn.Linear(16, 3))
    opt = nt.optim.Adam(model.parameters(), lr=0.01)
    sched = nt.optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
    calls = {"n": 0}
    base_loss = nt.nn.CrossEntropyLoss()
    def loss_fn(out, target):
        calls["n"] += 1
        if mode == "kill" and calls["n"] == kill_at:
            os.kill(os.getpid(), signal.SIGKILL)
        return base_loss(out, target)
    hist = fit(model, loss_fn, opt, loader, epochs=5, val_loader=val, metrics=["accuracy"],
               scheduler=sched, callbacks=[EarlyStopping(patience=10)], progress=False,
               resume=None if mode == "plain" else ckpt, checkpoint_every=None if mode == "plain" else 4)
    nt.save({"weights": model.state_dict(), "history": json.dumps(hist.to_dict())}, out)
''')


def _run(tmp_path, mode, kill_at=0, ckpt="ckpt.safetensors", out="out.safetensors"):
    script = tmp_path / "train.py"
    script.write_text(SCRIPT)
    return subprocess.run([sys.executable, str(script), mode, str(tmp_path / ckpt), str(tmp_path / out),
                           str(kill_at)], capture_output=True, text=True, timeout=300,
                          env={**os.environ, "NEURONA_PROGRESS": "0"})


def _result(path):
    import neurona as nt

    res = nt.load(path)
    return {k: v.numpy() for k, v in res["weights"].items()}, json.loads(res["history"])


def _assert_same(a, b):
    wa, ha = a
    wb, hb = b
    assert set(wa) == set(wb)
    for k in wa:
        np.testing.assert_array_equal(wa[k], wb[k], err_msg=k)  # bit-identical
    assert ha == hb


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """The uninterrupted run's final weights and history."""
    tmp = tmp_path_factory.mktemp("ref")
    ref = _run(tmp, "plain", out="ref.safetensors")
    assert ref.returncode == 0, ref.stderr
    return _result(tmp / "ref.safetensors")


@pytest.mark.parametrize("kill_at", [9, 14])  # mid-epoch 2 (after a step checkpoint), mid-epoch 3
def test_sigkill_mid_epoch_then_resume_is_bit_identical(tmp_path, reference, kill_at):
    killed = _run(tmp_path, "kill", kill_at)
    assert killed.returncode == -signal.SIGKILL
    resumed = _run(tmp_path, "resume")
    assert resumed.returncode == 0, resumed.stderr
    _assert_same(reference, _result(tmp_path / "out.safetensors"))


def test_sigkill_while_saving_keeps_the_previous_checkpoint(tmp_path, reference):
    killed = _run(tmp_path, "kill-in-save", 3)  # dies during the third checkpoint write
    assert killed.returncode == -signal.SIGKILL
    leftovers = [p for p in os.listdir(tmp_path) if p.endswith(".part")]
    assert leftovers, "the interrupted save left its temporary file"
    import neurona as nt

    nt.load(tmp_path / "ckpt.safetensors")  # the checkpoint on disk is complete and readable
    resumed = _run(tmp_path, "resume")
    assert resumed.returncode == 0, resumed.stderr
    _assert_same(reference, _result(tmp_path / "out.safetensors"))
    again = _run(tmp_path, "resume", out="again.safetensors")  # resuming a finished run: no change
    assert again.returncode == 0, again.stderr
    _assert_same(reference, _result(tmp_path / "again.safetensors"))


def test_resume_rejects_other_files(tmp_path):
    import neurona as nt
    from neurona.train import fit

    nt.save({"w": nt.ones(2)}, tmp_path / "x.safetensors")
    model = nt.nn.Linear(2, 1)
    with pytest.raises(ValueError, match="not a neurona training checkpoint"):
        fit(model, nt.nn.MSELoss(), nt.optim.SGD(model.parameters(), lr=0.1), [], 1,
            resume=tmp_path / "x.safetensors", progress=False)
