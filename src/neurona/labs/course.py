"""Running a list of labs (one, or the whole course): console lines, the report, the exit code.

The report is rewritten after every lab, so an interrupted run (Ctrl-C) still leaves every
finished lab in ``index.html`` and ``results.json``.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Sequence

from .engine import Shared
from .registry import Lab
from .report import engine_overlay, write_report
from .runner import LabResult, LabRuns, engines_for, run_lab


def _line(text: str) -> None:
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def target_table(grouped: Sequence[Sequence[LabResult]]) -> str:
    """Every target of every lab run: measured value and ✓/✗ (– when not required)."""
    rows = [("clase", "engine", "target", "measured", "")]
    for results in grouped:
        for r in results:
            for t in r.targets:
                mark = "✓" if t.passed else ("✗" if t.required else "–")
                val = "—" if t.measured is None else f"{t.measured:.4g}"
                rows.append((str(r.lab.number), r.engine, t.target.describe(), val, mark))
    widths = [max(len(row[i]) for row in rows) for i in range(5)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def run_course(labs: Sequence[Lab], engine: str = "neurona", profile: str = "fast", seed: int = 0,
               out_dir: str = "neurona-report", device: str = "cpu", progress: bool = True) -> int:
    """Run ``labs`` in order on the chosen engine(s); write the report; return the exit status
    (0 all required targets met, 1 otherwise, 130 interrupted)."""
    meta = {"engine": engine, "profile": profile, "seed": seed, "device": device,
            "labs": [lab.id for lab in labs]}
    grouped: list[list[LabResult]] = []
    t0 = time.perf_counter()
    interrupted = False
    try:
        for lab in labs:
            shared = Shared()
            results = LabRuns()
            grouped.append(results)  # filled as each engine finishes (kept if interrupted)
            for eng in engines_for(engine):
                _line(f"▶ clase {lab.number} · {lab.title} [{eng}, {profile}] …")
                r = run_lab(lab, eng, profile, seed, out_dir, device, progress, shared)
                results.append(r)
                missed = [t for t in r.targets if t.required and not t.passed]
                status = {"ok": "✓", "failed": "✗", "error": "✗ error"}.get(r.status, r.status)
                detail = f" — {len(missed)} target(s) missed" if missed else ""
                if r.error:
                    detail += f" — {r.error.splitlines()[0]}"
                _line(f"  {status} clase {lab.number} [{eng}] in {r.seconds:.1f} s{detail}")
            if len(results) > 1:  # --engine both: the engines' curves overlaid, one figure
                results.overlay = engine_overlay(results, out_dir)
            write_report(out_dir, grouped, {**meta, "seconds": round(time.perf_counter() - t0, 2)})
    except KeyboardInterrupt:
        interrupted = True
        _line("\ninterrupted — the report keeps the labs that finished")
    grouped = [g for g in grouped if g]
    meta["seconds"] = round(time.perf_counter() - t0, 2)
    meta["interrupted"] = interrupted
    path = write_report(out_dir, grouped, meta)
    if grouped:
        _line("\n" + target_table(grouped))
    ok = all(r.passed for results in grouped for r in results)
    _line(f"\n{'all targets met' if ok else 'some targets missed'} · {meta['seconds']:.1f} s · "
          f"report: {path}")
    if interrupted:
        return 130
    return 0 if ok else 1
