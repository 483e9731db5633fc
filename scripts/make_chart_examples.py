"""Draw the example growth charts shown in the README into docs/charts/ (made-up children, not real data).

    .venv/bin/python scripts/make_chart_examples.py [--out docs/charts]
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from shared.charts import render_chart  # noqa: E402

MAX_BYTES = 200 * 1024  # keep the repository light; each picture is about 110 KB

# name: (indicator, sex, points, lang, child's name). Made-up children whose stories the charts tell.
EXAMPLES = {
    # A boy born on the median who drifts below -2 SD in his first year: the stunting chart's reason to exist.
    "boy-lfa-id.png": ("lfa", "M", [(30, 54.5), (122, 61.0), (245, 66.5), (365, 70.0), (487, 74.0)], "id", "Budi"),
    # A girl growing along the median band: the reassuring case.
    "girl-wfa-id.png": ("wfa", "F", [(20, 3.6), (95, 5.4), (190, 6.9), (300, 7.9), (420, 8.7)], "id", "Ani"),
    # Weight-for-length, as sent when asked, in English: a thin toddler under 2 years (length table).
    "girl-wfl-en.png": ("wfl", "F", [(68.0, 7.0), (71.5, 7.2), (74.0, 7.3)], "en", "Siti"),
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "charts")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    for name, (indicator, sex, points, lang, child) in EXAMPLES.items():
        png = render_chart(indicator, sex, points, lang, child_name=child)
        if len(png) > MAX_BYTES:
            print(f"{name}: {len(png) // 1024} KB is over {MAX_BYTES // 1024} KB", file=sys.stderr)
            return 1
        (args.out / name).write_bytes(png)
        print(f"{args.out / name}  {len(png) // 1024} KB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
