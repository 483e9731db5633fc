"""Print docs/advice.md from the advice matrix and the message catalogue: `make advice-doc` writes the file."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from shared.flows.advice_doc import markdown  # noqa: E402  (after the path is set, so the script runs anywhere)

if __name__ == "__main__":
    sys.stdout.write(markdown())
