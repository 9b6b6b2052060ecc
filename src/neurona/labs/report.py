"""The course report: ``index.html`` (one section per lab, figures beside it) and
``results.json`` (every metric, target, engine, seed, profile, version and timing)."""

from __future__ import annotations

import html
import json
import os
import platform
import re
import time
from collections.abc import Sequence
from typing import Any

from ..io import atomic_write_bytes
from .engine import Figure
from .runner import LabResult, compare_engines, shared_curves

#: At most this many curves (panels) in the engines' overlay figure.
OVERLAY_MAX_PANELS = 12

_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;max-width:1100px;margin:2em auto;
padding:0 1em;color:#222;line-height:1.45}
h1{margin-bottom:.2em} h2{border-bottom:2px solid #ddd;padding-bottom:.2em;margin-top:2em}
table{border-collapse:collapse;margin:.8em 0;font-size:.92em} td,th{border:1px solid #ccc;padding:.25em .6em}
th{background:#f3f3f3} .ok{color:#14803c;font-weight:bold} .bad{color:#b91c1c;font-weight:bold}
.muted{color:#777} figure{display:inline-block;margin:.5em;vertical-align:top;max-width:520px}
figure img{max-width:100%;border:1px solid #eee} figcaption{font-size:.85em;color:#555}
code{background:#f4f4f4;padding:0 .2em} pre{background:#f7f7f7;padding:.6em;overflow-x:auto}
.summary td:first-child{white-space:nowrap} figure.overlay{display:block;max-width:100%}
.engine{font-size:.8em;color:#555;font-weight:bold;text-transform:uppercase;margin-bottom:-.4em}
"""


def _md(text: str) -> str:
    """Light Markdown → HTML: paragraphs, **bold**, *italic*, `code`."""
    out = []
    for para in re.split(r"\n\s*\n", text.strip()):
        p = html.escape(para)
        p = re.sub(r"`([^`]+)`", r"<code>\1</code>", p)
        p = re.sub(r"\*\*([^*]+)\*\*", r"<b>\1</b>", p)
        p = re.sub(r"(?<!\*)\*([^*]+)\*(?!\*)", r"<i>\1</i>", p)
        out.append(f"<p>{p.replace(chr(10), '<br>')}</p>")
    return "\n".join(out)


def _fmt(v: Any) -> str:
    if isinstance(v, float):
        if v != v:
            return "nan"
        if v == int(v) and abs(v) < 1e6:
            return f"{v:.0f}" if abs(v) >= 1000 else f"{v:g}"
        return f"{v:.4g}" if abs(v) < 1e4 else f"{v:.3e}"
    return html.escape(str(v))


def _targets_table(results: Sequence[LabResult]) -> str:
    engines = [r.engine for r in results]
    head = "<tr><th>target</th><th>profiles</th>" + "".join(f"<th>{e}</th>" for e in engines) + "</tr>"
    rows = []
    for i, tr in enumerate(results[0].targets):
        cells = []
        for r in results:
            t = r.targets[i]
            mark = "✓" if t.passed else ("✗" if t.required else "–")
            cls = "ok" if t.passed else ("bad" if t.required else "muted")
            val = "—" if t.measured is None else _fmt(t.measured)
            cells.append(f"<td><span class='{cls}'>{mark}</span> {val}</td>")
        desc = html.escape(tr.target.describe())
        if tr.target.description:
            desc += f"<br><span class='muted'>{html.escape(tr.target.description)}</span>"
        rows.append(f"<tr><td>{desc}</td><td>{', '.join(tr.target.profiles)}</td>{''.join(cells)}</tr>")
    return f"<table>{head}{''.join(rows)}</table>" if rows else ""


def _metrics_table(results: Sequence[LabResult]) -> str:
    keys: list[str] = []
    for r in results:
        keys += [k for k in r.metrics if k not in keys]
    if not keys:
        return ""
    diffs = compare_engines(list(results))
    head = "<tr><th>metric</th>" + "".join(f"<th>{r.engine}</th>" for r in results)
    head += "<th>|Δ|</th></tr>" if len(results) > 1 else "</tr>"
    rows = []
    for k in keys:
        cells = "".join(f"<td>{_fmt(r.metrics.get(k, float('nan')))}</td>" for r in results)
        if len(results) > 1:
            cells += f"<td>{_fmt(diffs.get(k, float('nan')))}</td>"
        rows.append(f"<tr><td>{html.escape(k)}</td>{cells}</tr>")
    return f"<details><summary>all metrics</summary><table>{head}{''.join(rows)}</table></details>"


def _table_html(t: Any) -> str:
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in t.columns)
    body = "".join("<tr>" + "".join(f"<td>{_fmt(v)}</td>" for v in row) + "</tr>" for row in t.rows)
    cap = f"<caption>{html.escape(t.caption)}</caption>" if t.caption else ""
    return f"<table>{cap}<tr>{head}</tr>{body}</table>"


def _largest_curve_gap(results: Sequence[LabResult]) -> tuple[str, float] | None:
    curve = {k[6:]: v for k, v in compare_engines(list(results)).items() if k.startswith("curve:")}
    return max(curve.items(), key=lambda kv: kv[1]) if curve else None


def engine_overlay(results: Sequence[LabResult], out_dir: str) -> Figure | None:
    """With two engines: one PNG with every curve both recorded — the first engine (neurona)
    solid, the second (torch) dashed, on shared axes; one panel per curve (at most
    ``OVERLAY_MAX_PANELS``). Saved as ``figures/<lab>-engines-overlay.png``; None when the
    engines share no curve (or the figure can't be drawn — the report notes why)."""
    names = shared_curves(list(results))
    if not names:
        return None
    a, b = results[0], results[1]
    lab = a.lab
    diffs = compare_engines(list(results))
    shown = names[:OVERLAY_MAX_PANELS]
    try:
        from matplotlib.figure import Figure as MplFigure  # no pyplot: headless, no global state

        ncols = min(3, len(shown))
        nrows = -(-len(shown) // ncols)
        fig = MplFigure(figsize=(4.2 * ncols, 2.9 * nrows))
        axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
        for ax, name in zip(axes, shown):
            ya, yb = a.curves[name], b.curves[name]
            ax.plot(range(len(ya)), ya, "-", color="C0", lw=2.2, alpha=0.8, label=a.engine)
            ax.plot(range(len(yb)), yb, "--", color="C3", lw=1.4, label=b.engine)
            values = [v for v in (*ya, *yb) if v == v]
            if values and min(values) > 0 and max(values) / min(values) > 100:
                ax.set_yscale("log")
            ax.set_title(f"{name}\nmax |Δ| = {diffs.get('curve:' + name, float('nan')):.3g}", fontsize=9)
            ax.set_xlabel("step", fontsize=8)
            ax.tick_params(labelsize=7)
            ax.grid(alpha=0.3)
        for ax in axes[len(shown):]:
            ax.set_visible(False)
        axes[0].legend(fontsize=8)
        fig.suptitle(f"Clase {lab.number}: {a.engine} (solid) vs {b.engine} (dashed) — same initial "
                     "weights, same batches", fontsize=10)
        fig.tight_layout()
        folder = os.path.join(out_dir, "figures")
        os.makedirs(folder, exist_ok=True)
        fname = f"{lab.id}-engines-overlay.png"
        fig.savefig(os.path.join(folder, fname), dpi=90, bbox_inches="tight")
    except Exception as e:  # noqa: BLE001 - a figure must not cost the course its report
        a.notes.append(f"the engines' overlay figure failed: {type(e).__name__}: {e}")
        return None
    worst = _largest_curve_gap(results)
    caption = (f"{a.engine} (solid) vs {b.engine} (dashed), {len(shown)} curve(s)"
               + (f" (the first {len(shown)} of {len(names)})" if len(names) > len(shown) else "")
               + (f"; largest difference between the engines' curves {worst[1]:.3g} ({worst[0]})"
                  if worst else ""))
    return Figure("engines-overlay", os.path.join("figures", fname), caption)


def _keyed(items: Sequence[Any], name: Any) -> dict[Any, Any]:
    """Items keyed by (name, occurrence) — by position when ``name`` is None."""
    out: dict[Any, Any] = {}
    for i, x in enumerate(items):
        k = i if name is None else name(x)
        n = 0
        while (k, n) in out:
            n += 1
        out[(k, n)] = x
    return out


def _per_engine(results: Sequence[LabResult], items: Any, render: Any, name: Any = None) -> list[str]:
    """Every engine's items (texts or tables), paired across engines by name (or position): shown
    once when every engine's renders the same, else each engine's, labelled with the engine."""
    if len(results) == 1:
        return [render(x) for x in items(results[0])]
    per = [_keyed(items(r), name) for r in results]
    keys = list(dict.fromkeys(k for p in per for k in p))
    out = []
    for k in keys:
        present = [(r.engine, render(p[k])) for r, p in zip(results, per) if k in p]
        if len(present) == len(results) and all(x == present[0][1] for _, x in present):
            out.append(present[0][1])  # the same on every engine (as rendered)
        else:
            out += [f"<div class='engine'>{html.escape(e)}</div>{x}" for e, x in present]
    return out


def _lab_section(results: Sequence[LabResult], overlay: Figure | None = None) -> str:
    lab = results[0].lab
    status = " ".join(
        f"<span class='{'ok' if r.passed else 'bad'}'>{r.engine}: {r.status}</span> "
        f"<span class='muted'>({r.seconds:.1f} s)</span>" for r in results
    )
    parts = [f"<h2 id='{lab.id}'>Clase {lab.number} — {html.escape(lab.title)}</h2>",
             f"<p class='muted'>{html.escape(lab.summary)}</p><p>{status}</p>"]
    parts += _per_engine(results, lambda r: r.texts, _md)
    parts.append(_targets_table(results))
    parts += _per_engine(results, lambda r: r.tables, _table_html, lambda t: t.name)
    if len(results) > 1:
        worst = _largest_curve_gap(results)
        if worst:
            parts.append(f"<p>neurona vs PyTorch: largest difference between the engines' curves "
                         f"<b>{worst[1]:.3g}</b> ({html.escape(worst[0])}).</p>")
        if overlay is not None:
            parts.append(f"<figure class='overlay'><img src='{html.escape(overlay.path)}' "
                         f"alt='{html.escape(overlay.name)}'><figcaption>{html.escape(overlay.caption)}"
                         "</figcaption></figure>")
    figs = [f for r in results for f in r.figures]
    if figs:
        parts.append("<div>" + "".join(
            f"<figure><img src='{html.escape(f.path)}' alt='{html.escape(f.name)}'>"
            f"<figcaption>{html.escape(f.caption)}</figcaption></figure>" for f in figs) + "</div>")
    parts.append(_metrics_table(results))
    for r in results:
        for n in r.notes:
            parts.append(f"<p class='muted'>[{r.engine}] {html.escape(n)}</p>")
        if r.error:
            parts.append(f"<pre class='bad'>{html.escape(r.error)}</pre>")
    return "\n".join(parts)


def versions() -> dict[str, str]:
    import numpy

    import neurona

    out = {"neurona": neurona.__version__, "numpy": numpy.__version__,
           "python": platform.python_version()}
    try:
        import torch

        out["torch"] = torch.__version__
    except ImportError:  # pragma: no cover
        pass
    return out


def write_report(out_dir: str, grouped: Sequence[Sequence[LabResult]], meta: dict[str, Any]) -> str:
    """Write index.html and results.json into ``out_dir``; returns the HTML path."""
    os.makedirs(out_dir, exist_ok=True)
    summary_rows = []
    for results in grouped:
        lab = results[0].lab
        for r in results:
            required = [t for t in r.targets if t.required]
            met = sum(t.passed for t in required)
            cls = "ok" if r.passed else "bad"
            summary_rows.append(
                f"<tr><td><a href='#{lab.id}'>{lab.number}</a></td><td>{html.escape(lab.title)}</td>"
                f"<td>{r.engine}</td><td class='{cls}'>{met}/{len(required)}</td>"
                f"<td class='{cls}'>{r.status}</td><td>{r.seconds:.1f} s</td></tr>")
    head = ("<tr><th>clase</th><th>tema</th><th>engine</th><th>targets met</th><th>status</th>"
            "<th>time</th></tr>")
    body = [
        "<!doctype html><html lang='es'><head><meta charset='utf-8'>",
        "<title>neurona — Aprendizaje Profundo</title>", f"<style>{_CSS}</style></head><body>",
        "<h1>neurona — Aprendizaje Profundo</h1>",
        f"<p class='muted'>profile <b>{meta.get('profile')}</b>, seed {meta.get('seed')}, "
        f"engine {meta.get('engine')}, {time.strftime('%Y-%m-%d %H:%M')}, "
        + ", ".join(f"{k} {v}" for k, v in versions().items()) + "</p>",
        f"<table class='summary'>{head}{''.join(summary_rows)}</table>",
    ]
    body += [_lab_section(results, _overlay_of(results, out_dir)) for results in grouped]
    body.append("</body></html>")
    path = os.path.join(out_dir, "index.html")
    atomic_write_bytes(path, "\n".join(body).encode())
    atomic_write_bytes(os.path.join(out_dir, "results.json"),
                       json.dumps(results_json(grouped, meta), indent=2).encode())
    return path


def _overlay_of(results: Sequence[LabResult], out_dir: str) -> Figure | None:
    """The group's overlay figure: the one the course drew (``LabRuns.overlay``), else drawn now
    (a plain list of two engines' results)."""
    if len(results) < 2:
        return None
    if hasattr(results, "overlay"):
        return results.overlay
    return engine_overlay(results, out_dir)


def results_json(grouped: Sequence[Sequence[LabResult]], meta: dict[str, Any]) -> dict[str, Any]:
    labs = []
    for results in grouped:
        lab = results[0].lab
        overlay = getattr(results, "overlay", None)
        labs.append({
            "id": lab.id, "number": lab.number, "title": lab.title,
            "runs": [{
                "engine": r.engine, "status": r.status, "seconds": round(r.seconds, 3),
                "error": r.error or None, "metrics": r.metrics,
                "targets": [{"metric": t.target.metric, "op": t.target.op, "value": t.target.value,
                             "tol": t.target.tol, "required": t.required, "measured": t.measured,
                             "passed": t.passed} for t in r.targets],
                "figures": [f.path for f in r.figures],
            } for r in results],
            "engine_max_abs_diff": compare_engines(list(results)),
            "engine_overlay": overlay.path if overlay is not None else None,
        })
    return {"meta": {**meta, "versions": versions()}, "labs": labs}
