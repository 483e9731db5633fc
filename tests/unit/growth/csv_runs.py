"""Running `python -m shared.growth_csv` in process on CSV text; shared by the CLI tests of both tiers (tests/unit
and tests/exhaustive)."""
import csv
import io

from shared.growth_csv import run
from tests.kit import REPO

FIXTURE = REPO / "tests" / "data" / "growth" / "cli_cases.csv"
INPUT = ("sex", "age_days", "weight_kg", "lenhei_cm", "measure", "headc_cm", "armc_cm", "oedema")


def run_text(text: str) -> list[dict]:
    """The rows the command writes for this input."""
    out = io.StringIO()
    run(io.StringIO(text), out)
    return list(csv.DictReader(io.StringIO(out.getvalue())))


def by_id(rows: list[dict]) -> dict:
    """Rows by their case_id column."""
    return {r["case_id"]: r for r in rows}
