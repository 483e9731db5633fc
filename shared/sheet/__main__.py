"""`python -m shared.sheet recalc < cases.csv > out.csv`: the Sheet's formulas computed by headless LibreOffice on
the growth command's input (see recalc.py). Argument parsing only."""
import argparse
import sys

from shared.sheet import recalc


def main(argv: list[str] | None = None) -> int:
    """Parse the subcommand and run it; returns the exit status."""
    parser = argparse.ArgumentParser(prog="python -m shared.sheet", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("recalc", help="stdin: the growth command's input CSV; stdout: case_id and the Sheet's "
                                       "z-scores, flags and categories, computed by headless LibreOffice")
    args = parser.parse_args(argv)
    if args.command == "recalc":
        return recalc.main()
    parser.error(f"unknown command {args.command!r}")
    return 2


if __name__ == "__main__":
    sys.exit(main())
