"""Growth chart benchmark: warm render time and the cold cost of the chart path, each against a same-run baseline.

    .venv/bin/python bench/charts.py [--quick]

Warm: median of N renders of a 4-point chart, against encoding a blank PNG of the same size with the same
library (Pillow) in the same process; target under 300 ms. Cold: fresh interpreters (as a new
Cloud Functions instance is), timing `import shared.charts.render` plus the first render, against
`python -c pass` measured interleaved, so machine noise hits both. If matplotlib is installed, its import
(Figure + Agg canvas, without pyplot) is timed the same way as the reference for the renderer choice.
Nothing is asserted; the figures are printed.
"""
from __future__ import annotations

import argparse
import importlib.util
import io
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
TARGET_WARM_MS = 300  # a chart after each result must not slow the reply noticeably

POINTS = [(30, 53.0), (120, 60.0), (250, 66.0), (400, 71.0)]  # a boy, 1 to 13 months, drifting below -2 SD

PROBE = """
import time
t = time.perf_counter()
{body}
print((time.perf_counter() - t) * 1000)
"""
COLD = {
    "import shared.charts": "import shared.charts",
    "import + first render": "from shared.charts.render import render_chart\n"
                             f"render_chart('lfa', 'M', {POINTS!r}, 'id', 'Budi')",
    "Pillow alone": "from PIL import Image, ImageDraw, ImageFont",
}
MATPLOTLIB = "from matplotlib.figure import Figure\nfrom matplotlib.backends.backend_agg import FigureCanvasAgg"


def _probe(body: str) -> tuple[float, float]:
    """(ms inside a fresh interpreter running `body`, ms of the whole process from the outside)."""
    env = dict(os.environ, PYTHONPATH=str(REPO))
    start = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", PROBE.format(body=body)], env=env, cwd=REPO,
                         capture_output=True, text=True, check=True)
    wall = (time.perf_counter() - start) * 1000
    return float(out.stdout.strip().splitlines()[-1]), wall


def _pass_wall() -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", "pass"], check=True)
    return (time.perf_counter() - start) * 1000


def _median_ms(fn, runs: int) -> float:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def warm(runs: int) -> None:
    """Median warm render against encoding a blank picture of the same size with the same library."""
    from PIL import Image

    from shared.charts import layout as chart_layout
    from shared.charts.render import render_chart

    def blank():
        out = io.BytesIO()
        Image.new("RGB", (chart_layout.WIDTH_PX, chart_layout.HEIGHT_PX), (255, 255, 255)).save(
            out, format="PNG", compress_level=6)

    charts = {
        "boy lfa, 4 points": lambda: render_chart("lfa", "M", POINTS, "id", "Budi"),
        "girl wfa, 4 points": lambda: render_chart("wfa", "F", [(20, 3.6), (95, 5.4), (190, 6.9), (300, 7.6)],
                                                   "en", "Ani"),
        "boy wfh, 3 points": lambda: render_chart("wfh", "M", [(88.0, 12.0), (92.5, 13.1), (96.0, 13.5)], "id"),
    }
    for fn in charts.values():
        fn()  # tables, fonts and Pillow's plugins load once per process, outside the timing
    blank()
    base = _median_ms(blank, runs)
    size = len(charts["boy lfa, 4 points"]())
    print(f"warm render, median of {runs} (target < {TARGET_WARM_MS} ms)")
    print(f"  {'blank 1080x1350 PNG (baseline)':34s} {base:7.1f} ms")
    for name, fn in charts.items():
        ms = _median_ms(fn, runs)
        print(f"  {name:34s} {ms:7.1f} ms  = {ms / base:5.1f}x baseline  "
              f"{'OK' if ms < TARGET_WARM_MS else 'OVER TARGET'}")
    print(f"  PNG size: {size / 1024:.0f} KB (Meta's limit: 5 MB)")


def cold(runs: int) -> None:
    """Fresh interpreters: the chart path's import and first render against an empty interpreter."""
    bodies = dict(COLD)
    if importlib.util.find_spec("matplotlib") is not None:
        bodies["matplotlib (reference, not used)"] = MATPLOTLIB
    for body in bodies.values():
        _probe(body)  # warm the .pyc files once, as a deployed function has them
    inside = {name: [] for name in bodies}
    outside = {name: [] for name in bodies}
    passes = []
    for _ in range(runs):
        passes.append(_pass_wall())
        for name, body in bodies.items():
            ms_in, ms_out = _probe(body)
            inside[name].append(ms_in)
            outside[name].append(ms_out)
    base = statistics.median(passes)
    print(f"cold, fresh interpreter, median of {runs}; `python -c pass` takes {base:.0f} ms")
    for name in bodies:
        ms_in, ms_out = statistics.median(inside[name]), statistics.median(outside[name])
        print(f"  {name:34s} {ms_in:7.1f} ms inside   process {ms_out:5.0f} ms = +{ms_out - base:4.0f} ms "
              f"over `pass` ({ms_out / base:4.1f}x)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer runs, for a smoke test")
    args = parser.parse_args()
    warm(runs=5 if args.quick else 30)
    print()
    cold(runs=3 if args.quick else 11)
    return 0


if __name__ == "__main__":
    sys.exit(main())
