"""Cold start: import time of each entry point against importing functions_framework alone, in the same run.

    .venv/bin/python bench/cold_start.py [--runs 9]

Each entry point is timed together with what its first request imports (shared.bootstrap: pg8000, redis,
the adapters), since a cold start pays for both. Each measurement is a fresh interpreter (as a new Cloud Functions instance is), timed around the import only,
with warm .pyc files. The baseline (functions_framework alone) is measured interleaved with the entry points,
so machine noise hits both. Target: each entry point adds at most 300 ms over the baseline.
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TARGET_ADDED_MS = 300

PROBE = """
import sys, time, importlib.util
t = time.perf_counter()
{body}
print((time.perf_counter() - t) * 1000)
"""
BASELINE = "import functions_framework"
ENTRY = ("import functions_framework\n"
         "spec = importlib.util.spec_from_file_location('main', {path!r})\n"
         "m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m)")


def measure(body: str) -> float:
    """Milliseconds one fresh interpreter spends running `body`."""
    env = dict(os.environ, PYTHONPATH=str(REPO))
    out = subprocess.run([sys.executable, "-c", PROBE.format(body=body)], env=env, cwd=REPO,
                         capture_output=True, text=True, check=True)
    return float(out.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args()
    # The App (pg8000, redis, adapters) is built on the first request, not at import; a cold start pays for
    # both, so each entry point is measured with shared.bootstrap imported too.
    first_request = {"webhook": "import shared.bootstrap, jsonschema",  # the envelope schema loads on the first POST
                     "scheduler": "import shared.bootstrap", "backup": "import shared.bootstrap"}
    entries = {name: ENTRY.format(path=str(REPO / "functions" / name / "main.py")) + "\n" + extra
               for name, extra in first_request.items()}
    measure(BASELINE)  # warm .pyc files once
    for body in entries.values():
        measure(body)
    samples: dict[str, list[float]] = {"functions_framework": [], **{n: [] for n in entries}}
    for _ in range(args.runs):
        samples["functions_framework"].append(measure(BASELINE))
        for name, body in entries.items():
            samples[name].append(measure(body))
    base = statistics.median(samples["functions_framework"])
    print(f"cold-start imports (entry point + first-request imports), median of {args.runs} fresh interpreters")
    print(f"  {'baseline: functions_framework':<34} {base:7.1f} ms   1.00x")
    worst = 0.0
    for name in entries:
        med = statistics.median(samples[name])
        added = med - base
        worst = max(worst, added)
        print(f"  {'functions/' + name + '/main.py':<34} {med:7.1f} ms   {med / base:.2f}x   adds {added:6.1f} ms")
    verdict = "within" if worst <= TARGET_ADDED_MS else "OVER"
    print(f"worst entry point adds {worst:.1f} ms: {verdict} the {TARGET_ADDED_MS} ms target")
    return 0


if __name__ == "__main__":
    sys.exit(main())
