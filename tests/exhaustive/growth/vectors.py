"""WHO's public reference vectors and tables from the kit beside the checkout (tests skip when it is absent)."""
import csv
import math

from tests.kit import kit_path

INDICATORS = (("zlen", "flen"), ("zwei", "fwei"), ("zwfl", "fwfl"), ("zbmi", "fbmi"), ("zhc", "fhc"), ("zac", "fac"))
WHO2007 = (("zhfa", "fhfa"), ("zwfa", "fwfa"), ("zbfa", "fbfa"))


def read_csv(*parts: str) -> list[dict]:
    """Rows of a kit CSV as dicts of text; skips the calling test when the kit is absent."""
    with open(kit_path(*parts), newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def vectors() -> list[dict]:
    """The 600 public cases with WHO's expected outputs."""
    return read_csv("who", "vectors_public.csv")


def number(text: str) -> float | None:
    """A CSV number, None for blank (R's NA)."""
    return None if text == "" else float(text)


def inputs(row: dict) -> dict:
    """who2006.compute keyword arguments for one vector row."""
    return {
        "sex": int(row["sex"]) if row["sex"] else None,
        "age_days": number(row["age_days"]),
        "weight_kg": number(row["weight_kg"]),
        "lenhei_cm": number(row["lenhei_cm"]),
        "measure": row["measure"] or None,
        "headc_cm": number(row["headc_cm"]),
        "armc_cm": number(row["armc_cm"]),
        "oedema": row["oedema"] == "y",
    }


def same_number(a: float | None, b: float | None, tol: float = 0.0) -> bool:
    """Equal within tol, both missing counting as equal (NaN is missing)."""
    a = None if a is None or (isinstance(a, float) and math.isnan(a)) else a
    b = None if b is None or (isinstance(b, float) and math.isnan(b)) else b
    if a is None or b is None:
        return a is b
    return abs(a - b) <= tol
