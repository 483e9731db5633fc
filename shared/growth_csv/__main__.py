"""`python -m shared.growth_csv < cases.csv > out.csv`: WHO 2006 z-scores, flags and Permenkes categories per row.

A flagged score has no category (WHO leaves it out of prevalence); see shared.growth_csv.
"""
import sys

from shared.growth_csv import main

if __name__ == "__main__":
    sys.exit(main())
