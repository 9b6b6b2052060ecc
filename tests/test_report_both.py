"""``--engine both``: one figure overlays the engines' curves (neurona solid, torch dashed), the
lab's section shows it with the largest difference, and every engine's tables and texts."""

import json

import pytest

from neurona.cli import main
from neurona.labs import find
from neurona.labs.engine import Table
from neurona.labs.report import OVERLAY_MAX_PANELS, engine_overlay, write_report
from neurona.labs.runner import LabResult, LabRuns

pytestmark = pytest.mark.xdist_group("labs")


def test_lab1_both_engines_overlays_their_curves_in_the_report(tmp_path, capsys):
    assert main(["lab", "1", "--engine", "both", "--out", str(tmp_path), "--quiet"]) == 0, \
        capsys.readouterr().out
    overlay = tmp_path / "figures" / "clase1-engines-overlay.png"
    assert overlay.is_file() and overlay.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert overlay.stat().st_size > 10_000
    html = (tmp_path / "index.html").read_text()
    assert "src='figures/clase1-engines-overlay.png'" in html
    res = json.loads((tmp_path / "results.json").read_text())
    (lab,) = res["labs"]
    assert lab["engine_overlay"] == "figures/clase1-engines-overlay.png"
    curves = {k[6:]: v for k, v in lab["engine_max_abs_diff"].items() if k.startswith("curve:")}
    name, worst = max(curves.items(), key=lambda kv: kv[1])
    caption = html.split("clase1-engines-overlay.png", 1)[1].split("</figcaption>", 1)[0]
    assert "neurona (solid) vs torch (dashed)" in caption
    assert f"largest difference between the engines&#x27; curves {worst:.3g} ({name})" in caption
    # both engines' tables are in the section (the same table twice, or once if identical)
    section = html.split("<h2 id='clase1'>", 1)[1]
    assert section.count("<table>") + section.count("<table><caption>") >= 2


def _result(engine, curves, tables=(), texts=()):
    r = LabResult(find("1"), engine, "fast", 0)
    r.curves, r.tables, r.texts = dict(curves), list(tables), list(texts)
    return r


def test_overlay_has_one_panel_per_shared_curve_capped_and_report_shows_both_engines(tmp_path):
    curves = {f"c{i:02d}": [1.0, 0.5, 0.25 + i] for i in range(OVERLAY_MAX_PANELS + 3)}
    a = _result("neurona", {**curves, "only_neurona": [1.0]},
                tables=[Table("t", ["x"], [[1.0]]), Table("u", ["x"], [[2.0]])],
                texts=["same text", "neurona says 1"])
    b = _result("torch", {**{k: [v[0], v[1], v[2] + 0.125] for k, v in curves.items()}, "empty": []},
                tables=[Table("t", ["x"], [[1.0]]), Table("u", ["x"], [[3.0]])],
                texts=["same text", "torch says 2"])
    fig = engine_overlay([a, b], str(tmp_path))
    assert fig is not None and (tmp_path / fig.path).is_file()
    assert f"the first {OVERLAY_MAX_PANELS} of {len(curves)}" in fig.caption
    assert "largest difference between the engines' curves 0.125" in fig.caption
    assert engine_overlay([a], str(tmp_path)) is None
    assert engine_overlay([a, _result("torch", {"other": [1.0]})], str(tmp_path)) is None

    runs = LabRuns([a, b])
    runs.overlay = fig
    html = (tmp_path / write_report(str(tmp_path), [runs], {"engine": "both"})).read_text()
    assert html.count(fig.path) == 1 and "0.125" in html
    assert html.count("same text") == 1  # identical on both engines: shown once
    assert "neurona says 1" in html and "torch says 2" in html
    assert "<td>2</td>" in html and "<td>3</td>" in html  # table u differs: each engine's
    assert html.count("<div class='engine'>torch</div>") == 2
    # a plain list of two engines' results gets its overlay drawn by the report itself
    (tmp_path / fig.path).unlink()
    write_report(str(tmp_path), [[a, b]], {"engine": "both"})
    assert (tmp_path / fig.path).is_file()
