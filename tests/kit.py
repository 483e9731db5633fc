"""Where the reference kit (../shared beside the checkout) lives, and a skip when it is absent.

The kit holds WHO's tables and reference vectors; it sits beside every developer's and CI's checkout
but not beside a user's clone, so tests that read it skip with a clear reason instead of failing.
"""
import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
KIT = Path(os.environ.get("TUMBUH_KIT", REPO.parent / "shared")).resolve()


def kit_path(*parts: str) -> Path:
    """Path inside the kit; skips the calling test when the file is not there."""
    path = KIT.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"reference kit not found at {path} (set TUMBUH_KIT to the folder holding who/ and reference/)")
    return path
