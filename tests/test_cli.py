"""The ``neurona`` command: listing, running labs, the report, and bad input (exit 2)."""

import json
import os
import subprocess
import sys

import pytest

from neurona.cli import main

pytestmark = pytest.mark.xdist_group("labs")


def _run(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "neurona.cli", *args], capture_output=True, text=True,
                          cwd=cwd, env={**os.environ, "MPLBACKEND": "Agg"}, timeout=600)


def test_labs_lists_every_lab(capsys):
    assert main(["labs"]) == 0
    out = capsys.readouterr().out
    assert "clase1" in out and "forward-pass" in out


@pytest.mark.parametrize("args,message", [
    (["lab", "nope"], "unknown lab 'nope'"),
    (["lab", "1", "--engine", "jax"], "invalid choice"),
    (["lab", "1", "--profile", "slow"], "invalid choice"),
    (["lab", "1", "--device", "cuda"], "--device cuda needs --engine torch"),
    (["lab", "1", "--seed", "x"], "invalid int value"),
    (["lab", "2", "--seed", "-1"], "argument --seed: must be an integer from 0 to 4294967295"),
    (["lab", "1", "--seed", str(2**32)], "from 0 to 4294967295 (2**32 - 1), got 4294967296"),
    (["course", "--seed", "1.5"], "invalid int value"),
    (["bench", "--runs", "0"], "positive integer"),
    (["bench", "--only", "nope"], "unknown workload"),
    ([], "required"),
])
def test_bad_input_is_one_line_and_exit_2(args, message):
    r = _run(*args)
    assert r.returncode == 2, r.stderr
    lines = [line for line in r.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and message in lines[0], r.stderr


def test_unwritable_out_is_rejected(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    r = _run("lab", "1", "--out", str(blocker / "sub"))
    assert r.returncode == 2 and "cannot write" in r.stderr


def test_lab_ids_are_memorable(tmp_path, capsys):
    for name in ("1", "clase1", "forward-pass", "CLASE1"):
        assert main(["lab", name, "--out", str(tmp_path), "--quiet"]) == 0


def test_lab_run_writes_report_and_results_json(tmp_path, capsys):
    code = main(["lab", "1", "--engine", "both", "--out", str(tmp_path), "--quiet", "--seed", "3"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "✓" in out and "all targets met" in out
    html = (tmp_path / "index.html").read_text()
    assert "Clase 1" in html and "<img" in html
    res = json.loads((tmp_path / "results.json").read_text())
    assert res["meta"]["engine"] == "both" and res["meta"]["seed"] == 3 and res["meta"]["profile"] == "fast"
    assert {"neurona", "numpy", "python", "torch"} <= set(res["meta"]["versions"])
    (lab,) = res["labs"]
    assert [r["engine"] for r in lab["runs"]] == ["neurona", "torch"]
    for run in lab["runs"]:
        assert run["status"] == "ok" and run["seconds"] > 0
        assert run["targets"] and all(t["passed"] for t in run["targets"] if t["required"])
        for fig in run["figures"]:
            assert (tmp_path / fig).is_file()
    # both engines start from the same weights and batches: their curves agree closely
    assert lab["engine_max_abs_diff"]["curve:fahrenheit_gd_mse"] < 1e-9


def test_missed_target_gives_exit_1(tmp_path, monkeypatch, capsys):
    from neurona.labs import clase1

    monkeypatch.setattr(clase1, "_xor_network", lambda ctx: None)  # its targets go unmeasured
    assert main(["lab", "1", "--out", str(tmp_path), "--quiet"]) == 1
    assert "✗" in capsys.readouterr().out


def test_interrupt_keeps_finished_labs_in_report(tmp_path, monkeypatch, capsys):
    from neurona.labs import course

    calls = {"n": 0}
    real = course.run_lab

    def flaky(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(course, "run_lab", flaky)
    assert main(["lab", "1", "--engine", "both", "--out", str(tmp_path), "--quiet"]) == 130
    res = json.loads((tmp_path / "results.json").read_text())
    assert res["meta"]["interrupted"] is True
    assert [r["engine"] for r in res["labs"][0]["runs"]] == ["neurona"]  # the finished run is kept
    assert "interrupted" in capsys.readouterr().out
