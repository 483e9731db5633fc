"""`python -m shared.growth < cases.csv > out.csv`: WHO 2006 z-scores, flags and Permenkes categories per row."""
import sys

from shared.growth import main

if __name__ == "__main__":
    sys.exit(main())
